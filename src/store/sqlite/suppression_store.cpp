// The suppression list, the signals and the idempotency log.
#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::bindOpt;
using detail::optText;
using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

// ---- Suppressions ----

SqliteSuppressionStore::SqliteSuppressionStore(Database& db)
    : add_(db,
           "INSERT OR IGNORE INTO suppressions (workspace_id, entry, kind, created_at, reason, campaign_id, message_id) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)"),
      remove_(db, "DELETE FROM suppressions WHERE workspace_id = ? AND entry = ?"),
      contains_(db, "SELECT 1 FROM suppressions WHERE workspace_id = ? AND entry = ?"),
      entries_(db, "SELECT entry FROM suppressions WHERE workspace_id = ? LIMIT ?"),
      list_(db,
            "SELECT entry, kind, created_at, reason, campaign_id, message_id FROM suppressions WHERE workspace_id = ?1 "
            "AND (?2 IS NULL OR reason = ?2) AND (?3 IS NULL OR created_at >= ?3) AND (?4 IS NULL OR created_at < ?4) "
            "ORDER BY created_at, entry"),
      removeWhere_(db,
                   "DELETE FROM suppressions WHERE workspace_id = ?1 AND (?2 IS NULL OR reason = ?2) "
                   "AND (?3 IS NULL OR created_at >= ?3) AND (?4 IS NULL OR created_at < ?4)") {}

namespace {

// Binds a filter as ?2 (reason), ?3 (since) and ?4 (until); NULL where unset.
void bindFilter(SQLite::Statement& s, const SuppressionFilter& filter) {
  bindOpt(s, 2, filter.reason ? std::optional<std::string>(toString(*filter.reason)) : std::nullopt);
  bindOpt(s, 3, filter.since);
  bindOpt(s, 4, filter.until);
}

}  // namespace

bool SqliteSuppressionStore::add(Tx&, std::string_view workspaceId, std::string_view entry, SuppressionKind kind,
                                 const SuppressionSource& source, Timestamp now) {
  auto s = add_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(entry));
  s->bind(3, std::string(toString(kind)));
  s->bind(4, seconds(now));
  s->bind(5, std::string(toString(source.reason)));
  bindOpt(*s, 6, source.campaignId);
  bindOpt(*s, 7, source.messageId);
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

std::vector<SuppressionEntry> SqliteSuppressionStore::list(Tx&, std::string_view workspaceId,
                                                           const SuppressionFilter& filter) {
  auto s = list_.use();
  s->bind(1, std::string(workspaceId));
  bindFilter(*s, filter);
  std::vector<SuppressionEntry> out;
  while (s->executeStep()) {
    out.push_back({s->getColumn(0).getString(), storedEnum(*s, 1, parseSuppressionKind, "suppression kind"),
                   timeAt(*s, 2), storedEnum(*s, 3, parseSuppressionReason, "suppression reason"), optText(*s, 4),
                   optText(*s, 5)});
  }
  return out;
}

std::int64_t SqliteSuppressionStore::removeWhere(Tx&, std::string_view workspaceId, const SuppressionFilter& filter) {
  auto s = removeWhere_.use();
  s->bind(1, std::string(workspaceId));
  bindFilter(*s, filter);
  return s->exec();
}

// ---- Signals ----

SqliteSignalStore::SqliteSignalStore(Database& db)
    : findExternal_(db, "SELECT id FROM signals WHERE workspace_id = ? AND external_id = ?"),
      insert_(db,
              "INSERT INTO signals (id, workspace_id, campaign_id, lead_seq, message_seq, email, kind, external_id, "
              "detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      countSince_(db,
                  "SELECT count(*) FROM signals WHERE workspace_id = ? AND email = ? AND kind = ? AND created_at >= ?"),
      onMessage_(db, "SELECT 1 FROM signals WHERE message_seq = ? AND kind = ? LIMIT 1"),
      freeMail_(db, "SELECT 1 FROM free_mail_domains WHERE domain = ?") {}

bool SqliteSignalStore::isFreeMail(Tx&, std::string_view domain) {
  auto s = freeMail_.use();
  s->bind(1, std::string(domain));
  return s->executeStep();
}

std::optional<std::string> SqliteSignalStore::findExternal(Tx&, std::string_view workspaceId,
                                                           std::string_view externalId) {
  auto s = findExternal_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(externalId));
  if (!s->executeStep()) return std::nullopt;
  return s->getColumn(0).getString();
}

void SqliteSignalStore::insert(Tx&, const SignalRow& signal, Timestamp now) {
  auto s = insert_.use();
  s->bind(1, signal.id);
  s->bind(2, signal.workspaceId);
  bindOpt(*s, 3, signal.campaignId);
  bindOpt(*s, 4, signal.leadSeq);
  bindOpt(*s, 5, signal.messageSeq);
  s->bind(6, signal.email);
  s->bind(7, std::string(toString(signal.kind)));
  bindOpt(*s, 8, signal.externalId.empty() ? std::nullopt : std::optional<std::string>(signal.externalId));
  s->bind(9, signal.detail);
  s->bind(10, seconds(now));
  s->exec();
}

std::int64_t SqliteSignalStore::countSince(Tx&, std::string_view workspaceId, std::string_view email,
                                           SignalKind kind, Timestamp since) {
  auto s = countSince_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(email));
  s->bind(3, std::string(toString(kind)));
  s->bind(4, seconds(since));
  (void)s->executeStep();
  return s->getColumn(0).getInt64();
}

bool SqliteSignalStore::onMessage(Tx&, std::int64_t messageSeq, SignalKind kind) {
  auto s = onMessage_.use();
  s->bind(1, messageSeq);
  s->bind(2, std::string(toString(kind)));
  return s->executeStep();
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
