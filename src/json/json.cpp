// The JSON adapter (leadterra/json.hpp): lead bodies and .jsonl lines read
// with simdjson (On-Demand), everything else over nlohmann_json.
//
// Readers map untyped JSON onto LeadRow without judging the values: the
// engine validates them (emails, lengths, UTF-8, NUL) so that the library and
// the CLI reject exactly the same rows with the same codes. The readers only
// record what the types of the C++ surface cannot carry: a field of the wrong
// JSON type, a row that is not an object, and keys that are not lead fields.
#include "leadterra/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "json/json_internal.hpp"
#include "leadterra/error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace leadterra {
namespace {

using detail::Json;
using detail::kDayNames;

std::string encodeUtf8(char32_t cp) {
  std::string out;
  out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
  out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  return out;
}

// nlohmann rejects a whole document for one ill-formed UTF-8 byte, but a bad
// row must fail alone (invalid_field) while the other rows proceed. So, before
// parsing, each ill-formed byte inside a string literal is replaced by a
// marker (a code point that occurs nowhere in the text, raw or escaped)
// followed by the byte in two hex digits; restore() turns markers back into
// the original bytes in the values read, and the engine then rejects that
// field with the code and message it gives any invalid UTF-8. An escaped lone
// surrogate ("\ud800") is valid JSON text but no UTF-8 string: it is marked
// the same way, as the three (ill-formed) bytes it would encode to (the
// readers below also read such escapes by themselves). simdjson, too,
// refuses the whole text for one ill-formed byte: a text is marked only
// after it was refused, so a well-formed text (the normal case) is read
// once, where it is.
class ByteMarker {
 public:
  // The text to hand to the parser.
  std::string_view prepare(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t n = detail::utf8CharLength(text, i);
      if (n == 0 || (text[i] == '\\' && surrogateAt(text, i + 1) >= 0)) break;
      i += n;
    }
    if (i == text.size() || !chooseMarker(text)) return text;

    marked_.reserve(text.size() + 16);
    bool inString = false;
    for (i = 0; i < text.size();) {
      const char c = text[i];
      if (inString && c == '\\' && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0x80) {
        const long unit = surrogateAt(text, i + 1);
        if (unit >= 0xD800 && unit <= 0xDBFF && text.substr(i + 6, 1) == "\\" &&
            surrogateAt(text, i + 7) >= 0xDC00) {
          marked_.append(text.substr(i, 12));  // a pair: one code point, well-formed
          i += 12;
        } else if (unit >= 0) {
          for (const long byte : {0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)}) {
            marked_ += marker_;
            marked_ += fmt::format("{:02X}", byte);
          }
          i += 6;
        } else {
          marked_.append(text.substr(i, 2));
          i += 2;
        }
        continue;
      }
      if (c == '"') inString = !inString;
      const std::size_t n = detail::utf8CharLength(text, i);
      if (n == 0 && inString) {
        marked_ += marker_;
        marked_ += fmt::format("{:02X}", static_cast<unsigned char>(c));
        ++i;
      } else {
        // Outside a string an ill-formed byte is a syntax error anyway.
        const std::size_t take = n == 0 ? 1 : n;
        marked_.append(text.substr(i, take));
        i += take;
      }
    }
    marked_.reserve(marked_.size() + json::kReadPadding);  // for the parser, see readBody
    return marked_;
  }

  [[nodiscard]] bool marks(std::string_view s) const {
    return !marker_.empty() && s.find(marker_) != std::string_view::npos;
  }

  // Bytes readable from the marked text's start (its buffer's capacity).
  [[nodiscard]] std::size_t readable() const { return marked_.capacity(); }

  [[nodiscard]] std::string restore(std::string s) const {
    if (!marks(s)) return s;
    std::string out;
    std::size_t pos = 0;
    for (std::size_t found; (found = s.find(marker_, pos)) != std::string::npos;) {
      out.append(s, pos, found - pos);
      const std::size_t hex = found + marker_.size();
      out.push_back(static_cast<char>(std::stoi(s.substr(hex, 2), nullptr, 16)));
      pos = hex + 2;
    }
    out.append(s, pos);
    return out;
  }

 private:
  // The UTF-16 surrogate (D800-DFFF) of a "uXXXX" escape at text[at], else -1.
  static long surrogateAt(std::string_view text, std::size_t at) {
    if (at + 5 > text.size() || text[at] != 'u') return -1;
    long unit = 0;
    for (std::size_t k = at + 1; k < at + 5; ++k) {
      const char h = text[k];
      if (h >= '0' && h <= '9') {
        unit = unit * 16 + (h - '0');
      } else if ((h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')) {
        unit = unit * 16 + ((h | 0x20) - 'a' + 10);
      } else {
        return -1;
      }
    }
    return unit >= 0xD800 && unit <= 0xDFFF ? unit : -1;
  }

  // A private-use code point of plane 16 absent from the text, both as UTF-8
  // and as a \u surrogate-pair escape. False when every candidate occurs.
  bool chooseMarker(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (char32_t cp = 0x10FFFD; cp >= 0x100000; --cp) {
      const std::string utf8 = encodeUtf8(cp);
      const std::string escaped = fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + ((cp - 0x10000) >> 10),
                                              0xDC00 + ((cp - 0x10000) & 0x3FF));
      if (text.find(utf8) == std::string_view::npos && lower.find(escaped) == std::string::npos) {
        marker_ = utf8;
        return true;
      }
    }
    return false;
  }

  std::string marker_;  // empty: the text was well-formed
  std::string marked_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string parserMessage(const std::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with("[json.exception.")) {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

// Why nlohmann's parser refuses `text` (": " and its message), for the
// message of a refused body; read without building a document.
class FirstProblem final : public nlohmann::json_sax<Json> {
 public:
  std::string message;
  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*size*/) override { return true; }
  bool key(string_t& /*value*/) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t /*size*/) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& e) override {
    message = parserMessage(e);
    return false;
  }
};

std::string parserProblem(std::string_view text) {
  FirstProblem problem;
  (void)Json::sax_parse(text, &problem);
  return problem.message.empty() ? std::string() : ": " + problem.message;
}

Json parseDocument(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} is not valid JSON: {}", what, parserMessage(e)));
  }
}

// ---- Lead readers: simdjson On-Demand ----
//
// One pass over the bytes: simdjson indexes the text (and checks its UTF-8
// and its strings' control characters), the reader walks the "leads" array
// and each lead object, and builds no document. What the reader does not
// take apart itself (customFields, the values of unknown keys, elements that
// are not objects) is skipped by simdjson, which only counts brackets there;
// such a span is checked here (scanJson) so that the text is accepted or
// refused exactly as a full JSON parser (nlohmann's, which the readers used
// before) would. customFields reaches the engine as the object's own text,
// without a rewrite when it is compact.

namespace sj = simdjson::ondemand;

static_assert(json::kReadPadding >= simdjson::SIMDJSON_PADDING);

// Thrown inside the readers: the text is not JSON as read (it may still be
// once ill-formed bytes are marked, see ByteMarker).
struct NotJson {};

