// Workspaces, campaigns, their steps and their lifecycle (draft -> running
// <-> paused), and the facade's calls that name a campaign's leads.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/enrollment.hpp"
#include "engine/engine_impl.hpp"
#include "engine/events.hpp"
#include "engine/schedule.hpp"
#include "engine/sequence.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

void checkId(std::string_view id, std::string_view what) {
  if (!detail::isValidId(id)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} id '{}' must match ^[A-Za-z0-9_-]{{1,64}}$", what, id));
  }
}

// `which`: how the message names the step ("step 2", or "the step" when it
// has no number yet).
// Checks the step's variants and winner rule and gives each variant
// without a label the first letter no other variant has.
void checkVariants(Step& step, std::string_view which) {
  const auto fail = [which](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", which, problem));
  };
  std::vector<StepVariant>& variants = step.variants;
  if (variants.size() > kMaxStepVariants) fail(fmt::format("a step has at most {} variants", kMaxStepVariants));
  if (!variants.empty() && (!step.subject.empty() || !step.body.empty())) {
    fail("a step with variants keeps its subject and body in them (leave the step's own empty)");
  }
  std::string used;
  for (const StepVariant& v : variants) {
    if (v.label.empty()) continue;
    if (v.label.size() != 1 || v.label[0] < 'A' || v.label[0] > 'Z') {
      fail(fmt::format("variant label '{}' must be one letter A-Z", v.label));
    }
    if (used.find(v.label[0]) != std::string::npos) fail(fmt::format("variant label '{}' is used twice", v.label));
    used += v.label[0];
  }
  for (StepVariant& v : variants) {
    if (!(v.weight > 0) || !std::isfinite(v.weight)) {
      fail(fmt::format("variant {}: weight must be a finite number > 0", v.label.empty() ? "?" : v.label));
    }
    if (!v.label.empty()) continue;
    char next = 'A';
    while (used.find(next) != std::string::npos) ++next;
    v.label = std::string(1, next);
    used += next;
  }
  if (step.winnerRule) {
    if (variants.size() < 2) fail("a winner rule needs two variants or more");
    if (step.winnerRule->minSendsPerVariant < 1) fail("winnerRule.minSendsPerVariant must be at least 1");
    if (!(step.winnerRule->minHours >= 0) || step.winnerRule->minHours > 24.0 * 36500) {
      fail("winnerRule.minHours must be a number of hours 0..876000");
    }
  }
}

// The step as it is saved: checked, its variants labelled.
Step checkStep(Step step, std::string_view which = "the step") {
  if (!std::isfinite(step.delayDays) || step.delayDays < 0) {
    throw Error(ErrorCode::invalid_argument, "a step's delayDays must be a finite number >= 0");
  }
  if (step.format != StepFormat::text && step.format != StepFormat::html) {
    throw Error(ErrorCode::invalid_argument, "a step's format must be text or html");
  }
  checkVariants(step, which);
  checkStepTemplates(step, which);
  return step;
}

// A recorded winner whose variant the step no longer has is forgotten.
void dropStaleWinner(Call& call, std::string_view campaignId, std::int64_t number, const Step& step) {
  for (const WinnerDecision& d : call.db.campaigns().winners(call.tx, campaignId)) {
    if (d.step != number) continue;
    const std::vector<StepVariant> variants = variantsOf(step);
    const bool kept = std::any_of(variants.begin(), variants.end(),
                                  [&d](const StepVariant& v) { return v.label == d.variant; });
    if (!kept) call.db.campaigns().setWinner(call.tx, campaignId, number, std::nullopt);
  }
}

void requireEditable(const store::CampaignRow& c) {
  if (c.status == CampaignStatus::running) {
    throw Error(ErrorCode::conflict, fmt::format("campaign '{}' is running: pause it to edit its steps", c.id));
  }
}

void requireStepNumber(const store::CampaignRow& c, std::int64_t number, std::size_t count) {
  if (number < 1 || static_cast<std::size_t>(number) > count) {
    throw Error(ErrorCode::not_found,
                fmt::format("step {} not found in campaign '{}' (it has {})", number, c.id, count));
  }
}

