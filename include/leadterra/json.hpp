// leadterra/json.hpp: the JSON adapter, the documented JSON shapes as text.
//
// A thin layer over the C++ surface (it keeps no state and writes nothing):
// it reads request bodies into the library's types and writes results in the
// camelCase shapes of docs/cli.md. Timestamps are UTC ISO-8601 with a "Z".
// The CLI prints exactly these. Functions are pure; call them from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/event.hpp"
#include "leadterra/export.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/lead_row.hpp"
#include "leadterra/listing.hpp"
#include "leadterra/message.hpp"
#include "leadterra/render.hpp"
#include "leadterra/signal.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/unsubscribe.hpp"
#include "leadterra/workspace.hpp"

namespace leadterra::json {

// Reads a bulk body, {"leads": [...]}, into rows for
// CampaignEngine::bulkUpsert (lead_row.hpp). Throws Error(invalid_argument)
// when the text is not JSON or has no "leads" array. An element that is not
// an object becomes a RowDefect::malformed row; a field of the wrong type a
// RowDefect::wrongType row; other keys are listed in unknownFields. Values
// are not judged: the engine does (invalid UTF-8 is kept as sent, and fails
// only its row). customFields holds the object's text as sent, without the
// whitespace between its tokens (escapes and number spellings as written;
// the engine stores the object normalized). A key given twice counts with its
// last value, as in a JSON document.
[[nodiscard]] LEADTERRA_EXPORT std::vector<LeadRow> parseLeads(std::string_view body);

// The same as parseLeads(body), reading the body where it is: the parser
// reads up to kReadPadding bytes past the text, so parseLeads(string_view)
// copies a body once; this makes room for them in body's capacity instead
// (body.reserve(body.size() + kReadPadding): no reallocation when a reader
// left that room, see the CLI's `leads bulk`). body's text is not changed.
// For large bodies.
inline constexpr std::size_t kReadPadding = 64;
[[nodiscard]] LEADTERRA_EXPORT std::vector<LeadRow> parseLeadsInPlace(std::string& body);

// Reads one lead object (a line of a .jsonl file). Text that is not a JSON
// object gives a RowDefect::malformed row; it never throws for the row's content.
[[nodiscard]] LEADTERRA_EXPORT LeadRow parseLead(std::string_view object);

// Reads a steps document, {"steps": [{"subject", "body", "format", "delayDays"}, ...]},
// which may also carry the campaign's sending rules ("timeZone", "sendWindow",
// "dailyCap"; see parseSchedule). Throws Error(invalid_argument) when it does
// not have that shape.
[[nodiscard]] LEADTERRA_EXPORT std::vector<Step> parseSteps(std::string_view body);

// Reads one step, an object as in the "steps" array of a steps document.
// A step with variants, {"variants": [{"label", "subject", "body",
// "weight"}, ...], "winnerRule": {"minSendsPerVariant", "minHours"}, ...},
// needs no "subject" or "body" (label, weight and winnerRule are optional).
// Throws Error(invalid_argument) when it does not have that shape.
[[nodiscard]] LEADTERRA_EXPORT Step parseStep(std::string_view object);

// Reads the optional "timeZone", "sendWindow" ({"days": ["mon", ...],
// "startHour", "endHour"}) and "dailyCap" of a steps document (other keys are
// ignored); absent keys give the defaults. Throws Error(invalid_argument) for
// text that is not a JSON object or a key of the wrong shape. Whether the time
// zone exists is checked by the engine.
[[nodiscard]] LEADTERRA_EXPORT CampaignSchedule parseSchedule(std::string_view body);

// Reads a campaign's stop rules, an object with any of the keys of StopRules
// ({"onReply": true, "unsubscribe": "campaign", "autoReplyDays": 7, ...}):
// absent keys keep `base`'s values. Throws Error(invalid_argument) for an
// unknown key or a value of the wrong type; the engine checks the ranges.
[[nodiscard]] LEADTERRA_EXPORT StopRules parseStopRules(std::string_view object, const StopRules& base = {});
// The same for a workspace's rules, {"replyStopsAllCampaigns": true}.
[[nodiscard]] LEADTERRA_EXPORT WorkspaceRules parseWorkspaceRules(std::string_view object,
                                                                  const WorkspaceRules& base = {});

// Each returns one JSON object's text (compact), without the wrapping key
// the CLI adds ({"result": ...}, {"campaign": ...}, ...).
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const BulkResult& result);
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const Workspace& workspace);
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const Campaign& campaign);
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const StartResult& start);
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const Lead& lead);
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const Message& message);
// {"step", "variant", "decidedAt", "figures": [{"label", "sent", "replied"}, ...]}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const WinnerDecision& decision);
// {"variant", "subject", "body"}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const RenderedStep& rendered);
// {"step", "variant", "field", "code", "message"}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const LintFinding& finding);
// {"entry", "kind", "createdAt", "reason"}, and "campaignId", "messageId"
// where the signal that added it named them.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const SuppressionEntry& entry);
// {"id", "duplicate", "leadsStopped", "leadsPaused", "messagesCancelled",
// "suppressionAdded", "campaignPaused"}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const SignalResult& result);
// {"campaignId", "total", "byStatus": {"active", "completed", "suppressed",
// "replied", "bounced", "unsubscribed", "paused"}}, every status present.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const LeadCounts& counts);
// Every key of StopRules.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const StopRules& rules);
// {"cursor", "at", "kind", "workspaceId"}, then "campaignId", "leadId",
// "messageId", "step", "variant", "detail" and "counts" where the event has
// them.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const Event& event);
// {"events": [...], "cursor"}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const EventPage& page);
// {"baseUrl", "mailto"}: never the secret.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const UnsubscribeSettings& settings);
// {"token", "url"}.
[[nodiscard]] LEADTERRA_EXPORT std::string toJson(const UnsubscribeLink& link);

// "2025-06-10T15:00:00Z", and back; parseTimestamp throws
// Error(invalid_argument) for anything else.
[[nodiscard]] LEADTERRA_EXPORT std::string formatTimestamp(Timestamp t);
[[nodiscard]] LEADTERRA_EXPORT Timestamp parseTimestamp(std::string_view text);

}  // namespace leadterra::json
