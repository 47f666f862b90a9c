#define BOOST_TEST_MODULE json
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <vector>

#include "json/json_internal.hpp"
#include "leadterra/leadterra.hpp"
#include "test_util.hpp"

using namespace leadterra;
using Ordered = nlohmann::ordered_json;

namespace {

// The seed document's request body, byte for byte.
const std::string kSeedBody = leadterra::test::readFile(LEADTERRA_TEST_DATA_DIR "/seed-body.json");

Timestamp at(std::int64_t epochSeconds) { return Timestamp{std::chrono::seconds{epochSeconds}}; }

std::vector<std::string> keysOf(const std::string& objectText) {
  std::vector<std::string> keys;
  const Ordered doc = Ordered::parse(objectText);
  for (const auto& [key, value] : doc.items()) keys.push_back(key);
  return keys;
}

LeadRow onlyLead(const std::string& leadObject) {
  const auto leads = leadterra::json::parseLeads(R"({"leads": [)" + leadObject + "]}");
  BOOST_REQUIRE_EQUAL(leads.size(), 1u);
  return leads[0];
}

bool throwsInvalidArgument(const std::function<void()>& f, const std::string& mentioning = {}) {
  try {
    f();
  } catch (const Error& e) {
    return e.code() == ErrorCode::invalid_argument && std::string(e.what()).find(mentioning) != std::string::npos;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json)

// ---- parseLeads / parseLead ----

BOOST_AUTO_TEST_CASE(seed_body_parses_into_the_three_seed_leads) {
  const auto leads = leadterra::json::parseLeads(kSeedBody);
  const auto expected = test::EngineFixture::seedLeads();
  BOOST_REQUIRE_EQUAL(leads.size(), expected.size());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    const LeadInput& in = leads[i].lead;
    BOOST_TEST(in.email.value() == expected[i].email.value());
    BOOST_TEST(in.firstName.value() == expected[i].firstName.value());
    BOOST_TEST(in.lastName.value() == expected[i].lastName.value());
    BOOST_TEST(in.company.value() == expected[i].company.value());
    BOOST_TEST(in.jobTitle.value() == expected[i].jobTitle.value());
    BOOST_TEST(in.email.hasValue());
    BOOST_TEST(!in.customFields.has_value());
    BOOST_TEST((leads[i].defect == RowDefect::none));
    BOOST_TEST(leads[i].unknownFields.empty());
  }
}

BOOST_AUTO_TEST_CASE(string_null_and_absent_keep_their_three_meanings) {
  const LeadRow row = onlyLead(R"({"email": "a@b.co", "firstName": null, "company": ""})");
  const LeadInput& in = row.lead;
  BOOST_TEST(in.email.hasValue());
  BOOST_TEST(in.firstName.isNull());
  BOOST_TEST(in.lastName.isAbsent());
  BOOST_TEST(in.company.hasValue());
  BOOST_TEST(in.company.value() == "");
  BOOST_TEST(in.jobTitle.isAbsent());
  BOOST_TEST((row.defect == RowDefect::none));
}

BOOST_AUTO_TEST_CASE(any_other_json_type_is_a_wrong_type_naming_the_field) {
  for (const std::string value : {"5", "1.5", "true", "[]", "{}", "123456789012345678901234567890"}) {
    for (const std::string field : {"email", "firstName", "lastName", "company", "jobTitle"}) {
      const LeadRow in = onlyLead(R"({")" + field + R"(": )" + value + "}");
      BOOST_TEST_CONTEXT(field << ": " << value) {
        BOOST_TEST((in.defect == RowDefect::wrongType));
        BOOST_TEST(in.defectField == field);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_first_wrong_field_is_reported_email_first) {
  BOOST_TEST(onlyLead(R"({"jobTitle": 1, "company": 2, "email": 3})").defectField == "email");
  BOOST_TEST(onlyLead(R"({"jobTitle": 1, "lastName": false, "email": "a@b.co"})").defectField == "lastName");
  BOOST_TEST(onlyLead(R"({"customFields": 1, "jobTitle": []})").defectField == "jobTitle");
}

BOOST_AUTO_TEST_CASE(custom_fields_object_becomes_its_compact_text_in_key_order) {
  const LeadRow in = onlyLead(R"({"email": "a@b.co", "customFields": {"z": 1, "a": {"deep": [1, null]}, "m": null}})");
  BOOST_REQUIRE(in.lead.customFields.has_value());
  BOOST_TEST(*in.lead.customFields == R"({"z":1,"a":{"deep":[1,null]},"m":null})");
  BOOST_TEST((in.defect == RowDefect::none));
}

BOOST_AUTO_TEST_CASE(custom_fields_null_clears_and_other_types_are_wrong) {
  BOOST_TEST(*onlyLead(R"({"customFields": null})").lead.customFields == "null");
  BOOST_TEST(!onlyLead(R"({"email": "a@b.co"})").lead.customFields.has_value());
  for (const std::string value : {"\"x\"", "[]", "1", "false"}) {
    const LeadRow in = onlyLead(R"({"customFields": )" + value + "}");
    BOOST_TEST((in.defect == RowDefect::wrongType));
    BOOST_TEST(in.defectField == "customFields");
    BOOST_TEST(!in.lead.customFields.has_value());
  }
}

BOOST_AUTO_TEST_CASE(unknown_keys_are_listed_in_the_objects_order) {
  const LeadRow in = onlyLead(R"({"firstname": "x", "email": "a@b.co", "Company": 1, "phone": null})");
  BOOST_TEST(in.unknownFields == (std::vector<std::string>{"firstname", "Company", "phone"}), boost::test_tools::per_element());
  BOOST_TEST((in.defect == RowDefect::none));  // unknown keys are not typed
}

BOOST_AUTO_TEST_CASE(elements_that_are_not_objects_are_malformed_rows) {
  const auto leads = leadterra::json::parseLeads(R"({"leads": [5, "ava@acmecorp.com", null, [], {"email": "a@b.co"}]})");
  BOOST_REQUIRE_EQUAL(leads.size(), 5u);
  for (std::size_t i = 0; i < 4; ++i) {
    BOOST_TEST((leads[i].defect == RowDefect::malformed));
    BOOST_TEST(leads[i].lead.email.isAbsent());
  }
  BOOST_TEST((leads[4].defect == RowDefect::none));
}

BOOST_AUTO_TEST_CASE(a_body_without_a_leads_array_is_invalid_argument) {
  for (const std::string body : {"", "not json", R"({"leads": [)", "[]", R"({"lead": []})", R"({"leads": {}})",
                                 R"({"leads": null})", "\xff"}) {
    BOOST_TEST_CONTEXT(body) { BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseLeads(body); })); }
  }
  BOOST_TEST(leadterra::json::parseLeads(R"({"leads": []})").empty());
}

BOOST_AUTO_TEST_CASE(nul_escapes_reach_the_engine_as_they_are) {
  const LeadRow in = onlyLead(R"({"email": "a@b.co", "firstName": "A\u0000B"})");
  BOOST_TEST(in.lead.firstName.value() == std::string("A\0B", 3));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_fails_only_its_row_with_the_bytes_as_sent) {
  // One Latin-1 byte in Marcus's name; the other rows are untouched.
  const std::string body = "{\"leads\": [{\"email\": \"ava@acmecorp.com\", \"firstName\": \"Ava\"},"
                           " {\"email\": \"marcus@buildfast.io\", \"firstName\": \"Marc\xfas\"},"
                           " {\"email\": \"priya@nexusai.com\", \"lastName\": \"\xc3\xa9\\u00e9\\\"\"}]}";
  const auto leads = leadterra::json::parseLeads(body);
  BOOST_REQUIRE_EQUAL(leads.size(), 3u);
  BOOST_TEST(leads[0].lead.firstName.value() == "Ava");
  BOOST_TEST(leads[1].lead.firstName.value() == "Marc\xfas");  // the engine rejects it: invalid_field
  BOOST_TEST(leads[1].lead.email.value() == "marcus@buildfast.io");
  BOOST_TEST(leads[2].lead.lastName.value() == "\xc3\xa9\xc3\xa9\"");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_an_email_key_or_custom_fields_is_kept_or_reported) {
  const std::string body = "{\"leads\": [{\"email\": \"\xe9@b.co\"}, {\"email\": \"a@b.co\", \"ph\xf6ne\": 1},"
                           " {\"email\": \"a@b.co\", \"customFields\": {\"city\": \"K\xf6ln\"}}]}";
  const auto leads = leadterra::json::parseLeads(body);
  BOOST_REQUIRE_EQUAL(leads.size(), 3u);
  BOOST_TEST(leads[0].lead.email.value() == "\xe9@b.co");
  BOOST_TEST(leads[1].unknownFields == (std::vector<std::string>{"ph\xf6ne"}), boost::test_tools::per_element());
  BOOST_TEST((leads[2].defect == RowDefect::wrongType));
  BOOST_TEST(leads[2].defectField == "customFields");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_restores_even_when_the_body_holds_private_use_characters) {
  // U+10FFFD raw and U+10FFFC escaped: neither may be mistaken for a stand-in.
  const std::string body =
      "{\"leads\": [{\"email\": \"a@b.co\", \"firstName\": \"\xf4\x8f\xbf\xbd\\uDBFF\\uDFFC\xff" "A\"}]}";
  const auto leads = leadterra::json::parseLeads(body);
  BOOST_REQUIRE_EQUAL(leads.size(), 1u);
  BOOST_TEST(leads[0].lead.firstName.value() == "\xf4\x8f\xbf\xbd\xf4\x8f\xbf\xbc\xff" "A");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_outside_strings_is_not_json) {
  BOOST_TEST(throwsInvalidArgument([] { (void)leadterra::json::parseLeads("{\"leads\": [\xff]}"); }));
}

BOOST_AUTO_TEST_CASE(parse_lead_reads_one_jsonl_line) {
  const LeadRow in = leadterra::json::parseLead(R"({"email": "ava@acmecorp.com", "firstName": "Ava", "x": 1})" "\r");
  BOOST_TEST(in.lead.email.value() == "ava@acmecorp.com");
  BOOST_TEST(in.lead.firstName.value() == "Ava");
  BOOST_TEST(in.unknownFields == (std::vector<std::string>{"x"}), boost::test_tools::per_element());
  BOOST_TEST((leadterra::json::parseLead("{\"firstName\": 1}").defect == RowDefect::wrongType));
  BOOST_TEST(leadterra::json::parseLead("\"\xff\"").lead.email.isAbsent());
  for (const std::string line : {"", "   ", "[1]", "\"ava@acmecorp.com\"", "{\"email\": ", "null", "{} {}"}) {
    BOOST_TEST_CONTEXT(line) { BOOST_TEST((leadterra::json::parseLead(line).defect == RowDefect::malformed)); }
  }
  BOOST_TEST(leadterra::json::parseLead("{\"email\": \"a@b.co\", \"company\": \"\xff\"}").lead.company.value() == "\xff");
}

BOOST_AUTO_TEST_CASE(custom_fields_text_as_sent_is_stored_and_merged_as_before) {
  // The reader hands the engine customFields as written, only without the
  // spacing; escapes and number spellings are the engine's to normalize.
  const LeadRow spaced = onlyLead("{\"email\": \"a@b.co\", \"customFields\": {\n  \"city\" : \"Oslo\",\t\"n\": 1 }}");
  BOOST_TEST(*spaced.lead.customFields == R"({"city":"Oslo","n":1})");
  const LeadRow escaped = onlyLead(R"({"email": "a@b.co", "customFields": {"city": "K\u00f6ln", "x": 1.50, "y": 1E2}})");
  BOOST_TEST(*escaped.lead.customFields == R"({"city":"K\u00f6ln","x":1.50,"y":1E2})");
  const LeadRow spacedString = onlyLead(R"({"email": "a@b.co", "customFields": {"note": " a  b ", "k": "\" }"}})");
  BOOST_TEST(*spacedString.lead.customFields == R"({"note":" a  b ","k":"\" }"})");

  auto engine = CampaignEngine::open(":memory:");
  engine->createWorkspace({"ws", "W", {}});
  engine->createCampaign({"ws", "camp", "C", {{"Hi", "{{city}}", StepFormat::text, 0}}, {}, {}});
  const auto upsert = [&](const std::string& body) {
    const BulkResult r = engine->bulkUpsert("camp", leadterra::json::parseLeads(body));
    BOOST_TEST(r.failed == 0);
  };
  upsert(R"({"leads": [{"email": "a@b.co", "customFields": {"city": "K\u00f6ln", "x": 1.50, "y": 1E2, "z": {"q" : [ 1 ]}}}]})");
  BOOST_TEST(engine->getLead("camp", "a@b.co")->customFields == "{\"city\":\"K\xc3\xb6ln\",\"x\":1.5,\"y\":100.0,\"z\":{\"q\":[1]}}");
  // A patch with whitespace and a repeated key merges like its compact form: the last value counts.
  upsert("{\"leads\": [{\"email\": \"a@b.co\", \"customFields\": { \"x\" : 2, \"new\" : \"v\", \"x\" : 3 }}]}");
  BOOST_TEST(engine->getLead("camp", "a@b.co")->customFields ==
             "{\"city\":\"K\xc3\xb6ln\",\"x\":3,\"y\":100.0,\"z\":{\"q\":[1]},\"new\":\"v\"}");
  upsert(R"({"leads": [{"email": "a@b.co", "customFields": null}]})");
  BOOST_TEST(engine->getLead("camp", "a@b.co")->customFields == "{}");
}

