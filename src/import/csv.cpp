// The readers behind LeadFileReader::open: CSV (RFC 4180) and JSON Lines.
//
// Both read through one fixed buffer and keep at most one row in memory, so
// a file of any size is read in constant memory. They do not judge values
// (emails, lengths, UTF-8): the engine does, so an imported row is rejected
// exactly as the same row sent to bulkUpsert. They only report what makes a
// row unreadable as a lead (RowDefect::malformed, with the reason).
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "import/columns.hpp"
#include "json/json_internal.hpp"
#include "leadterra/error.hpp"
#include "leadterra/import.hpp"
#include "leadterra/json.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::CsvTarget;
using detail::isCleanUtf8;
using detail::utf8CharLength;

namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
// Of an oversized JSONL line, the rejects file shows this much.
constexpr std::size_t kOversizedExcerptBytes = 1024;

[[noreturn]] void fail(std::string_view where, std::string_view problem) { detail::failFile(where, problem); }

// Appends `s` as a JSON string literal. With keepInvalid, bytes that are not
// UTF-8 pass through unchanged so that the engine sees (and reports) them as
// it would in any other input; otherwise they become U+FFFD so the output is
// always valid JSON.
void appendJsonString(std::string& out, std::string_view s, bool keepInvalid) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    // A run of printable ASCII other than '"' and '\\' goes out as it is, in one append.
    std::size_t end = i;
    while (end < s.size()) {
      const auto b = static_cast<unsigned char>(s[end]);
      if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
      ++end;
    }
    out.append(s.data() + i, end - i);
    i = end;
    if (i == s.size()) break;
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      const std::size_t length = utf8CharLength(s, i);
      if (length == 0) {
        if (keepInvalid) {
          out.push_back(c);
        } else {
          out.append("\xEF\xBF\xBD");
        }
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (u < 0x20) {
          out.append(fmt::format("\\u{:04x}", u));
        } else {
          out.push_back(c);
        }
    }
    ++i;
  }
  out.push_back('"');
}

// `s` with every ill-formed UTF-8 byte replaced by U+FFFD and every NUL by
// the six characters \u0000: a JSON text whose strings held them stays the
// same JSON text, now printable as valid UTF-8.
std::string printableJsonText(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t length = utf8CharLength(s, i);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else if (s[i] == '\0') {
      out.append("\\u0000");
      ++i;
    } else {
      out.append(s.substr(i, length));
      i += length;
    }
  }
  return out;
}

struct FileCloser {
  bool owned = true;  // false for stdin, which stays open
  void operator()(std::FILE* f) const noexcept {
    if (owned) std::fclose(f);
  }
};

// A read-only file, or stdin, consumed byte by byte through one fixed buffer.
class ByteSource {
 public:
  // `path`, or stdin for "-". Skips a UTF-8 byte order mark; refuses UTF-16.
  explicit ByteSource(const std::string& path) : buffer_(kBufferBytes) {
    if (path == "-") {
      file_ = std::unique_ptr<std::FILE, FileCloser>(stdin, FileCloser{false});
      where_ = "stdin";
    } else {
      file_.reset(std::fopen(path.c_str(), "rb"));
      where_ = path;
      if (!file_) fail(path, fmt::format("cannot open: {}", std::generic_category().message(errno)));
      std::error_code ec;
      size_ = std::filesystem::file_size(path, ec);
      if (ec) size_ = 0;
    }
    if (!refill() || end_ < 2) return;
    // A UTF-8 byte order mark (as spreadsheet programs write) is not data.
    if (end_ >= 3 && buffer_[0] == '\xEF' && buffer_[1] == '\xBB' && buffer_[2] == '\xBF') pos_ = 3;
    if ((buffer_[0] == '\xFF' && buffer_[1] == '\xFE') || (buffer_[0] == '\xFE' && buffer_[1] == '\xFF')) {
      fail(where_, "the file is UTF-16 (it starts with a UTF-16 byte order mark); convert it to UTF-8 first, "
                   "e.g. iconv -f UTF-16 -t UTF-8 in.csv > out.csv");
    }
  }

  // The file's name in messages: its path, or "stdin".
  [[nodiscard]] const std::string& where() const { return where_; }

