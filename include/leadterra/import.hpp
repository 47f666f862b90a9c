// leadterra/import.hpp: streaming import of lead files (CSV, JSON Lines) into
// a campaign, in batches (docs/import.md).
//
// A file of any size is read in constant memory: at most two batches of rows
// at a time (the next one read while one is written), each batch one
// CampaignEngine::bulkUpsert (one transaction). Because upserts are
// idempotent, an interrupted import can simply be run again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/export.hpp"
#include "leadterra/lead_row.hpp"

namespace leadterra {

class CampaignEngine;

// How a lead file is read (docs/import.md). ImportOptions holds these too.
enum class LeadFileFormat {
  detect,  // by the extension (.csv, .tsv, .jsonl, any case); for "-" (stdin),
           // by the first byte that is not blank: '{' is JSON Lines, else CSV
  csv,
  jsonl,
};

struct LeadFileOptions {
  // Default: detect.
  LeadFileFormat format = LeadFileFormat::detect;
  // CSV: the byte between cells, ',', ';' or '\t'. Default: '\0', found in
  // the header row (the one of the three it holds most often outside quotes).
  char delimiter = '\0';
  // CSV: header -> target, overriding the aliases. The header is matched as
  // written (trimmed), else ignoring case, spaces, '-', '_' and '.'. The
  // target is a standard field (email, firstName, lastName, company,
  // jobTitle, compared the same way), a customFields key (as written,
  // trimmed), or empty to leave the column out. A header that is not in the
  // file is an error. Default: empty.
  std::map<std::string, std::string> columns;
};

// What a CSV column feeds: `field` (a standard field's name), or
// `customKey` (a customFields key), or neither (left out by the map).
struct LeadFileColumn {
  std::string header;  // the header cell, trimmed
  std::string field;
  std::string customKey;
};

// How a reader reads its file, for people checking an import.
struct LeadFileLayout {
  LeadFileFormat format = LeadFileFormat::csv;  // csv or jsonl, never detect
  char delimiter = '\0';                        // CSV: the one in use; JSONL: '\0'
  std::vector<LeadFileColumn> columns;          // CSV: one per header cell, in order
};

// The rows of a lead file, read one at a time: what importFile reads, for
// callers that want to look at or change rows before upserting them. A
// reader does not judge values (emails, lengths, UTF-8): the engine does, so
// that a row of a file is accepted or rejected exactly as the same row in a
// bulk call. Only a CSV header row must be UTF-8. Not thread-safe; one
// reader per thread.
class LEADTERRA_EXPORT LeadFileReader {
 public:
  // A row (a CSV record or a JSONL line) longer than this cannot be a valid
  // lead (fields are capped at 1 KiB, customFields at 16 KiB); the reader
  // stops keeping its bytes there and reports it as malformed, so that one
  // broken row (an unclosed quote) cannot make memory grow with the file.
  static constexpr std::size_t kMaxRowBytes = std::size_t{1} << 20;

  virtual ~LeadFileReader() = default;

  // Opens `path`, or stdin for "-". Throws Error(invalid_argument) for a
  // file that cannot be opened, a format it cannot tell, a UTF-16 file, a
  // CSV header row that is not UTF-8, has no email column, maps two columns
  // to one field or names a delimiter it cannot tell, a map naming a header
  // the file does not have, or a delimiter or map given for JSON Lines.
  [[nodiscard]] static std::unique_ptr<LeadFileReader> open(const std::string& path,
                                                            const LeadFileOptions& options = {});

  // Reads the next row into `row` (reset first) and the row as read into
  // `raw` (a JSON object's text: the CSV header -> cell, or the JSONL line as
  // a JSON string when it is not an object). False at the end of the file.
  // A row the reader cannot read as a lead (a ragged CSV row, an unclosed
  // quote, a JSONL line that is not JSON) is RowDefect::malformed, with the
  // reason in its defectMessage. Throws Error(storage_error) when the file
  // cannot be read.
  virtual bool next(LeadRow& row, std::string& raw) = 0;

