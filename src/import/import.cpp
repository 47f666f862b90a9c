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

#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/import.hpp"
#include "util/text.hpp"

namespace leadterra {

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

bool hasInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = detail::utf8CharLength(s, i);
    if (length == 0) return true;
    i += length;
  }
  return false;
}

// A row that failed for bytes that are not UTF-8 most likely comes from a
// file saved as Windows-1252 or Latin-1: its message says how to convert it.
// The code stays the engine's (invalid_field); only the words are added.
void explainEncoding(RowError& error, const LeadRow& row) {
  if (error.code != RowCode::invalid_field) return;
  const LeadInput& in = row.lead;
  bool invalid = in.customFields && hasInvalidUtf8(*in.customFields);
  for (const FieldPatch* field : {&in.email, &in.firstName, &in.lastName, &in.company, &in.jobTitle}) {
    invalid = invalid || (field->hasValue() && hasInvalidUtf8(field->value()));
  }
  if (!invalid) return;
  error.message += "; the row is not UTF-8: if the file is Windows-1252 or Latin-1, convert it and import it again, "
                   "e.g. iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv";
}

// One import in flight. One batch's rows are kept and reused from batch to
// batch, so that memory stays that of one batch whatever the file's size.
class Importer {
 public:
  Importer(CampaignEngine& engine, std::string_view campaignId, const ImportOptions& options, const Scope& scope,
           LeadFileReader& reader)
      : engine_(engine),
        campaignId_(campaignId),
        options_(options),
        scope_(scope),
        reader_(reader),
        rejects_(options.rejectsPath) {
    bulkOptions_.mode = options.mode;
  }

  BulkResult run() {
    while (true) {
      if (filled_ == rows_.size()) {
        rows_.emplace_back();
        raws_.emplace_back();
        lines_.emplace_back();
      }
      if (!reader_.next(rows_[filled_], raws_[filled_])) break;
      lines_[filled_] = reader_.lineNumber();
      if (++filled_ == options_.batchSize) runBatch();
    }
    // The last, partial batch; or, for a file without rows, an empty call
    // that still checks the campaign and reports how many leads it holds.
    if (filled_ > 0 || !called_) runBatch();
    return std::move(total_);
  }

 private:
  void runBatch() {
    BulkResult batch =
        engine_.bulkUpsert(campaignId_, std::span<const LeadRow>(rows_.data(), filled_), bulkOptions_, scope_);
    called_ = true;
    total_.enrolled += batch.enrolled;
    total_.updated += batch.updated;
    total_.skipped += batch.skipped;
    total_.failed += batch.failed;
    total_.queued += batch.queued;
    total_.totalInCampaign = batch.totalInCampaign;
    addCounts(total_.missingTokens, batch.missingTokens);
    addCounts(total_.unknownFields, batch.unknownFields);
    for (RowError& error : batch.errors) {
      const std::size_t local = error.index;
      error.index = firstIndex_ + local;
      explainEncoding(error, rows_[local]);
      rejects_.write(error, lines_[local], raws_[local]);
      if (total_.errors.size() < options_.keptErrors) total_.errors.push_back(std::move(error));
    }
    rejects_.flush();
    firstIndex_ += filled_;
    filled_ = 0;
    if (options_.progress) options_.progress(reader_.bytesRead(), reader_.totalBytes(), firstIndex_);
  }

  CampaignEngine& engine_;
  std::string_view campaignId_;
  const ImportOptions& options_;
  const Scope& scope_;
  LeadFileReader& reader_;
  RejectsWriter rejects_;
  BulkOptions bulkOptions_;
  std::vector<LeadRow> rows_;
  std::vector<std::string> raws_;
  std::vector<std::uint64_t> lines_;  // where each row starts in the file
  std::size_t filled_ = 0;
  std::size_t firstIndex_ = 0;  // index in the file of rows_[0]
  bool called_ = false;
  BulkResult total_;
};

}  // namespace

BulkResult importFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                      const ImportOptions& options, const Scope& scope) {
  if (options.batchSize == 0) throw Error(ErrorCode::invalid_argument, "the batch size must be at least 1");
  const std::unique_ptr<LeadFileReader> reader = LeadFileReader::open(path, options);
  return Importer(engine, campaignId, options, scope, *reader).run();
}

ImportPreview previewFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                          const ImportOptions& options, std::size_t rows, const Scope& scope) {
  const std::unique_ptr<LeadFileReader> reader = LeadFileReader::open(path, options);
  std::vector<LeadRow> batch;
  std::string raw;
  for (LeadRow row; batch.size() < rows && reader->next(row, raw);) batch.push_back(std::move(row));
  BulkOptions bulk;
  bulk.mode = options.mode;
  bulk.dryRun = true;
  bulk.details = true;
  ImportPreview preview{reader->layout(), engine.bulkUpsert(campaignId, std::span<const LeadRow>(batch), bulk, scope)};
  for (RowError& error : preview.result.errors) explainEncoding(error, batch[error.index]);
  return preview;
}

}  // namespace leadterra
