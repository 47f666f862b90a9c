// leadterra/listing.hpp: pages of workspaces, campaigns, leads and messages,
// and a campaign's leads counted by status (docs/listing.md).
//
// Listing is keyset paging: a page ends with an opaque cursor that the next
// call passes back in PageRequest::after. The order is the order of creation
// and never changes, so paging through a campaign sees every lead that
// existed when it started exactly once, in the same order, however many
// leads other connections add meanwhile (those come after the ones already
// there, on later pages). Each page is one read transaction. Plain values;
// safe to copy between threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leadterra/clock.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/message.hpp"

namespace leadterra {

// The most items one page may hold.
inline constexpr std::int64_t kMaxPageLimit = 1000;

// Which page: at most `limit` items (1..kMaxPageLimit, else
// invalid_argument) after the cursor `after` (empty: from the first item).
// A cursor is only good for the kind of listing that gave it; any other text
// is invalid_argument. A cursor stays valid forever and may be used with
// other filters: it is a place in the order, not a snapshot.
struct PageRequest {
  std::int64_t limit = 100;
  std::string after;
};

// One page: its items in order, and the cursor of the next page, nullopt
// when this is the last one.
template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> nextCursor;
};

// Which leads of a campaign to list; every filter given must match.
struct LeadFilter {
  std::optional<LeadStatus> status;
  std::optional<Timestamp> updatedSince;  // updatedAt at or after this time
};

// Which messages of a campaign to list; every filter given must match.
struct MessageFilter {
  std::optional<MessageStatus> status;
  // Changed (queued, claimed, reported, re-rendered, moved or cancelled) at
  // or after this time.
  std::optional<Timestamp> updatedSince;
};

// A campaign's leads counted by status.
struct LeadCounts {
  std::string campaignId;
  std::int64_t total = 0;
  std::array<std::int64_t, 7> byStatus{};  // indexed by LeadStatus

  [[nodiscard]] std::int64_t of(LeadStatus status) const { return byStatus.at(static_cast<std::size_t>(status)); }
};

}  // namespace leadterra
