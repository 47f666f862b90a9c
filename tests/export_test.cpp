// Export (docs/export.md): a campaign's leads as CSV and JSON Lines, their
// state columns, the round trip through an import, errors and scope.
#define BOOST_TEST_MODULE export_leads
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "leadterra/import.hpp"
#include "leadterra/json.hpp"
#include "test_util.hpp"

using namespace leadterra;
using namespace leadterra::test;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";
constexpr const char* kOther = "camp_01HZA1TPNQ8RD4KG";
using Json = nlohmann::ordered_json;
using Fields = nlohmann::json;  // compared whatever the order of keys

struct ExportFixture : EngineFixture {
  ExportFixture() { seedCampaign(kCamp); }

  // The whole export as one text, and how many pieces the sink received.
  std::string exported(ExportFormat format, const ExportOptions& options = {}, const Scope& scope = {},
                       const char* campaign = kCamp) {
    std::string text;
    chunks = 0;
    written = engine->exportLeads(
        campaign, format,
        [&](std::string_view chunk) {
          BOOST_TEST(!chunk.empty());
          text += chunk;
          ++chunks;
        },
        options, scope);
    return text;
  }

  // Two leads with what CSV must quote, UTF-8 and custom fields of each type.
  void enrollTricky() {
    LeadInput a = lead("ava@acmecorp.com", "Ava", "Acme Corp", "VP Sales");
    a.lastName = "Chen";
    a.set("city", "Oslo").set("employees", 120);
    LeadInput b = lead("zoe@example.com", "Zoë", "Smith, Jones & \"Co\"\nLtd");
    b.set("vip", true).set("city", "Zürich;Bern").set("tags", CustomValue::array({"a", "b"}));
    const std::vector<LeadInput> rows{a, b};
    BOOST_TEST(engine->bulkUpsert(kCamp, rows).enrolled == 2);
  }

  static std::vector<std::string> lines(const std::string& text, char end = '\n') {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line, end);) out.push_back(line);
    return out;
  }

  int chunks = 0;
  std::int64_t written = 0;  // as exportLeads returned
};

