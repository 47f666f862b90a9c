// Workspaces, campaigns, their steps and the daily handout counters.
#include <fmt/format.h>

#include <limits>

#include "json/json_internal.hpp"
#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::optTime;
using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

namespace {

constexpr const char* kCampaignColumns =
    "id, workspace_id, name, status, created_at, started_at, lead_count, time_zone, window_days, "
    "window_start_hour, window_end_hour, daily_cap, pause_reason, stop_rules";

// The rules as stored: a JSON object whose absent keys take the defaults.
StopRules readStopRules(SQLite::Statement& s, int column) {
  const std::string text = s.getColumn(column).getString();
  const detail::Json doc = detail::Json::parse(text, nullptr, false);
  try {
    return detail::stopRulesFrom(doc, {});
  } catch (const Error&) {
    throw Error(ErrorCode::storage_error, fmt::format("damaged stop rules: {}", text));
  }
}

CampaignRow readCampaign(SQLite::Statement& s) {
  CampaignRow row;
  row.id = s.getColumn(0).getString();
  row.workspaceId = s.getColumn(1).getString();
  row.name = s.getColumn(2).getString();
  row.status = storedEnum(s, 3, parseCampaignStatus, "campaign status");
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
  if (!s.isColumnNull(12)) row.pauseReason = storedEnum(s, 12, parsePauseReason, "pause reason");
  row.stopRules = readStopRules(s, 13);
  return row;
}

constexpr const char* kWorkspaceColumns =
    "id, name, created_at, reply_stops_all, frequency_cap_sends, frequency_cap_days";

Workspace readWorkspace(SQLite::Statement& s) {
  Workspace w{s.getColumn(0).getString(), s.getColumn(1).getString(), timeAt(s, 2), {}};
  w.rules.replyStopsAllCampaigns = s.getColumn(3).getInt() != 0;
  if (!s.isColumnNull(4)) w.rules.frequencyCap = FrequencyCap{s.getColumn(4).getInt64(), s.getColumn(5).getInt64()};
  return w;
}

// The rules at `index` (reply_stops_all) and the two next (the frequency cap, or NULLs).
void bindRules(SQLite::Statement& s, int index, const WorkspaceRules& rules) {
  s.bind(index, rules.replyStopsAllCampaigns ? 1 : 0);
  if (rules.frequencyCap) {
    s.bind(index + 1, rules.frequencyCap->maxSends);
    s.bind(index + 2, rules.frequencyCap->perDays);
  } else {
    s.bind(index + 1);
    s.bind(index + 2);
  }
}

// Binds the key a page starts after at `index` and `index + 1`; without one,
// a key before every row.
void bindAfter(SQLite::Statement& s, int index, const std::optional<CreatedKey>& after) {
  s.bind(index, after ? seconds(after->createdAt) : std::numeric_limits<std::int64_t>::min());
  s.bind(index + 1, after ? after->id : std::string());
}

void bindStep(SQLite::Statement& s, const Step& step) {
  s.bind(1, step.subject);
  s.bind(2, step.body);
  s.bind(3, std::string(toString(step.format)));
  s.bind(4, step.delayDays);
  s.bind(5, detail::dump(detail::toJsonValue(step.variants)));
  if (step.winnerRule) {
    s.bind(6, detail::dump(detail::toJsonValue(*step.winnerRule)));
  } else {
    s.bind(6);
  }
}

Step readStep(SQLite::Statement& s) {
  Step step{s.getColumn(0).getString(), s.getColumn(1).getString(), storedEnum(s, 2, parseStepFormat, "step format"),
            s.getColumn(3).getDouble(), {}, std::nullopt};
  const std::string variants = s.getColumn(4).getString();
  try {
    step.variants = detail::variantsFrom(detail::Json::parse(variants), "stored step");
    if (!s.isColumnNull(5)) step.winnerRule = detail::winnerRuleFrom(detail::Json::parse(s.getColumn(5).getString()), "stored step");
  } catch (const detail::Json::exception&) {
    throw Error(ErrorCode::storage_error, fmt::format("damaged step variants: {}", variants));
  } catch (const Error&) {
    throw Error(ErrorCode::storage_error, fmt::format("damaged step variants: {}", variants));
  }
  return step;
}

}  // namespace

