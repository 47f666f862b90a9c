// `leads export`: a campaign's leads as CSV or JSON Lines (docs/export.md),
// written to stdout or a file as the library hands them over, a page at a
// time.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "cli.hpp"
#include "commands.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"

namespace leadterra::cli {
namespace {

struct ExportArgs {
  std::string campaign;
  std::string format = "csv";
  std::string status;
  std::string updatedSince;
  std::string out;
};

// Writes each piece to `stream`; a failed write is a storage_error naming
// `where`, which ends the export.
ExportSink streamSink(std::ostream& stream, const std::string& where) {
  return [&stream, where](std::string_view chunk) {
    if (!stream.write(chunk.data(), static_cast<std::streamsize>(chunk.size()))) {
      throw Error(ErrorCode::storage_error, fmt::format("cannot write to {}", where));
    }
  };
}

// The export into the file at `path`, created or emptied; removed again when
// the export fails, so that no partial file looks like a whole one.
std::int64_t exportToFile(CampaignEngine& engine, const ExportArgs& a, ExportFormat format,
                          const ExportOptions& options) {
  std::ofstream file(a.out, std::ios::binary | std::ios::trunc);
  if (!file) throw Error(ErrorCode::invalid_argument, fmt::format("cannot create '{}'", a.out));
  try {
    const std::int64_t leads = engine.exportLeads(a.campaign, format, streamSink(file, a.out), options);
    file.close();
    if (!file) throw Error(ErrorCode::storage_error, fmt::format("cannot write to {}", a.out));
    return leads;
  } catch (...) {
    file.close();
    std::error_code ignored;
    std::filesystem::remove(a.out, ignored);
    throw;
  }
}

void runExport(Context& ctx, const ExportArgs& a) {
  const ExportFormat format = a.format == "jsonl" ? ExportFormat::jsonl : ExportFormat::csv;
  ExportOptions options;
  options.filter = leadFilterOf(a.status, a.updatedSince);
  CampaignEngine& engine = ctx.engine(Access::read);
  if (a.out.empty() || a.out == "-") {
    (void)engine.exportLeads(a.campaign, format, streamSink(std::cout, "stdout"), options);
    std::cout.flush();
    return;
  }
  const std::int64_t leads = exportToFile(engine, a, format, options);
  Json summary = Json::object();
  summary["file"] = a.out;
  summary["format"] = a.format;
  summary["leads"] = leads;
  ctx.print(wrap("export", std::move(summary)));
}

}  // namespace

void addLeadsExport(CLI::App& leads, Context& ctx) {
  auto a = std::make_shared<ExportArgs>();
  auto* sub = leads.add_subcommand(
      "export",
      "A campaign's leads as CSV or JSON Lines, streamed -> the file's text (with --out: {\"export\": {...}})");
  sub->add_option("--campaign", a->campaign, "Campaign id")->required();
  sub->add_option("--format", a->format, "csv or jsonl")->check(kFormatName)->capture_default_str();
  sub->add_option("--status", a->status, "Only this status")->check(kLeadStatusName);
  sub->add_option("--updated-since", a->updatedSince, "Only leads updated at or after this time")->check(kTimestamp);
  sub->add_option("--out", a->out, "Write to this file (created or emptied) instead of stdout");
  onRun(sub, ctx, [&ctx, a] { runExport(ctx, *a); });
}

}  // namespace leadterra::cli
