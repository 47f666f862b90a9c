// leadterra/campaign.hpp: a campaign, its sequence of steps and its status.
//
// A campaign belongs to one workspace. Its steps are sent in order, each
// `delayDays` after the previous one (step 1: after enrollment or start).
// Steps may be edited only while the campaign is not running. Plain values;
// safe to copy between threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/clock.hpp"
#include "leadterra/export.hpp"

namespace leadterra {

// Stored on disk by name; do not rename.
enum class CampaignStatus { draft, running, paused };
enum class StepFormat { text, html };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(CampaignStatus status) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(StepFormat format) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<CampaignStatus> parseCampaignStatus(std::string_view name) noexcept;

// Why a paused campaign is paused: pauseCampaign (manual), or it paused
// itself because too many of its recent sends bounced (docs/signals.md).
// Stored on disk by name; do not rename.
enum class PauseReason { manual, bounceProtection };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(PauseReason reason) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<PauseReason> parsePauseReason(std::string_view name) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<StepFormat> parseStepFormat(std::string_view name) noexcept;

// Where an unsubscribe stops mail: the whole workspace (the address goes on
// its suppression list) or only the campaign it came from. Stored by name.
enum class UnsubscribeScope { workspace, campaign };

[[nodiscard]] LEADTERRA_EXPORT std::string_view toString(UnsubscribeScope scope) noexcept;
[[nodiscard]] LEADTERRA_EXPORT std::optional<UnsubscribeScope> parseUnsubscribeScope(std::string_view name) noexcept;

// One email of the sequence. `subject` and `body` are templates (see
// docs/personalize.md); only the body of an html step is HTML-escaped.
//
// A step may instead carry up to 26 variants (an A/B/n test): each lead is
// sent one of them, chosen by weight and kept (docs/variants.md).
struct StepVariant {
  // "A" .. "Z", unique within the step; empty when saving: the first free
  // letter. A label names the variant for good: messages, statistics and a
  // winner decision refer to it.
  std::string label;
  std::string subject;
  std::string body;
  double weight = 1;  // > 0; the variant's share is weight / (sum of weights)

  friend bool operator==(const StepVariant&, const StepVariant&) = default;
};

// Picks a variant once every variant of the step has at least
// `minSendsPerVariant` sends and `minHours` have passed since the step's
// first send: the best reply rate over sent wins (ties: the earliest
// label). From then on leads not yet queued for the step get the winner.
struct WinnerRule {
  std::int64_t minSendsPerVariant = 100;  // >= 1
  double minHours = 24;                   // >= 0

  friend bool operator==(const WinnerRule&, const WinnerRule&) = default;
};

inline constexpr std::size_t kMaxStepVariants = 26;

struct Step {
  // The step's text when it has no variants; both empty when it has.
  std::string subject;
  std::string body;
  StepFormat format = StepFormat::text;
  double delayDays = 0;  // >= 0, fractional allowed
  // Empty: one variant, "A", made of subject and body.
  // (The `{}` initializers let `Step{subject, body, format, delayDays}`
  // leave these out without a -Wmissing-field-initializers warning.)
  std::vector<StepVariant> variants{};
  std::optional<WinnerRule> winnerRule{};  // only with two variants or more

  friend bool operator==(const Step&, const Step&) = default;
};

// One variant's figures when a winner was picked.
struct VariantFigures {
  std::string label;
  std::int64_t sent = 0;
  std::int64_t replied = 0;  // sent messages of the variant whose lead replied to them

  friend bool operator==(const VariantFigures&, const VariantFigures&) = default;
};

// Something in a step's templates that is probably a mistake, found by
// CampaignEngine::lintSteps (docs/variants.md#lint). Never refused.
struct LintFinding {
  std::int64_t step = 1;
  std::string variant;  // the variant's label; "A" for a step without variants
  std::string field;    // "subject" or "body"
  // Stable: "unknown_token" (a token names no standard field and no custom
  // key of the campaign's leads), "spin_options_differ" (a spin's options
  // use different tokens), "subject_too_long" (over 255 bytes rendered with
  // the longest values seen).
  std::string code;
  std::string message;  // for people: what, and where (line and column)

