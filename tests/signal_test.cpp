// Signals (docs/signals.md): each kind's rule, applied in the transaction
// that records it; event ids seen twice; scope; the suppression entries
// signals add, with their reasons.
#define BOOST_TEST_MODULE signals
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";
constexpr const char* kOther = "camp_01HZA1TPNQ8RD4KG";  // a second campaign of the same workspace

// Two running campaigns of ws_test with the seed's leads; ava is in both.
struct Running : EngineFixture {
  Running() {
    seedCampaign();
    seedCampaign(kOther);
    (void)engine->bulkUpsert(kCamp, seedLeads());
    (void)engine->bulkUpsert(kOther, std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava")});
    (void)engine->startCampaign(kCamp);
    (void)engine->startCampaign(kOther);
  }

  // The live message of `email` in `campaign` (claimed, as a sent one would
  // have been).
  Message claimedMessageOf(const std::string& email, const std::string& campaign = kCamp) {
    for (const Message& m : engine->claimDue(100, 600)) {
      if (m.email == email && m.campaignId == campaign) return m;
    }
    BOOST_FAIL("no due message for " << email);
    return {};
  }

  LeadStatus statusOf(const std::string& email, const std::string& campaign = kCamp) {
    return engine->getLead(campaign, email).value().status;
  }

  std::size_t queuedIn(const std::string& campaign) {
    return engine->listMessages(campaign, MessageStatus::queued).size();
  }

  SignalResult onMessage(SignalKind kind, const std::string& messageId, std::string externalId = {}) {
    SignalInput in;
    in.kind = kind;
    in.messageId = messageId;
    in.externalId = std::move(externalId);
    return engine->reportSignal(in);
  }

  SignalResult onAddress(SignalKind kind, const std::string& email, std::string campaign = {}) {
    SignalInput in;
    in.kind = kind;
    in.workspaceId = "ws_test";
    in.email = email;
    in.campaignId = std::move(campaign);
    return engine->reportSignal(in);
  }

  std::optional<SuppressionEntry> entryFor(const std::string& entry) {
    for (const SuppressionEntry& e : engine->listSuppressions("ws_test")) {
      if (e.entry == entry) return e;
    }
    return std::nullopt;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(signals, Running)

BOOST_AUTO_TEST_CASE(a_reply_stops_the_lead_and_the_same_address_in_every_campaign_of_the_workspace) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  BOOST_TEST(engine->markSent(m.id).status == MessageStatus::sent);
  BOOST_TEST(queuedIn(kOther) == 0U);  // ava's step 1 there is claimed too
  const SignalResult r = onMessage(SignalKind::reply, m.id);
  BOOST_TEST(r.id.rfind("sig_", 0) == 0U);
  BOOST_TEST(!r.duplicate);
  BOOST_TEST(r.leadsStopped == 2);
  BOOST_TEST(r.messagesCancelled == 2);  // step 2 here, the claimed step 1 in the other campaign
  BOOST_TEST(!r.suppressionAdded);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::replied);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::replied);
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::active);
  // Nothing of ava's is handed out again, in either campaign.
  clock.advance(std::chrono::hours(24 * 30));
  for (const Message& later : engine->claimDue(100, 600)) BOOST_TEST(later.email != "ava@acmecorp.com");
  // Nor does an upsert revive her.
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava", "New Co")});
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::replied);
}

BOOST_AUTO_TEST_CASE(a_reply_by_address_names_a_campaigns_lead_or_the_whole_workspace) {
  const SignalResult one = onAddress(SignalKind::reply, "  Marcus@BuildFast.io ", kCamp);
  BOOST_TEST(one.leadsStopped == 1);
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::replied);
  const SignalResult all = onAddress(SignalKind::reply, "ava@acmecorp.com");
  BOOST_TEST(all.leadsStopped == 2);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::replied);
  // An address enrolled nowhere is recorded with no effect; a campaign
  // without that lead is not_found.
  BOOST_TEST(onAddress(SignalKind::reply, "nobody@else.com").leadsStopped == 0);
  BOOST_TEST(errorCodeOf([&] { (void)onAddress(SignalKind::reply, "nobody@else.com", kCamp); }) == "not_found");
}

