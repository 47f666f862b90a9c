// leadterra/lead.hpp: a lead (one contact enrolled in one campaign) and the
// row that upserts it.
//
// A lead is identified by its normalized email inside its campaign. Its
// sequence state (`position`: steps already sent, and `status`) belongs to
// the engine: no upsert changes it, so no step is ever sent twice. Plain
// values; safe to copy between threads.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk by name; do not rename.
// active: gets its next steps. paused: an out-of-office; it gets its next
// step again from pausedUntil on. The others are stopped: completed (every
// step sent), suppressed (on the workspace's list; resumes at an upsert once
// no entry matches), replied, bounced, unsubscribed (never resumed).
enum class LeadStatus { active, completed, suppressed, replied, bounced, unsubscribed, paused };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(LeadStatus status) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<LeadStatus> parseLeadStatus(std::string_view name) noexcept;

namespace detail {
template <typename T>
concept CharacterType = std::same_as<std::remove_cv_t<T>, char> || std::same_as<std::remove_cv_t<T>, wchar_t> ||
                        std::same_as<std::remove_cv_t<T>, char8_t> || std::same_as<std::remove_cv_t<T>, char16_t> ||
                        std::same_as<std::remove_cv_t<T>, char32_t>;
template <typename T>
concept CustomInteger = std::integral<T> && !std::same_as<std::remove_cv_t<T>, bool> && !CharacterType<T>;
}  // namespace detail

// A value for a lead's customFields, built from C++ values: a string, a
// number, a boolean, null, or an array or object of them. It always makes
// valid JSON: strings and keys are escaped as needed, and what JSON cannot
// hold is refused when the value is made, with Error(invalid_argument): a
// string or key that is not UTF-8, a NaN or an infinity, and arrays and
// objects nested deeper than 63 levels (inside customFields, whose object is
// one more level, that is the engine's limit of 64). A char is not a value
// (write a string, or a number); neither is an enum nor a pointer other than
// a C string.
// Plain value; copy it freely.
class LEADTERRA_EXPORT CustomValue {
 public:
  using Member = std::pair<std::string_view, CustomValue>;

  CustomValue() noexcept = default;        // null
  CustomValue(std::nullptr_t) noexcept {}  // NOLINT: null
  CustomValue(bool value);                 // NOLINT: implicit by design, like every constructor here
  template <detail::CustomInteger T>
  CustomValue(T value) {  // NOLINT
    if constexpr (std::is_signed_v<T>) {
      setInteger(static_cast<std::int64_t>(value));
    } else {
      setUnsigned(static_cast<std::uint64_t>(value));
    }
  }
  template <std::floating_point T>
  CustomValue(T value) {  // NOLINT
    setReal(static_cast<double>(value));
  }
  CustomValue(std::string_view text);                                       // NOLINT
  CustomValue(const std::string& text);                                     // NOLINT
  CustomValue(const char* text);                                            // NOLINT: a null pointer is null
  CustomValue(char* text) : CustomValue(static_cast<const char*>(text)) {}  // NOLINT
  template <detail::CharacterType T>
  CustomValue(T) = delete;
  template <typename T>
  CustomValue(T*) = delete;  // would otherwise become a bool
  template <typename T>
    requires std::is_enum_v<T>
  CustomValue(T) = delete;  // likewise; write its name or its number

  // {"key": value, ...} in the order given; a key given twice keeps its first
  // place and its last value.
  [[nodiscard]] static CustomValue object(std::initializer_list<Member> members = {});
  // [item, ...].
  [[nodiscard]] static CustomValue array(std::initializer_list<CustomValue> items = {});

  // Building step by step: set() sets a key of an object (a new key goes
  // last, an existing one keeps its place), push() appends to an array.
  // Error(invalid_argument) on a value of another kind.
  CustomValue& set(std::string_view key, CustomValue value);
  CustomValue& push(CustomValue item);

  // The value as compact JSON text, as LeadInput::set() writes it into
  // customFields.
  [[nodiscard]] const std::string& json() const noexcept { return json_; }

  friend bool operator==(const CustomValue& a, const CustomValue& b) noexcept { return a.json_ == b.json_; }

 private:
  void setInteger(std::int64_t value);
  void setUnsigned(std::uint64_t value);
  void setReal(double value);

  std::string json_ = "null";
  int depth_ = 0;  // levels of arrays and objects; 0 for a scalar
};

// One field of an incoming row, in one of three states:
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

  // Sets one key of customFields (below) from a typed value, written as
  // compact JSON that is always valid: C++ code should use this rather than
  // write the text by hand (readers of JSON and CSV write customFields
  // directly). Keys keep the order in which they were first set, and setting
  // a key again replaces its value in place. As in any merge patch, a null
  // value removes the key from the stored lead (a new lead simply does not
  // get it; in MergeMode::fillEmpty it does nothing) and an object value
  // merges key by key into a stored object.
  // When customFields already holds text, that text must be a JSON object
  // (no deeper than 64 levels): its members are kept, the whole rewritten
  // compact. Other text (not JSON, an array, or "null", which clears every
  // key and cannot be combined with setting one) is refused with
  // Error(invalid_argument), as is a key that is not UTF-8; the row is then
  // unchanged.
  //
  //   LeadInput in;
  //   in.email = "ava@acmecorp.com";
  //   in.set("city", "Oslo").set("employees", 120).set("vip", true)
  //     .set("address", CustomValue::object({{"street", "Karl Johans gate 1"}, {"zip", "0154"}}));
  //   // *in.customFields == {"city":"Oslo","employees":120,"vip":true,
  //   //                      "address":{"street":"Karl Johans gate 1","zip":"0154"}}
  LEADTERRA_EXPORT LeadInput& set(std::string_view key, CustomValue value);

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
  std::optional<Timestamp> pausedUntil;  // set exactly while paused
  Timestamp createdAt{};
  Timestamp updatedAt{};
};

}  // namespace leadterra
