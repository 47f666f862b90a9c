// Crash safety (SPEC section 8): a writer killed with SIGKILL at a random
// moment loses at most the call in flight. A large CSV import runs in a child
// process (the leadterra CLI) and is killed again and again; after every kill
// the file is reopened and checked:
//   - PRAGMA integrity_check and the engine's invariants (tools/invariants.hpp);
//   - every batch of the import is wholly present or wholly absent, and wholly
//     one version of the file (runs alternate between two versions, so a torn
//     batch would show two);
//   - leads and messages agree: every lead has its one queued message,
//     rendered from the lead's current fields;
// and at the end rerunning the import completes the job.
// A second case kills dispatch workers (claim, sent, failed, replied,
// suppress) the same way.
//
// Kills: LEADTERRA_CRASH_KILLS (default 50, 500 with LEADTERRA_SOAK=1) for the
// import, LEADTERRA_CRASH_DISPATCH_KILLS (20 / 200) for dispatch. The random
// seed is printed; LEADTERRA_CRASH_SEED replays a run.
#define BOOST_TEST_MODULE crash
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "test_util.hpp"
#include "tools/figures.hpp"
#include "tools/invariants.hpp"
#include "tools/process.hpp"
#include "tools/worker.hpp"

using namespace leadterra;
using namespace leadterra::test;
namespace fs = std::filesystem;

namespace {

#ifndef LEADTERRA_CLI_PATH
#error "the crash test needs the leadterra CLI (LEADTERRA_CLI=ON)"
#endif

constexpr int kBatch = 500;

std::uint64_t chooseSeed() {
  const auto seed = static_cast<std::uint64_t>(setting("LEADTERRA_CRASH_SEED", 0, 0));
  return seed != 0 ? seed : std::random_device{}();
}

// A lead file of `rows` rows in version `ver` ("A" or "B"): the same emails,
// each row naming its batch and version, so that a batch torn by a crash
// would be visible.
void writeLeadFile(const std::string& path, int rows, const std::string& ver) {
  std::ofstream out(path, std::ios::binary);
  out << "email,firstName,batch,ver\n";
  for (int i = 0; i < rows; ++i) {
    out << "lead" << i << "@crash" << i % 37 << ".example.com," << ver << i << "," << i / kBatch << "," << ver << "\n";
  }
}

struct ImportState {
  int batchesPresent = 0;
  std::vector<std::string> problems;
};

// Every batch wholly present or wholly absent, in one version, present
// batches a prefix of the file; every lead's queued message rendered from its
// current fields.
ImportState checkBatches(const std::string& db, int rows) {
  ImportState state;
  SQLite::Database c(db, SQLite::OPEN_READONLY);
  const int batches = (rows + kBatch - 1) / kBatch;
  std::vector<int> seen(static_cast<std::size_t>(batches), 0);
  SQLite::Statement s(
      c,
      "SELECT CAST(json_extract(custom_fields, '$.batch') AS INTEGER) AS b, "
      "json_extract(custom_fields, '$.ver') AS v, count(*), "
      "sum(first_name <> json_extract(custom_fields, '$.ver') || substr(email, 5, instr(email, '@') - 5)) "
      "FROM leads WHERE campaign_id = 'camp_crash' GROUP BY b, v ORDER BY b");
  while (s.executeStep()) {
    const int b = s.getColumn(0).getInt();
    const std::string v = s.getColumn(1).getString();
    const int n = s.getColumn(2).getInt();
    const int expected = std::min(kBatch, rows - b * kBatch);
    if (b < 0 || b >= batches) {
      state.problems.push_back("a lead of no batch: " + std::to_string(b));
      continue;
    }
    if (++seen[static_cast<std::size_t>(b)] > 1)
      state.problems.push_back("batch " + std::to_string(b) + " holds two versions");
    if (n != expected) {
      state.problems.push_back("batch " + std::to_string(b) + " version " + v + " is torn: " + std::to_string(n) +
                               " of " + std::to_string(expected) + " rows");
    }
    if (s.getColumn(3).getInt() != 0) state.problems.push_back("batch " + std::to_string(b) + " mixes field versions");
  }
  for (int b = 0; b < batches; ++b) {
    if (seen[static_cast<std::size_t>(b)] == 0) break;
    ++state.batchesPresent;
  }
  for (int b = state.batchesPresent; b < batches; ++b) {
    if (seen[static_cast<std::size_t>(b)] != 0) {
      state.problems.push_back("batch " + std::to_string(b) + " is present after a missing one");
    }
  }
  const auto stale = c.execAndGet(
                          "SELECT count(*) FROM messages m JOIN leads l ON l.seq = m.lead_seq "
                          "WHERE m.status = 'queued' AND m.body <> 'batch ' || "
                          "json_extract(l.custom_fields, '$.batch') || ' version ' || "
                          "json_extract(l.custom_fields, '$.ver') || ' for ' || l.first_name")
                         .getInt64();
  if (stale != 0) state.problems.push_back(std::to_string(stale) + " queued messages disagree with their lead");
  return state;
}

struct CrashFixture {
  TempDir dir;
  std::string db = dir.file("crash.db");
  std::uint64_t seed = chooseSeed();
  std::mt19937_64 rng{seed};

