// The enrollment service: bulk upsert of leads by email into one campaign.
#pragma once

#include "engine/engine_impl.hpp"
#include "engine/row_source.hpp"
#include "leadterra/bulk.hpp"
#include "leadterra/lead.hpp"

namespace leadterra {

// Applies the rows as the caller's array order says (docs/enroll.md), inside
// the call's transaction. The result carries every row (BulkResult::rows)
// only when options.details, or when an idempotency key stores it.
[[nodiscard]] BulkResult bulkUpsert(Call& call, const store::CampaignRow& campaign, const detail::RowSource& rows,
                                    const BulkOptions& options);

}  // namespace leadterra
