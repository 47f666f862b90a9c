// The customFields fast path (util/flat_json.hpp) must agree byte for byte
// with the general JSON path it stands in for.
#define BOOST_TEST_MODULE flat_json
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "util/flat_json.hpp"

using leadterra::detail::FlatMerge;
using leadterra::detail::FlatObject;
using Json = nlohmann::ordered_json;

namespace {

Json mergeByDocuments(const std::string& stored, const std::string& patch, FlatMerge rule) {
  const Json s = Json::parse(stored);
  const Json p = Json::parse(patch);
  if (rule == FlatMerge::replace) return p;
  Json out = s;
  if (rule == FlatMerge::addMissing) {
    for (const auto& [k, v] : p.items()) {
      if (!out.contains(k)) out[k] = v;
    }
    return out;
  }
  out.merge_patch(p);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flat_json)

BOOST_AUTO_TEST_CASE(flat_compact_objects_take_the_fast_path_and_match_the_writer) {
  const std::vector<std::string> accepted = {
      "{}",
      R"({"city":"Oslo"})",
      R"({"a":"","b":0,"c":-12,"d":true,"e":false,"f":123456789012345678})",
      R"({"città":"Zürich","emoji":"😀","k":"a/b"})",
      R"({"":"empty key"})",
  };
  for (const std::string& text : accepted) {
    BOOST_TEST_CONTEXT(text) {
      FlatObject f;
      BOOST_TEST(f.parse(text));
      BOOST_TEST(Json::parse(text).dump() == text);  // what the general path would store
    }
  }
}

BOOST_AUTO_TEST_CASE(everything_else_goes_to_the_general_path) {
  const std::vector<std::string> rejected = {
      "",        "{",        "[]",       "null",     R"({ "a":"b"})",  R"({"a": "b"})",  R"({"a":"b" })",
      R"({"a":"b\"c"})",     R"({"a":"\u00e9"})",    R"({"a\n":"b"})", R"({"a":null})",  R"({"a":{"b":1}})",
      R"({"a":[1]})",        R"({"a":1.5})",         R"({"a":1e3})",   R"({"a":-0})",    R"({"a":01})",
      R"({"a":1234567890123456789})", R"({"a":"x","a":"y"})", R"({"a":tru})",  R"({"a":"b",})",  R"({"a":"b"}x)",
      std::string("{\"a\":\"\xC3\x28\"}"), std::string("{\"a\":\"b\0c\"}", 12), R"({"a" :"b"})",
  };
  for (const std::string& text : rejected) {
    BOOST_TEST_CONTEXT(text) {
      FlatObject f;
      BOOST_TEST(!f.parse(text));
    }
  }
  std::string many = "{";
  for (int i = 0; i < 129; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  many += "}";
  FlatObject f;
  BOOST_TEST(!f.parse(many));  // over 128 keys: the general path reports it
}

BOOST_AUTO_TEST_CASE(find_gives_values_as_they_render) {
  const std::string text = R"({"city":"Oslo","n":42,"ok":true,"e":""})";
  FlatObject f;
  BOOST_REQUIRE(f.parse(text));
  BOOST_TEST(f.find(text, "city").value() == "Oslo");
  BOOST_TEST(f.find(text, "n").value() == "42");
  BOOST_TEST(f.find(text, "ok").value() == "true");
  BOOST_TEST(f.find(text, "e").value().empty());
  BOOST_TEST(!f.find(text, "missing").has_value());
}

BOOST_AUTO_TEST_CASE(merges_agree_with_json_merge_patch_in_every_mode) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{}", R"({"a":"1"})"},
      {R"({"a":"1","b":2})", R"({"b":3,"c":"x"})"},
      {R"({"a":"1","b":2})", "{}"},
      {R"({"a":"1"})", R"({"a":"1"})"},
      {R"({"z":true,"a":false})", R"({"m":"","a":true,"z":false})"},
  };
  for (const auto& [stored, patch] : cases) {
    for (FlatMerge rule : {FlatMerge::patch, FlatMerge::addMissing, FlatMerge::replace}) {
      BOOST_TEST_CONTEXT(stored << " + " << patch << " by " << static_cast<int>(rule)) {
        FlatObject s, p;
        BOOST_REQUIRE(s.parse(stored));
        BOOST_REQUIRE(p.parse(patch));
        std::string out;
        std::size_t count = 0;
        FlatObject::merge(stored, s, patch, p, rule, out, count);
        const Json expected = mergeByDocuments(stored, patch, rule);
        BOOST_TEST(out == expected.dump());
        BOOST_TEST(count == expected.size());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