// ---- Workspaces ----

SqliteWorkspaceStore::SqliteWorkspaceStore(Database& db)
    : find_(db, fmt::format("SELECT {} FROM workspaces WHERE id = ?", kWorkspaceColumns)),
      insert_(db, fmt::format("INSERT INTO workspaces ({}) VALUES (?, ?, ?, ?, ?, ?)", kWorkspaceColumns)),
      page_(db, fmt::format("SELECT {} FROM workspaces WHERE (created_at, id) > (?1, ?2) "
                            "ORDER BY created_at, id LIMIT ?3",
                            kWorkspaceColumns)),
      setRules_(db,
                "UPDATE workspaces SET reply_stops_all = ?1, frequency_cap_sends = ?2, frequency_cap_days = ?3 "
                "WHERE id = ?4") {}

std::optional<Workspace> SqliteWorkspaceStore::find(Tx&, std::string_view id) {
  auto s = find_.use();
  s->bind(1, std::string(id));
  if (!s->executeStep()) return std::nullopt;
  return readWorkspace(*s);
}

void SqliteWorkspaceStore::insert(Tx&, const Workspace& workspace) {
  auto s = insert_.use();
  s->bind(1, workspace.id);
  s->bind(2, workspace.name);
  s->bind(3, seconds(workspace.createdAt));
  bindRules(*s, 4, workspace.rules);
  s->exec();
}

void SqliteWorkspaceStore::setRules(Tx&, std::string_view id, const WorkspaceRules& rules) {
  auto s = setRules_.use();
  bindRules(*s, 1, rules);
  s->bind(4, std::string(id));
  s->exec();
}

std::vector<Workspace> SqliteWorkspaceStore::page(Tx&, const std::optional<CreatedKey>& after, std::int64_t limit) {
  auto s = page_.use();
  bindAfter(*s, 1, after);
  s->bind(3, limit);
  std::vector<Workspace> out;
  while (s->executeStep()) out.push_back(readWorkspace(*s));
  return out;
}

// ---- Campaigns ----

SqliteCampaignStore::SqliteCampaignStore(Database& db)
    : find_(db, fmt::format("SELECT {} FROM campaigns WHERE id = ?", kCampaignColumns)),
      exists_(db, "SELECT 1 FROM campaigns WHERE id = ?"),
      insert_(db,
              "INSERT INTO campaigns (id, workspace_id, name, status, created_at, started_at, lead_count, time_zone, "
              "window_days, window_start_hour, window_end_hour, daily_cap) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, 'UTC', NULL, NULL, NULL, NULL)"),
      byWorkspace_(db, "SELECT id FROM campaigns WHERE workspace_id = ? ORDER BY rowid"),
      page_(db, fmt::format("SELECT {} FROM campaigns WHERE workspace_id = ?1 AND (created_at, id) > (?2, ?3) "
                            "ORDER BY created_at, id LIMIT ?4",
                            kCampaignColumns)),
      running_(db, fmt::format("SELECT {} FROM campaigns WHERE status = ?", kCampaignColumns)),
      runningIn_(db, fmt::format("SELECT {} FROM campaigns WHERE workspace_id = ? AND status = ?", kCampaignColumns)),
      setStatus_(db, "UPDATE campaigns SET status = ?, started_at = ?, pause_reason = ? WHERE id = ?"),
      setSchedule_(db,
                   "UPDATE campaigns SET time_zone = ?, window_days = ?, window_start_hour = ?, window_end_hour = ?, "
                   "daily_cap = ? WHERE id = ?"),
      setStopRules_(db, "UPDATE campaigns SET stop_rules = ? WHERE id = ?"),
      addLeads_(db, "UPDATE campaigns SET lead_count = lead_count + ? WHERE id = ?"),
      steps_(db,
             "SELECT subject, body, format, delay_days, variants, winner_rule FROM steps WHERE campaign_id = ? "
             "ORDER BY step"),
      insertStep_(db,
                  "INSERT INTO steps (subject, body, format, delay_days, variants, winner_rule, campaign_id, step) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      updateStep_(db,
                  "UPDATE steps SET subject = ?, body = ?, format = ?, delay_days = ?, variants = ?, winner_rule = ? "
                  "WHERE campaign_id = ? AND step = ?"),
      deleteStep_(db, "DELETE FROM steps WHERE campaign_id = ? AND step = ?"),
      shiftStep_(db, "UPDATE steps SET step = step - 1 WHERE campaign_id = ? AND step = ?"),
      winners_(db,
               "SELECT step, winner_variant, winner_at, winner_figures FROM steps WHERE campaign_id = ? "
               "AND winner_variant IS NOT NULL ORDER BY step"),
      setWinner_(db,
                 "UPDATE steps SET winner_variant = ?, winner_at = ?, winner_figures = ? WHERE campaign_id = ? "
                 "AND step = ?"),
      handed_(db, "SELECT handed FROM daily_handouts WHERE campaign_id = ? AND day = ?"),
      addHanded_(db,
                 "INSERT INTO daily_handouts (campaign_id, day, handed) VALUES (?, ?, ?) "
                 "ON CONFLICT (campaign_id, day) DO UPDATE SET handed = handed + excluded.handed") {}