BOOST_AUTO_TEST_CASE(custom_fields_spaced_past_the_engines_text_limit_is_judged_by_its_content) {
  // 10 KiB of content under 100 KiB of spacing: accepted, as its compact form is.
  std::string fields = "{";
  for (int i = 0; i < 100; ++i) {
    fields += (i ? "," : "") + std::string(1000, ' ') + "\"k" + std::to_string(i) + "\": \"" + std::string(90, 'v') + "\"";
  }
  fields += "}";
  const LeadRow in = onlyLead(R"({"email": "a@b.co", "customFields": )" + fields + "}");
  BOOST_REQUIRE(in.lead.customFields.has_value());
  BOOST_TEST(in.lead.customFields->size() < 16 * 1024);
  // Escapes that make the text longer than 64 KiB, not its content: the
  // same, written as the content it is.
  std::string escapes = "{\"k\": \"";
  for (int i = 0; i < 12000; ++i) escapes += "\\u0041";
  escapes += "\"}";
  const LeadRow long_ = onlyLead(R"({"email": "a@b.co", "customFields": )" + escapes + "}");
  BOOST_TEST(*long_.lead.customFields == "{\"k\":\"" + std::string(12000, 'A') + "\"}");
}

BOOST_AUTO_TEST_CASE(repeated_keys_count_their_last_value) {
  const LeadRow in = onlyLead(R"({"email": 5, "x": 1, "email": "a@b.co", "company": "A", "company": null, "x": 2,)"
                              R"( "jobTitle": "CTO", "jobTitle": 7, "customFields": 1, "customFields": {"a": 1}})");
  BOOST_TEST(in.lead.email.value() == "a@b.co");
  BOOST_TEST(in.lead.company.isNull());
  BOOST_TEST(in.lead.jobTitle.isAbsent());
  BOOST_TEST((in.defect == RowDefect::wrongType));
  BOOST_TEST(in.defectField == "jobTitle");
  BOOST_TEST(*in.lead.customFields == R"({"a":1})");
  BOOST_TEST(in.unknownFields == (std::vector<std::string>{"x"}), boost::test_tools::per_element());
  // The last "leads" array is the body's.
  const auto leads = leadterra::json::parseLeads(R"({"leads": [{"email": "a@b.co"}], "leads": [1, 2]})");
  BOOST_TEST(leads.size() == 2u);
  BOOST_TEST(throwsInvalidArgument([] { (void)leadterra::json::parseLeads(R"({"leads": [], "leads": 5})"); }, "no \"leads\" array"));
  // Keys are compared unescaped.
  BOOST_TEST(onlyLead(R"({"\u0065mail": "a@b.co"})").lead.email.value() == "a@b.co");
}

