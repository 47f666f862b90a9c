// The event log (migration 0010). Message and lead status events are written
// by the migration's triggers; this store appends the rest and reads them.
#include <limits>

#include "json/json_internal.hpp"
#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::optText;
using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

namespace {

// ",kind,kind," for the page's filter: one statement serves every set of kinds.
std::string kindList(const std::vector<EventKind>& kinds) {
  if (kinds.empty()) return {};
  std::string list = ",";
  for (EventKind k : kinds) list.append(toString(k)).push_back(',');
  return list;
}

void bindText(SQLite::Statement& s, int index, const std::string& text) {
  if (text.empty()) {
    s.bind(index);  // NULL: the event names none
  } else {
    s.bind(index, text);
  }
}

}  // namespace

void installEventTriggers(Database& db) {
  // A status change after the insert, or a claim again after an expired
  // lease (attempts grows). claimed -> queued is a retryable failure queued
  // again: message_failed, detail 'retry'.
  db.raw().exec(
      "CREATE TEMP TRIGGER IF NOT EXISTS events_message_update AFTER UPDATE OF status, attempts ON main.messages "
      "WHEN NEW.status IS NOT OLD.status OR NEW.attempts > OLD.attempts "
      "BEGIN "
      "INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, message_id, step, variant, detail) "
      "SELECT NEW.updated_at, c.workspace_id, "
      "CASE WHEN OLD.status = 'claimed' AND NEW.status = 'queued' THEN 'message_failed' "
      "ELSE 'message_' || NEW.status END, "
      "NEW.campaign_id, (SELECT l.id FROM leads l WHERE l.seq = NEW.lead_seq), NEW.id, NEW.step, NEW.variant, "
      "CASE WHEN OLD.status = 'claimed' AND NEW.status = 'queued' THEN 'retry' END "
      "FROM campaigns c WHERE c.id = NEW.campaign_id; "
      "END");
  db.raw().exec(
      "CREATE TEMP TRIGGER IF NOT EXISTS events_lead_status AFTER UPDATE OF status ON main.leads "
      "WHEN NEW.status IS NOT OLD.status "
      "BEGIN "
      "INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, detail) "
      "SELECT NEW.updated_at, c.workspace_id, 'lead_status', NEW.campaign_id, NEW.id, NEW.status "
      "FROM campaigns c WHERE c.id = NEW.campaign_id; "
      "END");
}

SqliteEventStore::SqliteEventStore(Database& db)
    : append_(db,
              "INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, message_id, step, variant, detail, "
              "counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      // Through events_by_workspace: the workspace's events past the cursor.
      page_(db,
            "SELECT cursor, at, kind, workspace_id, campaign_id, lead_id, message_id, step, variant, detail, counts "
            "FROM events WHERE workspace_id = ?1 AND cursor > ?2 "
            "AND (?3 = '' OR instr(?3, ',' || kind || ',') > 0) AND (?4 = '' OR campaign_id = ?4) "
            "ORDER BY cursor LIMIT ?5"),
      last_(db, "SELECT coalesce(max(cursor), 0) FROM events WHERE workspace_id = ?"),
      oldest_(db, "SELECT cursor, at FROM events ORDER BY cursor LIMIT 1"),
      newest_(db, "SELECT coalesce(max(cursor), 0) FROM events"),
      // Reads at most `batch` rows, the oldest: pruning never scans the log.
      // The newest event always stays: the next cursor is max + 1, so a
      // cursor is never given twice.
      prune_(db,
             "DELETE FROM events WHERE cursor IN (SELECT cursor FROM "
             "(SELECT cursor, at FROM events ORDER BY cursor LIMIT ?3) WHERE (at < ?1 OR cursor <= ?2) "
             "AND cursor < (SELECT max(cursor) FROM events))") {}

void SqliteEventStore::append(Tx&, const Event& event) {
  auto s = append_.use();
  s->bind(1, seconds(event.at));
  s->bind(2, event.workspaceId);
  s->bind(3, std::string(toString(event.kind)));
  bindText(*s, 4, event.campaignId);
  bindText(*s, 5, event.leadId);
  bindText(*s, 6, event.messageId);
  if (event.step > 0) {
    s->bind(7, event.step);
  } else {
    s->bind(7);
  }
  bindText(*s, 8, event.variant);
  bindText(*s, 9, event.detail);
  if (event.counts.empty()) {
    s->bind(10);
  } else {
    detail::Json counts = detail::Json::object();
    for (const auto& [name, n] : event.counts) counts[name] = n;
    s->bind(10, counts.dump());
  }
  s->exec();
}

std::vector<Event> SqliteEventStore::page(Tx&, std::string_view workspaceId, const EventQuery& query) {
  auto s = page_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, query.afterCursor);
  s->bind(3, kindList(query.kinds));
  s->bind(4, query.campaignId);
  s->bind(5, query.limit);
  std::vector<Event> events;
  while (s->executeStep()) {
    Event& e = events.emplace_back();
    e.cursor = s->getColumn(0).getInt64();
    e.at = timeAt(*s, 1);
    e.kind = storedEnum(*s, 2, parseEventKind, "event kind");
    e.workspaceId = s->getColumn(3).getString();
    e.campaignId = optText(*s, 4).value_or("");
    e.leadId = optText(*s, 5).value_or("");
    e.messageId = optText(*s, 6).value_or("");
    e.step = s->isColumnNull(7) ? 0 : s->getColumn(7).getInt64();
    e.variant = optText(*s, 8).value_or("");
    e.detail = optText(*s, 9).value_or("");
    if (!s->isColumnNull(10)) {
      const detail::Json counts = detail::Json::parse(s->getColumn(10).getString(), nullptr, false);
      if (!counts.is_object()) {
        throw Error(ErrorCode::storage_error, fmt::format("event {} has unreadable counts", e.cursor));
      }
      for (const auto& [name, n] : counts.items()) {
        if (!n.is_number_integer()) {
          throw Error(ErrorCode::storage_error, fmt::format("event {} has unreadable counts", e.cursor));
        }
        e.counts[name] = n.get<std::int64_t>();
      }
    }
  }
  return events;
}

std::int64_t SqliteEventStore::lastCursor(Tx&, std::string_view workspaceId) {
  auto s = last_.use();
  s->bind(1, std::string(workspaceId));
  (void)s->executeStep();
  return s->getColumn(0).getInt64();
}

std::int64_t SqliteEventStore::prune(Tx&, std::optional<Timestamp> cutoff, std::int64_t keep, std::int64_t batch) {
  std::int64_t bound = 0;  // events at or below it are past the count limit
  if (keep > 0) {
    auto n = newest_.use();
    (void)n->executeStep();
    bound = n->getColumn(0).getInt64() - keep;
  }
  {
    // Nothing to do (the common case) costs one probe of the oldest event.
    auto o = oldest_.use();
    if (!o->executeStep()) return 0;
    const bool old = cutoff && o->getColumn(1).getInt64() < seconds(*cutoff);
    if (!old && o->getColumn(0).getInt64() > bound) return 0;
  }
  auto s = prune_.use();
  s->bind(1, cutoff ? seconds(*cutoff) : std::numeric_limits<std::int64_t>::min());
  s->bind(2, bound);
  s->bind(3, batch);
  return s->exec();
}

}  // namespace leadterra::store::sqlite
