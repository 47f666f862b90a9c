// Storage (SPEC section 8): the file, its schema version, WAL, refusal of
// newer or foreign files, and whole-call rollback on a storage failure.
#define BOOST_TEST_MODULE storage
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::TempDir;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

ErrorCode openError(const std::string& path, Options options = {}) {
  try {
    (void)CampaignEngine::open(path, std::move(options));
  } catch (const Error& e) {
    return e.code();
  }
  BOOST_FAIL("open succeeded");
  return ErrorCode::storage_error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(storage)

BOOST_FIXTURE_TEST_CASE(a_new_file_gets_the_latest_schema_in_wal_mode, EngineFixture) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  BOOST_TEST(db.execAndGet("PRAGMA user_version").getInt() == detail::latestSchemaVersion());
  BOOST_TEST(detail::latestSchemaVersion() >= 1);
  BOOST_TEST(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  BOOST_TEST(db.tableExists("leads"));
  BOOST_TEST(db.tableExists("messages"));
}

BOOST_FIXTURE_TEST_CASE(data_survives_reopening, EngineFixture) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  reopen();
  BOOST_TEST(engine->getCampaign(kCamp)->leadsEnrolled == 3);
  BOOST_TEST(engine->getLead(kCamp, "ava@acmecorp.com")->firstName.value() == "Ava");
}

BOOST_AUTO_TEST_CASE(a_file_with_a_newer_schema_is_refused_untouched) {
  TempDir dir;
  const std::string path = dir.file("newer.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE future (x)");
    db.exec("PRAGMA user_version = " + std::to_string(detail::latestSchemaVersion() + 1));
  }
  const std::string before = test::readFile(path);
  BOOST_TEST(openError(path) == ErrorCode::schema_too_new);
  BOOST_TEST(test::readFile(path) == before);
  BOOST_TEST(!std::filesystem::exists(path + "-wal"));
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_a_storage_error_and_kept) {
  TempDir dir;
  const std::string path = dir.file("garbage.db");
  const std::string garbage(8192, 'G');
  test::writeFile(path, garbage);
  BOOST_TEST(openError(path) == ErrorCode::storage_error);
  BOOST_TEST(test::readFile(path) == garbage);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_not_found_without_create_if_missing) {
  TempDir dir;
  Options options;
  options.createIfMissing = false;
  const std::string path = dir.file("absent.db");
  try {
    (void)CampaignEngine::open(path, options);
    BOOST_FAIL("open succeeded");
  } catch (const Error& e) {
    BOOST_TEST(e.code() == ErrorCode::not_found);
    BOOST_TEST(std::string(e.what()) == "database file '" + path + "' not found");
  }
  BOOST_TEST(std::filesystem::is_empty(dir.path()));  // no file, no -wal or -shm
  // A file that exists opens as usual.
  (void)CampaignEngine::open(path)->createWorkspace({"ws_1", "One", {}});
  BOOST_TEST(CampaignEngine::open(path, options)->getWorkspace("ws_1").has_value());
  // A directory that does not exist is no database file either.
  BOOST_TEST(openError(dir.file("no-such-dir/absent.db"), options) == ErrorCode::not_found);
}

BOOST_FIXTURE_TEST_CASE(a_failure_mid_call_rolls_the_whole_call_back, EngineFixture) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  {
    // Force a storage failure at the third row of the next call.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec(
        "CREATE TRIGGER boom BEFORE INSERT ON leads WHEN NEW.email = 'boom@acme.com' "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END");
  }
  std::vector<LeadInput> rows{lead("new1@acme.com"), lead("ava@acmecorp.com", "Changed"), lead("boom@acme.com"),
                              lead("new2@acme.com")};
  try {
    (void)engine->bulkUpsert(kCamp, rows);
    BOOST_FAIL("expected storage_error");
  } catch (const Error& e) {
    BOOST_TEST(std::string(toString(e.code())) == "storage_error");
  }
  // Nothing of the call is stored; everything before it is.
  BOOST_TEST(!engine->getLead(kCamp, "new1@acme.com"));
  BOOST_TEST(engine->getLead(kCamp, "ava@acmecorp.com")->firstName.value() == "Ava");
  BOOST_TEST(engine->getCampaign(kCamp)->leadsEnrolled == 3);
  BOOST_TEST(engine->listMessages(kCamp).size() == 3U);
  // And the engine goes on working.
  BOOST_TEST(engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("new3@acme.com")}).enrolled == 1);
  SQLite::Database check(path, SQLite::OPEN_READONLY);
  BOOST_TEST(check.execAndGet("PRAGMA integrity_check").getString() == "ok");
}

