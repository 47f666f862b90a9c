#include "engine/lead_record.hpp"

#include "leadterra/error.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::Json;

std::optional<CustomFields> CustomFields::parsed(std::string text) {
  CustomFields c;
  c.text_ = std::move(text);
  c.flat_ = c.index_.parse(c.text_);
  if (!c.flat_) {
    Json json = Json::parse(c.text_, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) return std::nullopt;
    c.json_ = std::move(json);
  }
  return c;
}

CustomFields CustomFields::fromText(std::string text) {
  // Text the engine validated or wrote: anything else counts as empty.
  return parsed(std::move(text)).value_or(CustomFields{});
}

CustomFields CustomFields::fromStored(std::string text) {
  auto c = parsed(std::move(text));
  if (!c) throw Error(ErrorCode::storage_error, "a lead's stored customFields are unreadable");
  return std::move(*c);
}

CustomFields CustomFields::fromJson(Json json) {
  if (!json.is_object()) json = Json::object();
  CustomFields c = fromText(json.dump(-1, ' ', false, Json::error_handler_t::replace));
  if (!c.json_) c.json_ = std::move(json);
  return c;
}

CustomFields CustomFields::fromFlat(std::string_view text, const detail::FlatObject& index) {
  CustomFields c;
  c.text_.assign(text);
  c.index_ = index;  // offsets into the same bytes
  return c;
}

std::size_t CustomFields::size() const { return flat_ ? index_.size() : json().size(); }

const Json& CustomFields::json() const {
  if (!json_) json_ = Json::parse(text_, nullptr, /*allow_exceptions=*/false);
  if (!json_->is_object()) json_ = Json::object();
  return *json_;
}

detail::Value CustomFields::find(const std::vector<std::string>& path, std::size_t first) const {
  if (flat_ && path.size() == first + 1) {
    bool isFalse = false;
    const auto v = index_.find(text_, path[first], isFalse);
    if (!v) return {};
    // The literal false as JSON, so that a section over it is skipped; it
    // renders "false" either way.
    static const Json kFalse = false;
    return isFalse ? detail::Value{std::nullopt, &kFalse} : detail::Value{*v, nullptr};
  }
  const Json* node = &json();
  for (std::size_t i = first; i < path.size(); ++i) {
    if (!node->is_object()) return {};
    auto it = node->find(path[i]);
    if (it == node->end()) return {};
    node = &*it;
  }
  if (node->is_null()) return {};
  if (node->is_string()) return {std::string_view(node->get_ref<const std::string&>()), nullptr};
  return {std::nullopt, node};
}

namespace {

const std::string* standardField(const LeadRecord& lead, std::string_view name, bool& isStandard) {
  isStandard = true;
  if (name == "email") return &lead.email;
  if (name == "firstName") return lead.firstName ? &*lead.firstName : nullptr;
  if (name == "lastName") return lead.lastName ? &*lead.lastName : nullptr;
  if (name == "company") return lead.company ? &*lead.company : nullptr;
  if (name == "jobTitle") return lead.jobTitle ? &*lead.jobTitle : nullptr;
  isStandard = false;
  return nullptr;
}

std::optional<std::string> valueOf(const FieldPatch& field) {
  return field.hasValue() ? std::optional<std::string>(field.value()) : std::nullopt;
}

}  // namespace

bool isStandardField(std::string_view name) {
  static const LeadRecord none;
  bool isStandard = false;
  (void)standardField(none, name, isStandard);
  return isStandard;
}

detail::Value resolveLeadTag(const LeadRecord& lead, const detail::Tag& tag) {
  if (tag.path.empty()) return {};
  bool isStandard = false;
  const std::string* field = standardField(lead, tag.path[0], isStandard);
  if (isStandard) {
    // A standard field wins over a custom key of the same name, even when null;
    // a string has no members, so a longer path finds nothing.
    return tag.path.size() == 1 && field ? detail::Value{std::string_view(*field), nullptr} : detail::Value{};
  }
  return lead.customFields.find(tag.path, tag.path[0] == "customFields" ? 1 : 0);
}

Lead leadView(const LeadRecord& r, std::string_view campaignId) {
  Lead lead;
  lead.id = r.id;
  lead.campaignId = std::string(campaignId);
  lead.email = r.email;
  lead.firstName = r.firstName;
  lead.lastName = r.lastName;
  lead.company = r.company;
  lead.jobTitle = r.jobTitle;
  lead.customFields = r.customFields.text();
  lead.position = r.position;
  lead.status = r.status;
  lead.pausedUntil = r.pausedUntil;
  lead.createdAt = r.createdAt;
  lead.updatedAt = r.updatedAt;
  return lead;
}

LeadRecord previewRecord(const LeadInput& in) {
  LeadRecord record;
  if (in.email.hasValue()) (void)detail::normalizeEmail(in.email.value(), record.email);
  record.firstName = valueOf(in.firstName);
  record.lastName = valueOf(in.lastName);
  record.company = valueOf(in.company);
  record.jobTitle = valueOf(in.jobTitle);
  if (in.customFields) {
    Json merged = Json::object();
    merged.merge_patch(Json::parse(*in.customFields, nullptr, /*allow_exceptions=*/false));
    record.customFields = CustomFields::fromJson(std::move(merged));
  }
  return record;
}

}  // namespace leadterra
