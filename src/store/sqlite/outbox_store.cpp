// Messages: queueing, re-rendering, cancelling, claiming and reports.
#include <fmt/format.h>

#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::optText;
using detail::optTime;
using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

std::string liveStatuses() {
  return fmt::format("({}, {})", sqlName(MessageStatus::queued), sqlName(MessageStatus::claimed));
}

namespace {

constexpr const char* kMessageSelect =
    "SELECT m.seq, m.lead_seq, m.id, m.campaign_id, c.workspace_id, l.id, l.email, m.step, m.subject, m.body, "
    "m.format, m.status, m.scheduled_at, m.attempts, m.lease_until, m.sent_at, m.last_error, m.variant "
    "FROM messages m JOIN leads l ON l.seq = m.lead_seq JOIN campaigns c ON c.id = m.campaign_id ";

MessageRow readMessage(SQLite::Statement& s) {
  MessageRow row;
  row.seq = s.getColumn(0).getInt64();
  row.leadSeq = s.getColumn(1).getInt64();
  Message& m = row.message;
  m.id = s.getColumn(2).getString();
  m.campaignId = s.getColumn(3).getString();
  m.workspaceId = s.getColumn(4).getString();
  m.leadId = s.getColumn(5).getString();
  m.email = s.getColumn(6).getString();
  m.step = s.getColumn(7).getInt64();
  m.subject = s.getColumn(8).getString();
  m.body = s.getColumn(9).getString();
  m.format = storedEnum(s, 10, parseStepFormat, "message format");
  m.status = storedEnum(s, 11, parseMessageStatus, "message status");
  m.scheduledAt = timeAt(s, 12);
  m.attempts = s.getColumn(13).getInt64();
  m.leaseUntil = optTime(s, 14);
  m.sentAt = optTime(s, 15);
  m.lastError = optText(s, 16);
  m.variant = s.getColumn(17).getString();
  return row;
}

MessageState readState(SQLite::Statement& s) {
  return {s.getColumn(0).getInt64(), s.getColumn(1).getInt64(), storedEnum(s, 2, parseMessageStatus, "message status"),
          s.getColumn(3).getInt64(), s.getColumn(4).getString()};
}

void bindText(SQLite::Statement& s, const NewMessage& m) {
  s.bind(1, m.subject);
  s.bind(2, m.body);
  s.bindNoCopy(3, toString(m.format).data());
  s.bind(4, seconds(m.scheduledAt));
  s.bind(5, m.variant);
}

}  // namespace

