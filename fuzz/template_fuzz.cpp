// Fuzz target: the template parser and renderer (src/template), rendering
// through the engine's own lookup of a lead's fields (standard fields, custom
// keys, dotted paths, numbers, objects, lists, empty and null values), with
// sections, inverted sections, comments and spins over them. The spin key is
// derived from the input, so each input also tries its own choice of options.
//
// Checked beyond "no crash, no sanitizer report": text without "{{", "<<"
// or "{~" renders as itself; the same key renders the same text; spins() is
// empty for a refused text and otherwise lists spins inside the text in
// increasing order, at most kMaxSpinDepth deep, each with an option and its
// tokens among tags(); spinChoice stays in range; an html render differs
// from a text render only where
// the text render holds one of & < > " ' (escaping is all it adds); the text
// rendered as a subject (a header value) is well-formed UTF-8 without any
// control character (C0, DEL, C1) or U+2028/U+2029, and is the text render
// folded by foldHeader; a refused text's problem lies inside the text, and
// parsing the same text twice gives the same problem.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/lead_record.hpp"
#include "template/template.hpp"
#include "util/text.hpp"

namespace {

using namespace leadterra;

const LeadRecord& lead(bool special) {
  static const LeadRecord plain = [] {
    LeadInput in;
    in.email = "ava@acmecorp.com";
    in.firstName = "Ava";
    in.company = "";
    in.customFields = R"({"city":"Oslo","score":85,"ratio":1.21,"vip":true,"none":null,"empty":"",)"
                      R"("nested":{"a":{"b":["x",2]}},"list":[1,2,3],"firstName":"shadowed"})";
    return previewRecord(in);
  }();
  static const LeadRecord html = [] {
    LeadInput in;
    in.email = "o'brien@acmecorp.com";
    in.firstName = "<b>\"Tom\" & 'Jerry'</b>";
    in.lastName = "{{firstName}}";
    // Line breaks and other controls, for the subject: CRLF, TAB, DEL, NEL, U+2028.
    in.jobTitle = "VP\r\nBcc: victim@evil.io\t\x7F\xC2\x85\xE2\x80\xA8";
    in.customFields = R"({"city":"<script>","deep":{"x":"&amp;"},"hdr":"a\r\nCc: b\u0000\u009f\u2029"})";
    return previewRecord(in);
  }();
  return special ? html : plain;
}

// True when `s` is well-formed UTF-8 (no NUL) and holds no code point a
// header value may not: below U+0020, U+007F-U+009F, U+2028, U+2029.
bool isHeaderSafe(std::string_view s) {
  if (!detail::isCleanUtf8(s)) return false;
  for (std::size_t i = 0; i < s.size();) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) return false;
    i += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const detail::Template t = detail::Template::parse(text);
  if (const auto& p = t.problem()) {
    if (p->offset >= text.size() || p->line < 1 || p->column < 1 || p->message.empty()) {
      __builtin_trap();  // a problem that names no place in the text
    }
    const auto again = detail::Template::parse(text).problem();
    if (!again || again->offset != p->offset || again->message != p->message) __builtin_trap();
    if (!t.spins().empty()) __builtin_trap();  // a refused text is parsed without spins
  }
  std::size_t previous = 0;
  for (std::size_t k = 0; k < t.spins().size(); ++k) {
    const detail::SpinInfo& spin = t.spins()[k];
    if (spin.offset + 1 >= text.size() || text.substr(spin.offset, 2) != "{~" || (k > 0 && spin.offset <= previous) ||
        spin.depth < 1 || spin.depth > detail::kMaxSpinDepth || spin.optionTokens.empty() || spin.line < 1 ||
        spin.column < 1) {
      __builtin_trap();  // a spin out of place, out of order or too deep
    }
    previous = spin.offset;
    for (const auto& names : spin.optionTokens) {
      if (!std::is_sorted(names.begin(), names.end()) ||
          std::adjacent_find(names.begin(), names.end()) != names.end()) {
        __builtin_trap();  // option tokens not sorted and unique
      }
      for (const std::string& name : names) {
        const auto& tags = t.tags();
        if (std::none_of(tags.begin(), tags.end(),
                         [&](const detail::Tag& tag) { return tag.inSpin && tag.name == name; })) {
          __builtin_trap();  // an option token that is no tag in a spin
        }
      }
    }
  }
  const std::uint64_t key = detail::stableHash(text);
  if (detail::spinChoice(key, size, size + 1) > size || detail::spinChoice(key, 0, 0) != 0) __builtin_trap();
  for (const bool special : {false, true}) {
    const LeadRecord& record = lead(special);
    const auto resolve = [&record](const detail::Tag& tag) { return resolveLeadTag(record, tag); };
    const std::string html = t.render(true, resolve, key);
    const std::string plain = t.render(false, resolve, key);
    if (plain != t.render(false, resolve, key)) __builtin_trap();  // the same key, another text
    if (text.find("{{") == std::string_view::npos && text.find("<<") == std::string_view::npos &&
        text.find("{~") == std::string_view::npos && plain != text) {
      __builtin_trap();  // literal text changed
    }
    if (plain != html && plain.find_first_of("&<>\"'") == std::string::npos) {
      __builtin_trap();  // html changed something that needs no escaping
    }
    const std::string subject = t.renderHeader(resolve, key);
    if (!isHeaderSafe(subject)) {
      __builtin_trap();  // a control character, a line separator or a bad byte in a subject
    }
    std::string folded = plain;
    detail::foldHeader(folded);
    if (subject != folded) {
      __builtin_trap();  // a subject is not the text render folded
    }
  }
  return 0;
}
