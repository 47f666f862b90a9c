// leadterra/lead_row.hpp: a row as a reader of untyped input hands it to the
// engine.
//
// A C++ caller builds LeadInput rows: their types cannot be wrong. A reader
// of JSON or CSV text (json::parseLeads, json::parseLead, the lead file
// readers of import.hpp, or one of your own) also meets rows that are not
// lead objects, fields of the wrong JSON type and keys that are not lead
// fields. It hands the engine a LeadRow: the lead as far as it could be read,
// plus what it found. bulkUpsert reports each row's defect in the row's
// result, in order, and counts its unknown fields. Plain values.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "leadterra/lead.hpp"

namespace leadterra {

// What a reader found wrong with a row before the engine saw it.
enum class RowDefect {
  none,
  malformed,  // the row is not a lead object at all -> code malformed_row
  wrongType,  // `defectField` has the wrong JSON type -> code invalid_field
};

struct LeadRow {
  LeadRow() = default;
  // A row without a report: exactly the lead.
  LeadRow(LeadInput in) : lead(std::move(in)) {}  // NOLINT: implicit by design

  LeadInput lead;  // the fields that could be read
  RowDefect defect = RowDefect::none;
  std::string defectField;                 // with RowDefect::wrongType: the field's name
  std::vector<std::string> unknownFields;  // keys that are not lead fields; not stored, counted
  // Why the reader found the defect, for people (a ragged CSV row, a line
  // that is not JSON). With a defect, the row's error message; empty: the
  // engine's own message for that code.
  std::string defectMessage;
};

}  // namespace leadterra