void require(bool ok) {
  if (!ok) throw NotJson{};
}
void require(simdjson::error_code e) {
  if (e != simdjson::SUCCESS) throw NotJson{};
}

std::string_view trimTrailingSpace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hexValue(char h) {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  if (h >= 'A' && h <= 'F') return h - 'A' + 10;
  return -1;
}

// The 16-bit unit of the four hex digits at s[at], or -1.
long hexUnit(std::string_view s, std::size_t at) {
  if (at + 4 > s.size()) return -1;
  long unit = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const int h = hexValue(s[k]);
    if (h < 0) return -1;
    unit = unit * 16 + h;
  }
  return unit;
}

void appendCodePoint(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {  // a lone surrogate too: the three (ill-formed) bytes it would encode to
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Checks a string's escape at s[i] (just after a backslash); returns the
// index after it, or npos. Sets `lone` for a \u escape of a lone surrogate
// (valid JSON text, but no UTF-8 string). Appends the unescaped bytes to
// `out` when it is given.
std::size_t escapeAt(std::string_view s, std::size_t i, bool& lone, std::string* out) {
  if (i >= s.size()) return std::string_view::npos;
  char plain = 0;
  switch (s[i]) {
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case '/': plain = '/'; break;
    case 'b': plain = '\b'; break;
    case 'f': plain = '\f'; break;
    case 'n': plain = '\n'; break;
    case 'r': plain = '\r'; break;
    case 't': plain = '\t'; break;
    case 'u': {
      const long unit = hexUnit(s, i + 1);
      if (unit < 0) return std::string_view::npos;
      std::uint32_t cp = static_cast<std::uint32_t>(unit);
      std::size_t next = i + 5;
      if (unit >= 0xD800 && unit <= 0xDBFF && next + 1 < s.size() && s[next] == '\\' && s[next + 1] == 'u') {
        const long low = hexUnit(s, next + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
          next += 6;
        }
      }
      if (cp >= 0xD800 && cp <= 0xDFFF) lone = true;
      if (out != nullptr) appendCodePoint(*out, cp);
      return next;
    }
    default:
      return std::string_view::npos;
  }
  if (out != nullptr) out->push_back(plain);
  return i + 1;
}

// The end (the closing quote) of the string whose content starts at `from`:
// simdjson has checked that the text's strings are closed.
const char* stringEnd(const char* from, bool& escaped) {
  escaped = false;
  for (const char* p = from;; ++p) {
    if (*p == '"') return p;
    if (*p == '\\') {
      escaped = true;
      ++p;
    }
  }
}

// A string's content (between its quotes, as written) unescaped. A lone
// surrogate becomes its three bytes, as ByteMarker marks them.
std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool lone = false;
  for (std::size_t i = 0; i < raw.size();) {
    if (raw[i] == '\\') {
      i = escapeAt(raw, i + 1, lone, &out);
      require(i != std::string_view::npos);
    } else {
      out.push_back(raw[i++]);
    }
  }
  return out;
}

// A member's key: its text in the document, or unescaped into `buffer`.
std::string_view keyText(sj::field& field, std::string& buffer) {
  const char* from = field.key().raw();
  bool escaped = false;
  const char* end = stringEnd(from, escaped);
  const std::string_view key(from, static_cast<std::size_t>(end - from));
  if (!escaped) return key;
  buffer = unescape(key);
  return buffer;
}

// What scanJson found in a span that holds one JSON value.
struct JsonScan {
  std::size_t depth = 0;       // of arrays and objects; 0 for a scalar
  bool compact = true;         // no whitespace between tokens
  bool loneSurrogate = false;  // a \u escape of a lone surrogate in a string or key
};

// A number at s[i]: JSON's grammar, and finite as a double, as nlohmann
// reads numbers ("1e999" is a parse error there).
std::size_t numberEnd(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  if (i < s.size() && s[i] == '-') ++i;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
  };
  const std::size_t intStart = i;
  const std::size_t intDigits = digits();
  if (intDigits == 0 || (s[intStart] == '0' && intDigits > 1)) return std::string_view::npos;
  bool plainInteger = intDigits <= 18;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return std::string_view::npos;
    plainInteger = false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return std::string_view::npos;
    plainInteger = false;
  }
  if (!plainInteger) {
    // Rare: a decimal or a long integer. Too large for a double is an error.
    std::string number(s.substr(start, i - start));
    const char point = *std::localeconv()->decimal_point;
    std::replace(number.begin(), number.end(), '.', point);
    if (!std::isfinite(std::strtod(number.c_str(), nullptr))) return std::string_view::npos;
  }
  return i;
}

// Checks that `s` is exactly one JSON value (RFC 8259, without leading or
// trailing whitespace) and measures it; NotJson if it is not. Iterative: a
// span may nest as deep as the text is long. The text's UTF-8 and its
// strings' control characters are checked by simdjson beforehand.
JsonScan scanJson(std::string_view s) {
  JsonScan scan;
  std::string open;  // the unclosed '{' and '['
  std::size_t i = 0;
  const auto space = [&] {
    if (i < s.size() && isJsonSpace(s[i])) {
      scan.compact = false;
      while (i < s.size() && isJsonSpace(s[i])) ++i;
    }
  };
  const auto quoted = [&] {  // at an opening quote
    ++i;
    while (true) {
      require(i < s.size());
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == '"') break;
      require(c >= 0x20);
      if (c == '\\') {
        i = escapeAt(s, i + 1, scan.loneSurrogate, nullptr);
        require(i != std::string_view::npos);
      } else {
        ++i;
      }
    }
    ++i;
  };
  const auto key = [&] {
    require(i < s.size() && s[i] == '"');
    quoted();
    space();
    require(i < s.size() && s[i] == ':');
    ++i;
    space();
  };
  while (true) {
    // A value.
    require(i < s.size());
    const char c = s[i];
    if (c == '{' || c == '[') {
      open.push_back(c);
      scan.depth = std::max(scan.depth, open.size());
      ++i;
      space();
      require(i < s.size());
      if (s[i] == (c == '{' ? '}' : ']')) {
        open.pop_back();
        ++i;
      } else {
        if (c == '{') key();
        continue;
      }
    } else if (c == '"') {
      quoted();
    } else if (c == 't' || c == 'f' || c == 'n') {
      const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
      require(s.substr(i, word.size()) == word);
      i += word.size();
    } else {
      i = numberEnd(s, i);
      require(i != std::string_view::npos);
    }
    // After a value: close containers, or go on to the next member.
    while (true) {
      space();
      if (open.empty()) {
        require(i == s.size());
        return scan;
      }
      require(i < s.size());
      if (s[i] == ',') {
        ++i;
        space();
        if (open.back() == '{') key();
        break;
      }
      require(s[i] == (open.back() == '{' ? '}' : ']'));
      open.pop_back();
      ++i;
    }
  }
}

// `s` without the whitespace between its tokens (it holds one valid value).
// Copied a span at a time: everything up to the next whitespace or string,
// then each string whole, through its closing quote.
std::string compacted(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = i;
    while (end < s.size() && s[end] != '"' && !isJsonSpace(s[end])) ++end;
    out.append(s.data() + i, end - i);
    if (end == s.size()) break;
    if (s[end] != '"') {  // whitespace between tokens: dropped
      i = end + 1;
      continue;
    }
    std::size_t close = end + 1;
    while (s[close] != '"') close += s[close] == '\\' ? 2 : 1;
    out.append(s.data() + end, close + 1 - end);
    i = close + 1;
  }
  return out;
}