// A cap counts whole days, at most ten years back (docs/dispatch.md).
void checkWorkspaceRules(const WorkspaceRules& rules) {
  if (!rules.frequencyCap) return;
  if (rules.frequencyCap->maxSends < 1) {
    throw Error(ErrorCode::invalid_argument, "workspace rules: frequencyCap.maxSends must be at least 1");
  }
  if (rules.frequencyCap->perDays < 1 || rules.frequencyCap->perDays > 3650) {
    throw Error(ErrorCode::invalid_argument, "workspace rules: frequencyCap.perDays must be 1 to 3650");
  }
}

void checkStopRules(const StopRules& rules) {
  const auto atLeastOne = [](std::int64_t n, std::string_view name) {
    if (n < 1) throw Error(ErrorCode::invalid_argument, fmt::format("stop rules: {} must be at least 1", name));
  };
  atLeastOne(rules.autoReplyDays, "autoReplyDays");
  atLeastOne(rules.softBouncesForHard, "softBouncesForHard");
  atLeastOne(rules.softBounceDays, "softBounceDays");
  atLeastOne(rules.protectionWindow, "protectionWindow");
  atLeastOne(rules.protectionMinSends, "protectionMinSends");
  if (rules.protectionMinSends > rules.protectionWindow) {
    throw Error(ErrorCode::invalid_argument, "stop rules: protectionMinSends must not exceed protectionWindow");
  }
  // Whole days within a century keep every date the rules make representable.
  if (rules.autoReplyDays > 36500 || rules.softBounceDays > 36500) {
    throw Error(ErrorCode::invalid_argument, "stop rules: a number of days must be at most 36500");
  }
  if (rules.protectionMaxPercent < 0 || rules.protectionMaxPercent > 100) {
    throw Error(ErrorCode::invalid_argument, "stop rules: protectionMaxPercent must be 0..100");
  }
  if (toString(rules.unsubscribe) == "unknown") {
    throw Error(ErrorCode::invalid_argument, "stop rules: unsubscribe must be workspace or campaign");
  }
}

// Queued messages that fall outside a new window move to its next opening.
void moveIntoWindow(Call& call, const store::CampaignRow& c) {
  for (const auto& [seq, at] : call.db.outbox().queuedTimes(call.tx, c.id)) {
    const Timestamp open = detail::nextOpen(c.schedule, at);
    if (open != at) call.db.outbox().reschedule(call.tx, seq, open, call.now);
  }
}

}  // namespace

store::CampaignRow campaignInScope(Call& call, std::string_view id, const Scope& scope) {
  auto row = call.db.campaigns().find(call.tx, id);
  if (!row || (!scope.workspace.empty() && row->workspaceId != scope.workspace)) {
    throw Error(ErrorCode::not_found, fmt::format("campaign '{}' not found", id));
  }
  return std::move(*row);
}

Campaign campaignView(Call& call, const store::CampaignRow& row) {
  Campaign c;
  c.id = row.id;
  c.workspaceId = row.workspaceId;
  c.name = row.name;
  c.status = row.status;
  c.pauseReason = row.pauseReason;
  c.createdAt = row.createdAt;
  c.startedAt = row.startedAt;
  c.leadsEnrolled = row.leadCount;
  c.queuedMessages = call.db.outbox().countQueued(call.tx, row.id);
  c.steps = call.db.campaigns().steps(call.tx, row.id);
  c.schedule = row.schedule;
  c.stopRules = row.stopRules;
  return c;
}

store::MessageRow messageInScope(Call& call, std::string_view id, const Scope& scope) {
  auto row = call.db.outbox().find(call.tx, id);
  if (!row || (!scope.workspace.empty() && row->message.workspaceId != scope.workspace)) {
    throw Error(ErrorCode::not_found, fmt::format("message '{}' not found", id));
  }
  return std::move(*row);
}

void requireWorkspace(Call& call, std::string_view workspaceId) {
  if (!call.db.workspaces().find(call.tx, workspaceId)) {
    throw Error(ErrorCode::not_found, fmt::format("workspace '{}' not found", workspaceId));
  }
}

void requireWorkspaceInScope(Call& call, std::string_view workspaceId, const Scope& scope) {
  if (!scope.workspace.empty() && workspaceId != scope.workspace) {
    throw Error(ErrorCode::not_found, fmt::format("workspace '{}' not found", workspaceId));
  }
  requireWorkspace(call, workspaceId);
}

