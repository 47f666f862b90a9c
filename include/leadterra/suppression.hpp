// leadterra/suppression.hpp: the workspace's do-not-contact list.
//
// An entry blocks one email ("ava@acme.com") or a whole domain ("@acme.com"
// or "acme.com", which also blocks "mail.acme.com" but not "notacme.com").
// Adding an entry suppresses matching active leads in every campaign of the
// workspace and cancels their live messages, in the same transaction.
// Removing one resumes nobody by itself. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk by name; do not rename.
enum class SuppressionKind { email, domain };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(SuppressionKind kind) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<SuppressionKind> parseSuppressionKind(std::string_view name) noexcept;

// How an entry got on the list: added by a call (manual), or by a signal's
// rule (signal.hpp). Stored on disk by name; do not rename.
enum class SuppressionReason { manual, hardBounce, softBounces, complaint, unsubscribe };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(SuppressionReason reason) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<SuppressionReason> parseSuppressionReason(std::string_view name) noexcept;

struct SuppressionEntry {
  std::string entry;  // normalized: "ava@acme.com" or "acme.com"
  SuppressionKind kind = SuppressionKind::email;
  Timestamp createdAt{};
  SuppressionReason reason = SuppressionReason::manual;
  // The campaign and message of the signal that added it, where known.
  std::optional<std::string> campaignId;
  std::optional<std::string> messageId;
};

// Which entries listSuppressions lists and removeSuppressionsBy removes:
// those with this reason (any when empty), added at or after `since` and
// before `until` (unbounded when empty).
struct SuppressionFilter {
  std::optional<SuppressionReason> reason;
  std::optional<Timestamp> since;
  std::optional<Timestamp> until;
};

// What addSuppressions / removeSuppressions report.
struct SuppressionResult {
  std::int64_t added = 0;    // new entries (addSuppressions)
  std::int64_t removed = 0;  // entries deleted (removeSuppressions)
  std::int64_t leadsSuppressed = 0;
  std::int64_t messagesCancelled = 0;
};

}  // namespace leadterra
