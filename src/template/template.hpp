// Templates: the Mustache specification's interpolation, sections, inverted
// sections and comments, plus `<<name>>`, `{{name|fallback}}` and spintax
// `{~Hi|Hello|Hey~}` (docs/personalize.md).
//
// A Template is parsed once per step and rendered once per lead. Parsing
// never throws: text that is not a well-formed tag stays literal, and text
// with syntax the engine refuses (partials, delimiter changes, unbalanced
// sections or spins, spins nested too deep) is reported by problem() and
// parsed as before sections existed (interpolation only), so that a step
// stored by an earlier version renders as it always did. The engine refuses
// such a step when it is saved.
// Rendering never re-scans inserted values. A parsed Template is immutable
// and may be rendered from several threads at once.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leadterra::detail {

enum class TagKind : std::uint8_t {
  variable,  // {{name}}, {{{name}}}, {{&name}}, <<name>>
  section,   // {{#name}}...{{/name}}
  inverted,  // {{^name}}...{{/name}}
};

struct Tag {
  std::string name;               // as written, trimmed: "firstName", "customFields.city", "."
  std::vector<std::string> path;  // `name` split on '.'; empty for "." (the current context)
  TagKind kind = TagKind::variable;
  bool escape = true;             // false for {{{name}}} and {{&name}}
  bool inSection = false;         // inside a section or inverted section
  bool inSpin = false;            // inside a spin's option ({~...|...~})
  bool pinned = false;            // one of parse()'s pinned names: never looked up in a section's context
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

// True when a section over the value is skipped (and an inverted section
// rendered): missing, null, false, "" or an empty list. The specification's
// falsey values are false, null and the empty list; "" joins them so that a
// lead's empty field (a company given as "") hides `{{#company}}...` as a
// missing one does. 0 and {} are values, as for fallbacks.
[[nodiscard]] bool isFalsey(const Value& v) noexcept;

// Appends the value as text: strings as they are, numbers and booleans as JSON
// writes them (85, 1.21, true), objects and arrays as compact JSON; HTML-escapes
// & < > " ' when `escape`.
void appendValue(std::string& out, const Value& v, bool escape);

// Looks the tag up in the sections' contexts, innermost first: "." is the
// innermost context; a name's first part is searched outward, and the rest of
// the path walks from the first context that has it (never further out).
// False when no context has the first part: the caller's resolver decides.
[[nodiscard]] bool findInContext(const Tag& tag, std::span<const Value> contexts, Value& found);

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

// Why a template cannot be saved, and where: the first refused construct.
struct TemplateProblem {
  std::size_t offset = 0;  // byte offset of the tag in the text
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in characters (UTF-8 sequences) from the line's start
  std::string message;     // e.g. "partials ({{>name}}) are not supported"
};

// Sections nest at most this deep; deeper nesting is a problem.
inline constexpr std::size_t kMaxSectionDepth = 100;

// Spins nest at most this deep (a spin outside any other is at depth 1);
// deeper nesting is a problem.
inline constexpr std::size_t kMaxSpinDepth = 8;

// A spin, `{~Hi|Hello {{firstName}}|Hey~}`, as parsed.
struct SpinInfo {
  std::size_t offset = 0;  // byte offset of its "{~" in the text
  std::size_t line = 1;    // 1-based
  std::size_t column = 1;  // 1-based, in characters (UTF-8 sequences), as for TemplateProblem
  std::size_t depth = 1;   // 1 outside any other spin, 2 inside one, ... (kMaxSpinDepth at most)
  // Per option, in order: the names of the variable tags it holds, as
  // written ("firstName", "customFields.city"), sorted and unique; the tags
  // of spins nested in the option count for it too. Section names are not
  // listed. An option without variable tags has an empty list.
  std::vector<std::vector<std::string>> optionTokens;
};

// The option a spin renders: a number in [0, optionCount) (0 when
// optionCount is 0), from the rendering's key and the spin's ordinal (the
// 0-based order of its "{~" in the text, nested spins included). A pure
// integer function, the same on every platform and in every process:
// splitmix64 over the key, then over that result XOR the ordinal, then a
// multiply-shift reduction (the high 64 bits of the 128-bit product of the
// hash and optionCount). Over many keys each option is chosen about equally
// often, and the choices of a template's spins are independent of each other.
[[nodiscard]] std::size_t spinChoice(std::uint64_t key, std::size_t ordinal, std::size_t optionCount) noexcept;

// A stable 64-bit hash of bytes, for building a rendering's spin key: 64-bit
// FNV-1a whose starting value is the FNV offset basis XOR `seed`, followed
// by the splitmix64 finaliser (so that every input bit reaches every output
// bit). The same on every platform and in every process, unlike std::hash.
// Several fields hash as a chain, each one's hash the next one's seed:
// stableHash(email, stableHash(variant, stableHash(step, stableHash(campaign)))).
[[nodiscard]] std::uint64_t stableHash(std::string_view bytes, std::uint64_t seed = 0) noexcept;

class Template {
 public:
  // `pinnedNames`: names that always go to the resolver, even inside a
  // section whose context has a key of that name (the engine's reserved
  // {{unsubscribeUrl}}, which lead data must never fill).
  [[nodiscard]] static Template parse(std::string_view text, std::span<const std::string_view> pinnedNames = {});

