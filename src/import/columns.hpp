// How a CSV header row maps to lead fields: the aliases of the standard
// fields, the caller's column map and the customFields keys of the other
// columns (docs/import.md, "Columns").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/import.hpp"

namespace leadterra::detail {

// Throws Error(invalid_argument) "<where>: <problem>"; `where` names the file.
[[noreturn]] void failFile(std::string_view where, std::string_view problem);

// Where a CSV column's cells go. The first five are the standard fields, in
// the order of kStandardFields.
enum class CsvTarget : unsigned char { email, firstName, lastName, company, jobTitle, custom, leftOut };

inline constexpr std::string_view kStandardFields[] = {"email", "firstName", "lastName", "company", "jobTitle"};

struct CsvColumns {
  std::vector<LeadFileColumn> columns;  // as LeadFileLayout shows them
  std::vector<CsvTarget> targets;       // the same, for the reader's loop
  // Each cell's key in the row as read (a rejects line): the header, or
  // "(column N)" when the header is empty or not unique.
  std::vector<std::string> rawNames;
};

// The columns of a header row (its cells as read, valid UTF-8) under
// `columnMap` (LeadFileOptions::columns). Throws as failFile when the map
// names a header the row does not have (or names one ambiguously), when two
// columns feed one standard field, or when no column feeds email.
[[nodiscard]] CsvColumns planCsvColumns(const std::vector<std::string>& header,
                                        const std::map<std::string, std::string>& columnMap, std::string_view where);

}  // namespace leadterra::detail
