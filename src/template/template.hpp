// Templates: Mustache variable interpolation plus `<<name>>` and
// `{{name|fallback}}` (docs/personalize.md).
//
// A Template is parsed once per step and rendered once per lead; parsing
// never fails: text that is not a well-formed tag stays literal. Rendering
// never re-scans inserted values. A parsed Template is immutable and may be
// rendered from several threads at once.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadterra::detail {

struct Tag {
  std::string name;               // as written, trimmed: "firstName", "customFields.city"
  std::vector<std::string> path;  // `name` split on '.'
  bool escape = true;             // false for {{{name}}} and {{&name}}
  std::optional<std::string> fallback;  // trimmed text after '|', template text, never escaped
};

// JSON documents keep their keys in the order written.
using Json = nlohmann::ordered_json;

// A looked-up value: text (a string, or a scalar's JSON text, rendered as it
// is), any JSON value, or missing (neither). JSON null counts as missing.
struct Value {
  std::optional<std::string_view> text;
  const Json* json = nullptr;
};

// True when the value renders as the empty string (missing, null, "").
[[nodiscard]] bool isEmptyValue(const Value& v) noexcept;

// Appends the value as text: strings as they are, numbers and booleans as JSON
// writes them (85, 1.21, true), objects and arrays as compact JSON; HTML-escapes
// & < > " ' when `escape`.
void appendValue(std::string& out, const Value& v, bool escape);

// Makes `value` a single line of text that a mail header can carry.
//
// Every header value the engine hands out goes through this one function:
// the rendered subject of each message today, and any header value added
// later (a List-Unsubscribe value, for one) must reuse it rather than
// filter on its own.
//
// The value is read as UTF-8:
//  - each control character becomes one space: C0 (U+0000-U+001F, TAB, CR
//    and LF included), DEL (U+007F) and C1 (U+0080-U+009F, NEL included);
//  - so do the LINE SEPARATOR and PARAGRAPH SEPARATOR (U+2028, U+2029),
//    which Unicode-aware readers treat as line breaks;
//  - a CR immediately followed by LF is one line break: the pair becomes one
//    space ("a\r\nb" -> "a b"; "a\n\nb" -> "a  b");
//  - each byte that is not part of well-formed UTF-8 (a stray or overlong
//    byte, which a lenient decoder might read as a CR or LF) becomes U+FFFD;
//  - everything else is kept byte for byte: spaces are neither trimmed nor
//    merged, and format characters such as U+200B or U+202E stay.
// The result is well-formed UTF-8 without any of the characters above.
// Folding a folded value changes nothing.
void foldHeader(std::string& value);

class Template {
 public:
  [[nodiscard]] static Template parse(std::string_view text);

  // The tags in order of appearance (duplicates included).
  [[nodiscard]] const std::vector<Tag>& tags() const noexcept { return tags_; }

  // Appends the rendering to `out`. `resolve` is called as
  // `Value resolve(const Tag&)` for each tag. `html`: escape tags whose
  // `escape` is set; otherwise nothing is escaped. An empty or missing value
  // with a fallback renders the fallback.
  template <typename Resolve>
  void renderTo(std::string& out, bool html, Resolve&& resolve) const {
    for (const Segment& s : segments_) {
      if (s.tag < 0) {
        out.append(s.literal);
        continue;
      }
      const Tag& tag = tags_[static_cast<std::size_t>(s.tag)];
      const Value v = resolve(tag);
      if (tag.fallback && isEmptyValue(v)) {
        out.append(*tag.fallback);
      } else {
        appendValue(out, v, html && tag.escape);
      }
    }
  }

  template <typename Resolve>
  [[nodiscard]] std::string render(bool html, Resolve&& resolve) const {
    std::string out;
    renderTo(out, html, resolve);
    return out;
  }

  // Renders a mail header value, such as a step's subject: nothing escaped,
  // then the whole result passed through foldHeader, so a line break or
  // other control character never reaches the header whatever its source (a
  // lead's value, a custom field, a fallback, the template's own text).
  template <typename Resolve>
  [[nodiscard]] std::string renderHeader(Resolve&& resolve) const {
    std::string out;
    renderTo(out, false, resolve);
    foldHeader(out);
    return out;
  }

 private:
  struct Segment {
    std::string literal;  // used when tag < 0
    int tag = -1;         // index into tags_
  };
  std::vector<Segment> segments_;
  std::vector<Tag> tags_;
};

}  // namespace leadterra::detail
