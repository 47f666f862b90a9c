// CustomValue and LeadInput::set (leadterra/lead.hpp): typed custom values
// written as compact JSON with nlohmann_json, so that C++ callers never
// write JSON text by hand.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "leadterra/error.hpp"
#include "leadterra/lead.hpp"
#include "util/flat_json.hpp"
#include "util/text.hpp"

namespace leadterra {
namespace {

// Keys keep the order they were written in, as the engine stores them.
using Json = nlohmann::ordered_json;

// The deepest customFields the engine stores, the object itself counted.
constexpr int kMaxDepth = static_cast<int>(detail::kMaxJsonDepth);
// So a value, one level below it, may nest one level less.
constexpr int kMaxValueDepth = kMaxDepth - 1;

[[noreturn]] void refuse(const std::string& problem) { throw Error(ErrorCode::invalid_argument, problem); }

// `text` as a JSON string literal, escaped as nlohmann writes it (so that
// text written here and text rewritten through a document are the same).
std::string quoted(std::string_view text, std::string_view what) {
  try {
    return Json(std::string(text)).dump();
  } catch (const Json::exception&) {
    refuse(fmt::format("{} must be valid UTF-8", what));
  }
}

// `object` (compact JSON object text) with `key` set to the JSON text `value`.
std::string withMember(std::string_view object, std::string_view key, const std::string& value) {
  Json doc = Json::parse(object);
  doc[std::string(key)] = Json::parse(value);
  return doc.dump();
}

}  // namespace

// ---- CustomValue ----

CustomValue::CustomValue(bool value) : json_(value ? "true" : "false") {}

CustomValue::CustomValue(std::string_view text) : json_(quoted(text, "a custom value")) {}

CustomValue::CustomValue(const std::string& text) : CustomValue(std::string_view(text)) {}

CustomValue::CustomValue(const char* text) {
  if (text != nullptr) json_ = quoted(text, "a custom value");
}

void CustomValue::setInteger(std::int64_t value) { json_ = std::to_string(value); }

void CustomValue::setUnsigned(std::uint64_t value) { json_ = std::to_string(value); }

void CustomValue::setReal(double value) {
  if (!std::isfinite(value)) refuse("a custom value must be a finite number: JSON has no NaN or infinity");
  json_ = Json(value).dump();
}

CustomValue CustomValue::object(std::initializer_list<Member> members) {
  CustomValue out;
  out.json_ = "{}";
  out.depth_ = 1;
  for (const Member& m : members) out.set(m.first, m.second);
  return out;
}

CustomValue CustomValue::array(std::initializer_list<CustomValue> items) {
  CustomValue out;
  out.json_ = "[]";
  out.depth_ = 1;
  for (const CustomValue& item : items) out.push(item);
  return out;
}

CustomValue& CustomValue::set(std::string_view key, CustomValue value) {
  if (json_.front() != '{') refuse("CustomValue::set: the value is not an object");
  (void)quoted(key, "a custom key");
  const int depth = std::max(depth_, value.depth_ + 1);
  if (depth > kMaxValueDepth) refuse(fmt::format("a custom value may nest at most {} levels", kMaxValueDepth));
  json_ = withMember(json_, key, value.json_);
  depth_ = depth;
  return *this;
}

CustomValue& CustomValue::push(CustomValue item) {
  if (json_.front() != '[') refuse("CustomValue::push: the value is not an array");
  const int depth = std::max(depth_, item.depth_ + 1);
  if (depth > kMaxValueDepth) refuse(fmt::format("a custom value may nest at most {} levels", kMaxValueDepth));
  json_.pop_back();
  if (json_.size() > 1) json_ += ',';
  json_ += item.json_;
  json_ += ']';
  depth_ = depth;
  return *this;
}

// ---- LeadInput ----

LeadInput& LeadInput::set(std::string_view key, CustomValue value) {
  const std::string name = quoted(key, "a customFields key");
  if (!customFields) {
    customFields = "{" + name + ":" + value.json() + "}";
    return *this;
  }
  std::string& text = *customFields;
  // The usual case, text of the flat shape (as set() writes for strings,
  // integers and booleans) without the key, and a key that needs no escape:
  // the member is appended without building a document.
  detail::FlatObject flat;
  if (name.size() == key.size() + 2 && flat.parse(text) && !flat.find(text, key)) {
    text.pop_back();
    if (text.size() > 1) text += ',';
    text += name;
    text += ':';
    text += value.json();
    text += '}';
    return *this;
  }
  // Checked before parsing: writing a document back recurses once per level.
  if (detail::jsonNestingDepth(text) > detail::kMaxJsonDepth) {
    refuse(fmt::format("customFields is nested deeper than {} levels; set() cannot add to it", kMaxDepth));
  }
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    refuse(doc.is_null() ? "customFields is null (clear every key); set() cannot add a key to it"
                         : "customFields holds text that is not a JSON object (or not UTF-8); set() adds keys to "
                           "an object only");
  }
  doc[std::string(key)] = Json::parse(value.json());
  text = doc.dump();
  return *this;
}

}  // namespace leadterra