BOOST_AUTO_TEST_CASE(a_hard_bounce_suppresses_the_address_and_marks_the_lead_bounced) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  const SignalResult r = onMessage(SignalKind::bounceHard, m.id);
  BOOST_TEST(r.suppressionAdded);
  BOOST_TEST(r.leadsStopped == 2);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::bounced);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::suppressed);
  const auto entry = entryFor("ava@acmecorp.com");
  BOOST_REQUIRE(entry.has_value());
  BOOST_TEST(entry->reason == SuppressionReason::hardBounce);
  BOOST_TEST(entry->campaignId.value() == kCamp);
  BOOST_TEST(entry->messageId.value() == m.id);
  // The address is skipped from now on, in any campaign of the workspace.
  const BulkResult again = engine->bulkUpsert(kOther, std::vector<LeadInput>{lead("AVA@acmecorp.com")});
  BOOST_TEST(again.skipped == 1);
}

BOOST_AUTO_TEST_CASE(complaints_and_unsubscribes_suppress_the_address_with_their_reason) {
  const Message m = claimedMessageOf("marcus@buildfast.io");
  const SignalResult complaint = onMessage(SignalKind::complaint, m.id);
  BOOST_TEST(complaint.suppressionAdded);
  BOOST_TEST(complaint.leadsStopped == 1);
  BOOST_TEST(complaint.messagesCancelled == 1);  // the claimed message
  // The lead that complained says so; its address is on the list for every other campaign.
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::unsubscribed);
  BOOST_TEST(entryFor("marcus@buildfast.io")->reason == SuppressionReason::complaint);

  // Without a message: the workspace and the address.
  const SignalResult unsub = onAddress(SignalKind::unsubscribe, "Priya@NexusAI.com");
  BOOST_TEST(unsub.suppressionAdded);
  BOOST_TEST(statusOf("priya@nexusai.com") == LeadStatus::suppressed);
  const auto entry = entryFor("priya@nexusai.com");
  BOOST_TEST(entry->reason == SuppressionReason::unsubscribe);
  BOOST_TEST(!entry->campaignId.has_value());
  BOOST_TEST(!entry->messageId.has_value());
  // An entry already on the list keeps its first reason.
  BOOST_TEST(!onAddress(SignalKind::complaint, "priya@nexusai.com").suppressionAdded);
  BOOST_TEST(entryFor("priya@nexusai.com")->reason == SuppressionReason::unsubscribe);
  // Entries added by a call are manual.
  const std::vector<std::string> manual{"@example.org"};
  (void)engine->addSuppressions("ws_test", manual);
  BOOST_TEST(entryFor("example.org")->reason == SuppressionReason::manual);
}

BOOST_AUTO_TEST_CASE(clicks_and_opens_are_recorded_and_change_nothing) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  for (SignalKind kind : {SignalKind::click, SignalKind::open}) {
    const SignalResult r = onMessage(kind, m.id);
    BOOST_TEST(!r.id.empty());
    BOOST_TEST(r.leadsStopped == 0);
    BOOST_TEST(r.messagesCancelled == 0);
  }
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::active);
  BOOST_TEST(engine->markSent(m.id).status == MessageStatus::sent);
}

BOOST_AUTO_TEST_CASE(the_same_external_id_twice_has_one_effect) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  const SignalResult first = onMessage(SignalKind::bounceHard, m.id, "evt_123");
  const std::vector<std::string> entries{"ava@acmecorp.com"};
  (void)engine->removeSuppressions("ws_test", entries);
  // Delivered again (a webhook retry): nothing happens, the entry stays removed.
  const SignalResult again = onMessage(SignalKind::bounceHard, m.id, "evt_123");
  BOOST_TEST(again.duplicate);
  BOOST_TEST(again.id == first.id);
  BOOST_TEST(again.leadsStopped == 0);
  BOOST_TEST(!again.suppressionAdded);
  BOOST_TEST(!entryFor("ava@acmecorp.com").has_value());
  // Another id is another event.
  BOOST_TEST(!onMessage(SignalKind::bounceHard, m.id, "evt_124").duplicate);
  BOOST_TEST(entryFor("ava@acmecorp.com").has_value());
}