BOOST_AUTO_TEST_CASE(text_that_is_not_json_anywhere_refuses_the_body) {
  // Also inside values the reader does not use: the body is JSON or it is not.
  for (const std::string row : {R"({"email": "a@b.co", "x": [1,,2]})", R"({"email": "a@b.co", "customFields": {"a": tru}})",
                                R"({"email": "a@b.co", "customFields": {"a": 01}})", R"({"email": "a@b.co", "x": 1e999})",
                                R"({"email": "a@b.co", "customFields": {"a" 1}})", R"({"email": "a@b.co", "x": {"a": [}]})",
                                R"({"email": "a@b.co", "x": "\x"})", R"({"email": "a@b.co", "customFields": {"a": "\u12"}})",
                                R"({"email": "a@b.co" "x": 1})", R"({"email": nul})", R"([1, 2,])", R"({"email": "a@b.co",})",
                                "{\"email\": \"a\tb@c.co\"}", "{\"email\": \"a@b.co\", \"x\": [\"\n\"]}",
                                R"({"email": "a@b.co", "x": "y": 1})", R"({"email": "a@b.co", "x": ["y": 1]})",
                                R"({"email": "a@b.co", "customFields": "y": 1})", R"({"email": "a@b.co": 1})"}) {
    BOOST_TEST_CONTEXT(row) {
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseLeads(R"({"leads": [)" + row + "]}"); },
                                       "the bulk body is not valid JSON: "));
      BOOST_TEST((leadterra::json::parseLead(row).defect == RowDefect::malformed));
    }
  }
  for (const std::string body : {R"({"leads": []} x)", R"({"leads": []}})", R"({"leads": [], "x": [1 2]})", R"([1e999])",
                                 R"({"leads": ["x": 1]})", R"({"leads": [{"email": "a@b.co"}, "x": 1]})",
                                 R"({"x": "y": 1, "leads": []})"}) {
    BOOST_TEST_CONTEXT(body) {
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseLeads(body); }, "is not valid JSON"));
    }
  }
  // A NUL byte is neither whitespace nor allowed raw inside a string: the
  // body is refused wherever it sits, after a complete document too.
  using namespace std::string_literals;
  for (const std::string& body : {"{\"leads\": []}\0"s, "{\"leads\": []}\0\0\0\0"s, "{\"leads\": [\0]}"s,
                                 "{\"leads\": [{\"email\": \"a@b.co\0\"}]}"s}) {
    BOOST_TEST_CONTEXT(body.size()) {
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseLeads(body); }, "is not valid JSON"));
    }
  }
  // Small and huge numbers that a double holds (or rounds to zero) are JSON.
  BOOST_TEST((onlyLead(R"({"email": "a@b.co", "x": [1e-400, -0.0, 123456789012345678901234567890]})").defect ==
              RowDefect::none));
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_before_the_text_is_skipped) {
  BOOST_TEST(leadterra::json::parseLeads("\xEF\xBB\xBF{\"leads\": [{\"email\": \"a@b.co\"}]}").size() == 1u);
  BOOST_TEST(leadterra::json::parseLead("\xEF\xBB\xBF{\"email\": \"a@b.co\"}").lead.email.value() == "a@b.co");
  BOOST_TEST(throwsInvalidArgument([] { (void)leadterra::json::parseLeads(" \xEF\xBB\xBF{\"leads\": []}"); }));
}