BOOST_FIXTURE_TEST_CASE(a_writer_holding_the_lock_past_the_timeout_is_busy, EngineFixture) {
  seedCampaign();
  Options options;
  options.busyTimeout = std::chrono::milliseconds(50);
  options.clock = clock.clock();
  auto impatient = CampaignEngine::open(path, options);
  SQLite::Database other(path, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  try {
    (void)impatient->bulkUpsert(kCamp, seedLeads());
    BOOST_FAIL("expected busy");
  } catch (const Error& e) {
    BOOST_TEST(std::string(toString(e.code())) == "busy");
  }
  other.exec("ROLLBACK");
  BOOST_TEST(impatient->bulkUpsert(kCamp, seedLeads()).enrolled == 3);
}

BOOST_AUTO_TEST_CASE(public_headers_expose_no_storage_or_json_library) {
  // The public headers, exactly: a header added or removed is an API change
  // that this list (and the umbrella header) must follow.
  const std::set<std::string> expected{"bulk.hpp",     "campaign.hpp",  "clock.hpp",   "engine.hpp",
                                       "error.hpp",    "event.hpp",     "export_leads.hpp", "import.hpp",    "json.hpp",    "lead.hpp",
                                       "lead_row.hpp", "leadterra.h",   "leadterra.hpp", "listing.hpp", "message.hpp",
                                       "options.hpp",  "render.hpp",    "signal.hpp",  "suppression.hpp",
                                       "unsubscribe.hpp", "version.hpp.in", "workspace.hpp"};
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(LEADTERRA_SOURCE_DIR "/include/leadterra")) {
    std::string text = test::readFile(entry.path().string());
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    BOOST_TEST_CONTEXT(entry.path().filename().string()) {
      BOOST_TEST(entry.is_regular_file());
      BOOST_TEST(text.find("#include <sqlite") == std::string::npos);
      BOOST_TEST(text.find("#include <nlohmann") == std::string::npos);
      BOOST_TEST(text.find("#include <fmt") == std::string::npos);
    }
    found.insert(entry.path().filename().string());
  }
  BOOST_TEST(found == expected, boost::test_tools::per_element());
  // The umbrella header includes every other one (version.hpp is generated
  // from version.hpp.in).
  const std::string umbrella = test::readFile(LEADTERRA_SOURCE_DIR "/include/leadterra/leadterra.hpp");
  for (std::string header : expected) {
    // leadterra.h is the C API, a library of its own (libleadterra_c).
    if (header == "leadterra.hpp" || header == "leadterra.h") continue;
    if (header == "version.hpp.in") header = "version.hpp";
    BOOST_TEST(umbrella.find("#include \"leadterra/" + header + "\"") != std::string::npos, header);
  }
}

// A file written before leads had their creation order in a column of their
// own (migration 0005) keeps its leads' order, and new leads follow them.
BOOST_AUTO_TEST_CASE(a_file_from_before_creation_order_keeps_the_order_of_its_leads) {
  TempDir dir;
  const std::string path = dir.file("v4.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (const detail::Migration& m : detail::migrations()) {
      if (m.version > 4) break;
      db.exec(std::string(m.sql));
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
    db.exec("INSERT INTO workspaces VALUES ('ws_1', 'One', 0)");
    db.exec(std::string("INSERT INTO campaigns (id, workspace_id, name, status, created_at, lead_count) VALUES ('") +
            kCamp + "', 'ws_1', 'Old', 'draft', 0, 3)");
    // Seqs in the order the leads were created, unlike the order of their
    // emails or of their statuses.
    const std::pair<const char*, const char*> leads[] = {
        {"zed@acme.com", "suppressed"}, {"amy@acme.com", "active"}, {"mia@acme.com", "completed"}};
    int seq = 0;
    for (const auto& [email, status] : leads) {
      ++seq;
      db.exec(fmt::format("INSERT INTO leads (seq, id, campaign_id, email, status, created_at, updated_at) "
                          "VALUES ({0}, 'lead_{0}', '{1}', '{2}', '{3}', 0, 0)",
                          seq, kCamp, email, status));
    }
  }
  const auto engine = CampaignEngine::open(path);
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{EngineFixture::lead("bob@acme.com"),
                                                         EngineFixture::lead("abe@acme.com")});
  std::vector<std::string> emails;
  PageRequest request{2, {}};
  while (true) {
    const Page<Lead> page = engine->listLeads(kCamp, {}, request);
    for (const Lead& l : page.items) emails.push_back(l.email);
    if (!page.nextCursor) break;
    request.after = *page.nextCursor;
  }
  const std::vector<std::string> expected{"zed@acme.com", "amy@acme.com", "mia@acme.com", "bob@acme.com",
                                          "abe@acme.com"};
  BOOST_TEST(emails == expected, boost::test_tools::per_element());
  BOOST_TEST(engine->countLeads(kCamp).total == 5);
}