constexpr std::string_view kCustomFields = "customFields";

struct StandardField {
  std::string_view name;
  FieldPatch LeadInput::*field;
};

// In the order their problems are reported: email first.
constexpr StandardField kStandardFields[] = {
    {"email", &LeadInput::email},       {"firstName", &LeadInput::firstName}, {"lastName", &LeadInput::lastName},
    {"company", &LeadInput::company},   {"jobTitle", &LeadInput::jobTitle},
};
constexpr std::size_t kStandardCount = std::size(kStandardFields);

// Reads rows out of one text. `marker` is set when the text was marked
// (ByteMarker): values and keys read are restored.
class LeadReader {
 public:
  explicit LeadReader(const ByteMarker* marker) : marker_(marker) {}

  // One lead object, into a fresh row.
  void readLead(sj::object& object, LeadRow& row) {
    enum class Got : unsigned char { absent, value, wrong };
    // Keys may repeat: as in a JSON document, the last one counts.
    Got standard[kStandardCount] = {};
    Got custom = Got::absent;
    LeadInput& in = row.lead;
    for (auto member : object) {
      sj::field field;
      require(std::move(member).get(field));
      const std::string_view key = keyOf(field);
      sj::value value = field.value();
      sj::json_type type;
      require(value.type().get(type));

      std::size_t f = 0;
      while (f < kStandardCount && kStandardFields[f].name != key) ++f;
      if (f < kStandardCount) {
        FieldPatch& patch = in.*kStandardFields[f].field;
        if (type == sj::json_type::string) {
          patch = readString(value);
          standard[f] = Got::value;
        } else if (type == sj::json_type::null) {
          requireNull(value);
          patch = FieldPatch::null();
          standard[f] = Got::value;
        } else {
          checkSpan(value, type);
          patch = FieldPatch();
          standard[f] = Got::wrong;
        }
      } else if (key == kCustomFields) {
        custom = readCustom(value, type, in.customFields) ? Got::value : Got::wrong;
      } else {
        if (std::find(row.unknownFields.begin(), row.unknownFields.end(), key) == row.unknownFields.end()) {
          row.unknownFields.emplace_back(key);
        }
        checkSpan(value, type);
      }
    }
    // The first wrong field is reported.
    for (std::size_t f = 0; f < kStandardCount && row.defect == RowDefect::none; ++f) {
      if (standard[f] == Got::wrong) wrongType(row, kStandardFields[f].name);
    }
    if (custom == Got::wrong) wrongType(row, kCustomFields);
  }

  // Any value, skipped after checking that it is JSON.
  void checkSpan(sj::value& value, sj::json_type type) { (void)scanJson(spanOf(value, type)); }

 private:
  static void wrongType(LeadRow& row, std::string_view field) {
    if (row.defect != RowDefect::none) return;
    row.defect = RowDefect::wrongType;
    row.defectField = std::string(field);
  }

  static void requireNull(sj::value& value) {
    bool isNull = false;
    require(value.is_null().get(isNull));
    require(isNull);
  }

  // The text of a value (an object or array whole), which simdjson does not
  // check beyond its brackets.
  static std::string_view spanOf(sj::value& value, sj::json_type type) {
    std::string_view span;
    if (type == sj::json_type::object) {
      sj::object object;
      require(value.get_object().get(object));
      require(object.raw_json().get(span));
    } else if (type == sj::json_type::array) {
      sj::array array;
      require(value.get_array().get(array));
      require(array.raw_json().get(span));
    } else {
      span = value.raw_json_token();
      // The token is left for simdjson to skip, which takes a string followed
      // by ':' for a key and skips its value too: in a value's place that is
      // no JSON. (The byte after a token is the next token's, or padding.)
      require(span.data()[span.size()] != ':');
    }
    return trimTrailingSpace(span);
  }

  // customFields: an object's text, or "null"; false for any other type or
  // an object that is no UTF-8 text (which the engine reports as its type).
  bool readCustom(sj::value& value, sj::json_type type, std::optional<std::string>& out) {
    out.reset();
    if (type == sj::json_type::null) {
      requireNull(value);
      out = "null";
      return true;
    }
    const std::string_view span = spanOf(value, type);
    const JsonScan scan = scanJson(span);
    if (type != sj::json_type::object) return false;
    if (scan.depth > detail::kMaxJsonDepth) {
      // The engine refuses text nested too deep (field_too_long); it gets an
      // object just past the limit, not the whole text (a 1 MiB line can
      // nest half a million levels).
      out = "{\"\":" + std::string(detail::kMaxJsonDepth, '[') + std::string(detail::kMaxJsonDepth, ']') + "}";
      return true;
    }
    if (scan.loneSurrogate || (marker_ != nullptr && marker_->marks(span))) return false;
    // The text as sent: the engine parses it when it is not flat and compact
    // (its fast path), and writes it back compact, in the members' order,
    // the last of a repeated key counting. Whitespace is taken out here, so
    // that spacing alone does not leave the fast path. Past the engine's
    // limit on the length of text before parsing (4 x 16 KiB), a text longer
    // only for its escapes or spelling is written as a JSON library writes
    // it, as the engine would judge that.
    std::string text = scan.compact ? std::string(span) : compacted(span);
    if (text.size() > 64 * 1024) text = Json::parse(text).dump();
    out = std::move(text);
    return true;
  }

  std::string_view keyOf(sj::field& field) {
    std::string_view key = keyText(field, keyBuffer_);
    if (marker_ != nullptr && marker_->marks(key)) {
      keyBuffer_ = marker_->restore(std::string(key));
      key = keyBuffer_;
    }
    return key;
  }

  std::string readString(sj::value& value) {
    sj::raw_json_string raw;
    require(value.get_raw_json_string().get(raw));
    bool escaped = false;
    const char* end = stringEnd(raw.raw(), escaped);
    const std::string_view content(raw.raw(), static_cast<std::size_t>(end - raw.raw()));
    std::string s = escaped ? unescape(content) : std::string(content);
    if (marker_ != nullptr) s = marker_->restore(std::move(s));
    return s;
  }

  const ByteMarker* marker_;
  std::string keyBuffer_;
};

// A UTF-8 byte order mark at the start is skipped, as nlohmann's parser
// skips it; simdjson leaves that to the caller.
void skipByteOrderMark(std::string_view& text, std::size_t& readable) {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
    readable -= 3;
  }
}

// Whether the document has nothing after its value.
bool atEnd(sj::document& doc) { return doc.current_location().error() == simdjson::OUT_OF_BOUNDS; }

// A parser kept per thread for small texts (JSONL lines, small bodies). A
// large body gets a parser of its own, freed with it: a parser keeps buffers
// of a few times the largest text it has read.
constexpr std::size_t kKeptParserBytes = 1 << 20;

sj::parser& keptParser() {
  thread_local sj::parser parser;
  return parser;
}

