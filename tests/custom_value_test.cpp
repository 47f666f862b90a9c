// Typed custom values (CustomValue, LeadInput::set): what a C++ caller sets
// is stored, read back and rendered exactly, and nothing it can set makes
// invalid JSON.
#define BOOST_TEST_MODULE custom_value
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using Json = nlohmann::ordered_json;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

std::vector<LeadInput> one(LeadInput in) {
  std::vector<LeadInput> v;
  v.push_back(std::move(in));
  return v;
}

template <typename Fn>
bool refused(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code() == ErrorCode::invalid_argument;
  }
  return false;
}

// A value nested `levels` deep: [[...["x"]...]].
CustomValue nested(int levels) {
  CustomValue v = "x";
  for (int i = 0; i < levels; ++i) v = CustomValue::array({v});
  return v;
}

// The things a C++ caller can convert, and the ones it must not.
enum class Plan { free, pro };
static_assert(std::is_constructible_v<CustomValue, int>);
static_assert(std::is_constructible_v<CustomValue, unsigned long long>);
static_assert(std::is_constructible_v<CustomValue, float>);
static_assert(std::is_constructible_v<CustomValue, std::string>);
static_assert(std::is_constructible_v<CustomValue, const char*>);
static_assert(!std::is_constructible_v<CustomValue, char>);  // not silently a number or a bool
static_assert(!std::is_constructible_v<CustomValue, const int*>);
static_assert(!std::is_constructible_v<CustomValue, Plan>);

}  // namespace

BOOST_FIXTURE_TEST_SUITE(custom_value, EngineFixture)

BOOST_AUTO_TEST_CASE(strings_are_escaped_and_come_back_byte_for_byte) {
  seedCampaign();
  const std::vector<std::pair<std::string, std::string>> values = {
      {"quote", R"(The "Best" Co)"},
      {"backslash", R"(C:\temp\new)"},
      {"controls", std::string("tab\there, line\nbreak, cr\r, bell\x07, unit\x1f, del\x7f")},
      {"unicode", "Zo\xC3\xAB \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80 \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"},
      {"json-like", R"({"not": "an object"}, [1, 2])"},
      {"empty", ""},
  };
  LeadInput in = lead("a@acme.com");
  for (const auto& [key, value] : values) in.set(key, value);
  BOOST_REQUIRE(in.customFields.has_value());
  const Json written = Json::parse(*in.customFields);  // valid JSON, whatever the values
  BOOST_TEST(written.size() == values.size());

  const BulkResult r = engine->bulkUpsert(kCamp, one(in));
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.failed == 0);
  const Json stored = Json::parse(engine->getLead(kCamp, "a@acme.com")->customFields);
  for (const auto& [key, value] : values) {
    BOOST_TEST_CONTEXT(key) { BOOST_TEST(stored.at(key).get<std::string>() == value); }
  }
  BOOST_TEST(*in.customFields == stored.dump());  // stored exactly as written, keys in order
}

BOOST_AUTO_TEST_CASE(keys_are_escaped_too) {
  seedCampaign();
  LeadInput in = lead("a@acme.com");
  in.set(R"(say "hi")", 1).set("back\\slash", 2).set("new\nline", 3).set("caf\xC3\xA9", 4);
  (void)engine->bulkUpsert(kCamp, one(in));
  const Json stored = Json::parse(engine->getLead(kCamp, "a@acme.com")->customFields);
  BOOST_TEST(stored.at(R"(say "hi")") == 1);
  BOOST_TEST(stored.at("back\\slash") == 2);
  BOOST_TEST(stored.at("new\nline") == 3);
  BOOST_TEST(stored.at("caf\xC3\xA9") == 4);
}

