// Idempotency keys of bulk upserts: the payload's fingerprint and the stored
// result (docs/idempotency.md).
#pragma once

#include <string>
#include <string_view>

#include "leadterra/bulk.hpp"
#include "engine/row_source.hpp"

namespace leadterra::detail {

// A 128-bit fingerprint (hex) of the mode, the cross-campaign rules and the
// rows as JSON values: two payloads that differ only in key order or
// whitespace of customFields, or in the order of unknown keys, have the same
// fingerprint. Rules that are off add nothing, so that a call without them
// keys as it did before they existed.
[[nodiscard]] std::string payloadFingerprint(MergeMode mode, const CrossCampaignRules& rules, const RowSource& rows);

// The result as kept with its key (the JSON adapter's one codec), and back;
// unreadable text is Error(storage_error).
[[nodiscard]] std::string storedResult(const BulkResult& result);
[[nodiscard]] BulkResult readStoredResult(std::string_view text);

}  // namespace leadterra::detail
