// Names of the public enumerations. They are stored in the file and printed
// in JSON (docs/schema.md: "stored enumeration values are the names below and
// are never renamed"), so each must be exactly its documented name, distinct,
// and read back by its parse function to the same value; any other text
// parses to nothing.
#define BOOST_TEST_MODULE enums
#include <boost/test/unit_test.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;

namespace {

template <typename E>
using Names = std::vector<std::pair<E, std::string_view>>;

// Every enumerator has its name, no two share one.
template <typename E>
void namesAreExactAndDistinct(const Names<E>& expected) {
  std::set<std::string_view> seen;
  for (const auto& [value, name] : expected) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(toString(value) == name);
      BOOST_TEST(seen.insert(toString(value)).second, "two enumerators are named " << toString(value));
    }
  }
}

// parse(toString(e)) == e for every enumerator; unknown text is nullopt.
template <typename E, typename Parse>
void roundTrips(const Names<E>& expected, Parse parse) {
  namesAreExactAndDistinct(expected);
  for (const auto& [value, name] : expected) {
    BOOST_TEST_CONTEXT(name) {
      const std::optional<E> back = parse(toString(value));
      BOOST_TEST(back.has_value());
      BOOST_TEST((back == std::optional<E>(value)), "parses back to " << (back ? toString(*back) : "nothing"));
      // No prefix or partial match.
      BOOST_TEST(!parse(std::string(name) + "x").has_value());
      BOOST_TEST(!parse(name.substr(0, name.size() - 1)).has_value());
    }
  }
  for (std::string_view unknown : {"unknown", "", " ", "null"}) {
    BOOST_TEST_CONTEXT("'" << unknown << "'") { BOOST_TEST(!parse(unknown).has_value()); }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(enums)

BOOST_AUTO_TEST_CASE(lead_status_round_trips) {
  roundTrips<LeadStatus>({{LeadStatus::active, "active"},
                          {LeadStatus::completed, "completed"},
                          {LeadStatus::suppressed, "suppressed"},
                          {LeadStatus::replied, "replied"},
                          {LeadStatus::bounced, "bounced"}},
                         parseLeadStatus);
}

BOOST_AUTO_TEST_CASE(message_status_round_trips) {
  roundTrips<MessageStatus>({{MessageStatus::queued, "queued"},
                             {MessageStatus::claimed, "claimed"},
                             {MessageStatus::sent, "sent"},
                             {MessageStatus::failed, "failed"},
                             {MessageStatus::cancelled, "cancelled"}},
                            parseMessageStatus);
}

BOOST_AUTO_TEST_CASE(campaign_status_round_trips) {
  roundTrips<CampaignStatus>(
      {{CampaignStatus::draft, "draft"}, {CampaignStatus::running, "running"}, {CampaignStatus::paused, "paused"}},
      parseCampaignStatus);
}

BOOST_AUTO_TEST_CASE(step_format_round_trips) {
  roundTrips<StepFormat>({{StepFormat::text, "text"}, {StepFormat::html, "html"}}, parseStepFormat);
}

BOOST_AUTO_TEST_CASE(merge_mode_round_trips) {
  roundTrips<MergeMode>({{MergeMode::merge, "merge"}, {MergeMode::fillEmpty, "fillEmpty"}, {MergeMode::replace, "replace"}},
                        parseMergeMode);
}

BOOST_AUTO_TEST_CASE(error_code_round_trips) {
  roundTrips<ErrorCode>({{ErrorCode::not_found, "not_found"},
                         {ErrorCode::invalid_argument, "invalid_argument"},
                         {ErrorCode::conflict, "conflict"},
                         {ErrorCode::no_steps, "no_steps"},
                         {ErrorCode::busy, "busy"},
                         {ErrorCode::storage_error, "storage_error"},
                         {ErrorCode::schema_too_new, "schema_too_new"},
                         {ErrorCode::invalid_token, "invalid_token"}},
                        parseErrorCode);
}

BOOST_AUTO_TEST_CASE(suppression_kind_round_trips) {
  roundTrips<SuppressionKind>({{SuppressionKind::email, "email"}, {SuppressionKind::domain, "domain"}},
                              parseSuppressionKind);
}

BOOST_AUTO_TEST_CASE(pause_reason_round_trips) {
  roundTrips<PauseReason>({{PauseReason::manual, "manual"}, {PauseReason::bounceProtection, "bounceProtection"}},
                          parsePauseReason);
}

BOOST_AUTO_TEST_CASE(suppression_reason_round_trips) {
  roundTrips<SuppressionReason>({{SuppressionReason::manual, "manual"},
                                 {SuppressionReason::hardBounce, "hardBounce"},
                                 {SuppressionReason::softBounces, "softBounces"},
                                 {SuppressionReason::complaint, "complaint"},
                                 {SuppressionReason::unsubscribe, "unsubscribe"}},
                                parseSuppressionReason);
}

BOOST_AUTO_TEST_CASE(signal_kind_round_trips) {
  roundTrips<SignalKind>({{SignalKind::reply, "reply"},
                          {SignalKind::bounceHard, "bounceHard"},
                          {SignalKind::bounceSoft, "bounceSoft"},
                          {SignalKind::complaint, "complaint"},
                          {SignalKind::unsubscribe, "unsubscribe"},
                          {SignalKind::click, "click"},
                          {SignalKind::open, "open"}},
                         parseSignalKind);
}

// Stored in the events table; the triggers of migration 0010 write the
// message kinds as 'message_' || status.
BOOST_AUTO_TEST_CASE(event_kind_round_trips) {
  roundTrips<EventKind>({{EventKind::leads_upserted, "leads_upserted"},
                         {EventKind::lead_status, "lead_status"},
                         {EventKind::message_queued, "message_queued"},
                         {EventKind::message_claimed, "message_claimed"},
                         {EventKind::message_sent, "message_sent"},
                         {EventKind::message_failed, "message_failed"},
                         {EventKind::message_cancelled, "message_cancelled"},
                         {EventKind::signal, "signal"},
                         {EventKind::suppression_added, "suppression_added"},
                         {EventKind::suppression_removed, "suppression_removed"},
                         {EventKind::campaign_created, "campaign_created"},
                         {EventKind::campaign_started, "campaign_started"},
                         {EventKind::campaign_paused, "campaign_paused"},
                         {EventKind::campaign_changed, "campaign_changed"},
                         {EventKind::variant_winner, "variant_winner"}},
                        parseEventKind);
  for (int s = 0; parseMessageStatus(toString(static_cast<MessageStatus>(s))); ++s) {
    const std::string kind = "message_" + std::string(toString(static_cast<MessageStatus>(s)));
    BOOST_TEST(parseEventKind(kind).has_value(), kind);
  }
}

BOOST_AUTO_TEST_CASE(row_code_round_trips) {
  roundTrips<RowCode>({{RowCode::missing_email, "missing_email"},
                       {RowCode::invalid_email, "invalid_email"},
                       {RowCode::invalid_field, "invalid_field"},
                       {RowCode::field_too_long, "field_too_long"},
                       {RowCode::malformed_row, "malformed_row"}},
                      parseRowCode);
}

BOOST_AUTO_TEST_CASE(row_outcome_round_trips) {
  roundTrips<RowOutcome>({{RowOutcome::enrolled, "enrolled"},
                          {RowOutcome::updated, "updated"},
                          {RowOutcome::skipped, "skipped"},
                          {RowOutcome::failed, "failed"},
                          {RowOutcome::skippedActiveElsewhere, "skippedActiveElsewhere"},
                          {RowOutcome::skippedRecentlyContacted, "skippedRecentlyContacted"}},
                         parseRowOutcome);
}

BOOST_AUTO_TEST_SUITE_END()
