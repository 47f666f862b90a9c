// The event log's service side (docs/events.md): services append the events
// that are not a message's or lead's status change (those the store writes
// itself), and claimDue prunes by the retention options.
#pragma once

#include "engine/engine_impl.hpp"
#include "leadterra/event.hpp"

namespace leadterra {

// Appends `event` at the call's time, in the call's transaction.
void recordEvent(Call& call, Event event);

// Records an event about the workspace as a whole (suppression lists).
void recordWorkspaceEvent(Call& call, std::string_view workspaceId, EventKind kind, std::string detail,
                          std::map<std::string, std::int64_t> counts);

// Records an event about the campaign: `detail` and `step` as its kind says.
void recordCampaignEvent(Call& call, const store::CampaignRow& campaign, EventKind kind, std::string detail = {},
                         std::int64_t step = 0, std::map<std::string, std::int64_t> counts = {});

// Deletes events past Options::eventMaxAge or eventMaxCount, at most 10,000,
// and at most once a minute of the engine's clock per engine: what an age
// limit frees accrues slowly, and a claim should not pay for it every time.
void pruneEvents(Call& call);

}  // namespace leadterra
