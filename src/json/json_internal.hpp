// The JSON adapter's values, for code inside the project (the CLI) that
// composes several results into one document without re-parsing text.
//
// Objects are nlohmann::ordered_json so keys come out in the order of
// docs/cli.md. Pure functions; call them from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/event.hpp"
#include "leadterra/json.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/listing.hpp"
#include "leadterra/message.hpp"
#include "leadterra/render.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/workspace.hpp"

namespace leadterra::detail {

using Json = nlohmann::ordered_json;

// The days of SendWindow::days (Monday .. Sunday) as the JSON and the CLI
// write them.
inline constexpr std::string_view kDayNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// The one codec of BulkResult: the CLI's output, and what an idempotency
// key keeps. Keys whose value is empty (missingTokens, unknownFields, rows)
// and false flags are left out; bulkResultFromJson reads them as absent.
[[nodiscard]] Json toJsonValue(const BulkResult& result);
// Throws Error(storage_error) for a document not of that shape.
[[nodiscard]] BulkResult bulkResultFromJson(std::string_view text);
[[nodiscard]] Json toJsonValue(const Workspace& workspace);
// "subject", "body", "format", "delayDays", then "variants" when the step
// has any and "winnerRule" when it has one.
[[nodiscard]] Json toJsonValue(const Step& step);
// [{"label", "subject", "body", "weight"}, ...]: how steps.variants stores them.
[[nodiscard]] Json toJsonValue(const std::vector<StepVariant>& variants);
// Reads that array; `where` starts each problem's message (invalid_argument).
[[nodiscard]] std::vector<StepVariant> variantsFrom(const Json& value, const std::string& where);
// {"minSendsPerVariant", "minHours"}, and back (absent keys: the defaults).
[[nodiscard]] Json toJsonValue(const WinnerRule& rule);
[[nodiscard]] WinnerRule winnerRuleFrom(const Json& value, const std::string& where);
// [{"label", "sent", "replied"}, ...], and back (throws Json exceptions).
[[nodiscard]] Json toJsonValue(const std::vector<VariantFigures>& figures);
[[nodiscard]] std::vector<VariantFigures> figuresFrom(const Json& value);
// {"step", "variant", "decidedAt", "figures"}.
[[nodiscard]] Json toJsonValue(const WinnerDecision& decision);
// {"variant", "subject", "body"}.
[[nodiscard]] Json toJsonValue(const RenderedStep& rendered);
// The event as json::toJson(const Event&) documents it.
[[nodiscard]] Json toJsonValue(const Event& event);
// {"events": [...], "cursor"}.
[[nodiscard]] Json toJsonValue(const EventPage& page);
// {"step", "variant", "field", "code", "message"}.
[[nodiscard]] Json toJsonValue(const LintFinding& finding);
// null, or {"days": ["mon", ...], "startHour", "endHour"}.
[[nodiscard]] Json toJsonValue(const std::optional<SendWindow>& window);
// "id", "workspaceId", "name", "status", "createdAt", "startedAt",
// "leadsEnrolled", "queuedMessages", then "steps", "timeZone", "sendWindow",
// "dailyCap", "stopRules".
[[nodiscard]] Json toJsonValue(const Campaign& campaign);
// Every key of StopRules / WorkspaceRules, with its value.
[[nodiscard]] Json toJsonValue(const StopRules& rules);
[[nodiscard]] Json toJsonValue(const WorkspaceRules& rules);
// `base` with the keys `object` has (absent keys keep base's values).
// Throws Error(invalid_argument) for an unknown key or a value of the wrong
// shape; the engine judges the ranges.
[[nodiscard]] StopRules stopRulesFrom(const Json& object, StopRules base);
[[nodiscard]] WorkspaceRules workspaceRulesFrom(const Json& object, WorkspaceRules base);
[[nodiscard]] Json toJsonValue(const StartResult& start);
[[nodiscard]] Json toJsonValue(const Lead& lead);
[[nodiscard]] Json toJsonValue(const Message& message);
[[nodiscard]] Json toJsonValue(const SuppressionEntry& entry);
[[nodiscard]] Json toJsonValue(const SignalResult& result);
[[nodiscard]] Json toJsonValue(const LeadCounts& counts);
[[nodiscard]] Json toJsonValue(const UnsubscribeSettings& settings);
[[nodiscard]] Json toJsonValue(const UnsubscribeLink& link);
// {"added" | "removed", "leadsSuppressed", "messagesCancelled"}.
enum class SuppressionOp { add, remove };
[[nodiscard]] Json toJsonValue(const SuppressionResult& result, SuppressionOp op);

// Reads the sending rules of a campaign document, its optional top-level keys
// "timeZone" (an IANA name), "sendWindow" (null, or {"days": ["mon", ...],
// "startHour", "endHour"}, absent keys taking SendWindow's defaults) and
// "dailyCap" (null or a whole number). Other keys of `object` are left to the
// caller; absent keys give CampaignSchedule's defaults. Checks shapes only
// (the engine judges the values: a known zone, hours in range, a cap >= 1).
// Throws Error(invalid_argument) naming the key of the wrong shape.
[[nodiscard]] CampaignSchedule parseSchedule(const Json& object);

// json::parseLeads and json::parseLead for text that the caller has room
// behind: `readable` bytes can be read from text.data() on (a buffer's
// capacity). With readable >= text.size() + json::kReadPadding (the parser
// reads ahead in blocks; what those bytes hold does not matter) the text is
// read where it is; with less it is copied once. The JSONL reader passes its
// line buffer this way.
[[nodiscard]] std::vector<LeadRow> parseLeads(std::string_view body, std::size_t readable);
[[nodiscard]] LeadRow parseLead(std::string_view object, std::size_t readable);

// A timestamp as its ISO-8601 string.
[[nodiscard]] Json timestampValue(Timestamp t);

// Text of `value`: compact (indent < 0) or indented. Never throws: bytes that
// are not UTF-8 (a rejected row's email as given) print as U+FFFD.
[[nodiscard]] std::string dump(const Json& value, int indent = -1);

}  // namespace leadterra::detail
