// Signals (docs/signals.md): what happened after a send, and the rule each
// kind applies, in the transaction that records it.
#include <fmt/format.h>

#include "engine/dispatch.hpp"
#include "engine/engine_impl.hpp"
#include "engine/events.hpp"
#include "engine/schedule.hpp"
#include "engine/sequence.hpp"
#include "engine/signals.hpp"
#include "engine/suppression.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

// What a signal is about, once its message or address is found.
struct Target {
  store::SignalRow row;               // the record, without id and kind yet
  std::optional<LeadRecord> lead;     // the lead it names, if any
  std::optional<std::string> messageId;
  StopRules rules;                    // its campaign's; the defaults when it names none
};

std::string normalizedEmail(std::string_view email) {
  std::string normalized;
  if (detail::normalizeEmail(email, normalized) != detail::EmailCheck::ok) {
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a valid email", email));
  }
  return normalized;
}

Target byMessage(Call& call, const SignalInput& in, const Scope& scope) {
  const store::MessageRow m = messageInScope(call, in.messageId, scope);
  Target t;
  t.row.workspaceId = m.message.workspaceId;
  t.row.campaignId = m.message.campaignId;
  t.row.leadSeq = m.leadSeq;
  t.row.messageSeq = m.seq;
  t.row.email = m.message.email;
  t.lead = call.db.leads().get(call.tx, m.leadSeq);
  t.messageId = m.message.id;
  t.rules = call.db.campaigns().find(call.tx, m.message.campaignId)->stopRules;
  return t;
}

Target byAddress(Call& call, const SignalInput& in, const std::string& email, const Scope& scope) {
  const std::string& workspace = in.workspaceId.empty() ? scope.workspace : in.workspaceId;
  if (!scope.workspace.empty() && workspace != scope.workspace) {
    throw Error(ErrorCode::not_found, fmt::format("workspace '{}' not found", workspace));
  }
  requireWorkspace(call, workspace);
  Target t;
  t.row.workspaceId = workspace;
  t.row.email = email;
  if (in.campaignId.empty()) return t;
  const store::CampaignRow c = campaignInScope(call, in.campaignId, Scope{workspace});
  t.lead = call.db.leads().find(call.tx, c.id, email);
  if (!t.lead) throw Error(ErrorCode::not_found, fmt::format("lead '{}' not found in campaign '{}'", email, c.id));
  t.row.campaignId = c.id;
  t.row.leadSeq = t.lead->seq;
  t.rules = c.stopRules;
  return t;
}

// Stops one lead with `status`, cancelling its live message. A replied lead
// stays replied (the strongest stop); a lead already at `status` changes
// nothing but its live messages.
void stopLead(Call& call, std::int64_t seq, LeadStatus current, LeadStatus status, SignalResult& r) {
  r.messagesCancelled += stopMessages(call, seq);
  if (current == status || current == LeadStatus::replied) return;
  call.db.leads().setStatus(call.tx, seq, status, call.now);
  ++r.leadsStopped;
}

void stopLead(Call& call, const LeadRecord& lead, LeadStatus status, SignalResult& r) {
  stopLead(call, lead.seq, lead.status, status, r);
}

// Counts the leads the address's other campaigns stopped into `r`.
void addStopped(const StopCounts& stopped, SignalResult& r) {
  r.leadsStopped += stopped.leads;
  r.messagesCancelled += stopped.messages;
}

// Stop for company: the campaign's other leads of the replying address's
// domain stop as replied (their company answered), unless the domain is a
// free-mail provider's, where one address says nothing about another.
void stopCompany(Call& call, const Target& t, SignalResult& r) {
  const std::string_view domain = detail::emailDomain(t.row.email);
  if (call.db.signals().isFreeMail(call.tx, domain)) return;
  std::vector<store::LeadRef> colleagues;
  call.db.leads().forEachRef(call.tx, *t.row.campaignId, [&](const store::LeadRef& ref) {
    if (ref.seq != t.lead->seq && getsMail(ref.status) && detail::emailDomain(ref.email) == domain) {
      colleagues.push_back(ref);
    }
  });
  for (const store::LeadRef& ref : colleagues) stopLead(call, ref.seq, ref.status, LeadStatus::replied, r);
}