  static constexpr int kEnd = -1;

  int peek() {
    if (pos_ == end_ && !refill()) return kEnd;
    return static_cast<unsigned char>(buffer_[pos_]);
  }
  int get() {
    const int c = peek();
    if (c != kEnd) ++pos_;
    return c;
  }

  // The bytes buffered from the current position on (empty at the end of the
  // file), for readers that scan ahead; advance() consumes them.
  std::string_view window() {
    if (pos_ == end_) refill();
    return {buffer_.data() + pos_, end_ - pos_};
  }
  void advance(std::size_t n) { pos_ += n; }

  [[nodiscard]] std::uint64_t consumed() const { return before_ + pos_; }
  [[nodiscard]] std::uint64_t size() const { return size_; }

 private:
  bool refill() {
    before_ += end_;
    pos_ = 0;
    end_ = std::fread(buffer_.data(), 1, buffer_.size(), file_.get());
    if (end_ == 0 && std::ferror(file_.get())) {
      throw Error(ErrorCode::storage_error, fmt::format("{}: read error", where_));
    }
    return end_ > 0;
  }

  std::unique_ptr<std::FILE, FileCloser> file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::uint64_t before_ = 0;  // bytes of the file before buffer_[0]
  std::uint64_t size_ = 0;    // 0 when unknown (stdin)
  std::string where_;
};

// ---- CSV ----

// The delimiter of the header row (the text from the start of the file):
// of ',', ';' and a tab, the one it holds most often outside quotes; ','
// when it holds none. Two held equally often cannot be told apart.
char detectDelimiter(std::string_view text, std::string_view where) {
  constexpr char kCandidates[] = {',', ';', '\t'};
  std::size_t counts[std::size(kCandidates)] = {};
  bool quoted = false;
  bool started = false;  // past the blank lines before the header
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') {
      if (started) break;
      continue;
    }
    started = true;
    for (std::size_t k = 0; k < std::size(kCandidates); ++k) counts[k] += c == kCandidates[k] ? 1 : 0;
  }
  std::size_t best = 0;
  for (std::size_t k = 1; k < std::size(kCandidates); ++k) {
    if (counts[k] > counts[best]) best = k;
  }
  for (std::size_t k = 0; k < std::size(kCandidates); ++k) {
    if (k != best && counts[k] > 0 && counts[k] == counts[best]) {
      const auto shown = [](char c) { return c == '\t' ? std::string("tab") : fmt::format("'{}'", c); };
      fail(where, fmt::format("the header row holds as many {} as {}; say which one separates the cells (--delimiter)",
                              shown(kCandidates[best]), shown(kCandidates[k])));
    }
  }
  return kCandidates[best];
}

// The header row must be UTF-8: its names become keys. A file in another
// encoding is refused with how to convert it, never read by a guess.
void checkHeaderText(const std::vector<std::string>& cells, std::string_view where) {
  for (std::size_t column = 0; column < cells.size(); ++column) {
    const std::string& cell = cells[column];
    for (std::size_t i = 0; i < cell.size();) {
      if (cell[i] == '\0') {
        fail(where, "the header row has a NUL byte: the file is probably UTF-16; convert it to UTF-8 first, "
                    "e.g. iconv -f UTF-16LE -t UTF-8 in.csv > out.csv");
      }
      const std::size_t length = utf8CharLength(cell, i);
      if (length == 0) {
        fail(where, fmt::format("the header row is not UTF-8 (column {} has the byte 0x{:02X}): the file is probably "
                                "Windows-1252 or Latin-1; convert it to UTF-8 first, e.g. "
                                "iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv",
                                column + 1, static_cast<unsigned char>(cell[i])));
      }
      i += length;
    }
  }
}