template <class F>
auto withParser(std::size_t size, F&& f) {
  if (size <= kKeptParserBytes) return f(keptParser());
  sj::parser own;
  return f(own);
}

// A body whose bytes from data to data + capacity are readable.
std::vector<LeadRow> readBody(const char* data, std::size_t size, std::size_t capacity, const ByteMarker* marker) {
  return withParser(size, [&](sj::parser& parser) {
    sj::document doc;
    require(parser.iterate(data, size, capacity).get(doc));
    sj::json_type type;
    require(doc.type().get(type));
    if (type != sj::json_type::object) {
      std::string_view text(data, size);
      while (!text.empty() && isJsonSpace(text.front())) text.remove_prefix(1);
      (void)scanJson(trimTrailingSpace(text));
      throw Error(ErrorCode::invalid_argument, R"(the bulk body must be a JSON object {"leads": [...]})");
    }
    sj::object root;
    require(doc.get_object().get(root));
    LeadReader reader(marker);
    std::vector<LeadRow> rows;
    bool hasLeads = false;  // the last "leads" key is an array
    for (auto member : root) {
      sj::field field;
      require(std::move(member).get(field));
      std::string buffer;
      const bool isLeads = keyText(field, buffer) == "leads";
      sj::value value = field.value();
      require(value.type().get(type));
      if (isLeads) {
        rows.clear();
        hasLeads = type == sj::json_type::array;
        if (!hasLeads) {
          reader.checkSpan(value, type);
          continue;
        }
        sj::array leads;
        require(value.get_array().get(leads));
        std::size_t count = 0;
        require(leads.count_elements().get(count));
        rows.reserve(count);
        for (auto element : leads) {
          sj::value item;
          require(std::move(element).get(item));
          require(item.type().get(type));
          LeadRow& row = rows.emplace_back();
          if (type == sj::json_type::object) {
            sj::object object;
            require(item.get_object().get(object));
            reader.readLead(object, row);
          } else {
            row.defect = RowDefect::malformed;
            reader.checkSpan(item, type);
          }
        }
      } else {
        reader.checkSpan(value, type);
      }
    }
    require(atEnd(doc));
    if (!hasLeads) throw Error(ErrorCode::invalid_argument, R"(the bulk body has no "leads" array)");
    return rows;
  });
}

// One lead object, as readBody reads each element.
LeadRow readLine(const char* data, std::size_t size, std::size_t capacity, const ByteMarker* marker) {
  return withParser(size, [&](sj::parser& parser) {
    sj::document doc;
    require(parser.iterate(data, size, capacity).get(doc));
    sj::json_type type;
    require(doc.type().get(type));
    LeadRow row;
    if (type != sj::json_type::object) {
      row.defect = RowDefect::malformed;
      return row;
    }
    sj::object object;
    require(doc.get_object().get(object));
    LeadReader(marker).readLead(object, row);
    require(atEnd(doc));
    return row;
  });
}

Json optionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// Whole days print as integers (3, not 3.0); fractions as they are.
Json delayValue(double days) {
  if (std::isfinite(days) && std::floor(days) == days && std::fabs(days) < 9.0e15) {
    return Json(static_cast<std::int64_t>(days));
  }
  return Json(days);
}

// The keys of a campaign document that carry its sending rules.
constexpr std::string_view kScheduleKeys[] = {"timeZone", "sendWindow", "dailyCap"};

bool isScheduleKey(std::string_view key) {
  for (const std::string_view k : kScheduleKeys) {
    if (k == key) return true;
  }
  return false;
}

// A JSON integer (not 9.0, not "9") that fits in int64.
std::optional<std::int64_t> wholeNumber(const Json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

[[noreturn]] void scheduleProblem(const std::string& problem) { throw Error(ErrorCode::invalid_argument, problem); }

// An hour of a window; the engine checks the range, this only keeps the
// value an int so that a wild number cannot wrap into the range.
int windowHour(const Json& value, std::string_view key) {
  const auto n = wholeNumber(value);
  if (!n || *n < -1000 || *n > 1000) scheduleProblem(fmt::format(R"("sendWindow": "{}" must be a whole number)", key));
  return static_cast<int>(*n);
}

SendWindow windowFromValue(const Json& value) {
  if (!value.is_object()) {
    scheduleProblem(R"("sendWindow" must be null or an object {"days": [...], "startHour", "endHour"})");
  }
  SendWindow w;
  for (const auto& [key, item] : value.items()) {
    if (key == "days") {
      if (!item.is_array()) scheduleProblem(R"("sendWindow": "days" must be an array like ["mon", "tue"])");
      w.days.fill(false);
      for (const Json& day : item) {
        const std::string_view* found = nullptr;
        if (day.is_string()) {
          found = std::find(std::begin(kDayNames), std::end(kDayNames), day.get_ref<const std::string&>());
        }
        if (found == nullptr || found == std::end(kDayNames)) {
          scheduleProblem(fmt::format(
              R"("sendWindow": {} is not a day; write "mon", "tue", "wed", "thu", "fri", "sat" or "sun")",
              detail::dump(day)));
        }
        w.days[static_cast<std::size_t>(found - std::begin(kDayNames))] = true;
      }
    } else if (key == "startHour") {
      w.startHour = windowHour(item, key);
    } else if (key == "endHour") {
      w.endHour = windowHour(item, key);
    } else {
      scheduleProblem(fmt::format(R"("sendWindow": unknown key "{}")", key));
    }
  }
  return w;
}

}  // namespace

namespace detail {

// {"minSendsPerVariant", "minHours"}, both optional.
WinnerRule winnerRuleFrom(const Json& value, const std::string& where) {
  const auto fail = [&where](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, where + ": \"winnerRule\": " + problem);
  };
  if (!value.is_object()) fail("must be an object or null");
  WinnerRule rule;
  for (const auto& [key, v] : value.items()) {
    if (key == "minSendsPerVariant") {
      if (!v.is_number_integer()) fail(R"("minSendsPerVariant" must be a whole number)");
      rule.minSendsPerVariant = v.get<std::int64_t>();
    } else if (key == "minHours") {
      if (!v.is_number()) fail(R"("minHours" must be a number)");
      rule.minHours = v.get<double>();
    } else {
      fail(fmt::format("unknown key \"{}\"", key));
    }
  }
  return rule;
}