// ---- Workspaces ----

Workspace CampaignEngine::createWorkspace(const WorkspaceSpec& spec) {
  if (!spec.id.empty()) checkId(spec.id, "workspace");
  checkWorkspaceRules(spec.rules);
  return impl_->write([&](Call& call) {
    Workspace ws{spec.id.empty() ? call.newId("ws_") : spec.id, spec.name, call.now, spec.rules};
    if (call.db.workspaces().find(call.tx, ws.id)) {
      throw Error(ErrorCode::conflict, fmt::format("workspace '{}' already exists", ws.id));
    }
    call.db.workspaces().insert(call.tx, ws);
    return ws;
  });
}

std::optional<Workspace> CampaignEngine::getWorkspace(std::string_view id) {
  return impl_->read([&](Call& call) { return call.db.workspaces().find(call.tx, id); });
}

Workspace CampaignEngine::setWorkspaceRules(std::string_view id, const WorkspaceRules& rules) {
  checkWorkspaceRules(rules);
  return impl_->write([&](Call& call) {
    auto ws = call.db.workspaces().find(call.tx, id);
    if (!ws) throw Error(ErrorCode::not_found, fmt::format("workspace '{}' not found", id));
    call.db.workspaces().setRules(call.tx, id, rules);
    ws->rules = rules;
    return std::move(*ws);
  });
}

// ---- Campaigns ----

Campaign CampaignEngine::createCampaign(const CampaignSpec& spec) {
  if (!spec.id.empty()) checkId(spec.id, "campaign");
  std::vector<Step> steps;
  steps.reserve(spec.steps.size());
  for (std::size_t i = 0; i < spec.steps.size(); ++i) steps.push_back(checkStep(spec.steps[i], fmt::format("step {}", i + 1)));
  detail::validateSchedule(spec.schedule);
  checkStopRules(spec.stopRules);
  return impl_->write([&](Call& call) {
    requireWorkspace(call, spec.workspaceId);
    store::CampaignRow row;
    row.id = spec.id.empty() ? call.newId("camp_") : spec.id;
    if (call.db.campaigns().exists(call.tx, row.id)) {
      throw Error(ErrorCode::conflict, fmt::format("campaign '{}' already exists", row.id));
    }
    row.workspaceId = spec.workspaceId;
    row.name = spec.name;
    row.createdAt = call.now;
    row.schedule = spec.schedule;
    row.stopRules = spec.stopRules;
    call.db.campaigns().insert(call.tx, row, steps);
    recordCampaignEvent(call, row, EventKind::campaign_created);
    return campaignView(call, row);
  });
}

std::optional<Campaign> CampaignEngine::getCampaign(std::string_view id, const Scope& scope) {
  return impl_->read([&](Call& call) -> std::optional<Campaign> {
    auto row = call.db.campaigns().find(call.tx, id);
    if (!row || (!scope.workspace.empty() && row->workspaceId != scope.workspace)) return std::nullopt;
    return campaignView(call, *row);
  });
}

// ---- Steps ----

Campaign CampaignEngine::addStep(std::string_view campaignId, const Step& given, const Scope& scope) {
  const Step step = checkStep(given);
  return impl_->write([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    requireEditable(c);
    const auto count = static_cast<std::int64_t>(call.db.campaigns().steps(call.tx, c.id).size());
    call.db.campaigns().appendStep(call.tx, c.id, count + 1, step);
    recordCampaignEvent(call, c, EventKind::campaign_changed, "steps", count + 1);
    return campaignView(call, c);
  });
}

Campaign CampaignEngine::replaceStep(std::string_view campaignId, std::int64_t stepNumber, const Step& given,
                                     const Scope& scope) {
  const Step step = checkStep(given, fmt::format("step {}", stepNumber));
  return impl_->write([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    requireEditable(c);
    requireStepNumber(c, stepNumber, call.db.campaigns().steps(call.tx, c.id).size());
    call.db.campaigns().replaceStep(call.tx, c.id, stepNumber, step);
    dropStaleWinner(call, c.id, stepNumber, step);
    Sequencer(call, c).rerenderStep(stepNumber);
    recordCampaignEvent(call, c, EventKind::campaign_changed, "steps", stepNumber);
    return campaignView(call, c);
  });
}

