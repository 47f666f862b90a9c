// The benchmark's scenarios (docs/benchmarks.md, items 1-8). Each measures the engine
// and the raw-SQLite baseline on the same synthetic leads in the same run,
// every repetition on fresh database files in the scratch folder, and checks
// the counts both report (a wrong count throws BenchFailure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace bench {

enum class Side { both, engine, raw };

struct Config {
  int reps = 5;        // repetitions of each figure; medians are reported
  int growthReps = 1;  // repetitions of the growth curve (it is long)
  std::size_t leads = 100'000;  // rows of one bulk call (draft, running, shares) and of the import files
  std::size_t batchCalls = 100;
  std::size_t batchSize = 1'000;
  std::size_t growthTotal = 10'000'000;
  std::size_t growthSlice = 100'000;
  bool growthBaseline = true;  // also grow the raw table, for the ratio
  std::size_t cliRows = 1'000'000;
  std::size_t renders = 100'000;
  std::size_t claimBacklog = 1'000'000;  // due messages a capped-out campaign may not send
  std::size_t claimable = 1'000;         // messages of another campaign claimed per repetition
  std::size_t claimLimit = 100;          // messages per claimDue
  std::size_t listLeads = 1'000'000;     // leads of the campaign the CLI lists
  std::size_t exportLeads = 1'000'000;   // leads of the campaign the export scenario exports
  std::vector<std::size_t> batchSizes = {1'000, 5'000, 10'000, 50'000, 100'000};  // of the batchsize scenario
  std::uint64_t seed = 20250610;
  std::int64_t cacheSizeKiB = 16 * 1024;  // the engine's default, given to the baseline too
  std::filesystem::path scratch;          // where the database files go
  std::string cliPath;                    // the leadterra binary; empty: CLI import not measured
  std::set<std::string> only;             // scenario names; empty: all
  Side side = Side::both;                 // one side alone, for profiling it

  [[nodiscard]] bool wants(const std::string& name) const { return only.empty() || only.count(name) > 0; }
  [[nodiscard]] std::string toJson() const;
};

// Scenario names, in order: draft, running, batches, growth, cli, import, batchsize, templates, shares, claim,
// list, events, export.
void runDraft(const Config& config, Report& report);
void runRunning(const Config& config, Report& report);
void runBatches(const Config& config, Report& report);
void runGrowth(const Config& config, Report& report);
void runCliImport(const Config& config, Report& report);
void runImport(const Config& config, Report& report);
void runBatchSizes(const Config& config, Report& report);
void runTemplates(const Config& config, Report& report);
void runShares(const Config& config, Report& report);
void runClaim(const Config& config, Report& report);
void runCliList(const Config& config, Report& report);
void runEventLog(const Config& config, Report& report);
void runExport(const Config& config, Report& report);

}  // namespace bench
