// Names of the public enumerations. These strings are stored on disk and
// printed in JSON: never change one.
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/error.hpp"
#include "leadterra/event.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/message.hpp"
#include "leadterra/signal.hpp"
#include "leadterra/suppression.hpp"

namespace leadterra {
namespace {

template <typename E, std::size_t N>
std::string_view nameOf(const std::array<std::string_view, N>& names, E value) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : std::string_view("unknown");
}

template <typename E, std::size_t N>
std::optional<E> parseName(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

// In enumerator order.
constexpr std::array<std::string_view, 8> kErrorCodes = {
    "not_found", "invalid_argument", "conflict",      "no_steps",
    "busy",      "storage_error",    "schema_too_new", "invalid_token"};
constexpr std::array<std::string_view, 3> kCampaignStatuses = {"draft", "running", "paused"};
constexpr std::array<std::string_view, 2> kPauseReasons = {"manual", "bounceProtection"};
constexpr std::array<std::string_view, 2> kStepFormats = {"text", "html"};
constexpr std::array<std::string_view, 7> kLeadStatuses = {"active",  "completed",    "suppressed", "replied",
                                                           "bounced", "unsubscribed", "paused"};
constexpr std::array<std::string_view, 5> kMessageStatuses = {"queued", "claimed", "sent", "failed", "cancelled"};
constexpr std::array<std::string_view, 2> kSuppressionKinds = {"email", "domain"};
constexpr std::array<std::string_view, 5> kSuppressionReasons = {"manual", "hardBounce", "softBounces", "complaint",
                                                                  "unsubscribe"};
constexpr std::array<std::string_view, 8> kSignalKinds = {"reply",     "autoReply",   "bounceHard", "bounceSoft",
                                                          "complaint", "unsubscribe", "click",      "open"};
constexpr std::array<std::string_view, 2> kUnsubscribeScopes = {"workspace", "campaign"};
constexpr std::array<std::string_view, 3> kMergeModes = {"merge", "fillEmpty", "replace"};
constexpr std::array<std::string_view, 6> kRowOutcomes = {"enrolled", "updated", "skipped", "failed",
                                                          "skippedActiveElsewhere", "skippedRecentlyContacted"};
constexpr std::array<std::string_view, 5> kRowCodes = {"missing_email", "invalid_email", "invalid_field",
                                                       "field_too_long", "malformed_row"};
constexpr std::array<std::string_view, 15> kEventKinds = {
    "leads_upserted",    "lead_status",      "message_queued",   "message_claimed",     "message_sent",
    "message_failed",    "message_cancelled", "signal",          "suppression_added",   "suppression_removed",
    "campaign_created",  "campaign_started", "campaign_paused",  "campaign_changed",    "variant_winner"};

}  // namespace

std::string_view toString(ErrorCode code) noexcept { return nameOf(kErrorCodes, code); }
std::string_view toString(CampaignStatus status) noexcept { return nameOf(kCampaignStatuses, status); }
std::string_view toString(PauseReason reason) noexcept { return nameOf(kPauseReasons, reason); }
std::string_view toString(StepFormat format) noexcept { return nameOf(kStepFormats, format); }
std::string_view toString(UnsubscribeScope scope) noexcept { return nameOf(kUnsubscribeScopes, scope); }
std::string_view toString(LeadStatus status) noexcept { return nameOf(kLeadStatuses, status); }
std::string_view toString(MessageStatus status) noexcept { return nameOf(kMessageStatuses, status); }
std::string_view toString(SuppressionKind kind) noexcept { return nameOf(kSuppressionKinds, kind); }
std::string_view toString(SuppressionReason reason) noexcept { return nameOf(kSuppressionReasons, reason); }
std::string_view toString(SignalKind kind) noexcept { return nameOf(kSignalKinds, kind); }
std::string_view toString(RowCode code) noexcept { return nameOf(kRowCodes, code); }
std::string_view toString(MergeMode mode) noexcept { return nameOf(kMergeModes, mode); }
std::string_view toString(RowOutcome outcome) noexcept { return nameOf(kRowOutcomes, outcome); }
std::string_view toString(EventKind kind) noexcept { return nameOf(kEventKinds, kind); }

std::optional<ErrorCode> parseErrorCode(std::string_view name) noexcept {
  return parseName<ErrorCode>(kErrorCodes, name);
}
std::optional<SuppressionKind> parseSuppressionKind(std::string_view name) noexcept {
  return parseName<SuppressionKind>(kSuppressionKinds, name);
}
std::optional<SuppressionReason> parseSuppressionReason(std::string_view name) noexcept {
  return parseName<SuppressionReason>(kSuppressionReasons, name);
}
std::optional<EventKind> parseEventKind(std::string_view name) noexcept {
  return parseName<EventKind>(kEventKinds, name);
}
std::optional<SignalKind> parseSignalKind(std::string_view name) noexcept {
  return parseName<SignalKind>(kSignalKinds, name);
}
std::optional<RowCode> parseRowCode(std::string_view name) noexcept { return parseName<RowCode>(kRowCodes, name); }
std::optional<RowOutcome> parseRowOutcome(std::string_view name) noexcept {
  return parseName<RowOutcome>(kRowOutcomes, name);
}

std::optional<MergeMode> parseMergeMode(std::string_view name) noexcept {
  return parseName<MergeMode>(kMergeModes, name);
}

std::optional<PauseReason> parsePauseReason(std::string_view name) noexcept {
  return parseName<PauseReason>(kPauseReasons, name);
}
std::optional<UnsubscribeScope> parseUnsubscribeScope(std::string_view name) noexcept {
  return parseName<UnsubscribeScope>(kUnsubscribeScopes, name);
}
std::optional<CampaignStatus> parseCampaignStatus(std::string_view name) noexcept {
  return parseName<CampaignStatus>(kCampaignStatuses, name);
}
std::optional<StepFormat> parseStepFormat(std::string_view name) noexcept {
  return parseName<StepFormat>(kStepFormats, name);
}
std::optional<LeadStatus> parseLeadStatus(std::string_view name) noexcept {
  return parseName<LeadStatus>(kLeadStatuses, name);
}
std::optional<MessageStatus> parseMessageStatus(std::string_view name) noexcept {
  return parseName<MessageStatus>(kMessageStatuses, name);
}

}  // namespace leadterra