Campaign CampaignEngine::setStepVariants(std::string_view campaignId, std::int64_t stepNumber,
                                         std::span<const StepVariant> variants,
                                         const std::optional<WinnerRule>& winnerRule, const Scope& scope) {
  if (variants.empty()) {
    throw Error(ErrorCode::invalid_argument, fmt::format("step {}: a step keeps at least one variant", stepNumber));
  }
  return impl_->write([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::vector<Step> steps = call.db.campaigns().steps(call.tx, c.id);
    requireStepNumber(c, stepNumber, steps.size());
    const Step before = steps[static_cast<std::size_t>(stepNumber - 1)];
    Step after = before;
    after.subject.clear();
    after.body.clear();
    after.variants.assign(variants.begin(), variants.end());
    after.winnerRule = winnerRule;
    after = checkStep(std::move(after), fmt::format("step {}", stepNumber));
    call.db.campaigns().replaceStep(call.tx, c.id, stepNumber, after);
    dropStaleWinner(call, c.id, stepNumber, after);
    // Only the queued messages of a variant whose text changed are rendered
    // again; those of a removed variant move to the others.
    std::vector<std::string> changed;
    const std::vector<StepVariant> old = variantsOf(before);
    for (const StepVariant& v : after.variants) {
      const auto it = std::find_if(old.begin(), old.end(), [&v](const StepVariant& o) { return o.label == v.label; });
      if (it != old.end() && (it->subject != v.subject || it->body != v.body)) changed.push_back(v.label);
    }
    (void)Sequencer(call, c).rerenderVariants(stepNumber, changed);
    recordCampaignEvent(call, c, EventKind::campaign_changed, "variants", stepNumber);
    return campaignView(call, c);
  });
}

RenderedStep CampaignEngine::previewStep(std::string_view campaignId, std::int64_t stepNumber, std::string_view email,
                                         const Scope& scope) {
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    Sequencer sequencer(call, c);
    requireStepNumber(c, stepNumber, static_cast<std::size_t>(sequencer.stepCount()));
    std::string normalized;
    (void)detail::normalizeEmail(email, normalized);
    const std::optional<LeadRecord> lead = call.db.leads().find(call.tx, c.id, normalized);
    if (!lead) throw Error(ErrorCode::not_found, fmt::format("lead '{}' not found in campaign '{}'", email, c.id));
    const auto row = call.db.outbox().forStep(call.tx, lead->seq, stepNumber);
    const CompiledVariant& variant =
        sequencer.variantFor(*lead, stepNumber, row ? std::string_view(row->variant) : "", false);
    return sequencer.render(stepNumber, variant, *lead);
  });
}

std::vector<WinnerDecision> CampaignEngine::stepWinners(std::string_view campaignId, const Scope& scope) {
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    return call.db.campaigns().winners(call.tx, c.id);
  });
}

Campaign CampaignEngine::removeStep(std::string_view campaignId, std::int64_t stepNumber, const Scope& scope) {
  return impl_->write([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    requireEditable(c);
    const std::size_t count = call.db.campaigns().steps(call.tx, c.id).size();
    requireStepNumber(c, stepNumber, count);
    // Positions count steps sent; removing a step someone was already sent
    // (or passed) would make positions lie, so it is refused.
    if (call.db.leads().countAtOrPast(call.tx, c.id, stepNumber) > 0) {
      throw Error(ErrorCode::conflict,
                  fmt::format("step {} has already been sent to some leads; it cannot be removed", stepNumber));
    }
    (void)call.db.outbox().cancelLiveOfStep(call.tx, c.id, stepNumber, call.now);
    call.db.campaigns().removeStep(call.tx, c.id, stepNumber, static_cast<std::int64_t>(count));
    recordCampaignEvent(call, c, EventKind::campaign_changed, "steps", stepNumber);
    return campaignView(call, c);
  });
}

// ---- Sending rules and lifecycle ----

Campaign CampaignEngine::setSchedule(std::string_view campaignId, const CampaignSchedule& schedule,
                                     const Scope& scope) {
  detail::validateSchedule(schedule);
  return impl_->write([&](Call& call) {
    store::CampaignRow c = campaignInScope(call, campaignId, scope);
    call.db.campaigns().setSchedule(call.tx, c.id, schedule);
    c.schedule = schedule;
    moveIntoWindow(call, c);
    recordCampaignEvent(call, c, EventKind::campaign_changed, "schedule");
    return campaignView(call, c);
  });
}