SqliteOutboxStore::SqliteOutboxStore(Database& db, bool events)
    : nextSeq_(db, "SELECT coalesce(max(seq), 0) + 1 FROM messages"),
      insert_(db,
              "INSERT INTO messages (subject, body, format, scheduled_at, variant, seq, id, campaign_id, lead_seq, step, "
              "status, attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)"),
      live_(db,
            fmt::format("SELECT seq, step, status, attempts, variant FROM messages WHERE lead_seq = ? AND status IN {}",
                        liveStatuses())),
      forStep_(db, "SELECT seq, step, status, attempts, variant FROM messages WHERE lead_seq = ? AND step = ?"),
      requeue_(db,
               "UPDATE messages SET subject = ?, body = ?, format = ?, scheduled_at = ?, variant = ?, status = ?, "
               "lease_until = NULL, updated_at = ? WHERE seq = ?"),
      setText_(db, "UPDATE messages SET variant = ?, subject = ?, body = ?, format = ?, updated_at = ? WHERE seq = ?"),
      cancelLive_(db, fmt::format("UPDATE messages SET status = ?, lease_until = NULL, updated_at = ? "
                                  "WHERE lead_seq = ? AND status IN {}",
                                  liveStatuses())),
      cancelStep_(db, fmt::format("UPDATE messages SET status = ?, lease_until = NULL, updated_at = ? "
                                  "WHERE campaign_id = ? AND step = ? AND status IN {}",
                                  liveStatuses())),
      queued_(db, "SELECT seq, lead_seq, step, variant FROM messages WHERE campaign_id = ? AND status = ? ORDER BY seq"),
      queuedStep_(db,
                  "SELECT seq, lead_seq, step, variant FROM messages WHERE campaign_id = ? AND status = ? AND step = ? "
                  "ORDER BY seq"),
      queuedTimes_(db, "SELECT seq, scheduled_at FROM messages WHERE campaign_id = ? AND status = ?"),
      reschedule_(db, "UPDATE messages SET scheduled_at = ?, updated_at = ? WHERE seq = ?"),
      countQueued_(db, "SELECT count(*) FROM messages WHERE campaign_id = ? AND status = ?"),
      list_(db, fmt::format("{} WHERE m.campaign_id = ?1 AND (?2 IS NULL OR m.status = ?2) ORDER BY m.seq",
                            kMessageSelect)),
      // Pages: one range of messages_by_campaign_seq (campaign_id, seq), or
      // of messages_by_campaign (campaign_id, status) for one status.
      page_(db, fmt::format("{} WHERE m.campaign_id = ?1 AND m.seq > ?2 AND (?3 IS NULL OR m.updated_at >= ?3) "
                            "ORDER BY m.seq LIMIT ?4",
                            kMessageSelect)),
      pageStatus_(db, fmt::format("{} WHERE m.campaign_id = ?1 AND m.status = ?5 AND m.seq > ?2 "
                                  "AND (?3 IS NULL OR m.updated_at >= ?3) ORDER BY m.seq LIMIT ?4",
                                  kMessageSelect)),
      // The campaign's live messages in due order, through the partial index
      // messages_due_by_campaign: the cost follows what is handed out, not the
      // backlog of other campaigns.
      due_(db, fmt::format("SELECT scheduled_at, seq FROM messages WHERE campaign_id = ?1 AND status IN {} "
                           "AND scheduled_at <= ?2 AND (status = {} OR lease_until <= ?2) "
                           "ORDER BY scheduled_at, seq LIMIT ?3",
                           liveStatuses(), sqlName(MessageStatus::queued))),
      claim_(db,
             "UPDATE messages SET status = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? WHERE seq = ?"),
      find_(db, fmt::format("{} WHERE m.id = ?", kMessageSelect)),
      get_(db, fmt::format("{} WHERE m.seq = ?", kMessageSelect)),
      sent_(db, "UPDATE messages SET status = ?, sent_at = ?, lease_until = NULL, updated_at = ? WHERE seq = ?"),
      retry_(db,
             "UPDATE messages SET status = ?, lease_until = NULL, scheduled_at = ?, last_error = ?, updated_at = ? "
             "WHERE seq = ?"),
      failed_(db, "UPDATE messages SET status = ?, lease_until = NULL, last_error = ?, updated_at = ? WHERE seq = ?"),
      recentSent_(db, "SELECT seq FROM messages WHERE campaign_id = ? AND status = ? ORDER BY seq DESC LIMIT ?"),
      // Through messages_one_per_step (lead_seq, step): a lead's few messages.
      recentSends_(db, fmt::format("SELECT status, CASE WHEN status = {0} THEN sent_at ELSE lease_until END "
                                   "FROM messages WHERE lead_seq = ?1 AND ((status = {0} AND sent_at >= ?2) "
                                   "OR (status = {1} AND lease_until > ?3))",
                                   sqlName(MessageStatus::sent), sqlName(MessageStatus::claimed))),
      firstSent_(db, "SELECT min(sent_at) FROM messages WHERE campaign_id = ? AND step = ? AND status = 'sent'"),
      // Through messages_by_step (campaign_id, step, status, variant). A
      // message counts as replied to when a reply signal names it, or when
      // its lead replied and it is the lead's last message sent.
      figures_(db,
               "SELECT m.variant, count(*), "
               "sum(EXISTS (SELECT 1 FROM signals s WHERE s.message_seq = m.seq AND s.kind = 'reply') "
               "OR (l.status = 'replied' AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.lead_seq = m.lead_seq "
               "AND n.status = 'sent' AND (n.sent_at > m.sent_at OR (n.sent_at = m.sent_at AND n.seq > m.seq))))) "
               "FROM messages m JOIN leads l ON l.seq = m.lead_seq "
               "WHERE m.campaign_id = ? AND m.step = ? AND m.status = 'sent' GROUP BY m.variant ORDER BY m.variant"),
      queuedEvent_(db,
                   "INSERT INTO events (at, workspace_id, kind, campaign_id, lead_id, message_id, step, variant) "
                   "VALUES (?, ?, 'message_queued', ?, ?, ?, ?, ?)"),
      events_(events) {}

std::int64_t SqliteOutboxStore::nextSeq(Tx&) {
  auto s = nextSeq_.use();
  s->executeStep();
  return s->getColumn(0).getInt64();
}

