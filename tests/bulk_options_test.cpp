// Bulk upsert options (SPEC section 11): merge modes, dry run, idempotency
// keys, per-row outcomes.
#define BOOST_TEST_MODULE bulk_options
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::epoch;
using leadterra::test::errorCodeOf;
using Json = nlohmann::json;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";


std::vector<LeadInput> rowsOf(LeadInput in) {
  std::vector<LeadInput> v;
  v.push_back(std::move(in));
  return v;
}

BulkOptions withMode(MergeMode mode) {
  BulkOptions o;
  o.mode = mode;
  return o;
}

struct Stored : EngineFixture {
  Stored() {
    seedCampaign();
    LeadInput in = lead("a@acme.com", "Ann", "", "CEO");
    in.company = "";  // empty, not null
    in.customFields = R"({"city":"Oslo","plan":{"tier":"pro"}})";
    (void)engine->bulkUpsert(kCamp, rowsOf(in));
  }
  Lead stored() { return *engine->getLead(kCamp, "a@acme.com"); }
};

// Everything a user can read back: leads, messages, campaign counts.
std::string snapshot(CampaignEngine& e) {
  std::string out;
  const auto c = e.getCampaign(kCamp);
  out += std::to_string(c->leadsEnrolled) + "/" + std::to_string(c->queuedMessages) + ";";
  for (const char* email :
       {"a@acme.com", "b@acme.com", "ava@acmecorp.com", "marcus@buildfast.io", "priya@nexusai.com", "new@acme.com"}) {
    if (auto l = e.getLead(kCamp, email)) out += json::toJson(*l) + ";";
  }
  for (const Message& m : e.listMessages(kCamp)) out += m.subject + "|" + m.body + ";";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bulk_options)

BOOST_FIXTURE_TEST_CASE(fill_empty_sets_only_absent_or_empty_fields, Stored) {
  LeadInput in = lead("a@acme.com", "Other", "Acme", "CTO");
  in.lastName = "Lee";
  in.customFields = R"({"city":"Bergen","team":"sales","gone":null})";
  const BulkResult r = engine->bulkUpsert(kCamp, rowsOf(in), withMode(MergeMode::fillEmpty));
  BOOST_TEST(r.updated == 1);
  const Lead l = stored();
  BOOST_TEST(l.firstName.value() == "Ann");  // had a value: kept
  BOOST_TEST(l.jobTitle.value() == "CEO");
  BOOST_TEST(l.company.value() == "Acme");  // was empty: filled
  BOOST_TEST(l.lastName.value() == "Lee");  // was null: filled
  BOOST_TEST(Json::parse(l.customFields) ==
             Json::parse(R"({"city":"Oslo","plan":{"tier":"pro"},"team":"sales"})"));  // only missing keys
}

BOOST_FIXTURE_TEST_CASE(fill_empty_never_clears, Stored) {
  LeadInput in = lead("a@acme.com");
  in.firstName = FieldPatch::null();
  in.customFields = "null";
  (void)engine->bulkUpsert(kCamp, rowsOf(in), withMode(MergeMode::fillEmpty));
  BOOST_TEST(stored().firstName.value() == "Ann");
  BOOST_TEST(Json::parse(stored().customFields).size() == 2U);
}

BOOST_FIXTURE_TEST_CASE(replace_makes_the_row_the_record, Stored) {
  LeadInput in = lead("a@acme.com", "Anna");
  in.customFields = R"({"team":"ops","drop":null})";
  (void)engine->bulkUpsert(kCamp, rowsOf(in), withMode(MergeMode::replace));
  Lead l = stored();
  BOOST_TEST(l.firstName.value() == "Anna");
  BOOST_TEST(!l.jobTitle.has_value());  // absent: cleared
  BOOST_TEST(!l.company.has_value());
  BOOST_TEST(l.customFields == R"({"team":"ops"})");  // replaced, not merged

  (void)engine->bulkUpsert(kCamp, rowsOf(lead("a@acme.com")), withMode(MergeMode::replace));
  l = stored();
  BOOST_TEST(!l.firstName.has_value());
  BOOST_TEST(l.customFields == "{}");  // absent customFields: cleared too
}