Campaign CampaignEngine::setStopRules(std::string_view campaignId, const StopRules& rules, const Scope& scope) {
  checkStopRules(rules);
  return impl_->write([&](Call& call) {
    store::CampaignRow c = campaignInScope(call, campaignId, scope);
    call.db.campaigns().setStopRules(call.tx, c.id, rules);
    c.stopRules = rules;
    recordCampaignEvent(call, c, EventKind::campaign_changed, "stopRules");
    return campaignView(call, c);
  });
}

StartResult CampaignEngine::startCampaign(std::string_view campaignId, const Scope& scope) {
  return impl_->write([&](Call& call) {
    store::CampaignRow c = campaignInScope(call, campaignId, scope);
    Sequencer sequencer(call, c);
    if (sequencer.stepCount() == 0) throw Error(ErrorCode::no_steps, fmt::format("campaign '{}' has no steps", c.id));
    if (c.status != CampaignStatus::running) {
      if (!c.startedAt) c.startedAt = call.now;
      c.status = CampaignStatus::running;
      call.db.campaigns().setStatus(call.tx, c.id, c.status, c.startedAt, std::nullopt);
      recordCampaignEvent(call, c, EventKind::campaign_started);  // before the messages it queues
      (void)sequencer.queueAllAwaiting(call.now);
    }
    return StartResult{c.id, c.status, *c.startedAt, c.leadCount, call.db.outbox().countQueued(call.tx, c.id)};
  });
}

Campaign CampaignEngine::pauseCampaign(std::string_view campaignId, const Scope& scope) {
  return impl_->write([&](Call& call) {
    store::CampaignRow c = campaignInScope(call, campaignId, scope);
    if (c.status == CampaignStatus::draft) {
      throw Error(ErrorCode::conflict, fmt::format("campaign '{}' has not been started", c.id));
    }
    if (c.status == CampaignStatus::running) {
      c.status = CampaignStatus::paused;
      c.pauseReason = PauseReason::manual;
      call.db.campaigns().setStatus(call.tx, c.id, c.status, c.startedAt, c.pauseReason);
      recordCampaignEvent(call, c, EventKind::campaign_paused, std::string(toString(*c.pauseReason)));
    }
    return campaignView(call, c);
  });
}

// ---- Leads ----

namespace {

BulkResult upsertRows(EngineImpl& impl, std::string_view campaignId, const detail::RowSource& rows,
                      const BulkOptions& options, const Scope& scope) {
  // A dry run runs the real call and rolls it back: its result is, by
  // construction, the one the real call would return.
  BulkResult result = impl.write(
      [&](Call& call) { return leadterra::bulkUpsert(call, campaignInScope(call, campaignId, scope), rows, options); },
      /*commit=*/!options.dryRun);
  result.dryRun = options.dryRun;
  if (!options.details) result.rows.clear();
  return result;
}

}  // namespace

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const Scope& scope) {
  return upsertRows(*impl_, campaignId, detail::RowSource(leads), BulkOptions{}, scope);
}

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const BulkOptions& options, const Scope& scope) {
  return upsertRows(*impl_, campaignId, detail::RowSource(leads), options, scope);
}

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadRow> rows,
                                      const Scope& scope) {
  return upsertRows(*impl_, campaignId, detail::RowSource(rows), BulkOptions{}, scope);
}

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadRow> rows,
                                      const BulkOptions& options, const Scope& scope) {
  return upsertRows(*impl_, campaignId, detail::RowSource(rows), options, scope);
}

std::optional<Lead> CampaignEngine::getLead(std::string_view campaignId, std::string_view email,
                                            const Scope& scope) {
  return impl_->read([&](Call& call) -> std::optional<Lead> {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::string normalized;
    if (detail::normalizeEmail(email, normalized) != detail::EmailCheck::ok) return std::nullopt;
    std::optional<LeadRecord> r = call.db.leads().find(call.tx, c.id, normalized);
    if (!r) return std::nullopt;
    return leadView(*r, c.id);
  });
}

}  // namespace leadterra
