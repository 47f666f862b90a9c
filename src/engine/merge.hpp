// Validating a bulk upsert's row and writing it into a lead by merge mode
// (docs/merge-modes.md). Pure functions: no store, no transaction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/lead_record.hpp"
#include "leadterra/bulk.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/lead_row.hpp"
#include "util/flat_json.hpp"
#include "util/text.hpp"

namespace leadterra {

// Why a row failed.
struct RowFailure {
  RowCode code;
  std::string message;
};

// The customFields of a validated row.
struct Patch {
  enum class Kind { absent, clear, flat, document };
  Kind kind = Kind::absent;
  std::string_view text;       // flat: the row's own text
  detail::FlatObject index;    // flat
  detail::Json document;       // document: the parsed object
};

// A validated row: its normalized email and customFields patch. Reused from
// row to row so that its buffers are allocated once per call.
struct CleanRow {
  std::string email;
  Patch custom;
};

// Checks the row; fills `out` when it is valid. `report` is what the row's
// reader found wrong with it (nullptr for a plain LeadInput); `key` is the
// row's email as normalizeEmail left it and `check` its verdict (worked out
// once per row).
[[nodiscard]] std::optional<RowFailure> validateRow(const LeadInput& in, const LeadRow* report, std::string_view key,
                                                    detail::EmailCheck check, CleanRow& out);

// Writes the row into an existing lead by the mode; `changed` says whether
// anything changed. Fails (changing nothing) past the customFields limits.
// Sequence state (position, status) is not the mode's business.
[[nodiscard]] std::optional<RowFailure> mergeRow(LeadRecord& lead, const LeadInput& in, const CleanRow& row,
                                                 MergeMode mode, bool& changed, std::string& scratch);

// The fields of a lead enrolled from the row, in every mode: the row's
// values, and customFields as the patch applied to an empty object.
void fillNewLead(LeadRecord& lead, const LeadInput& in, const CleanRow& row);

}  // namespace leadterra