BOOST_AUTO_TEST_CASE(numbers_booleans_and_null_are_json_values_not_strings) {
  seedCampaign();
  LeadInput in = lead("a@acme.com");
  in.set("int", 42)
      .set("negative", -7)
      .set("min", std::numeric_limits<std::int64_t>::min())
      .set("max", std::numeric_limits<std::int64_t>::max())
      .set("huge", std::numeric_limits<std::uint64_t>::max())
      .set("byte", std::uint8_t{200})
      .set("double", 1.5)
      .set("tenth", 0.1)
      .set("large", 1e300)
      .set("tiny", -2.5e-300)
      .set("single", 2.25f)
      .set("yes", true)
      .set("no", false)
      .set("nothing", nullptr);
  BOOST_TEST(*in.customFields ==
             R"({"int":42,"negative":-7,"min":-9223372036854775808,"max":9223372036854775807,)"
             R"("huge":18446744073709551615,"byte":200,"double":1.5,"tenth":0.1,"large":1e+300,)"
             R"("tiny":-2.5e-300,"single":2.25,"yes":true,"no":false,"nothing":null})");

  (void)engine->bulkUpsert(kCamp, one(in));
  const Lead stored = *engine->getLead(kCamp, "a@acme.com");
  // A new lead gets the patch applied to an empty object: the null key is not stored.
  BOOST_TEST(stored.customFields ==
             R"({"int":42,"negative":-7,"min":-9223372036854775808,"max":9223372036854775807,)"
             R"("huge":18446744073709551615,"byte":200,"double":1.5,"tenth":0.1,"large":1e+300,)"
             R"("tiny":-2.5e-300,"single":2.25,"yes":true,"no":false})");
  const Json doc = Json::parse(stored.customFields);
  BOOST_TEST(doc.at("huge").get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  BOOST_TEST(doc.at("tenth").get<double>() == 0.1);
  BOOST_TEST(doc.at("yes").is_boolean());
}

BOOST_AUTO_TEST_CASE(a_null_value_removes_the_key_in_a_merge) {
  seedCampaign();
  LeadInput first = lead("a@acme.com");
  first.set("plan", "pro").set("city", "Oslo").set("seats", 12);
  (void)engine->bulkUpsert(kCamp, one(first));

  LeadInput second = lead("a@acme.com");
  second.set("plan", nullptr).set("seats", 15);
  const BulkResult r = engine->bulkUpsert(kCamp, one(second));
  BOOST_TEST(r.updated == 1);
  BOOST_TEST(engine->getLead(kCamp, "a@acme.com")->customFields == R"({"city":"Oslo","seats":15})");

  // fillEmpty adds missing keys only, and a null adds nothing.
  LeadInput third = lead("a@acme.com");
  third.set("city", nullptr).set("seats", 99).set("tier", "gold");
  BulkOptions fill;
  fill.mode = MergeMode::fillEmpty;
  (void)engine->bulkUpsert(kCamp, one(third), fill);
  BOOST_TEST(engine->getLead(kCamp, "a@acme.com")->customFields == R"({"city":"Oslo","seats":15,"tier":"gold"})");
}

BOOST_AUTO_TEST_CASE(nested_objects_and_arrays_merge_and_render) {
  seedCampaign("camp_n", {{"Hi {{firstName|there}}",
                           "{{address.city}} / {{customFields.address.zip}} / {{tags}} / {{score}}",
                           StepFormat::text, 0}});
  (void)engine->startCampaign("camp_n");
  LeadInput in = lead("a@acme.com");
  in.set("address", CustomValue::object({{"city", "Oslo"}, {"zip", "0154"}, {"geo", CustomValue::object({{"lat", 59.91}})}}))
      .set("tags", CustomValue::array({"vip", 3, true, nullptr, CustomValue::array()}))
      .set("score", 85);
  BOOST_TEST(*in.customFields ==
             R"({"address":{"city":"Oslo","zip":"0154","geo":{"lat":59.91}},"tags":["vip",3,true,null,[]],"score":85})");
  (void)engine->bulkUpsert("camp_n", one(in));
  const auto queued = engine->listMessages("camp_n", MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(queued.size(), 1U);
  BOOST_TEST(queued[0].body == R"(Oslo / 0154 / ["vip",3,true,null,[]] / 85)");

  // A nested object merges key by key (RFC 7396); the message is re-rendered.
  LeadInput move = lead("a@acme.com");
  move.set("address", CustomValue::object({{"city", "Bergen"}, {"zip", nullptr}}));
  (void)engine->bulkUpsert("camp_n", one(move));
  BOOST_TEST(engine->getLead("camp_n", "a@acme.com")->customFields ==
             R"({"address":{"city":"Bergen","geo":{"lat":59.91}},"tags":["vip",3,true,null,[]],"score":85})");
  BOOST_TEST(engine->listMessages("camp_n", MessageStatus::queued).at(0).body ==
             R"(Bergen /  / ["vip",3,true,null,[]] / 85)");
}

BOOST_AUTO_TEST_CASE(keys_keep_their_first_place_and_their_last_value) {
  LeadInput in;
  in.set("b", 1).set("a", 2).set("b", 3);
  BOOST_TEST(*in.customFields == R"({"b":3,"a":2})");
  in.set("n", CustomValue::object({{"x", 1}})).set("c", "after a nested value").set("n", "flat again");
  BOOST_TEST(*in.customFields == R"({"b":3,"a":2,"n":"flat again","c":"after a nested value"})");

  const CustomValue obj = CustomValue::object({{"z", 1}, {"y", 2}, {"z", 3}});
  BOOST_TEST(obj.json() == R"({"z":3,"y":2})");
  CustomValue built = CustomValue::object();
  built.set("k", "v").set("list", CustomValue::array()).set("k", 0);
  BOOST_TEST(built.json() == R"({"k":0,"list":[]})");
  CustomValue list = CustomValue::array();
  list.push(1).push("two").push(CustomValue::object({{"three", 3}}));
  BOOST_TEST(list.json() == R"([1,"two",{"three":3}])");
  BOOST_TEST(CustomValue().json() == "null");
  BOOST_TEST(CustomValue(static_cast<const char*>(nullptr)).json() == "null");
}

BOOST_AUTO_TEST_CASE(set_keeps_the_members_of_text_already_there) {
  LeadInput in;
  in.customFields = R"({ "city" : "Oslo", "deep": {"a": [1, 2.50]}, "esc": "\u00e9" })";
  in.set("plan", "pro");
  BOOST_TEST(*in.customFields == "{\"city\":\"Oslo\",\"deep\":{\"a\":[1,2.5]},\"esc\":\"\xC3\xA9\",\"plan\":\"pro\"}");
  in.customFields = R"({"city":"Oslo"})";  // as a CSV reader writes it
  in.set("city", "Bergen").set("size", 40);
  BOOST_TEST(*in.customFields == R"({"city":"Bergen","size":40})");
}

BOOST_AUTO_TEST_CASE(set_refuses_text_that_is_not_an_object_and_leaves_it) {
  for (const std::string text : {"null", "[1,2]", "\"x\"", "not json", "{\"a\":1", "{\"k\":\"\xff\"}"}) {
    LeadInput in;
    in.customFields = text;
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(refused([&] { in.set("k", 1); }));
      BOOST_TEST(*in.customFields == text);
    }
  }
  LeadInput deep;
  deep.customFields = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  BOOST_TEST(refused([&] { deep.set("k", 1); }));
}

BOOST_AUTO_TEST_CASE(what_json_cannot_hold_is_refused_when_the_value_is_made) {
  BOOST_TEST(refused([] { (void)CustomValue("K\xF6ln"); }));              // Latin-1, not UTF-8
  BOOST_TEST(refused([] { (void)CustomValue(std::string("\xC3\x28")); }));
  BOOST_TEST(refused([] { (void)CustomValue(std::nan("")); }));
  BOOST_TEST(refused([] { (void)CustomValue(std::numeric_limits<double>::infinity()); }));
  BOOST_TEST(refused([] { (void)CustomValue(-std::numeric_limits<float>::infinity()); }));
  LeadInput in;
  BOOST_TEST(refused([&] { in.set("K\xF6ln", 1); }));
  BOOST_TEST(!in.customFields.has_value());
  BOOST_TEST(refused([] { (void)CustomValue::object({{"\xFF", 1}}); }));
  BOOST_TEST(refused([] { CustomValue s = "text"; s.set("k", 1); }));
  BOOST_TEST(refused([] { CustomValue o = CustomValue::object(); o.push(1); }));
}

BOOST_AUTO_TEST_CASE(nesting_stops_where_the_engine_stops) {
  seedCampaign();
  BOOST_TEST(refused([] { (void)nested(64); }));
  LeadInput in = lead("a@acme.com");
  in.set("deep", nested(63));  // with the customFields object: 64 levels, the most stored
  const BulkResult r = engine->bulkUpsert(kCamp, one(in));
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.failed == 0);
}

BOOST_AUTO_TEST_CASE(a_nul_byte_is_valid_json_that_the_engine_refuses_for_its_row) {
  seedCampaign();
  LeadInput in = lead("a@acme.com");
  in.set("note", std::string("a\0b", 3));
  BOOST_TEST(*in.customFields == R"({"note":"a\u0000b"})");
  const BulkResult r = engine->bulkUpsert(kCamp, one(in));
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1U);
  BOOST_TEST((r.errors[0].code == RowCode::invalid_field));
}

BOOST_AUTO_TEST_SUITE_END()
