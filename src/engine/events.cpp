// The event log (docs/events.md): appending, reading, pruning.
#include "engine/events.hpp"

#include <fmt/format.h>

#include "leadterra/listing.hpp"

namespace leadterra {

namespace {

constexpr std::int64_t kPruneBatch = 10000;
constexpr std::chrono::seconds kPruneEvery{60};

}  // namespace

void recordEvent(Call& call, Event event) {
  if (!call.eventLog().enabled) return;
  event.at = call.now;
  std::erase_if(event.counts, [](const auto& count) { return count.second == 0; });
  call.db.events().append(call.tx, event);
}

void recordWorkspaceEvent(Call& call, std::string_view workspaceId, EventKind kind, std::string detail,
                          std::map<std::string, std::int64_t> counts) {
  Event e;
  e.kind = kind;
  e.workspaceId = workspaceId;
  e.detail = std::move(detail);
  e.counts = std::move(counts);
  recordEvent(call, std::move(e));
}

void recordCampaignEvent(Call& call, const store::CampaignRow& campaign, EventKind kind, std::string detail,
                         std::int64_t step, std::map<std::string, std::int64_t> counts) {
  Event e;
  e.kind = kind;
  e.workspaceId = campaign.workspaceId;
  e.campaignId = campaign.id;
  e.step = step;
  e.detail = std::move(detail);
  e.counts = std::move(counts);
  recordEvent(call, std::move(e));
}

void pruneEvents(Call& call) {
  EventLogSettings& r = call.eventLog();
  if (r.maxAge.count() <= 0 && r.maxCount <= 0) return;
  if (r.lastPrune && call.now >= *r.lastPrune && call.now - *r.lastPrune < kPruneEvery) return;
  r.lastPrune = call.now;
  const std::optional<Timestamp> cutoff =
      r.maxAge.count() > 0 ? std::optional<Timestamp>(call.now - r.maxAge) : std::nullopt;
  (void)call.db.events().prune(call.tx, cutoff, std::max<std::int64_t>(r.maxCount, 0), kPruneBatch);
}

EventPage CampaignEngine::events(std::string_view workspaceId, const EventQuery& query, const Scope& scope) {
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    throw Error(ErrorCode::invalid_argument, fmt::format("limit must be 1..{}", kMaxPageLimit));
  }
  if (query.afterCursor < 0) throw Error(ErrorCode::invalid_argument, "afterCursor must be 0 or more");
  return impl_->read([&](Call& call) {
    requireWorkspaceInScope(call, workspaceId, scope);
    EventPage page;
    page.events = call.db.events().page(call.tx, workspaceId, query);
    // A short page read every matching event there was: the reader may skip
    // to the newest cursor, past events of other kinds or campaigns.
    if (static_cast<std::int64_t>(page.events.size()) < query.limit) {
      page.cursor = std::max(query.afterCursor, call.db.events().lastCursor(call.tx, workspaceId));
    } else {
      page.cursor = page.events.back().cursor;
    }
    return page;
  });
}

}  // namespace leadterra