  friend bool operator==(const LintFinding&, const LintFinding&) = default;
};

// A step's winner, as recorded when its WinnerRule picked it.
struct WinnerDecision {
  std::int64_t step = 1;
  std::string variant;   // the winning label
  Timestamp decidedAt{};
  std::vector<VariantFigures> figures;  // every variant of the step then, by label

  friend bool operator==(const WinnerDecision&, const WinnerDecision&) = default;
};

// When a campaign may send, in its time zone. A window opens on each listed
// day at startHour and closes at endHour (exclusive) the same day, or the next
// day when endHour <= startHour (a window across midnight belongs to the day
// it opens). A message due outside every window is scheduled at the next
// opening.
struct SendWindow {
  std::array<bool, 7> days{true, true, true, true, true, false, false};  // Monday .. Sunday
  int startHour = 9;  // 0..23
  int endHour = 17;   // 0..24

  friend bool operator==(const SendWindow&, const SendWindow&) = default;
};

// Sending rules of a campaign: time zone, send window, daily cap.
struct CampaignSchedule {
  // IANA name ("Europe/Oslo"). The window's hours and the cap's calendar day
  // are in it. Default: UTC.
  std::string timeZone = "UTC";
  std::optional<SendWindow> sendWindow;  // none: any time
  std::optional<std::int64_t> dailyCap;  // most messages claimDue hands out per calendar day; none: no cap

  friend bool operator==(const CampaignSchedule&, const CampaignSchedule&) = default;
};

// What the signals on a campaign's messages do (docs/signals.md). The
// defaults are a careful sender's; change them with setStopRules, at any
// time. Limits: every count and day number >= 1, protectionMaxPercent 0..100.
struct StopRules {
  bool onReply = true;         // a reply stops the lead (and, by the workspace's rule, the address elsewhere)
  bool forCompany = false;     // a reply also stops the campaign's leads of the same domain, except free mail
  bool onAutoReply = true;     // an out-of-office pauses the lead; false: recorded only
  std::int64_t autoReplyDays = 7;  // the pause when the out-of-office gives no date
  std::int64_t softBouncesForHard = 3;  // soft bounces of an address within softBounceDays that count as hard
  std::int64_t softBounceDays = 14;
  UnsubscribeScope unsubscribe = UnsubscribeScope::workspace;
  bool bounceProtection = true;  // pause the campaign when too many recent sends hard-bounce
  std::int64_t protectionWindow = 200;   // of the last this many sent messages,
  std::int64_t protectionMinSends = 50;  // when at least this many were sent,
  std::int64_t protectionMaxPercent = 5;  // more than this percentage hard-bounced pauses it

  friend bool operator==(const StopRules&, const StopRules&) = default;
};

struct CampaignSpec {
  std::string workspaceId;
  std::string id;  // ^[A-Za-z0-9_-]{1,64}$, or empty to generate "camp_" + ULID
  std::string name;
  // `{}`: a spec written {workspaceId, id, name, steps} leaves the rest out
  // without a -Wmissing-field-initializers warning.
  std::vector<Step> steps{};
  CampaignSchedule schedule{};
  StopRules stopRules{};
};

struct Campaign {
  std::string id;
  std::string workspaceId;
  std::string name;
  CampaignStatus status = CampaignStatus::draft;
  std::optional<PauseReason> pauseReason;  // set while paused
  Timestamp createdAt{};
  std::optional<Timestamp> startedAt;  // first start; kept across pauses
  std::int64_t leadsEnrolled = 0;      // leads in the campaign, any status
  std::int64_t queuedMessages = 0;     // messages now queued
  std::vector<Step> steps;
  CampaignSchedule schedule;
  StopRules stopRules;
};

// What startCampaign reports: {"campaign": {...}} with exactly these keys.
struct StartResult {
  std::string id;
  CampaignStatus status = CampaignStatus::running;
  Timestamp startedAt{};
  std::int64_t leadsEnrolled = 0;
  std::int64_t queuedMessages = 0;
};

// Restricts a call that names a campaign to one workspace. A campaign of
// another workspace is then not_found, exactly like one that does not exist.
// Empty: any workspace.
struct Scope {
  std::string workspace;
};

}  // namespace leadterra
