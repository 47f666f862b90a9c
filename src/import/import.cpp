// importFile: a lead file streamed into bulkUpsert calls, one batch at a time.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "import/import.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"

namespace leadterra::detail {

namespace {

// The rejects file: one JSON object per line, per failed row,
// {"index", "line", "code", "message", "row"}, written batch by batch.
class RejectsWriter {
 public:
  explicit RejectsWriter(const std::string& path) : path_(path) {
    if (path.empty()) return;
    out_.open(path, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error(ErrorCode::invalid_argument, fmt::format("{}: cannot create the rejects file", path));
  }

  void write(const RowError& error, std::uint64_t line, const std::string& raw) {
    if (path_.empty()) return;
    const auto text = [](const std::string& s) {
      return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    line_.clear();
    fmt::format_to(std::back_inserter(line_), R"({{"index":{},"line":{},"code":{},"message":{},"row":{}}})",
                   error.index, line, text(std::string(toString(error.code))), text(error.message), raw);
    line_.push_back('\n');
    out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }

  // After each batch, so that an interrupted import leaves the rejects of the
  // batches it committed.
  void flush() {
    if (path_.empty()) return;
    out_.flush();
    if (!out_) throw Error(ErrorCode::storage_error, fmt::format("{}: cannot write the rejects file", path_));
  }

 private:
  std::string path_;
  std::ofstream out_;
  std::string line_;
};

template <typename Map>
void addCounts(Map& total, const Map& more) {
  for (const auto& [key, count] : more) total[key] += count;
}

}  // namespace

BulkResult importFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                      const ImportOptions& options, const Scope& scope) {
  if (options.batchSize == 0) throw Error(ErrorCode::invalid_argument, "the batch size must be at least 1");
  const std::unique_ptr<LeadFileReader> reader = LeadFileReader::open(path);
  RejectsWriter rejects(options.rejectsPath);

  // One batch's rows, kept and reused from batch to batch so that memory
  // stays that of one batch whatever the file's size.
  struct RowInfo {
    std::uint64_t line = 0;
    std::string defect;  // the reader's own reason for a malformed row
  };
  std::vector<LeadInput> rows;
  std::vector<std::string> raws;
  std::vector<RowInfo> infos;
  std::size_t filled = 0;
  std::size_t firstIndex = 0;  // index in the file of rows[0]
  bool called = false;
  BulkResult total;
  BulkOptions bulkOptions;
  bulkOptions.mode = options.mode;

  const auto runBatch = [&] {
    BulkResult batch =
        engine.bulkUpsert(campaignId, std::span<const LeadInput>(rows.data(), filled), bulkOptions, scope);
    called = true;
    total.enrolled += batch.enrolled;
    total.updated += batch.updated;
    total.skipped += batch.skipped;
    total.failed += batch.failed;
    total.queued += batch.queued;
    total.totalInCampaign = batch.totalInCampaign;
    addCounts(total.missingTokens, batch.missingTokens);
    addCounts(total.unknownFields, batch.unknownFields);
    for (RowError& error : batch.errors) {
      const std::size_t local = error.index;
      error.index = firstIndex + local;
      if (error.code == RowCode::malformed_row && !infos[local].defect.empty()) error.message = infos[local].defect;
      rejects.write(error, infos[local].line, raws[local]);
      if (total.errors.size() < options.keptErrors) total.errors.push_back(std::move(error));
    }
    rejects.flush();
    firstIndex += filled;
    filled = 0;
    if (options.progress) options.progress(reader->bytesRead(), reader->totalBytes(), firstIndex);
  };

  while (true) {
    if (filled == rows.size()) {
      rows.emplace_back();
      raws.emplace_back();
      infos.emplace_back();
    }
    if (!reader->next(rows[filled], raws[filled])) break;
    infos[filled].line = reader->lineNumber();
    infos[filled].defect = reader->defectMessage();
    if (++filled == options.batchSize) runBatch();
  }
  // The last, partial batch; or, for a file without rows, an empty call that
  // still checks the campaign and reports how many leads it holds.
  if (filled > 0 || !called) runBatch();
  return total;
}

}  // namespace leadterra::detail