BOOST_AUTO_TEST_CASE(a_signal_outside_the_scope_is_not_found_and_changes_nothing) {
  engine->createWorkspace({"ws_other", "Other", {}});
  const Message m = claimedMessageOf("ava@acmecorp.com");
  SignalInput in;
  in.kind = SignalKind::unsubscribe;
  in.messageId = m.id;
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(in, Scope{"ws_other"}); }) == "not_found");
  in.messageId = "msg_01HZZZZZZZZZZZZZZZZZZZZZZZ";
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(in); }) == "not_found");
  // An address signal for a campaign of another workspace.
  in.messageId.clear();
  in.email = "ava@acmecorp.com";
  in.workspaceId = "ws_other";
  in.campaignId = kCamp;
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(in); }) == "not_found");
  in.campaignId.clear();
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(in, Scope{"ws_test"}); }) == "not_found");
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::active);
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
  // In its own workspace it applies.
  in.workspaceId = "ws_test";
  BOOST_TEST(engine->reportSignal(in, Scope{"ws_test"}).suppressionAdded);
}

BOOST_AUTO_TEST_CASE(a_signal_of_the_wrong_shape_is_invalid_argument) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  SignalInput both;
  both.messageId = m.id;
  both.email = "ava@acmecorp.com";
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(both); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(SignalInput{}); }) == "invalid_argument");
  SignalInput noWorkspace;
  noWorkspace.email = "ava@acmecorp.com";
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(noWorkspace); }) == "invalid_argument");
  SignalInput badEmail;
  badEmail.email = "not an email";
  badEmail.workspaceId = "ws_test";
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(badEmail); }) == "invalid_argument");
  SignalInput badKind;
  badKind.kind = static_cast<SignalKind>(99);
  badKind.messageId = m.id;
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(badKind); }) == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(a_message_claimed_before_the_stop_may_still_be_reported_and_queues_nothing) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  (void)onAddress(SignalKind::unsubscribe, "ava@acmecorp.com");
  // The host had it in flight: the send is recorded, and nothing follows.
  BOOST_TEST(engine->markSent(m.id).status == MessageStatus::sent);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::suppressed);
  clock.advance(std::chrono::hours(24 * 30));
  for (const Message& later : engine->claimDue(100, 600)) BOOST_TEST(later.email != "ava@acmecorp.com");
}

BOOST_AUTO_TEST_CASE(a_soft_bounce_retries_the_claimed_message_and_the_third_in_14_days_counts_as_hard) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  SignalInput in;
  in.kind = SignalKind::bounceSoft;
  in.messageId = m.id;
  in.detail = "452 mailbox full";
  const SignalResult first = engine->reportSignal(in);
  BOOST_TEST(first.leadsStopped == 0);
  BOOST_TEST(!first.suppressionAdded);
  // The claimed message is a failed send to retry: queued again in 5 minutes.
  const Message retried = engine->listMessages(kCamp, MessageStatus::queued).at(0);
  BOOST_TEST(retried.id == m.id);
  BOOST_TEST(retried.lastError.value() == "452 mailbox full");
  BOOST_TEST(test::epoch(retried.scheduledAt) == test::kSeedEpoch + 300);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::active);

  // A second one 10 days later, by address: still soft.
  clock.advance(std::chrono::hours(24 * 10));
  BOOST_TEST(!onAddress(SignalKind::bounceSoft, "ava@acmecorp.com").suppressionAdded);
  // The third within 14 days of the first: a hard bounce, reason softBounces.
  clock.advance(std::chrono::hours(24 * 3));
  const Message again = claimedMessageOf("ava@acmecorp.com");
  const SignalResult third = onMessage(SignalKind::bounceSoft, again.id);
  BOOST_TEST(third.suppressionAdded);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::bounced);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::suppressed);
  BOOST_TEST(entryFor("ava@acmecorp.com")->reason == SuppressionReason::softBounces);
  clock.advance(std::chrono::hours(24 * 30));
  for (const Message& later : engine->claimDue(100, 600)) BOOST_TEST(later.email != "ava@acmecorp.com");
}

