// Workspaces, campaigns, their steps and their lifecycle (draft -> running
// <-> paused).
#include <fmt/format.h>

#include <cmath>

#include "engine/engine_impl.hpp"
#include "engine/schedule.hpp"
#include "storage/row.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::optTime;
using detail::seconds;
using detail::timeAt;

namespace {

void checkId(std::string_view id, std::string_view what) {
  if (!detail::isValidId(id)) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("{} id '{}' must match ^[A-Za-z0-9_-]{{1,64}}$", what, id));
  }
}

void checkStep(const Step& step) {
  if (!std::isfinite(step.delayDays) || step.delayDays < 0) {
    throw Error(ErrorCode::invalid_argument, "a step's delayDays must be a finite number >= 0");
  }
  if (step.format != StepFormat::text && step.format != StepFormat::html) {
    throw Error(ErrorCode::invalid_argument, "a step's format must be text or html");
  }
}

Workspace readWorkspace(SQLite::Statement& s) { return {s.getColumn(0).getString(), s.getColumn(1).getString(), timeAt(s, 2)}; }

}  // namespace

// ---- EngineImpl helpers ----

CampaignRow EngineImpl::loadCampaign(std::string_view id, const Scope& scope) {
  auto& s = db.statement(
      "SELECT id, workspace_id, name, status, created_at, started_at, lead_count, time_zone, window_days, "
      "window_start_hour, window_end_hour, daily_cap FROM campaigns WHERE id = ?");
  s.bind(1, std::string(id));
  if (!s.executeStep() || (!scope.workspace.empty() && s.getColumn(1).getString() != scope.workspace)) {
    // Same answer whether it does not exist or belongs to another workspace.
    throw Error(ErrorCode::not_found, fmt::format("campaign '{}' not found", id));
  }
  CampaignRow row;
  row.id = s.getColumn(0).getString();
  row.workspaceId = s.getColumn(1).getString();
  row.name = s.getColumn(2).getString();
  row.status = parseCampaignStatus(s.getColumn(3).getString()).value_or(CampaignStatus::draft);
  row.createdAt = timeAt(s, 4);
  row.startedAt = optTime(s, 5);
  row.leadCount = s.getColumn(6).getInt64();
  row.schedule.timeZone = s.getColumn(7).getString();
  if (!s.isColumnNull(8)) {
    SendWindow w;
    const auto bits = s.getColumn(8).getInt();
    for (std::size_t d = 0; d < 7; ++d) w.days[d] = (bits >> d) & 1;
    w.startHour = s.getColumn(9).getInt();
    w.endHour = s.getColumn(10).getInt();
    row.schedule.sendWindow = w;
  }
  if (!s.isColumnNull(11)) row.schedule.dailyCap = s.getColumn(11).getInt64();
  return row;
}

std::vector<Step> EngineImpl::loadSteps(std::string_view campaignId) {
  auto& s = db.statement("SELECT subject, body, format, delay_days FROM steps WHERE campaign_id = ? ORDER BY step");
  s.bind(1, std::string(campaignId));
  std::vector<Step> steps;
  while (s.executeStep()) {
    steps.push_back({s.getColumn(0).getString(), s.getColumn(1).getString(),
                     parseStepFormat(s.getColumn(2).getString()).value_or(StepFormat::text),
                     s.getColumn(3).getDouble()});
  }
  return steps;
}

std::int64_t EngineImpl::countQueued(std::string_view campaignId) {
  auto& s = db.statement("SELECT count(*) FROM messages WHERE campaign_id = ? AND status = 'queued'");
  s.bind(1, std::string(campaignId));
  s.executeStep();
  return s.getColumn(0).getInt64();
}

Campaign EngineImpl::campaignView(const CampaignRow& row) {
  Campaign c;
  c.id = row.id;
  c.workspaceId = row.workspaceId;
  c.name = row.name;
  c.status = row.status;
  c.createdAt = row.createdAt;
  c.startedAt = row.startedAt;
  c.leadsEnrolled = row.leadCount;
  c.queuedMessages = countQueued(row.id);
  c.steps = loadSteps(row.id);
  c.schedule = row.schedule;
  return c;
}

void EngineImpl::requireWorkspace(std::string_view workspaceId) {
  auto& s = db.statement("SELECT 1 FROM workspaces WHERE id = ?");
  s.bind(1, std::string(workspaceId));
  if (!s.executeStep()) throw Error(ErrorCode::not_found, fmt::format("workspace '{}' not found", workspaceId));
}