// RFC 4180 with the usual leniencies: CR, LF or CRLF end a record; a quote
// inside an unquoted cell is a literal character; blank lines are skipped.
// The delimiter is ',', ';' or a tab.
class CsvReader final : public LeadFileReader {
 public:
  CsvReader(ByteSource in, const LeadFileOptions& options) : in_(std::move(in)) {
    const std::string& where = in_.where();
    delimiter_ = options.delimiter != '\0' ? options.delimiter : detectDelimiter(in_.window(), where);
    if (!readRecord()) fail(where, "the file is empty; a CSV file needs a header row naming its columns");
    if (problem_ != Problem::none) fail(where, fmt::format("the header row is malformed: {}", describe()));
    const std::vector<std::string> header(cells_.begin(), cells_.begin() + static_cast<std::ptrdiff_t>(count_));
    checkHeaderText(header, where);
    detail::CsvColumns plan = detail::planCsvColumns(header, options.columns, where);
    layout_ = LeadFileLayout{LeadFileFormat::csv, delimiter_, std::move(plan.columns)};
    targets_ = std::move(plan.targets);
    names_ = std::move(plan.rawNames);
  }

  bool next(LeadRow& row, std::string& raw) override {
    do {
      if (!readRecord()) return false;
    } while (problem_ == Problem::none && isBlankRecord());

    row = LeadRow{};
    LeadInput& in = row.lead;
    raw.assign("{");
    std::string custom;
    bool extraText = false;
    for (std::size_t i = 0; i < count_; ++i) {
      const std::string& cell = cells_[i];
      if (i > 0) raw.push_back(',');
      if (i < names_.size()) {
        appendJsonString(raw, names_[i], false);
      } else {
        appendJsonString(raw, fmt::format("(column {})", i + 1), false);
      }
      raw.push_back(':');
      appendJsonString(raw, cell, false);

      if (i >= names_.size()) {
        extraText = extraText || !cell.empty();
        continue;
      }
      if (cell.empty()) continue;  // an empty cell is an absent field
      switch (targets_[i]) {
        case CsvTarget::email: in.email = cell; break;
        case CsvTarget::firstName: in.firstName = cell; break;
        case CsvTarget::lastName: in.lastName = cell; break;
        case CsvTarget::company: in.company = cell; break;
        case CsvTarget::jobTitle: in.jobTitle = cell; break;
        case CsvTarget::custom:
          custom.push_back(custom.empty() ? '{' : ',');
          appendJsonString(custom, layout_.columns[i].customKey, false);
          custom.push_back(':');
          appendJsonString(custom, cell, true);
          break;
        case CsvTarget::leftOut: break;
      }
    }
    raw.push_back('}');
    if (!custom.empty()) in.customFields = custom + '}';

    if (problem_ != Problem::none) {
      row.defectMessage = describe();
    } else if (extraText) {
      row.defectMessage = fmt::format("the row has {} cells but the header has {} columns", count_, names_.size());
    }
    if (!row.defectMessage.empty()) row.defect = RowDefect::malformed;
    return true;
  }

  [[nodiscard]] const LeadFileLayout& layout() const override { return layout_; }
  [[nodiscard]] std::uint64_t bytesRead() const override { return in_.consumed(); }
  [[nodiscard]] std::uint64_t totalBytes() const override { return in_.size(); }
  [[nodiscard]] std::uint64_t lineNumber() const override { return recordLine_; }

 private:
  enum class Problem { none, unclosedQuote, textAfterQuote, oversized };

  [[nodiscard]] std::string describe() const {
    switch (problem_) {
      case Problem::unclosedQuote:
        return "a quoted cell is not closed before the end of the file";
      case Problem::textAfterQuote:
        return "a quoted cell has text after its closing quote";
      case Problem::oversized:
        return fmt::format("the row is longer than {} bytes", kMaxRowBytes);
      case Problem::none:
        break;
    }
    return {};
  }