BOOST_AUTO_TEST_CASE(soft_bounces_further_apart_than_14_days_stay_soft) {
  for (int i = 0; i < 3; ++i) {
    BOOST_TEST(!onAddress(SignalKind::bounceSoft, "marcus@buildfast.io").suppressionAdded);
    clock.advance(std::chrono::hours(24 * 8));  // the third is 16 days after the first
  }
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::active);
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
}

BOOST_AUTO_TEST_CASE(entries_are_listed_and_removed_by_reason_and_time) {
  const std::vector<std::string> manual{"@example.org"};
  (void)engine->addSuppressions("ws_test", manual);
  clock.advance(std::chrono::hours(24));
  const Timestamp day2 = clock.now();
  (void)onAddress(SignalKind::bounceHard, "ava@acmecorp.com");
  (void)onAddress(SignalKind::unsubscribe, "priya@nexusai.com");
  clock.advance(std::chrono::hours(24));
  (void)onAddress(SignalKind::bounceHard, "marcus@buildfast.io");

  const auto entries = [&](const SuppressionFilter& f) {
    std::vector<std::string> out;
    for (const SuppressionEntry& e : engine->listSuppressions("ws_test", f)) out.push_back(e.entry);
    return out;
  };
  BOOST_TEST(entries({}).size() == 4U);
  BOOST_TEST((entries({SuppressionReason::hardBounce, {}, {}}) ==
              std::vector<std::string>{"ava@acmecorp.com", "marcus@buildfast.io"}));
  BOOST_TEST((entries({SuppressionReason::hardBounce, day2, day2 + std::chrono::hours(24)}) ==
              std::vector<std::string>{"ava@acmecorp.com"}));
  BOOST_TEST((entries({std::nullopt, day2, std::nullopt}).size() == 3U));

  // Undo the automatic hard-bounce entries of day 2: only those go, and the
  // leads stay as they are (removing resumes nobody).
  const SuppressionResult undo =
      engine->removeSuppressionsBy("ws_test", {SuppressionReason::hardBounce, day2, day2 + std::chrono::hours(24)});
  BOOST_TEST(undo.removed == 1);
  BOOST_TEST((entries({}) == std::vector<std::string>{"example.org", "priya@nexusai.com", "marcus@buildfast.io"}));
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::suppressed);
  // Without a reason nothing is removed.
  BOOST_TEST(errorCodeOf([&] { (void)engine->removeSuppressionsBy("ws_test", {}); }) == "invalid_argument");
  BOOST_TEST(entries({}).size() == 3U);
  BOOST_TEST(errorCodeOf([&] {
               (void)engine->removeSuppressionsBy("ws_none", {SuppressionReason::manual, {}, {}});
             }) == "not_found");
}

// A campaign of one step with `n` leads, every message sent.
std::vector<Message> sendAll(CampaignEngine& engine, const std::string& id, int n) {
  std::vector<LeadInput> leads;
  for (int i = 0; i < n; ++i) leads.push_back(EngineFixture::lead("p" + std::to_string(i) + "@proto" + std::to_string(i) + ".com"));
  engine.createCampaign({"ws_test", id, "Protected", {{"Hi", "Body", StepFormat::text, 0}}, {}, {}});
  (void)engine.bulkUpsert(id, leads);
  (void)engine.startCampaign(id);
  std::vector<Message> sent;
  for (const Message& m : engine.claimDue(1000, 600)) {
    if (m.campaignId == id) sent.push_back(engine.markSent(m.id));
  }
  return sent;
}

