// The schema migrations embedded at build time from schema/NNNN_name.sql.
#pragma once

#include <string_view>
#include <vector>

namespace leadterra::detail {

struct Migration {
  int version;            // NNNN: PRAGMA user_version after it ran
  std::string_view name;  // the file's name without .sql
  std::string_view sql;
};

// In ascending version order, each version once (checked at build time; see
// cmake/embed_schema.cmake for a missing number).
const std::vector<Migration>& migrations();

}  // namespace leadterra::detail
