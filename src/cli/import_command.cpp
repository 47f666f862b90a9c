// `leadterra leads import`: a lead file streamed into the campaign in
// batches, with a progress bar on a terminal, or previewed with --dry-run
// (docs/import.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/import.hpp"

namespace leadterra::cli {
namespace {

// The rows a --dry-run shows.
constexpr std::size_t kPreviewRows = 10;

struct ImportArgs {
  std::string campaign;
  std::string file;
  std::size_t batchSize = ImportOptions{}.batchSize;
  std::string rejects;
  std::string mode = "merge";
  std::string format;
  std::string delimiter;
  std::vector<std::string> maps;
  bool dryRun = false;
  bool strict = false;
  CrossCampaignRules crossCampaign;
};

// Draws "[#####     ]  50%  1200 rows" over itself on a terminal's stderr;
// "1200 rows" alone when the size is unknown (stdin).
class ProgressBar {
 public:
  void update(std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
    if (total == 0) {
      fmt::print(stderr, "\r{} rows", rows);
    } else {
      const std::uint64_t percent = std::min<std::uint64_t>(100, done * 100 / total);
      const std::size_t filled = static_cast<std::size_t>(percent / 5);
      fmt::print(stderr, "\r[{}{}] {:3}%  {} rows", std::string(filled, '#'), std::string(20 - filled, ' '), percent,
                 rows);
    }
    std::fflush(stderr);
    drawn_ = true;
  }
  ~ProgressBar() {
    if (drawn_) std::fputc('\n', stderr);
  }

 private:
  bool drawn_ = false;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// --map values ("Work Email=email,Org=company", the flag repeatable) as a
// column map. Throws UsageError for a pair without '=' or a header named
// twice. A header holding ',' or '=' cannot be written here.
std::map<std::string, std::string> parseColumnMap(const std::vector<std::string>& values) {
  std::map<std::string, std::string> out;
  for (const std::string& value : values) {
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view pair = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (pair.empty()) continue;
      const std::size_t eq = pair.find('=');
      if (eq == std::string_view::npos || trim(pair.substr(0, eq)).empty()) {
        throw UsageError(fmt::format("--map: \"{}\" is not HEADER=FIELD (e.g. \"Work Email=email\")", pair));
      }
      const std::string header(trim(pair.substr(0, eq)));
      if (!out.emplace(header, trim(pair.substr(eq + 1))).second) {
        throw UsageError(fmt::format("--map: the header \"{}\" is named twice", header));
      }
    }
  }
  return out;
}

std::string delimiterName(char delimiter) { return delimiter == '\t' ? "tab" : std::string(1, delimiter); }

const CLI::Validator kDelimiterName(
    [](const std::string& text) -> std::string {
      if (text == "," || text == ";" || text == "tab" || text == "\t") return {};
      return fmt::format("\"{}\" is not a delimiter: ',', ';' or tab", text);
    },
    ",|;|tab");

ImportOptions optionsOf(const ImportArgs& a) {
  ImportOptions options;
  if (!a.format.empty()) options.format = a.format == "csv" ? LeadFileFormat::csv : LeadFileFormat::jsonl;
  if (!a.delimiter.empty()) options.delimiter = a.delimiter == "tab" ? '\t' : a.delimiter[0];
  options.columns = parseColumnMap(a.maps);
  options.batchSize = a.batchSize;
  options.mode = *parseMergeMode(a.mode);  // checked while parsing
  options.rejectsPath = a.rejects;
  options.crossCampaign = a.crossCampaign;
  return options;
}

// {"format", "delimiter", "columns": [{"column", "header", "field" |
// "customField" | "ignored"}]}: how the file is read.
Json layoutJson(const LeadFileLayout& layout) {
  Json out = Json::object();
  out["format"] = layout.format == LeadFileFormat::jsonl ? "jsonl" : "csv";
  out["delimiter"] = layout.delimiter == '\0' ? Json(nullptr) : Json(delimiterName(layout.delimiter));
  Json columns = Json::array();
  for (std::size_t i = 0; i < layout.columns.size(); ++i) {
    const LeadFileColumn& column = layout.columns[i];
    Json c = Json::object();
    c["column"] = i + 1;
    c["header"] = column.header;
    if (!column.field.empty()) {
      c["field"] = column.field;
    } else if (!column.customKey.empty()) {
      c["customField"] = column.customKey;
    } else {
      c["ignored"] = true;
    }
    columns.push_back(std::move(c));
  }
  out["columns"] = std::move(columns);
  return out;
}

void runImport(Context& ctx, const ImportArgs& a) {
  ImportOptions options = optionsOf(a);
  CampaignEngine& engine = ctx.engine(a.dryRun ? Access::read : Access::write);  // a dry run creates no file
  if (a.dryRun) {
    const ImportPreview preview = previewFile(engine, a.campaign, a.file, options, kPreviewRows);
    Json doc = layoutJson(preview.layout);
    doc["result"] = toJsonValue(preview.result);
    ctx.print(wrap("preview", std::move(doc)));
    if (a.strict && preview.result.failed > 0) ctx.exitStatus = kExitFailedRows;
    return;
  }
  ProgressBar bar;
  if (::isatty(STDERR_FILENO) == 1) {
    options.progress = [&bar](std::uint64_t done, std::uint64_t total, std::uint64_t rows) {
      bar.update(done, total, rows);
    };
  }
  const BulkResult result = importFile(engine, a.campaign, a.file, options);
  ctx.print(wrap("result", toJsonValue(result)));
  if (a.strict && result.failed > 0) ctx.exitStatus = kExitFailedRows;
}

}  // namespace

void addLeadsImport(CLI::App& leads, Context& ctx) {
  auto a = std::make_shared<ImportArgs>();
  auto* import = leads.add_subcommand("import", "Stream a CSV or JSON Lines file in batches -> {\"result\": {...}}");
  import->add_option("--campaign", a->campaign, "Campaign id")->required();
  import->add_option("file", a->file, "A .csv, .tsv or .jsonl file, or - for stdin")->required();
  import->add_option("--format", a->format, "csv or jsonl (default: by the extension; for stdin, by the first byte)")
      ->check(kFormatName);
  import->add_option("--delimiter", a->delimiter, "CSV cell separator: , ; or tab (default: found in the header row)")
      ->check(kDelimiterName);
  import->add_option("--map", a->maps, "Columns to fields: \"Work Email=email,Org=company,Phone=phone\" (Notes= leaves "
                                       "Notes out); repeatable")
      ->allow_extra_args(false);  // one value per --map: the file that follows is not a map
  import->add_option("--batch-size", a->batchSize, "Rows per transaction")->check(kPositiveInteger)->capture_default_str();
  auto* rejects = import->add_option("--rejects", a->rejects, "Write one JSON line per failed row to this file");
  import->add_option("--mode", a->mode, "How rows write into existing leads: merge, fillEmpty or replace")
      ->check(kMergeModeName)
      ->capture_default_str();
  import->add_flag("--dry-run", a->dryRun, "Print how the file is read and the first 10 rows' outcomes; write nothing")
      ->excludes(rejects);
  import->add_flag("--strict", a->strict, "Exit 3 when any row failed (the result is printed all the same)");
  addCrossCampaignFlags(import, a->crossCampaign);
  onRun(import, ctx, [&ctx, a] { runImport(ctx, *a); });
}

}  // namespace leadterra::cli
