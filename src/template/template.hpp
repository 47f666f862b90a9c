// Templates: Mustache variable interpolation plus `<<name>>` and
// `{{name|fallback}}` (SPEC section 5, docs/personalize.md).
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

 private:
  struct Segment {
    std::string literal;  // used when tag < 0
    int tag = -1;         // index into tags_
  };
  std::vector<Segment> segments_;
  std::vector<Tag> tags_;
};

}  // namespace leadterra::detail
