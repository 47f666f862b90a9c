// leadterra/message.hpp: one rendered step for one lead, in the local outbox.
//
// The engine never sends mail: the host application claims due messages,
// sends them and reports back (markSent / markFailed / markReplied).
// A lead never has two messages for one step, and never more than one
// message queued or claimed at once. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leadterra/campaign.hpp"
#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"
#include "leadterra/lead.hpp"

namespace leadterra {

// Stored on disk by name; do not rename.
enum class MessageStatus { queued, claimed, sent, failed, cancelled };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(MessageStatus status) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<MessageStatus> parseMessageStatus(std::string_view name) noexcept;

struct Message {
  std::string id;  // "msg_" + ULID
  // Whose it is: a multi-tenant host routes it without another query.
  std::string workspaceId;
  std::string campaignId;
  std::string leadId;  // "lead_" + ULID
  std::string email;   // the lead's, normalized
  std::int64_t step = 1;  // 1-based
  std::string variant = "A";  // the step's variant it renders (StepVariant::label; "A" for a step without variants)
  std::string subject;    // rendered as a header value: control characters folded to spaces
  std::string body;       // rendered
  StepFormat format = StepFormat::text;
  MessageStatus status = MessageStatus::queued;
  Timestamp scheduledAt{};  // may be sent from then on
  std::int64_t attempts = 0;  // times claimed
  std::optional<Timestamp> leaseUntil;  // while claimed
  std::optional<Timestamp> sentAt;
  std::optional<std::string> lastError;  // reason of the last markFailed
  // The List-Unsubscribe header's value (RFC 2369): "<https://...?token=...>"
  // and/or "<mailto:...?subject=unsubscribe>", comma-separated, from the
  // workspace's unsubscribe settings as they are when the message is read
  // (unsubscribe.hpp). Empty: the workspace has none; send no header.
  std::string listUnsubscribe;
  // The List-Unsubscribe-Post header's value (RFC 8058):
  // "List-Unsubscribe=One-Click" when listUnsubscribe has an https link,
  // else empty (send no header).
  std::string listUnsubscribePost;
};

// What markReplied reports.
struct ReplyResult {
  Lead lead;
  std::int64_t messagesCancelled = 0;
};

}  // namespace leadterra