  CrashFixture() {
    auto engine = CampaignEngine::open(db);
    engine->createWorkspace({"ws_crash", "Crash", {}});
    engine->createCampaign(
        {"ws_crash",
         "camp_crash",
         "Crash import",
         {{"Hi {{firstName}}", "batch {{batch}} version {{ver}} for {{firstName}}", StepFormat::text, 0}},
         {}, {}});
    engine->startCampaign("camp_crash");
    engine->createCampaign({"ws_crash",
                            "camp_dispatch",
                            "Crash dispatch",
                            {{"One {{firstName}}", "1", StepFormat::text, 0},
                             {"Two {{firstName}}", "2", StepFormat::html, 0},
                             {"Three", "3", StepFormat::text, 0}},
                            {}, {}});
    engine->startCampaign("camp_dispatch");
    BOOST_TEST_MESSAGE("crash test seed " << seed << " (LEADTERRA_CRASH_SEED replays it)");
  }

  std::vector<std::string> importArgs(const std::string& file) const {
    return {"--db", db, "leads", "import", "--campaign", "camp_crash", file, "--batch-size", std::to_string(kBatch)};
  }

  void requireSound(const std::string& when) {
    const InvariantReport r = checkInvariants(db);
    BOOST_TEST_INFO("after " << when << " (seed " << seed << ")");
    BOOST_TEST(r.problems.empty(), describe(r));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(crash, CrashFixture)

BOOST_AUTO_TEST_CASE(an_import_killed_at_random_moments_loses_only_the_batch_in_flight) {
  const int rows = static_cast<int>(setting("LEADTERRA_CRASH_ROWS", 20000, 50000));
  const int wantKills = static_cast<int>(setting("LEADTERRA_CRASH_KILLS", 50, 500));
  const std::string fileA = dir.file("leads-a.csv");
  const std::string fileB = dir.file("leads-b.csv");
  writeLeadFile(fileA, rows, "A");
  writeLeadFile(fileB, rows, "B");

  // How long a whole run takes here (enrolling, then updating every row), on
  // a scratch copy: kills are spread over that time.
  const std::string scratch = dir.file("scratch.db");
  fs::copy_file(db, scratch);
  auto timed = [&](const std::string& file) {
    const auto start = std::chrono::steady_clock::now();
    ChildProcess child(LEADTERRA_CLI_PATH, {"--db", scratch, "leads", "import", "--campaign", "camp_crash", file,
                                            "--batch-size", std::to_string(kBatch)});
    child.wait();
    BOOST_REQUIRE_EQUAL(child.exitCode(), 0);
    return std::chrono::steady_clock::now() - start;
  };
  const auto window = std::max(timed(fileA), timed(fileB)) * 11 / 10;
  const auto windowMicros = std::chrono::duration_cast<std::chrono::microseconds>(window).count();

  int kills = 0;
  int completed = 0;
  int runs = 0;
  int maxBatches = 0;
  const auto started = std::chrono::steady_clock::now();
  for (; kills < wantKills && runs < wantKills * 4; ++runs) {
    const std::string& file = runs % 2 == 0 ? fileA : fileB;
    {
      ChildProcess child(LEADTERRA_CLI_PATH, importArgs(file));
      std::this_thread::sleep_for(
          std::chrono::microseconds(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(windowMicros + 1))));
      if (child.killNow()) {
        ++kills;
      } else {
        ++completed;
        BOOST_REQUIRE_MESSAGE(child.exitCode() == 0, "an import that was not killed failed, run " << runs);
      }
    }
    requireSound("run " + std::to_string(runs));
    const ImportState state = checkBatches(db, rows);
    BOOST_TEST_INFO("run " << runs << " (seed " << seed << ")");
    BOOST_TEST(state.problems.empty(), [&] {
      std::string all;
      for (const auto& p : state.problems) all += p + "\n";
      return all;
    }());
    maxBatches = std::max(maxBatches, state.batchesPresent);
    if (!state.problems.empty()) break;
  }
  BOOST_TEST(kills >= wantKills);

  // Rerunning the import completes the job.
  const std::string last = runs % 2 == 0 ? fileA : fileB;
  const std::string out = dir.file("final.json");
  ChildProcess final(LEADTERRA_CLI_PATH, importArgs(last), out);
  final.wait();
  BOOST_REQUIRE_EQUAL(final.exitCode(), 0);
  const auto result = nlohmann::json::parse(readFile(out)).at("result");
  BOOST_TEST(result.at("enrolled").get<int>() + result.at("updated").get<int>() == rows);
  BOOST_TEST(result.at("failed").get<int>() == 0);
  BOOST_TEST(result.at("totalInCampaign").get<int>() == rows);
  requireSound("the final run");
  const ImportState state = checkBatches(db, rows);
  BOOST_TEST(state.problems.empty());
  BOOST_TEST(state.batchesPresent == (rows + kBatch - 1) / kBatch);
  {
    SQLite::Database c(db, SQLite::OPEN_READONLY);
    BOOST_TEST(c.execAndGet("SELECT count(*) FROM leads WHERE json_extract(custom_fields, '$.ver') = '" +
                            std::string(last == fileA ? "A" : "B") + "'")
                   .getInt() == rows);
  }

  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string figures = std::to_string(kills) + " kills survived in " + std::to_string(runs) + " runs (" +
                              std::to_string(completed) + " completed unkilled) of a " + std::to_string(rows) +
                              "-row import in batches of " + std::to_string(kBatch) + ", seed " + std::to_string(seed) +
                              ", " + std::to_string(static_cast<int>(seconds)) + " s";
  BOOST_TEST_MESSAGE(figures);
  recordFigures("crash_test import", figures);
}

BOOST_AUTO_TEST_CASE(dispatch_workers_killed_at_random_moments_leave_the_outbox_consistent) {
  const int wantKills = static_cast<int>(setting("LEADTERRA_CRASH_DISPATCH_KILLS", 20, 200));
  int kills = 0;
  int runs = 0;
  for (; kills < wantKills && runs < wantKills * 4; ++runs) {
    {
      // Two processes of two threads each; one suppresses midway.
      std::vector<std::unique_ptr<ChildProcess>> children;
      for (int p = 0; p < 2; ++p) {
        std::vector<std::string> args{"worker",
                                      "--db",
                                      db,
                                      "--campaign",
                                      "camp_dispatch",
                                      "--workspace",
                                      "ws_crash",
                                      "--worker",
                                      std::to_string(runs * 10 + p * 2),
                                      "--threads",
                                      "2",
                                      "--ops",
                                      "100000",
                                      "--seed",
                                      std::to_string(rng() % 1000000)};
        if (p == 0 && runs % 3 == 0) args.push_back("--suppressor");
        children.push_back(std::make_unique<ChildProcess>(LEADTERRA_STRESS_CHILD_PATH, args));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + static_cast<int>(rng() % 400)));
      for (auto& child : children) kills += child->killNow() ? 1 : 0;
    }
    requireSound("dispatch run " + std::to_string(runs));
  }
  BOOST_TEST(kills >= wantKills);

