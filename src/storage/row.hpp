// Small helpers to move values between SQLiteCpp statements and our types.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <optional>
#include <string>
#include <string_view>

#include "leadterra/clock.hpp"
#include "leadterra/error.hpp"

namespace leadterra::detail {

[[nodiscard]] inline std::int64_t seconds(Timestamp t) { return t.time_since_epoch().count(); }

[[nodiscard]] inline std::optional<std::string> optText(SQLite::Statement& s, int column) {
  if (s.isColumnNull(column)) return std::nullopt;
  return s.getColumn(column).getString();
}

[[nodiscard]] inline Timestamp timeAt(SQLite::Statement& s, int column) {
  return Timestamp{std::chrono::seconds{s.getColumn(column).getInt64()}};
}

[[nodiscard]] inline std::optional<Timestamp> optTime(SQLite::Statement& s, int column) {
  if (s.isColumnNull(column)) return std::nullopt;
  return timeAt(s, column);
}

// A stored enum name read back through its parse function. A name the
// library does not know is damaged data: storage_error, never a default.
template <typename E>
[[nodiscard]] E storedEnum(SQLite::Statement& s, int column, std::optional<E> (*parse)(std::string_view) noexcept,
                           std::string_view what) {
  const char* name = s.getColumn(column).getText();
  if (auto value = parse(name)) return *value;
  throw Error(ErrorCode::storage_error, std::string("unreadable stored ").append(what).append(" '").append(name).append("'"));
}

inline void bindOpt(SQLite::Statement& s, int index, const std::optional<std::string>& value) {
  if (value) {
    s.bind(index, *value);
  } else {
    s.bind(index);  // NULL
  }
}

inline void bindOpt(SQLite::Statement& s, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    s.bind(index, *value);
  } else {
    s.bind(index);  // NULL
  }
}

inline void bindOpt(SQLite::Statement& s, int index, const std::optional<Timestamp>& value) {
  bindOpt(s, index, value ? std::optional<std::int64_t>(seconds(*value)) : std::nullopt);
}

// Binds text without copying it: the caller keeps `text` alive until the
// statement has run (the hot path of bulk upserts).
inline void bindView(SQLite::Statement& s, int index, const std::string& text) { s.bindNoCopy(index, text); }

inline void bindOptView(SQLite::Statement& s, int index, const std::optional<std::string>& value) {
  if (value) {
    s.bindNoCopy(index, *value);
  } else {
    s.bind(index);  // NULL
  }
}

}  // namespace leadterra::detail