BOOST_AUTO_TEST_CASE(bounce_protection_pauses_a_campaign_whose_recent_sends_bounce_too_often) {
  const std::vector<Message> sent = sendAll(*engine, "camp_protected", 60);
  BOOST_REQUIRE_EQUAL(sent.size(), 60U);
  // 3 of 60 is 5 %: not more than 5 %, the campaign keeps running.
  for (int i = 0; i < 3; ++i) BOOST_TEST(!onMessage(SignalKind::bounceHard, sent[static_cast<std::size_t>(i)].id).campaignPaused);
  BOOST_TEST(engine->getCampaign("camp_protected")->status == CampaignStatus::running);
  // The fourth is 6.7 %: paused, with the reason the host can show.
  const SignalResult fourth = onMessage(SignalKind::bounceHard, sent[3].id);
  BOOST_TEST(fourth.campaignPaused);
  const Campaign paused = *engine->getCampaign("camp_protected");
  BOOST_TEST(paused.status == CampaignStatus::paused);
  BOOST_TEST((paused.pauseReason == std::optional<PauseReason>(PauseReason::bounceProtection)));
  // Other campaigns keep running; a later bounce changes nothing more.
  BOOST_TEST(engine->getCampaign(kCamp)->status == CampaignStatus::running);
  BOOST_TEST(!onMessage(SignalKind::bounceHard, sent[4].id).campaignPaused);
  // Starting it again is the user's decision, and clears the reason.
  (void)engine->startCampaign("camp_protected");
  BOOST_TEST(!engine->getCampaign("camp_protected")->pauseReason.has_value());
  // A manual pause says so.
  (void)engine->pauseCampaign(kCamp);
  BOOST_TEST((engine->getCampaign(kCamp)->pauseReason == std::optional<PauseReason>(PauseReason::manual)));
}

BOOST_AUTO_TEST_CASE(bounce_protection_waits_for_50_sends) {
  const std::vector<Message> sent = sendAll(*engine, "camp_small", 49);
  for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(!onMessage(SignalKind::bounceHard, sent[i].id).campaignPaused);
  BOOST_TEST(engine->getCampaign("camp_small")->status == CampaignStatus::running);
  BOOST_TEST(!engine->getCampaign("camp_small")->pauseReason.has_value());
}

BOOST_AUTO_TEST_CASE(signals_and_their_entries_survive_a_reopen) {
  const Message m = claimedMessageOf("ava@acmecorp.com");
  const SignalResult first = onMessage(SignalKind::complaint, m.id, "abuse-77");
  reopen();
  BOOST_TEST(onMessage(SignalKind::complaint, m.id, "abuse-77").id == first.id);
  BOOST_TEST(entryFor("ava@acmecorp.com")->reason == SuppressionReason::complaint);
}

// ---- Stop rules ----

StopRules rulesWith(const std::function<void(StopRules&)>& change) {
  StopRules rules;
  change(rules);
  return rules;
}

BOOST_AUTO_TEST_CASE(a_campaign_that_does_not_stop_on_reply_keeps_its_lead_going) {
  (void)engine->setStopRules(kOther, rulesWith([](StopRules& r) { r.onReply = false; }));
  const SignalResult r = onAddress(SignalKind::reply, "ava@acmecorp.com", kCamp);
  BOOST_TEST(r.leadsStopped == 1);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::replied);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::active);
  // A reply to that campaign itself is recorded and stops nothing there.
  const SignalResult there = onAddress(SignalKind::reply, "ava@acmecorp.com", kOther);
  BOOST_TEST(!there.id.empty());
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::active);
}

BOOST_AUTO_TEST_CASE(the_workspace_rule_keeps_a_reply_in_its_campaign) {
  const Workspace ws = engine->setWorkspaceRules("ws_test", WorkspaceRules{false});
  BOOST_TEST(!ws.rules.replyStopsAllCampaigns);
  BOOST_TEST(!engine->getWorkspace("ws_test")->rules.replyStopsAllCampaigns);
  const SignalResult r = onAddress(SignalKind::reply, "ava@acmecorp.com", kCamp);
  BOOST_TEST(r.leadsStopped == 1);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::active);
  // A reply that names no campaign still stops the address wherever it is.
  BOOST_TEST(onAddress(SignalKind::reply, "ava@acmecorp.com").leadsStopped == 1);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::replied);
  BOOST_TEST(errorCodeOf([&] { (void)engine->setWorkspaceRules("ws_none", {}); }) == "not_found");
}