std::optional<CampaignRow> SqliteCampaignStore::find(Tx&, std::string_view id) {
  auto s = find_.use();
  s->bind(1, std::string(id));
  if (!s->executeStep()) return std::nullopt;
  return readCampaign(*s);
}

bool SqliteCampaignStore::exists(Tx&, std::string_view id) {
  auto s = exists_.use();
  s->bind(1, std::string(id));
  return s->executeStep();
}

void SqliteCampaignStore::insert(Tx& tx, const CampaignRow& row, const std::vector<Step>& steps) {
  {
    auto s = insert_.use();
    s->bind(1, row.id);
    s->bind(2, row.workspaceId);
    s->bind(3, row.name);
    s->bind(4, std::string(toString(row.status)));
    s->bind(5, seconds(row.createdAt));
    if (row.startedAt) s->bind(6, seconds(*row.startedAt));
    s->bind(7, row.leadCount);
    s->exec();
  }
  setSchedule(tx, row.id, row.schedule);
  setStopRules(tx, row.id, row.stopRules);
  std::int64_t number = 0;
  for (const Step& step : steps) appendStep(tx, row.id, ++number, step);
}

std::vector<std::string> SqliteCampaignStore::idsInWorkspace(Tx&, std::string_view workspaceId) {
  auto s = byWorkspace_.use();
  s->bind(1, std::string(workspaceId));
  std::vector<std::string> ids;
  while (s->executeStep()) ids.push_back(s->getColumn(0).getString());
  return ids;
}

std::vector<CampaignRow> SqliteCampaignStore::page(Tx&, std::string_view workspaceId,
                                                   const std::optional<CreatedKey>& after, std::int64_t limit) {
  auto s = page_.use();
  s->bind(1, std::string(workspaceId));
  bindAfter(*s, 2, after);
  s->bind(4, limit);
  std::vector<CampaignRow> rows;
  while (s->executeStep()) rows.push_back(readCampaign(*s));
  return rows;
}

std::vector<CampaignRow> SqliteCampaignStore::running(Tx&, std::string_view workspaceId) {
  auto s = workspaceId.empty() ? running_.use() : runningIn_.use();
  int next = 1;
  if (!workspaceId.empty()) s->bind(next++, std::string(workspaceId));
  s->bind(next, std::string(toString(CampaignStatus::running)));
  std::vector<CampaignRow> rows;
  while (s->executeStep()) rows.push_back(readCampaign(*s));
  return rows;
}

void SqliteCampaignStore::setStatus(Tx&, std::string_view id, CampaignStatus status,
                                    std::optional<Timestamp> startedAt, std::optional<PauseReason> pauseReason) {
  auto s = setStatus_.use();
  s->bind(1, std::string(toString(status)));
  detail::bindOpt(*s, 2, startedAt);
  detail::bindOpt(*s, 3, pauseReason ? std::optional<std::string>(toString(*pauseReason)) : std::nullopt);
  s->bind(4, std::string(id));
  s->exec();
}