BOOST_FIXTURE_TEST_CASE(no_mode_touches_position_or_status_or_unreplies, Stored) {
  (void)engine->startCampaign(kCamp);
  (void)engine->markSent(engine->claimDue(1, 60).at(0).id);
  (void)engine->markReplied(kCamp, "a@acme.com");
  for (MergeMode mode : {MergeMode::merge, MergeMode::fillEmpty, MergeMode::replace}) {
    BOOST_TEST_CONTEXT(toString(mode)) {
      const BulkResult r = engine->bulkUpsert(kCamp, rowsOf(lead("a@acme.com", "X")), withMode(mode));
      BOOST_TEST(r.updated == 1);
      BOOST_TEST(r.queued == 0);
      BOOST_TEST(stored().position == 1);
      BOOST_TEST(toString(stored().status) == "replied");
    }
  }
}

BOOST_FIXTURE_TEST_CASE(no_mode_unsuppresses_a_listed_lead, Stored) {
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"acme.com"});
  for (MergeMode mode : {MergeMode::merge, MergeMode::fillEmpty, MergeMode::replace}) {
    const BulkResult r = engine->bulkUpsert(kCamp, rowsOf(lead("a@acme.com", "X")), withMode(mode));
    BOOST_TEST(r.skipped == 1);
    BOOST_TEST(toString(stored().status) == "suppressed");
  }
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_returns_the_real_result_and_writes_nothing, EngineFixture) {
  seedCampaign();
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"nexusai.com"});
  (void)engine->startCampaign(kCamp);
  std::vector<LeadInput> rows = seedLeads();
  rows.push_back(lead("bad"));
  rows.push_back(lead("AVA@acmecorp.com", "Ava2"));
  const std::string before = snapshot(*engine);
  BulkOptions dry;
  dry.dryRun = true;
  dry.details = true;
  const BulkResult preview = engine->bulkUpsert(kCamp, rows, dry);
  BOOST_TEST(preview.dryRun);
  BOOST_TEST(snapshot(*engine) == before);  // nothing written

  BulkOptions real;
  real.details = true;
  const BulkResult done = engine->bulkUpsert(kCamp, rows, real);
  BOOST_TEST(!done.dryRun);
  BulkResult previewAsReal = preview;
  previewAsReal.dryRun = false;
  BOOST_TEST(json::toJson(previewAsReal) == json::toJson(done));  // the same result, field for field
  BOOST_TEST(done.enrolled == 2);
  BOOST_TEST(done.queued == 2);
  BOOST_TEST(snapshot(*engine) != before);
}