BOOST_AUTO_TEST_CASE(stop_for_company_stops_colleagues_but_never_a_free_mail_domain) {
  (void)engine->setStopRules(kCamp, rulesWith([](StopRules& r) { r.forCompany = true; }));
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("bob@acmecorp.com"), lead("eve@sub.acmecorp.com"),
                                                         lead("carol@gmail.com"), lead("dan@gmail.com")});
  (void)engine->bulkUpsert(kOther, std::vector<LeadInput>{lead("bob@acmecorp.com")});
  const SignalResult r = onAddress(SignalKind::reply, "ava@acmecorp.com", kCamp);
  BOOST_TEST(r.leadsStopped == 3);  // ava here and in the other campaign, bob here
  BOOST_TEST(statusOf("bob@acmecorp.com") == LeadStatus::replied);
  // Only this campaign, only the same domain.
  BOOST_TEST(statusOf("bob@acmecorp.com", kOther) == LeadStatus::active);
  BOOST_TEST(statusOf("eve@sub.acmecorp.com") == LeadStatus::active);
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::active);
  // One gmail.com address says nothing about another.
  BOOST_TEST(onAddress(SignalKind::reply, "carol@gmail.com", kCamp).leadsStopped == 1);
  BOOST_TEST(statusOf("dan@gmail.com") == LeadStatus::active);
}

BOOST_AUTO_TEST_CASE(an_out_of_office_pauses_the_lead_and_resumes_it_on_its_date) {
  const Message first = claimedMessageOf("ava@acmecorp.com");
  (void)engine->markSent(first.id);  // step 2 is due in 3 days
  const Timestamp back = clock.now() + std::chrono::days{10};
  SignalInput in;
  in.kind = SignalKind::autoReply;
  in.messageId = first.id;
  in.until = back;
  const SignalResult r = engine->reportSignal(in);
  BOOST_TEST(r.leadsPaused == 1);
  BOOST_TEST(r.leadsStopped == 0);
  const Lead paused = *engine->getLead(kCamp, "ava@acmecorp.com");
  BOOST_TEST(paused.status == LeadStatus::paused);
  BOOST_TEST(test::epoch(paused.pausedUntil.value()) == test::epoch(back));
  BOOST_TEST(paused.position == 1);
  BOOST_TEST(engine->countLeads(kCamp).of(LeadStatus::paused) == 1);
  // Its step 2 waits for the date; an upsert meanwhile changes neither.
  const std::vector<Message> queued = engine->listMessages(kCamp, MessageStatus::queued);
  const auto step2 = std::find_if(queued.begin(), queued.end(), [](const Message& m) { return m.email == "ava@acmecorp.com"; });
  BOOST_REQUIRE(step2 != queued.end());
  BOOST_TEST(test::epoch(step2->scheduledAt) == test::epoch(back));
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava", "New Co")});
  BOOST_TEST(engine->getLead(kCamp, "ava@acmecorp.com")->status == LeadStatus::paused);
  BOOST_TEST(engine->getLead(kCamp, "ava@acmecorp.com")->position == 1);

  // A second before: nothing for her. On the date: her step 2, and she is active.
  clock.set(test::epoch(back) - 1);
  for (const Message& m : engine->claimDue(100, 600)) BOOST_TEST(!(m.email == "ava@acmecorp.com" && m.campaignId == kCamp));
  BOOST_TEST(engine->getLead(kCamp, "ava@acmecorp.com")->status == LeadStatus::paused);
  clock.set(test::epoch(back));
  bool handed = false;
  for (const Message& m : engine->claimDue(100, 600)) {
    if (m.email == "ava@acmecorp.com" && m.campaignId == kCamp) handed = m.step == 2;
  }
  BOOST_TEST(handed);
  const Lead resumed = *engine->getLead(kCamp, "ava@acmecorp.com");
  BOOST_TEST(resumed.status == LeadStatus::active);
  BOOST_TEST(!resumed.pausedUntil.has_value());
}