  // The variable tags and section openers in order of appearance (duplicates
  // included); closing tags and comments are not tags.
  [[nodiscard]] const std::vector<Tag>& tags() const noexcept { return tags_; }

  // The refused construct, if any; the template then renders as earlier
  // versions did (interpolation tags only, every other tag and every spin
  // literal).
  [[nodiscard]] const std::optional<TemplateProblem>& problem() const noexcept { return problem_; }

  // The spins in order of their "{~" in the text (nested ones included): a
  // spin's index here is its ordinal for spinChoice. Empty when problem()
  // is set.
  [[nodiscard]] const std::vector<SpinInfo>& spins() const noexcept { return spins_; }

  // Appends the rendering to `out`. `resolve` is called as
  // `Value resolve(const Tag&)` for each tag, outside sections, and inside
  // them for the tags findInContext leaves to it ("." outside any section
  // has an empty path). `html`: escape tags whose `escape` is set; otherwise
  // nothing is escaped. An empty or missing value with a fallback renders
  // the fallback.
  //
  // Each spin renders one of its options: spinChoice(spinKey, ordinal,
  // options), so the same key always gives the same text, and a spin inside
  // a section repeated over a list makes the same choice for every item.
  template <typename Resolve>
  void renderTo(std::string& out, bool html, Resolve&& resolve, std::uint64_t spinKey = 0) const {
    if (!hasSections_ && !hasSpins_) {
      // Interpolation only, the usual step: no contexts to search.
      for (const Segment& s : segments_) {
        if (s.tag < 0) {
          out.append(s.literal);
        } else {
          const Tag& tag = tags_[static_cast<std::size_t>(s.tag)];
          appendVariable(out, html, tag, resolve(tag));
        }
      }
      return;
    }
    std::vector<Value> contexts;
    renderRange(out, html, resolve, spinKey, 0, segments_.size(), contexts);
  }

  template <typename Resolve>
  [[nodiscard]] std::string render(bool html, Resolve&& resolve, std::uint64_t spinKey = 0) const {
    std::string out;
    renderTo(out, html, resolve, spinKey);
    return out;
  }

  // Renders a mail header value, such as a step's subject: nothing escaped,
  // then the whole result passed through foldHeader, so a line break or
  // other control character never reaches the header whatever its source (a
  // lead's value, a custom field, a fallback, the template's own text).
  template <typename Resolve>
  [[nodiscard]] std::string renderHeader(Resolve&& resolve, std::uint64_t spinKey = 0) const {
    std::string out;
    renderTo(out, false, resolve, spinKey);
    foldHeader(out);
    return out;
  }

