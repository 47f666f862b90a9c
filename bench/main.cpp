// leadterra_bench: the engine against a hand-written raw-SQLite baseline, in
// the same process and run (results and the command in
// docs/benchmarks.md).
//
//   leadterra_bench [--quick] [--reps N] [--only a,b] [--json FILE] ...
//
// Exits 0 when every count checked was right (whatever the timings), 1 when
// the engine or the baseline reported a wrong count or failed, 2 for a bad
// command line. Timing targets are reported, never enforced by the exit status.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "child.hpp"
#include "export_child.hpp"
#include "harness.hpp"
#include "leads.hpp"
#include "scenarios.hpp"

namespace {

constexpr const char* kUsage = R"(usage: leadterra_bench [options]

  --quick              small sizes and one repetition (the test suite's smoke run)
  --reps N             repetitions per figure; medians are reported (default 5, quick 1)
  --growth-reps N      repetitions of the growth curve (default 1)
  --leads N            rows of one bulk call and of the import scenario's files (default 100000)
  --batches N          number of batch calls (default 100)
  --batch-size N       rows per batch call (default 1000)
  --growth-leads N     size the growth campaign reaches (default 10000000)
  --slice N            rows per growth call (default 100000)
  --no-growth-baseline grow only the engine's campaign (halves the growth time)
  --cli-rows N         rows of the files the CLI imports in the cli, batchsize and import
                       (its RSS figure) scenarios (default 1000000)
  --cli PATH           the leadterra binary (default: the one built with the benchmark)
  --renders N          leads rendered per template repetition (default 100000)
  --dir DIR            folder for the scratch databases (default: the system temp folder)
  --list-leads N       leads of the campaign the CLI lists (default 1000000)
  --export-leads N     leads of the campaign the export scenario exports (default 1000000)
  --batch-sizes LIST   comma-separated batch sizes of the batchsize scenario
                       (default 1000,5000,10000,50000,100000)
  --only LIST          comma-separated scenarios: draft,running,batches,growth,cli,import,batchsize,
                       templates,shares,claim,list,events,export
  --side SIDE          both (default), engine or raw: run one side alone, to profile it
  --json FILE          also write the results as JSON
  --seed N             data seed (default 20250610)
)";

constexpr const char* kScenarios[] = {"draft",  "running",   "batches",   "growth", "cli",  "import",
                                      "batchsize", "templates", "shares", "claim", "list", "events", "export"};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::uint64_t number(std::string_view flag, std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
    throw UsageError(fmt::format("{}: \"{}\" is not a whole number >= 1", flag, text));
  }
  return value;
}

struct Flags {
  bool quick = false;
  std::optional<std::uint64_t> reps, growthReps, leads, batches, batchSize, growthLeads, slice, cliRows, renders, seed,
      listLeads, exportLeads;
  bool noGrowthBaseline = false;
  std::optional<std::string> cli, dir, json;
  std::set<std::string> only;
  std::vector<std::size_t> batchSizes;
  bench::Side side = bench::Side::both;
};

Flags parseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw UsageError(fmt::format("{} needs a value", flag));
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (flag == "--quick") {
      f.quick = true;
    } else if (flag == "--no-growth-baseline") {
      f.noGrowthBaseline = true;
    } else if (flag == "--reps") {
      f.reps = number(flag, value());
    } else if (flag == "--growth-reps") {
      f.growthReps = number(flag, value());
    } else if (flag == "--leads") {
      f.leads = number(flag, value());
    } else if (flag == "--batches") {
      f.batches = number(flag, value());
    } else if (flag == "--batch-size") {
      f.batchSize = number(flag, value());
    } else if (flag == "--growth-leads") {
      f.growthLeads = number(flag, value());
    } else if (flag == "--slice") {
      f.slice = number(flag, value());
    } else if (flag == "--cli-rows") {
      f.cliRows = number(flag, value());
    } else if (flag == "--list-leads") {
      f.listLeads = number(flag, value());
    } else if (flag == "--export-leads") {
      f.exportLeads = number(flag, value());
    } else if (flag == "--renders") {
      f.renders = number(flag, value());
    } else if (flag == "--seed") {
      f.seed = number(flag, value());
    } else if (flag == "--cli") {
      f.cli = std::string(value());
    } else if (flag == "--dir") {
      f.dir = std::string(value());
    } else if (flag == "--json") {
      f.json = std::string(value());
    } else if (flag == "--side") {
      const std::string_view side = value();
      if (side == "both") {
        f.side = bench::Side::both;
      } else if (side == "engine") {
        f.side = bench::Side::engine;
      } else if (side == "raw") {
        f.side = bench::Side::raw;
      } else {
        throw UsageError(fmt::format("--side: \"{}\" is not both, engine or raw", side));
      }
    } else if (flag == "--batch-sizes") {
      std::stringstream list{std::string(value())};
      std::string size;
      while (std::getline(list, size, ',')) f.batchSizes.push_back(number(flag, size));
    } else if (flag == "--only") {
      std::stringstream list{std::string(value())};
      std::string name;
      while (std::getline(list, name, ',')) {
        if (std::find(std::begin(kScenarios), std::end(kScenarios), name) == std::end(kScenarios)) {
          throw UsageError(fmt::format("--only: unknown scenario \"{}\"", name));
        }
        f.only.insert(name);
      }
    } else {
      throw UsageError(fmt::format("unknown option {}", flag));
    }
  }
  return f;
}

