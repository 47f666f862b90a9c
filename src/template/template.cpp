// Template parsing and value rendering (docs/personalize.md).
//
// Grammar, as accepted by Template::parse (anything else is literal text):
//
//   tag      := "{{{" inner "}}}"            never escaped
//             | "{{" ws* ["&"] inner "}}"    "&": never escaped
//             | "<<" inner ">>"              alias of {{inner}}
//   inner    := ws* name ws* ["|" fallback]  fallback: trimmed, up to the closer
//   name     := part ("." part)*
//   part     := one or more bytes that are not ASCII whitespace or control
//               characters and not one of  { } < > | .
//   a name may not start with a Mustache sigil  # / ^ ! =  (sections,
//   comments, delimiter changes are not supported), nor with "&" inside
//   "{{{...}}}" or "<<...>>".
//
// A tag ends at the first closer after its opener ("}}}", "}}" or ">>"), so
// a fallback cannot contain its closer. When the text at an opener is not a
// well-formed tag, the triple form falls back to the double form at the same
// place ("{{{a}}" is "{" then {{a}}); if that fails too, the opener's first
// byte is kept as literal text and scanning resumes at the next byte, so
// "{{ {{firstName}}" keeps "{{ " and still finds {{firstName}}.
#include "template/template.hpp"

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
bool splitName(std::string_view name, std::vector<std::string>& path) {
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

// Parses the text between an opener and its closer. `allowAmpersand` is set
// for the "{{...}}" form only, where a leading "&" turns escaping off.
// Scanning stops at the first byte that cannot belong to the name, so a
// malformed tag costs only the bytes up to that point: a long text full of
// unclosed openers is still parsed in linear time.
std::optional<Tag> parseInner(std::string_view inner, bool allowAmpersand) {
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
  if (!splitName(name, tag.path)) return std::nullopt;
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

Template Template::parse(std::string_view text) {
  Template t;
  CloserFinder triple(text, "}}}");
  CloserFinder brace(text, "}}");
  CloserFinder angle(text, ">>");

  std::size_t literal = 0;  // start of the literal text not yet stored
  std::size_t i = 0;
  while ((i = text.find_first_of("{<", i)) != std::string_view::npos) {
    if (i + 1 >= text.size() || text[i + 1] != text[i]) {
      ++i;
      continue;
    }
    std::optional<Tag> tag;
    std::size_t end = 0;
    if (text[i] == '{') {
      if (i + 2 < text.size() && text[i + 2] == '{') {
        if (const std::size_t c = triple.find(i + 3); c != std::string_view::npos) {
          tag = parseInner(text.substr(i + 3, c - (i + 3)), false);
          if (tag) {
            tag->escape = false;
            end = c + 3;
          }
        }
      }
      if (!tag) {
        if (const std::size_t c = brace.find(i + 2); c != std::string_view::npos) {
          tag = parseInner(text.substr(i + 2, c - (i + 2)), true);
          end = c + 2;
        }
      }
    } else if (const std::size_t c = angle.find(i + 2); c != std::string_view::npos) {
      tag = parseInner(text.substr(i + 2, c - (i + 2)), false);
      end = c + 2;
    }

    if (!tag) {
      ++i;  // keep the opener's first byte as text; a tag may start at the next one
      continue;
    }
    if (i > literal) t.segments_.push_back(Segment{std::string(text.substr(literal, i - literal)), -1});
    t.segments_.push_back(Segment{{}, static_cast<int>(t.tags_.size())});
    t.tags_.push_back(std::move(*tag));
    i = literal = end;
  }
  if (literal < text.size()) t.segments_.push_back(Segment{std::string(text.substr(literal)), -1});
  return t;
}

}  // namespace leadterra::detail