// [{"label", "subject", "body", "weight"}, ...]; label and weight optional.
std::vector<StepVariant> variantsFrom(const Json& value, const std::string& where) {
  if (!value.is_array()) throw Error(ErrorCode::invalid_argument, where + R"(: "variants" must be an array)");
  std::vector<StepVariant> out;
  for (const Json& item : value) {
    const std::string at = fmt::format("{}: variant {}", where, out.size() + 1);
    const auto fail = [&at](const std::string& problem) {
      throw Error(ErrorCode::invalid_argument, at + ": " + problem);
    };
    if (!item.is_object()) fail("must be an object {\"subject\", \"body\", ...}");
    StepVariant v;
    bool hasSubject = false;
    bool hasBody = false;
    for (const auto& [key, field] : item.items()) {
      if (key == "label" || key == "subject" || key == "body") {
        if (!field.is_string()) fail(fmt::format("\"{}\" must be a string", key));
        (key == "label" ? v.label : key == "subject" ? v.subject : v.body) = field.get<std::string>();
        if (key == "subject") hasSubject = true;
        if (key == "body") hasBody = true;
      } else if (key == "weight") {
        if (!field.is_number()) fail(R"("weight" must be a number)");
        v.weight = field.get<double>();
      } else {
        fail(fmt::format("unknown key \"{}\"", key));
      }
    }
    if (!hasSubject) fail(R"("subject" is missing)");
    if (!hasBody) fail(R"("body" is missing)");
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace detail

namespace {

// One step object, {"subject", "body", "format", "delayDays"}; a problem is
// reported as `where` + ": " + what is wrong.
Step stepFromValue(const Json& item, const std::string& where) {
  const auto fail = [&where](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, where + ": " + problem);
  };
  Step step;
  bool hasSubject = false;
  bool hasBody = false;
  for (const auto& [key, value] : item.items()) {
    if (key == "variants") {
      step.variants = detail::variantsFrom(value, where);
    } else if (key == "winnerRule") {
      if (!value.is_null()) step.winnerRule = detail::winnerRuleFrom(value, where);
    } else if (key == "subject" || key == "body") {
      if (!value.is_string()) fail(fmt::format("\"{}\" must be a string", key));
      (key == "subject" ? step.subject : step.body) = value.get<std::string>();
      (key == "subject" ? hasSubject : hasBody) = true;
    } else if (key == "format") {
      const auto format = value.is_string() ? parseStepFormat(value.get<std::string>()) : std::nullopt;
      if (!format) fail(R"("format" must be "text" or "html")");
      step.format = *format;
    } else if (key == "delayDays") {
      const double days = value.is_number() ? value.get<double>() : -1.0;
      if (!(days >= 0) || !std::isfinite(days)) fail(R"("delayDays" must be a number >= 0)");
      step.delayDays = days;
    } else {
      fail(fmt::format("unknown key \"{}\"", key));
    }
  }
  // A step with variants keeps its text in them.
  if (step.variants.empty()) {
    if (!hasSubject) fail(R"("subject" is missing)");
    if (!hasBody) fail(R"("body" is missing)");
  }
  return step;
}

}  // namespace

// ---- Values (json_internal.hpp) ----

namespace detail {

Json timestampValue(Timestamp t) { return Json(formatIso(t)); }

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json toJsonValue(const BulkResult& result) {
  Json out = Json::object();
  out["enrolled"] = result.enrolled;
  out["updated"] = result.updated;
  out["skipped"] = result.skipped;
  out["totalInCampaign"] = result.totalInCampaign;
  out["failed"] = result.failed;
  out["queued"] = result.queued;
  // Only when not zero: a call without cross-campaign rules keeps its shape.
  if (result.skippedActiveElsewhere != 0) out["skippedActiveElsewhere"] = result.skippedActiveElsewhere;
  if (result.skippedRecentlyContacted != 0) out["skippedRecentlyContacted"] = result.skippedRecentlyContacted;
  Json errors = Json::array();
  for (const RowError& e : result.errors) {
    Json row = Json::object();
    row["index"] = e.index;
    row["email"] = e.email;
    row["code"] = std::string(toString(e.code));
    row["message"] = e.message;
    errors.push_back(std::move(row));
  }
  out["errors"] = std::move(errors);
  if (!result.missingTokens.empty()) out["missingTokens"] = result.missingTokens;
  if (!result.unknownFields.empty()) out["unknownFields"] = result.unknownFields;
  // The flags before the rows, so that a long preview still says up front
  // that nothing was written.
  if (result.dryRun) out["dryRun"] = true;
  if (result.replayed) out["replayed"] = true;
  if (!result.rows.empty()) {
    Json rows = Json::array();
    for (const RowResult& r : result.rows) {
      Json row = Json::object();
      row["index"] = r.index;
      row["email"] = r.email;
      row["outcome"] = std::string(toString(r.outcome));
      if (r.code) row["code"] = std::string(toString(*r.code));
      rows.push_back(std::move(row));
    }
    out["rows"] = std::move(rows);
  }
  return out;
}

BulkResult bulkResultFromJson(std::string_view text) {
  auto code = [](const Json& j) {
    if (auto c = parseRowCode(j.get<std::string>())) return *c;
    throw Error(ErrorCode::storage_error, fmt::format("unknown row code '{}'", j.get<std::string>()));
  };
  try {
    const Json j = Json::parse(text);
    BulkResult r;
    r.enrolled = j.at("enrolled").get<std::int64_t>();
    r.updated = j.at("updated").get<std::int64_t>();
    r.skipped = j.at("skipped").get<std::int64_t>();
    r.totalInCampaign = j.at("totalInCampaign").get<std::int64_t>();
    r.failed = j.at("failed").get<std::int64_t>();
    r.queued = j.at("queued").get<std::int64_t>();
    r.skippedActiveElsewhere = j.value("skippedActiveElsewhere", std::int64_t{0});
    r.skippedRecentlyContacted = j.value("skippedRecentlyContacted", std::int64_t{0});
    r.missingTokens = j.value("missingTokens", std::map<std::string, std::int64_t>{});
    r.unknownFields = j.value("unknownFields", std::map<std::string, std::int64_t>{});
    for (const Json& e : j.value("errors", Json::array())) {
      r.errors.push_back({e.at("index").get<std::size_t>(), e.at("email").get<std::string>(), code(e.at("code")),
                          e.at("message").get<std::string>()});
    }
    for (const Json& row : j.value("rows", Json::array())) {
      const auto outcome = parseRowOutcome(row.at("outcome").get<std::string>());
      if (!outcome) throw Error(ErrorCode::storage_error, "unknown row outcome");
      r.rows.push_back({row.at("index").get<std::size_t>(), row.at("email").get<std::string>(), *outcome,
                        row.contains("code") ? std::optional<RowCode>(code(row.at("code"))) : std::nullopt});
    }
    return r;
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::storage_error, fmt::format("a stored bulk result is unreadable: {}", e.what()));
  }
}

Json toJsonValue(const Workspace& workspace) {
  Json out = Json::object();
  out["id"] = workspace.id;
  out["name"] = workspace.name;
  out["createdAt"] = timestampValue(workspace.createdAt);
  out["rules"] = toJsonValue(workspace.rules);
  return out;
}

Json toJsonValue(const WorkspaceRules& rules) {
  Json out = Json::object();
  out["replyStopsAllCampaigns"] = rules.replyStopsAllCampaigns;
  if (rules.frequencyCap) {
    out["frequencyCap"] = Json{{"maxSends", rules.frequencyCap->maxSends}, {"perDays", rules.frequencyCap->perDays}};
  } else {
    out["frequencyCap"] = nullptr;
  }
  return out;
}

namespace {

// {"maxSends": K, "perDays": M}, both required; null removes the cap. The
// ranges are the engine's to check.
std::optional<FrequencyCap> frequencyCapFrom(const Json& value) {
  if (value.is_null()) return std::nullopt;
  if (!value.is_object()) {
    throw Error(ErrorCode::invalid_argument,
                R"(workspace rules: "frequencyCap" must be null or {"maxSends": K, "perDays": M})");
  }
  FrequencyCap cap;
  bool hasSends = false, hasDays = false;
  for (const auto& [key, v] : value.items()) {
    if (key != "maxSends" && key != "perDays") {
      throw Error(ErrorCode::invalid_argument, fmt::format("workspace rules: frequencyCap: unknown key \"{}\"", key));
    }
    if (!v.is_number_integer()) {
      throw Error(ErrorCode::invalid_argument, fmt::format("workspace rules: frequencyCap.{} must be an integer", key));
    }
    (key == "maxSends" ? cap.maxSends : cap.perDays) = v.get<std::int64_t>();
    (key == "maxSends" ? hasSends : hasDays) = true;
  }
  if (!hasSends || !hasDays) {
    throw Error(ErrorCode::invalid_argument, "workspace rules: frequencyCap needs both maxSends and perDays");
  }
  return cap;
}

}  // namespace

WorkspaceRules workspaceRulesFrom(const Json& object, WorkspaceRules base) {
  if (!object.is_object()) throw Error(ErrorCode::invalid_argument, "the workspace rules must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (key == "frequencyCap") {
      base.frequencyCap = frequencyCapFrom(value);
      continue;
    }
    if (key != "replyStopsAllCampaigns") {
      throw Error(ErrorCode::invalid_argument, fmt::format("workspace rules: unknown key \"{}\"", key));
    }
    if (!value.is_boolean()) {
      throw Error(ErrorCode::invalid_argument, R"(workspace rules: "replyStopsAllCampaigns" must be true or false)");
    }
    base.replyStopsAllCampaigns = value.get<bool>();
  }
  return base;
}

