// Bulk upsert (SPEC section 3): the seed walkthrough, dedup, merge, row errors.
#define BOOST_TEST_MODULE enroll
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using Json = nlohmann::json;

namespace {

std::vector<LeadInput> one(LeadInput in) {
  std::vector<LeadInput> v;
  v.push_back(std::move(in));
  return v;
}

std::vector<LeadRow> one(LeadRow row) {
  std::vector<LeadRow> v;
  v.push_back(std::move(row));
  return v;
}

void checkInvariant(const BulkResult& r, std::size_t rows) {
  BOOST_TEST(r.enrolled + r.updated + r.skipped + r.failed == static_cast<std::int64_t>(rows));
  BOOST_TEST(r.failed == static_cast<std::int64_t>(r.errors.size()));
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(enroll, EngineFixture)

BOOST_AUTO_TEST_CASE(seed_walkthrough_gives_the_seed_numbers) {
  seedCampaign();
  const auto leads = seedLeads();
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", leads);
  BOOST_TEST(r.enrolled == 3);
  BOOST_TEST(r.updated == 0);
  BOOST_TEST(r.skipped == 0);
  BOOST_TEST(r.totalInCampaign == 3);
  BOOST_TEST(r.failed == 0);
  BOOST_TEST(r.queued == 0);  // draft: nothing is queued before start
  BOOST_TEST(r.missingTokens.empty());
  checkInvariant(r, 3);

  const StartResult s = engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  BOOST_TEST(s.id == "camp_01HZA1TPNQ8RD4KF");
  BOOST_TEST(toString(s.status) == "running");
  BOOST_TEST(s.startedAt.time_since_epoch().count() == test::kSeedEpoch);
  BOOST_TEST(s.leadsEnrolled == 3);
  BOOST_TEST(s.queuedMessages == 3);
}

BOOST_AUTO_TEST_CASE(resending_the_same_call_enrolls_nothing_and_changes_nothing) {
  seedCampaign();
  const auto leads = seedLeads();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", leads);
  const Lead before = *engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acmecorp.com");
  clock.advance(std::chrono::hours(1));
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", leads);
  BOOST_TEST(r.enrolled == 0);
  BOOST_TEST(r.updated == 3);
  BOOST_TEST(r.totalInCampaign == 3);
  const Lead after = *engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acmecorp.com");
  BOOST_TEST(after.id == before.id);
  BOOST_TEST(after.updatedAt.time_since_epoch().count() == before.updatedAt.time_since_epoch().count());  // nothing changed, nothing written
}

BOOST_AUTO_TEST_CASE(emails_are_deduplicated_case_insensitively_after_trimming) {
  seedCampaign();
  std::vector<LeadInput> rows;
  rows.push_back(lead("Ava@AcmeCorp.com", "Ava"));
  rows.push_back(lead("  ava@acmecorp.COM\t", "Ava2"));
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.updated == 1);  // the in-batch repeat updates the lead the first row created
  BOOST_TEST(r.totalInCampaign == 1);
  checkInvariant(r, 2);
  const auto stored = engine->getLead("camp_01HZA1TPNQ8RD4KF", "AVA@acmecorp.com ");
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->email == "ava@acmecorp.com");
  BOOST_TEST(stored->firstName.value() == "Ava2");  // in order: the last row wins
}

BOOST_AUTO_TEST_CASE(international_domains_are_deduplicated_in_every_spelling) {
  seedCampaign();
  std::vector<LeadInput> rows;
  rows.push_back(lead("max@BÜCHER.DE", "Max"));
  rows.push_back(lead("max@bücher.de", "Maximilian"));
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.updated == 1);
  BOOST_TEST(r.totalInCampaign == 1);
  checkInvariant(r, 2);
  // The ASCII form of the domain is the same lead too.
  const BulkResult again = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(lead("MAX@xn--bcher-kva.de", "Max B.")));
  BOOST_TEST(again.enrolled == 0);
  BOOST_TEST(again.updated == 1);
  BOOST_TEST(again.totalInCampaign == 1);
  const auto stored = engine->getLead("camp_01HZA1TPNQ8RD4KF", "max@XN--BCHER-KVA.de");
  BOOST_REQUIRE(stored);
  BOOST_TEST(stored->email == "max@bücher.de");  // one spelling, the one a person reads
  BOOST_TEST(stored->firstName.value() == "Max B.");
}