bench::Config configFrom(const Flags& f) {
  bench::Config c;
  if (f.quick) {
    // Seconds, not minutes: enough rows to exercise every path and check counts.
    c.reps = 1;
    c.leads = 2'000;
    c.batchCalls = 10;
    c.batchSize = 200;
    c.growthTotal = 8'000;
    c.growthSlice = 2'000;
    c.cliRows = 5'000;
    c.renders = 2'000;
    c.claimBacklog = 5'000;
    c.claimable = 200;
    c.listLeads = 5'000;
    c.exportLeads = 5'000;
    c.batchSizes = {1'000, 5'000};
  }
  auto size = [](const std::optional<std::uint64_t>& v, std::size_t fallback) {
    return v ? static_cast<std::size_t>(*v) : fallback;
  };
  c.reps = f.reps ? static_cast<int>(*f.reps) : c.reps;
  c.growthReps = f.growthReps ? static_cast<int>(*f.growthReps) : c.growthReps;
  c.leads = size(f.leads, c.leads);
  c.batchCalls = size(f.batches, c.batchCalls);
  c.batchSize = size(f.batchSize, c.batchSize);
  c.growthTotal = size(f.growthLeads, c.growthTotal);
  c.growthSlice = size(f.slice, c.growthSlice);
  c.cliRows = size(f.cliRows, c.cliRows);
  c.renders = size(f.renders, c.renders);
  c.listLeads = size(f.listLeads, c.listLeads);
  c.exportLeads = size(f.exportLeads, c.exportLeads);
  c.seed = f.seed.value_or(c.seed);
  c.growthBaseline = !f.noGrowthBaseline;
  c.only = f.only;
  if (!f.batchSizes.empty()) c.batchSizes = f.batchSizes;
  c.side = f.side;
#ifdef LEADTERRA_CLI_PATH
  c.cliPath = LEADTERRA_CLI_PATH;
#endif
  if (f.cli) c.cliPath = *f.cli;
  const std::filesystem::path root = f.dir ? std::filesystem::path(*f.dir) : std::filesystem::temp_directory_path();
  c.scratch = root / fmt::format("leadterra-bench-{}", ::getpid());
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--spawn-measure") return bench::spawnMain(argc - 2, argv + 2);
  if (argc > 1 && std::string_view(argv[1]) == "--export-child") return bench::exportChildMain(argc - 2, argv + 2);
  bench::Config config;
  std::optional<std::string> jsonPath;
  try {
    const Flags flags = parseFlags(argc, argv);
    config = configFrom(flags);
    jsonPath = flags.json;
  } catch (const UsageError& e) {
    std::cerr << "leadterra_bench: " << e.what() << "\n\n" << kUsage;
    return 2;
  }

  const bench::Machine machine = bench::describeMachine();
  std::cout << fmt::format("leadterra_bench: {} cores, {}, {} RAM, SQLite {}, {} {}\n", machine.cores,
                           machine.cpu, machine.memory, machine.sqliteVersion, machine.compiler, machine.buildType);
  {
    const bench::Person p = bench::person(config.seed, 0);
    std::cout << fmt::format("leads: ~{} bytes of customFields each, e.g. {}\n\n",
                             bench::customFieldsJson(p).size(), bench::customFieldsJson(p));
  }

  int status = 0;
  bench::Report report;
  try {
    std::filesystem::create_directories(config.scratch);
    if (config.wants("draft")) bench::runDraft(config, report);
    if (config.wants("running")) bench::runRunning(config, report);
    if (config.wants("batches")) bench::runBatches(config, report);
    if (config.wants("growth")) bench::runGrowth(config, report);
    if (config.wants("cli")) bench::runCliImport(config, report);
    if (config.wants("import")) bench::runImport(config, report);
    if (config.wants("batchsize")) bench::runBatchSizes(config, report);
    if (config.wants("templates")) bench::runTemplates(config, report);
    if (config.wants("shares")) bench::runShares(config, report);
    if (config.wants("claim")) bench::runClaim(config, report);
    if (config.wants("list")) bench::runCliList(config, report);
    if (config.wants("events")) bench::runEventLog(config, report);
    if (config.wants("export")) bench::runExport(config, report);
  } catch (const bench::BenchFailure& e) {
    std::cerr << "FAILED: " << e.what() << '\n';
    status = 1;
  } catch (const std::exception& e) {
    std::cerr << "FAILED: " << e.what() << '\n';
    status = 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(config.scratch, ec);

  std::cout << '\n';
  report.print(std::cout);
  // Timings are wall-clock: other work on the machine slows both sides, not
  // always equally. Say so rather than let a busy run pass for a quiet one.
  const double loadAfter = bench::loadAverage();
  std::cout << fmt::format("\nLoad average before: {}; after: {:.2f}\n", machine.loadBefore, loadAfter);
  // The benchmark itself keeps one core busy; more than a quarter of the
  // others busy on top of that skews the figures.
  if (loadAfter - 1.0 > 0.25 * machine.cores) {
    std::cout << "WARNING: the machine was busy with other work; timings and ratios are unreliable.\n";
  }
  if (jsonPath) {
    try {
      report.writeJson(*jsonPath, machine, config.toJson(), loadAfter);
    } catch (const std::exception& e) {
      std::cerr << "FAILED: " << e.what() << '\n';
      status = 1;
    }
  }
  return status;
}
