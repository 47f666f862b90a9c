// Concurrency (SPEC section 8, the thread-safety contract of engine.hpp):
// several processes and threads, each with its own engine on one file (and
// some threads sharing one engine), upsert overlapping leads, claim, send,
// fail, reply and suppress at once. Afterwards:
//   - no duplicate lead and every invariant of tools/invariants.hpp holds;
//   - no message was handed out twice (leases outlive the test);
//   - no lost update: every worker's last write to every lead is stored;
//   - every markSent is recorded, nothing else is sent;
//   - nothing was claimed for an address after its suppression committed (as
//     the claiming worker saw it: a read of the suppression list, or its own
//     suppression call, before the claim; no clocks of two processes compared);
//   - no busy (nor any other unexpected) error reached a caller, with the
//     default options.
// Scale: LEADTERRA_CONC_PROCESSES x 2 threads + 4 threads in the test
// process, LEADTERRA_CONC_OPS operations each (4 / 1000; 8 / 5000 with
// LEADTERRA_SOAK=1).
#define BOOST_TEST_MODULE concurrency
#include <SQLiteCpp/Database.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "storage/database.hpp"
#include "test_util.hpp"
#include "tools/figures.hpp"
#include "tools/invariants.hpp"
#include "tools/process.hpp"
#include "tools/worker.hpp"

using namespace leadterra;
using namespace leadterra::test;

namespace {

// The scheduler state of thread `tid` of this process ('R' running, 'S'
// asleep, ...), or '?' when /proc does not tell.
char threadState(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() ? '?' : line[close + 2];
}

struct ConcurrencyFixture {
  TempDir dir;
  std::string db = dir.file("shared.db");

  ConcurrencyFixture() {
    auto engine = CampaignEngine::open(db);
    engine->createWorkspace({"ws_conc", "Concurrency", {}});
    engine->createCampaign({"ws_conc",
                            "camp_conc",
                            "Concurrency",
                            {{"One {{firstName}}", "Hi {{firstName}}", StepFormat::text, 0},
                             {"Two", "<p>{{firstName}}</p>", StepFormat::html, 0},
                             {"Three", "Bye", StepFormat::text, 0}},
                            {}, {}});
    engine->startCampaign("camp_conc");
  }