Json toJsonValue(const Step& step) {
  Json out = Json::object();
  out["subject"] = step.subject;
  out["body"] = step.body;
  out["format"] = std::string(toString(step.format));
  out["delayDays"] = delayValue(step.delayDays);
  if (!step.variants.empty()) out["variants"] = toJsonValue(step.variants);
  if (step.winnerRule) out["winnerRule"] = toJsonValue(*step.winnerRule);
  return out;
}

Json toJsonValue(const std::vector<StepVariant>& variants) {
  Json out = Json::array();
  for (const StepVariant& v : variants) {
    Json item = Json::object();
    item["label"] = v.label;
    item["subject"] = v.subject;
    item["body"] = v.body;
    item["weight"] = delayValue(v.weight);
    out.push_back(std::move(item));
  }
  return out;
}

Json toJsonValue(const WinnerRule& rule) {
  Json out = Json::object();
  out["minSendsPerVariant"] = rule.minSendsPerVariant;
  out["minHours"] = delayValue(rule.minHours);
  return out;
}

Json toJsonValue(const std::vector<VariantFigures>& figures) {
  Json out = Json::array();
  for (const VariantFigures& f : figures) {
    Json item = Json::object();
    item["label"] = f.label;
    item["sent"] = f.sent;
    item["replied"] = f.replied;
    out.push_back(std::move(item));
  }
  return out;
}

std::vector<VariantFigures> figuresFrom(const Json& value) {
  std::vector<VariantFigures> out;
  for (const Json& item : value) {
    out.push_back({item.at("label").get<std::string>(), item.at("sent").get<std::int64_t>(),
                   item.at("replied").get<std::int64_t>()});
  }
  return out;
}

Json toJsonValue(const WinnerDecision& decision) {
  Json out = Json::object();
  out["step"] = decision.step;
  out["variant"] = decision.variant;
  out["decidedAt"] = timestampValue(decision.decidedAt);
  out["figures"] = toJsonValue(decision.figures);
  return out;
}

Json toJsonValue(const LintFinding& finding) {
  Json out = Json::object();
  out["step"] = finding.step;
  out["variant"] = finding.variant;
  out["field"] = finding.field;
  out["code"] = finding.code;
  out["message"] = finding.message;
  return out;
}

Json toJsonValue(const RenderedStep& rendered) {
  Json out = Json::object();
  out["variant"] = rendered.variant;
  out["subject"] = rendered.subject;
  out["body"] = rendered.body;
  return out;
}

Json toJsonValue(const Campaign& campaign) {
  Json out = Json::object();
  out["id"] = campaign.id;
  out["workspaceId"] = campaign.workspaceId;
  out["name"] = campaign.name;
  out["status"] = std::string(toString(campaign.status));
  out["pauseReason"] = campaign.pauseReason ? Json(std::string(toString(*campaign.pauseReason))) : Json(nullptr);
  out["createdAt"] = timestampValue(campaign.createdAt);
  out["startedAt"] = campaign.startedAt ? timestampValue(*campaign.startedAt) : Json(nullptr);
  out["leadsEnrolled"] = campaign.leadsEnrolled;
  out["queuedMessages"] = campaign.queuedMessages;
  Json steps = Json::array();
  for (const Step& step : campaign.steps) steps.push_back(toJsonValue(step));
  out["steps"] = std::move(steps);
  out["timeZone"] = campaign.schedule.timeZone;
  out["sendWindow"] = toJsonValue(campaign.schedule.sendWindow);
  out["dailyCap"] = campaign.schedule.dailyCap ? Json(*campaign.schedule.dailyCap) : Json(nullptr);
  out["stopRules"] = toJsonValue(campaign.stopRules);
  return out;
}

namespace {

// The keys of StopRules in JSON, with where each lives: a flag or a count.
struct StopRuleKey {
  std::string_view name;
  bool StopRules::*flag = nullptr;
  std::int64_t StopRules::*count = nullptr;
};
constexpr StopRuleKey kStopRuleKeys[] = {
    {"onReply", &StopRules::onReply, nullptr},
    {"forCompany", &StopRules::forCompany, nullptr},
    {"onAutoReply", &StopRules::onAutoReply, nullptr},
    {"autoReplyDays", nullptr, &StopRules::autoReplyDays},
    {"softBouncesForHard", nullptr, &StopRules::softBouncesForHard},
    {"softBounceDays", nullptr, &StopRules::softBounceDays},
    {"unsubscribe", nullptr, nullptr},
    {"bounceProtection", &StopRules::bounceProtection, nullptr},
    {"protectionWindow", nullptr, &StopRules::protectionWindow},
    {"protectionMinSends", nullptr, &StopRules::protectionMinSends},
    {"protectionMaxPercent", nullptr, &StopRules::protectionMaxPercent},
};

}  // namespace

Json toJsonValue(const StopRules& rules) {
  Json out = Json::object();
  for (const StopRuleKey& k : kStopRuleKeys) {
    const std::string name(k.name);
    if (k.flag) {
      out[name] = rules.*k.flag;
    } else if (k.count) {
      out[name] = rules.*k.count;
    } else {
      out[name] = std::string(toString(rules.unsubscribe));
    }
  }
  return out;
}

