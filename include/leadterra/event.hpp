// leadterra/event.hpp: the event log, what happened in a workspace in the
// order it happened (docs/events.md). Plain values.
//
// Every write records its events in the same transaction as the change, so a
// reader sees an event exactly when it sees the change, and never one of a
// call that rolled back. Each event has a cursor, a number that grows with
// every event of the database: a host stores the cursor of the last event it
// handled and asks for the events after it. Events carry ids and counts, never
// a lead's personal fields (no email address, no name).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk and printed by name; do not rename.
enum class EventKind {
  leads_upserted,     // one per bulk upsert: counts enrolled, updated, skipped, failed, queued
  lead_status,        // a lead's status changed; detail: the new status (replied, bounced, completed, ...)
  message_queued,     // a message was queued (or queued again after a cancellation)
  message_claimed,    // claimDue handed it out (again, after an expired lease)
  message_sent,       // markSent
  message_failed,     // markFailed; detail "retry" when it was queued again to retry
  message_cancelled,  // its lead stopped, its step was removed, ...
  signal,             // a signal was recorded; detail: its kind (reply, bounceHard, unsubscribe, ...)
  suppression_added,  // entries added to the suppression list; counts entries; detail: the reason
  suppression_removed,  // entries removed; counts entries
  campaign_created,
  campaign_started,   // before the message_queued events of the leads it queues
  campaign_paused,    // detail: the pause reason (manual, bounceProtection)
  campaign_changed,   // detail: what changed (steps, variants, schedule, stopRules); step when one step
  variant_winner,     // a winner rule picked a variant: step and variant
};

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(EventKind kind) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<EventKind> parseEventKind(std::string_view name) noexcept;

struct Event {
  std::int64_t cursor = 0;  // > 0, larger for every later event of the database
  Timestamp at{};           // the engine's clock when the change was written
  EventKind kind = EventKind::leads_upserted;
  std::string workspaceId;
  // What it is about; empty (step: 0) when the event names none.
  std::string campaignId;
  std::string leadId;
  std::string messageId;
  std::int64_t step = 0;
  std::string variant;
  std::string detail;  // one word, by kind (see EventKind)
  // For an event about many rows: how many of each (leads_upserted,
  // suppression_*). Only non-zero entries.
  std::map<std::string, std::int64_t> counts;

  friend bool operator==(const Event&, const Event&) = default;
};

// Which events to read: those after `afterCursor`, oldest first.
struct EventQuery {
  std::int64_t afterCursor = 0;  // 0: from the oldest event kept
  std::int64_t limit = 100;      // 1..1000, else invalid_argument
  std::vector<EventKind> kinds;  // empty: every kind
  std::string campaignId;        // empty: every campaign (and events of none)
};

struct EventPage {
  std::vector<Event> events;
  // Pass as the next query's afterCursor. It is past every event this page
  // examined, the skipped ones of other kinds or campaigns included, so a
  // filtered reader does not read them again; it equals afterCursor when
  // nothing new was found.
  std::int64_t cursor = 0;
};

}  // namespace leadterra