void SqliteOutboxStore::insert(Tx&, std::optional<std::int64_t> seq, const NewMessage& m, Timestamp now) {
  auto s = insert_.use();
  bindText(*s, m);
  if (seq) s->bind(6, *seq);  // else NULL: the next rowid
  s->bind(7, m.id);
  s->bind(8, m.campaignId);
  s->bind(9, m.leadSeq);
  s->bind(10, m.step);
  s->bindNoCopy(11, toString(MessageStatus::queued).data());
  s->bind(12, seconds(now));
  s->bind(13, seconds(now));
  s->exec();
  if (!events_) return;
  auto e = queuedEvent_.use();
  e->bind(1, seconds(now));
  e->bind(2, m.workspaceId);
  e->bind(3, m.campaignId);
  e->bind(4, m.leadId);
  e->bind(5, m.id);
  e->bind(6, m.step);
  e->bind(7, m.variant);
  e->exec();
}

std::optional<MessageState> SqliteOutboxStore::live(Tx&, std::int64_t leadSeq) {
  auto s = live_.use();
  s->bind(1, leadSeq);
  if (!s->executeStep()) return std::nullopt;
  return readState(*s);
}

std::optional<MessageState> SqliteOutboxStore::forStep(Tx&, std::int64_t leadSeq, std::int64_t step) {
  auto s = forStep_.use();
  s->bind(1, leadSeq);
  s->bind(2, step);
  if (!s->executeStep()) return std::nullopt;
  return readState(*s);
}

void SqliteOutboxStore::requeue(Tx&, std::int64_t seq, const NewMessage& m, Timestamp now) {
  auto s = requeue_.use();
  bindText(*s, m);
  s->bindNoCopy(6, toString(MessageStatus::queued).data());
  s->bind(7, seconds(now));
  s->bind(8, seq);
  s->exec();
}

void SqliteOutboxStore::setText(Tx&, std::int64_t seq, std::string_view variant, std::string_view subject,
                                std::string_view body, StepFormat format, Timestamp now) {
  auto s = setText_.use();
  s->bind(1, std::string(variant));
  s->bind(2, std::string(subject));
  s->bind(3, std::string(body));
  s->bindNoCopy(4, toString(format).data());
  s->bind(5, seconds(now));
  s->bind(6, seq);
  s->exec();
}

std::int64_t SqliteOutboxStore::cancelLive(Tx&, std::int64_t leadSeq, Timestamp now) {
  auto s = cancelLive_.use();
  s->bindNoCopy(1, toString(MessageStatus::cancelled).data());
  s->bind(2, seconds(now));
  s->bind(3, leadSeq);
  return s->exec();
}

std::int64_t SqliteOutboxStore::cancelLiveOfStep(Tx&, std::string_view campaignId, std::int64_t step, Timestamp now) {
  auto s = cancelStep_.use();
  s->bindNoCopy(1, toString(MessageStatus::cancelled).data());
  s->bind(2, seconds(now));
  s->bind(3, std::string(campaignId));
  s->bind(4, step);
  return s->exec();
}

std::vector<QueuedMessage> SqliteOutboxStore::queued(Tx&, std::string_view campaignId, std::int64_t step) {
  auto s = step > 0 ? queuedStep_.use() : queued_.use();
  s->bind(1, std::string(campaignId));
  s->bindNoCopy(2, toString(MessageStatus::queued).data());
  if (step > 0) s->bind(3, step);
  std::vector<QueuedMessage> out;
  while (s->executeStep()) {
    out.push_back({s->getColumn(0).getInt64(), s->getColumn(1).getInt64(), s->getColumn(2).getInt64(),
                   s->getColumn(3).getString()});
  }
  return out;
}

std::optional<Timestamp> SqliteOutboxStore::firstSent(Tx&, std::string_view campaignId, std::int64_t step) {
  auto s = firstSent_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, step);
  s->executeStep();
  return optTime(*s, 0);
}

std::vector<VariantFigures> SqliteOutboxStore::variantFigures(Tx&, std::string_view campaignId, std::int64_t step) {
  auto s = figures_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, step);
  std::vector<VariantFigures> out;
  while (s->executeStep()) {
    out.push_back({s->getColumn(0).getString(), s->getColumn(1).getInt64(), s->getColumn(2).getInt64()});
  }
  return out;
}

std::vector<std::pair<std::int64_t, Timestamp>> SqliteOutboxStore::queuedTimes(Tx&, std::string_view campaignId) {
  auto s = queuedTimes_.use();
  s->bind(1, std::string(campaignId));
  s->bindNoCopy(2, toString(MessageStatus::queued).data());
  std::vector<std::pair<std::int64_t, Timestamp>> out;
  while (s->executeStep()) out.emplace_back(s->getColumn(0).getInt64(), timeAt(*s, 1));
  return out;
}

void SqliteOutboxStore::reschedule(Tx&, std::int64_t seq, Timestamp at, Timestamp now) {
  auto s = reschedule_.use();
  s->bind(1, seconds(at));
  s->bind(2, seconds(now));
  s->bind(3, seq);
  s->exec();
}