BOOST_AUTO_TEST_CASE(lone_surrogates_in_keys_and_custom_fields_are_kept_or_reported) {
  const LeadRow key = onlyLead(R"({"email": "a@b.co", "x\udc00": 1, "customFields": {"ok": "\ud83d\ude00"}})");
  BOOST_TEST(key.unknownFields == (std::vector<std::string>{"x\xed\xb0\x80"}), boost::test_tools::per_element());
  BOOST_TEST(*key.lead.customFields == R"({"ok":"\ud83d\ude00"})");
  const LeadRow custom = onlyLead(R"({"email": "a@b.co", "customFields": {"a": "\ud800x"}})");
  BOOST_TEST((custom.defect == RowDefect::wrongType));
  BOOST_TEST(custom.defectField == "customFields");
}

BOOST_AUTO_TEST_CASE(one_bad_utf8_byte_among_many_rows_fails_only_that_row) {
  std::string body = R"({"leads": [)";
  constexpr int kRows = 5000;
  for (int i = 0; i < kRows; ++i) {
    body += (i ? ",\n" : "") + fmt::format(R"({{"email": "lead{}@acme.com", "firstName": "{}", "customFields": {{"i": {}}}}})",
                                           i, i == 4321 ? "Ren\xe9" : "Ann", i);
  }
  body += "]}";
  const auto leads = leadterra::json::parseLeads(body);
  BOOST_REQUIRE_EQUAL(leads.size(), std::size_t{kRows});
  BOOST_TEST(leads[4321].lead.firstName.value() == "Ren\xe9");
  BOOST_TEST(*leads[4322].lead.customFields == R"({"i":4322})");

  auto engine = CampaignEngine::open(":memory:");
  engine->createWorkspace({"ws", "W", {}});
  engine->createCampaign({"ws", "camp", "C", {{"Hi", "{{firstName}}", StepFormat::text, 0}}, {}, {}});
  const BulkResult r = engine->bulkUpsert("camp", leads);
  BOOST_TEST(r.enrolled == kRows - 1);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0].index == 4321u);
  BOOST_TEST((r.errors[0].code == RowCode::invalid_field));
  BOOST_TEST(r.errors[0].message == "firstName has invalid UTF-8 or a NUL byte");
}

BOOST_AUTO_TEST_CASE(a_body_of_many_rows_keeps_every_row_in_order) {
  constexpr std::size_t kRows = 300000;
  std::string body = R"({"leads":[)";
  body.reserve(kRows * 40);
  for (std::size_t i = 0; i < kRows; ++i) {
    body += i % 1000 == 999 ? std::string("7") : fmt::format(R"({{"email":"l{}@a.co"}})", i);
    if (i + 1 < kRows) body += ',';
  }
  body += "]}";
  std::string inPlace = body;
  const auto leads = leadterra::json::parseLeadsInPlace(inPlace);
  BOOST_TEST(inPlace == body);
  BOOST_REQUIRE_EQUAL(leads.size(), kRows);
  BOOST_TEST(leads[0].lead.email.value() == "l0@a.co");
  BOOST_TEST((leads[999].defect == RowDefect::malformed));
  BOOST_TEST(leads[kRows - 2].lead.email.value() == fmt::format("l{}@a.co", kRows - 2));
  BOOST_TEST((leads[kRows - 1].defect == RowDefect::malformed));
  BOOST_TEST(std::count_if(leads.begin(), leads.end(), [](const LeadRow& r) { return r.defect == RowDefect::malformed; }) ==
             static_cast<long>(kRows / 1000));
}

BOOST_AUTO_TEST_CASE(a_padded_buffer_reads_like_the_text_alone) {
  // The internal entry point reads a text where it is when there is room
  // behind it; the bytes there do not matter.
  std::string buffer = R"({"email": "a@b.co", "firstName": "Ava"})";
  const std::size_t size = buffer.size();
  buffer += std::string(leadterra::json::kReadPadding, '"');
  const LeadRow row = detail::parseLead(std::string_view(buffer).substr(0, size), buffer.size());
  BOOST_TEST(row.lead.firstName.value() == "Ava");
  BOOST_TEST((detail::parseLead(std::string_view(buffer).substr(0, size - 1), buffer.size()).defect == RowDefect::malformed));
  std::string body = R"({"leads": [{"email": "a@b.co"}]})";
  const std::size_t bodySize = body.size();
  body += std::string(leadterra::json::kReadPadding, '{');
  BOOST_TEST(detail::parseLeads(std::string_view(body).substr(0, bodySize), body.size()).size() == 1u);
}

