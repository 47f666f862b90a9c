// RowSource: the rows of one bulk upsert as the engine reads them, without
// copies: the plain LeadInputs of a C++ caller, or the LeadRows of a reader,
// which add a report of what the reader found wrong (lead_row.hpp).
#pragma once

#include <cstddef>
#include <span>

#include "leadterra/lead.hpp"
#include "leadterra/lead_row.hpp"

namespace leadterra::detail {

class RowSource {
 public:
  explicit RowSource(std::span<const LeadInput> leads) noexcept : leads_(leads.data()), size_(leads.size()) {}
  explicit RowSource(std::span<const LeadRow> rows) noexcept : rows_(rows.data()), size_(rows.size()) {}

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const LeadInput& lead(std::size_t i) const noexcept { return rows_ ? rows_[i].lead : leads_[i]; }
  // The reader's report on row i (its defect, unknown fields); nullptr for a
  // plain LeadInput, which has none.
  [[nodiscard]] const LeadRow* report(std::size_t i) const noexcept { return rows_ ? &rows_[i] : nullptr; }

 private:
  const LeadInput* leads_ = nullptr;  // one of leads_ and rows_ is set
  const LeadRow* rows_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace leadterra::detail