BOOST_FIXTURE_TEST_CASE(a_repeated_key_with_the_same_payload_replays_and_writes_nothing, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "import-2025-06-10";
  const BulkResult first = engine->bulkUpsert(kCamp, seedLeads(), keyed);
  BOOST_TEST(first.enrolled == 3);
  BOOST_TEST(first.totalInCampaign == 3);
  BOOST_TEST(!first.replayed);

  // Meanwhile a colleague's edit (no key) changes Ava and enrolls a fourth lead.
  clock.advance(std::chrono::hours(1));
  const std::int64_t editedAt = epoch(clock.now());
  const BulkResult edit = engine->bulkUpsert(
      kCamp, std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava-Edited"), lead("new@acme.com", "New")});
  BOOST_TEST(edit.updated == 1);
  BOOST_TEST(edit.enrolled == 1);
  BOOST_TEST(epoch(engine->getLead(kCamp, "ava@acmecorp.com")->updatedAt) == editedAt);

  // The retry of the first call, later again: a plain upsert would write Ava
  // back and answer "updated: 3, totalInCampaign: 4".
  clock.advance(std::chrono::hours(1));
  const std::string before = snapshot(*engine);
  const BulkResult second = engine->bulkUpsert(kCamp, seedLeads(), keyed);
  BOOST_TEST(second.replayed);
  BOOST_TEST(second.enrolled == 3);  // the stored result, as it was then
  BOOST_TEST(second.updated == 0);
  BOOST_TEST(second.totalInCampaign == 3);
  BOOST_TEST(json::toJson(second) != json::toJson(first));  // only "replayed" differs
  BulkResult secondAsFirst = second;
  secondAsFirst.replayed = false;
  BOOST_TEST(json::toJson(secondAsFirst) == json::toJson(first));

  // Nothing written: the newer edit stays, updatedAt is the edit's.
  const Lead ava = *engine->getLead(kCamp, "ava@acmecorp.com");
  BOOST_TEST(ava.firstName.value() == "Ava-Edited");
  BOOST_TEST(epoch(ava.updatedAt) == editedAt);
  BOOST_TEST(epoch(engine->getLead(kCamp, "priya@nexusai.com")->updatedAt) == test::kSeedEpoch);
  BOOST_TEST(engine->getCampaign(kCamp)->leadsEnrolled == 4);
  BOOST_TEST(snapshot(*engine) == before);
}

BOOST_FIXTURE_TEST_CASE(key_order_and_whitespace_of_custom_fields_do_not_matter, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "k";
  LeadInput a = lead("a@acme.com");
  a.customFields = R"({"x":1,"y":{"b":2,"a":1}})";
  LeadInput b = lead("a@acme.com");
  b.customFields = R"({ "y": {"a": 1, "b": 2}, "x": 1 })";
  (void)engine->bulkUpsert(kCamp, rowsOf(a), keyed);
  BOOST_TEST(engine->bulkUpsert(kCamp, rowsOf(b), keyed).replayed);
}

BOOST_FIXTURE_TEST_CASE(a_repeated_key_with_another_payload_or_mode_is_a_conflict, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "k1";
  (void)engine->bulkUpsert(kCamp, seedLeads(), keyed);
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, rowsOf(lead("other@acme.com")), keyed); }) == "conflict");
  BulkOptions otherMode = keyed;
  otherMode.mode = MergeMode::replace;
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, seedLeads(), otherMode); }) == "conflict");
  BOOST_TEST(!engine->getLead(kCamp, "other@acme.com"));
}

// The stored result counts the unknown keys, so they are part of the
// payload: a typo fixed between the call and its retry is another call.
BOOST_FIXTURE_TEST_CASE(a_repeated_key_with_other_unknown_keys_is_a_conflict, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "typo";
  const std::vector<LeadRow> first =
      json::parseLeads(R"({"leads": [{"email": "a@acme.com", "firstname": "x", "title": "CEO"}]})");
  const BulkResult r = engine->bulkUpsert(kCamp, first, keyed);
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST((r.unknownFields == std::map<std::string, std::int64_t>{{"firstname", 1}, {"title", 1}}));

  // The same rows with the same unknown keys, in another order: a replay.
  const BulkResult again = engine->bulkUpsert(
      kCamp, json::parseLeads(R"({"leads": [{"title": "CEO", "firstname": "x", "email": "a@acme.com"}]})"), keyed);
  BOOST_TEST(again.replayed);
  BOOST_TEST(again.unknownFields == r.unknownFields);

  // Same rows (email only, as the engine reads them), other unknown keys: conflict.
  for (const char* other : {R"({"leads": [{"email": "a@acme.com", "frist": "x", "title": "CEO"}]})",
                            R"({"leads": [{"email": "a@acme.com", "title": "CEO"}]})",
                            R"({"leads": [{"email": "a@acme.com", "firstname": "x", "title": "CEO", "x": 1}]})"}) {
    BOOST_TEST_CONTEXT(other) {
      BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, json::parseLeads(other), keyed); }) ==
                 "conflict");
    }
  }
}

