// Fuzz target: the template parser and renderer (src/template), rendering
// through the engine's own lookup of a lead's fields (standard fields, custom
// keys, dotted paths, numbers, objects, empty and null values).
//
// Checked beyond "no crash, no sanitizer report": text without "{{" or "<<"
// renders as itself; an html render differs from a text render only where
// the text render holds one of & < > " ' (escaping is all it adds).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/lead_record.hpp"
#include "template/template.hpp"

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
    in.customFields = R"({"city":"<script>","deep":{"x":"&amp;"}})";
    return previewRecord(in);
  }();
  return special ? html : plain;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const detail::Template t = detail::Template::parse(text);
  for (const bool special : {false, true}) {
    const LeadRecord& record = lead(special);
    const auto resolve = [&record](const detail::Tag& tag) { return resolveLeadTag(record, tag); };
    const std::string html = t.render(true, resolve);
    const std::string plain = t.render(false, resolve);
    if (text.find("{{") == std::string_view::npos && text.find("<<") == std::string_view::npos && plain != text) {
      __builtin_trap();  // literal text changed
    }
    if (plain != html && plain.find_first_of("&<>\"'") == std::string::npos) {
      __builtin_trap();  // html changed something that needs no escaping
    }
  }
  return 0;
}
