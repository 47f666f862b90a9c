// Template parsing and value rendering (docs/personalize.md).
//
// Grammar, as accepted by Template::parse (anything else is literal text):
//
//   tag      := "{{{" inner "}}}"            never escaped
//             | "{{" ws* ["&"] inner "}}"    "&": never escaped
//             | "<<" inner ">>"              alias of {{inner}}
//             | "{{" ws* "#" ws* name ws* "}}"   section
//             | "{{" ws* "^" ws* name ws* "}}"   inverted section
//             | "{{" ws* "/" ws* name ws* "}}"   end of the open (inverted) section of that name
//             | "{{" ws* "!" any "}}"            comment, may span lines
//   inner    := ws* name ws* ["|" fallback]  fallback: trimmed, up to the closer
//   name     := "." | part ("." part)*        ".": the current context
//   part     := one or more bytes that are not ASCII whitespace or control
//               characters and not one of  { } < > | .
//   a part may not start with a Mustache sigil  # / ^ ! = &,  nor "&" inside
//   "{{{...}}}" or "<<...>>".
//
// Spintax:
//
//   spin     := "{~" option ("|" option)* "~}"
//   option   := any template text, possibly empty: literal text, tags,
//               nested spins, and sections, inverted sections and comments
//               that open and close inside the option
//
// Tags are atomic: a "|" or "~}" inside a well-formed tag (a fallback, a
// comment) belongs to the tag. Outside any spin, "|" and "~}" are literal
// text. Each spin gets its ordinal from the order of its "{~" in the text.
//
// Refused (Template::problem, the engine refuses the step): "{{>" partials,
// "{{=" delimiter changes, a section, inverted section or closing tag whose
// name is malformed, a closing tag that does not end the innermost open
// section, a section never closed, sections nested deeper than
// kMaxSectionDepth, a spin never closed, spins nested deeper than
// kMaxSpinDepth, a section that does not open and close inside one option
// of a spin. Lambdas need code in the data; lead data is JSON, so they
// cannot occur. The grammar of earlier versions, used for a refused text,
// has no spins: "{~" is literal text there.
//
// A section, inverted section, closing tag or comment alone on its line
// (only spaces and tabs beside it) removes the whole line, its line break
// included, as the Mustache specification says; variable tags never do.
//
// A tag ends at the first closer after its opener ("}}}", "}}" or ">>"), so
// a fallback cannot contain its closer. When the text at an opener is not a
// well-formed tag, the triple form falls back to the double form at the same
// place ("{{{a}}" is "{" then {{a}}); if that fails too, the opener's first
// byte is kept as literal text and scanning resumes at the next byte, so
// "{{ {{firstName}}" keeps "{{ " and still finds {{firstName}}.
#include "template/template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

#include "util/text.hpp"

namespace leadterra::detail {
namespace {

constexpr bool isSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// A byte allowed inside a path part. Bytes >= 0x80 (UTF-8) are allowed so
// that custom field keys in any language can be named.
constexpr bool isNameByte(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F) return false;  // control characters
  switch (c) {
    case ' ': case '{': case '}': case '<': case '>': case '|': case '.':
      return false;
    default:
      return true;
  }
}

// Splits a trimmed name into its path; false when the name is not well formed.
// "." is the current context, with an empty path.
bool splitName(std::string_view name, std::vector<std::string>& path) {
  if (name == ".") return true;
  if (name.empty()) return false;
  switch (name.front()) {
    case '#': case '/': case '^': case '!': case '=': case '&':
      return false;
    default:
      break;
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (i == start) return false;  // empty part: "a..b", ".a", "a."
      path.emplace_back(name.substr(start, i - start));
      start = i + 1;
    } else if (!isNameByte(name[i])) {
      return false;
    }
  }
  return true;
}