  // The engine carries on: a worker run to its end meets no error.
  const std::string report = dir.file("after.json");
  ChildProcess after(LEADTERRA_STRESS_CHILD_PATH, {"worker", "--db", db, "--campaign", "camp_dispatch", "--workspace",
                                                   "ws_crash", "--worker", "9999", "--ops", "200", "--report", report});
  after.wait();
  BOOST_TEST(after.exitCode() == 0);
  requireSound("the final dispatch run");
  const InvariantReport r = checkInvariants(db);
  const std::string figures = std::to_string(kills) + " kills survived in " + std::to_string(runs) +
                              " runs of 2 processes x 2 threads; outbox then held " + std::to_string(r.messages) +
                              " messages, " + std::to_string(r.sentMessages) + " sent";
  BOOST_TEST_MESSAGE(figures);
  recordFigures("crash_test dispatch", figures);
}

// The checks above must be able to fail: damage made by hand is seen.
BOOST_AUTO_TEST_CASE(the_checks_see_a_torn_batch_a_mixed_batch_a_stale_message_and_an_orphan) {
  const int rows = 2000;
  const std::string file = dir.file("leads.csv");
  writeLeadFile(file, rows, "A");
  ChildProcess child(LEADTERRA_CLI_PATH, importArgs(file));
  child.wait();
  BOOST_REQUIRE_EQUAL(child.exitCode(), 0);
  BOOST_REQUIRE(checkBatches(db, rows).problems.empty());
  BOOST_REQUIRE(checkInvariants(db).problems.empty());
  {
    SQLite::Database c(db, SQLite::OPEN_READWRITE);  // foreign keys off: damage allowed
    c.exec("DELETE FROM leads WHERE email = 'lead600@crash8.example.com'");
    c.exec(
        "UPDATE leads SET first_name = 'B1100', custom_fields = json_set(custom_fields, '$.ver', 'B') "
        "WHERE email = 'lead1100@crash27.example.com'");
    c.exec("UPDATE messages SET body = 'tampered' WHERE seq = (SELECT max(seq) FROM messages)");
  }
  const auto all = [](const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  };
  const std::string batches = all(checkBatches(db, rows).problems);
  BOOST_TEST(batches.find("batch 1 version A is torn: 499 of 500") != std::string::npos, batches);
  BOOST_TEST(batches.find("batch 2 holds two versions") != std::string::npos, batches);
  BOOST_TEST(batches.find("queued messages disagree with their lead") != std::string::npos, batches);
  const std::string invariants = describe(checkInvariants(db));
  BOOST_TEST(invariants.find("message without its lead") != std::string::npos, invariants);
  BOOST_TEST(invariants.find("lead_count disagrees") != std::string::npos, invariants);
}

BOOST_AUTO_TEST_SUITE_END()
