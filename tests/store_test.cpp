// The storage layer under the stores: statements that cannot be misused,
// transactions that mean what they say, Options that reach the connection,
// and damaged stored values that are errors, never defaults.
#define BOOST_TEST_MODULE store
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/database.hpp"
#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::errorCodeOf;
using leadterra::test::TempDir;
using Mode = leadterra::store::Tx::Mode;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

std::int64_t pragma(detail::Database& db, const std::string& name) {
  return db.raw().execAndGet("PRAGMA " + name).getInt64();
}

// Writes `sql` into the file behind the engine's back, as damage would,
// with CHECK constraints off so that any value gets in.
void damage(const std::string& path, const std::string& sql) {
  SQLite::Database raw(path, SQLite::OPEN_READWRITE);
  raw.exec("PRAGMA ignore_check_constraints=1");
  raw.exec(sql);
}

std::string scalar(const std::string& path, const std::string& sql) {
  SQLite::Database raw(path, SQLite::OPEN_READONLY);
  return raw.execAndGet(sql).getString();
}

struct Enrolled : EngineFixture {
  Enrolled() {
    seedCampaign();
    (void)engine->bulkUpsert(kCamp, seedLeads());
    (void)engine->startCampaign(kCamp);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(store)

// ---- Statements ----

BOOST_AUTO_TEST_CASE(a_statement_already_in_use_is_refused_not_reset) {
  TempDir dir;
  detail::Database db(dir.file("s.db"), Options{});
  detail::Statement s(db, "SELECT value FROM (SELECT 1 AS value UNION ALL SELECT 2) WHERE value >= ?");
  auto outer = s.use();
  outer->bind(1, 1);
  BOOST_REQUIRE(outer->executeStep());
  BOOST_TEST(errorCodeOf([&] { auto inner = s.use(); }) == "storage_error");
  // The outer user's binding and cursor are intact.
  BOOST_REQUIRE(outer->executeStep());
  BOOST_TEST(outer->getColumn(0).getInt() == 2);
}

BOOST_AUTO_TEST_CASE(a_statement_is_reset_and_unbound_when_its_use_ends) {
  TempDir dir;
  detail::Database db(dir.file("s.db"), Options{});
  detail::Statement s(db, "SELECT ?1 IS NULL");
  {
    auto first = s.use();
    first->bind(1, 5);
    BOOST_REQUIRE(first->executeStep());
    BOOST_TEST(first->getColumn(0).getInt() == 0);
  }
  auto second = s.use();
  BOOST_REQUIRE(second->executeStep());
  BOOST_TEST(second->getColumn(0).getInt() == 1);  // no binding left behind
}

// ---- Transactions ----

BOOST_AUTO_TEST_CASE(a_read_transaction_sees_one_snapshot) {
  TempDir dir;
  const std::string path = dir.file("r.db");
  detail::Database db(path, Options{});
  db.raw().exec("CREATE TABLE t (x INTEGER)");
  const auto tx = db.begin(Mode::read);
  BOOST_TEST(db.raw().execAndGet("SELECT count(*) FROM t").getInt() == 0);
  {
    SQLite::Database other(path, SQLite::OPEN_READWRITE);
    other.exec("INSERT INTO t VALUES (1)");
  }
  BOOST_TEST(db.raw().execAndGet("SELECT count(*) FROM t").getInt() == 0);  // still the snapshot
  tx->commit();
  BOOST_TEST(db.raw().execAndGet("SELECT count(*) FROM t").getInt() == 1);
}

BOOST_AUTO_TEST_CASE(a_write_transaction_rolls_back_unless_committed) {
  TempDir dir;
  detail::Database db(dir.file("w.db"), Options{});
  db.raw().exec("CREATE TABLE t (x INTEGER)");
  {
    const auto tx = db.begin(Mode::write);
    db.raw().exec("INSERT INTO t VALUES (1)");
  }
  BOOST_TEST(db.raw().execAndGet("SELECT count(*) FROM t").getInt() == 0);
  {
    const auto tx = db.begin(Mode::write);
    BOOST_TEST(errorCodeOf([&] { (void)db.begin(Mode::read); }) == "storage_error");  // no nesting
  }
}

// ---- Options reach the connection ----

BOOST_AUTO_TEST_CASE(options_set_the_connections_pragmas) {
  TempDir dir;
  Options options;
  options.fullSync = true;
  options.cacheSizeKiB = 1234;
  options.walAutocheckpointPages = 777;
  detail::Database tuned(dir.file("o.db"), options);
  BOOST_TEST(pragma(tuned, "synchronous") == 2);  // FULL
  BOOST_TEST(pragma(tuned, "cache_size") == -1234);
  BOOST_TEST(pragma(tuned, "wal_autocheckpoint") == 777);
  detail::Database plain(dir.file("o.db"), Options{});
  BOOST_TEST(pragma(plain, "synchronous") == 1);  // NORMAL
  BOOST_TEST(pragma(plain, "cache_size") == -Options{}.cacheSizeKiB);
  BOOST_TEST(pragma(plain, "wal_autocheckpoint") == Options{}.walAutocheckpointPages);
}

// ---- Damaged stored values ----

BOOST_FIXTURE_TEST_CASE(an_unknown_lead_status_is_a_storage_error_and_nothing_is_written, Enrolled) {
  damage(path, "UPDATE leads SET status = 'zombie' WHERE email = 'ava@acmecorp.com'");
  BOOST_TEST(errorCodeOf([&] { (void)engine->getLead(kCamp, "ava@acmecorp.com"); }) == "storage_error");
  std::vector<LeadInput> again{lead("ava@acmecorp.com", "Changed")};
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, again); }) == "storage_error");
  BOOST_TEST(scalar(path, "SELECT first_name || '/' || status FROM leads WHERE email = 'ava@acmecorp.com'") ==
             "Ava/zombie");
  // Other leads stay readable.
  BOOST_TEST(engine->getLead(kCamp, "priya@nexusai.com")->firstName.value() == "Priya");
}

BOOST_FIXTURE_TEST_CASE(unreadable_custom_fields_are_a_storage_error_never_erased, Enrolled) {
  damage(path, "UPDATE leads SET custom_fields = '{\"city\": \"Os' WHERE email = 'ava@acmecorp.com'");
  BOOST_TEST(errorCodeOf([&] { (void)engine->getLead(kCamp, "ava@acmecorp.com"); }) == "storage_error");
  LeadInput update = lead("ava@acmecorp.com");
  update.customFields = R"({"team": "red"})";
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{update}); }) ==
             "storage_error");
  BOOST_TEST(scalar(path, "SELECT custom_fields FROM leads WHERE email = 'ava@acmecorp.com'") ==
             "{\"city\": \"Os");
}

BOOST_FIXTURE_TEST_CASE(unknown_campaign_and_message_statuses_are_storage_errors, Enrolled) {
  damage(path, "UPDATE messages SET status = 'lost' WHERE seq = (SELECT min(seq) FROM messages)");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listMessages(kCamp); }) == "storage_error");
  damage(path, "UPDATE campaigns SET status = 'sleeping'");
  BOOST_TEST(errorCodeOf([&] { (void)engine->getCampaign(kCamp); }) == "storage_error");
  BOOST_TEST(errorCodeOf([&] { (void)engine->startCampaign(kCamp); }) == "storage_error");
  BOOST_TEST(scalar(path, "SELECT status FROM campaigns") == "sleeping");
}

BOOST_AUTO_TEST_SUITE_END()