  std::vector<std::string> workerArgs(int firstWorker, int threads, int ops, std::uint64_t seed) const {
    return {"worker",
            "--db",
            db,
            "--campaign",
            "camp_conc",
            "--workspace",
            "ws_conc",
            "--worker",
            std::to_string(firstWorker),
            "--threads",
            std::to_string(threads),
            "--ops",
            std::to_string(ops),
            "--seed",
            std::to_string(seed)};
  }
};

std::string joined(const std::map<std::string, std::int64_t>& counts) {
  std::string out;
  for (const auto& [k, v] : counts) out += k + "=" + std::to_string(v) + " ";
  return out;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(concurrency, ConcurrencyFixture)

BOOST_AUTO_TEST_CASE(processes_and_threads_on_one_file_keep_every_promise) {
  const int processes = static_cast<int>(setting("LEADTERRA_CONC_PROCESSES", 4, 8));
  const int ops = static_cast<int>(setting("LEADTERRA_CONC_OPS", 1000, 5000));
  constexpr int kThreadsPerProcess = 2;
  const auto seed = static_cast<std::uint64_t>(std::random_device{}());
  BOOST_TEST_MESSAGE("concurrency seed " << seed);
  const auto started = std::chrono::steady_clock::now();

  // Child processes: the first suppresses midway, the last shares one engine
  // between its threads.
  std::vector<std::unique_ptr<ChildProcess>> children;
  std::vector<std::string> reportFiles;
  for (int p = 0; p < processes; ++p) {
    reportFiles.push_back(dir.file("report-" + std::to_string(p) + ".json"));
    auto args = workerArgs(p * 10, kThreadsPerProcess, ops, seed + static_cast<std::uint64_t>(p));
    args.insert(args.end(), {"--report", reportFiles.back()});
    if (p == 0) args.push_back("--suppressor");
    if (p == processes - 1) args.push_back("--shared");
    children.push_back(
        std::make_unique<ChildProcess>(LEADTERRA_STRESS_CHILD_PATH, args, "", dir.file("stderr-" + std::to_string(p))));
  }

  // Threads of this process: two with their own engine, two sharing one.
  std::vector<WorkerReport> local(4);
  {
    auto sharedEngine = CampaignEngine::open(db);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        WorkerConfig config;
        config.campaignId = "camp_conc";
        config.workspaceId = "ws_conc";
        config.worker = 1000 + t;  // children use p * 10 + thread
        config.operations = ops;
        config.seed = seed * 31 + static_cast<std::uint64_t>(t);
        std::unique_ptr<CampaignEngine> own;
        if (t < 2) own = CampaignEngine::open(db);
        local[static_cast<std::size_t>(t)] = runWorker(t < 2 ? *own : *sharedEngine, config);
      });
    }
    for (auto& t : threads) t.join();
  }

  std::vector<WorkerReport> reports = local;
  for (int p = 0; p < processes; ++p) {
    children[static_cast<std::size_t>(p)]->wait();
    BOOST_TEST(children[static_cast<std::size_t>(p)]->exitCode() == 0,
               "process " << p << ": " << readFile(dir.file("stderr-" + std::to_string(p))));
    const std::string text = readFile(reportFiles[static_cast<std::size_t>(p)]);
    BOOST_REQUIRE_MESSAGE(!text.empty(), "process " << p << " wrote no report");
    for (const auto& j : nlohmann::json::parse(text)) reports.push_back(reportFromJson(j));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // No error reached a caller: busy least of all.
  std::map<std::string, std::int64_t> errors;
  std::map<std::string, std::int64_t> expected;
  std::int64_t operations = 0;
  std::string samples;
  for (const WorkerReport& r : reports) {
    operations += r.operations;
    for (const auto& [code, n] : r.errors) errors[code] += n;
    for (const auto& [code, n] : r.expected) expected[code] += n;
    for (const std::string& s : r.errorSamples) samples += "\n  worker " + std::to_string(r.worker) + ": " + s;
  }
  BOOST_TEST(errors.empty(), "errors reached callers: " << joined(errors) << samples);

  // The file is sound.
  const InvariantReport inv = checkInvariants(db);
  BOOST_TEST(inv.problems.empty(), describe(inv));

  // No message handed out twice under a live lease.
  std::map<std::string, int> claimedBy;
  std::int64_t claims = 0;
  for (const WorkerReport& r : reports) {
    for (const Claim& c : r.claims) {
      ++claims;
      auto [it, fresh] = claimedBy.try_emplace(c.id, r.worker);
      BOOST_TEST(fresh, "message " << c.id << " handed to worker " << it->second << " and worker " << r.worker);
    }
  }

  // Nothing claimed for an address after its suppression committed: a claim
  // made once its worker had seen the suppression (its own call returned, or
  // the suppression list showed it) began after the commit.
  const WorkerReport* suppressor = nullptr;
  for (const WorkerReport& r : reports) {
    if (r.suppressed) suppressor = &r;
  }
  BOOST_REQUIRE_MESSAGE(suppressor != nullptr, "the suppressing worker never suppressed");
  const std::set<std::string> doomed(suppressor->suppressedEmails.begin(), suppressor->suppressedEmails.end());
  std::int64_t doomedClaimsBefore = 0;
  std::int64_t claimCallsAfter = 0;
  std::int64_t claimsAfter = 0;
  for (const WorkerReport& r : reports) {
    claimCallsAfter += r.claimCallsAfterSuppression;
    for (const Claim& c : r.claims) {
      claimsAfter += c.afterSuppression ? 1 : 0;
      const bool isDoomed = doomed.count(c.email) != 0 || c.email.ends_with(std::string("@") + kDoomedDomain);
      if (!isDoomed) continue;
      BOOST_TEST(!c.afterSuppression, "worker " << r.worker << " claimed " << c.email << " after its suppression");
      ++doomedClaimsBefore;
    }
  }
  // The check could fail: the suppression cancelled live mail (the fresh
  // doomed leads' first step at least), which a later claim would have
  // handed out had it stayed live, and claims were made after it.
  BOOST_TEST(suppressor->suppressionCancelled > 0);
  BOOST_TEST(claimCallsAfter > 0);

  // Every markSent recorded, nothing else sent.
  std::int64_t sentCalls = 0;
  for (const WorkerReport& r : reports) sentCalls += static_cast<std::int64_t>(r.sent.size());
  BOOST_TEST(inv.sentMessages == sentCalls);

  // No lost update: each worker's key holds its last write, on every lead.
  auto engine = CampaignEngine::open(db);
  std::set<std::string> enrolledEmails;
  std::int64_t checkedValues = 0;
  for (const WorkerReport& r : reports) {
    const std::string key = workerKey(r.worker);
    for (const auto& [email, value] : r.lastValue) {
      enrolledEmails.insert(email);
      const auto lead = engine->getLead("camp_conc", email);
      BOOST_REQUIRE(lead.has_value());
      const auto custom = nlohmann::json::parse(lead->customFields);
      BOOST_TEST((custom.contains(key) && custom.at(key).get<std::int64_t>() == value),
                 email << ": " << key << " should be " << value << ", is " << custom.dump());
      ++checkedValues;
    }
  }
  BOOST_TEST(inv.leads == static_cast<std::int64_t>(enrolledEmails.size()));
  BOOST_TEST(engine->getCampaign("camp_conc")->leadsEnrolled == inv.leads);

  const int workers = processes * kThreadsPerProcess + 4;
  std::ostringstream figures;
  figures << processes << " processes x " << kThreadsPerProcess
          << " threads + 4 threads (2 sharing one engine) = " << workers << " workers x " << ops
          << " operations = " << operations << " operations in " << std::fixed << std::setprecision(1) << seconds << " s; " << claims
          << " messages claimed (" << doomedClaimsBefore << " of suppressed addresses, all before the suppression, "
          << "which cancelled " << suppressor->suppressionCancelled << " live messages; " << claimsAfter << " in "
          << claimCallsAfter << " claim calls after it), "
          << sentCalls << " sent, " << checkedValues << " last writes checked; busy errors: " << errors["busy"]
          << "; expected refusals: " << joined(expected);
  BOOST_TEST_MESSAGE(figures.str());
  recordFigures("concurrency_test", figures.str());
}

