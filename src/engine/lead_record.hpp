// LeadRecord: a lead as held in memory while it is merged and rendered, and
// the lookup of template names in it (docs/personalize.md): standard fields
// first, even when null, then customFields keys (also as customFields.key),
// dotted names walking nested objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leadterra/lead.hpp"
#include "template/template.hpp"
#include "util/flat_json.hpp"

namespace leadterra {

// A lead's customFields: always a JSON object, kept as its compact text (what
// is stored) with, for the usual flat shape, an index into it. A JSON
// document is built only when something needs one (a nested path, a merge
// with a non-flat patch). Keys keep the order they were first written in.
class CustomFields {
 public:
  CustomFields() : text_("{}"), flat_(true) {}

  // From compact JSON object text the engine validated or wrote.
  [[nodiscard]] static CustomFields fromText(std::string text);
  // From stored text: text that is not a JSON object is damaged data,
  // Error(storage_error), never read as {} (the next write would erase it).
  [[nodiscard]] static CustomFields fromStored(std::string text);
  [[nodiscard]] static CustomFields fromJson(detail::Json json);
  // From flat text already indexed by the caller (saves indexing it again).
  [[nodiscard]] static CustomFields fromFlat(std::string_view text, const detail::FlatObject& index);

  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  [[nodiscard]] bool isFlat() const noexcept { return flat_; }
  [[nodiscard]] const detail::FlatObject& flatIndex() const noexcept { return index_; }
  [[nodiscard]] std::size_t size() const;
  // The document, parsed on first use.
  [[nodiscard]] const detail::Json& json() const;

  // The value at path[first..]; the whole object when the range is empty.
  [[nodiscard]] detail::Value find(const std::vector<std::string>& path, std::size_t first) const;

  friend bool operator==(const CustomFields& a, const CustomFields& b) { return a.text_ == b.text_; }

 private:
  // The text with its flat index, and its document when it is not flat;
  // nullopt when the text is not a JSON object.
  [[nodiscard]] static std::optional<CustomFields> parsed(std::string text);

  std::string text_;
  bool flat_ = false;
  detail::FlatObject index_;
  mutable std::optional<detail::Json> json_;
};

struct LeadRecord {
  std::int64_t seq = 0;  // the internal key (messages refer to it)
  std::int64_t ord = 0;  // creation order, the order a user sees: the caller's within one call
  std::string id;
  std::string email;
  std::optional<std::string> firstName;
  std::optional<std::string> lastName;
  std::optional<std::string> company;
  std::optional<std::string> jobTitle;
  CustomFields customFields;
  std::int64_t position = 0;
  LeadStatus status = LeadStatus::active;
  std::optional<Timestamp> pausedUntil;  // set exactly while paused
  Timestamp createdAt{};
  Timestamp updatedAt{};
};

// Whether a lead with this status still has steps queued for it: active, or
// paused (its next step waits for the date it resumes).
[[nodiscard]] constexpr bool getsMail(LeadStatus status) noexcept {
  return status == LeadStatus::active || status == LeadStatus::paused;
}

// The record a new lead enrolled from `in` would have (email normalized,
// customFields the patch applied to an empty object), without validating it:
// for previews such as the CLI's render command.
[[nodiscard]] LeadRecord previewRecord(const LeadInput& in);

// The public view of a stored lead.
[[nodiscard]] Lead leadView(const LeadRecord& record, std::string_view campaignId);

// Whether `name` is one of the standard lead fields (email, firstName,
// lastName, company, jobTitle), which a tag of that name reads before any
// custom key.
[[nodiscard]] bool isStandardField(std::string_view name);

// The value a tag names in the lead; missing when nothing is there.
[[nodiscard]] detail::Value resolveLeadTag(const LeadRecord& lead, const detail::Tag& tag);

}  // namespace leadterra
