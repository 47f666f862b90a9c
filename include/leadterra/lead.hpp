// leadterra/lead.hpp: a lead (one contact enrolled in one campaign) and the
// row that upserts it.
//
// A lead is identified by its normalized email inside its campaign. Its
// sequence state (`position`: steps already sent, and `status`) belongs to
// the engine: no upsert changes it, so no step is ever sent twice. Plain
// values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk by name; do not rename.
enum class LeadStatus { active, completed, suppressed, replied, bounced };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(LeadStatus status) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<LeadStatus> parseLeadStatus(std::string_view name) noexcept;

// One field of an incoming row, with the three meanings of the seed API:
// absent (keep the stored value), null (clear it), or a string (replace it).
class FieldPatch {
 public:
  FieldPatch() = default;  // absent
  FieldPatch(std::string value) : kind_(Kind::value), value_(std::move(value)) {}  // NOLINT: implicit by design
  FieldPatch(const char* value) : FieldPatch(std::string(value)) {}                // NOLINT
  [[nodiscard]] static FieldPatch null() {
    FieldPatch f;
    f.kind_ = Kind::null;
    return f;
  }

  [[nodiscard]] bool isAbsent() const noexcept { return kind_ == Kind::absent; }
  [[nodiscard]] bool isNull() const noexcept { return kind_ == Kind::null; }
  [[nodiscard]] bool hasValue() const noexcept { return kind_ == Kind::value; }
  // The string; empty unless hasValue().
  [[nodiscard]] const std::string& value() const noexcept { return value_; }

 private:
  enum class Kind : unsigned char { absent, null, value };
  Kind kind_ = Kind::absent;
  std::string value_;
};

// One row of a bulk upsert, as a C++ caller builds it. Readers of JSON or
// CSV hand the engine a LeadRow (lead_row.hpp), which adds what they found
// wrong with the row.
struct LeadInput {
  FieldPatch email;  // absent, null or whitespace-only -> missing_email
  FieldPatch firstName;
  FieldPatch lastName;
  FieldPatch company;
  FieldPatch jobTitle;
  // A JSON Merge Patch (RFC 7396) for the lead's customFields, as JSON text:
  // an object merges (null values remove keys), "null" clears them all.
  // nullopt: absent, keep them.
  std::optional<std::string> customFields;
};

struct Lead {
  std::string id;  // "lead_" + ULID
  std::string campaignId;
  std::string email;  // normalized
  std::optional<std::string> firstName;
  std::optional<std::string> lastName;
  std::optional<std::string> company;
  std::optional<std::string> jobTitle;
  std::string customFields = "{}";  // a JSON object, compact
  std::int64_t position = 0;        // steps already sent
  LeadStatus status = LeadStatus::active;
  Timestamp createdAt{};
  Timestamp updatedAt{};
};

}  // namespace leadterra