std::int64_t SqliteOutboxStore::countQueued(Tx&, std::string_view campaignId) {
  auto s = countQueued_.use();
  s->bind(1, std::string(campaignId));
  s->bindNoCopy(2, toString(MessageStatus::queued).data());
  s->executeStep();
  return s->getColumn(0).getInt64();
}

std::vector<Message> SqliteOutboxStore::list(Tx&, std::string_view campaignId, std::optional<MessageStatus> status) {
  auto s = list_.use();
  s->bind(1, std::string(campaignId));
  if (status) s->bindNoCopy(2, toString(*status).data());
  std::vector<Message> out;
  while (s->executeStep()) out.push_back(readMessage(*s).message);
  return out;
}

std::vector<MessageRow> SqliteOutboxStore::page(Tx&, std::string_view campaignId, const MessageFilter& filter,
                                                std::int64_t afterSeq, std::int64_t limit) {
  auto s = filter.status ? pageStatus_.use() : page_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, afterSeq);
  if (filter.updatedSince) s->bind(3, seconds(*filter.updatedSince));  // else NULL: any
  s->bind(4, limit);
  if (filter.status) s->bindNoCopy(5, toString(*filter.status).data());
  std::vector<MessageRow> out;
  while (s->executeStep()) out.push_back(readMessage(*s));
  return out;
}

std::vector<DueMessage> SqliteOutboxStore::due(Tx&, std::string_view campaignId, Timestamp now, std::int64_t limit) {
  auto s = due_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, seconds(now));
  s->bind(3, limit);
  std::vector<DueMessage> out;
  while (s->executeStep()) out.push_back({timeAt(*s, 0), s->getColumn(1).getInt64()});
  return out;
}

void SqliteOutboxStore::claim(Tx&, std::int64_t seq, Timestamp leaseUntil, Timestamp now) {
  auto s = claim_.use();
  s->bindNoCopy(1, toString(MessageStatus::claimed).data());
  s->bind(2, seconds(leaseUntil));
  s->bind(3, seconds(now));
  s->bind(4, seq);
  s->exec();
}

std::optional<MessageRow> SqliteOutboxStore::find(Tx&, std::string_view id) {
  auto s = find_.use();
  s->bind(1, std::string(id));
  if (!s->executeStep()) return std::nullopt;
  return readMessage(*s);
}

MessageRow SqliteOutboxStore::get(Tx&, std::int64_t seq) {
  auto s = get_.use();
  s->bind(1, seq);
  if (!s->executeStep()) throw Error(ErrorCode::storage_error, fmt::format("message {} is missing", seq));
  return readMessage(*s);
}

void SqliteOutboxStore::markSent(Tx&, std::int64_t seq, Timestamp now) {
  auto s = sent_.use();
  s->bindNoCopy(1, toString(MessageStatus::sent).data());
  s->bind(2, seconds(now));
  s->bind(3, seconds(now));
  s->bind(4, seq);
  s->exec();
}

void SqliteOutboxStore::retryAt(Tx&, std::int64_t seq, Timestamp at, std::string_view reason, Timestamp now) {
  auto s = retry_.use();
  s->bindNoCopy(1, toString(MessageStatus::queued).data());
  s->bind(2, seconds(at));
  s->bind(3, std::string(reason));
  s->bind(4, seconds(now));
  s->bind(5, seq);
  s->exec();
}

void SqliteOutboxStore::markFailed(Tx&, std::int64_t seq, std::string_view reason, Timestamp now) {
  auto s = failed_.use();
  s->bindNoCopy(1, toString(MessageStatus::failed).data());
  s->bind(2, std::string(reason));
  s->bind(3, seconds(now));
  s->bind(4, seq);
  s->exec();
}

std::vector<std::int64_t> SqliteOutboxStore::recentSent(Tx&, std::string_view campaignId, std::int64_t limit) {
  auto s = recentSent_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(toString(MessageStatus::sent)));
  s->bind(3, limit);
  std::vector<std::int64_t> out;
  while (s->executeStep()) out.push_back(s->getColumn(0).getInt64());
  return out;
}

std::vector<RecentSend> SqliteOutboxStore::recentSends(Tx&, std::int64_t leadSeq, Timestamp since, Timestamp now) {
  auto s = recentSends_.use();
  s->bind(1, leadSeq);
  s->bind(2, seconds(since));
  s->bind(3, seconds(now));
  std::vector<RecentSend> out;
  while (s->executeStep()) out.push_back({storedEnum(*s, 0, parseMessageStatus, "message status"), timeAt(*s, 1)});
  return out;
}

}  // namespace leadterra::store::sqlite