  // Every cell empty, as spreadsheet programs write for trailing rows.
  [[nodiscard]] bool isBlankRecord() const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (!cells_[i].empty()) return false;
    }
    return true;
  }

  std::string& newCell() {
    if (count_ == cells_.size()) cells_.emplace_back();
    cells_[count_].clear();
    return cells_[count_++];
  }

  void keep(std::string& cell, std::string_view bytes) {
    if (rowBytes_ + bytes.size() > kMaxRowBytes) {
      problem_ = Problem::oversized;
      return;
    }
    rowBytes_ += bytes.size();
    cell.append(bytes);
  }

  void countLineEnd(int c) {
    // A line ends at LF, or at a CR not followed by LF.
    if (c == '\n' || (c == '\r' && in_.peek() != '\n')) ++line_;
  }

  // Reads one record into cells_[0, count_). False at the end of the file.
  bool readRecord() {
    for (int c = in_.peek(); c == '\n' || c == '\r'; c = in_.peek()) {  // blank lines
      in_.get();
      countLineEnd(c);
    }
    if (in_.peek() == ByteSource::kEnd) return false;
    recordLine_ = line_ + 1;
    count_ = 0;
    rowBytes_ = 0;
    problem_ = Problem::none;

    while (true) {
      std::string& cell = newCell();
      if (in_.peek() == '"') {
        in_.get();
        if (!readQuoted(cell)) {
          problem_ = Problem::unclosedQuote;
          return true;
        }
        // Text after the closing quote ("a"b) is kept in the cell as read,
        // but makes the row malformed: it usually means broken quoting.
        if (const int c = in_.peek(); c != delimiter_ && c != '\n' && c != '\r' && c != ByteSource::kEnd) {
          readUnquoted(cell);
          if (problem_ == Problem::none) problem_ = Problem::textAfterQuote;
        }
      } else {
        readUnquoted(cell);
      }
      const int c = in_.get();
      if (c == delimiter_) continue;
      if (c == '\r' && in_.peek() == '\n') in_.get();
      if (c != ByteSource::kEnd) ++line_;
      return true;
    }
  }

  // Up to the next delimiter, CR, LF or the end of the file, scanning the buffer.
  void readUnquoted(std::string& cell) {
    while (true) {
      const std::string_view window = in_.window();
      if (window.empty()) return;
      std::size_t n = 0;
      while (n < window.size() && window[n] != delimiter_ && window[n] != '\n' && window[n] != '\r') ++n;
      keep(cell, window.substr(0, n));
      in_.advance(n);
      if (n < window.size()) return;
    }
  }

  // After the opening quote, through the closing one. False when the file
  // ends first.
  bool readQuoted(std::string& cell) {
    while (true) {
      const std::string_view window = in_.window();
      if (window.empty()) return false;
      std::size_t n = 0;
      while (n < window.size() && window[n] != '"' && window[n] != '\n' && window[n] != '\r') ++n;
      keep(cell, window.substr(0, n));
      in_.advance(n);
      if (n == window.size()) continue;
      const int c = in_.get();
      if (c == '"') {
        if (in_.peek() != '"') return true;
        in_.get();  // a doubled quote is one quote character
        keep(cell, "\"");
      } else {
        keep(cell, c == '\n' ? "\n" : "\r");  // line breaks inside quotes are data
        countLineEnd(c);
      }
    }
  }

  ByteSource in_;
  char delimiter_ = ',';
  LeadFileLayout layout_;
  std::vector<CsvTarget> targets_;  // of each header column
  std::vector<std::string> names_;  // of each header column in the row as read
  std::vector<std::string> cells_;  // reused from row to row; count_ in use
  std::size_t count_ = 0;
  std::size_t rowBytes_ = 0;
  Problem problem_ = Problem::none;
  std::uint64_t line_ = 0;  // lines completed so far
  std::uint64_t recordLine_ = 0;
};

// ---- JSON Lines ----

// One JSON object per line; blank lines (only spaces, tabs, CR) are skipped.
class JsonlReader final : public LeadFileReader {
 public:
  explicit JsonlReader(ByteSource in) : in_(std::move(in)) {}

  bool next(LeadRow& row, std::string& raw) override {
    std::string_view text;
    bool oversized = false;
    do {
      if (!readLine(oversized)) return false;
      text = line_;
      while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
      while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    } while (text.empty() && !oversized);

    if (oversized) {
      row = LeadRow{};
      row.defect = RowDefect::malformed;
      row.defectMessage = fmt::format("the line is longer than {} bytes", kMaxRowBytes);
      raw.clear();
      appendJsonString(raw, text.substr(0, kOversizedExcerptBytes), false);
      return true;
    }
    // The parser reads a few bytes past the text: line_ keeps room for them
    // (readLine), so each line is read where it is, by one parser.
    row = detail::parseLead(text, static_cast<std::size_t>(line_.data() + line_.capacity() - text.data()));
    if (row.defect == RowDefect::malformed) {
      raw.clear();
      appendJsonString(raw, text, false);
      const bool isJson = nlohmann::json::accept(isCleanUtf8(text) ? std::string(text) : printableJsonText(text));
      row.defectMessage = isJson ? "the line is not a JSON object" : "the line is not valid JSON";
    } else if (isCleanUtf8(text)) {
      raw.assign(text);
    } else {
      raw = printableJsonText(text);
    }
    return true;
  }

