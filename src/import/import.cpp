// importFile: a lead file streamed into bulkUpsert calls, one batch at a time.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
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

// One batch of the file: its rows with, beside each, the row as read (for the
// rejects file) and the line it starts on. The three stay together from the
// reader to the rejects file. Its vectors are reused from batch to batch.
struct Batch {
  std::vector<LeadRow> rows;
  std::vector<std::string> raws;
  std::vector<std::uint64_t> lines;
  std::size_t filled = 0;
  bool end = false;              // the reader reached the end of the file
  std::uint64_t bytesRead = 0;   // the reader's position after the batch's last row
  std::uint64_t totalBytes = 0;
};

// Reads up to `size` rows into `batch`; stops early (the batch then being
// abandoned) once `stop` is set.
void fill(LeadFileReader& reader, std::size_t size, Batch& batch, const std::atomic<bool>* stop = nullptr) {
  batch.filled = 0;
  batch.end = false;
  while (batch.filled < size) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    if (batch.filled == batch.rows.size()) {
      batch.rows.emplace_back();
      batch.raws.emplace_back();
      batch.lines.emplace_back();
    }
    if (!reader.next(batch.rows[batch.filled], batch.raws[batch.filled])) {
      batch.end = true;
      break;
    }
    batch.lines[batch.filled] = reader.lineNumber();
    ++batch.filled;
  }
  batch.bytesRead = reader.bytesRead();
  batch.totalBytes = reader.totalBytes();
}

// A thread that reads the next batch while the caller's thread upserts the
// current one. The reader is only ever used by one thread at a time: the
// caller's until start(), this thread's between start() and wait(). The
// engine, the rejects file and the progress callback stay on the caller's
// thread. An exception thrown while reading is kept and rethrown by wait();
// destroying the object (after an exception on the caller's side) stops the
// reading at the next row and joins the thread.
class ReadAhead {
 public:
  ReadAhead(LeadFileReader& reader, std::size_t batchSize) : reader_(reader), batchSize_(batchSize) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ReadAhead() {
    stop_.store(true, std::memory_order_relaxed);
    {
      const std::lock_guard lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Starts filling `batch`, which the caller leaves alone until wait().
  void start(Batch& batch) {
    {
      const std::lock_guard lock(mutex_);
      request_ = &batch;
      ready_ = false;
    }
    wake_.notify_all();
  }

  // Waits for the batch given to start(); rethrows what reading it threw.
  void wait() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return ready_; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return quit_ || request_ != nullptr; });
      if (quit_) return;
      Batch* batch = std::exchange(request_, nullptr);
      lock.unlock();
      std::exception_ptr error;
      try {
        fill(reader_, batchSize_, *batch, &stop_);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      error_ = error;
      ready_ = true;
      wake_.notify_all();
    }
  }

  LeadFileReader& reader_;
  const std::size_t batchSize_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  Batch* request_ = nullptr;
  bool ready_ = false;
  bool quit_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: started once the members it uses exist
};

// One import in flight, pipelined on two threads: while the caller's thread
// upserts batch N (one transaction), a second thread reads and parses batch
// N+1 from the file. At most two batches are in memory. A file that fits in
// one batch is read and upserted on the caller's thread alone: the second
// thread starts only once the first batch is full.
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
    bulkOptions_.crossCampaign = options.crossCampaign;
  }

  BulkResult run() {
    Batch* current = &batches_[0];
    Batch* next = &batches_[1];
    fill(reader_, options_.batchSize, *current);
    if (current->end) {
      // The whole file in one batch (or none): an empty file still makes one
      // empty call, which checks the campaign and reports how many leads it holds.
      runBatch(*current);
      return std::move(total_);
    }
    ReadAhead readAhead(reader_, options_.batchSize);
    while (true) {
      readAhead.start(*next);
      runBatch(*current);
      readAhead.wait();
      std::swap(current, next);
      // A file whose rows are a whole number of batches ends on an empty one,
      // which is not upserted.
      if (current->filled == 0) break;
      if (current->end) {
        runBatch(*current);
        break;
      }
    }
    return std::move(total_);
  }

 private:
  void runBatch(Batch& b) {
    BulkResult batch =
        engine_.bulkUpsert(campaignId_, std::span<const LeadRow>(b.rows.data(), b.filled), bulkOptions_, scope_);
    total_.enrolled += batch.enrolled;
    total_.updated += batch.updated;
    total_.skipped += batch.skipped;
    total_.skippedActiveElsewhere += batch.skippedActiveElsewhere;
    total_.skippedRecentlyContacted += batch.skippedRecentlyContacted;
    total_.failed += batch.failed;
    total_.queued += batch.queued;
    total_.totalInCampaign = batch.totalInCampaign;
    addCounts(total_.missingTokens, batch.missingTokens);
    addCounts(total_.unknownFields, batch.unknownFields);
    for (RowError& error : batch.errors) {
      const std::size_t local = error.index;
      error.index = firstIndex_ + local;
      explainEncoding(error, b.rows[local]);
      rejects_.write(error, b.lines[local], b.raws[local]);
      if (total_.errors.size() < options_.keptErrors) total_.errors.push_back(std::move(error));
    }
    rejects_.flush();
    firstIndex_ += b.filled;
    if (options_.progress) options_.progress(b.bytesRead, b.totalBytes, firstIndex_);
  }

  CampaignEngine& engine_;
  std::string_view campaignId_;
  const ImportOptions& options_;
  const Scope& scope_;
  LeadFileReader& reader_;
  RejectsWriter rejects_;
  BulkOptions bulkOptions_;
  Batch batches_[2];            // the one being upserted and the one being read
  std::size_t firstIndex_ = 0;  // index in the file of the current batch's first row
  BulkResult total_;
};

}  // namespace

BulkResult importFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                      const ImportOptions& options, const Scope& scope) {
  if (options.batchSize == 0) throw Error(ErrorCode::invalid_argument, "the batch size must be at least 1");
  const std::unique_ptr<LeadFileReader> reader = LeadFileReader::open(path, options);
  return Importer(engine, campaignId, options, scope, *reader).run();
}

BulkResult importFile(CampaignEngine& engine, std::string_view campaignId, LeadFileReader& reader,
                      const ImportOptions& options, const Scope& scope) {
  if (options.batchSize == 0) throw Error(ErrorCode::invalid_argument, "the batch size must be at least 1");
  return Importer(engine, campaignId, options, scope, reader).run();
}

ImportPreview previewFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                          const ImportOptions& options, std::size_t rows, const Scope& scope) {
  const std::unique_ptr<LeadFileReader> reader = LeadFileReader::open(path, options);
  std::vector<LeadRow> batch;
  std::string raw;
  for (LeadRow row; batch.size() < rows && reader->next(row, raw);) batch.push_back(std::move(row));
  BulkOptions bulk;
  bulk.mode = options.mode;
  bulk.crossCampaign = options.crossCampaign;
  bulk.dryRun = true;
  bulk.details = true;
  ImportPreview preview{reader->layout(), engine.bulkUpsert(campaignId, std::span<const LeadRow>(batch), bulk, scope)};
  for (RowError& error : preview.result.errors) explainEncoding(error, batch[error.index]);
  return preview;
}

}  // namespace leadterra