BOOST_FIXTURE_TEST_CASE(a_key_covers_what_a_reader_reported_about_the_rows, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "k";
  std::vector<LeadRow> rows{{lead("a@acme.com")}, {lead("b@acme.com")}};
  (void)engine->bulkUpsert(kCamp, rows, keyed);
  // The same leads as plain LeadInputs: the same payload.
  std::vector<LeadInput> plain{lead("a@acme.com"), lead("b@acme.com")};
  BOOST_TEST(engine->bulkUpsert(kCamp, plain, keyed).replayed);
  // Unknown keys in other order: the same payload.
  rows[0].unknownFields = {"phone", "firstname"};
  BulkOptions other = keyed;
  other.idempotencyKey = "k2";
  (void)engine->bulkUpsert(kCamp, rows, other);
  std::swap(rows[0].unknownFields[0], rows[0].unknownFields[1]);
  BOOST_TEST(engine->bulkUpsert(kCamp, rows, other).replayed);
  // Another unknown key, a defect or its message: another payload.
  std::vector<LeadRow> more = rows;
  more[1].unknownFields = {"fax"};
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, more, other); }) == "conflict");
  std::vector<LeadRow> typed = rows;
  typed[1].defect = RowDefect::wrongType;
  typed[1].defectField = "company";
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, typed, other); }) == "conflict");
  std::vector<LeadRow> explained = typed;
  explained[1].defectMessage = "company must be text";
  keyed.idempotencyKey = "k3";
  (void)engine->bulkUpsert(kCamp, typed, keyed);
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, explained, keyed); }) == "conflict");
}

BOOST_FIXTURE_TEST_CASE(a_key_is_scoped_to_its_campaign, EngineFixture) {
  seedCampaign();
  seedCampaign("camp_two");
  BulkOptions keyed;
  keyed.idempotencyKey = "shared";
  (void)engine->bulkUpsert(kCamp, seedLeads(), keyed);
  const BulkResult other = engine->bulkUpsert("camp_two", rowsOf(lead("x@acme.com")), keyed);
  BOOST_TEST(!other.replayed);
  BOOST_TEST(other.enrolled == 1);
}

BOOST_FIXTURE_TEST_CASE(a_key_reused_after_expiry_is_a_new_call, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "daily";
  (void)engine->bulkUpsert(kCamp, seedLeads(), keyed);
  clock.advance(std::chrono::hours(24));  // default TTL: 24 h
  const BulkResult later = engine->bulkUpsert(kCamp, rowsOf(lead("new@acme.com")), keyed);
  BOOST_TEST(!later.replayed);  // not a conflict: the old key expired
  BOOST_TEST(later.enrolled == 1);
  BOOST_TEST(engine->bulkUpsert(kCamp, rowsOf(lead("new@acme.com")), keyed).replayed);
}

BOOST_FIXTURE_TEST_CASE(the_ttl_is_configurable, EngineFixture) {
  seedCampaign();
  Options options;
  options.clock = clock.clock();
  options.idempotencyTtl = std::chrono::minutes(5);
  engine = CampaignEngine::open(path, options);
  BulkOptions keyed;
  keyed.idempotencyKey = "short";
  (void)engine->bulkUpsert(kCamp, seedLeads(), keyed);
  clock.advance(std::chrono::minutes(4));
  BOOST_TEST(engine->bulkUpsert(kCamp, seedLeads(), keyed).replayed);
  clock.advance(std::chrono::minutes(1));
  BOOST_TEST(!engine->bulkUpsert(kCamp, seedLeads(), keyed).replayed);
}