namespace {

void insertStep(detail::Database& db, std::string_view campaignId, std::int64_t number, const Step& step) {
  auto& s = db.statement(
      "INSERT INTO steps (campaign_id, step, subject, body, format, delay_days) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, std::string(campaignId));
  s.bind(2, number);
  s.bind(3, step.subject);
  s.bind(4, step.body);
  s.bind(5, std::string(toString(step.format)));
  s.bind(6, step.delayDays);
  s.exec();
}

void storeSchedule(detail::Database& db, std::string_view campaignId, const CampaignSchedule& schedule) {
  auto& s = db.statement(
      "UPDATE campaigns SET time_zone = ?, window_days = ?, window_start_hour = ?, window_end_hour = ?, "
      "daily_cap = ? WHERE id = ?");
  s.bind(1, schedule.timeZone);
  if (const auto& w = schedule.sendWindow) {
    int bits = 0;
    for (std::size_t d = 0; d < 7; ++d) bits |= w->days[d] ? (1 << d) : 0;
    s.bind(2, bits);
    s.bind(3, w->startHour);
    s.bind(4, w->endHour);
  }  // unbound parameters are NULL
  if (schedule.dailyCap) s.bind(5, *schedule.dailyCap);
  s.bind(6, std::string(campaignId));
  s.exec();
}

void requireEditable(const CampaignRow& c) {
  if (c.status == CampaignStatus::running) {
    throw Error(ErrorCode::conflict, fmt::format("campaign '{}' is running: pause it to edit its steps", c.id));
  }
}

void requireStepNumber(std::int64_t number, std::size_t count) {
  if (number < 1 || static_cast<std::size_t>(number) > count) {
    throw Error(ErrorCode::not_found, fmt::format("step {} not found (the campaign has {})", number, count));
  }
}

}  // namespace

// ---- Workspaces ----

Workspace CampaignEngine::createWorkspace(const WorkspaceSpec& spec) {
  std::scoped_lock lock(impl_->mutex);
  if (!spec.id.empty()) checkId(spec.id, "workspace");
  return impl_->db.write([&] {
    Workspace ws{spec.id.empty() ? impl_->newId("ws_") : spec.id, spec.name, impl_->now()};
    auto& exists = impl_->db.statement("SELECT 1 FROM workspaces WHERE id = ?");
    exists.bind(1, ws.id);
    if (exists.executeStep()) throw Error(ErrorCode::conflict, fmt::format("workspace '{}' already exists", ws.id));
    auto& s = impl_->db.statement("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)");
    s.bind(1, ws.id);
    s.bind(2, ws.name);
    s.bind(3, seconds(ws.createdAt));
    s.exec();
    return ws;
  });
}

std::optional<Workspace> CampaignEngine::getWorkspace(std::string_view id) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.read([&]() -> std::optional<Workspace> {
    auto& s = impl_->db.statement("SELECT id, name, created_at FROM workspaces WHERE id = ?");
    s.bind(1, std::string(id));
    if (!s.executeStep()) return std::nullopt;
    return readWorkspace(s);
  });
}

// ---- Campaigns ----

Campaign CampaignEngine::createCampaign(const CampaignSpec& spec) {
  std::scoped_lock lock(impl_->mutex);
  if (!spec.id.empty()) checkId(spec.id, "campaign");
  for (const Step& step : spec.steps) checkStep(step);
  detail::validateSchedule(spec.schedule);
  return impl_->db.write([&] {
    impl_->requireWorkspace(spec.workspaceId);
    const std::string id = spec.id.empty() ? impl_->newId("camp_") : spec.id;
    auto& exists = impl_->db.statement("SELECT 1 FROM campaigns WHERE id = ?");
    exists.bind(1, id);
    if (exists.executeStep()) throw Error(ErrorCode::conflict, fmt::format("campaign '{}' already exists", id));
    auto& s = impl_->db.statement(
        "INSERT INTO campaigns (id, workspace_id, name, status, created_at) VALUES (?, ?, ?, 'draft', ?)");
    s.bind(1, id);
    s.bind(2, spec.workspaceId);
    s.bind(3, spec.name);
    s.bind(4, seconds(impl_->now()));
    s.exec();
    std::int64_t number = 0;
    for (const Step& step : spec.steps) insertStep(impl_->db, id, ++number, step);
    storeSchedule(impl_->db, id, spec.schedule);
    return impl_->campaignView(impl_->loadCampaign(id, {}));
  });
}

std::optional<Campaign> CampaignEngine::getCampaign(std::string_view id, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.read([&]() -> std::optional<Campaign> {
    try {
      return impl_->campaignView(impl_->loadCampaign(id, scope));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::not_found) return std::nullopt;
      throw;
    }
  });
}

// ---- Steps ----

Campaign CampaignEngine::addStep(std::string_view campaignId, const Step& step, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  checkStep(step);
  return impl_->db.write([&] {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    requireEditable(c);
    insertStep(impl_->db, c.id, static_cast<std::int64_t>(impl_->loadSteps(c.id).size()) + 1, step);
    return impl_->campaignView(c);
  });
}

Campaign CampaignEngine::replaceStep(std::string_view campaignId, std::int64_t stepNumber, const Step& step,
                                     const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  checkStep(step);
  return impl_->db.write([&] {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    requireEditable(c);
    std::vector<Step> steps = impl_->loadSteps(c.id);
    requireStepNumber(stepNumber, steps.size());
    auto& s = impl_->db.statement(
        "UPDATE steps SET subject = ?, body = ?, format = ?, delay_days = ? WHERE campaign_id = ? AND step = ?");
    s.bind(1, step.subject);
    s.bind(2, step.body);
    s.bind(3, std::string(toString(step.format)));
    s.bind(4, step.delayDays);
    s.bind(5, c.id);
    s.bind(6, stepNumber);
    s.exec();
    steps[static_cast<std::size_t>(stepNumber - 1)] = step;
    impl_->rerenderStep(c, EngineImpl::compile(steps), stepNumber);
    return impl_->campaignView(c);
  });
}

