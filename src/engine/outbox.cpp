// The outbox: rendering steps for leads, queueing them, and the dispatch
// calls of the host application (claim, sent, failed, replied).
#include <fmt/format.h>

#include <cmath>
#include <unordered_map>

#include "engine/engine_impl.hpp"
#include "engine/schedule.hpp"
#include "storage/row.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::optText;
using detail::optTime;
using detail::seconds;
using detail::timeAt;

namespace {

// A retryable failure waits 5 min x 2^(attempts-1); the fifth one is final.
constexpr std::int64_t kMaxAttempts = 5;
constexpr std::int64_t kBackoffSeconds = 300;

Timestamp after(Timestamp base, double delayDays) {
  return base + std::chrono::seconds{std::llround(delayDays * 86400.0)};
}

#define LEADTERRA_MESSAGE_SELECT                                                                          \
  "SELECT m.seq, m.id, m.campaign_id, l.email, m.step, m.subject, m.body, m.format, m.status, "           \
  "m.scheduled_at, m.attempts, m.lease_until, m.sent_at, m.last_error, m.lead_seq "                       \
  "FROM messages m JOIN leads l ON l.seq = m.lead_seq "

Message readMessage(SQLite::Statement& s) {
  Message m;
  m.id = s.getColumn(1).getString();
  m.campaignId = s.getColumn(2).getString();
  m.email = s.getColumn(3).getString();
  m.step = s.getColumn(4).getInt64();
  m.subject = s.getColumn(5).getString();
  m.body = s.getColumn(6).getString();
  m.format = parseStepFormat(s.getColumn(7).getString()).value_or(StepFormat::text);
  m.status = parseMessageStatus(s.getColumn(8).getString()).value_or(MessageStatus::queued);
  m.scheduledAt = timeAt(s, 9);
  m.attempts = s.getColumn(10).getInt64();
  m.leaseUntil = optTime(s, 11);
  m.sentAt = optTime(s, 12);
  m.lastError = optText(s, 13);
  return m;
}

}  // namespace

// ---- Rendering and queueing ----

std::vector<CompiledStep> EngineImpl::compile(const std::vector<Step>& steps) {
  std::vector<CompiledStep> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    out.push_back({step, detail::Template::parse(step.subject), detail::Template::parse(step.body)});
  }
  return out;
}

Rendered EngineImpl::render(const CompiledStep& step, const LeadRecord& lead) {
  auto resolve = [&lead](const detail::Tag& tag) { return resolveLeadTag(lead, tag); };
  // A subject is a mail header: never HTML-escaped (only an html body is),
  // and folded to one line by detail::foldHeader.
  return {step.subject.renderHeader(resolve), step.body.render(step.step.format == StepFormat::html, resolve)};
}

void EngineImpl::queueStep(const CampaignRow& campaign, const std::vector<CompiledStep>& steps,
                           const LeadRecord& lead, std::int64_t stepNumber, Timestamp base) {
  const CompiledStep& step = steps[static_cast<std::size_t>(stepNumber - 1)];
  const Rendered r = render(step, lead);
  const Timestamp now = this->now();
  auto& s = db.statement(
      "INSERT INTO messages (id, campaign_id, lead_seq, step, subject, body, format, status, scheduled_at, "
      "attempts, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, 0, ?, ?)");
  s.bind(1, newId("msg_"));
  s.bind(2, campaign.id);
  s.bind(3, lead.seq);
  s.bind(4, stepNumber);
  s.bind(5, r.subject);
  s.bind(6, r.body);
  s.bind(7, std::string(toString(step.step.format)));
  s.bind(8, seconds(detail::nextOpen(campaign.schedule, after(base, step.step.delayDays))));
  s.bind(9, seconds(now));
  s.bind(10, seconds(now));
  s.exec();
}

bool EngineImpl::ensureQueued(const CampaignRow& campaign, const std::vector<CompiledStep>& steps,
                              const LeadRecord& lead, Timestamp base) {
  if (lead.status != LeadStatus::active || lead.position >= static_cast<std::int64_t>(steps.size())) return false;
  if (liveMessage(lead.seq)) return false;
  queueStep(campaign, steps, lead, lead.position + 1, base);
  return true;
}

std::optional<EngineImpl::LiveMessage> EngineImpl::liveMessage(std::int64_t leadSeq) {
  auto& s = db.statement(
      "SELECT seq, step, status FROM messages WHERE lead_seq = ? AND status IN ('queued', 'claimed')");
  s.bind(1, leadSeq);
  if (!s.executeStep()) return std::nullopt;
  return LiveMessage{s.getColumn(0).getInt64(), s.getColumn(1).getInt64(),
                     parseMessageStatus(s.getColumn(2).getString()).value_or(MessageStatus::queued)};
}

