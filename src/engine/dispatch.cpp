// Dispatch (docs/dispatch.md): the host application claims due messages,
// sends them and reports back. The engine never sends mail.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/dispatch.hpp"
#include "engine/engine_impl.hpp"
#include "engine/events.hpp"
#include "engine/schedule.hpp"
#include "engine/sequence.hpp"
#include "engine/unsubscribe.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

// A retryable failure waits 5 min x 2^(attempts-1); the fifth one is final.
constexpr std::int64_t kMaxAttempts = 5;
constexpr std::int64_t kBackoffSeconds = 300;

// What one campaign may still hand out now: nothing outside its send window,
// nothing past its daily cap. `limit` when neither applies.
struct Allowance {
  std::int64_t left = 0;
  std::string day;  // with a cap: the calendar day it counts in
};

Allowance allowanceOf(Call& call, const store::CampaignRow& c, std::int64_t limit) {
  if (!detail::isOpen(c.schedule, call.now)) return {};
  if (!c.schedule.dailyCap) return {limit, {}};
  Allowance a{0, detail::localDay(c.schedule, call.now)};
  a.left = std::clamp<std::int64_t>(*c.schedule.dailyCap - call.db.campaigns().handedOut(call.tx, c.id, a.day), 0,
                                    limit);
  return a;
}

struct Candidate {
  store::DueMessage due;
  std::size_t campaign;  // index into the running campaigns
};

// The workspaces' frequency caps (docs/dispatch.md), read once per claim for
// the workspaces with a candidate. A message to an address that already has
// maxSends sends counting is held back. A send counts for perDays days from
// its sentAt; a claim whose lease still runs counts too, so two messages to
// one address in one batch (or in two batches) cannot both pass the last slot.
class FrequencyCaps {
 public:
  explicit FrequencyCaps(Call& call) : call_(call) {}

  // None when the message may go now; else the earliest time the cap could
  // let it go: when enough of the sends counting stop counting, a claim at
  // the end of its lease (it may yet fail). A lower bound: it is checked again then.
  [[nodiscard]] std::optional<Timestamp> holds(const std::string& workspaceId, std::int64_t messageSeq) {
    const std::optional<FrequencyCap> cap = capOf(workspaceId);
    if (!cap) return std::nullopt;
    const std::string email = call_.db.outbox().get(call_.tx, messageSeq).message.email;
    const std::chrono::days window{cap->perDays};
    // A send at `t` counts while now < t + window.
    const Timestamp since = call_.now - window + std::chrono::seconds{1};
    std::vector<Timestamp> ends;  // when each counting send stops counting
    for (const store::AddressLead& lead : call_.db.leads().inWorkspace(call_.tx, workspaceId, email)) {
      for (const store::RecentSend& send : call_.db.outbox().recentSends(call_.tx, lead.seq, since, call_.now)) {
        ends.push_back(send.status == MessageStatus::sent ? send.at + window : send.at);
      }
    }
    const auto limit = static_cast<std::size_t>(cap->maxSends);
    if (ends.size() < limit) return std::nullopt;
    // Below the cap once all but limit - 1 of them have stopped counting.
    std::sort(ends.begin(), ends.end());
    return ends[ends.size() - limit];
  }

 private:
  std::optional<FrequencyCap> capOf(const std::string& workspaceId) {
    auto it = caps_.find(workspaceId);
    if (it == caps_.end()) {
      const std::optional<Workspace> ws = call_.db.workspaces().find(call_.tx, workspaceId);
      it = caps_.emplace(workspaceId, ws ? ws->rules.frequencyCap : std::nullopt).first;
    }
    return it->second;
  }

  Call& call_;
  std::map<std::string, std::optional<FrequencyCap>, std::less<>> caps_;
};