StopRules stopRulesFrom(const Json& object, StopRules base) {
  const auto problem = [](const std::string& text) { throw Error(ErrorCode::invalid_argument, "stop rules: " + text); };
  if (!object.is_object()) problem("must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    const StopRuleKey* k = nullptr;
    for (const StopRuleKey& candidate : kStopRuleKeys) {
      if (candidate.name == key) k = &candidate;
    }
    if (k == nullptr) problem(fmt::format("unknown key \"{}\"", key));
    if (k->flag) {
      if (!value.is_boolean()) problem(fmt::format("\"{}\" must be true or false", key));
      base.*k->flag = value.get<bool>();
    } else if (k->count) {
      const auto n = wholeNumber(value);
      if (!n) problem(fmt::format("\"{}\" must be a whole number", key));
      base.*k->count = *n;
    } else {
      const auto scope = value.is_string() ? parseUnsubscribeScope(value.get<std::string>()) : std::nullopt;
      if (!scope) problem(R"("unsubscribe" must be "workspace" or "campaign")");
      base.unsubscribe = *scope;
    }
  }
  return base;
}

Json toJsonValue(const std::optional<SendWindow>& window) {
  if (!window) return Json(nullptr);
  Json days = Json::array();
  for (std::size_t i = 0; i < window->days.size(); ++i) {
    if (window->days[i]) days.push_back(std::string(kDayNames[i]));
  }
  Json out = Json::object();
  out["days"] = std::move(days);
  out["startHour"] = window->startHour;
  out["endHour"] = window->endHour;
  return out;
}

CampaignSchedule parseSchedule(const Json& object) {
  if (!object.is_object()) scheduleProblem("the sending rules must be a JSON object");
  CampaignSchedule schedule;
  if (const auto it = object.find("timeZone"); it != object.end()) {
    if (!it->is_string()) scheduleProblem(R"("timeZone" must be an IANA time zone name like "Europe/Oslo")");
    schedule.timeZone = it->get<std::string>();
  }
  if (const auto it = object.find("sendWindow"); it != object.end() && !it->is_null()) {
    schedule.sendWindow = windowFromValue(*it);
  }
  if (const auto it = object.find("dailyCap"); it != object.end() && !it->is_null()) {
    const auto cap = wholeNumber(*it);
    if (!cap) scheduleProblem(R"("dailyCap" must be null or a whole number)");
    schedule.dailyCap = *cap;
  }
  return schedule;
}

Json toJsonValue(const StartResult& start) {
  Json out = Json::object();
  out["id"] = start.id;
  out["status"] = std::string(toString(start.status));
  out["startedAt"] = timestampValue(start.startedAt);
  out["leadsEnrolled"] = start.leadsEnrolled;
  out["queuedMessages"] = start.queuedMessages;
  return out;
}

Json toJsonValue(const Lead& lead) {
  Json out = Json::object();
  out["id"] = lead.id;
  out["email"] = lead.email;
  out["firstName"] = optionalString(lead.firstName);
  out["lastName"] = optionalString(lead.lastName);
  out["company"] = optionalString(lead.company);
  out["jobTitle"] = optionalString(lead.jobTitle);
  // Stored as JSON text by the engine; shown as the object it is.
  Json custom = Json::parse(lead.customFields, nullptr, false);
  out["customFields"] = custom.is_discarded() ? Json(lead.customFields) : std::move(custom);
  out["position"] = lead.position;
  out["status"] = std::string(toString(lead.status));
  out["pausedUntil"] = lead.pausedUntil ? timestampValue(*lead.pausedUntil) : Json(nullptr);
  out["createdAt"] = timestampValue(lead.createdAt);
  out["updatedAt"] = timestampValue(lead.updatedAt);
  return out;
}

Json toJsonValue(const Message& message) {
  Json out = Json::object();
  out["id"] = message.id;
  out["workspaceId"] = message.workspaceId;
  out["campaignId"] = message.campaignId;
  out["leadId"] = message.leadId;
  out["email"] = message.email;
  out["step"] = message.step;
  out["variant"] = message.variant;
  out["subject"] = message.subject;
  out["body"] = message.body;
  out["format"] = std::string(toString(message.format));
  out["listUnsubscribe"] = message.listUnsubscribe;
  out["listUnsubscribePost"] = message.listUnsubscribePost;
  out["status"] = std::string(toString(message.status));
  out["scheduledAt"] = timestampValue(message.scheduledAt);
  out["attempts"] = message.attempts;
  if (message.leaseUntil) out["leaseUntil"] = timestampValue(*message.leaseUntil);
  if (message.sentAt) out["sentAt"] = timestampValue(*message.sentAt);
  if (message.lastError) out["lastError"] = *message.lastError;
  return out;
}

Json toJsonValue(const Event& event) {
  Json out = Json::object();
  out["cursor"] = event.cursor;
  out["at"] = timestampValue(event.at);
  out["kind"] = std::string(toString(event.kind));
  out["workspaceId"] = event.workspaceId;
  if (!event.campaignId.empty()) out["campaignId"] = event.campaignId;
  if (!event.leadId.empty()) out["leadId"] = event.leadId;
  if (!event.messageId.empty()) out["messageId"] = event.messageId;
  if (event.step > 0) out["step"] = event.step;
  if (!event.variant.empty()) out["variant"] = event.variant;
  if (!event.detail.empty()) out["detail"] = event.detail;
  if (!event.counts.empty()) {
    Json counts = Json::object();
    for (const auto& [name, n] : event.counts) counts[name] = n;
    out["counts"] = std::move(counts);
  }
  return out;
}

Json toJsonValue(const EventPage& page) {
  Json out = Json::object();
  out["events"] = Json::array();
  for (const Event& e : page.events) out["events"].push_back(toJsonValue(e));
  out["cursor"] = page.cursor;
  return out;
}

Json toJsonValue(const SuppressionEntry& entry) {
  Json out = Json::object();
  out["entry"] = entry.entry;
  out["kind"] = std::string(toString(entry.kind));
  out["createdAt"] = timestampValue(entry.createdAt);
  out["reason"] = std::string(toString(entry.reason));
  if (entry.campaignId) out["campaignId"] = *entry.campaignId;
  if (entry.messageId) out["messageId"] = *entry.messageId;
  return out;
}

Json toJsonValue(const SignalResult& result) {
  Json out = Json::object();
  out["id"] = result.id;
  out["duplicate"] = result.duplicate;
  out["leadsStopped"] = result.leadsStopped;
  out["leadsPaused"] = result.leadsPaused;
  out["messagesCancelled"] = result.messagesCancelled;
  out["suppressionAdded"] = result.suppressionAdded;
  out["campaignPaused"] = result.campaignPaused;
  return out;
}

Json toJsonValue(const UnsubscribeSettings& settings) {
  Json out = Json::object();
  out["baseUrl"] = settings.baseUrl;
  out["mailto"] = settings.mailto;
  return out;
}

Json toJsonValue(const UnsubscribeLink& link) {
  Json out = Json::object();
  out["token"] = link.token;
  out["url"] = link.url;
  return out;
}

Json toJsonValue(const LeadCounts& counts) {
  Json byStatus = Json::object();
  for (std::size_t i = 0; i < counts.byStatus.size(); ++i) {
    byStatus[std::string(toString(static_cast<LeadStatus>(i)))] = counts.byStatus[i];
  }
  Json out = Json::object();
  out["campaignId"] = counts.campaignId;
  out["total"] = counts.total;
  out["byStatus"] = std::move(byStatus);
  return out;
}

