// leadterra/signal.hpp: what happened after a send, reported by the host.
//
// A signal names a message (the one a reply or a bounce answers) or, for a
// signal that arrives without one (an unsubscribe by mail, an abuse-desk
// complaint), a workspace and an email address. Its rule applies in the same
// transaction as the signal is recorded; once reportSignal returns, no claim
// hands out mail the rule stopped. docs/signals.md has the rules. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk by name; do not rename. The defaults of each rule are
// below; StopRules (campaign.hpp) and WorkspaceRules (workspace.hpp) change them.
enum class SignalKind {
  reply,        // the person answered: the lead stops, in every campaign of the workspace
  autoReply,    // an out-of-office: the lead pauses until `until`, or for 7 days
  bounceHard,   // the address does not exist: suppressed in the workspace, the lead bounced
  bounceSoft,   // delivery failed for now: a claimed message is retried; the third in 14 days counts as hard
  complaint,    // marked as spam: the address is suppressed in the workspace, its leads unsubscribed
  unsubscribe,  // asked to get no more mail: likewise (or only in the campaign, by its rules)
  click,        // recorded only
  open,         // recorded only
};

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(SignalKind kind) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<SignalKind> parseSignalKind(std::string_view name) noexcept;

// Give messageId, or workspaceId and email (campaignId narrows a reply to
// that campaign's lead), never both. An autoReply names a lead: a message,
// or an address with its campaign.
struct SignalInput {
  SignalKind kind = SignalKind::reply;
  std::string messageId;
  std::string workspaceId;
  std::string campaignId;
  std::string email;
  // The provider's id of the event (a webhook's id). A second report with the
  // same id in the workspace changes nothing and returns the first one's id.
  std::string externalId;
  std::string detail;  // kept with the signal, e.g. a bounce's diagnostic
  // autoReply only: when the person is back (the lead resumes then).
  std::optional<Timestamp> until;
};

struct SignalResult {
  std::string id;          // "sig_" + ULID; a duplicate's is the first report's
  bool duplicate = false;  // the externalId was reported before: nothing was done
  std::int64_t leadsStopped = 0;       // leads the rule stopped (replied, bounced, unsubscribed, suppressed)
  std::int64_t leadsPaused = 0;        // leads an out-of-office paused (or whose pause it moved)
  std::int64_t messagesCancelled = 0;  // live messages the rule cancelled
  bool suppressionAdded = false;       // a new entry on the workspace's list
  bool campaignPaused = false;         // the bounce protection paused the message's campaign
};

}  // namespace leadterra