std::vector<Message> claim(Call& call, std::int64_t limit, std::int64_t leaseSeconds, std::string_view workspace) {
  // Each running campaign that may send contributes its first due messages,
  // read through its own index: a backlog a campaign may not send (window
  // closed, cap used up) is never read. The write lock (BEGIN IMMEDIATE) is
  // held from these reads to the claims: no other connection claims between.
  // Paused leads whose date has come are active again before anything is
  // handed out (their next messages were queued for that date).
  (void)call.db.leads().resumePaused(call.tx, call.now);
  const std::vector<store::CampaignRow> running = call.db.campaigns().running(call.tx, workspace);
  std::vector<Allowance> allowances;
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < running.size(); ++i) {
    allowances.push_back(allowanceOf(call, running[i], limit));
    if (allowances.back().left == 0) continue;
    for (const store::DueMessage& d : call.db.outbox().due(call.tx, running[i].id, call.now, allowances.back().left)) {
      candidates.push_back({d, i});
    }
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.due.scheduledAt, a.due.seq) < std::tie(b.due.scheduledAt, b.due.seq);
  });
  if (static_cast<std::int64_t>(candidates.size()) > limit) candidates.resize(static_cast<std::size_t>(limit));

  // Held back by its workspace's frequency cap, a message stays where it is
  // (queued) with its due time moved to when the cap could let it go; the
  // batch is that much shorter, and the messages behind it come next time.
  FrequencyCaps caps(call);
  std::vector<std::int64_t> handed(running.size(), 0);
  std::vector<Message> out;
  out.reserve(candidates.size());
  for (const Candidate& c : candidates) {
    const store::CampaignRow& campaign = running[c.campaign];
    if (const auto until = caps.holds(campaign.workspaceId, c.due.seq)) {
      call.db.outbox().reschedule(call.tx, c.due.seq, detail::nextOpen(campaign.schedule, *until), call.now);
      continue;
    }
    call.db.outbox().claim(call.tx, c.due.seq, call.now + std::chrono::seconds{leaseSeconds}, call.now);
    ++handed[c.campaign];
    out.push_back(call.db.outbox().get(call.tx, c.due.seq).message);
  }
  for (std::size_t i = 0; i < running.size(); ++i) {
    if (handed[i] > 0 && running[i].schedule.dailyCap) {
      call.db.campaigns().addHandedOut(call.tx, running[i].id, allowances[i].day, handed[i]);
    }
  }
  return out;
}

// A report needs a claim: a message never handed out (queued or cancelled
// with no attempt) cannot have been sent or have failed.
void requireClaimed(const Message& m) {
  const bool live = m.status == MessageStatus::claimed;
  const bool claimedBefore = (m.status == MessageStatus::queued || m.status == MessageStatus::cancelled) && m.attempts > 0;
  if (!live && !claimedBefore) {
    throw Error(ErrorCode::conflict, fmt::format("message '{}' was never claimed", m.id));
  }
}

// After a send: the lead's next step, or its completion.
void advanceLead(Call& call, const store::MessageRow& row) {
  LeadRecord lead = call.db.leads().get(call.tx, row.leadSeq);
  if (row.message.step > lead.position) {
    lead.position = row.message.step;
    call.db.leads().setPosition(call.tx, lead.seq, lead.position, call.now);
  }
  // A message cancelled while claimed is recorded, and nothing more is queued
  // for a lead that stopped (suppressed, replied, bounced, ...). A paused
  // lead's next step is queued for the date it resumes.
  if (!getsMail(lead.status)) return;
  const store::CampaignRow campaign = *call.db.campaigns().find(call.tx, row.message.campaignId);
  Sequencer sequencer(call, campaign);
  if (lead.position < sequencer.stepCount()) {
    (void)sequencer.ensureQueued(lead, call.now);
  } else if (!call.db.outbox().live(call.tx, lead.seq)) {
    call.db.leads().setStatus(call.tx, lead.seq, LeadStatus::completed, call.now);
  }
}

}  // namespace

void recordFailure(Call& call, const store::MessageRow& row, std::string_view reason, bool retryable) {
  const Message& m = row.message;
  const std::int64_t attempts = std::max<std::int64_t>(m.attempts, 1);
  // A message cancelled after its claim records the failure and stops there.
  if (retryable && attempts < kMaxAttempts && m.status != MessageStatus::cancelled) {
    const store::CampaignRow campaign = *call.db.campaigns().find(call.tx, m.campaignId);
    Timestamp retry = call.now + std::chrono::seconds{kBackoffSeconds * (std::int64_t{1} << (attempts - 1))};
    // An out-of-office that arrived while the message was claimed holds it too.
    if (const auto until = call.db.leads().get(call.tx, row.leadSeq).pausedUntil) retry = std::max(retry, *until);
    call.db.outbox().retryAt(call.tx, row.seq, detail::nextOpen(campaign.schedule, retry), reason, call.now);
    // Queued again, it holds the current render: the lead may have changed
    // while the host held the message.
    Sequencer(call, campaign).rerenderQueued(call.db.leads().get(call.tx, row.leadSeq));
    return;
  }
  call.db.outbox().markFailed(call.tx, row.seq, reason, call.now);
  if (m.status == MessageStatus::cancelled) return;
  // The sequence stops for this lead; nothing overrides replied.
  const LeadRecord lead = call.db.leads().get(call.tx, row.leadSeq);
  if (getsMail(lead.status)) call.db.leads().setStatus(call.tx, lead.seq, LeadStatus::bounced, call.now);
}

