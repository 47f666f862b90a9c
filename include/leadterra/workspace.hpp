// leadterra/workspace.hpp: the tenant. A workspace owns campaigns and one
// suppression list. Plain values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "leadterra/clock.hpp"

namespace leadterra {

// At most `maxSends` messages to one address in any `perDays` days, counted
// over every campaign of the workspace (docs/dispatch.md). claimDue holds
// back a message that would go past it.
struct FrequencyCap {
  std::int64_t maxSends = 1;  // >= 1
  std::int64_t perDays = 1;   // 1 to 3650

  friend bool operator==(const FrequencyCap&, const FrequencyCap&) = default;
};

// Rules that hold across the workspace's campaigns (docs/signals.md,
// docs/dispatch.md).
struct WorkspaceRules {
  // A reply to one campaign also stops the address's leads in every other
  // campaign of the workspace (those whose StopRules::onReply is on): a
  // person who answered should get no one else's cold mail.
  bool replyStopsAllCampaigns = true;
  // None (the default): no limit beyond each campaign's own daily cap.
  std::optional<FrequencyCap> frequencyCap{};

  friend bool operator==(const WorkspaceRules&, const WorkspaceRules&) = default;
};

struct WorkspaceSpec {
  std::string id;    // ^[A-Za-z0-9_-]{1,64}$, or empty to generate "ws_" + ULID
  std::string name;  // free text, may be empty
  WorkspaceRules rules{};  // `{}`: {id, name} needs no third initializer
};

struct Workspace {
  std::string id;
  std::string name;
  Timestamp createdAt{};
  WorkspaceRules rules;
};

}  // namespace leadterra