 private:
  friend class TemplateParser;

  // A segment is literal text (tag < 0 and spin < 0), a tag, or a spin. A
  // spin's options follow it, each a run of segments: spinStarts_[spin]
  // holds the index of each option's first segment, and `end` the index
  // after the last option's.
  struct Segment {
    std::string literal;  // used when tag < 0 and spin < 0
    int tag = -1;         // index into tags_
    int spin = -1;        // index into spins_ and spinStarts_ (the spin's ordinal)
    std::size_t end = 0;  // a section's or spin's: the index of the segment after its body
  };

  static void appendVariable(std::string& out, bool html, const Tag& tag, const Value& v) {
    if (tag.fallback && isEmptyValue(v)) {
      out.append(*tag.fallback);
    } else {
      appendValue(out, v, html && tag.escape);
    }
  }

  template <typename Resolve>
  static Value lookup(const Tag& tag, const std::vector<Value>& contexts, Resolve& resolve) {
    Value v;
    if (tag.pinned || contexts.empty() || !findInContext(tag, contexts, v)) v = resolve(tag);
    return v;
  }

  // Renders segments [begin, end) with `contexts` the enclosing sections'
  // values, innermost last. Recursion is as deep as the sections and spins
  // nest (kMaxSectionDepth + kMaxSpinDepth at most).
  template <typename Resolve>
  void renderRange(std::string& out, bool html, Resolve& resolve, std::uint64_t spinKey, std::size_t begin,
                   std::size_t end, std::vector<Value>& contexts) const {
    for (std::size_t i = begin; i < end; ++i) {
      const Segment& s = segments_[i];
      if (s.tag < 0) {
        if (s.spin < 0) {
          out.append(s.literal);
          continue;
        }
        // A spin: one option, the segments from its start to the next one's.
        const auto ordinal = static_cast<std::size_t>(s.spin);
        const std::vector<std::size_t>& starts = spinStarts_[ordinal];
        const std::size_t k = spinChoice(spinKey, ordinal, starts.size());
        const std::size_t optionEnd = k + 1 < starts.size() ? starts[k + 1] : s.end;
        renderRange(out, html, resolve, spinKey, starts[k], optionEnd, contexts);
        i = s.end - 1;  // past the options
        continue;
      }
      const Tag& tag = tags_[static_cast<std::size_t>(s.tag)];
      const Value v = lookup(tag, contexts, resolve);
      switch (tag.kind) {
        case TagKind::variable:
          appendVariable(out, html, tag, v);
          continue;
        case TagKind::inverted:
          if (isFalsey(v)) renderRange(out, html, resolve, spinKey, i + 1, s.end, contexts);
          break;
        case TagKind::section:
          if (v.json != nullptr && v.json->is_array()) {
            // A list: the body once per item, the item its context.
            for (const Json& item : *v.json) {
              contexts.push_back(Value{std::nullopt, &item});
              renderRange(out, html, resolve, spinKey, i + 1, s.end, contexts);
              contexts.pop_back();
            }
          } else if (!isFalsey(v)) {
            // An object, or any other value: the body once, the value its context.
            contexts.push_back(v);
            renderRange(out, html, resolve, spinKey, i + 1, s.end, contexts);
            contexts.pop_back();
          }
          break;
      }
      i = s.end - 1;  // past the body
    }
  }

  std::vector<Segment> segments_;
  std::vector<Tag> tags_;
  std::optional<TemplateProblem> problem_;
  std::vector<SpinInfo> spins_;
  std::vector<std::vector<std::size_t>> spinStarts_;  // per spin: each option's first segment
  bool hasSections_ = false;
  bool hasSpins_ = false;
};

}  // namespace leadterra::detail