// Expired keys do not pile up in the file: the next keyed call purges every
// key older than the TTL (docs/idempotency.md, docs/schema.md).
BOOST_FIXTURE_TEST_CASE(a_keyed_call_after_the_ttl_purges_the_expired_keys, EngineFixture) {
  seedCampaign();
  seedCampaign("camp_two");
  Options options;
  options.clock = clock.clock();
  options.idempotencyTtl = std::chrono::hours(1);
  engine = CampaignEngine::open(path, options);
  auto keyed = [&](const char* campaign, const char* key, const char* email) {
    BulkOptions o;
    o.idempotencyKey = key;
    BOOST_TEST(!engine->bulkUpsert(campaign, rowsOf(lead(email)), o).replayed);
  };
  auto storedKeys = [&] {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement s(db, "SELECT campaign_id || '/' || key FROM idempotency_keys ORDER BY 1");
    std::vector<std::string> keys;
    while (s.executeStep()) keys.push_back(s.getColumn(0).getString());
    return keys;
  };

  keyed(kCamp, "k1", "a@acme.com");
  keyed(kCamp, "k2", "b@acme.com");
  keyed("camp_two", "k3", "c@acme.com");
  clock.advance(std::chrono::minutes(30));
  keyed(kCamp, "k4", "d@acme.com");
  BOOST_TEST(storedKeys().size() == 4U);  // none expired yet

  clock.advance(std::chrono::minutes(30));  // k1, k2, k3 are now one TTL old
  keyed(kCamp, "k5", "e@acme.com");
  const std::vector<std::string> expected{std::string(kCamp) + "/k4", std::string(kCamp) + "/k5"};
  BOOST_TEST(storedKeys() == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_dry_run_does_not_store_its_key, EngineFixture) {
  seedCampaign();
  BulkOptions dry;
  dry.idempotencyKey = "k";
  dry.dryRun = true;
  (void)engine->bulkUpsert(kCamp, seedLeads(), dry);
  BulkOptions real;
  real.idempotencyKey = "k";
  const BulkResult r = engine->bulkUpsert(kCamp, rowsOf(lead("z@acme.com")), real);
  BOOST_TEST(!r.replayed);
  BOOST_TEST(r.enrolled == 1);
}

BOOST_FIXTURE_TEST_CASE(details_give_every_rows_outcome_in_order, EngineFixture) {
  seedCampaign();
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"buildfast.io"});
  std::vector<LeadInput> rows = seedLeads();
  rows.push_back(lead("nope"));
  rows.push_back(lead(" Ava@AcmeCorp.com"));
  BulkOptions o;
  o.details = true;
  const BulkResult r = engine->bulkUpsert(kCamp, rows, o);
  BOOST_REQUIRE_EQUAL(r.rows.size(), rows.size());
  const std::vector<std::string> outcomes = {"enrolled", "skipped", "enrolled", "failed", "updated"};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(r.rows[i].index == i);
    BOOST_TEST(std::string(toString(r.rows[i].outcome)) == outcomes[i]);
  }
  BOOST_TEST(r.rows[3].code.has_value());
  BOOST_TEST(std::string(toString(*r.rows[3].code)) == "invalid_email");
  BOOST_TEST(r.rows[3].email == "nope");
  BOOST_TEST(r.rows[4].email == "ava@acmecorp.com");
  BOOST_TEST(!r.rows[4].code.has_value());
  BOOST_TEST(engine->bulkUpsert(kCamp, rows).rows.empty());  // only on request
}

BOOST_FIXTURE_TEST_CASE(a_replay_gives_details_when_asked, EngineFixture) {
  seedCampaign();
  BulkOptions keyed;
  keyed.idempotencyKey = "k";
  (void)engine->bulkUpsert(kCamp, seedLeads(), keyed);
  keyed.details = true;
  const BulkResult r = engine->bulkUpsert(kCamp, seedLeads(), keyed);
  BOOST_TEST(r.replayed);
  BOOST_TEST(r.rows.size() == 3U);
}

BOOST_AUTO_TEST_SUITE_END()