std::int64_t EngineImpl::cancelLive(std::int64_t leadSeq) {
  auto& s = db.statement(
      "UPDATE messages SET status = 'cancelled', lease_until = NULL, updated_at = ? "
      "WHERE lead_seq = ? AND status IN ('queued', 'claimed')");
  s.bind(1, seconds(now()));
  s.bind(2, leadSeq);
  return s.exec();
}

void EngineImpl::rerenderMessage(std::int64_t messageSeq, const CompiledStep& step, const LeadRecord& lead) {
  const Rendered r = render(step, lead);
  auto& s = db.statement("UPDATE messages SET subject = ?, body = ?, format = ?, updated_at = ? WHERE seq = ?");
  s.bind(1, r.subject);
  s.bind(2, r.body);
  s.bind(3, std::string(toString(step.step.format)));
  s.bind(4, seconds(now()));
  s.bind(5, messageSeq);
  s.exec();
}

void EngineImpl::rerenderStep(const CampaignRow& campaign, const std::vector<CompiledStep>& steps,
                              std::int64_t stepNumber) {
  // Collect first, then write: no update runs under the open select.
  std::vector<std::pair<std::int64_t, LeadRecord>> todo;
  auto& s = db.statement("SELECT m.seq, " LEADTERRA_LEAD_COLUMNS
                         " FROM messages m JOIN leads ON leads.seq = m.lead_seq "
                         "WHERE m.campaign_id = ? AND m.step = ? AND m.status = 'queued'");
  s.bind(1, campaign.id);
  s.bind(2, stepNumber);
  while (s.executeStep()) todo.emplace_back(s.getColumn(0).getInt64(), readLeadRecord(s, 1));
  for (const auto& [messageSeq, lead] : todo) {
    rerenderMessage(messageSeq, steps[static_cast<std::size_t>(stepNumber - 1)], lead);
  }
}

std::int64_t EngineImpl::queueAllEligible(const CampaignRow& campaign, const std::vector<CompiledStep>& steps,
                                          Timestamp base) {
  // Reading leads while inserting messages is safe: each insert concerns the
  // lead just read, which the NOT EXISTS test has already passed.
  auto& s = db.statement("SELECT " LEADTERRA_LEAD_COLUMNS
                         " FROM leads WHERE leads.campaign_id = ? AND leads.status = 'active' "
                         "AND leads.position < ? AND NOT EXISTS (SELECT 1 FROM messages m "
                         "WHERE m.lead_seq = leads.seq AND m.status IN ('queued', 'claimed')) ORDER BY leads.seq");
  s.bind(1, campaign.id);
  s.bind(2, static_cast<std::int64_t>(steps.size()));
  std::int64_t queued = 0;
  while (s.executeStep()) {
    const LeadRecord lead = readLeadRecord(s);
    queueStep(campaign, steps, lead, lead.position + 1, base);
    ++queued;
  }
  return queued;
}

Message EngineImpl::loadMessage(std::int64_t seq) {
  auto& s = db.statement(LEADTERRA_MESSAGE_SELECT "WHERE m.seq = ?");
  s.bind(1, seq);
  if (!s.executeStep()) throw Error(ErrorCode::not_found, "message not found");
  return readMessage(s);
}

// ---- Public: outbox ----

std::vector<Message> CampaignEngine::listMessages(std::string_view campaignId, std::optional<MessageStatus> status,
                                                  const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.read([&] {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    auto& s = impl_->db.statement(LEADTERRA_MESSAGE_SELECT
                                  "WHERE m.campaign_id = ?1 AND (?2 IS NULL OR m.status = ?2) ORDER BY m.seq");
    s.bind(1, c.id);
    if (status) {
      s.bind(2, std::string(toString(*status)));
    }
    std::vector<Message> out;
    while (s.executeStep()) out.push_back(readMessage(s));
    return out;
  });
}

