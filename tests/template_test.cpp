#define BOOST_TEST_MODULE template
#include <boost/test/unit_test.hpp>

#include "template/template.hpp"

#include "test_util.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

using leadterra::detail::appendValue;
using leadterra::detail::foldHeader;
using leadterra::detail::isEmptyValue;
using leadterra::detail::Tag;
using leadterra::detail::Template;
using leadterra::detail::Value;
using json = leadterra::detail::Json;  // nlohmann::ordered_json

namespace {

// Walks `data` by the tag's path; missing when a part is absent or the value
// on the way is not an object (the Mustache spec's dotted-name rules).
Value lookup(const json& data, const Tag& tag) {
  const json* cur = &data;
  for (const std::string& part : tag.path) {
    if (!cur->is_object()) return {};
    const auto it = cur->find(part);
    if (it == cur->end()) return {};
    cur = &*it;
  }
  return Value{std::nullopt, cur};
}

std::string render(std::string_view text, const json& data, bool html = true) {
  const Template t = Template::parse(text);
  return t.render(html, [&](const Tag& tag) { return lookup(data, tag); });
}

std::string renderHeader(std::string_view text, const json& data) {
  const Template t = Template::parse(text);
  return t.renderHeader([&](const Tag& tag) { return lookup(data, tag); });
}

std::string folded(std::string value) {
  foldHeader(value);
  return value;
}

// The UTF-8 encoding of a code point below U+10000.
std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return out;
}

std::string renderValue(const Value& v, bool escape) {
  std::string out;
  appendValue(out, v, escape);
  return out;
}

const json kLead = {
    {"email", "ada@example.com"},
    {"firstName", "Ada"},
    {"lastName", "Lovelace"},
    {"company", "Analytical Engines"},
    {"jobTitle", nullptr},
    {"customFields", {{"city", "London"}, {"score", 85}, {"ratio", 1.21}}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(template_)

// ---- Tag forms ----

BOOST_AUTO_TEST_CASE(double_braces_insert_the_value) {
  BOOST_TEST(render("Hi {{firstName}}!", kLead) == "Hi Ada!");
}

BOOST_AUTO_TEST_CASE(padding_inside_the_braces_is_allowed) {
  BOOST_TEST(render("Hi {{ firstName }}!", kLead) == "Hi Ada!");
  BOOST_TEST(render("Hi {{\tfirstName\n}}!", kLead) == "Hi Ada!");
  BOOST_TEST(render("Hi {{   firstName}}{{lastName   }}", kLead) == "Hi AdaLovelace");
}

BOOST_AUTO_TEST_CASE(angle_alias_inserts_the_value) {
  BOOST_TEST(render("Hi <<firstName>>!", kLead) == "Hi Ada!");
  BOOST_TEST(render("Hi << firstName >>!", kLead) == "Hi Ada!");
}

BOOST_AUTO_TEST_CASE(angle_alias_escapes_like_double_braces) {
  const json data = {{"x", "<b>"}};
  BOOST_TEST(render("<<x>>", data) == "&lt;b&gt;");
  BOOST_TEST(render("<<x>>", data) == render("{{x}}", data));
}

BOOST_AUTO_TEST_CASE(triple_braces_and_ampersand_never_escape) {
  const json data = {{"x", "<b>&\"'"}};
  BOOST_TEST(render("{{{x}}}", data) == "<b>&\"'");
  BOOST_TEST(render("{{{ x }}}", data) == "<b>&\"'");
  BOOST_TEST(render("{{&x}}", data) == "<b>&\"'");
  BOOST_TEST(render("{{& x }}", data) == "<b>&\"'");
  BOOST_TEST(render("{{ &x }}", data) == "<b>&\"'");
}

BOOST_AUTO_TEST_CASE(tag_records_its_form) {
  const Template t = Template::parse("{{a}} {{{b}}} {{&c}} <<d>>");
  BOOST_TEST_REQUIRE(t.tags().size() == 4U);
  BOOST_TEST(t.tags()[0].escape);
  BOOST_TEST(!t.tags()[1].escape);
  BOOST_TEST(!t.tags()[2].escape);
  BOOST_TEST(t.tags()[3].escape);
  BOOST_TEST(t.tags()[2].name == "c");  // the sigil is not part of the name
}

// ---- Fallbacks ----

BOOST_AUTO_TEST_CASE(fallback_renders_when_the_value_is_missing_empty_or_null) {
  const json data = {{"empty", ""}, {"null", nullptr}};
  BOOST_TEST(render("Hi {{missing|there}}", data) == "Hi there");
  BOOST_TEST(render("Hi {{empty|there}}", data) == "Hi there");
  BOOST_TEST(render("Hi {{null|there}}", data) == "Hi there");
}

BOOST_AUTO_TEST_CASE(fallback_is_ignored_when_the_value_is_present) {
  const json data = {{"name", "Ada"}, {"zero", 0}, {"no", false}, {"blank", " "}};
  BOOST_TEST(render("{{name|there}}", data) == "Ada");
  BOOST_TEST(render("{{zero|none}}", data) == "0");
  BOOST_TEST(render("{{no|none}}", data) == "false");
  BOOST_TEST(render("[{{blank|none}}]", data) == "[ ]");  // whitespace is a value
}

BOOST_AUTO_TEST_CASE(fallback_is_trimmed_and_may_contain_spaces) {
  const Template t = Template::parse("{{ firstName |  dear reader  }}");
  BOOST_TEST_REQUIRE(t.tags().size() == 1U);
  BOOST_TEST(t.tags()[0].name == "firstName");
  BOOST_TEST_REQUIRE(t.tags()[0].fallback.has_value());
  BOOST_TEST(*t.tags()[0].fallback == "dear reader");
  BOOST_TEST(render("Hello {{ firstName |  dear reader  }}!", json::object()) == "Hello dear reader!");
}

BOOST_AUTO_TEST_CASE(fallback_splits_at_the_first_bar) {
  BOOST_TEST(render("{{x|a|b}}", json::object()) == "a|b");
}

BOOST_AUTO_TEST_CASE(empty_fallback_renders_nothing) {
  const Template t = Template::parse("{{x|}}");
  BOOST_TEST_REQUIRE(t.tags().size() == 1U);
  BOOST_TEST_REQUIRE(t.tags()[0].fallback.has_value());
  BOOST_TEST(t.tags()[0].fallback->empty());
  BOOST_TEST(render("[{{x|}}]", json::object()) == "[]");
}

BOOST_AUTO_TEST_CASE(tag_without_bar_has_no_fallback) {
  const Template t = Template::parse("{{x}}");
  BOOST_TEST_REQUIRE(t.tags().size() == 1U);
  BOOST_TEST(!t.tags()[0].fallback.has_value());
}

BOOST_AUTO_TEST_CASE(fallback_is_never_escaped) {
  BOOST_TEST(render("{{x|Tom & Jerry's \"<shop>\"}}", json::object(), true) ==
             "Tom & Jerry's \"<shop>\"");
}

BOOST_AUTO_TEST_CASE(fallback_is_never_scanned_for_tags) {
  BOOST_TEST(render("{{x|<<firstName>>}}", kLead) == "<<firstName>>");
  BOOST_TEST(render("{{x|{firstName}}", kLead) == "{firstName");
}

BOOST_AUTO_TEST_CASE(fallback_works_in_every_form) {
  BOOST_TEST(render("{{{x|a}}}", json::object()) == "a");
  BOOST_TEST(render("{{&x|a}}", json::object()) == "a");
  BOOST_TEST(render("<<x|a b>>", json::object()) == "a b");
}

// ---- Escaping ----

BOOST_AUTO_TEST_CASE(html_escapes_each_special_character) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}};
  for (const auto& [raw, escaped] : cases) {
    BOOST_TEST_CONTEXT("character " << raw) {
      BOOST_TEST(render("a{{x}}b", json{{"x", "1" + raw + "2"}}) == "a1" + escaped + "2b");
    }
  }
}

