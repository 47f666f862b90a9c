// Signals (docs/signals.md): what happened after a send, and the rule each
// kind applies, in the transaction that records it.
#include <fmt/format.h>

#include "engine/dispatch.hpp"
#include "engine/engine_impl.hpp"
#include "engine/sequence.hpp"
#include "engine/signals.hpp"
#include "engine/suppression.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

// Soft bounces of one address within this window, this one included, that
// count as a hard bounce.
constexpr std::int64_t kSoftBouncesForHard = 3;
constexpr std::chrono::hours kSoftBounceWindow{24 * 14};
// Bounce protection: of a campaign's last 200 sent messages, at least 50
// sent and more than 5 % of them hard-bounced pauses the campaign.
constexpr std::int64_t kProtectionWindow = 200;
constexpr std::int64_t kProtectionMinSends = 50;
constexpr std::int64_t kProtectionMaxPercent = 5;

// What a signal is about, once its message or address is found.
struct Target {
  store::SignalRow row;               // the record, without id and kind yet
  std::optional<LeadRecord> lead;     // the lead it names, if any
  std::optional<std::string> messageId;
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
  return t;
}

// Stops one lead with `status`, cancelling its live message. A replied lead
// stays replied (the strongest stop); a lead already at `status` changes
// nothing but its live messages.
void stopLead(Call& call, const LeadRecord& lead, LeadStatus status, SignalResult& r) {
  r.messagesCancelled += stopMessages(call, lead.seq);
  if (lead.status == status || lead.status == LeadStatus::replied) return;
  call.db.leads().setStatus(call.tx, lead.seq, status, call.now);
  ++r.leadsStopped;
}

// Counts the leads the address's other campaigns stopped into `r`.
void addStopped(const StopCounts& stopped, SignalResult& r) {
  r.leadsStopped += stopped.leads;
  r.messagesCancelled += stopped.messages;
}

// A reply stops the lead that replied and, in every other campaign of the
// workspace, the active leads of the same address: a person who answered
// one campaign gets no other cold mail.
void applyReply(Call& call, const Target& t, SignalResult& r) {
  if (t.lead) stopLead(call, *t.lead, LeadStatus::replied, r);
  addStopped(stopMatchingLeads(call, t.row.workspaceId, {t.row.email}, {}, LeadStatus::replied), r);
}

// The address goes on the workspace's list with the signal's reason, and
// the list's rule applies to every campaign of the workspace. A hard bounce
// marks the lead that bounced as bounced first.
void applySuppression(Call& call, const Target& t, SuppressionReason reason, SignalResult& r) {
  const bool bounced = reason == SuppressionReason::hardBounce || reason == SuppressionReason::softBounces;
  if (bounced && t.lead) stopLead(call, *t.lead, LeadStatus::bounced, r);
  const store::SuppressionSource source{reason, t.row.campaignId, t.messageId};
  r.suppressionAdded =
      call.db.suppressions().add(call.tx, t.row.workspaceId, t.row.email, SuppressionKind::email, source, call.now);
  addStopped(stopMatchingLeads(call, t.row.workspaceId, {t.row.email}, {}, LeadStatus::suppressed), r);
}

// A soft bounce of a message still claimed is a failed send to retry (with
// the backoff of markFailed). The address's third soft bounce within 14 days
// counts as a hard one.
void applySoftBounce(Call& call, const Target& t, std::string_view detail, SignalResult& r) {
  if (t.row.messageSeq) {
    const store::MessageRow m = call.db.outbox().get(call.tx, *t.row.messageSeq);
    if (m.message.status == MessageStatus::claimed) {
      recordFailure(call, m, detail.empty() ? std::string_view("soft bounce") : detail, true);
    }
  }
  const std::int64_t earlier = call.db.signals().countSince(call.tx, t.row.workspaceId, t.row.email,
                                                            SignalKind::bounceSoft, call.now - kSoftBounceWindow);
  if (earlier + 1 >= kSoftBouncesForHard) applySuppression(call, t, SuppressionReason::softBounces, r);
}

// After a hard bounce on one of its messages: a running campaign whose recent
// sends bounce too often pauses itself (a careful sender's reputation guard).
// Starting it again is the user's decision.
void protectCampaign(Call& call, const std::string& campaignId, std::int64_t bouncedSeq, SignalResult& r) {
  const store::CampaignRow c = *call.db.campaigns().find(call.tx, campaignId);
  if (c.status != CampaignStatus::running) return;
  const std::vector<std::int64_t> sent = call.db.outbox().recentSent(call.tx, campaignId, kProtectionWindow);
  const auto sends = static_cast<std::int64_t>(sent.size());
  if (sends < kProtectionMinSends) return;
  std::int64_t bounced = 0;
  for (const std::int64_t seq : sent) {
    // The signal being reported is not recorded yet.
    if (seq == bouncedSeq || call.db.signals().onMessage(call.tx, seq, SignalKind::bounceHard)) ++bounced;
  }
  if (bounced * 100 <= sends * kProtectionMaxPercent) return;
  call.db.campaigns().setStatus(call.tx, c.id, CampaignStatus::paused, c.startedAt, PauseReason::bounceProtection);
  r.campaignPaused = true;
}

void applyRule(Call& call, const SignalInput& in, const Target& t, SignalResult& r) {
  switch (in.kind) {
    case SignalKind::reply: applyReply(call, t, r); return;
    case SignalKind::bounceHard:
      applySuppression(call, t, SuppressionReason::hardBounce, r);
      if (t.row.messageSeq) protectCampaign(call, *t.row.campaignId, *t.row.messageSeq, r);
      return;
    case SignalKind::bounceSoft: applySoftBounce(call, t, in.detail, r); return;
    case SignalKind::complaint: applySuppression(call, t, SuppressionReason::complaint, r); return;
    case SignalKind::unsubscribe: applySuppression(call, t, SuppressionReason::unsubscribe, r); return;
    case SignalKind::click:
    case SignalKind::open: return;  // recorded only
  }
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
}

}  // namespace

SignalResult applySignal(Call& call, const SignalInput& input, const Scope& scope) {
  checkShape(input);
  if (input.messageId.empty() && input.workspaceId.empty() && scope.workspace.empty()) {
    throw Error(ErrorCode::invalid_argument, "a signal on an email address needs its workspace");
  }
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
  return impl_->write([&](Call& call) { return applySignal(call, input, scope); });
}

}  // namespace leadterra