void SqliteCampaignStore::setSchedule(Tx&, std::string_view id, const CampaignSchedule& schedule) {
  auto s = setSchedule_.use();
  s->bind(1, schedule.timeZone);
  if (const auto& w = schedule.sendWindow) {
    int bits = 0;
    for (std::size_t d = 0; d < 7; ++d) bits |= w->days[d] ? (1 << d) : 0;
    s->bind(2, bits);
    s->bind(3, w->startHour);
    s->bind(4, w->endHour);
  }  // unbound parameters are NULL
  if (schedule.dailyCap) s->bind(5, *schedule.dailyCap);
  s->bind(6, std::string(id));
  s->exec();
}

void SqliteCampaignStore::setStopRules(Tx&, std::string_view id, const StopRules& rules) {
  auto s = setStopRules_.use();
  s->bind(1, detail::dump(detail::toJsonValue(rules)));
  s->bind(2, std::string(id));
  s->exec();
}

void SqliteCampaignStore::addLeadCount(Tx&, std::string_view id, std::int64_t enrolled) {
  auto s = addLeads_.use();
  s->bind(1, enrolled);
  s->bind(2, std::string(id));
  s->exec();
}

std::vector<Step> SqliteCampaignStore::steps(Tx&, std::string_view campaignId) {
  auto s = steps_.use();
  s->bind(1, std::string(campaignId));
  std::vector<Step> steps;
  while (s->executeStep()) steps.push_back(readStep(*s));
  return steps;
}

void SqliteCampaignStore::appendStep(Tx&, std::string_view campaignId, std::int64_t number, const Step& step) {
  auto s = insertStep_.use();
  bindStep(*s, step);
  s->bind(7, std::string(campaignId));
  s->bind(8, number);
  s->exec();
}

void SqliteCampaignStore::replaceStep(Tx&, std::string_view campaignId, std::int64_t number, const Step& step) {
  auto s = updateStep_.use();
  bindStep(*s, step);
  s->bind(7, std::string(campaignId));
  s->bind(8, number);
  s->exec();
}

void SqliteCampaignStore::removeStep(Tx&, std::string_view campaignId, std::int64_t number, std::int64_t count) {
  {
    auto del = deleteStep_.use();
    del->bind(1, std::string(campaignId));
    del->bind(2, number);
    del->exec();
  }
  // Renumber in ascending order; the primary key never sees two equal numbers.
  for (auto n = number + 1; n <= count; ++n) {
    auto shift = shiftStep_.use();
    shift->bind(1, std::string(campaignId));
    shift->bind(2, n);
    shift->exec();
  }
}

std::vector<WinnerDecision> SqliteCampaignStore::winners(Tx&, std::string_view campaignId) {
  auto s = winners_.use();
  s->bind(1, std::string(campaignId));
  std::vector<WinnerDecision> out;
  while (s->executeStep()) {
    WinnerDecision d{s->getColumn(0).getInt64(), s->getColumn(1).getString(), timeAt(*s, 2), {}};
    const std::string figures = s->getColumn(3).getString();
    try {
      d.figures = detail::figuresFrom(detail::Json::parse(figures));
    } catch (const detail::Json::exception&) {
      throw Error(ErrorCode::storage_error, fmt::format("damaged winner figures: {}", figures));
    }
    out.push_back(std::move(d));
  }
  return out;
}

void SqliteCampaignStore::setWinner(Tx&, std::string_view campaignId, std::int64_t step,
                                    const std::optional<WinnerDecision>& decision) {
  auto s = setWinner_.use();
  if (decision) {
    s->bind(1, decision->variant);
    s->bind(2, seconds(decision->decidedAt));
    s->bind(3, detail::dump(detail::toJsonValue(decision->figures)));
  }  // else NULLs: no decision
  s->bind(4, std::string(campaignId));
  s->bind(5, step);
  s->exec();
}

std::int64_t SqliteCampaignStore::handedOut(Tx&, std::string_view campaignId, std::string_view day) {
  auto s = handed_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(day));
  return s->executeStep() ? s->getColumn(0).getInt64() : 0;
}

void SqliteCampaignStore::addHandedOut(Tx&, std::string_view campaignId, std::string_view day, std::int64_t n) {
  auto s = addHanded_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(day));
  s->bind(3, n);
  s->exec();
}

}  // namespace leadterra::store::sqlite