BOOST_AUTO_TEST_CASE(an_out_of_office_without_a_date_pauses_for_the_campaigns_days) {
  (void)engine->setStopRules(kCamp, rulesWith([](StopRules& r) { r.autoReplyDays = 3; }));
  const Message m = claimedMessageOf("marcus@buildfast.io");
  const SignalResult r = onMessage(SignalKind::autoReply, m.id);
  BOOST_TEST(r.leadsPaused == 1);
  const Lead lead = *engine->getLead(kCamp, "marcus@buildfast.io");
  BOOST_TEST(test::epoch(lead.pausedUntil.value()) == test::epoch(clock.now() + std::chrono::days{3}));
  // Its lease running out does not hand it out again before the date.
  clock.advance(std::chrono::seconds(601));
  for (const Message& x : engine->claimDue(100, 600)) BOOST_TEST(x.email != "marcus@buildfast.io");
  clock.advance(std::chrono::seconds(-601));
  // The claimed message may still be reported sent; its next step waits.
  (void)engine->markSent(m.id);
  const auto next = engine->listMessages(kCamp, MessageStatus::queued);
  const auto step2 = std::find_if(next.begin(), next.end(), [](const Message& x) { return x.email == "marcus@buildfast.io"; });
  BOOST_REQUIRE(step2 != next.end());
  BOOST_TEST(test::epoch(step2->scheduledAt) == test::epoch(clock.now() + std::chrono::days{3}));
  // A reply while paused stops the lead for good.
  BOOST_TEST(onMessage(SignalKind::reply, m.id).leadsStopped == 1);
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::replied);
  BOOST_TEST(!engine->getLead(kCamp, "marcus@buildfast.io")->pausedUntil.has_value());
  // An out-of-office never revives a stopped lead.
  BOOST_TEST(onMessage(SignalKind::autoReply, m.id).leadsPaused == 0);
  BOOST_TEST(statusOf("marcus@buildfast.io") == LeadStatus::replied);
}

BOOST_AUTO_TEST_CASE(an_out_of_office_is_only_recorded_where_the_campaign_says_so) {
  (void)engine->setStopRules(kCamp, rulesWith([](StopRules& r) { r.onAutoReply = false; }));
  const SignalResult r = onAddress(SignalKind::autoReply, "priya@nexusai.com", kCamp);
  BOOST_TEST(!r.id.empty());
  BOOST_TEST(r.leadsPaused == 0);
  BOOST_TEST(statusOf("priya@nexusai.com") == LeadStatus::active);
  // It names a lead; only it carries a date.
  BOOST_TEST(errorCodeOf([&] { (void)onAddress(SignalKind::autoReply, "priya@nexusai.com"); }) == "invalid_argument");
  SignalInput dated;
  dated.kind = SignalKind::reply;
  dated.workspaceId = "ws_test";
  dated.email = "priya@nexusai.com";
  dated.until = clock.now();
  BOOST_TEST(errorCodeOf([&] { (void)engine->reportSignal(dated); }) == "invalid_argument");
  BOOST_TEST(statusOf("priya@nexusai.com") == LeadStatus::active);
}

BOOST_AUTO_TEST_CASE(an_unsubscribe_scoped_to_its_campaign_stops_only_that_lead) {
  (void)engine->setStopRules(kCamp, rulesWith([](StopRules& r) { r.unsubscribe = UnsubscribeScope::campaign; }));
  std::optional<Message> m;
  std::optional<Message> other;  // ava's in the other campaign
  for (const Message& claimed : engine->claimDue(100, 600)) {
    if (claimed.email == "ava@acmecorp.com") (claimed.campaignId == kCamp ? m : other) = claimed;
  }
  BOOST_REQUIRE(m.has_value());
  BOOST_REQUIRE(other.has_value());
  const SignalResult r = onMessage(SignalKind::unsubscribe, m->id);
  BOOST_TEST(r.leadsStopped == 1);
  BOOST_TEST(!r.suppressionAdded);
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::unsubscribed);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::active);
  BOOST_TEST(!entryFor("ava@acmecorp.com").has_value());
  // An upsert never revives it.
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava")});
  BOOST_TEST(statusOf("ava@acmecorp.com") == LeadStatus::unsubscribed);
  // By default an unsubscribe is the workspace's: the address goes on the list.
  BOOST_TEST(onMessage(SignalKind::unsubscribe, other->id).suppressionAdded);
  BOOST_TEST(statusOf("ava@acmecorp.com", kOther) == LeadStatus::unsubscribed);
}