// ---- parseSteps ----

BOOST_AUTO_TEST_CASE(steps_parse_with_defaults) {
  const auto steps = leadterra::json::parseSteps(R"({"steps": [
      {"subject": "Hi {{firstName}}", "body": "About {{company}}"},
      {"subject": "Again", "body": "<p>{{jobTitle}}</p>", "format": "html", "delayDays": 3},
      {"subject": "", "body": "", "format": "text", "delayDays": 0.5}]})");
  BOOST_REQUIRE_EQUAL(steps.size(), 3u);
  BOOST_TEST((steps[0] == Step{"Hi {{firstName}}", "About {{company}}", StepFormat::text, 0}));
  BOOST_TEST((steps[1] == Step{"Again", "<p>{{jobTitle}}</p>", StepFormat::html, 3}));
  BOOST_TEST(steps[2].delayDays == 0.5);
  BOOST_TEST(leadterra::json::parseSteps(R"({"steps": []})").empty());
}

BOOST_AUTO_TEST_CASE(steps_of_another_shape_are_rejected_naming_the_problem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope", "not valid JSON"},
      {R"([{"subject": "a", "body": "b"}])", "JSON object"},
      {R"({})", "\"steps\""},
      {R"({"steps": {}})", "\"steps\""},
      {R"({"steps": [], "name": "x"})", "\"name\""},
      {R"({"steps": [1]})", "step 1"},
      {R"({"steps": [{"body": "b"}]})", "\"subject\" is missing"},
      {R"({"steps": [{"subject": "a"}]})", "\"body\" is missing"},
      {R"({"steps": [{"subject": "a", "body": 1}]})", "\"body\" must be a string"},
      {R"({"steps": [{"subject": "a", "body": "b"}, {"subject": "a", "body": "b", "format": "markdown"}]})",
       "step 2: \"format\""},
      {R"({"steps": [{"subject": "a", "body": "b", "delayDays": -1}]})", "\"delayDays\""},
      {R"({"steps": [{"subject": "a", "body": "b", "delayDays": "3"}]})", "\"delayDays\""},
      {R"({"steps": [{"subject": "a", "body": "b", "delay_days": 3}]})", "\"delay_days\""},
  };
  for (const auto& [body, mention] : cases) {
    BOOST_TEST_CONTEXT(body) { BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseSteps(body); }, mention)); }
  }
}

BOOST_AUTO_TEST_CASE(one_step_parses_as_an_element_of_the_steps_array) {
  BOOST_TEST((leadterra::json::parseStep(R"({"subject": "Hi", "body": "<p>{{firstName}}</p>", "format": "html",
      "delayDays": 2.5})") == Step{"Hi", "<p>{{firstName}}</p>", StepFormat::html, 2.5}));
  BOOST_TEST((leadterra::json::parseStep(R"({"subject": "a", "body": "b"})") == Step{"a", "b", StepFormat::text, 0}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"nope", "the step is not valid JSON"},
      {R"({"steps": [{"subject": "a", "body": "b"}]})", "the step: unknown key \"steps\""},
      {R"([{"subject": "a", "body": "b"}])", "the step must be a JSON object"},
      {R"({"body": "b"})", "the step: \"subject\" is missing"},
      {R"({"subject": "a", "body": "b", "delay_days": 3})", "the step: unknown key \"delay_days\""},
      {R"({"subject": "a", "body": "b", "format": "md"})", "the step: \"format\" must be \"text\" or \"html\""},
  };
  for (const auto& [text, mention] : cases) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseStep(text); }, mention));
    }
  }
}

BOOST_AUTO_TEST_CASE(steps_document_may_carry_the_sending_rules) {
  const std::string doc = R"({"timeZone": "Europe/Oslo", "steps": [{"subject": "a", "body": "b"}],
      "sendWindow": {"days": ["mon", "wed"], "startHour": 8, "endHour": 18}, "dailyCap": 40})";
  BOOST_TEST(leadterra::json::parseSteps(doc).size() == 1u);
  const CampaignSchedule s = detail::parseSchedule(detail::Json::parse(doc));
  BOOST_TEST(s.timeZone == "Europe/Oslo");
  BOOST_REQUIRE(s.sendWindow.has_value());
  BOOST_TEST((s.sendWindow->days == std::array<bool, 7>{true, false, true, false, false, false, false}));
  BOOST_TEST(s.sendWindow->startHour == 8);
  BOOST_TEST(s.sendWindow->endHour == 18);
  BOOST_TEST(s.dailyCap.value() == 40);
}

BOOST_AUTO_TEST_CASE(absent_or_null_sending_rules_are_the_defaults) {
  BOOST_TEST((detail::parseSchedule(detail::Json::parse(R"({"steps": []})")) == CampaignSchedule{}));
  BOOST_TEST((detail::parseSchedule(detail::Json::parse(R"({"sendWindow": null, "dailyCap": null})")) ==
              CampaignSchedule{}));
  // A window's absent keys take SendWindow's defaults: Monday to Friday, 9 to 17.
  const CampaignSchedule s = detail::parseSchedule(detail::Json::parse(R"({"sendWindow": {"startHour": 7}})"));
  BOOST_REQUIRE(s.sendWindow.has_value());
  BOOST_TEST((s.sendWindow->days == SendWindow{}.days));
  BOOST_TEST(s.sendWindow->startHour == 7);
  BOOST_TEST(s.sendWindow->endHour == 17);
}