Json toJsonValue(const SuppressionResult& result, SuppressionOp op) {
  Json out = Json::object();
  if (op == SuppressionOp::add) {
    out["added"] = result.added;
  } else {
    out["removed"] = result.removed;
  }
  out["leadsSuppressed"] = result.leadsSuppressed;
  out["messagesCancelled"] = result.messagesCancelled;
  return out;
}

}  // namespace detail

namespace detail {

std::vector<LeadRow> parseLeads(std::string_view body, std::size_t readable) {
  skipByteOrderMark(body, readable);
  try {
    if (readable >= body.size() + json::kReadPadding) return readBody(body.data(), body.size(), readable, nullptr);
    const simdjson::padded_string padded(body);
    return readBody(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING, nullptr);
  } catch (const NotJson&) {
  }
  // Refused: ill-formed bytes (marked, then read again), or no JSON.
  ByteMarker marker;
  const std::string_view marked = marker.prepare(body);
  if (marked.data() != body.data()) {
    try {
      return readBody(marked.data(), marked.size(), marker.readable(), &marker);
    } catch (const NotJson&) {
    }
  }
  throw Error(ErrorCode::invalid_argument, "the bulk body is not valid JSON" + parserProblem(marked));
}

LeadRow parseLead(std::string_view object, std::size_t readable) {
  skipByteOrderMark(object, readable);
  try {
    if (readable >= object.size() + json::kReadPadding) return readLine(object.data(), object.size(), readable, nullptr);
    if (object.size() > kKeptParserBytes) {
      const simdjson::padded_string padded(object);
      return readLine(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING, nullptr);
    }
    thread_local std::string padded;
    padded.reserve(object.size() + json::kReadPadding);
    padded.assign(object);
    return readLine(padded.data(), padded.size(), padded.capacity(), nullptr);
  } catch (const NotJson&) {
  }
  ByteMarker marker;
  const std::string_view marked = marker.prepare(object);
  if (marked.data() != object.data()) {
    try {
      return readLine(marked.data(), marked.size(), marker.readable(), &marker);
    } catch (const NotJson&) {
    }
  }
  LeadRow row;
  row.defect = RowDefect::malformed;
  return row;
}

}  // namespace detail

// ---- Public adapter (json.hpp) ----

namespace json {

std::vector<LeadRow> parseLeads(std::string_view body) { return detail::parseLeads(body, body.size()); }

std::vector<LeadRow> parseLeadsInPlace(std::string& body) {
  body.reserve(body.size() + kReadPadding);
  return detail::parseLeads(body, body.capacity());
}

LeadRow parseLead(std::string_view object) { return detail::parseLead(object, object.size()); }

CampaignSchedule parseSchedule(std::string_view body) {
  const Json doc = parseDocument(body, "the document");
  if (!doc.is_object()) throw Error(ErrorCode::invalid_argument, "the document must be a JSON object");
  return detail::parseSchedule(doc);
}

std::vector<Step> parseSteps(std::string_view body) {
  const Json doc = parseDocument(body, "the steps document");
  const auto fail = [](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, "steps document: " + problem);
  };
  if (!doc.is_object()) fail(R"(must be a JSON object {"steps": [...]})");
  for (const auto& [key, value] : doc.items()) {
    if (key != "steps" && !isScheduleKey(key)) fail(fmt::format("unknown key \"{}\"", key));
  }
  const auto steps = doc.find("steps");
  if (steps == doc.end() || !steps->is_array()) fail(R"(has no "steps" array)");
  // The sending rules are read by parseSchedule; a document is accepted
  // whole or not at all, so their shape is checked here too.
  try {
    (void)detail::parseSchedule(doc);
  } catch (const Error& e) {
    fail(e.what());
  }

  std::vector<Step> out;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Json& item = (*steps)[i];
    const std::string where = fmt::format("steps document: step {}", i + 1);
    if (!item.is_object()) fail(fmt::format("step {} is not an object", i + 1));
    out.push_back(stepFromValue(item, where));
  }
  return out;
}

Step parseStep(std::string_view object) {
  const Json doc = parseDocument(object, "the step");
  if (!doc.is_object()) {
    throw Error(ErrorCode::invalid_argument, R"(the step must be a JSON object {"subject", "body", ...})");
  }
  return stepFromValue(doc, "the step");
}

std::string toJson(const BulkResult& result) { return detail::dump(detail::toJsonValue(result)); }
std::string toJson(const Workspace& workspace) { return detail::dump(detail::toJsonValue(workspace)); }
std::string toJson(const Campaign& campaign) { return detail::dump(detail::toJsonValue(campaign)); }
std::string toJson(const StartResult& start) { return detail::dump(detail::toJsonValue(start)); }
std::string toJson(const Lead& lead) { return detail::dump(detail::toJsonValue(lead)); }
std::string toJson(const Message& message) { return detail::dump(detail::toJsonValue(message)); }
std::string toJson(const WinnerDecision& decision) { return detail::dump(detail::toJsonValue(decision)); }
std::string toJson(const RenderedStep& rendered) { return detail::dump(detail::toJsonValue(rendered)); }
std::string toJson(const LintFinding& finding) { return detail::dump(detail::toJsonValue(finding)); }
std::string toJson(const SuppressionEntry& entry) { return detail::dump(detail::toJsonValue(entry)); }
std::string toJson(const SignalResult& result) { return detail::dump(detail::toJsonValue(result)); }
std::string toJson(const Event& event) { return detail::dump(detail::toJsonValue(event)); }
std::string toJson(const EventPage& page) { return detail::dump(detail::toJsonValue(page)); }
std::string toJson(const LeadCounts& counts) { return detail::dump(detail::toJsonValue(counts)); }
std::string toJson(const StopRules& rules) { return detail::dump(detail::toJsonValue(rules)); }

StopRules parseStopRules(std::string_view object, const StopRules& base) {
  const detail::Json doc = detail::Json::parse(object, nullptr, false);
  if (doc.is_discarded()) throw Error(ErrorCode::invalid_argument, "stop rules: not JSON");
  return detail::stopRulesFrom(doc, base);
}

WorkspaceRules parseWorkspaceRules(std::string_view object, const WorkspaceRules& base) {
  const detail::Json doc = detail::Json::parse(object, nullptr, false);
  if (doc.is_discarded()) throw Error(ErrorCode::invalid_argument, "workspace rules: not JSON");
  return detail::workspaceRulesFrom(doc, base);
}
std::string toJson(const UnsubscribeSettings& settings) { return detail::dump(detail::toJsonValue(settings)); }
std::string toJson(const UnsubscribeLink& link) { return detail::dump(detail::toJsonValue(link)); }

std::string formatTimestamp(Timestamp t) { return detail::formatIso(t); }

Timestamp parseTimestamp(std::string_view text) {
  if (auto t = detail::parseIso(text)) return *t;
  throw Error(ErrorCode::invalid_argument,
              fmt::format("\"{}\" is not a UTC ISO-8601 timestamp like 2025-06-10T15:00:00Z", text));
}

}  // namespace json
}  // namespace leadterra