BOOST_AUTO_TEST_CASE(html_escapes_every_occurrence_and_keeps_the_rest) {
  BOOST_TEST(render("{{x}}", json{{"x", "Smith & Sons <tools> & \"more\""}}) ==
             "Smith &amp; Sons &lt;tools&gt; &amp; &quot;more&quot;");
  BOOST_TEST(render("{{x}}", json{{"x", "Zoë"}}) == "Zoë");
}

BOOST_AUTO_TEST_CASE(text_mode_escapes_nothing) {
  const json data = {{"x", "&<>\"'"}};
  BOOST_TEST(render("{{x}} <<x>> {{{x}}}", data, false) == "&<>\"' &<>\"' &<>\"'");
}

BOOST_AUTO_TEST_CASE(template_text_is_never_escaped) {
  BOOST_TEST(render("<p>Hi & {{firstName}}</p>", kLead) == "<p>Hi & Ada</p>");
}

// ---- No re-interpolation ----

BOOST_AUTO_TEST_CASE(inserted_values_are_not_scanned_for_tags) {
  const json data = {{"a", "{{b}} <<b>> {{{b}}}"}, {"b", "WRONG"}};
  BOOST_TEST(render("{{{a}}}", data) == "{{b}} <<b>> {{{b}}}");
  BOOST_TEST(render("{{a}}", data, false) == "{{b}} <<b>> {{{b}}}");
  BOOST_TEST(render("{{a}}", data) == "{{b}} &lt;&lt;b&gt;&gt; {{{b}}}");
}

// ---- Malformed tags stay literal ----

BOOST_AUTO_TEST_CASE(malformed_tags_stay_literal) {
  const std::vector<std::string> malformed = {
      "{{ }}",         "{{}}",       "{{first name}}", "Hi {{firstName",  "{{",
      "<<>>",          "<< >>",      "<<first name>>", "<<firstName",     "{{{}}}",
      "{{a..b}}",      "{{.a}}",     "{{a.}}",         "{{..}}",          "{{{..}}}",
      "{{&..}}",       "<<#x>>",     "<</x>>",         "<<^x>>",          "<<!x>>",
      "Hi {{#x",       "{{!x",       "{{/x",           "{{^ x",           "{{|fallback}}",
      "{{ | x }}",     "<<&x>>",     "{{& }}",         "{{a}b}}",         "{{a{b}}",
      "{{a<b}}",       "<<a>b>>",    "{{\x01x}}",      "}}",              ">>",
      "{ {x} }",       "< <x> >",    "{x}",            "<x>",
  };
  const json data = {{"x", "X"}, {"a", "A"}, {"b", "B"}, {"firstName", "Ada"}};
  for (const std::string& text : malformed) {
    BOOST_TEST_CONTEXT("template " << text) {
      const Template t = Template::parse(text);
      BOOST_TEST(t.tags().empty());
      BOOST_TEST(!t.problem().has_value());
      BOOST_TEST(render(text, data) == text);
    }
  }
}

BOOST_AUTO_TEST_CASE(well_formed_tags_after_a_malformed_opener_still_work) {
  const json data = {{"firstName", "Ada"}};
  BOOST_TEST(render("{{ {{firstName}}", data) == "{{ Ada");
  BOOST_TEST(render("{{first name}} {{firstName}}", data) == "{{first name}} Ada");
  BOOST_TEST(render("{{oops {{firstName}}", data) == "{{oops Ada");
  BOOST_TEST(render("<< <<firstName>>", data) == "<< Ada");
}

BOOST_AUTO_TEST_CASE(extra_braces_around_a_tag_stay_literal) {
  const json data = {{"firstName", "Ada"}};
  BOOST_TEST(render("{{{firstName}}", data) == "{Ada");   // unbalanced triple
  BOOST_TEST(render("{{firstName}}}", data) == "Ada}");
  BOOST_TEST(render("{{{{firstName}}}}", data) == "{Ada}");
  BOOST_TEST(render("<<<firstName>>>", data) == "<Ada>");
  BOOST_TEST(render("{{{&firstName}}}", data) == "{Ada}");
}