BOOST_AUTO_TEST_CASE(a_domain_that_is_not_valid_idna_is_an_invalid_email) {
  seedCampaign();
  std::vector<LeadInput> rows{lead("a@xn--zz.de"), lead("b@☃.com"), lead("c@xn--6a.de"), lead("d@bücher.de")};
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.failed == 3);
  checkInvariant(r, rows.size());
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    BOOST_TEST(r.errors[i].index == i);
    BOOST_TEST(r.errors[i].code == RowCode::invalid_email);
    BOOST_TEST(r.errors[i].email == rows[i].email.value());
  }
}

BOOST_AUTO_TEST_CASE(same_email_in_two_campaigns_is_two_leads) {
  seedCampaign("camp_a");
  seedCampaign("camp_b");
  BOOST_TEST(engine->bulkUpsert("camp_a", one(lead("x@acme.com"))).enrolled == 1);
  BOOST_TEST(engine->bulkUpsert("camp_b", one(lead("x@acme.com"))).enrolled == 1);
}

BOOST_AUTO_TEST_CASE(merge_absent_keeps_string_replaces_null_clears) {
  seedCampaign();
  LeadInput first = lead("a@acme.com", "Ann", "Acme", "CEO");
  first.lastName = "Lee";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(first));
  LeadInput second;
  second.email = "a@acme.com";
  second.firstName = "Anna";           // replaces
  second.company = FieldPatch::null();  // clears
  // lastName, jobTitle absent: kept
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(second));
  BOOST_TEST(r.updated == 1);
  const Lead l = *engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com");
  BOOST_TEST(l.firstName.value() == "Anna");
  BOOST_TEST(l.lastName.value() == "Lee");
  BOOST_TEST(!l.company.has_value());
  BOOST_TEST(l.jobTitle.value() == "CEO");
}

BOOST_AUTO_TEST_CASE(custom_fields_merge_as_json_merge_patch) {
  seedCampaign();
  LeadInput first = lead("a@acme.com");
  first.customFields = R"({"city":"Oslo","plan":{"tier":"pro","seats":5},"drop":1})";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(first));
  LeadInput second = lead("a@acme.com");
  second.customFields = R"({"plan":{"seats":7},"drop":null,"new":true})";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(second));
  const Json stored = Json::parse(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields);
  BOOST_TEST(stored == Json::parse(R"({"city":"Oslo","plan":{"tier":"pro","seats":7},"new":true})"));

  LeadInput third = lead("a@acme.com");
  third.customFields = "null";  // clears them all
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(third));
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields == "{}");
}

BOOST_AUTO_TEST_CASE(custom_fields_keep_the_order_they_were_first_written_in) {
  seedCampaign();
  LeadInput first = lead("a@acme.com");
  first.customFields = R"({"zeta":"1","alpha":2})";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(first));
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields == R"({"zeta":"1","alpha":2})");
  LeadInput flat = lead("a@acme.com");
  flat.customFields = R"({"mid":true,"zeta":"2"})";  // existing keys keep their place, new ones follow
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(flat));
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields ==
             R"({"zeta":"2","alpha":2,"mid":true})");
  LeadInput spaced = lead("a@acme.com");
  spaced.customFields = R"({ "alpha" : 3, "deep" : {"x": null, "y": 1} })";  // the general path, same rules
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(spaced));
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields ==
             R"({"zeta":"2","alpha":3,"mid":true,"deep":{"y":1}})");
}

BOOST_AUTO_TEST_CASE(new_lead_custom_fields_drop_null_keys) {
  seedCampaign();
  LeadInput in = lead("a@acme.com");
  in.customFields = R"({"a":null,"b":"x"})";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(in));
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "a@acme.com")->customFields == R"({"b":"x"})");
}