// Suppression entries and pauses written before they had reasons (migration
// 0006) were made by calls: they read as manual, and entries still block.
BOOST_AUTO_TEST_CASE(a_file_from_before_signals_reads_its_entries_and_pauses_as_manual) {
  TempDir dir;
  const std::string path = dir.file("v5.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (const detail::Migration& m : detail::migrations()) {
      if (m.version > 5) break;
      db.exec(std::string(m.sql));
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
    db.exec("INSERT INTO workspaces VALUES ('ws_1', 'One', 0)");
    db.exec("INSERT INTO suppressions VALUES ('ws_1', 'acme.com', 'domain', 0)");
    db.exec("INSERT INTO campaigns (id, workspace_id, name, status, created_at, started_at, lead_count) "
            "VALUES ('camp_old', 'ws_1', 'Old', 'paused', 0, 0, 0)");
  }
  const auto engine = CampaignEngine::open(path);
  // A campaign paused before pauses had reasons was paused by hand.
  BOOST_TEST(toString(engine->getCampaign("camp_old")->pauseReason.value()) == "manual");
  const std::vector<SuppressionEntry> entries = engine->listSuppressions("ws_1");
  BOOST_REQUIRE_EQUAL(entries.size(), 1U);
  BOOST_TEST(entries[0].entry == "acme.com");
  BOOST_TEST(toString(entries[0].reason) == "manual");
  BOOST_TEST(!entries[0].campaignId.has_value());
  (void)engine->createCampaign({"ws_1", kCamp, "New", EngineFixture::seedSteps(), {}, {}});
  BOOST_TEST(engine->bulkUpsert(kCamp, std::vector<LeadInput>{EngineFixture::lead("ann@acme.com")}).skipped == 1);
}

// Migration 0007 rebuilds leads and signals (new statuses): a file written
// before keeps every lead with its status, position and order, the messages
// and signals that refer to them, and reads the new rules as their defaults.
BOOST_AUTO_TEST_CASE(a_file_from_before_stop_rules_keeps_its_leads_messages_and_signals) {
  TempDir dir;
  const std::string path = dir.file("v6.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (const detail::Migration& m : detail::migrations()) {
      if (m.version > 6) break;
      db.exec(std::string(m.sql));
      db.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
    db.exec("INSERT INTO workspaces VALUES ('ws_1', 'One', 0)");
    db.exec(std::string("INSERT INTO campaigns (id, workspace_id, name, status, created_at, started_at, lead_count) "
                        "VALUES ('") + kCamp + "', 'ws_1', 'Old', 'running', 0, 0, 2)");
    db.exec(std::string("INSERT INTO steps VALUES ('") + kCamp + "', 1, 'Hi', 'Body', 'text', 0)");
    db.exec(std::string("INSERT INTO leads (seq, id, campaign_id, email, position, status, created_at, updated_at, ord) "
                        "VALUES (7, 'lead_7', '") + kCamp + "', 'amy@acme.com', 1, 'replied', 0, 0, 2), "
                        "(9, 'lead_9', '" + kCamp + "', 'zed@acme.com', 0, 'active', 0, 0, 1)");
    db.exec(std::string("INSERT INTO messages (seq, id, campaign_id, lead_seq, step, subject, body, format, status, "
                        "scheduled_at, created_at, updated_at) VALUES (1, 'msg_1', '") +
            kCamp + "', 7, 1, 'Hi', 'Body', 'text', 'sent', 0, 0, 0)");
    db.exec(std::string("INSERT INTO signals (id, workspace_id, campaign_id, lead_seq, message_seq, email, kind, "
                        "external_id, created_at) VALUES ('sig_1', 'ws_1', '") +
            kCamp + "', 7, 1, 'amy@acme.com', 'reply', 'evt_1', 0)");
  }
  const auto engine = CampaignEngine::open(path);
  const Lead amy = *engine->getLead(kCamp, "amy@acme.com");
  BOOST_TEST(amy.id == "lead_7");
  BOOST_TEST(amy.position == 1);
  BOOST_TEST(toString(amy.status) == "replied");
  BOOST_TEST(!amy.pausedUntil.has_value());
  const Page<Lead> page = engine->listLeads(kCamp);
  BOOST_REQUIRE_EQUAL(page.items.size(), 2U);
  BOOST_TEST(page.items[0].email == "zed@acme.com");  // the order kept
  BOOST_TEST(engine->listMessages(kCamp).at(0).leadId == "lead_7");
  // The signal is still found by its event id.
  SignalInput again;
  again.kind = SignalKind::reply;
  again.workspaceId = "ws_1";
  again.email = "amy@acme.com";
  again.externalId = "evt_1";
  const SignalResult r = engine->reportSignal(again);
  BOOST_TEST(r.duplicate);
  BOOST_TEST(r.id == "sig_1");
  BOOST_TEST((engine->getCampaign(kCamp)->stopRules == StopRules{}));
  BOOST_TEST(engine->getWorkspace("ws_1")->rules.replyStopsAllCampaigns);
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement orphans(db, "PRAGMA foreign_key_check");
  BOOST_TEST(!orphans.executeStep());
}

BOOST_AUTO_TEST_SUITE_END()