std::vector<Message> CampaignEngine::claimDue(std::int64_t limit, std::int64_t leaseSeconds, const Scope& scope) {
  if (limit < 1) throw Error(ErrorCode::invalid_argument, "claim limit must be at least 1");
  if (leaseSeconds < 1) throw Error(ErrorCode::invalid_argument, "lease must be at least 1 second");
  return impl_->write([&](Call& call) {
    std::vector<Message> claimed = claim(call, limit, leaseSeconds, scope.workspace);
    pruneEvents(call);
    addUnsubscribeHeaders(call, claimed);
    return claimed;
  });
}

Message CampaignEngine::markSent(std::string_view messageId, const Scope& scope) {
  return impl_->write([&](Call& call) {
    const store::MessageRow row = messageInScope(call, messageId, scope);
    const MessageStatus was = row.message.status;
    if (was == MessageStatus::sent) return withUnsubscribeHeaders(call, row.message);  // repeating changes nothing
    if (was == MessageStatus::failed) {
      throw Error(ErrorCode::conflict, fmt::format("message '{}' has already failed", messageId));
    }
    requireClaimed(row.message);
    call.db.outbox().markSent(call.tx, row.seq, call.now);
    advanceLead(call, row);
    return withUnsubscribeHeaders(call, call.db.outbox().get(call.tx, row.seq).message);
  });
}

Message CampaignEngine::markFailed(std::string_view messageId, std::string_view reason, bool retryable,
                                   const Scope& scope) {
  return impl_->write([&](Call& call) {
    const store::MessageRow row = messageInScope(call, messageId, scope);
    const MessageStatus was = row.message.status;
    if (was == MessageStatus::failed) return withUnsubscribeHeaders(call, row.message);  // repeating changes nothing
    if (was == MessageStatus::sent) {
      throw Error(ErrorCode::conflict, fmt::format("message '{}' was sent; it cannot fail", messageId));
    }
    requireClaimed(row.message);
    if (was == MessageStatus::queued) {
      // Queued again since its claim: a failure of that earlier attempt is stale.
      throw Error(ErrorCode::conflict, fmt::format("message '{}' is queued again; the report is stale", messageId));
    }
    recordFailure(call, row, reason, retryable);
    return withUnsubscribeHeaders(call, call.db.outbox().get(call.tx, row.seq).message);
  });
}

ReplyResult CampaignEngine::markReplied(std::string_view campaignId, std::string_view email, const Scope& scope) {
  return impl_->write([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::string normalized;
    (void)detail::normalizeEmail(email, normalized);
    std::optional<LeadRecord> lead = call.db.leads().find(call.tx, c.id, normalized);
    if (!lead) throw Error(ErrorCode::not_found, fmt::format("lead '{}' not found in campaign '{}'", email, c.id));
    ReplyResult result;
    Event e;
    e.kind = EventKind::signal;
    e.workspaceId = c.workspaceId;
    e.campaignId = c.id;
    e.leadId = lead->id;
    e.detail = toString(SignalKind::reply);
    recordEvent(call, std::move(e));
    result.messagesCancelled = stopMessages(call, lead->seq);
    if (lead->status != LeadStatus::replied) call.db.leads().setStatus(call.tx, lead->seq, LeadStatus::replied, call.now);
    result.lead = leadView(*call.db.leads().find(call.tx, c.id, lead->email), c.id);
    return result;
  });
}

std::vector<Message> CampaignEngine::listMessages(std::string_view campaignId, std::optional<MessageStatus> status,
                                                  const Scope& scope) {
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::vector<Message> messages = call.db.outbox().list(call.tx, c.id, status);
    addUnsubscribeHeaders(call, messages);
    return messages;
  });
}

}  // namespace leadterra