BOOST_AUTO_TEST_CASE(many_processes_creating_one_new_file_at_once_all_succeed) {
  const std::string fresh = dir.file("fresh.db");
  constexpr int kProcesses = 6;
  std::vector<std::unique_ptr<ChildProcess>> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(std::make_unique<ChildProcess>(
        LEADTERRA_STRESS_CHILD_PATH,
        std::vector<std::string>{"fresh", "--db", fresh, "--worker", std::to_string(p), "--leads", "200"}, "",
        dir.file("fresh-" + std::to_string(p))));
  }
  for (int p = 0; p < kProcesses; ++p) {
    children[static_cast<std::size_t>(p)]->wait();
    BOOST_TEST(children[static_cast<std::size_t>(p)]->exitCode() == 0,
               "process " << p << ": " << readFile(dir.file("fresh-" + std::to_string(p))));
  }
  const InvariantReport inv = checkInvariants(fresh);
  BOOST_TEST(inv.problems.empty(), describe(inv));
  BOOST_TEST(inv.leads == kProcesses * 200);
  SQLite::Database c(fresh, SQLite::OPEN_READONLY);
  BOOST_TEST(c.execAndGet("PRAGMA user_version").getInt() == detail::latestSchemaVersion());
  BOOST_TEST(c.execAndGet("SELECT count(*) FROM campaigns").getInt() == kProcesses);
}

BOOST_AUTO_TEST_CASE(a_writer_holding_the_lock_shorter_than_the_timeout_is_waited_for) {
  auto engine = CampaignEngine::open(db);  // default busyTimeout: 5 s
  SQLite::Database other(db, SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");

  // The call runs in a thread while `other` holds the write lock.
  std::atomic<pid_t> callerTid{0};
  std::atomic<bool> returned{false};
  std::optional<BulkResult> result;
  std::string error;
  std::thread caller([&] {
    callerTid = static_cast<pid_t>(syscall(SYS_gettid));
    try {
      result = engine->bulkUpsert("camp_conc", std::vector<LeadInput>{EngineFixture::lead("waited@example.com", "Waited")});
    } catch (const Error& e) {
      error = toString(e.code());
    }
    returned = true;
  });

  // Release the lock once the call waits for it: its thread is asleep (in
  // SQLite's busy wait). The deadline stays well inside the 5 s timeout; the
  // call must not return meanwhile, whatever happens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  bool sawItWait = false;
  while (!returned && std::chrono::steady_clock::now() < deadline) {
    const pid_t tid = callerTid;
    if (tid != 0 && threadState(tid) == 'S') {
      sawItWait = true;
      break;
    }
    std::this_thread::yield();
  }
  BOOST_TEST(!returned.load(), "the call returned while another writer held the lock: " << error);
  BOOST_TEST_MESSAGE("the call was seen waiting for the lock: " << std::boolalpha << sawItWait);
  other.exec("COMMIT");
  caller.join();

  BOOST_TEST(error.empty(), error);  // not busy: it waited
  BOOST_REQUIRE(result.has_value());
  BOOST_TEST(result->enrolled == 1);
  BOOST_TEST(engine->getLead("camp_conc", "waited@example.com")->firstName.value() == "Waited");
}

BOOST_AUTO_TEST_SUITE_END()
