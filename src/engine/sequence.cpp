#include "engine/sequence.hpp"

#include <algorithm>
#include <cmath>

#include "engine/events.hpp"
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
      winners_(steps_.size()),
      winnerChecked_(steps_.size(), false),
      links_(call, campaign.workspaceId) {
  for (WinnerDecision& d : call.db.campaigns().winners(call.tx, campaign.id)) {
    if (d.step >= 1 && static_cast<std::size_t>(d.step) <= winners_.size()) {
      winners_[static_cast<std::size_t>(d.step - 1)] = std::move(d.variant);
    }
  }
}

RenderedStep Sequencer::render(std::int64_t step, const CompiledVariant& variant, const LeadRecord& lead) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  const std::uint64_t key = spinKey(variant, campaign_.id, step, lead.email);
  if (!variant.usesUnsubscribeUrl) return renderFor(compiled, variant, key, lead);
  return renderFor(compiled, variant, key, lead, links_.url(campaign_.id, lead.email));
}

const CompiledVariant& Sequencer::variantFor(const LeadRecord& lead, std::int64_t step, std::string_view stored,
                                             bool decide) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  if (!stored.empty()) {
    if (const CompiledVariant* v = compiled.find(stored)) return *v;
  }
  if (decide) checkWinner(step);
  if (const CompiledVariant* v = compiled.find(winners_[static_cast<std::size_t>(step - 1)])) return *v;
  return assignVariant(compiled, campaign_.id, step, lead.email);
}

void Sequencer::checkWinner(std::int64_t step) {
  const auto i = static_cast<std::size_t>(step - 1);
  if (winnerChecked_[i]) return;
  winnerChecked_[i] = true;
  const CompiledStep& compiled = steps_[i];
  const std::optional<WinnerRule>& rule = compiled.step.winnerRule;
  if (!rule || compiled.variants.size() < 2 || !winners_[i].empty()) return;
  store::OutboxStore& outbox = call_.db.outbox();
  const std::optional<Timestamp> first = outbox.firstSent(call_.tx, campaign_.id, step);
  if (!first || call_.now < *first + std::chrono::seconds{std::llround(rule->minHours * 3600.0)}) return;
  const std::vector<VariantFigures> sent = outbox.variantFigures(call_.tx, campaign_.id, step);
  WinnerDecision decision{step, {}, call_.now, {}};
  for (const CompiledVariant& v : compiled.variants) {
    const auto it = std::find_if(sent.begin(), sent.end(), [&v](const VariantFigures& f) { return f.label == v.label; });
    VariantFigures f = it != sent.end() ? *it : VariantFigures{v.label, 0, 0};
    if (f.sent < rule->minSendsPerVariant) return;
    decision.figures.push_back(std::move(f));
  }
  std::sort(decision.figures.begin(), decision.figures.end(),
            [](const VariantFigures& a, const VariantFigures& b) { return a.label < b.label; });
  // The best reply rate, compared exactly (a.replied / a.sent > b.replied /
  // b.sent); the earliest label keeps a tie.
  const VariantFigures* best = &decision.figures.front();
  for (const VariantFigures& f : decision.figures) {
    if (f.replied * best->sent > best->replied * f.sent) best = &f;
  }
  decision.variant = best->label;
  call_.db.campaigns().setWinner(call_.tx, campaign_.id, step, decision);
  Event e;
  e.kind = EventKind::variant_winner;
  e.workspaceId = campaign_.workspaceId;
  e.campaignId = campaign_.id;
  e.step = step;
  e.variant = decision.variant;
  recordEvent(call_, std::move(e));
  winners_[i] = decision.variant;
}

bool Sequencer::queue(const LeadRecord& lead, std::int64_t step, Timestamp base, MessageSlot slot) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  store::OutboxStore& outbox = call_.db.outbox();
  const auto existing = slot.fresh ? std::nullopt : outbox.forStep(call_.tx, lead.seq, step);
  // Never a second row for one step: a cancelled one goes out again,
  // keeping its id, attempts and variant, and so does one whose failure was
  // reported while the lead was stopped (a lead that was active when its
  // step failed bounced, and is never resumed). A sent step is never queued
  // again.
  if (existing && existing->status == MessageStatus::sent) return false;
  const CompiledVariant& variant = variantFor(lead, step, existing ? std::string_view(existing->variant) : "");
  RenderedStep text = render(step, variant, lead);
  store::NewMessage m{std::move(slot.id),
                      campaign_.id,
                      lead.seq,
                      step,
                      variant.label,
                      std::move(text.subject),
                      std::move(text.body),
                      compiled.step.format,
                      detail::nextOpen(campaign_.schedule, dueAt(lead, base, compiled.step.delayDays)),
                      campaign_.workspaceId,
                      lead.id};
  if (existing) {
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

void Sequencer::rerender(const store::QueuedMessage& m, const CompiledVariant& variant) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(m.step - 1)];
  const RenderedStep text = render(m.step, variant, call_.db.leads().get(call_.tx, m.leadSeq));
  call_.db.outbox().setText(call_.tx, m.seq, variant.label, text.subject, text.body, compiled.step.format, call_.now);
}

void Sequencer::rerenderQueued(const LeadRecord& lead) {
  const auto live = call_.db.outbox().live(call_.tx, lead.seq);
  if (!live || live->status != MessageStatus::queued) return;
  const CompiledVariant& variant = variantFor(lead, live->step, live->variant);
  const RenderedStep text = render(live->step, variant, lead);
  call_.db.outbox().setText(call_.tx, live->seq, variant.label, text.subject, text.body,
                            steps_[static_cast<std::size_t>(live->step - 1)].step.format, call_.now);
}

void Sequencer::rerenderStep(std::int64_t step) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  for (const store::QueuedMessage& m : call_.db.outbox().queued(call_.tx, campaign_.id, step)) {
    const CompiledVariant* variant = compiled.find(m.variant);
    rerender(m, variant ? *variant : variantFor(call_.db.leads().get(call_.tx, m.leadSeq), step));
  }
}

std::int64_t Sequencer::rerenderVariants(std::int64_t step, const std::vector<std::string>& labels) {
  const CompiledStep& compiled = steps_[static_cast<std::size_t>(step - 1)];
  std::int64_t n = 0;
  for (const store::QueuedMessage& m : call_.db.outbox().queued(call_.tx, campaign_.id, step)) {
    if (const CompiledVariant* variant = compiled.find(m.variant)) {
      if (std::find(labels.begin(), labels.end(), m.variant) == labels.end()) continue;
      rerender(m, *variant);
    } else {
      // Its variant was removed: another by weight (or the winner).
      rerender(m, variantFor(call_.db.leads().get(call_.tx, m.leadSeq), step));
    }
    ++n;
  }
  return n;
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