  // The format, delimiter and columns in use.
  [[nodiscard]] virtual const LeadFileLayout& layout() const = 0;

  // Bytes consumed so far and the file's size (0 for stdin), for progress.
  [[nodiscard]] virtual std::uint64_t bytesRead() const = 0;
  [[nodiscard]] virtual std::uint64_t totalBytes() const = 0;

  // The 1-based line of the file on which the last row read starts (a CSV
  // row may span lines inside quotes), for people looking for it.
  [[nodiscard]] virtual std::uint64_t lineNumber() const = 0;
};

// The reading options (format, delimiter, columns) and the import's own.
struct ImportOptions : LeadFileOptions {
  // Rows per bulkUpsert, that is per transaction. Default: 5,000, from
  // measurement (docs/import.md): a third to a half faster than 1,000-row
  // batches, the write lock held a fraction of a second per batch, and a
  // million-row import within 64 MB.
  std::size_t batchSize = 5000;
  // How each row writes into a lead that exists (bulk.hpp). With CSV, whose
  // empty cells are absent fields, `replace` clears every field left empty.
  // Default: merge.
  MergeMode mode = MergeMode::merge;
  // Rules that keep new emails out because of the workspace's other
  // campaigns, applied to every batch (bulk.hpp). Default: none.
  CrossCampaignRules crossCampaign;
  // When set: the file (created or emptied) receives one JSON line per failed
  // row, {"index", "line", "code", "message", "row"}, written after each batch.
  // Default: empty (none).
  std::string rejectsPath;
  // Called after each batch with (bytesRead, totalBytes, rowsSoFar).
  // Default: none.
  std::function<void(std::uint64_t, std::uint64_t, std::uint64_t)> progress;
  // How many failed rows the returned result keeps in `errors` (the first
  // ones); `failed` still counts them all and the rejects file holds them all.
  // Bounds memory when a large file fails row after row. Default: 1,000.
  std::size_t keptErrors = 1000;
};

// Imports the file; returns the results of all batches summed (errors carry
// the row's index in the file, 0-based over data rows; missingTokens summed).
// totalInCampaign is that of the last batch (a file without rows still makes
// one empty call, which checks the campaign and counts its leads).
// Throws Error(invalid_argument) for a batch size of 0, a file the reader
// refuses or a rejects file that cannot be created; the engine's errors
// (not_found, busy, storage_error) pass through, batches already imported
// staying imported.
[[nodiscard]] LEADTERRA_EXPORT BulkResult importFile(CampaignEngine& engine, std::string_view campaignId, const std::string& path,
                                    const ImportOptions& options = {}, const Scope& scope = {});

// The same from a reader the caller opened, or wraps to look at or change the
// rows on their way (the reading options of `options` are then unused). While
// the caller's thread upserts a batch, the next one is read on a second
// thread: the reader is used by one thread at a time, never two at once, and
// stops at the first exception, which is rethrown once the batches read
// before it are imported. The progress callback runs on the caller's thread.
[[nodiscard]] LEADTERRA_EXPORT BulkResult importFile(CampaignEngine& engine, std::string_view campaignId,
                                                     LeadFileReader& reader, const ImportOptions& options = {},
                                                     const Scope& scope = {});

// What previewFile found.
struct ImportPreview {
  LeadFileLayout layout;  // how the file is read
  BulkResult result;      // dryRun, with `rows`
};

// What importing the file would do, without writing: the file's layout and
// the dry-run result (BulkOptions::dryRun and details) of its first `rows`
// rows as one bulkUpsert, in options.mode. Reads no further than those rows;
// ignores batchSize, rejectsPath, progress and keptErrors. Throws as
// importFile does.
[[nodiscard]] LEADTERRA_EXPORT ImportPreview previewFile(CampaignEngine& engine, std::string_view campaignId,
                                                         const std::string& path, const ImportOptions& options = {},
                                                         std::size_t rows = 10, const Scope& scope = {});

}  // namespace leadterra
