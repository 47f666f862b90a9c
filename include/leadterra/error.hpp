// leadterra/error.hpp: the one exception family of the library.
//
// Every failure of a public call is reported as a leadterra::Error carrying a
// stable ErrorCode. The codes' names are part of the API: the JSON adapter and
// the CLI print them as they are spelled here. No exception of the storage
// layer (SQLite) ever reaches a caller. Row-level problems of a bulk upsert
// are results (BulkResult::errors), not exceptions.
//
// Thread safety: Error is an immutable value; copy it freely.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "leadterra/export.hpp"

namespace leadterra {

// Stable codes; names are printed as written. Do not rename.
enum class ErrorCode {
  not_found,         // the workspace, campaign, step, lead or message does not exist (or is out of
                     // scope), or the file does not exist and Options::createIfMissing is false
  invalid_argument,  // the call's arguments are malformed (bad id, bad entry, bad step)
  conflict,          // the call contradicts stored state (duplicate id, editing a running campaign)
  no_steps,          // a campaign without steps cannot start
  busy,              // the database stayed locked by another writer past Options::busyTimeout
  storage_error,     // the file could not be read or written (full disk, read-only, corrupt), or the
                     // system has no time zone database for a zone other than UTC
  schema_too_new,    // the file was written by a newer version of the library; it is left untouched
  invalid_token,     // an unsubscribe link's token is malformed, altered, not signed by this workspace's
                     // current secret, or of another workspace than the call's scope
};

// The code's name, e.g. "not_found".
[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(ErrorCode code) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<ErrorCode> parseErrorCode(std::string_view name) noexcept;

class LEADTERRA_EXPORT Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace leadterra