BOOST_AUTO_TEST_CASE(each_row_error_code_is_reported_with_its_index_and_the_rest_proceed) {
  seedCampaign();
  // A reader's rows (LeadRow) carry the two defects a C++ LeadInput cannot have.
  std::vector<LeadRow> rows;
  rows.push_back({lead("ok1@acme.com")});  // 0
  rows.push_back({LeadInput{}});           // 1 missing_email (absent)
  LeadInput nullEmail;
  nullEmail.email = FieldPatch::null();
  rows.push_back({nullEmail});                // 2 missing_email (null)
  rows.push_back({lead("   ")});              // 3 missing_email (whitespace only)
  rows.push_back({lead("not-an-email")});     // 4 invalid_email
  LeadRow wrongType{lead("wt@acme.com")};
  wrongType.defect = RowDefect::wrongType;
  wrongType.defectField = "firstName";
  rows.push_back(wrongType);                  // 5 invalid_field
  LeadInput badUtf8 = lead("u@acme.com");
  badUtf8.company = std::string("Ac\xC3\x28me");
  rows.push_back({badUtf8});                  // 6 invalid_field
  LeadInput nul = lead("n@acme.com");
  nul.jobTitle = std::string("V\0P", 3);
  rows.push_back({nul});                      // 7 invalid_field
  LeadInput longField = lead("l@acme.com");
  longField.lastName = std::string(1025, 'x');
  rows.push_back({longField});                // 8 field_too_long
  LeadRow malformed;
  malformed.defect = RowDefect::malformed;
  rows.push_back(malformed);                  // 9 malformed_row
  LeadInput badCustom = lead("c@acme.com");
  badCustom.customFields = "[1,2]";
  rows.push_back({badCustom});                // 10 invalid_field
  rows.push_back({lead("ok2@acme.com")});     // 11

  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  checkInvariant(r, rows.size());
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(r.failed == 10);
  const std::vector<std::pair<std::size_t, std::string>> expected = {
      {1, "missing_email"}, {2, "missing_email"}, {3, "missing_email"},  {4, "invalid_email"},
      {5, "invalid_field"}, {6, "invalid_field"}, {7, "invalid_field"},  {8, "field_too_long"},
      {9, "malformed_row"}, {10, "invalid_field"}};
  BOOST_REQUIRE_EQUAL(r.errors.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST_CONTEXT("error " << i) {
      BOOST_TEST(r.errors[i].index == expected[i].first);
      BOOST_TEST(std::string(toString(r.errors[i].code)) == expected[i].second);
      BOOST_TEST(!r.errors[i].message.empty());
    }
  }
  BOOST_TEST(r.errors[3].email == "not-an-email");  // the email as given
  BOOST_TEST(!engine->getLead("camp_01HZA1TPNQ8RD4KF", "wt@acme.com"));  // a failed row stores nothing
}

BOOST_AUTO_TEST_CASE(email_problems_are_reported_before_other_fields) {
  seedCampaign();
  LeadInput in = lead("bad email");
  in.lastName = std::string(5000, 'x');
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(in));
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1U);
  BOOST_TEST(std::string(toString(r.errors[0].code)) == "invalid_email");
  LeadRow typed;
  typed.defect = RowDefect::wrongType;
  typed.defectField = "email";
  BOOST_TEST(std::string(toString(engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(typed)).errors[0].code)) ==
             "invalid_field");
}

BOOST_AUTO_TEST_CASE(a_readers_defect_message_is_the_rows_error_message) {
  seedCampaign();
  std::vector<LeadRow> rows(3);
  rows[0].defect = RowDefect::malformed;
  rows[0].defectMessage = "the line is not valid JSON";
  rows[1].defect = RowDefect::malformed;  // no message of its own: the engine's
  rows[2].lead = lead("c@acme.com");
  rows[2].defect = RowDefect::wrongType;
  rows[2].defectField = "company";
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 3U);
  BOOST_TEST(r.errors[0].message == "the line is not valid JSON");
  BOOST_TEST((r.errors[0].code == RowCode::malformed_row));
  BOOST_TEST(r.errors[1].message == "the row is not a lead object");
  BOOST_TEST(r.errors[2].message == "company must be a string or null");
  BOOST_TEST((r.errors[2].code == RowCode::invalid_field));
}

