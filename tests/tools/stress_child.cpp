// stress_child: the child process of the concurrency and crash tests.
//
//   stress_child worker --db F --campaign C --workspace W --worker N --ops K
//                [--threads T] [--shared] [--suppressor] [--seed S] [--report FILE]
//       T threads (default 1) run the worker mix (tests/tools/worker.hpp),
//       each with its own engine on F, or all on one engine with --shared.
//       Worker ids are N .. N+T-1; --suppressor makes worker N suppress the
//       doomed addresses midway. The reports go to FILE as a JSON array
//       (written whole at the end, then renamed into place).
//
//   stress_child fresh --db F --worker N --leads K
//       Opens F (creating it), creates workspace ws_N and campaign camp_N,
//       starts it, upserts K leads and sends a few: for many processes
//       racing to create and migrate one new file.
//
// Exit status: 0 when every call succeeded (worker: no unexpected error),
// 1 otherwise, 2 for a usage error. Errors are printed on stderr.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <leadterra/leadterra.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tools/worker.hpp"

namespace {

using namespace leadterra;

struct Args {
  std::string mode;
  std::map<std::string, std::string> values;
  bool has(const std::string& k) const { return values.count(k) != 0; }
  std::string get(const std::string& k, std::string fallback = {}) const {
    auto it = values.find(k);
    return it == values.end() ? fallback : it->second;
  }
  long long num(const std::string& k, long long fallback) const { return has(k) ? std::stoll(get(k)) : fallback; }
};

Args parse(int argc, char** argv) {
  Args a;
  if (argc < 2) throw std::invalid_argument("missing mode");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument " + k);
    k = k.substr(2);
    if (k == "shared" || k == "suppressor") {
      a.values[k] = "1";
    } else if (i + 1 < argc) {
      a.values[k] = argv[++i];
    } else {
      throw std::invalid_argument("missing value for --" + k);
    }
  }
  return a;
}

int runWorkers(const Args& a) {
  const int threads = static_cast<int>(a.num("threads", 1));
  const int first = static_cast<int>(a.num("worker", 0));
  const std::string db = a.get("db");
  std::unique_ptr<CampaignEngine> shared;
  if (a.has("shared")) shared = CampaignEngine::open(db);

  std::vector<test::WorkerReport> reports(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      test::WorkerConfig config;
      config.campaignId = a.get("campaign");
      config.workspaceId = a.get("workspace");
      config.worker = first + t;
      config.operations = static_cast<int>(a.num("ops", 200));
      config.pool = static_cast<int>(a.num("pool", 500));
      config.seed = static_cast<std::uint64_t>(a.num("seed", 1)) * 1000 + static_cast<std::uint64_t>(t);
      config.suppressor = a.has("suppressor") && t == 0;
      auto& report = reports[static_cast<std::size_t>(t)];
      try {
        std::unique_ptr<CampaignEngine> own;
        if (!shared) own = CampaignEngine::open(db);
        report = test::runWorker(shared ? *shared : *own, config);
      } catch (const Error& e) {
        // Opening failed: reported like any other error of the worker.
        report.worker = config.worker;
        ++report.errors[std::string(toString(e.code()))];
        std::cerr << "worker " << config.worker << ": " << e.what() << "\n";
      }
    });
  }
  for (auto& t : pool) t.join();

  nlohmann::json out = nlohmann::json::array();
  bool clean = true;
  for (const auto& r : reports) {
    out.push_back(test::toJson(r));
    for (const auto& [code, n] : r.errors) {
      std::cerr << "worker " << r.worker << ": " << n << " x " << code << "\n";
      clean = false;
    }
    for (const auto& sample : r.errorSamples) std::cerr << "worker " << r.worker << ": " << sample << "\n";
  }
  if (a.has("report")) {
    const std::string path = a.get("report");
    {
      std::ofstream f(path + ".tmp");
      f << out.dump();
    }
    std::filesystem::rename(path + ".tmp", path);
  }
  return clean ? 0 : 1;
}

int runFresh(const Args& a) {
  const std::string n = a.get("worker", "0");
  auto engine = CampaignEngine::open(a.get("db"));
  engine->createWorkspace({"ws_" + n, "Fresh " + n, {}});
  engine->createCampaign({"ws_" + n, "camp_" + n, "Fresh", {{"Hi {{firstName}}", "Hello", StepFormat::text, 0}}, {}, {}});
  engine->startCampaign("camp_" + n);
  std::vector<LeadInput> leads;
  for (long long i = 0; i < a.num("leads", 50); ++i) {
    LeadInput in;
    in.email = "p" + n + "x" + std::to_string(i) + "@fresh.example.com";
    in.firstName = "P" + n;
    leads.push_back(std::move(in));
  }
  const BulkResult r = engine->bulkUpsert("camp_" + n, leads);
  if (r.enrolled != static_cast<std::int64_t>(leads.size())) {
    std::cerr << "enrolled " << r.enrolled << " of " << leads.size() << "\n";
    return 1;
  }
  for (const Message& m : engine->claimDue(10)) (void)engine->markSent(m.id);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args a = parse(argc, argv);
    if (a.mode == "worker") return runWorkers(a);
    if (a.mode == "fresh") return runFresh(a);
    std::cerr << "unknown mode " << a.mode << "\n";
    return 2;
  } catch (const leadterra::Error& e) {
    std::cerr << toString(e.code()) << ": " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "usage: " << e.what() << "\n";
    return 2;
  }
}