// Parses the text between an opener and its closer as a variable tag.
// `allowAmpersand` is set for the "{{...}}" form only, where a leading "&"
// turns escaping off. `mustache`: "." (the current context) is a name; the
// grammar of earlier versions kept it literal.
// Scanning stops at the first byte that cannot belong to the name, so a
// malformed tag costs only the bytes up to that point: a long text full of
// unclosed openers is still parsed in linear time.
std::optional<Tag> parseInner(std::string_view inner, bool allowAmpersand, bool mustache) {
  Tag tag;
  std::size_t i = 0;
  const auto skipSpace = [&] {
    while (i < inner.size() && isSpace(inner[i])) ++i;
  };
  skipSpace();
  if (allowAmpersand && i < inner.size() && inner[i] == '&') {
    tag.escape = false;
    ++i;
    skipSpace();
  }
  const std::size_t nameStart = i;
  while (i < inner.size() && (isNameByte(inner[i]) || inner[i] == '.')) ++i;
  const std::string_view name = inner.substr(nameStart, i - nameStart);
  skipSpace();
  if (i < inner.size()) {
    if (inner[i] != '|') return std::nullopt;  // e.g. "first name", "a{b"
    tag.fallback = std::string(trim(inner.substr(i + 1)));
  }
  if ((name == "." && !mustache) || !splitName(name, tag.path)) return std::nullopt;
  tag.name = std::string(name);
  return tag;
}

// Finds the first occurrence of a closer at or after a position. Scanning
// only moves forward, so the last answer stays valid while it lies at or
// after the new start: each closer is searched for once per template, which
// keeps text full of unclosed openers linear rather than quadratic.
class CloserFinder {
 public:
  CloserFinder(std::string_view text, std::string_view closer) : text_(text), closer_(closer) {}

  std::size_t find(std::size_t from) {
    if (!searched_ || (found_ != std::string_view::npos && found_ < from)) {
      found_ = text_.find(closer_, from);
      searched_ = true;
    }
    return found_;
  }

 private:
  std::string_view text_;
  std::string_view closer_;
  std::size_t found_ = std::string_view::npos;
  bool searched_ = false;
};

void appendEscaped(std::string& out, std::string_view s) {
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string_view entity;
    switch (s[i]) {
      case '&': entity = "&amp;"; break;
      case '<': entity = "&lt;"; break;
      case '>': entity = "&gt;"; break;
      case '"': entity = "&quot;"; break;
      case '\'': entity = "&#39;"; break;
      default: continue;
    }
    out.append(s.substr(run, i - run));
    out.append(entity);
    run = i + 1;
  }
  out.append(s.substr(run));
}

void appendText(std::string& out, std::string_view s, bool escape) {
  if (escape) {
    appendEscaped(out, s);
  } else {
    out.append(s);
  }
}

// What foldHeader does with the character that starts at s[i].
struct HeaderChar {
  enum Action { keep, space, replace };
  std::size_t length;  // bytes it spans
  Action action;
};

HeaderChar headerChar(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') return {2, HeaderChar::space};  // CRLF: one break
    return {1, c < 0x20 || c == 0x7F ? HeaderChar::space : HeaderChar::keep};
  }
  const std::size_t length = utf8CharLength(s, i);
  if (length == 0) return {1, HeaderChar::replace};
  if (length == 2 && c == 0xC2 && byte(i + 1) <= 0x9F) return {2, HeaderChar::space};  // C1: U+0080-U+009F
  if (length == 3 && c == 0xE2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xA8 || byte(i + 2) == 0xA9)) {
    return {3, HeaderChar::space};  // U+2028, U+2029
  }
  return {length, HeaderChar::keep};
}

template <typename Int>
void appendInteger(std::string& out, Int n) {
  std::array<char, 24> buf{};  // enough for any 64-bit integer and its sign
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), n);
  out.append(buf.data(), res.ptr);
}

}  // namespace

bool isEmptyValue(const Value& v) noexcept {
  if (v.text) return v.text->empty();
  if (v.json == nullptr || v.json->is_null()) return true;
  return v.json->is_string() && v.json->get_ref<const std::string&>().empty();
}

bool isFalsey(const Value& v) noexcept {
  if (v.text) return v.text->empty();
  if (v.json == nullptr) return true;
  switch (v.json->type()) {
    case Json::value_t::null: return true;
    case Json::value_t::boolean: return !v.json->get<bool>();
    case Json::value_t::string: return v.json->get_ref<const std::string&>().empty();
    case Json::value_t::array: return v.json->empty();
    default: return false;
  }
}

