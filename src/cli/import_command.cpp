// `leadterra leads import`: a lead file streamed into the campaign in
// batches, with a progress bar on a terminal (docs/import.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "cli.hpp"
#include "commands.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/import.hpp"

namespace leadterra::cli {
namespace {

struct ImportArgs {
  std::string campaign;
  std::string file;
  std::size_t batchSize = ImportOptions{}.batchSize;
  std::string rejects;
  std::string mode = "merge";
};

// Draws "[#####     ]  50%  1200 rows" over itself on a terminal's stderr.
class ProgressBar {
 public:
  void update(std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
    const std::uint64_t percent = total == 0 ? 100 : std::min<std::uint64_t>(100, done * 100 / total);
    const std::size_t filled = static_cast<std::size_t>(percent / 5);
    fmt::print(stderr, "\r[{}{}] {:3}%  {} rows", std::string(filled, '#'), std::string(20 - filled, ' '), percent,
               rows);
    std::fflush(stderr);
    drawn_ = true;
  }
  ~ProgressBar() {
    if (drawn_) std::fputc('\n', stderr);
  }

 private:
  bool drawn_ = false;
};

}  // namespace

void addLeadsImport(CLI::App& leads, Context& ctx) {
  auto a = std::make_shared<ImportArgs>();
  auto* import = leads.add_subcommand("import", "Stream a .csv or .jsonl file in batches -> {\"result\": {...}}");
  import->add_option("--campaign", a->campaign, "Campaign id")->required();
  import->add_option("file", a->file, "A .csv (header row with an email column) or .jsonl file")->required();
  import->add_option("--batch-size", a->batchSize, "Rows per transaction")->check(kPositiveInteger)->capture_default_str();
  import->add_option("--rejects", a->rejects, "Write one JSON line per failed row to this file");
  import->add_option("--mode", a->mode, "How rows write into existing leads: merge, fillEmpty or replace")
      ->check(kMergeModeName)
      ->capture_default_str();
  onRun(import, ctx, [&ctx, a] {
    ImportOptions options;
    options.batchSize = a->batchSize;
    options.mode = *parseMergeMode(a->mode);  // checked while parsing
    options.rejectsPath = a->rejects;
    CampaignEngine& engine = ctx.engine();
    ProgressBar bar;
    if (::isatty(STDERR_FILENO) == 1) {
      options.progress = [&bar](std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
        bar.update(done, total, rows);
      };
    }
    const BulkResult result = importFile(engine, a->campaign, a->file, options);
    ctx.print(wrap("result", toJsonValue(result)));
  });
}

}  // namespace leadterra::cli
