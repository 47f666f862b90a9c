// leadterra/bulk.hpp: the result of CampaignEngine::bulkUpsert.
//
// A bulk upsert applies its rows one by one in order, in one transaction.
// Every row ends in exactly one outcome (RowOutcome), each with its count, so
// enrolled + updated + skipped + skippedActiveElsewhere +
// skippedRecentlyContacted + failed == number of rows. Plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/export.hpp"

namespace leadterra {

// Why a row failed. Printed by name; do not rename.
enum class RowCode {
  missing_email,   // email absent, null, empty or whitespace only
  invalid_email,   // not an address the engine accepts (docs/enroll.md)
  invalid_field,   // a field of the wrong JSON type, invalid UTF-8 or a NUL byte
  field_too_long,  // a standard field over 1,024 bytes, customFields over 16 KiB or 128 keys
  malformed_row,   // the row is not a lead object
};

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(RowCode code) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<RowCode> parseRowCode(std::string_view name) noexcept;

// How an upsert writes into a lead that already exists. No mode ever changes
// a lead's position or status. Printed by name; do not rename.
enum class MergeMode {
  merge,      // absent keeps, a string replaces, null clears; customFields by JSON Merge Patch
  fillEmpty,  // only fields that are absent (null) or empty are set; only missing custom keys are added
  replace,    // the row becomes the record: absent and null fields are cleared, customFields replaced
};

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(MergeMode mode) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<MergeMode> parseMergeMode(std::string_view name) noexcept;

// What happened to one row. Printed by name; do not rename (only append).
// skipped: the email or its domain is suppressed. The two cross-campaign
// outcomes come only from the rules of CrossCampaignRules, and only for a
// row that would have enrolled a new lead.
enum class RowOutcome { enrolled, updated, skipped, failed, skippedActiveElsewhere, skippedRecentlyContacted };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(RowOutcome outcome) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<RowOutcome> parseRowOutcome(std::string_view name) noexcept;

struct RowResult {
  std::size_t index = 0;
  std::string email;  // normalized when valid, else as given
  RowOutcome outcome = RowOutcome::enrolled;
  std::optional<RowCode> code;  // with failed
};

// Rules that keep a new lead out of the campaign because of the same person's
// life in the workspace's other campaigns (docs/enroll.md). They gate new
// enrollments only: a row whose email the campaign already holds updates its
// lead whatever they say. Both off by default, and then they cost nothing.
struct CrossCampaignRules {
  // Skip (skippedActiveElsewhere) a new email that another started campaign
  // (running or paused) of the workspace holds as a lead that still gets
  // mail (active or paused).
  bool skipActiveElsewhere = false;
  // When > 0: skip (skippedRecentlyContacted) a new email that any campaign
  // of the workspace sent a message to in the last this many days (a message
  // marked sent with sentAt >= now - days). 0: off; at most 3650.
  std::int64_t skipContactedWithinDays = 0;

  [[nodiscard]] bool any() const noexcept { return skipActiveElsewhere || skipContactedWithinDays > 0; }
  friend bool operator==(const CrossCampaignRules&, const CrossCampaignRules&) = default;
};

struct BulkOptions {
  // Default: merge.
  MergeMode mode = MergeMode::merge;
  // Compute the full result, write nothing. Default: false.
  bool dryRun = false;
  // When set: a repeat with the same key and the same rows, mode and
  // crossCampaign rules returns the stored result and writes nothing; the
  // same key with other rows, mode or rules is a conflict. Keys are kept
  // Options::idempotencyTtl and scoped to the campaign. Default: empty (none).
  std::string idempotencyKey;
  // Fill BulkResult::rows with every row's outcome. Default: false.
  bool details = false;
  // Default: none (both rules off).
  CrossCampaignRules crossCampaign;
};

struct RowError {
  std::size_t index = 0;  // 0-based position of the row in the call
  std::string email;      // the email as given (empty when there was none)
  RowCode code = RowCode::invalid_email;
  std::string message;  // for people; wording may change
};

struct BulkResult {
  // The four counts, first in the JSON result.
  std::int64_t enrolled = 0;         // leads created
  std::int64_t updated = 0;          // rows that updated an existing lead (in-batch repeats too)
  std::int64_t skipped = 0;          // rows whose email or domain is suppressed
  std::int64_t totalInCampaign = 0;  // leads in the campaign after the call, any status
  // Extras.
  std::int64_t failed = 0;  // rows rejected; see errors
  std::int64_t queued = 0;  // messages queued by this call (running campaigns)
  // New emails kept out by CrossCampaignRules; never suppressed ones (those
  // are `skipped`). In the JSON result only when not zero.
  std::int64_t skippedActiveElsewhere = 0;    // active in another campaign of the workspace
  std::int64_t skippedRecentlyContacted = 0;  // sent to by the workspace in the last N days
  std::vector<RowError> errors;
  // For each token used by the campaign's steps without a fallback outside
  // any section, how many distinct enrolled or updated leads render it empty.
  // Only non-zero entries.
  std::map<std::string, std::int64_t> missingTokens;
  // Keys of the input rows that are not lead fields, with how many rows had them.
  std::map<std::string, std::int64_t> unknownFields;
  // Every row's outcome, in order; only when BulkOptions::details.
  std::vector<RowResult> rows;
  // True when the result was computed but not written (BulkOptions::dryRun).
  bool dryRun = false;
  // True when this is the stored result of an earlier call with the same idempotency key.
  bool replayed = false;
};

}  // namespace leadterra
