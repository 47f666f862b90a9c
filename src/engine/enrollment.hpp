// The enrollment service: bulk upsert of leads by email into one campaign.
#pragma once

#include <span>

#include "engine/engine_impl.hpp"
#include "leadterra/bulk.hpp"
#include "leadterra/lead.hpp"

namespace leadterra {

// Applies the rows as the caller's array order says (docs/enroll.md), inside
// the call's transaction. The result carries every row (BulkResult::rows)
// only when options.details, or when an idempotency key stores it.
[[nodiscard]] BulkResult bulkUpsert(Call& call, const store::CampaignRow& campaign, std::span<const LeadInput> leads,
                                    const BulkOptions& options);

}  // namespace leadterra
