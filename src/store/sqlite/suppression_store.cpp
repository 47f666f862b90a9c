// The suppression list and the idempotency log.
#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

// ---- Suppressions ----

SqliteSuppressionStore::SqliteSuppressionStore(Database& db)
    : add_(db, "INSERT OR IGNORE INTO suppressions (workspace_id, entry, kind, created_at) VALUES (?, ?, ?, ?)"),
      remove_(db, "DELETE FROM suppressions WHERE workspace_id = ? AND entry = ?"),
      contains_(db, "SELECT 1 FROM suppressions WHERE workspace_id = ? AND entry = ?"),
      entries_(db, "SELECT entry FROM suppressions WHERE workspace_id = ? LIMIT ?"),
      list_(db,
            "SELECT entry, kind, created_at FROM suppressions WHERE workspace_id = ? ORDER BY created_at, entry") {}

bool SqliteSuppressionStore::add(Tx&, std::string_view workspaceId, std::string_view entry, SuppressionKind kind,
                                 Timestamp now) {
  auto s = add_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(entry));
  s->bind(3, std::string(toString(kind)));
  s->bind(4, seconds(now));
  return s->exec() == 1;
}

bool SqliteSuppressionStore::remove(Tx&, std::string_view workspaceId, std::string_view entry) {
  auto s = remove_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(entry));
  return s->exec() == 1;
}

bool SqliteSuppressionStore::contains(Tx&, std::string_view workspaceId, std::string_view entry) {
  auto s = contains_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(entry));
  return s->executeStep();
}

std::vector<std::string> SqliteSuppressionStore::entries(Tx&, std::string_view workspaceId, std::int64_t limit) {
  auto s = entries_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, limit);
  std::vector<std::string> out;
  while (s->executeStep()) out.push_back(s->getColumn(0).getString());
  return out;
}

std::vector<SuppressionEntry> SqliteSuppressionStore::list(Tx&, std::string_view workspaceId) {
  auto s = list_.use();
  s->bind(1, std::string(workspaceId));
  std::vector<SuppressionEntry> out;
  while (s->executeStep()) {
    out.push_back({s->getColumn(0).getString(), storedEnum(*s, 1, parseSuppressionKind, "suppression kind"),
                   timeAt(*s, 2)});
  }
  return out;
}

// ---- Idempotency keys ----

SqliteIdempotencyStore::SqliteIdempotencyStore(Database& db)
    : find_(db,
            "SELECT fingerprint, result FROM idempotency_keys WHERE campaign_id = ? AND key = ? AND created_at > ?"),
      purge_(db, "DELETE FROM idempotency_keys WHERE created_at <= ?"),
      put_(db,
           "INSERT OR REPLACE INTO idempotency_keys (campaign_id, key, fingerprint, result, created_at) "
           "VALUES (?, ?, ?, ?, ?)") {}

std::optional<StoredResult> SqliteIdempotencyStore::find(Tx&, std::string_view campaignId, std::string_view key,
                                                         Timestamp notBefore) {
  auto s = find_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(key));
  s->bind(3, seconds(notBefore));
  if (!s->executeStep()) return std::nullopt;
  return StoredResult{s->getColumn(0).getString(), s->getColumn(1).getString()};
}

void SqliteIdempotencyStore::purge(Tx&, Timestamp cutoff) {
  auto s = purge_.use();
  s->bind(1, seconds(cutoff));
  s->exec();
}

void SqliteIdempotencyStore::put(Tx&, std::string_view campaignId, std::string_view key, const StoredResult& stored,
                                 Timestamp now) {
  auto s = put_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(key));
  s->bind(3, stored.fingerprint);
  s->bind(4, stored.result);
  s->bind(5, seconds(now));
  s->exec();
}

}  // namespace leadterra::store::sqlite
