#include "engine/sequence.hpp"

#include <algorithm>
#include <cmath>

#include "engine/schedule.hpp"

namespace leadterra {

namespace {

Timestamp after(Timestamp base, double delayDays) {
  return base + std::chrono::seconds{std::llround(delayDays * 86400.0)};
}

// When the lead's step is due: its delay after `base`, and for a paused lead
// not before the lead resumes.
Timestamp dueAt(const LeadRecord& lead, Timestamp base, double delayDays) {
  const Timestamp due = after(base, delayDays);
  return lead.pausedUntil ? std::max(due, *lead.pausedUntil) : due;
}

}  // namespace

Sequencer::Sequencer(Call& call, const store::CampaignRow& campaign)
    : call_(call),
      campaign_(campaign),
      steps_(compileSteps(call.db.campaigns().steps(call.tx, campaign.id))),
      links_(call, campaign.workspaceId) {}

RenderedStep Sequencer::render(const CompiledStep& step, const LeadRecord& lead) {
  if (!step.usesUnsubscribeUrl) return renderFor(step, lead);
  return renderFor(step, lead, links_.url(campaign_.id, lead.email));
}

bool Sequencer::queue(const LeadRecord& lead, std::int64_t step, Timestamp base, MessageSlot slot) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  RenderedStep text = render(compiled, lead);
  store::NewMessage m{std::move(slot.id),
                      campaign_.id,
                      lead.seq,
                      step,
                      std::move(text.subject),
                      std::move(text.body),
                      compiled.step.format,
                      detail::nextOpen(campaign_.schedule, dueAt(lead, base, compiled.step.delayDays))};
  store::OutboxStore& outbox = call_.db.outbox();
  if (const auto existing = slot.fresh ? std::nullopt : outbox.forStep(call_.tx, lead.seq, step)) {
    // Never a second row for one step: a cancelled one goes out again,
    // keeping its id and attempts, and so does one whose failure was reported
    // while the lead was stopped (a lead that was active when its step failed
    // bounced, and is never resumed). A sent step is never queued again.
    if (existing->status == MessageStatus::sent) return false;
    outbox.requeue(call_.tx, existing->seq, m, call_.now);
    return true;
  }
  if (m.id.empty()) m.id = call_.newId("msg_");
  outbox.insert(call_.tx, slot.seq, m, call_.now);
  return true;
}

bool Sequencer::ensureQueued(const LeadRecord& lead, Timestamp base, MessageSlot slot) {
  if (!getsMail(lead.status) || lead.position >= stepCount()) return false;
  if (call_.db.outbox().live(call_.tx, lead.seq)) return false;
  return queue(lead, lead.position + 1, base, std::move(slot));
}

void Sequencer::rerenderQueued(const LeadRecord& lead) {
  const auto live = call_.db.outbox().live(call_.tx, lead.seq);
  if (!live || live->status != MessageStatus::queued) return;
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(live->step - 1)];
  const RenderedStep text = render(compiled, lead);
  call_.db.outbox().setText(call_.tx, live->seq, text.subject, text.body, compiled.step.format, call_.now);
}

void Sequencer::rerenderStep(std::int64_t step) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  for (const auto& [messageSeq, leadSeq] : call_.db.outbox().queued(call_.tx, campaign_.id, step)) {
    const RenderedStep text = render(compiled, call_.db.leads().get(call_.tx, leadSeq));
    call_.db.outbox().setText(call_.tx, messageSeq, text.subject, text.body, compiled.step.format, call_.now);
  }
}

std::int64_t Sequencer::queueAllAwaiting(Timestamp base) {
  std::int64_t queued = 0;
  call_.db.leads().forEachAwaitingNextStep(call_.tx, campaign_.id, stepCount(), [&](const LeadRecord& lead) {
    if (queue(lead, lead.position + 1, base)) ++queued;
  });
  return queued;
}

std::int64_t stopMessages(Call& call, std::int64_t leadSeq) {
  return call.db.outbox().cancelLive(call.tx, leadSeq, call.now);
}

}  // namespace leadterra