BOOST_AUTO_TEST_CASE(sending_rules_of_another_shape_are_rejected_naming_the_key) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("timeZone": 1)", "\"timeZone\""},
      {R"("sendWindow": "9-17")", "\"sendWindow\""},
      {R"("sendWindow": {"days": "mon"})", "\"days\""},
      {R"("sendWindow": {"days": ["Monday"]})", "\"Monday\" is not a day"},
      {R"("sendWindow": {"days": [1]})", "1 is not a day"},
      {R"("sendWindow": {"startHour": 9.5})", "\"startHour\""},
      {R"("sendWindow": {"endHour": "17"})", "\"endHour\""},
      {R"("sendWindow": {"startHour": 99999999999})", "\"startHour\""},
      {R"("sendWindow": {"start": 9})", "unknown key \"start\""},
      {R"("dailyCap": 2.5)", "\"dailyCap\""},
      {R"("dailyCap": "50")", "\"dailyCap\""},
      {R"("dailyCap": 18446744073709551615)", "\"dailyCap\""},
  };
  for (const auto& [member, mention] : cases) {
    const std::string doc = R"({"steps": [], )" + member + "}";
    BOOST_TEST_CONTEXT(doc) {
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseSteps(doc); }, mention));
      BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseSteps(doc); }, "steps document: "));
      BOOST_TEST(throwsInvalidArgument([&] { (void)detail::parseSchedule(detail::Json::parse(doc)); }, mention));
    }
  }
  // Values are the engine's to judge: the shape is right, so these pass here.
  const CampaignSchedule s = detail::parseSchedule(
      detail::Json::parse(R"({"timeZone": "Mars/Olympus", "sendWindow": {"days": [], "endHour": 30}, "dailyCap": 0})"));
  BOOST_TEST(s.timeZone == "Mars/Olympus");
  BOOST_TEST(s.dailyCap.value() == 0);
  BOOST_TEST(s.sendWindow->endHour == 30);
}

// ---- toJson ----

BOOST_AUTO_TEST_CASE(bulk_result_puts_the_seed_counts_first_and_omits_empty_extras) {
  BulkResult r;
  r.enrolled = 3;
  r.totalInCampaign = 3;
  const std::string text = leadterra::json::toJson(r);
  BOOST_TEST(keysOf(text) ==
                 (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign", "failed", "queued",
                                           "errors"}),
             boost::test_tools::per_element());
  BOOST_TEST(text == R"({"enrolled":3,"updated":0,"skipped":0,"totalInCampaign":3,"failed":0,"queued":0,"errors":[]})");
}

BOOST_AUTO_TEST_CASE(bulk_result_lists_errors_missing_tokens_and_unknown_fields) {
  BulkResult r;
  r.failed = 1;
  r.errors.push_back({2, "bad@", RowCode::invalid_email, "not an email"});
  r.missingTokens = {{"company", 2}};
  r.unknownFields = {{"firstname", 3}};
  const Ordered doc = Ordered::parse(leadterra::json::toJson(r));
  BOOST_TEST(doc["errors"].dump() == R"([{"index":2,"email":"bad@","code":"invalid_email","message":"not an email"}])");
  BOOST_TEST(doc["missingTokens"].dump() == R"({"company":2})");
  BOOST_TEST(doc["unknownFields"].dump() == R"({"firstname":3})");
  BOOST_TEST(keysOf(leadterra::json::toJson(r)).back() == "unknownFields");
}

BOOST_AUTO_TEST_CASE(bulk_result_with_rows_and_flags_keeps_the_seed_order_and_adds_them_last) {
  BulkResult r;
  r.enrolled = 1;
  r.failed = 1;
  r.totalInCampaign = 1;
  r.errors.push_back({1, "nope", RowCode::invalid_email, "bad"});
  r.unknownFields = {{"firstname", 1}};
  r.rows.push_back({0, "ava@acmecorp.com", RowOutcome::enrolled, std::nullopt});
  r.rows.push_back({1, "nope", RowOutcome::failed, RowCode::invalid_email});
  r.dryRun = true;
  r.replayed = true;
  const std::string text = leadterra::json::toJson(r);
  BOOST_TEST(keysOf(text) == (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign", "failed",
                                                      "queued", "errors", "unknownFields", "dryRun", "replayed",
                                                      "rows"}),
             boost::test_tools::per_element());
  const Ordered doc = Ordered::parse(text);
  // code only on a failed row
  BOOST_TEST(doc["rows"].dump() == R"([{"index":0,"email":"ava@acmecorp.com","outcome":"enrolled"},)"
                                   R"({"index":1,"email":"nope","outcome":"failed","code":"invalid_email"}])");
  BOOST_TEST(doc["dryRun"] == true);
  BOOST_TEST(doc["replayed"] == true);
}

BOOST_AUTO_TEST_CASE(bulk_result_adds_cross_campaign_counts_after_queued_when_not_zero) {
  BulkResult r;
  r.skippedActiveElsewhere = 2;
  r.rows.push_back({0, "a@b.co", RowOutcome::skippedActiveElsewhere, std::nullopt});
  r.rows.push_back({1, "c@d.co", RowOutcome::skippedRecentlyContacted, std::nullopt});
  std::string text = leadterra::json::toJson(r);
  BOOST_TEST(keysOf(text) == (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign", "failed",
                                                      "queued", "skippedActiveElsewhere", "errors", "rows"}),
             boost::test_tools::per_element());
  BOOST_TEST(Ordered::parse(text)["rows"][1]["outcome"] == "skippedRecentlyContacted");
  r.skippedRecentlyContacted = 1;
  text = leadterra::json::toJson(r);
  BOOST_TEST(keysOf(text)[7] == "skippedRecentlyContacted");
  BOOST_TEST(Ordered::parse(text)["skippedRecentlyContacted"] == 1);
}

BOOST_AUTO_TEST_CASE(bulk_result_omits_false_flags_and_empty_rows) {
  BulkResult r;
  r.rows.push_back({0, "a@b.co", RowOutcome::skipped, std::nullopt});
  BOOST_TEST(keysOf(leadterra::json::toJson(r)).back() == "rows");
  r.rows.clear();
  r.dryRun = true;
  BOOST_TEST(keysOf(leadterra::json::toJson(r)).back() == "dryRun");
  const auto keys = keysOf(leadterra::json::toJson(BulkResult{}));
  for (const char* absent : {"rows", "dryRun", "replayed"}) {
    BOOST_TEST(std::count(keys.begin(), keys.end(), absent) == 0);
  }
}