std::vector<Message> CampaignEngine::claimDue(std::int64_t limit, std::int64_t leaseSeconds) {
  std::scoped_lock lock(impl_->mutex);
  if (limit < 1) throw Error(ErrorCode::invalid_argument, "claim limit must be at least 1");
  if (leaseSeconds < 1) throw Error(ErrorCode::invalid_argument, "lease must be at least 1 second");
  return impl_->db.write([&] {
    const Timestamp now = impl_->now();
    // What each campaign met on the way may still hand out now: nothing
    // outside its send window, nothing past its daily cap.
    struct Allowance {
      bool open = true;
      std::optional<std::int64_t> left;  // none: no cap
      std::string day;
      std::int64_t handed = 0;
    };
    std::unordered_map<std::string, Allowance> allowances;
    auto allowanceFor = [&](const std::string& campaignId) -> Allowance& {
      auto [it, fresh] = allowances.try_emplace(campaignId);
      if (!fresh) return it->second;
      const CampaignRow c = impl_->loadCampaign(campaignId, {});
      Allowance& a = it->second;
      a.open = detail::isOpen(c.schedule, now);
      if (c.schedule.dailyCap) {
        a.day = detail::localDay(c.schedule, now);
        auto& used = impl_->db.statement("SELECT handed FROM daily_handouts WHERE campaign_id = ? AND day = ?");
        used.bind(1, campaignId);
        used.bind(2, a.day);
        const std::int64_t handed = used.executeStep() ? used.getColumn(0).getInt64() : 0;
        a.left = std::max<std::int64_t>(0, *c.schedule.dailyCap - handed);
      }
      return a;
    };

    // BEGIN IMMEDIATE holds the write lock from the select to the updates, so
    // no other connection can claim the same rows in between.
    auto& due = impl_->db.statement(
        "SELECT m.seq, m.campaign_id FROM messages m JOIN campaigns c ON c.id = m.campaign_id "
        "WHERE m.status IN ('queued', 'claimed') AND m.scheduled_at <= ?1 "
        "AND (m.status = 'queued' OR m.lease_until <= ?1) AND c.status = 'running' "
        "ORDER BY m.scheduled_at, m.seq");
    due.bind(1, seconds(now));
    // Messages of a closed or capped campaign are stepped over; the scan
    // goes on until `limit` messages are granted or nothing is due.
    std::vector<std::int64_t> granted;
    while (static_cast<std::int64_t>(granted.size()) < limit && due.executeStep()) {
      Allowance& a = allowanceFor(due.getColumn(1).getString());
      if (!a.open || (a.left && *a.left == 0)) continue;
      if (a.left) --*a.left;
      ++a.handed;
      granted.push_back(due.getColumn(0).getInt64());
    }
    due.reset();
    auto& claim = impl_->db.statement(
        "UPDATE messages SET status = 'claimed', lease_until = ?, attempts = attempts + 1, updated_at = ? "
        "WHERE seq = ?");
    std::vector<Message> out;
    out.reserve(granted.size());
    for (const std::int64_t seq : granted) {
      claim.reset();
      claim.bind(1, seconds(now) + leaseSeconds);
      claim.bind(2, seconds(now));
      claim.bind(3, seq);
      claim.exec();
      out.push_back(impl_->loadMessage(seq));
    }
    auto& count = impl_->db.statement(
        "INSERT INTO daily_handouts (campaign_id, day, handed) VALUES (?, ?, ?) "
        "ON CONFLICT (campaign_id, day) DO UPDATE SET handed = handed + excluded.handed");
    for (const auto& [campaignId, a] : allowances) {
      if (!a.left || a.handed == 0) continue;
      count.reset();
      count.bind(1, campaignId);
      count.bind(2, a.day);
      count.bind(3, a.handed);
      count.exec();
    }
    return out;
  });
}

namespace {

struct MessageRef {
  std::int64_t seq = 0;
  std::int64_t leadSeq = 0;
  Message message;
};

MessageRef findMessage(EngineImpl& impl, std::string_view id) {
  auto& s = impl.db.statement(LEADTERRA_MESSAGE_SELECT "WHERE m.id = ?");
  s.bind(1, std::string(id));
  if (!s.executeStep()) throw Error(ErrorCode::not_found, fmt::format("message '{}' not found", id));
  return {s.getColumn(0).getInt64(), s.getColumn(14).getInt64(), readMessage(s)};
}

LeadRecord loadLeadBySeq(EngineImpl& impl, std::int64_t seq) {
  auto& s = impl.db.statement("SELECT " LEADTERRA_LEAD_COLUMNS " FROM leads WHERE leads.seq = ?");
  s.bind(1, seq);
  if (!s.executeStep()) throw Error(ErrorCode::storage_error, "message without its lead");
  return readLeadRecord(s);
}

}  // namespace