Campaign CampaignEngine::removeStep(std::string_view campaignId, std::int64_t stepNumber, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    requireEditable(c);
    const std::size_t count = impl_->loadSteps(c.id).size();
    requireStepNumber(stepNumber, count);
    // Positions count steps sent; removing a step someone was already sent
    // (or passed) would make positions lie, so it is refused.
    auto& sent = impl_->db.statement(
        "SELECT count(*) FROM leads WHERE campaign_id = ? AND position >= ?");
    sent.bind(1, c.id);
    sent.bind(2, stepNumber);
    sent.executeStep();
    if (sent.getColumn(0).getInt64() > 0) {
      throw Error(ErrorCode::conflict,
                  fmt::format("step {} has already been sent to some leads; it cannot be removed", stepNumber));
    }
    auto& cancel = impl_->db.statement(
        "UPDATE messages SET status = 'cancelled', lease_until = NULL, updated_at = ? "
        "WHERE campaign_id = ? AND step = ? AND status IN ('queued', 'claimed')");
    cancel.bind(1, seconds(impl_->now()));
    cancel.bind(2, c.id);
    cancel.bind(3, stepNumber);
    cancel.exec();
    auto& del = impl_->db.statement("DELETE FROM steps WHERE campaign_id = ? AND step = ?");
    del.bind(1, c.id);
    del.bind(2, stepNumber);
    del.exec();
    // Renumber in ascending order; the primary key never sees two equal numbers.
    auto& shift = impl_->db.statement("UPDATE steps SET step = step - 1 WHERE campaign_id = ? AND step = ?");
    for (auto n = stepNumber + 1; n <= static_cast<std::int64_t>(count); ++n) {
      shift.reset();
      shift.bind(1, c.id);
      shift.bind(2, n);
      shift.exec();
    }
    return impl_->campaignView(c);
  });
}

// ---- Sending rules ----

Campaign CampaignEngine::setSchedule(std::string_view campaignId, const CampaignSchedule& schedule,
                                     const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  detail::validateSchedule(schedule);
  return impl_->db.write([&] {
    CampaignRow c = impl_->loadCampaign(campaignId, scope);
    storeSchedule(impl_->db, c.id, schedule);
    c.schedule = schedule;
    // Queued messages that now fall outside the window move to its next opening.
    std::vector<std::pair<std::int64_t, std::int64_t>> moves;
    auto& queued = impl_->db.statement(
        "SELECT seq, scheduled_at FROM messages WHERE campaign_id = ? AND status = 'queued'");
    queued.bind(1, c.id);
    while (queued.executeStep()) {
      const Timestamp at = timeAt(queued, 1);
      const Timestamp open = detail::nextOpen(schedule, at);
      if (open != at) moves.emplace_back(queued.getColumn(0).getInt64(), seconds(open));
    }
    auto& move = impl_->db.statement("UPDATE messages SET scheduled_at = ?, updated_at = ? WHERE seq = ?");
    for (const auto& [seq, at] : moves) {
      move.reset();
      move.bind(1, at);
      move.bind(2, seconds(impl_->now()));
      move.bind(3, seq);
      move.exec();
    }
    return impl_->campaignView(c);
  });
}

// ---- Lifecycle ----

StartResult CampaignEngine::startCampaign(std::string_view campaignId, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    CampaignRow c = impl_->loadCampaign(campaignId, scope);
    const std::vector<Step> steps = impl_->loadSteps(c.id);
    if (steps.empty()) throw Error(ErrorCode::no_steps, fmt::format("campaign '{}' has no steps", c.id));
    if (c.status != CampaignStatus::running) {
      const Timestamp now = impl_->now();
      if (!c.startedAt) c.startedAt = now;
      c.status = CampaignStatus::running;
      auto& s = impl_->db.statement("UPDATE campaigns SET status = 'running', started_at = ? WHERE id = ?");
      s.bind(1, seconds(*c.startedAt));
      s.bind(2, c.id);
      s.exec();
      impl_->queueAllEligible(c, EngineImpl::compile(steps), now);
    }
    return StartResult{c.id, c.status, *c.startedAt, c.leadCount, impl_->countQueued(c.id)};
  });
}

Campaign CampaignEngine::pauseCampaign(std::string_view campaignId, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.write([&] {
    CampaignRow c = impl_->loadCampaign(campaignId, scope);
    if (c.status == CampaignStatus::draft) {
      throw Error(ErrorCode::conflict, fmt::format("campaign '{}' has not been started", c.id));
    }
    if (c.status == CampaignStatus::running) {
      auto& s = impl_->db.statement("UPDATE campaigns SET status = 'paused' WHERE id = ?");
      s.bind(1, c.id);
      s.exec();
      c.status = CampaignStatus::paused;
    }
    return impl_->campaignView(c);
  });
}

}  // namespace leadterra