BOOST_AUTO_TEST_CASE(rows_without_a_report_upsert_exactly_like_plain_leads) {
  seedCampaign("camp_plain");
  seedCampaign("camp_rows");
  std::vector<LeadInput> leads = seedLeads();
  leads.push_back(lead("not-an-email"));
  leads.push_back(lead(" Ava@AcmeCorp.com ", "Ava2"));
  std::vector<LeadRow> rows;
  for (const LeadInput& in : leads) rows.push_back({in});
  BulkOptions details;
  details.details = true;
  BulkResult plain = engine->bulkUpsert("camp_plain", leads, details);
  BulkResult read = engine->bulkUpsert("camp_rows", rows, details);
  BOOST_TEST(json::toJson(plain) == json::toJson(read));
  BOOST_TEST(read.enrolled == 3);
  BOOST_TEST(read.updated == 1);
  BOOST_TEST(read.failed == 1);
  Lead fromPlain = *engine->getLead("camp_plain", "ava@acmecorp.com");
  const Lead fromRows = *engine->getLead("camp_rows", "ava@acmecorp.com");
  fromPlain.id = fromRows.id;  // ids differ, nothing else
  BOOST_TEST(json::toJson(fromPlain) == json::toJson(fromRows));
  BOOST_TEST(fromRows.firstName.value() == "Ava2");
}