// The fields an import sets, of every lead of a campaign, as JSON.
Fields fieldsOf(CampaignEngine& engine, const char* campaign) {
  Fields out = Fields::array();
  for (const Lead& l : engine.listLeads(campaign, {}, {kMaxPageLimit, {}}).items) {
    Fields j = Fields::parse(json::toJson(l));
    out.push_back({j["email"], j["firstName"], j["lastName"], j["company"], j["jobTitle"], j["customFields"]});
  }
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(export_leads, ExportFixture)

BOOST_AUTO_TEST_CASE(csv_has_a_header_row_and_a_quoted_row_per_lead) {
  enrollTricky();
  const std::string csv = exported(ExportFormat::csv);
  BOOST_TEST(csv ==
             "email,firstName,lastName,company,jobTitle,city,employees,vip,tags,"
             "leadterra:status,leadterra:position,leadterra:variant,leadterra:lastEvent,leadterra:lastEventAt\r\n"
             "ava@acmecorp.com,Ava,Chen,Acme Corp,VP Sales,Oslo,120,,,active,0,,enrolled,2025-06-10T15:00:00Z\r\n"
             "zoe@example.com,Zoë,,\"Smith, Jones & \"\"Co\"\"\nLtd\",,\"Zürich;Bern\",,true,\"[\"\"a\"\",\"\"b\"\"]\","
             "active,0,,enrolled,2025-06-10T15:00:00Z\r\n");
}

BOOST_AUTO_TEST_CASE(a_campaign_without_leads_exports_a_header_or_nothing) {
  BOOST_TEST(exported(ExportFormat::csv) ==
             "email,firstName,lastName,company,jobTitle,leadterra:status,leadterra:position,leadterra:variant,"
             "leadterra:lastEvent,leadterra:lastEventAt\r\n");
  BOOST_TEST(exported(ExportFormat::jsonl).empty());
  BOOST_TEST(chunks == 0);
  BOOST_TEST(written == 0);
}

BOOST_AUTO_TEST_CASE(jsonl_is_the_lead_json_with_the_state_keys) {
  enrollTricky();
  const std::vector<std::string> got = lines(exported(ExportFormat::jsonl));
  const auto leads = engine->listLeads(kCamp).items;
  BOOST_TEST_REQUIRE(got.size() == leads.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    Json expected = Json::parse(json::toJson(leads[i]));
    expected["variant"] = nullptr;
    expected["lastEvent"] = "enrolled";
    expected["lastEventAt"] = "2025-06-10T15:00:00Z";
    BOOST_TEST(Json::parse(got[i]) == expected, Json::parse(got[i]).dump() << " vs " << expected.dump());
  }
  // Strings escaped as the JSON adapter writes them, UTF-8 as it is.
  BOOST_TEST(got[1].find(R"("company":"Smith, Jones & \"Co\"\nLtd")") != std::string::npos);
  BOOST_TEST(got[1].find(R"("firstName":"Zoë")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(state_columns_follow_the_lead_through_a_send_and_a_reply) {
  const std::vector<LeadInput> rows{lead("ava@acmecorp.com", "Ava"), lead("marcus@buildfast.io", "Marcus")};
  (void)engine->bulkUpsert(kCamp, rows);
  (void)engine->startCampaign(kCamp);  // queues step 1 for both at 15:00
  clock.advance(std::chrono::minutes(10));
  const std::vector<Message> claimed = engine->claimDue(1);
  BOOST_TEST_REQUIRE(claimed.size() == 1u);
  clock.advance(std::chrono::minutes(5));
  (void)engine->markSent(claimed[0].id);  // 15:15: step 1 sent, step 2 queued in the same call
  (void)engine->markReplied(kCamp, "marcus@buildfast.io");  // cancels Marcus's queued step 1

  const std::vector<std::string> csv = lines(exported(ExportFormat::csv), '\n');
  BOOST_TEST_REQUIRE(csv.size() == 3u);
  BOOST_TEST(csv[1] == "ava@acmecorp.com,Ava,,,,active,1,A,sent,2025-06-10T15:15:00Z\r");
  BOOST_TEST(csv[2] == "marcus@buildfast.io,Marcus,,,,replied,0,A,cancelled,2025-06-10T15:15:00Z\r");

  const std::vector<std::string> jsonl = lines(exported(ExportFormat::jsonl));
  const Json ava = Json::parse(jsonl[0]);
  BOOST_TEST(ava["status"] == "active");
  BOOST_TEST(ava["position"] == 1);
  BOOST_TEST(ava["variant"] == "A");
  BOOST_TEST(ava["lastEvent"] == "sent");
  BOOST_TEST(ava["lastEventAt"] == "2025-06-10T15:15:00Z");
}

BOOST_AUTO_TEST_CASE(the_filter_picks_leads_as_listing_does) {
  const std::vector<LeadInput> rows{lead("ava@acmecorp.com"), lead("marcus@buildfast.io")};
  (void)engine->bulkUpsert(kCamp, rows);
  (void)engine->markReplied(kCamp, "marcus@buildfast.io");
  ExportOptions options;
  options.filter.status = LeadStatus::replied;
  const std::vector<std::string> got = lines(exported(ExportFormat::jsonl, options));
  BOOST_TEST_REQUIRE(got.size() == 1u);
  BOOST_TEST(written == 1);
  BOOST_TEST(Json::parse(got[0])["email"] == "marcus@buildfast.io");
}

BOOST_AUTO_TEST_CASE(many_leads_come_in_order_in_several_pieces) {
  std::vector<LeadInput> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(lead("lead" + std::to_string(i) + "@acme.com"));
  (void)engine->bulkUpsert(kCamp, rows);
  const std::vector<std::string> got = lines(exported(ExportFormat::jsonl));
  BOOST_TEST(chunks > 1);
  BOOST_TEST(written == 1000);
  BOOST_TEST_REQUIRE(got.size() == 1000u);
  for (int i = 0; i < 1000; ++i) BOOST_TEST(Json::parse(got[i])["email"] == "lead" + std::to_string(i) + "@acme.com");
}

BOOST_AUTO_TEST_CASE(jsonl_imports_back_into_the_same_leads_and_fields) {
  enrollTricky();
  (void)engine->startCampaign(kCamp);
  const std::string file = dir.file("leads.jsonl");
  writeFile(file, exported(ExportFormat::jsonl));
  seedCampaign(kOther);
  const BulkResult result = importFile(*engine, kOther, file);
  BOOST_TEST(result.enrolled == 2);
  BOOST_TEST(result.failed == 0);
  BOOST_TEST(fieldsOf(*engine, kOther) == fieldsOf(*engine, kCamp));
  // The state keys are not fields: counted as unknown, not imported.
  BOOST_TEST(result.unknownFields.count("lastEvent") == 1u);
  for (const Lead& l : engine->listLeads(kOther).items) {
    BOOST_TEST(l.status == LeadStatus::active);
    BOOST_TEST(l.position == 0);
  }
}

BOOST_AUTO_TEST_CASE(csv_imports_back_with_custom_values_as_text) {
  enrollTricky();
  const std::string file = dir.file("leads.csv");
  writeFile(file, exported(ExportFormat::csv));
  seedCampaign(kOther);
  const BulkResult result = importFile(*engine, kOther, file);
  BOOST_TEST(result.enrolled == 2);
  BOOST_TEST(result.failed == 0);
  const auto layout = LeadFileReader::open(file)->layout();
  BOOST_TEST(layout.delimiter == ',');
  for (const LeadFileColumn& column : layout.columns) {
    if (!column.header.starts_with("leadterra:")) continue;
    BOOST_TEST(column.field.empty());
    BOOST_TEST(column.customKey.empty());
  }
  // Standard fields and string values exactly; other values as their JSON
  // text (CSV has no types).
  Fields expected = fieldsOf(*engine, kCamp);
  expected[0][5]["employees"] = "120";
  expected[1][5]["vip"] = "true";
  expected[1][5]["tags"] = R"(["a","b"])";
  BOOST_TEST(fieldsOf(*engine, kOther) == expected, fieldsOf(*engine, kOther).dump() << " vs " << expected.dump());
}

BOOST_AUTO_TEST_CASE(a_column_map_may_still_import_a_state_column) {
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acmecorp.com")});
  const std::string file = dir.file("leads.csv");
  writeFile(file, exported(ExportFormat::csv));
  ImportOptions options;
  options.columns = {{"leadterra:status", "formerStatus"}};
  seedCampaign(kOther);
  BOOST_TEST(importFile(*engine, kOther, file, options).enrolled == 1);
  BOOST_TEST(engine->getLead(kOther, "ava@acmecorp.com")->customFields == R"({"formerStatus":"active"})");
}

BOOST_AUTO_TEST_CASE(unknown_campaign_scope_and_format) {
  BOOST_TEST(errorCodeOf([&] { (void)exported(ExportFormat::csv, {}, {}, "camp_01HZA1TPNQ8RD4KZ"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)exported(ExportFormat::csv, {}, Scope{"ws_other"}); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)exported(ExportFormat::csv, {}, Scope{"ws_test"}); }) == "none");
  BOOST_TEST(errorCodeOf([&] { (void)exported(static_cast<ExportFormat>(7)); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)engine->exportLeads(kCamp, ExportFormat::csv, ExportSink()); }) ==
             "invalid_argument");
  ExportOptions bad;
  bad.filter.status = static_cast<LeadStatus>(42);
  BOOST_TEST(errorCodeOf([&] { (void)exported(ExportFormat::csv, bad); }) == "invalid_argument");
  BOOST_TEST(chunks == 0);
}

BOOST_AUTO_TEST_CASE(a_sink_that_throws_stops_the_export_with_its_exception) {
  std::vector<LeadInput> rows;
  for (int i = 0; i < 600; ++i) rows.push_back(lead("lead" + std::to_string(i) + "@acme.com"));
  (void)engine->bulkUpsert(kCamp, rows);
  int calls = 0;
  struct Full : std::runtime_error {
    Full() : std::runtime_error("disk full") {}
  };
  BOOST_CHECK_THROW(engine->exportLeads(kCamp, ExportFormat::csv,
                                        [&](std::string_view) {
                                          ++calls;
                                          throw Full();
                                        }),
                    Full);
  BOOST_TEST(calls == 1);
  // The engine is usable afterwards: the read transaction ended.
  BOOST_TEST(engine->countLeads(kCamp).total == 600);
}

// A bulk call's rows that enroll nobody (invalid, repeated) leave gaps in
// its creation order that a later call's leads can fill: the export still
// writes every lead once.
BOOST_AUTO_TEST_CASE(every_lead_is_exported_once_whatever_the_calls_left_in_their_order) {
  // b's place is 256 rows after the first's start, the c lead 256 after
  // the second's: one place, which a page of 256 leads ends at.
  std::vector<LeadInput> first(256, lead("not an email"));
  first.push_back(lead("b@acme.com"));
  (void)engine->bulkUpsert(kCamp, first);
  std::vector<LeadInput> second;
  for (int i = 0; i < 600; ++i) second.push_back(lead("c" + std::to_string(i) + "@acme.com"));
  (void)engine->bulkUpsert(kCamp, second);
  const std::vector<std::string> got = lines(exported(ExportFormat::jsonl));
  std::set<std::string> emails;
  for (const std::string& line : got) emails.insert(Json::parse(line)["email"].get<std::string>());
  BOOST_TEST(got.size() == 601u);
  BOOST_TEST(emails.size() == 601u);
  BOOST_TEST(written == 601);
  BOOST_TEST(emails.count("b@acme.com") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