Message CampaignEngine::markSent(std::string_view messageId) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    const MessageRef ref = findMessage(*impl_, messageId);
    const MessageStatus was = ref.message.status;
    if (was == MessageStatus::sent) return ref.message;  // repeating changes nothing
    if (was == MessageStatus::failed) {
      throw Error(ErrorCode::conflict, fmt::format("message '{}' has already failed", messageId));
    }
    const Timestamp now = impl_->now();
    LeadRecord lead = loadLeadBySeq(*impl_, ref.leadSeq);
    if (was == MessageStatus::cancelled) {
      // The lead was resumed and its step queued again meanwhile: that copy
      // must not go out a second time.
      auto& dup = impl_->db.statement(
          "UPDATE messages SET status = 'cancelled', lease_until = NULL, updated_at = ? "
          "WHERE lead_seq = ? AND step = ? AND status IN ('queued', 'claimed')");
      dup.bind(1, seconds(now));
      dup.bind(2, ref.leadSeq);
      dup.bind(3, ref.message.step);
      dup.exec();
    }
    auto& s = impl_->db.statement(
        "UPDATE messages SET status = 'sent', sent_at = ?, lease_until = NULL, updated_at = ? WHERE seq = ?");
    s.bind(1, seconds(now));
    s.bind(2, seconds(now));
    s.bind(3, ref.seq);
    s.exec();
    if (ref.message.step > lead.position) {
      lead.position = ref.message.step;
      auto& pos = impl_->db.statement("UPDATE leads SET position = ?, updated_at = ? WHERE seq = ?");
      pos.bind(1, lead.position);
      pos.bind(2, seconds(now));
      pos.bind(3, lead.seq);
      pos.exec();
    }
    // A message cancelled while claimed is recorded, and nothing more is queued
    // for a lead that stopped (suppressed, replied, bounced).
    if (lead.status == LeadStatus::active) {
      const CampaignRow c = impl_->loadCampaign(ref.message.campaignId, {});
      const auto steps = EngineImpl::compile(impl_->loadSteps(c.id));
      if (lead.position >= static_cast<std::int64_t>(steps.size())) {
        if (!impl_->liveMessage(lead.seq)) impl_->setLeadStatus(lead.seq, LeadStatus::completed);
      } else {
        impl_->ensureQueued(c, steps, lead, now);
      }
    }
    return impl_->loadMessage(ref.seq);
  });
}

Message CampaignEngine::markFailed(std::string_view messageId, std::string_view reason, bool retryable) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    const MessageRef ref = findMessage(*impl_, messageId);
    const MessageStatus was = ref.message.status;
    if (was == MessageStatus::failed) return ref.message;  // repeating changes nothing
    if (was == MessageStatus::sent || was == MessageStatus::cancelled) {
      throw Error(ErrorCode::conflict,
                  fmt::format("message '{}' is {}; it cannot fail", messageId, toString(was)));
    }
    const Timestamp now = impl_->now();
    const std::int64_t attempts = std::max<std::int64_t>(ref.message.attempts, 1);
    if (retryable && attempts < kMaxAttempts) {
      auto& s = impl_->db.statement(
          "UPDATE messages SET status = 'queued', lease_until = NULL, scheduled_at = ?, last_error = ?, "
          "updated_at = ? WHERE seq = ?");
      const Timestamp retryAt = now + std::chrono::seconds{kBackoffSeconds * (std::int64_t{1} << (attempts - 1))};
      const CampaignRow c = impl_->loadCampaign(ref.message.campaignId, {});
      s.bind(1, seconds(detail::nextOpen(c.schedule, retryAt)));
      s.bind(2, std::string(reason));
      s.bind(3, seconds(now));
      s.bind(4, ref.seq);
      s.exec();
    } else {
      auto& s = impl_->db.statement(
          "UPDATE messages SET status = 'failed', lease_until = NULL, last_error = ?, updated_at = ? WHERE seq = ?");
      s.bind(1, std::string(reason));
      s.bind(2, seconds(now));
      s.bind(3, ref.seq);
      s.exec();
      // The sequence stops for this lead; nothing overrides replied.
      const LeadRecord lead = loadLeadBySeq(*impl_, ref.leadSeq);
      if (lead.status == LeadStatus::active) impl_->setLeadStatus(lead.seq, LeadStatus::bounced);
    }
    return impl_->loadMessage(ref.seq);
  });
}

ReplyResult CampaignEngine::markReplied(std::string_view campaignId, std::string_view email, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    std::string normalized;
    (void)detail::normalizeEmail(email, normalized);
    std::optional<LeadRecord> lead = impl_->findLead(c.id, normalized);
    if (!lead) throw Error(ErrorCode::not_found, fmt::format("lead '{}' not found in campaign '{}'", email, c.id));
    ReplyResult result;
    result.messagesCancelled = impl_->cancelLive(lead->seq);
    if (lead->status != LeadStatus::replied) impl_->setLeadStatus(lead->seq, LeadStatus::replied);
    result.lead = impl_->leadView(*impl_->findLead(c.id, lead->email), c.id);
    return result;
  });
}

}  // namespace leadterra