  [[nodiscard]] const LeadFileLayout& layout() const override { return layout_; }
  [[nodiscard]] std::uint64_t bytesRead() const override { return in_.consumed(); }
  [[nodiscard]] std::uint64_t totalBytes() const override { return in_.size(); }
  [[nodiscard]] std::uint64_t lineNumber() const override { return lineNumber_; }

 private:
  // Reads up to the next LF (dropped) into line_, keeping at most kMaxRowBytes.
  bool readLine(bool& oversized) {
    line_.clear();
    oversized = false;
    std::string_view window = in_.window();
    if (window.empty()) return false;
    ++lineNumber_;
    while (!window.empty()) {
      const std::size_t lf = window.find('\n');
      const std::string_view part = window.substr(0, lf);
      if (line_.size() + part.size() > kMaxRowBytes) {
        oversized = true;
        line_.append(part.substr(0, kMaxRowBytes - line_.size()));
      } else {
        line_.append(part);
      }
      if (lf != std::string_view::npos) {
        in_.advance(lf + 1);
        padLine();
        return true;
      }
      in_.advance(window.size());
      window = in_.window();
    }
    padLine();
    return true;
  }

  // Room after the line for the parser's reads past its end.
  void padLine() {
    if (line_.capacity() < line_.size() + json::kReadPadding) line_.reserve(line_.size() + json::kReadPadding);
  }

  ByteSource in_;
  LeadFileLayout layout_{LeadFileFormat::jsonl, '\0', {}};
  std::string line_;
  std::uint64_t lineNumber_ = 0;
};

bool hasExtension(const std::string& path, std::string_view extension) {
  const std::string actual = std::filesystem::path(path).extension().string();
  if (actual.size() != extension.size()) return false;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const char c = actual[i];
    if (((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c) != extension[i]) return false;
  }
  return true;
}

LeadFileFormat formatByExtension(const std::string& path) {
  if (hasExtension(path, ".csv") || hasExtension(path, ".tsv")) return LeadFileFormat::csv;
  if (hasExtension(path, ".jsonl")) return LeadFileFormat::jsonl;
  fail(path, "unknown file type; import reads .csv, .tsv and .jsonl files, or give the format (--format csv|jsonl)");
}

// The format of a stream by its first byte that is not blank: '{' starts a
// JSON Lines file (a CSV header does not start so); anything else is CSV.
LeadFileFormat formatByContent(std::string_view text) {
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c == '{' ? LeadFileFormat::jsonl : LeadFileFormat::csv;
  }
  return LeadFileFormat::csv;
}

}  // namespace

std::unique_ptr<LeadFileReader> LeadFileReader::open(const std::string& path, const LeadFileOptions& options) {
  const bool isStdin = path == "-";
  const std::string_view where = isStdin ? std::string_view("stdin") : std::string_view(path);
  const char d = options.delimiter;
  if (d != '\0' && d != ',' && d != ';' && d != '\t') fail(where, "the delimiter must be ',', ';' or a tab");
  LeadFileFormat format = options.format;
  if (format == LeadFileFormat::detect && !isStdin) format = formatByExtension(path);
  ByteSource in(path);
  if (format == LeadFileFormat::detect) format = formatByContent(in.window());
  if (format == LeadFileFormat::csv) return std::make_unique<CsvReader>(std::move(in), options);
  if (d != '\0' || !options.columns.empty()) {
    fail(where, "a delimiter or a column map applies to CSV only, and this file is read as JSON Lines");
  }
  return std::make_unique<JsonlReader>(std::move(in));
}

}  // namespace leadterra