BOOST_AUTO_TEST_CASE(bulk_result_prints_an_invalid_utf8_email_without_throwing) {
  BulkResult r;
  r.errors.push_back({0, "\xff@b.co", RowCode::invalid_field, "invalid UTF-8"});
  const Ordered doc = Ordered::parse(leadterra::json::toJson(r));
  BOOST_TEST(doc["errors"][0]["email"].get<std::string>() == "\xef\xbf\xbd@b.co");  // U+FFFD
}

BOOST_AUTO_TEST_CASE(start_result_has_exactly_the_seeds_keys) {
  const StartResult s{"camp_01HZA1TPNQ8RD4KF", CampaignStatus::running, at(test::kSeedEpoch), 3, 3};
  BOOST_TEST(leadterra::json::toJson(s) == R"({"id":"camp_01HZA1TPNQ8RD4KF","status":"running",)"
                                R"("startedAt":"2025-06-10T15:00:00Z","leadsEnrolled":3,"queuedMessages":3})");
}

BOOST_AUTO_TEST_CASE(campaign_shape_with_steps_and_a_null_start) {
  Campaign c;
  c.id = "camp_01HZA1TPNQ8RD4KF";
  c.workspaceId = "ws_1";
  c.name = "Seed";
  c.createdAt = at(test::kSeedEpoch);
  c.steps = {{"Hi", "Body", StepFormat::text, 0}, {"Again", "<b>x</b>", StepFormat::html, 3.5}};
  const std::string text = leadterra::json::toJson(c);
  BOOST_TEST(keysOf(text) == (std::vector<std::string>{"id", "workspaceId", "name", "status", "pauseReason", "createdAt",
                                                      "startedAt", "leadsEnrolled", "queuedMessages", "steps",
                                                      "timeZone", "sendWindow", "dailyCap", "stopRules"}),
             boost::test_tools::per_element());
  const Ordered doc = Ordered::parse(text);
  BOOST_TEST(doc["timeZone"] == "UTC");  // the default sending rules: any time, no cap
  BOOST_TEST(doc["sendWindow"].is_null());
  BOOST_TEST(doc["dailyCap"].is_null());
  BOOST_TEST(doc["status"] == "draft");
  BOOST_TEST(doc["pauseReason"].is_null());
  BOOST_TEST(doc["startedAt"].is_null());
  BOOST_TEST(doc["createdAt"] == "2025-06-10T15:00:00Z");
  BOOST_TEST(doc["steps"].dump() == R"([{"subject":"Hi","body":"Body","format":"text","delayDays":0},)"
                                    R"({"subject":"Again","body":"<b>x</b>","format":"html","delayDays":3.5}])");
  c.status = CampaignStatus::paused;
  c.startedAt = at(test::kSeedEpoch + 60);
  BOOST_TEST(Ordered::parse(leadterra::json::toJson(c))["startedAt"] == "2025-06-10T15:01:00Z");
  BOOST_TEST(Ordered::parse(leadterra::json::toJson(c))["status"] == "paused");
}

BOOST_AUTO_TEST_CASE(campaign_shape_shows_the_window_days_in_week_order_and_the_cap) {
  Campaign c;
  c.schedule.timeZone = "America/New_York";
  SendWindow w;
  w.days = {false, false, false, false, true, true, true};  // Friday .. Sunday
  w.startHour = 22;
  w.endHour = 6;
  c.schedule.sendWindow = w;
  c.schedule.dailyCap = 50;
  const Ordered doc = Ordered::parse(leadterra::json::toJson(c));
  BOOST_TEST(doc["timeZone"] == "America/New_York");
  BOOST_TEST(doc["sendWindow"].dump() == R"({"days":["fri","sat","sun"],"startHour":22,"endHour":6})");
  BOOST_TEST(doc["dailyCap"] == 50);
}

BOOST_AUTO_TEST_CASE(lead_shape_shows_custom_fields_as_an_object_and_absent_fields_as_null) {
  Lead l;
  l.id = "lead_1";
  l.campaignId = "camp_1";
  l.email = "ava@acmecorp.com";
  l.firstName = "Ava";
  l.customFields = R"({"city":"Paris","score":85})";
  l.position = 1;
  l.status = LeadStatus::replied;
  l.createdAt = at(test::kSeedEpoch);
  l.updatedAt = at(test::kSeedEpoch + 86400);
  const std::string text = leadterra::json::toJson(l);
  BOOST_TEST(keysOf(text) == (std::vector<std::string>{"id", "email", "firstName", "lastName", "company", "jobTitle",
                                                      "customFields", "position", "status", "pausedUntil", "createdAt",
                                                      "updatedAt"}),
             boost::test_tools::per_element());
  BOOST_TEST(text == R"({"id":"lead_1","email":"ava@acmecorp.com","firstName":"Ava","lastName":null,)"
                     R"("company":null,"jobTitle":null,"customFields":{"city":"Paris","score":85},"position":1,)"
                     R"("status":"replied","pausedUntil":null,"createdAt":"2025-06-10T15:00:00Z","updatedAt":"2025-06-11T15:00:00Z"})");
}