// A reply stops the lead that replied (when its campaign stops on reply) and,
// by the workspace's rule, the address's leads in every other campaign that
// stops on reply: a person who answered one campaign gets no other cold mail.
// A reply that names no campaign stops the address wherever it is enrolled.
void applyReply(Call& call, const Target& t, SignalResult& r) {
  if (t.lead && t.rules.onReply) {
    stopLead(call, *t.lead, LeadStatus::replied, r);
    if (t.rules.forCompany) stopCompany(call, t, r);
  }
  const Workspace ws = *call.db.workspaces().find(call.tx, t.row.workspaceId);
  if (t.row.campaignId && !ws.rules.replyStopsAllCampaigns) return;
  for (const std::string& id : call.db.campaigns().idsInWorkspace(call.tx, t.row.workspaceId)) {
    if (id == t.row.campaignId) continue;
    if (!call.db.campaigns().find(call.tx, id)->stopRules.onReply) continue;
    const auto ref = call.db.leads().findRef(call.tx, id, t.row.email);
    if (ref && getsMail(ref->status)) stopLead(call, ref->seq, ref->status, LeadStatus::replied, r);
  }
}

// An out-of-office pauses the lead until the person is back: its live
// message moves to that date (into the send window). A message claimed now
// may still be reported sent, and the next step then waits for the date;
// if its lease runs out instead, it is not handed out again before the date.
// A stopped lead stays stopped.
void applyAutoReply(Call& call, const SignalInput& in, const Target& t, SignalResult& r) {
  if (!t.rules.onAutoReply || !getsMail(t.lead->status)) return;
  const Timestamp until = in.until ? *in.until : call.now + std::chrono::days{t.rules.autoReplyDays};
  if (until <= call.now) return;  // back already: nothing to wait for
  call.db.leads().pause(call.tx, t.lead->seq, until, call.now);
  ++r.leadsPaused;
  const auto live = call.db.outbox().live(call.tx, t.lead->seq);
  if (!live) return;
  const store::MessageRow m = call.db.outbox().get(call.tx, live->seq);
  if (m.message.scheduledAt >= until) return;
  const store::CampaignRow c = *call.db.campaigns().find(call.tx, m.message.campaignId);
  call.db.outbox().reschedule(call.tx, live->seq, detail::nextOpen(c.schedule, until), call.now);
}

// The address goes on the workspace's list with the signal's reason, and the
// list's rule applies to every campaign of the workspace: their leads of the
// address become suppressed (and can resume if the entry is removed). The
// lead the signal names takes `named` first (bounced, unsubscribed): it is
// never resumed.
void applySuppression(Call& call, const Target& t, SuppressionReason reason, LeadStatus named, SignalResult& r) {
  if (t.lead) stopLead(call, *t.lead, named, r);
  const store::SuppressionSource source{reason, t.row.campaignId, t.messageId};
  r.suppressionAdded =
      call.db.suppressions().add(call.tx, t.row.workspaceId, t.row.email, SuppressionKind::email, source, call.now);
  if (r.suppressionAdded) {
    recordWorkspaceEvent(call, t.row.workspaceId, EventKind::suppression_added, std::string(toString(reason)),
                         {{"entries", 1}});
  }
  addStopped(stopMatchingLeads(call, t.row.workspaceId, {t.row.email}, {}, LeadStatus::suppressed), r);
}

// An unsubscribe from a campaign whose rules keep it there stops only the
// lead it names; otherwise it is a suppression in the workspace.
void applyUnsubscribe(Call& call, const Target& t, SignalResult& r) {
  if (t.lead && t.rules.unsubscribe == UnsubscribeScope::campaign) {
    stopLead(call, *t.lead, LeadStatus::unsubscribed, r);
    return;
  }
  applySuppression(call, t, SuppressionReason::unsubscribe, LeadStatus::unsubscribed, r);
}

// A soft bounce of a message still claimed is a failed send to retry (with
// the backoff of markFailed). The address's softBouncesForHard-th soft bounce
// within softBounceDays counts as a hard one.
void applySoftBounce(Call& call, const Target& t, std::string_view detail, SignalResult& r) {
  if (t.row.messageSeq) {
    const store::MessageRow m = call.db.outbox().get(call.tx, *t.row.messageSeq);
    if (m.message.status == MessageStatus::claimed) {
      recordFailure(call, m, detail.empty() ? std::string_view("soft bounce") : detail, true);
    }
  }
  const Timestamp since = call.now - std::chrono::days{t.rules.softBounceDays};
  const std::int64_t earlier =
      call.db.signals().countSince(call.tx, t.row.workspaceId, t.row.email, SignalKind::bounceSoft, since);
  if (earlier + 1 >= t.rules.softBouncesForHard) {
    applySuppression(call, t, SuppressionReason::softBounces, LeadStatus::bounced, r);
  }
}