BOOST_AUTO_TEST_CASE(the_soft_bounce_threshold_follows_the_campaign) {
  (void)engine->setStopRules(kCamp, rulesWith([](StopRules& r) {
    r.softBouncesForHard = 2;
    r.softBounceDays = 1;
  }));
  BOOST_TEST(!onAddress(SignalKind::bounceSoft, "priya@nexusai.com", kCamp).suppressionAdded);
  // Two days later the first is outside the window: still not hard.
  clock.advance(std::chrono::hours(48));
  BOOST_TEST(!onAddress(SignalKind::bounceSoft, "priya@nexusai.com", kCamp).suppressionAdded);
  clock.advance(std::chrono::hours(1));
  BOOST_TEST(onAddress(SignalKind::bounceSoft, "priya@nexusai.com", kCamp).suppressionAdded);
  BOOST_TEST(statusOf("priya@nexusai.com") == LeadStatus::bounced);
  BOOST_TEST(entryFor("priya@nexusai.com")->reason == SuppressionReason::softBounces);
}

BOOST_AUTO_TEST_CASE(bounce_protection_follows_the_campaigns_thresholds) {
  const std::vector<Message> sent = sendAll(*engine, "camp_tight", 4);
  (void)engine->setStopRules("camp_tight", rulesWith([](StopRules& r) {
    r.protectionWindow = 4;
    r.protectionMinSends = 4;
    r.protectionMaxPercent = 25;
  }));
  BOOST_TEST(!onMessage(SignalKind::bounceHard, sent[0].id).campaignPaused);  // 25 %: not more
  BOOST_TEST(onMessage(SignalKind::bounceHard, sent[1].id).campaignPaused);   // 50 %
  (void)engine->startCampaign("camp_tight");
  (void)engine->setStopRules("camp_tight", rulesWith([](StopRules& r) { r.bounceProtection = false; }));
  BOOST_TEST(!onMessage(SignalKind::bounceHard, sent[2].id).campaignPaused);
  BOOST_TEST(engine->getCampaign("camp_tight")->status == CampaignStatus::running);
}

BOOST_AUTO_TEST_CASE(stop_rules_are_checked_kept_and_shown) {
  const auto refused = [&](const std::function<void(StopRules&)>& change) {
    return errorCodeOf([&] { (void)engine->setStopRules(kCamp, rulesWith(change)); });
  };
  BOOST_TEST(refused([](StopRules& r) { r.autoReplyDays = 0; }) == "invalid_argument");
  BOOST_TEST(refused([](StopRules& r) { r.softBouncesForHard = 0; }) == "invalid_argument");
  BOOST_TEST(refused([](StopRules& r) { r.protectionMaxPercent = 101; }) == "invalid_argument");
  BOOST_TEST(refused([](StopRules& r) { r.protectionMinSends = 300; }) == "invalid_argument");
  BOOST_TEST(refused([](StopRules& r) { r.unsubscribe = static_cast<UnsubscribeScope>(9); }) == "invalid_argument");
  BOOST_TEST((engine->getCampaign(kCamp)->stopRules == StopRules{}));
  const StopRules set = rulesWith([](StopRules& r) {
    r.forCompany = true;
    r.autoReplyDays = 5;
    r.unsubscribe = UnsubscribeScope::campaign;
  });
  BOOST_TEST((engine->setStopRules(kCamp, set).stopRules == set));
  reopen();
  BOOST_TEST((engine->getCampaign(kCamp)->stopRules == set));
  BOOST_TEST(errorCodeOf([&] { (void)engine->setStopRules(kCamp, set, {"ws_other"}); }) == "not_found");
  // A campaign may be created with its rules.
  CampaignSpec spec{"ws_test", "camp_ruled", "Ruled", {}, {}, set};
  BOOST_TEST((engine->createCampaign(spec).stopRules == set));
}

BOOST_AUTO_TEST_SUITE_END()