BOOST_AUTO_TEST_CASE(message_shape_adds_lease_sent_and_error_only_where_set) {
  Message m;
  m.id = "msg_1";
  m.workspaceId = "ws_1";
  m.campaignId = "camp_1";
  m.leadId = "lead_1";
  m.email = "ava@acmecorp.com";
  m.step = 2;
  m.subject = "Hi Ava";
  m.body = "<p>Acme</p>";
  m.format = StepFormat::html;
  m.scheduledAt = at(test::kSeedEpoch);
  BOOST_TEST(leadterra::json::toJson(m) == R"({"id":"msg_1","workspaceId":"ws_1","campaignId":"camp_1","leadId":"lead_1",)"
                                R"("email":"ava@acmecorp.com","step":2,"variant":"A",)"
                                R"("subject":"Hi Ava","body":"<p>Acme</p>","format":"html","listUnsubscribe":"",)"
                                R"("listUnsubscribePost":"","status":"queued",)"
                                R"("scheduledAt":"2025-06-10T15:00:00Z","attempts":0})");
  m.status = MessageStatus::sent;
  m.attempts = 1;
  m.leaseUntil = at(test::kSeedEpoch + 300);
  m.sentAt = at(test::kSeedEpoch + 10);
  m.lastError = "timeout";
  m.listUnsubscribe = "<https://links.example.com/u?token=AQ>, <mailto:optout@example.com?subject=unsubscribe>";
  m.listUnsubscribePost = "List-Unsubscribe=One-Click";
  const std::string text = leadterra::json::toJson(m);
  BOOST_TEST(keysOf(text) == (std::vector<std::string>{"id", "workspaceId", "campaignId", "leadId", "email", "step", "variant", "subject",
                                                      "body", "format", "listUnsubscribe", "listUnsubscribePost", "status",
                                                      "scheduledAt", "attempts", "leaseUntil", "sentAt", "lastError"}),
             boost::test_tools::per_element());
  const Ordered doc = Ordered::parse(text);
  BOOST_TEST(doc["leaseUntil"] == "2025-06-10T15:05:00Z");
  BOOST_TEST(doc["sentAt"] == "2025-06-10T15:00:10Z");
  BOOST_TEST(doc["lastError"] == "timeout");
  BOOST_TEST(doc["status"] == "sent");
  BOOST_TEST(doc["listUnsubscribe"] == m.listUnsubscribe);
  BOOST_TEST(doc["listUnsubscribePost"] == "List-Unsubscribe=One-Click");
}

BOOST_AUTO_TEST_CASE(workspace_and_suppression_entry_shapes) {
  BOOST_TEST(leadterra::json::toJson(Workspace{"ws_1", "Acme", at(test::kSeedEpoch), {}}) ==
             R"({"id":"ws_1","name":"Acme","createdAt":"2025-06-10T15:00:00Z","rules":{"replyStopsAllCampaigns":true,)"
             R"("frequencyCap":null}})");
  SuppressionEntry manual{"acme.com", SuppressionKind::domain, at(test::kSeedEpoch), SuppressionReason::manual, {}, {}};
  BOOST_TEST(leadterra::json::toJson(manual) ==
             R"({"entry":"acme.com","kind":"domain","createdAt":"2025-06-10T15:00:00Z","reason":"manual"})");
  const SuppressionEntry bounce{"ava@acme.com",         SuppressionKind::email, at(test::kSeedEpoch),
                                SuppressionReason::hardBounce, "camp_1",     "msg_1"};
  BOOST_TEST(leadterra::json::toJson(bounce) ==
             R"({"entry":"ava@acme.com","kind":"email","createdAt":"2025-06-10T15:00:00Z","reason":"hardBounce",)"
             R"("campaignId":"camp_1","messageId":"msg_1"})");
}

BOOST_AUTO_TEST_CASE(signal_result_shape) {
  const SignalResult r{"sig_1", false, 2, 3, 1, true, true};
  BOOST_TEST(leadterra::json::toJson(r) == R"({"id":"sig_1","duplicate":false,"leadsStopped":2,"leadsPaused":3,)"
                                           R"("messagesCancelled":1,"suppressionAdded":true,"campaignPaused":true})");
}

BOOST_AUTO_TEST_CASE(unsubscribe_settings_and_link_shapes) {
  BOOST_TEST(leadterra::json::toJson(UnsubscribeSettings{"https://links.example.com/u", ""}) ==
             R"({"baseUrl":"https://links.example.com/u","mailto":""})");
  BOOST_TEST(leadterra::json::toJson(UnsubscribeLink{"AQ", "https://links.example.com/u?token=AQ"}) ==
             R"({"token":"AQ","url":"https://links.example.com/u?token=AQ"})");
}

// ---- Timestamps ----

BOOST_AUTO_TEST_CASE(timestamps_round_trip_in_utc_with_z) {
  BOOST_TEST(leadterra::json::formatTimestamp(at(test::kSeedEpoch)) == "2025-06-10T15:00:00Z");
  BOOST_TEST(leadterra::json::formatTimestamp(at(0)) == "1970-01-01T00:00:00Z");
  BOOST_TEST(leadterra::json::parseTimestamp("2025-06-10T15:00:00Z").time_since_epoch().count() == test::kSeedEpoch);
  BOOST_TEST(leadterra::json::parseTimestamp("2025-06-10T17:00:00+02:00").time_since_epoch().count() == test::kSeedEpoch);
  for (const std::string bad : {"", "2025-06-10", "2025-06-10 15:00:00Z", "2025-06-10T15:00:00", "2025-13-10T15:00:00Z",
                                "2025-06-10T15:00:00Zjunk", "tomorrow"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(throwsInvalidArgument([&] { (void)leadterra::json::parseTimestamp(bad); })); }
  }
}

BOOST_AUTO_TEST_CASE(parse_schedule_reads_the_sending_rules_of_a_document) {
  const leadterra::CampaignSchedule s = leadterra::json::parseSchedule(
      R"({"steps": [], "timeZone": "Europe/Oslo", "sendWindow": {"days": ["mon", "fri"], "startHour": 8,
          "endHour": 16}, "dailyCap": 50})");
  BOOST_TEST(s.timeZone == "Europe/Oslo");
  BOOST_REQUIRE(s.sendWindow.has_value());
  BOOST_TEST(s.sendWindow->days[0]);
  BOOST_TEST(!s.sendWindow->days[1]);
  BOOST_TEST(s.sendWindow->days[4]);
  BOOST_TEST(s.sendWindow->startHour == 8);
  BOOST_TEST(s.sendWindow->endHour == 16);
  BOOST_TEST(s.dailyCap.value() == 50);
  const leadterra::CampaignSchedule defaults = leadterra::json::parseSchedule("{}");
  BOOST_TEST(defaults.timeZone == "UTC");
  BOOST_TEST(!defaults.sendWindow.has_value());
  BOOST_TEST(!defaults.dailyCap.has_value());
  BOOST_CHECK_THROW((void)leadterra::json::parseSchedule("[1]"), leadterra::Error);
  BOOST_CHECK_THROW((void)leadterra::json::parseSchedule(R"({"dailyCap": "many"})"), leadterra::Error);
}

BOOST_AUTO_TEST_SUITE_END()