// After a hard bounce on one of its messages: a running campaign whose recent
// sends bounce too often pauses itself (a careful sender's reputation guard).
// Starting it again is the user's decision.
void protectCampaign(Call& call, const Target& t, SignalResult& r) {
  const StopRules& rules = t.rules;
  if (!rules.bounceProtection) return;
  const store::CampaignRow c = *call.db.campaigns().find(call.tx, *t.row.campaignId);
  if (c.status != CampaignStatus::running) return;
  const std::vector<std::int64_t> sent = call.db.outbox().recentSent(call.tx, c.id, rules.protectionWindow);
  const auto sends = static_cast<std::int64_t>(sent.size());
  if (sends < rules.protectionMinSends) return;
  std::int64_t bounced = 0;
  for (const std::int64_t seq : sent) {
    // The signal being reported is not recorded yet.
    if (seq == *t.row.messageSeq || call.db.signals().onMessage(call.tx, seq, SignalKind::bounceHard)) ++bounced;
  }
  if (bounced * 100 <= sends * rules.protectionMaxPercent) return;
  call.db.campaigns().setStatus(call.tx, c.id, CampaignStatus::paused, c.startedAt, PauseReason::bounceProtection);
  recordCampaignEvent(call, c, EventKind::campaign_paused, std::string(toString(PauseReason::bounceProtection)));
  r.campaignPaused = true;
}

void applyRule(Call& call, const SignalInput& in, const Target& t, SignalResult& r) {
  switch (in.kind) {
    case SignalKind::reply: applyReply(call, t, r); return;
    case SignalKind::autoReply: applyAutoReply(call, in, t, r); return;
    case SignalKind::bounceHard:
      applySuppression(call, t, SuppressionReason::hardBounce, LeadStatus::bounced, r);
      if (t.row.messageSeq) protectCampaign(call, t, r);
      return;
    case SignalKind::bounceSoft: applySoftBounce(call, t, in.detail, r); return;
    case SignalKind::complaint:
      applySuppression(call, t, SuppressionReason::complaint, LeadStatus::unsubscribed, r);
      return;
    case SignalKind::unsubscribe: applyUnsubscribe(call, t, r); return;
    case SignalKind::click:
    case SignalKind::open: return;  // recorded only
  }
}

// Recorded before the rule applies, so that its consequences (lead status,
// cancelled messages, suppression) follow it in the log.
void recordSignalEvent(Call& call, const Target& t, SignalKind kind) {
  Event e;
  e.kind = EventKind::signal;
  e.workspaceId = t.row.workspaceId;
  e.campaignId = t.row.campaignId.value_or("");
  if (t.lead) e.leadId = t.lead->id;
  e.messageId = t.messageId.value_or("");
  e.detail = toString(kind);
  recordEvent(call, std::move(e));
}

void checkShape(const SignalInput& in) {
  const bool byMessage = !in.messageId.empty();
  if (byMessage == !in.email.empty()) {
    throw Error(ErrorCode::invalid_argument, "a signal names a message or an email address, not both or neither");
  }
  if (byMessage && (!in.workspaceId.empty() || !in.campaignId.empty())) {
    throw Error(ErrorCode::invalid_argument, "a signal on a message takes its workspace and campaign from it");
  }
  if (toString(in.kind) == "unknown") throw Error(ErrorCode::invalid_argument, "unknown signal kind");
  if (in.kind == SignalKind::autoReply && !byMessage && in.campaignId.empty()) {
    throw Error(ErrorCode::invalid_argument, "an out-of-office names a lead: a message, or an address and its campaign");
  }
  if (in.until && in.kind != SignalKind::autoReply) {
    throw Error(ErrorCode::invalid_argument, "only an out-of-office (autoReply) has a date it ends");
  }
}

// Checks that need no storage, so that a malformed signal is refused before
// the write lock is asked for.
void checkSignal(const SignalInput& input, const Scope& scope) {
  checkShape(input);
  if (input.messageId.empty() && input.workspaceId.empty() && scope.workspace.empty()) {
    throw Error(ErrorCode::invalid_argument, "a signal on an email address needs its workspace");
  }
}

}  // namespace

SignalResult applySignal(Call& call, const SignalInput& input, const Scope& scope) {
  checkSignal(input, scope);
  const std::string email = input.email.empty() ? std::string() : normalizedEmail(input.email);
  Target t = input.messageId.empty() ? byAddress(call, input, email, scope) : byMessage(call, input, scope);
  SignalResult r;
  if (!input.externalId.empty()) {
    if (auto first = call.db.signals().findExternal(call.tx, t.row.workspaceId, input.externalId)) {
      r.id = std::move(*first);
      r.duplicate = true;
      return r;
    }
  }
  recordSignalEvent(call, t, input.kind);
  applyRule(call, input, t, r);
  r.id = call.newId("sig_");
  t.row.id = r.id;
  t.row.kind = input.kind;
  t.row.externalId = input.externalId;
  t.row.detail = input.detail;
  call.db.signals().insert(call.tx, t.row, call.now);
  return r;
}

SignalResult CampaignEngine::reportSignal(const SignalInput& input, const Scope& scope) {
  checkSignal(input, scope);
  return impl_->write([&](Call& call) { return applySignal(call, input, scope); });
}

}  // namespace leadterra