bool findInContext(const Tag& tag, std::span<const Value> contexts, Value& found) {
  if (contexts.empty()) return false;
  if (tag.path.empty()) {
    found = contexts.back();
    return true;
  }
  for (auto c = contexts.rbegin(); c != contexts.rend(); ++c) {
    if (c->json == nullptr || !c->json->is_object()) continue;  // text has no keys
    const auto first = c->json->find(tag.path[0]);
    if (first == c->json->end()) continue;
    // Found: the rest of the path walks from here, and only from here.
    const Json* node = &*first;
    for (std::size_t i = 1; i < tag.path.size(); ++i) {
      if (!node->is_object()) {
        node = nullptr;
        break;
      }
      const auto it = node->find(tag.path[i]);
      node = it == node->end() ? nullptr : &*it;
      if (node == nullptr) break;
    }
    found = node == nullptr || node->is_null() ? Value{} : Value{std::nullopt, node};
    return true;
  }
  return false;
}

void appendValue(std::string& out, const Value& v, bool escape) {
  if (v.text) {
    appendText(out, *v.text, escape);
    return;
  }
  if (v.json == nullptr) return;
  const Json& j = *v.json;
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return;
    case Json::value_t::string:
      appendText(out, j.get_ref<const std::string&>(), escape);
      return;
    case Json::value_t::boolean:
      out.append(j.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
      appendInteger(out, j.get<std::int64_t>());
      return;
    case Json::value_t::number_unsigned:
      appendInteger(out, j.get<std::uint64_t>());
      return;
    default:
      // Floats (nlohmann's shortest round-trip form: 1.21, 3.0, 1e+100),
      // objects and arrays (compact JSON). Invalid UTF-8 inside an object is
      // replaced rather than thrown: rendering never fails.
      appendText(out, j.dump(-1, ' ', false, Json::error_handler_t::replace), escape);
      return;
  }
}

void foldHeader(std::string& value) {
  // Most values need nothing: find the first character that does.
  std::size_t i = 0;
  while (i < value.size()) {
    const HeaderChar h = headerChar(value, i);
    if (h.action != HeaderChar::keep) break;
    i += h.length;
  }
  if (i == value.size()) return;
  std::string out;
  out.reserve(value.size() + 8);
  out.append(value, 0, i);
  while (i < value.size()) {
    const HeaderChar h = headerChar(value, i);
    switch (h.action) {
      case HeaderChar::keep: out.append(value, i, h.length); break;
      case HeaderChar::space: out.push_back(' '); break;
      case HeaderChar::replace: out.append("\xEF\xBF\xBD"); break;  // U+FFFD
    }
    i += h.length;
  }
  value = std::move(out);
}

// ---- spins ----

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;  // splitmix64's increment

// splitmix64's finaliser (Stafford's "mix13").
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// One splitmix64 step from the state `x`.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept { return mix64(x + kGolden); }

// The high 64 bits of the 128-bit product a * b, in portable arithmetic.
constexpr std::uint64_t mulHigh(std::uint64_t a, std::uint64_t b) noexcept {
  constexpr std::uint64_t kLow = 0xFFFFFFFFULL;
  const std::uint64_t aLo = a & kLow;
  const std::uint64_t aHi = a >> 32U;
  const std::uint64_t bLo = b & kLow;
  const std::uint64_t bHi = b >> 32U;
  const std::uint64_t loLo = aLo * bLo;
  const std::uint64_t hiLo = aHi * bLo;
  const std::uint64_t loHi = aLo * bHi;
  const std::uint64_t hiHi = aHi * bHi;
  const std::uint64_t cross = (loLo >> 32U) + (hiLo & kLow) + loHi;  // cannot overflow
  return hiHi + (hiLo >> 32U) + (cross >> 32U);
}

static_assert(mulHigh(~0ULL, ~0ULL) == ~0ULL - 1);
static_assert(mulHigh(1ULL << 63U, 6) == 3);

}  // namespace

std::size_t spinChoice(std::uint64_t key, std::size_t ordinal, std::size_t optionCount) noexcept {
  if (optionCount <= 1) return 0;
  const std::uint64_t h = splitmix64(splitmix64(key) ^ static_cast<std::uint64_t>(ordinal));
  return static_cast<std::size_t>(mulHigh(h, static_cast<std::uint64_t>(optionCount)));
}