BOOST_AUTO_TEST_CASE(field_limits_are_inclusive) {
  seedCampaign();
  LeadInput atLimit = lead("a@acme.com");
  atLimit.company = std::string(1024, 'x');
  BOOST_TEST(engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(atLimit)).enrolled == 1);

  Json many = Json::object();
  for (int i = 0; i < 128; ++i) many["k" + std::to_string(i)] = i;
  LeadInput keys = lead("k@acme.com");
  keys.customFields = many.dump();
  BOOST_TEST(engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(keys)).enrolled == 1);
  // One more key through a merge puts the stored object over the limit.
  LeadInput more = lead("k@acme.com");
  more.customFields = R"({"extra":1})";
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(more));
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1U);
  BOOST_TEST(std::string(toString(r.errors[0].code)) == "field_too_long");
  BOOST_TEST(Json::parse(engine->getLead("camp_01HZA1TPNQ8RD4KF", "k@acme.com")->customFields).size() == 128U);

  LeadInput big = lead("b@acme.com");
  big.customFields = Json{{"blob", std::string(17000, 'x')}}.dump();
  BOOST_TEST(std::string(toString(engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", one(big)).errors.at(0).code)) ==
             "field_too_long");
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_counted_not_stored) {
  seedCampaign();
  LeadRow a{lead("a@acme.com")};
  a.unknownFields = {"firstname", "phone"};
  LeadRow b{lead("b@acme.com")};
  b.unknownFields = {"firstname"};
  std::vector<LeadRow> rows{a, b};
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", rows);
  BOOST_TEST(r.unknownFields.at("firstname") == 2);
  BOOST_TEST(r.unknownFields.at("phone") == 1);
}

BOOST_AUTO_TEST_CASE(missing_tokens_count_distinct_leads_rendering_a_token_empty) {
  seedCampaign("camp_t", {{"Hi {{firstName}}", "{{company}} {{city|there}} {{customFields.plan}}", StepFormat::text, 0}});
  std::vector<LeadInput> rows;
  rows.push_back(lead("a@acme.com", "Ann"));         // company, plan missing
  rows.push_back(lead("a@acme.com", "", "Acme"));    // same lead, now has company
  rows.push_back(lead("b@acme.com", "", "Beta"));    // firstName, plan missing
  const BulkResult r = engine->bulkUpsert("camp_t", rows);
  BOOST_TEST(r.missingTokens.at("firstName") == 1);
  BOOST_TEST(r.missingTokens.count("company") == 0U);  // counted on the lead's final state
  BOOST_TEST(r.missingTokens.at("customFields.plan") == 2);
  BOOST_TEST(r.missingTokens.count("city") == 0U);  // has a fallback
}

BOOST_AUTO_TEST_CASE(missing_tokens_of_one_lead_are_the_ones_a_bulk_upsert_counts_for_it) {
  const Step step{"{{jobTitle}} {{firstName}}", "{{company}} {{city|there}} {{customFields.plan}} {{firstName}}",
                  StepFormat::text, 0};
  LeadInput ann = lead("a@acme.com", "Ann");
  ann.customFields = R"({"plan": ""})";
  // Subject first, each name once, as written; a token with a fallback never.
  const std::vector<std::string> expected{"jobTitle", "company", "customFields.plan"};
  BOOST_TEST(missingTokens(step, ann) == expected, boost::test_tools::per_element());
  BOOST_TEST(StepRenderer(step).missingTokens(ann) == expected, boost::test_tools::per_element());

  seedCampaign("camp_t", {step});
  const BulkResult r = engine->bulkUpsert("camp_t", std::vector<LeadInput>{ann});
  std::vector<std::string> counted;
  for (const auto& [name, leads] : r.missingTokens) counted.push_back(name);
  BOOST_TEST(counted == (std::vector<std::string>{"company", "customFields.plan", "jobTitle"}),
             boost::test_tools::per_element());  // the same names, in the map's order
  const Lead stored = *engine->getLead("camp_t", "a@acme.com");
  BOOST_TEST(missingTokens(step, stored) == expected, boost::test_tools::per_element());

  LeadInput full = lead("b@acme.com", "Bo", "Beta", "CTO");
  full.customFields = R"({"plan": "pro"})";
  BOOST_TEST(missingTokens(step, full).empty());
}

BOOST_AUTO_TEST_CASE(position_and_status_are_never_changed_by_an_upsert) {
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  (void)engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  const auto claimed = engine->claimDue(10, 300);
  BOOST_REQUIRE_EQUAL(claimed.size(), 3U);
  for (const Message& m : claimed) (void)engine->markSent(m.id);
  (void)engine->markReplied("camp_01HZA1TPNQ8RD4KF", "priya@nexusai.com");
  const BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  BOOST_TEST(r.updated == 3);
  BOOST_TEST(r.queued == 0);
  const Lead ava = *engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acmecorp.com");
  BOOST_TEST(ava.position == 1);
  BOOST_TEST(toString(ava.status) == "active");
  const Lead priya = *engine->getLead("camp_01HZA1TPNQ8RD4KF", "priya@nexusai.com");
  BOOST_TEST(toString(priya.status) == "replied");
  // Step 1 was never queued twice.
  std::int64_t step1 = 0;
  for (const Message& m : engine->listMessages("camp_01HZA1TPNQ8RD4KF")) step1 += m.step == 1 ? 1 : 0;
  BOOST_TEST(step1 == 3);
}

BOOST_AUTO_TEST_CASE(unknown_campaign_is_not_found) {
  try {
    (void)engine->bulkUpsert("camp_missing", one(lead("a@acme.com")));
    BOOST_FAIL("expected not_found");
  } catch (const Error& e) {
    BOOST_TEST(std::string(toString(e.code())) == "not_found");
  }
}

BOOST_AUTO_TEST_CASE(a_null_nested_in_a_new_custom_key_is_dropped_in_every_mode) {
  const std::string kCamp = seedCampaign().id;
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("a@acme.com")});
  for (MergeMode mode : {MergeMode::merge, MergeMode::fillEmpty, MergeMode::replace}) {
    LeadInput in = lead("a@acme.com");
    in.customFields = R"({"a": {"b": null, "c": "x", "d": {"e": null}}})";
    BulkOptions options;
    options.mode = mode;
    (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{in}, options);
    BOOST_TEST(engine->getLead(kCamp, "a@acme.com")->customFields == R"({"a":{"c":"x","d":{}}})",
               "mode " << toString(mode));
    LeadInput clear = lead("a@acme.com");
    clear.customFields = "null";
    (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{clear});
  }
}

BOOST_AUTO_TEST_SUITE_END()