BOOST_AUTO_TEST_CASE(many_unclosed_openers_stay_literal) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{{ <<";
  text += "{{firstName}}";
  const std::string out = render(text, json{{"firstName", "Ada"}});
  BOOST_TEST(out == text.substr(0, text.size() - 13) + "Ada");
}

// ---- Names and paths ----

BOOST_AUTO_TEST_CASE(dotted_names_walk_nested_objects) {
  BOOST_TEST(render("{{customFields.city}}", kLead) == "London");
  const json data = {{"a", {{"b", {{"c", "deep"}}}}}};
  BOOST_TEST(render("{{a.b.c}}", data) == "deep");
  BOOST_TEST(render("[{{a.x.c}}]", data) == "[]");
  BOOST_TEST(render("[{{a.b.c.d}}]", data) == "[]");  // "deep" is not an object
}

BOOST_AUTO_TEST_CASE(tag_path_is_the_name_split_on_dots) {
  const Template t = Template::parse("{{ customFields.city }}");
  BOOST_TEST_REQUIRE(t.tags().size() == 1U);
  BOOST_TEST(t.tags()[0].name == "customFields.city");
  const std::vector<std::string> expected = {"customFields", "city"};
  BOOST_TEST(t.tags()[0].path == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(names_may_hold_punctuation_and_non_ascii) {
  const json data = {{"città", "Roma"}, {"utm-source", "ad"}, {"R&D", "yes"}};
  BOOST_TEST(render("{{città}} {{utm-source}} {{R&D}}", data) == "Roma ad yes");
}

BOOST_AUTO_TEST_CASE(missing_and_null_render_empty) {
  BOOST_TEST(render("[{{nope}}][{{jobTitle}}]", kLead) == "[][]");
}

BOOST_AUTO_TEST_CASE(tags_are_listed_in_order_with_duplicates) {
  const Template t =
      Template::parse("{{firstName}} <<company>> {{firstName|you}} {{{customFields.city}}}");
  std::vector<std::string> names;
  for (const Tag& tag : t.tags()) names.push_back(tag.name);
  const std::vector<std::string> expected = {"firstName", "company", "firstName", "customFields.city"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(resolver_is_called_once_per_tag_in_order) {
  const Template t = Template::parse("{{a}}{{b}}{{a}}");
  std::vector<std::string> calls;
  (void)t.render(true, [&](const Tag& tag) {
    calls.push_back(tag.name);
    return Value{};
  });
  const std::vector<std::string> expected = {"a", "b", "a"};
  BOOST_TEST(calls == expected, boost::test_tools::per_element());
}

// ---- Value rendering ----

BOOST_AUTO_TEST_CASE(numbers_and_booleans_render_as_json_writes_them) {
  const json data = {{"i", 85},       {"neg", -3},    {"f", 1.21},  {"whole", 3.0},
                     {"t", true},     {"fl", false},  {"big", 18446744073709551615ULL}};
  BOOST_TEST(render("{{i}} {{neg}} {{f}} {{whole}} {{t}} {{fl}} {{big}}", data) ==
             "85 -3 1.21 3.0 true false 18446744073709551615");
  BOOST_TEST(render("{{customFields.score}}/{{customFields.ratio}}", kLead) == "85/1.21");
}

BOOST_AUTO_TEST_CASE(objects_and_arrays_render_as_compact_json) {
  const json data = {{"o", {{"a", 1}, {"b", {1, "two"}}}}, {"arr", {1, 2}}, {"e", json::object()}};
  BOOST_TEST(render("{{{o}}} {{arr}} {{e}}", data) == R"({"a":1,"b":[1,"two"]} [1,2] {})");
  BOOST_TEST(render("{{o}}", data) == "{&quot;a&quot;:1,&quot;b&quot;:[1,&quot;two&quot;]}");
  BOOST_TEST(render("{{e|none}}", data) == "{}");  // an empty object is not an empty value
}

BOOST_AUTO_TEST_CASE(string_values_render_as_they_are) {
  const std::string s = "O'Brien & co";
  BOOST_TEST(renderValue(Value{std::string_view(s), nullptr}, false) == s);
  BOOST_TEST(renderValue(Value{std::string_view(s), nullptr}, true) == "O&#39;Brien &amp; co");
  const json j = "O'Brien";
  BOOST_TEST(renderValue(Value{std::nullopt, &j}, false) == "O'Brien");  // not JSON-quoted
  BOOST_TEST(renderValue(Value{}, true).empty());
}

BOOST_AUTO_TEST_CASE(empty_value_means_missing_null_or_empty_string) {
  const std::string empty;
  const std::string full = "x";
  const json null;
  const json emptyJson = "";
  const json zero = 0;
  const json obj = json::object();
  BOOST_TEST(isEmptyValue(Value{}));
  BOOST_TEST(isEmptyValue(Value{std::string_view(empty), nullptr}));
  BOOST_TEST(isEmptyValue(Value{std::nullopt, &null}));
  BOOST_TEST(isEmptyValue(Value{std::nullopt, &emptyJson}));
  BOOST_TEST(!isEmptyValue(Value{std::string_view(full), nullptr}));
  BOOST_TEST(!isEmptyValue(Value{std::nullopt, &zero}));
  BOOST_TEST(!isEmptyValue(Value{std::nullopt, &obj}));
}

BOOST_AUTO_TEST_CASE(string_resolver_values_work_like_json_ones) {
  const Template t = Template::parse("Hi {{firstName|there}} & {{company}}");
  const std::string name = "<Ada>";
  const std::string empty;
  const auto byName = [&](const std::string* first) {
    return t.render(true, [&](const Tag& tag) {
      return tag.name == "firstName" ? Value{std::string_view(*first), nullptr} : Value{};
    });
  };
  BOOST_TEST(byName(&name) == "Hi &lt;Ada&gt; & ");
  BOOST_TEST(byName(&empty) == "Hi there & ");
}

// ---- Rendering contract ----

BOOST_AUTO_TEST_CASE(render_to_appends) {
  const Template t = Template::parse("{{x}}!");
  std::string out = "Hello ";
  const json data = {{"x", "world"}};
  t.renderTo(out, true, [&](const Tag& tag) { return lookup(data, tag); });
  BOOST_TEST(out == "Hello world!");
}

BOOST_AUTO_TEST_CASE(one_parse_renders_many_leads) {
  const Template t = Template::parse("Hi {{firstName|there}}, {{company}}");
  const std::vector<std::pair<json, std::string>> leads = {
      {json{{"firstName", "Ada"}, {"company", "AE"}}, "Hi Ada, AE"},
      {json{{"company", "Acme"}}, "Hi there, Acme"},
      {json{{"firstName", "Bo"}, {"company", nullptr}}, "Hi Bo, "},
  };
  for (const auto& [lead, expected] : leads) {
    BOOST_TEST(t.render(true, [&](const Tag& tag) { return lookup(lead, tag); }) == expected);
  }
}

BOOST_AUTO_TEST_CASE(text_without_tags_is_kept_exactly) {
  const std::string text = "Plain text, {braces}, <angles> and a | bar.\n";
  BOOST_TEST(Template::parse(text).tags().empty());
  BOOST_TEST(render(text, json::object()) == text);
  BOOST_TEST(render("", json::object()).empty());
}

// ---- Header values: the subject ----

BOOST_AUTO_TEST_CASE(fold_header_turns_each_line_break_into_one_space) {
  BOOST_TEST(folded("Hi Ann\r\nBcc: victim@evil.io") == "Hi Ann Bcc: victim@evil.io");  // CRLF: one break
  BOOST_TEST(folded("a\nb") == "a b");
  BOOST_TEST(folded("a\rb") == "a b");
  BOOST_TEST(folded("a\n\nb") == "a  b");      // two breaks, two spaces
  BOOST_TEST(folded("a\n\rb") == "a  b");      // LF then CR is not a pair
  BOOST_TEST(folded("a\r\r\nb") == "a  b");   // a lone CR, then a pair
  BOOST_TEST(folded("\r\nTo: x@evil.io\r\n\r\nbody") == " To: x@evil.io  body");
  BOOST_TEST(folded("end\r") == "end ");
}

BOOST_AUTO_TEST_CASE(fold_header_turns_tab_every_other_c0_control_and_del_into_a_space) {
  for (int c = 0x00; c <= 0x7F; ++c) {
    if (c >= 0x20 && c < 0x7F) continue;
    BOOST_TEST_CONTEXT("byte 0x" << std::hex << c) {
      BOOST_TEST(folded(std::string("a") + static_cast<char>(c) + "b") == "a b");
    }
  }
  BOOST_TEST(folded(std::string("x\0\0y", 4)) == "x  y");
}

BOOST_AUTO_TEST_CASE(fold_header_turns_c1_controls_and_unicode_line_separators_into_a_space) {
  for (char32_t cp = 0x80; cp <= 0x9F; ++cp) {
    BOOST_TEST_CONTEXT("U+00" << std::hex << static_cast<int>(cp)) {
      BOOST_TEST(folded("a" + utf8(cp) + "b") == "a b");
    }
  }
  BOOST_TEST(folded("a\xC2\x85" "b") == "a b");          // NEL
  BOOST_TEST(folded("a\xE2\x80\xA8" "b") == "a b");      // LINE SEPARATOR
  BOOST_TEST(folded("a\xE2\x80\xA9" "b") == "a b");      // PARAGRAPH SEPARATOR
}

BOOST_AUTO_TEST_CASE(fold_header_keeps_every_other_character_byte_for_byte) {
  std::string printable;
  for (char c = 0x20; c < 0x7F; ++c) printable.push_back(c);
  BOOST_TEST(folded(printable) == printable);
  // Neighbours of the folded ranges, letters, emoji, format characters.
  for (const char32_t cp : {0xA0U, 0xA1U, 0xE9U, 0x2027U, 0x202AU, 0x202EU, 0x200BU, 0xFEFFU, 0xFFFDU}) {
    BOOST_TEST_CONTEXT("U+" << std::hex << static_cast<int>(cp)) {
      BOOST_TEST(folded("a" + utf8(cp) + "b") == "a" + utf8(cp) + "b");
    }
  }
  BOOST_TEST(folded("Zo\xC3\xAB \xF0\x9F\x98\x80 \xC3\x85") == "Zo\xC3\xAB \xF0\x9F\x98\x80 \xC3\x85");
  BOOST_TEST(folded("  two  spaces, kept  ") == "  two  spaces, kept  ");  // neither trimmed nor merged
  BOOST_TEST(folded("").empty());
}

BOOST_AUTO_TEST_CASE(fold_header_replaces_bytes_that_are_not_utf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  BOOST_TEST(folded("a\xFF" "b") == "a" + fffd + "b");
  BOOST_TEST(folded("a\x85" "b") == "a" + fffd + "b");                  // a stray continuation byte
  BOOST_TEST(folded("a\xC0\x8A" "b") == "a" + fffd + fffd + "b");       // an overlong LF
  BOOST_TEST(folded("a\xC0\x8D\xC0\x8A" "b") == "a" + fffd + fffd + fffd + fffd + "b");  // an overlong CRLF
  BOOST_TEST(folded("a\xED\xA0\x80" "b") == "a" + fffd + fffd + fffd + "b");  // a surrogate
  BOOST_TEST(folded("end\xE2\x80") == "end" + fffd + fffd);               // truncated
}

BOOST_AUTO_TEST_CASE(fold_header_is_idempotent) {
  for (const std::string s : {"a\r\nb", "\t\x7F\xC2\x85\xE2\x80\xA8", "\xFF\xC0\x8A", "plain"}) {
    BOOST_TEST(folded(folded(s)) == folded(s));
  }
}

BOOST_AUTO_TEST_CASE(a_rendered_subject_folds_controls_from_every_source) {
  const json data = {{"firstName", "Ann\r\nBcc: victim@evil.io"},
                     {"customFields", {{"city", "Oslo\tNorway\x7F"}, {"note", "a\xC2\x85" "b\xE2\x80\xA8" "c"}}}};
  // A lead's value.
  BOOST_TEST(renderHeader("Hi {{firstName}}", data) == "Hi Ann Bcc: victim@evil.io");
  BOOST_TEST(renderHeader("Hi <<firstName>> {{{firstName}}} {{&firstName}}", data) ==
             "Hi Ann Bcc: victim@evil.io Ann Bcc: victim@evil.io Ann Bcc: victim@evil.io");
  // A custom field, nested or not.
  BOOST_TEST(renderHeader("{{customFields.city}}|{{customFields.note}}", data) == "Oslo Norway |a b c");
  // A fallback's text.
  BOOST_TEST(renderHeader("Hi {{lastName|dear\r\nBcc: x@evil.io}}", data) == "Hi dear Bcc: x@evil.io");
  // The template's own text.
  BOOST_TEST(renderHeader("Hi\r\nBcc: x@evil.io\n{{customFields.missing}}\tend", data) == "Hi Bcc: x@evil.io  end");
}

BOOST_AUTO_TEST_CASE(a_rendered_subject_is_never_escaped) {
  const json data = {{"company", "Smith & <Sons> \"'"}};
  BOOST_TEST(renderHeader("{{company}} <<company>>", data) == "Smith & <Sons> \"' Smith & <Sons> \"'");
}

BOOST_AUTO_TEST_CASE(a_rendered_body_keeps_its_line_breaks_and_controls) {
  const json data = {{"firstName", "Ann\r\nBcc: victim@evil.io"}, {"note", "a\tb\xC2\x85" "c"}};
  const std::string text = "Hi {{firstName}},\r\n\r\n{{note}}\n";
  const std::string expected = "Hi Ann\r\nBcc: victim@evil.io,\r\n\r\na\tb\xC2\x85" "c\n";
  BOOST_TEST(render(text, data, false) == expected);
  BOOST_TEST(render(text, data, true) == expected);
}

// ---- Sections, inverted sections, comments ----

BOOST_AUTO_TEST_CASE(a_section_over_a_lead_field_renders_when_the_field_has_a_value) {
  const std::string text = "Hi {{firstName|there}}{{#company}}, at {{company}}{{/company}}!";
  BOOST_TEST(render(text, json{{"firstName", "Ada"}, {"company", "AE"}}) == "Hi Ada, at AE!");
  BOOST_TEST(render(text, json{{"firstName", "Ada"}}) == "Hi Ada!");
  BOOST_TEST(render(text, json{{"company", nullptr}}) == "Hi there!");
  BOOST_TEST(render(text, json{{"company", ""}}) == "Hi there!");  // "" is falsey too
}

BOOST_AUTO_TEST_CASE(falsey_values_skip_a_section_and_render_an_inverted_one) {
  const std::vector<json> falsey = {nullptr, false, "", json::array()};
  for (const json& v : falsey) {
    BOOST_TEST_CONTEXT("value " << v.dump()) {
      BOOST_TEST(render("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", json{{"v", v}}) == "[no]");
    }
  }
  BOOST_TEST(render("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", json::object()) == "[no]");  // missing
  const std::vector<json> truthy = {true, 0, 1.5, " ", "false", json::object(), json{{"a", 1}}};
  for (const json& v : truthy) {
    BOOST_TEST_CONTEXT("value " << v.dump()) {
      BOOST_TEST(render("[{{#v}}yes{{/v}}{{^v}}no{{/v}}]", json{{"v", v}}) == "[yes]");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_list_repeats_the_section_with_each_item_as_context) {
  const json data = {{"firstName", "Ada"},
                     {"products", {{{"name", "Drill"}, {"qty", 2}}, {{"name", "Saw"}, {"qty", 1}}}},
                     {"tags", {"a", "<b>", 3}}};
  BOOST_TEST(render("{{#products}}- {{qty}} x {{name}} for {{firstName}}\n{{/products}}", data) ==
             "- 2 x Drill for Ada\n- 1 x Saw for Ada\n");
  BOOST_TEST(render("{{#tags}}({{.}}){{/tags}}", data) == "(a)(&lt;b&gt;)(3)");
  BOOST_TEST(render("{{#tags}}({{{.}}}){{/tags}}", data) == "(a)(<b>)(3)");
  BOOST_TEST(render("{{#tags}}({{.}}){{/tags}}", data, false) == "(a)(<b>)(3)");
}

BOOST_AUTO_TEST_CASE(an_object_section_resolves_names_inside_it_first_then_outward) {
  const json data = {{"city", "Paris"}, {"name", "outer"}, {"address", {{"city", "Leeds"}, {"zip", nullptr}}}};
  BOOST_TEST(render("{{#address}}{{city}}, {{name}}, [{{zip|none}}]{{/address}} {{city}}", data) ==
             "Leeds, outer, [none] Paris");
}

BOOST_AUTO_TEST_CASE(a_scalar_section_is_its_own_context) {
  BOOST_TEST(render("{{#company}}at {{.}} ({{company}}){{/company}}", json{{"company", "AE"}}) == "at AE (AE)");
  BOOST_TEST(render("{{#n}}{{.}}{{/n}}", json{{"n", 0}}) == "0");
}

BOOST_AUTO_TEST_CASE(a_dotted_name_stays_in_the_context_that_has_its_first_part) {
  const json data = {{"a", {{"b", json::object()}}}, {"b", {{"c", "ERROR"}}}};
  BOOST_TEST(render("[{{#a}}{{b.c}}{{/a}}]", data) == "[]");
  BOOST_TEST(render("[{{#a}}{{b.c|none}}{{/a}}]", data) == "[none]");
}

BOOST_AUTO_TEST_CASE(sections_nest) {
  const json data = {{"groups", {{{"name", "A"}, {"items", {1, 2}}}, {{"name", "B"}, {"items", json::array()}}}}};
  BOOST_TEST(render("{{#groups}}{{name}}:{{#items}}{{.}}{{/items}}{{^items}}none{{/items}};{{/groups}}", data) ==
             "A:12;B:none;");
}

BOOST_AUTO_TEST_CASE(comments_render_nothing_and_may_span_lines) {
  BOOST_TEST(render("a{{! note }}b{{!\nmore\n}}c", json::object()) == "abc");
  BOOST_TEST(render("a{{!{{firstName}}b", kLead) == "ab");  // a comment ends at the first }}
  BOOST_TEST(render("Hi\n  {{! standalone: the line goes }}\nthere", json::object()) == "Hi\nthere");
  BOOST_TEST(Template::parse("{{! x }}").tags().empty());
}

BOOST_AUTO_TEST_CASE(a_tag_alone_on_its_line_removes_the_line) {
  const json data = {{"company", "AE"}};
  BOOST_TEST(render("Hi,\n{{#company}}\nat {{company}}\n{{/company}}\nBye\n", data) == "Hi,\nat AE\nBye\n");
  BOOST_TEST(render("Hi,\n{{#company}}\nat {{company}}\n{{/company}}\nBye\n", json::object()) == "Hi,\nBye\n");
  BOOST_TEST(render("Hi,\r\n  {{^company}}\t\r\nnone\r\n{{/company}}\r\nBye", json::object()) ==
             "Hi,\r\nnone\r\nBye");
  // Not alone: the line stays.
  BOOST_TEST(render("Hi {{#company}}at {{company}}{{/company}}\n", data) == "Hi at AE\n");
  BOOST_TEST(render("  {{company}}\n", data) == "  AE\n");  // a variable never is standalone
}

BOOST_AUTO_TEST_CASE(tags_record_their_kind_and_whether_they_are_in_a_section) {
  const Template t = Template::parse("{{a}}{{#b}}{{c}}{{^d}}{{.}}{{/d}}{{/b}}{{! e }}{{f}}");
  BOOST_TEST_REQUIRE(t.tags().size() == 6U);
  using leadterra::detail::TagKind;
  BOOST_TEST((t.tags()[0].kind == TagKind::variable && !t.tags()[0].inSection));
  BOOST_TEST((t.tags()[1].kind == TagKind::section && !t.tags()[1].inSection && t.tags()[1].name == "b"));
  BOOST_TEST((t.tags()[2].kind == TagKind::variable && t.tags()[2].inSection));
  BOOST_TEST((t.tags()[3].kind == TagKind::inverted && t.tags()[3].inSection));
  BOOST_TEST((t.tags()[4].name == "." && t.tags()[4].path.empty() && t.tags()[4].inSection));
  BOOST_TEST((t.tags()[5].name == "f" && !t.tags()[5].inSection));
  BOOST_TEST(!t.problem().has_value());
}

BOOST_AUTO_TEST_CASE(a_pinned_name_is_never_taken_from_a_sections_context) {
  const std::string_view pinned[] = {"link"};
  const Template t = Template::parse("{{#o}}{{link}}|{{other}}{{/o}}", pinned);
  const json data = {{"o", {{"link", "https://evil.example"}, {"other", "x"}}}};
  const std::string out = t.render(true, [&](const Tag& tag) {
    static const std::string mine = "https://ours.example";
    return tag.name == "link" ? Value{std::string_view(mine), nullptr} : lookup(data, tag);
  });
  BOOST_TEST(out == "https://ours.example|x");
}

BOOST_AUTO_TEST_CASE(the_examples_of_the_personalization_guide_render_as_it_says) {
  const json ada = {{"firstName", "Ada"},
                    {"company", "Acme"},
                    {"products", {{{"name", "Drill"}, {"qty", 2}}, {{"name", "Saw"}, {"qty", 1}}}},
                    {"tags", {"solar", "storage"}}};
  const std::string greeting = "Hi {{firstName|there}}{{#company}}, how is everyone at {{company}}{{/company}}?";
  BOOST_TEST(render(greeting, ada) == "Hi Ada, how is everyone at Acme?");
  BOOST_TEST(render(greeting, json{{"firstName", "Ada"}}) == "Hi Ada?");
  BOOST_TEST(render(greeting, json{{"company", ""}}) == "Hi there?");
  BOOST_TEST(render("Your order:\n{{#products}}\n- {{qty}} x {{name}}\n{{/products}}\n"
                    "Interests: {{#tags}}{{.}} {{/tags}}\n",
                    ada) == "Your order:\n- 2 x Drill\n- 1 x Saw\nInterests: solar storage \n");
  const std::string hiring = "Hi {{firstName|there}},\n{{#company}}\nI saw that {{company}} is hiring.\n"
                             "{{/company}}\nBest,";
  BOOST_TEST(render(hiring, ada) == "Hi Ada,\nI saw that Acme is hiring.\nBest,");
  BOOST_TEST(render(hiring, json{{"firstName", "Ada"}}) == "Hi Ada,\nBest,");
  const std::string either = "{{#company}}\nHow does {{company}} handle outbound today?\n{{/company}}\n"
                             "{{^company}}\nHow does your team handle outbound today?\n{{/company}}\n";
  BOOST_TEST(render(either, ada) == "How does Acme handle outbound today?\n");
  BOOST_TEST(render(either, json::object()) == "How does your team handle outbound today?\n");
}

// ---- Refused syntax ----

namespace {

// The problem Template::parse reports for `text` (fails the test when none).
std::string problemOf(std::string_view text) {
  const Template t = Template::parse(text);
  if (!t.problem()) return "none";
  const auto& p = *t.problem();
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column) + ": " + p.message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(partials_and_delimiter_changes_are_refused_with_their_position) {
  BOOST_TEST(problemOf("Hi\n  {{> footer}}") == "line 2, column 3: partials ({{>name}}) are not supported");
  BOOST_TEST(problemOf("{{=<% %>=}}") == "line 1, column 1: delimiter changes ({{=<% %>=}}) are not supported");
  BOOST_TEST(problemOf("Zoë {{ =| |=}}") == "line 1, column 5: delimiter changes ({{=<% %>=}}) are not supported");
}

BOOST_AUTO_TEST_CASE(unbalanced_sections_are_refused_with_their_position) {
  BOOST_TEST(problemOf("Hi\n{{#company}}at {{company}}\n") ==
             "line 2, column 1: the section {{#company}} is never closed: end it with {{/company}}");
  BOOST_TEST(problemOf("{{#a}}{{^b}}\nx{{/a}}{{/b}}") ==
             "line 2, column 2: {{/a}} does not close the open section {{^b}} (line 1, column 7)");
  BOOST_TEST(problemOf("x\n\n   {{/company}}") == "line 3, column 4: {{/company}} closes no open section");
  BOOST_TEST(problemOf("{{#first name}}{{/first name}}") ==
             "line 1, column 1: a section needs a name without spaces or a fallback, as in {{#company}}");
  BOOST_TEST(problemOf("{{#a}}{{/a|b}}") ==
             "line 1, column 7: a closing tag needs a name without spaces or a fallback, as in {{/company}}");
  std::string deep;
  for (std::size_t i = 0; i <= leadterra::detail::kMaxSectionDepth; ++i) deep += "{{#a}}";
  BOOST_TEST(problemOf(deep) == "line 1, column 601: sections nest more than 100 deep");
}

BOOST_AUTO_TEST_CASE(a_refused_template_renders_as_earlier_versions_did) {
  // A step stored before sections existed keeps its text: only variables render.
  const std::string text = "{{#list}}{{firstName}}{{/lisst}} {{! x }} {{>p}} {{.}}";
  BOOST_TEST(Template::parse(text).problem().has_value());
  BOOST_TEST(render(text, json{{"firstName", "Ada"}}) == "{{#list}}Ada{{/lisst}} {{! x }} {{>p}} {{.}}");
}

// ---- Spintax ----

namespace {

using leadterra::detail::spinChoice;
using leadterra::detail::stableHash;

std::string spun(std::string_view text, const json& data, std::uint64_t key, bool html = true) {
  const Template t = Template::parse(text);
  return t.render(html, [&](const Tag& tag) { return lookup(data, tag); }, key);
}

// Every text `text` renders to over the keys 0 .. keys-1.
std::set<std::string> spunAll(std::string_view text, const json& data, std::uint64_t keys = 500) {
  const Template t = Template::parse(text);
  std::set<std::string> out;
  for (std::uint64_t key = 0; key < keys; ++key) {
    out.insert(t.render(true, [&](const Tag& tag) { return lookup(data, tag); }, key));
  }
  return out;
}

using Options = std::vector<std::vector<std::string>>;

}  // namespace

BOOST_AUTO_TEST_CASE(a_spin_is_parsed_with_its_options_and_position) {
  const Template t = Template::parse("Zo\xC3\xAB\n\n  {~Hi|Hello|Hey~} {~a~}, {{firstName}}");
  BOOST_TEST(!t.problem().has_value());
  BOOST_TEST_REQUIRE(t.spins().size() == 2U);
  const auto& s = t.spins()[0];
  BOOST_TEST(s.offset == 8U);
  BOOST_TEST(s.line == 3U);
  BOOST_TEST(s.column == 3U);
  BOOST_TEST(s.depth == 1U);
  BOOST_TEST(s.optionTokens.size() == 3U);
  BOOST_TEST(t.spins()[1].offset == 25U);
  BOOST_TEST(t.spins()[1].line == 3U);
  BOOST_TEST(t.spins()[1].column == 20U);
  BOOST_TEST(t.spins()[1].optionTokens.size() == 1U);
  BOOST_TEST_REQUIRE(t.tags().size() == 1U);
  BOOST_TEST(!t.tags()[0].inSpin);
  BOOST_TEST(Template::parse("Hi {{firstName}} | a ~} b").spins().empty());
}

BOOST_AUTO_TEST_CASE(a_spin_renders_the_option_spin_choice_picks) {
  const std::vector<std::string> options = {"Hi", "Hello", "Hey"};
  for (std::uint64_t key = 0; key < 50; ++key) {
    BOOST_TEST(spun("{~Hi|Hello|Hey~} Ada", kLead, key) == options[spinChoice(key, 0, 3)] + " Ada");
  }
}

BOOST_AUTO_TEST_CASE(every_option_is_reachable_over_keys) {
  BOOST_TEST((spunAll("{~Hi|Hello|Hey~}", kLead) == std::set<std::string>{"Hi", "Hello", "Hey"}));
  BOOST_TEST((spunAll("{~a|b|c|d|e|f|g~}", kLead) == std::set<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  BOOST_TEST((spunAll("{~only~}", kLead) == std::set<std::string>{"only"}));
}

BOOST_AUTO_TEST_CASE(the_same_key_gives_the_same_text) {
  const std::string text = "{~Hi|Hello|Hey~} {{firstName}}, {~quick|short~} {~question|note|thought~}";
  const Template t = Template::parse(text);
  const auto resolve = [&](const Tag& tag) { return lookup(kLead, tag); };
  std::set<std::string> seen;
  for (std::uint64_t key = 0; key < 100; ++key) {
    const std::string once = t.render(true, resolve, key);
    BOOST_TEST(once == t.render(true, resolve, key));
    BOOST_TEST(once == spun(text, kLead, key));  // another parse of the same text
    seen.insert(once);
  }
  BOOST_TEST(seen.size() > 6U);  // the spins choose independently of each other
  // Without a key: key 0.
  BOOST_TEST(t.render(true, resolve) == t.render(true, resolve, 0));
}

BOOST_AUTO_TEST_CASE(empty_options_are_allowed) {
  BOOST_TEST((spunAll("Hi{~, friend|~}!", kLead) == std::set<std::string>{"Hi, friend!", "Hi!"}));
  BOOST_TEST((spunAll("a{~~}b", kLead) == std::set<std::string>{"ab"}));
  BOOST_TEST((spunAll("{~||~}", kLead) == std::set<std::string>{""}));
  BOOST_TEST(Template::parse("{~||~}").spins().at(0).optionTokens.size() == 3U);
}

BOOST_AUTO_TEST_CASE(spins_nest_and_each_has_its_ordinal) {
  const std::string text = "{~a{~b|c~}|d~}{~e|f~}";
  const Template t = Template::parse(text);
  BOOST_TEST(!t.problem().has_value());
  BOOST_TEST_REQUIRE(t.spins().size() == 3U);
  BOOST_TEST(t.spins()[0].depth == 1U);
  BOOST_TEST(t.spins()[1].depth == 2U);
  BOOST_TEST(t.spins()[1].offset == 3U);
  BOOST_TEST(t.spins()[2].depth == 1U);
  BOOST_TEST(t.spins()[2].offset == 14U);
  for (std::uint64_t key = 0; key < 50; ++key) {
    std::string expected = spinChoice(key, 0, 2) == 0 ? (spinChoice(key, 1, 2) == 0 ? "ab" : "ac") : "d";
    expected += spinChoice(key, 2, 2) == 0 ? "e" : "f";
    BOOST_TEST(spun(text, kLead, key) == expected);
  }
  BOOST_TEST((spunAll("{~a{~b|c~}|d~}", kLead) == std::set<std::string>{"ab", "ac", "d"}));
}

BOOST_AUTO_TEST_CASE(spins_nest_up_to_the_limit) {
  std::string deep;
  for (std::size_t i = 0; i < leadterra::detail::kMaxSpinDepth; ++i) deep += "{~x";
  for (std::size_t i = 0; i < leadterra::detail::kMaxSpinDepth; ++i) deep += "~}";
  const Template t = Template::parse(deep);
  BOOST_TEST(!t.problem().has_value());
  BOOST_TEST(t.spins().size() == leadterra::detail::kMaxSpinDepth);
  BOOST_TEST(t.spins().back().depth == leadterra::detail::kMaxSpinDepth);
  BOOST_TEST(spun(deep, kLead, 7) == std::string(leadterra::detail::kMaxSpinDepth, 'x'));
}

BOOST_AUTO_TEST_CASE(tags_and_fallbacks_inside_options) {
  // The "|" of a fallback belongs to its tag: two options here.
  const std::string text = "{~Hi {{firstName|there}}|Hello <<lastName|you>>~}!";
  const Template t = Template::parse(text);
  BOOST_TEST_REQUIRE(t.spins().size() == 1U);
  BOOST_TEST((t.spins()[0].optionTokens == Options{{"firstName"}, {"lastName"}}));
  BOOST_TEST((spunAll(text, kLead) == std::set<std::string>{"Hi Ada!", "Hello Lovelace!"}));
  BOOST_TEST((spunAll(text, json::object()) == std::set<std::string>{"Hi there!", "Hello you!"}));
  BOOST_TEST_REQUIRE(t.tags().size() == 2U);
  BOOST_TEST(t.tags()[0].inSpin);
  BOOST_TEST(t.tags()[1].inSpin);
  BOOST_TEST(!t.tags()[0].inSection);
  BOOST_TEST(*t.tags()[0].fallback == "there");
  // A "|" or "~}" inside a comment belongs to it too.
  BOOST_TEST((spunAll("{~a{{! x|y ~} }}|b~}", kLead) == std::set<std::string>{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(option_tokens_are_sorted_unique_and_include_nested_spins) {
  const Template t = Template::parse(
      "{~{{b}} {{a}} {{b}}|<<customFields.city>>{~{{d}}|x {{{e}}}~}|{{#company}}{{.}}{{/company}}~} {{z}}");
  BOOST_TEST(!t.problem().has_value());
  BOOST_TEST_REQUIRE(t.spins().size() == 2U);
  BOOST_TEST((t.spins()[0].optionTokens == Options{{"a", "b"}, {"customFields.city", "d", "e"}, {"."}}));
  BOOST_TEST((t.spins()[1].optionTokens == Options{{"d"}, {"e"}}));
  std::vector<std::pair<std::string, bool>> inSpin;
  for (const Tag& tag : t.tags()) inSpin.emplace_back(tag.name, tag.inSpin);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"b", true}, {"a", true}, {"b", true}, {"customFields.city", true}, {"d", true},
      {"e", true}, {"company", true}, {".", true}, {"z", false}};
  BOOST_TEST((inSpin == expected));
}

BOOST_AUTO_TEST_CASE(html_escaping_inside_options_is_as_outside) {
  const json data = {{"x", "<i>&"}};
  const std::string text = "{~<b>{{x}}</b>|{{{x}}}|{{&x}}~}";
  BOOST_TEST((spunAll(text, data) == std::set<std::string>{"<b>&lt;i&gt;&amp;</b>", "<i>&"}));
  const Template t = Template::parse(text);
  std::set<std::string> plain;
  for (std::uint64_t key = 0; key < 100; ++key) {
    plain.insert(t.render(false, [&](const Tag& tag) { return lookup(data, tag); }, key));
  }
  BOOST_TEST((plain == std::set<std::string>{"<b><i>&</b>", "<i>&"}));
}

BOOST_AUTO_TEST_CASE(triple_braces_next_to_a_spin) {
  const json data = {{"x", "<X>"}};
  BOOST_TEST((spunAll("{{{x}}}{~a|b~}", data) == std::set<std::string>{"<X>a", "<X>b"}));
  BOOST_TEST((spunAll("{~{{{x}}}|b~}", data) == std::set<std::string>{"<X>", "b"}));
  BOOST_TEST((spunAll("{~a|{{{x}}}~}{{{x}}}", data) == std::set<std::string>{"a<X>", "<X><X>"}));
  BOOST_TEST((spunAll("{~{{x}}}~}", data) == std::set<std::string>{"&lt;X&gt;}"}));
  // A well-formed tag wins: "{{~a|b~}}" is the tag "~a" with the fallback "b~".
  BOOST_TEST((spunAll("{{~a|b~}}", data) == std::set<std::string>{"b~"}));
}

BOOST_AUTO_TEST_CASE(sections_inside_options) {
  const std::string text = "{~{{#company}}at {{company}}{{/company}}|{{^company}}hi{{/company}}~}";
  const Template t = Template::parse(text);
  BOOST_TEST(!t.problem().has_value());
  BOOST_TEST((t.spins().at(0).optionTokens == Options{{"company"}, {}}));
  BOOST_TEST((spunAll(text, kLead) == std::set<std::string>{"at Analytical Engines", ""}));
  BOOST_TEST((spunAll(text, json::object()) == std::set<std::string>{"", "hi"}));
  // A standalone section line inside an option goes, as elsewhere.
  BOOST_TEST((spunAll("{~\n{{#company}}\nat {{company}}\n{{/company}}\n|none~}", kLead) ==
              std::set<std::string>{"\nat Analytical Engines\n", "none"}));
}

BOOST_AUTO_TEST_CASE(a_spin_in_a_repeated_section_chooses_the_same_option_for_each_item) {
  const json data = {{"items", {"x", "y", "z"}}};
  const std::set<std::string> all = spunAll("{{#items}}{~a|b|c~}{{.}} {{/items}}", data);
  BOOST_TEST((all == std::set<std::string>{"ax ay az ", "bx by bz ", "cx cy cz "}));
}

BOOST_AUTO_TEST_CASE(a_rendered_subject_spins_too) {
  const Template t = Template::parse("{~Quick\r\nquestion|Hello~}, {{firstName}}");
  std::set<std::string> seen;
  for (std::uint64_t key = 0; key < 100; ++key) {
    const std::string subject = t.renderHeader([&](const Tag& tag) { return lookup(kLead, tag); }, key);
    BOOST_TEST(subject == (spinChoice(key, 0, 2) == 0 ? "Quick question, Ada" : "Hello, Ada"));
    seen.insert(subject);
  }
  BOOST_TEST(seen.size() == 2U);
}

BOOST_AUTO_TEST_CASE(bars_and_closers_outside_spins_are_text) {
  BOOST_TEST(render("a | b ~} c ~ }~ {{firstName}}", kLead) == "a | b ~} c ~ }~ Ada");
  BOOST_TEST((spunAll("{~a~} | b ~}", kLead) == std::set<std::string>{"a | b ~}"}));
  BOOST_TEST((spunAll("{~a~b|c~~}", kLead) == std::set<std::string>{"a~b", "c~"}));
  // A malformed tag is text, so its "|" separates options.
  BOOST_TEST((spunAll("{~{{first name|x}}|y~}", kLead) == std::set<std::string>{"{{first name", "x}}", "y"}));
}

BOOST_AUTO_TEST_CASE(the_spintax_examples_of_the_personalization_guide_render_as_it_says) {
  const std::string greeting =
      "{~Hi|Hello|Hey~} {{firstName|there}}, {~quick question|one question~} about {{company|your team}}.";
  const std::set<std::string> ada = spunAll(greeting, json{{"firstName", "Ada"}, {"company", "Acme"}});
  BOOST_TEST(ada.size() == 6U);
  BOOST_TEST(ada.count("Hello Ada, quick question about Acme.") == 1U);
  BOOST_TEST(spunAll(greeting, json{{"firstName", "Bo"}}).count("Hey Bo, one question about your team.") == 1U);
  BOOST_TEST((spunAll("Thanks{~, Ada|~}!", kLead) == std::set<std::string>{"Thanks, Ada!", "Thanks!"}));
  BOOST_TEST((spunAll("{~Hi {{firstName|there}}|Hello~}", json::object()) ==
              std::set<std::string>{"Hi there", "Hello"}));
  BOOST_TEST(render("a | b ~} c", kLead) == "a | b ~} c");
  const json products = {{"products", {{{"name", "Drill"}}, {{"name", "Saw"}}}}};
  BOOST_TEST((spunAll("{{#products}}{~Get|Grab~} {{name}}. {{/products}}", products) ==
              std::set<std::string>{"Get Drill. Get Saw. ", "Grab Drill. Grab Saw. "}));
  BOOST_TEST((spunAll("{~Hi|Hello {~there|again~}~}", kLead) ==
              std::set<std::string>{"Hi", "Hello there", "Hello again"}));
  BOOST_TEST(problemOf("{~{{#company}}How is {{company}}?{{/company}}|How are you?~}") == "none");
  BOOST_TEST(problemOf("{~{{#company}}How is {{company}}?|How are you?{{/company}}~}") != "none");
  BOOST_TEST(problemOf("{{#company}}{~at {{company}}{{/company}}|here~}") != "none");
  BOOST_TEST(problemOf("{{#company}}{~at|with~} {{company}}{{/company}}") == "none");
  BOOST_TEST((spunAll("{~{{firstName|there}}|{{firstName|friend}}~}", json::object()) ==
              std::set<std::string>{"there", "friend"}));
  // Nine combinations of two spins of three options.
  BOOST_TEST(spunAll("{~a|b|c~}{~d|e|f~}", kLead).size() == 9U);
}

BOOST_AUTO_TEST_CASE(refused_spins_name_their_position) {
  BOOST_TEST(problemOf("Hi\n  {~Hello|Hey") ==
             "line 2, column 3: the spin {~Hello|Hey is never closed: end it with ~}");
  BOOST_TEST(problemOf("{~Hello there, how are you|Hey") ==
             "line 1, column 1: the spin {~Hello there, how... is never closed: end it with ~}");
  BOOST_TEST(problemOf("{~a\nb") == "line 1, column 1: the spin {~a... is never closed: end it with ~}");
  BOOST_TEST(problemOf("x {~a{~b~}") == "line 1, column 3: the spin {~a{~b~} is never closed: end it with ~}");
  BOOST_TEST(problemOf("{~a|{~b|c") == "line 1, column 5: the spin {~b|c is never closed: end it with ~}");
  // The innermost construct left open is named.
  BOOST_TEST(problemOf("{~a{{#s}}b") ==
             "line 1, column 4: the section {{#s}} is never closed: end it with {{/s}}");
  BOOST_TEST(problemOf("{{#s}}{~a") == "line 1, column 7: the spin {~a is never closed: end it with ~}");
  BOOST_TEST(problemOf("{~{{#a}}x|y{{/a}}~}") ==
             "line 1, column 3: the section {{#a}} is not closed before the | that ends its spin option "
             "(line 1, column 10): a section must open and close inside one option");
  BOOST_TEST(problemOf("{~y|\n{{^a}}x~}{{/a}}") ==
             "line 2, column 1: the section {{^a}} is not closed before the ~} that ends its spin option "
             "(line 2, column 8): a section must open and close inside one option");
  BOOST_TEST(problemOf("{{#a}}{~x{{/a}}~}") ==
             "line 1, column 10: {{/a}} closes a section opened outside the spin at line 1, column 7: "
             "a section must open and close inside one option");
  std::string deep = "Hi\n";
  for (std::size_t i = 0; i <= leadterra::detail::kMaxSpinDepth; ++i) deep += "{~a";
  BOOST_TEST(problemOf(deep) == "line 2, column 25: spins nest more than 8 deep");
}

BOOST_AUTO_TEST_CASE(a_refused_template_keeps_its_spins_as_text) {
  const std::string text = "{~Hi|Hello~} {{firstName}} {~x";
  const Template t = Template::parse(text);
  BOOST_TEST(t.problem().has_value());
  BOOST_TEST(t.spins().empty());
  BOOST_TEST(!t.tags().at(0).inSpin);
  BOOST_TEST(spun(text, kLead, 3) == "{~Hi|Hello~} Ada {~x");
}

BOOST_AUTO_TEST_CASE(spin_choice_is_roughly_uniform_and_independent) {
  // 30,000 consecutive keys: each share within 2 points of the exact one
  // (the standard deviation is about 0.3 points: this cannot flake).
  constexpr std::uint64_t kKeys = 30000;
  for (const std::size_t n : {2U, 3U, 5U}) {
    std::vector<std::size_t> counts(n);
    for (std::uint64_t key = 0; key < kKeys; ++key) ++counts.at(spinChoice(key, 0, n));
    for (std::size_t k = 0; k < n; ++k) {
      const double share = 100.0 * static_cast<double>(counts[k]) / static_cast<double>(kKeys);
      BOOST_TEST(std::abs(share - 100.0 / static_cast<double>(n)) < 2.0,
                 "n=" << n << ", option " << k << ": " << share << "%");
    }
  }
  // Keys built by stableHash, as the engine does, and two spins of one
  // template: the four pairs of choices about equally often.
  std::vector<std::size_t> pairs(4);
  for (std::uint64_t i = 0; i < kKeys; ++i) {
    const std::uint64_t key = stableHash("lead" + std::to_string(i) + "@example.com", stableHash("camp_1"));
    ++pairs.at(spinChoice(key, 0, 2) * 2 + spinChoice(key, 1, 2));
  }
  for (const std::size_t c : pairs) {
    BOOST_TEST(std::abs(100.0 * static_cast<double>(c) / static_cast<double>(kKeys) - 25.0) < 2.0);
  }
  // Always in range.
  for (std::uint64_t key = 0; key < 1000; ++key) {
    BOOST_TEST(spinChoice(key * 0x9E3779B97F4A7C15ULL, key, 1000003) < 1000003U);
    BOOST_TEST(spinChoice(key, 3, 1) == 0U);
    BOOST_TEST(spinChoice(key, 3, 0) == 0U);
  }
}

BOOST_AUTO_TEST_CASE(stable_hash_and_spin_choice_have_fixed_values) {
  // Keys are stored nowhere but must not change between versions: a change
  // here reshuffles every lead's text.
  BOOST_TEST(stableHash("") == 0xf52a15e9a9b5e89bULL);
  BOOST_TEST(stableHash("a") == 0x02c0bdbf481420f8ULL);
  BOOST_TEST(stableHash("ada@example.com") == 0xe4c46e51eb03aa27ULL);
  BOOST_TEST(stableHash("ada@example.com", 42) == 0xe9e88d837f938eceULL);
  BOOST_TEST(stableHash("camp_1") == 0xe2c86e389f8cdbe4ULL);
  BOOST_TEST(stableHash("ada@example.com", stableHash("B", stableHash("2", stableHash("camp_1")))) ==
             0xecac014adb6796a0ULL);
  const std::vector<std::size_t> key0 = {1, 0, 2, 2, 0, 0, 1, 1};
  const std::vector<std::size_t> key1 = {1, 2, 2, 1, 2, 2, 0, 1};
  const std::vector<std::size_t> keyBeef = {0, 0, 0, 3, 2, 4, 0, 0};
  for (std::size_t ordinal = 0; ordinal < 8; ++ordinal) {
    BOOST_TEST(spinChoice(0, ordinal, 3) == key0[ordinal]);
    BOOST_TEST(spinChoice(1, ordinal, 3) == key1[ordinal]);
    BOOST_TEST(spinChoice(0xDEADBEEF, ordinal, 5) == keyBeef[ordinal]);
  }
  BOOST_TEST(spinChoice(~0ULL, 0, 7) == 2U);
  BOOST_TEST(spinChoice(~0ULL, 3, 7) == 0U);
}

// ---- The Mustache conformance suites ----

namespace {

// Every case of the four files runs, through the one renderer, against the
// case's own data (the resolver walks the JSON document; sections and "."
// work on it exactly as on a lead). The counts are checked exactly, so that a
// case that stops running (renamed, dropped, skipped by mistake) fails.
const std::vector<std::pair<std::string, std::size_t>> kConformanceFiles = {
    {"mustache-interpolation.json", 42},
    {"mustache-sections.json", 34},
    {"mustache-inverted.json", 22},
    {"mustache-comments.json", 12},
};
constexpr std::size_t kConformanceCases = 110;

}  // namespace

BOOST_AUTO_TEST_CASE(mustache_conformance) {
  std::size_t ran = 0;
  for (const auto& [file, count] : kConformanceFiles) {
    std::ifstream in(std::string(LEADTERRA_CONFORMANCE_DIR) + "/" + file);
    BOOST_TEST_REQUIRE(in.good(), "conformance file " << file << " not found");
    const json suite = json::parse(in);
    const json& tests = suite.at("tests");
    BOOST_TEST_REQUIRE(tests.is_array());
    BOOST_TEST(tests.size() == count, file << " holds " << tests.size() << " cases");
    for (const json& test : tests) {
      const std::string name = test.at("name").get<std::string>();
      const std::string tmpl = test.at("template").get<std::string>();
      BOOST_TEST_CONTEXT(file << ", test \"" << name << "\": " << test.at("desc").get<std::string>()) {
        BOOST_TEST(!Template::parse(tmpl).problem().has_value());
        BOOST_TEST(render(tmpl, test.at("data"), true) == test.at("expected").get<std::string>());
        ++ran;
      }
    }
  }
  BOOST_TEST_MESSAGE("conformance: ran " << ran << " cases of " << kConformanceFiles.size() << " files");
  BOOST_TEST(ran == kConformanceCases);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Through the public engine ----

BOOST_FIXTURE_TEST_SUITE(template_engine, leadterra::test::EngineFixture)

namespace {

constexpr const char* kCamp = "camp_mustache";

// The queued body of each lead, by email.
std::map<std::string, std::string> bodies(leadterra::CampaignEngine& engine) {
  std::map<std::string, std::string> out;
  for (const leadterra::Message& m : engine.listMessages(kCamp)) out[m.email] = m.body;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_conditional_company_line_renders_per_lead) {
  using leadterra::LeadInput;
  (void)seedCampaign(kCamp, {{"Hi {{firstName|there}}",
                              "Hi {{firstName|there}}{{#company}} at {{company}}{{/company}},\n"
                              "{{^company}}\nwhere do you work?\n{{/company}}\n"
                              "{{! internal: keep it short }}\n"
                              "{{#products}}- {{name}}\n{{/products}}Bye",
                              leadterra::StepFormat::text, 0}});
  LeadInput ada = lead("ada@example.com", "Ada", "Analytical Engines");
  ada.customFields = R"({"products":[{"name":"Drill"},{"name":"Saw"}]})";
  LeadInput bo = lead("bo@example.com", "Bo");
  LeadInput cy = lead("cy@example.com");
  cy.company = "";  // an empty company counts as none
  const leadterra::BulkResult r = engine->bulkUpsert(kCamp, std::vector<LeadInput>{ada, bo, cy});
  // Tags inside sections are not reported as missing; {{firstName}} has a fallback.
  BOOST_TEST(r.missingTokens.empty());
  (void)engine->startCampaign(kCamp);
  const auto got = bodies(*engine);
  BOOST_TEST_REQUIRE(got.size() == 3U);
  BOOST_TEST(got.at("ada@example.com") == "Hi Ada at Analytical Engines,\n- Drill\n- Saw\nBye");
  BOOST_TEST(got.at("bo@example.com") == "Hi Bo,\nwhere do you work?\nBye");
  BOOST_TEST(got.at("cy@example.com") == "Hi there,\nwhere do you work?\nBye");
}

BOOST_AUTO_TEST_CASE(refused_syntax_is_refused_when_a_step_is_saved) {
  using leadterra::Error;
  using leadterra::ErrorCode;
  using leadterra::Step;
  using leadterra::StepFormat;
  const auto messageOf = [](const std::function<void()>& fn) -> std::string {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(toString(e.code())) + ": " + e.what();
    }
    return "none";
  };
  (void)seedCampaign(kCamp);
  BOOST_TEST(messageOf([&] {
               (void)engine->createCampaign({"ws_test", "camp_b", "B",
                                             {{"ok", "fine", StepFormat::text, 0},
                                              {"Hi", "Hello\n{{> signature}}", StepFormat::text, 1}},
                                             {}, {}});
             }) == "invalid_argument: step 2 body, line 2, column 1: partials ({{>name}}) are not supported");
  BOOST_TEST(messageOf([&] {
               (void)engine->addStep(kCamp, Step{"{{=<% %>=}}", "x", StepFormat::text, 0});
             }) == "invalid_argument: the step subject, line 1, column 1: delimiter changes ({{=<% %>=}}) are "
                   "not supported");
  BOOST_TEST(messageOf([&] {
               (void)engine->addStep(kCamp, Step{"Hi", "{{#company}}at {{company}}", StepFormat::text, 0});
             }) == "invalid_argument: the step body, line 1, column 1: the section {{#company}} is never closed: "
                   "end it with {{/company}}");
  BOOST_TEST(messageOf([&] {
               (void)engine->replaceStep(kCamp, 1, Step{"Hi", "{{#a}}\n{{/b}}", StepFormat::text, 0});
             }) == "invalid_argument: step 1 body, line 2, column 1: {{/b}} does not close the open section "
                   "{{#a}} (line 1, column 1)");
  // Nothing was saved.
  BOOST_TEST(engine->getCampaign(kCamp)->steps.size() == 2U);
  BOOST_TEST(!engine->getCampaign("camp_b").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