std::uint64_t stableHash(std::string_view bytes, std::uint64_t seed) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL ^ seed;  // FNV-1a 64: offset basis
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;  // FNV-1a 64: prime
  }
  return mix64(h);
}

// ---- parsing ----

// One parse of a text, in one of two grammars: Mustache (sections, inverted
// sections, comments, "."), or the interpolation-only grammar of earlier
// versions, used when the text holds a refused construct.
class TemplateParser {
 public:
  TemplateParser(std::string_view text, std::span<const std::string_view> pinned, bool mustache)
      : text_(text), pinned_(pinned), mustache_(mustache), triple_(text, "}}}"), brace_(text, "}}"),
        angle_(text, ">>") {}

  // The template, or nullopt with problem() set.
  std::optional<Template> run();
  TemplateProblem& problem() { return *problem_; }

 private:
  struct Open {
    std::size_t segment;  // the section's segment
    std::size_t offset;   // where its tag starts
  };

  struct OpenSpin {
    std::size_t segment;   // the spin's segment
    std::size_t offset;    // where its "{~" starts
    std::size_t index;     // its ordinal: index into spins_ and spinStarts_
    std::size_t sections;  // open_.size() when it opened: sections inside it lie beyond
  };

  // What the text at an opener holds.
  struct Found {
    enum Kind { none, variable, section, inverted, close, comment } kind = none;
    Tag tag;              // variable, section, inverted; close: name only
    std::size_t end = 0;  // just past the closer
  };

  Found at(std::size_t i);
  Found sigilTag(std::size_t i, std::string_view inner, std::size_t end);
  void fail(std::size_t offset, std::string message);
  void pushLiteral(std::size_t from, std::size_t to);
  void pushTag(Tag tag);
  // The spin's "{~" at i, a "|" at i that ends an option, its "~}" at i:
  // false with problem() set when refused.
  bool openSpin(std::size_t i);
  bool nextOption(std::size_t i);
  bool closeSpin(std::size_t i);
  // Refuses a section open inside the innermost spin's current option,
  // which the "|" or "~}" at i would end.
  bool sectionsClosedAt(std::size_t i, std::string_view what);
  // The line and column of `offset`, counted on from the last call's
  // offset (the offsets come in increasing order): linear in the text.
  void position(std::size_t offset, std::size_t& line, std::size_t& column);
  // For a section, inverted section, closing tag or comment from `start` to
  // `end`: when it is alone on its line (only spaces and tabs around it), the
  // line's start and the start of the next line, so that the whole line goes.
  [[nodiscard]] bool standalone(std::size_t start, std::size_t end, std::size_t& lineStart,
                                std::size_t& nextLine) const;

  std::string_view text_;
  std::span<const std::string_view> pinned_;
  bool mustache_;
  CloserFinder triple_;
  CloserFinder brace_;
  CloserFinder angle_;
  Template t_;
  std::vector<Open> open_;
  std::vector<OpenSpin> spinOpen_;
  std::size_t posOffset_ = 0;  // position(): where counting resumes, and its line and column
  std::size_t posLine_ = 1;
  std::size_t posColumn_ = 1;
  std::size_t sealed_ = 0;  // segments before this index take no more text: a section starts or ends here
  std::optional<TemplateProblem> problem_;
};

