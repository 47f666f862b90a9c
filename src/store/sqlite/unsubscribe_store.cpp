// Each workspace's unsubscribe settings and link secret (migration 0008).
#include <fmt/format.h>

#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::seconds;

SqliteUnsubscribeStore::SqliteUnsubscribeStore(Database& db)
    : find_(db, "SELECT secret, base_url, mailto FROM unsubscribe_settings WHERE workspace_id = ?"),
      put_(db,
           "INSERT OR REPLACE INTO unsubscribe_settings (workspace_id, secret, base_url, mailto, updated_at) "
           "VALUES (?, ?, ?, ?, ?)") {}

std::optional<UnsubscribeRow> SqliteUnsubscribeStore::find(Tx&, std::string_view workspaceId) {
  auto s = find_.use();
  s->bind(1, std::string(workspaceId));
  if (!s->executeStep()) return std::nullopt;
  const SQLite::Column secret = s->getColumn(0);
  // A secret that is not a 32-byte blob cannot sign anything: never a default.
  if (!secret.isBlob() || secret.getBytes() != 32) {
    throw Error(ErrorCode::storage_error,
                fmt::format("workspace '{}' has an unreadable unsubscribe secret", workspaceId));
  }
  UnsubscribeRow row;
  row.secret.assign(static_cast<const char*>(secret.getBlob()), static_cast<std::size_t>(secret.getBytes()));
  row.baseUrl = s->getColumn(1).getString();
  row.mailto = s->getColumn(2).getString();
  return row;
}

void SqliteUnsubscribeStore::put(Tx&, std::string_view workspaceId, const UnsubscribeRow& row, Timestamp now) {
  auto s = put_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, row.secret.data(), static_cast<int>(row.secret.size()));
  s->bind(3, row.baseUrl);
  s->bind(4, row.mailto);
  s->bind(5, seconds(now));
  s->exec();
}

}  // namespace leadterra::store::sqlite