namespace {

// The line and column of a byte offset (computed only for a problem).
TemplateProblem problemAt(std::string_view text, std::size_t offset, std::string message) {
  TemplateProblem p;
  p.offset = offset;
  for (std::size_t k = 0; k < offset; ++k) {
    if (text[k] == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) {
      ++p.column;  // a character's first byte; continuation bytes belong to it
    }
  }
  p.message = std::move(message);
  return p;
}

// The start of the spin at `offset`, to name it in a message: "{~" and up to
// 16 more bytes, stopping before a control character and never inside a
// UTF-8 sequence; "..." when cut.
std::string spinExcerpt(std::string_view text, std::size_t offset) {
  constexpr std::size_t kMax = 18;
  std::size_t end = offset + 2;
  while (end < text.size() && end - offset < kMax && static_cast<unsigned char>(text[end]) >= 0x20) ++end;
  // Not inside a UTF-8 sequence: back to the start of the character cut.
  while (end > offset + 2 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  std::string out(text.substr(offset, end - offset));
  if (end < text.size()) out += "...";
  return out;
}

}  // namespace

void TemplateParser::fail(std::size_t offset, std::string message) {
  if (!problem_) problem_ = problemAt(text_, offset, std::move(message));
}

void TemplateParser::pushLiteral(std::size_t from, std::size_t to) {
  if (to <= from) return;
  // Adjacent literals (around a comment) make one segment, unless a section
  // starts or ends between them.
  if (t_.segments_.size() > sealed_ && t_.segments_.back().tag < 0) {
    t_.segments_.back().literal.append(text_.substr(from, to - from));
  } else {
    t_.segments_.push_back(Template::Segment{std::string(text_.substr(from, to - from)), -1, -1, 0});
  }
}

void TemplateParser::pushTag(Tag tag) {
  tag.inSection = !open_.empty();
  tag.inSpin = !spinOpen_.empty();
  for (const std::string_view name : pinned_) {
    if (tag.name == name) tag.pinned = true;
  }
  if (tag.kind == TagKind::variable) {
    // The name counts for the current option of every enclosing spin.
    for (const OpenSpin& s : spinOpen_) t_.spins_[s.index].optionTokens.back().push_back(tag.name);
  }
  t_.segments_.push_back(Template::Segment{{}, static_cast<int>(t_.tags_.size()), -1, 0});
  t_.tags_.push_back(std::move(tag));
}

void TemplateParser::position(std::size_t offset, std::size_t& line, std::size_t& column) {
  for (; posOffset_ < offset; ++posOffset_) {
    if (text_[posOffset_] == '\n') {
      ++posLine_;
      posColumn_ = 1;
    } else if ((static_cast<unsigned char>(text_[posOffset_]) & 0xC0) != 0x80) {
      ++posColumn_;  // as problemAt counts
    }
  }
  line = posLine_;
  column = posColumn_;
}

bool TemplateParser::openSpin(std::size_t i) {
  if (spinOpen_.size() == kMaxSpinDepth) {
    fail(i, fmt::format("spins nest more than {} deep", kMaxSpinDepth));
    return false;
  }
  const std::size_t index = t_.spins_.size();
  SpinInfo info;
  info.offset = i;
  position(i, info.line, info.column);
  info.depth = spinOpen_.size() + 1;
  info.optionTokens.emplace_back();
  t_.spins_.push_back(std::move(info));
  const std::size_t segment = t_.segments_.size();
  t_.segments_.push_back(Template::Segment{{}, -1, static_cast<int>(index), 0});
  t_.spinStarts_.push_back({t_.segments_.size()});
  t_.hasSpins_ = true;
  sealed_ = t_.segments_.size();
  spinOpen_.push_back(OpenSpin{segment, i, index, open_.size()});
  return true;
}

bool TemplateParser::sectionsClosedAt(std::size_t i, std::string_view what) {
  const OpenSpin& s = spinOpen_.back();
  if (open_.size() <= s.sections) return true;
  const Open& o = open_[s.sections];  // the outermost section opened inside the option
  const Tag& openTag = t_.tags_[static_cast<std::size_t>(t_.segments_[o.segment].tag)];
  const TemplateProblem end = problemAt(text_, i, {});
  fail(o.offset, fmt::format("the section {{{{{}{}}}}} is not closed before the {} that ends its spin option "
                             "(line {}, column {}): a section must open and close inside one option",
                             openTag.kind == TagKind::section ? '#' : '^', openTag.name, what, end.line,
                             end.column));
  return false;
}

bool TemplateParser::nextOption(std::size_t i) {
  if (!sectionsClosedAt(i, "|")) return false;
  const OpenSpin& s = spinOpen_.back();
  t_.spinStarts_[s.index].push_back(t_.segments_.size());
  t_.spins_[s.index].optionTokens.emplace_back();
  sealed_ = t_.segments_.size();
  return true;
}

bool TemplateParser::closeSpin(std::size_t i) {
  if (!sectionsClosedAt(i, "~}")) return false;
  const OpenSpin& s = spinOpen_.back();
  t_.segments_[s.segment].end = sealed_ = t_.segments_.size();
  for (std::vector<std::string>& names : t_.spins_[s.index].optionTokens) {
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  spinOpen_.pop_back();
  return true;
}

bool TemplateParser::standalone(std::size_t start, std::size_t end, std::size_t& lineStart,
                                std::size_t& nextLine) const {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  std::size_t b = start;
  while (b > 0 && blank(text_[b - 1])) --b;
  if (b > 0 && text_[b - 1] != '\n') return false;
  std::size_t e = end;
  while (e < text_.size() && blank(text_[e])) ++e;
  if (e < text_.size()) {
    if (text_[e] == '\n') {
      ++e;
    } else if (text_[e] == '\r' && e + 1 < text_.size() && text_[e + 1] == '\n') {
      e += 2;
    } else {
      return false;
    }
  }
  lineStart = b;
  nextLine = e;
  return true;
}

TemplateParser::Found TemplateParser::sigilTag(std::size_t i, std::string_view inner, std::size_t end) {
  Found f;
  f.end = end;
  const std::string_view rest = trim(inner);
  const char sigil = rest.front();
  switch (sigil) {
    case '!':
      f.kind = Found::comment;
      return f;
    case '>':
      fail(i, "partials ({{>name}}) are not supported");
      return f;
    case '=':
      fail(i, "delimiter changes ({{=<% %>=}}) are not supported");
      return f;
    default:
      break;
  }
  // A section's name: one name, or "." (the current context); no fallback.
  const std::string_view name = trim(rest.substr(1));
  if (name != "." && !splitName(name, f.tag.path)) {
    const char* what = sigil == '/' ? "a closing tag" : sigil == '^' ? "an inverted section" : "a section";
    fail(i, fmt::format("{} needs a name without spaces or a fallback, as in {{{{{}company}}}}", what, sigil));
    return f;
  }
  f.tag.name = std::string(name);
  f.kind = sigil == '#' ? Found::section : sigil == '^' ? Found::inverted : Found::close;
  return f;
}

TemplateParser::Found TemplateParser::at(std::size_t i) {
  Found f;
  if (text_[i] == '<') {
    if (const std::size_t c = angle_.find(i + 2); c != std::string_view::npos) {
      if (auto tag = parseInner(text_.substr(i + 2, c - (i + 2)), false, mustache_)) {
        f = Found{Found::variable, std::move(*tag), c + 2};
      }
    }
    return f;
  }
  if (i + 2 < text_.size() && text_[i + 2] == '{') {
    if (const std::size_t c = triple_.find(i + 3); c != std::string_view::npos) {
      if (auto tag = parseInner(text_.substr(i + 3, c - (i + 3)), false, mustache_)) {
        tag->escape = false;
        return Found{Found::variable, std::move(*tag), c + 3};
      }
    }
  }
  const std::size_t c = brace_.find(i + 2);
  if (c == std::string_view::npos) return f;
  const std::string_view inner = text_.substr(i + 2, c - (i + 2));
  if (mustache_) {
    const std::string_view rest = trim(inner);
    if (!rest.empty()) {
      switch (rest.front()) {
        case '!': case '#': case '^': case '/': case '>': case '=':
          return sigilTag(i, inner, c + 2);
        default:
          break;
      }
    }
  }
  if (auto tag = parseInner(inner, true, mustache_)) f = Found{Found::variable, std::move(*tag), c + 2};
  return f;
}

std::optional<Template> TemplateParser::run() {
  std::size_t literal = 0;  // start of the literal text not yet stored
  std::size_t i = 0;
  // Inside a spin, "|" and "~}" end an option; elsewhere they are text.
  while ((i = text_.find_first_of(spinOpen_.empty() ? "{<" : "{<|~", i)) != std::string_view::npos) {
    const char c = text_[i];
    if (c == '|' || c == '~') {
      if (c == '~' && (i + 1 >= text_.size() || text_[i + 1] != '}')) {
        ++i;
        continue;
      }
      pushLiteral(literal, i);
      if (!(c == '|' ? nextOption(i) : closeSpin(i))) return std::nullopt;
      i = literal = i + (c == '|' ? 1 : 2);
      continue;
    }
    if (i + 1 >= text_.size()) break;
    if (c == '{' && text_[i + 1] == '~' && mustache_) {
      pushLiteral(literal, i);
      if (!openSpin(i)) return std::nullopt;
      i = literal = i + 2;
      continue;
    }
    if (text_[i + 1] != c) {
      ++i;
      continue;
    }
    Found f = at(i);
    if (problem_) return std::nullopt;
    if (f.kind == Found::none) {
      ++i;  // keep the opener's first byte as text; a tag may start at the next one
      continue;
    }
    if (f.kind == Found::variable) {
      pushLiteral(literal, i);
      pushTag(std::move(f.tag));
      i = literal = f.end;
      continue;
    }
    // A section, inverted section, closing tag or comment: alone on its
    // line, it takes the line with it.
    std::size_t lineStart = i;
    std::size_t next = f.end;
    if (!standalone(i, f.end, lineStart, next)) {
      lineStart = i;
      next = f.end;
    }
    pushLiteral(literal, std::max(lineStart, literal));
    switch (f.kind) {
      case Found::section:
      case Found::inverted:
        if (open_.size() == kMaxSectionDepth) {
          fail(i, fmt::format("sections nest more than {} deep", kMaxSectionDepth));
          return std::nullopt;
        }
        f.tag.kind = f.kind == Found::section ? TagKind::section : TagKind::inverted;
        t_.hasSections_ = true;
        {
          const std::size_t segment = t_.segments_.size();
          pushTag(std::move(f.tag));
          sealed_ = t_.segments_.size();
          open_.push_back(Open{segment, i});
        }
        break;
      case Found::close: {
        if (open_.empty()) {
          fail(i, fmt::format("{{{{/{}}}}} closes no open section", f.tag.name));
          return std::nullopt;
        }
        if (!spinOpen_.empty() && open_.size() <= spinOpen_.back().sections) {
          const TemplateProblem spin = problemAt(text_, spinOpen_.back().offset, {});
          fail(i, fmt::format("{{{{/{}}}}} closes a section opened outside the spin at line {}, column {}: "
                              "a section must open and close inside one option",
                              f.tag.name, spin.line, spin.column));
          return std::nullopt;
        }
        const Open& o = open_.back();
        Template::Segment& opener = t_.segments_[o.segment];
        const Tag& openTag = t_.tags_[static_cast<std::size_t>(opener.tag)];
        if (openTag.name != f.tag.name) {
          const TemplateProblem at = problemAt(text_, o.offset, {});
          fail(i, fmt::format("{{{{/{}}}}} does not close the open section {{{{{}{}}}}} (line {}, column {})",
                              f.tag.name, openTag.kind == TagKind::section ? '#' : '^', openTag.name, at.line,
                              at.column));
          return std::nullopt;
        }
        opener.end = sealed_ = t_.segments_.size();
        open_.pop_back();
        break;
      }
      default:
        break;  // a comment renders nothing
    }
    i = literal = next;
  }
  if (!spinOpen_.empty() && open_.size() <= spinOpen_.back().sections) {
    // The innermost construct left open is a spin.
    fail(spinOpen_.back().offset, fmt::format("the spin {} is never closed: end it with ~}}",
                                              spinExcerpt(text_, spinOpen_.back().offset)));
    return std::nullopt;
  }
  if (!open_.empty()) {
    const Tag& openTag = t_.tags_[static_cast<std::size_t>(t_.segments_[open_.back().segment].tag)];
    fail(open_.back().offset,
         fmt::format("the section {{{{{}{}}}}} is never closed: end it with {{{{/{}}}}}",
                     openTag.kind == TagKind::section ? '#' : '^', openTag.name, openTag.name));
    return std::nullopt;
  }
  pushLiteral(literal, text_.size());
  return std::move(t_);
}

Template Template::parse(std::string_view text, std::span<const std::string_view> pinnedNames) {
  TemplateParser mustache(text, pinnedNames, true);
  if (std::optional<Template> t = mustache.run()) return std::move(*t);
  // Refused syntax: the grammar of earlier versions, which kept every such
  // tag literal; the problem is kept for the engine to refuse the step.
  TemplateParser legacy(text, pinnedNames, false);
  Template t = std::move(*legacy.run());
  t.problem_ = std::move(mustache.problem());
  return t;
}

}  // namespace leadterra::detail
