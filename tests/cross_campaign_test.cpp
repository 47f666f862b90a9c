// Cross-campaign rules: a bulk upsert that skips a new email active in
// another campaign or contacted recently (docs/enroll.md), and the
// workspace's frequency cap enforced when messages are claimed
// (docs/dispatch.md).
#define BOOST_TEST_MODULE cross_campaign
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::epoch;
using leadterra::test::errorCodeOf;

namespace leadterra {
inline std::ostream& operator<<(std::ostream& os, RowOutcome v) { return os << toString(v); }
}  // namespace leadterra

namespace {

constexpr const char* kA = "camp_a";
constexpr const char* kB = "camp_b";
constexpr std::chrono::days kDay{1};

// Two campaigns of one workspace; A holds ava and marcus.
struct TwoCampaigns : EngineFixture {
  TwoCampaigns() {
    seedCampaign(kA, oneStep());
    seedCampaign(kB, oneStep());
    (void)engine->bulkUpsert(kA, leads({"ava@acmecorp.com", "marcus@buildfast.io"}));
  }

  static std::vector<Step> oneStep() { return {{"Hi {{firstName}}", "Hello", StepFormat::text, 0}}; }

  static std::vector<LeadInput> leads(const std::vector<std::string>& emails) {
    std::vector<LeadInput> out;
    for (const std::string& e : emails) out.push_back(lead(e));
    return out;
  }

  BulkResult upsert(const char* campaign, const std::vector<std::string>& emails, CrossCampaignRules rules,
                    bool dryRun = false) {
    BulkOptions options;
    options.details = true;
    options.dryRun = dryRun;
    options.crossCampaign = rules;
    return engine->bulkUpsert(campaign, leads(emails), options);
  }

  // Claims everything due and marks the message to `email` sent.
  void send(const std::string& email) {
    for (const Message& m : engine->claimDue(100)) {
      if (m.email == email) (void)engine->markSent(m.id);
    }
  }

  std::vector<Message> queued(const char* campaign) { return engine->listMessages(campaign, MessageStatus::queued); }
};

CrossCampaignRules activeElsewhere() {
  CrossCampaignRules r;
  r.skipActiveElsewhere = true;
  return r;
}

CrossCampaignRules contactedWithin(std::int64_t days) {
  CrossCampaignRules r;
  r.skipContactedWithinDays = days;
  return r;
}

// Every row has one outcome, and the counts match them.
void checkCounts(const BulkResult& r, std::size_t rows) {
  BOOST_TEST(r.enrolled + r.updated + r.skipped + r.skippedActiveElsewhere + r.skippedRecentlyContacted + r.failed ==
             static_cast<std::int64_t>(rows));
  if (r.rows.empty()) return;
  BOOST_REQUIRE_EQUAL(r.rows.size(), rows);
  auto count = [&](RowOutcome o) {
    return static_cast<std::int64_t>(
        std::count_if(r.rows.begin(), r.rows.end(), [o](const RowResult& row) { return row.outcome == o; }));
  };
  BOOST_TEST(count(RowOutcome::enrolled) == r.enrolled);
  BOOST_TEST(count(RowOutcome::updated) == r.updated);
  BOOST_TEST(count(RowOutcome::skipped) == r.skipped);
  BOOST_TEST(count(RowOutcome::skippedActiveElsewhere) == r.skippedActiveElsewhere);
  BOOST_TEST(count(RowOutcome::skippedRecentlyContacted) == r.skippedRecentlyContacted);
  BOOST_TEST(count(RowOutcome::failed) == r.failed);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(active_elsewhere)

BOOST_FIXTURE_TEST_CASE(a_new_email_mailed_by_a_running_campaign_is_skipped, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  const BulkResult r = upsert(kB, {"Ava@AcmeCorp.com", "lee@acmecorp.com", "ava@acmecorp.com"}, activeElsewhere());
  checkCounts(r, 3);
  BOOST_TEST(r.enrolled == 1);
  BOOST_TEST(r.skippedActiveElsewhere == 2);  // a repeat of the email meets the same answer
  BOOST_TEST(r.skipped == 0);                 // keeps meaning suppressed
  BOOST_TEST(r.totalInCampaign == 1);
  BOOST_TEST(r.rows[0].outcome == RowOutcome::skippedActiveElsewhere);
  BOOST_TEST(r.rows[0].email == "ava@acmecorp.com");
  BOOST_TEST(r.rows[1].outcome == RowOutcome::enrolled);
  BOOST_TEST(!engine->getLead(kB, "ava@acmecorp.com"));
}

BOOST_FIXTURE_TEST_CASE(a_call_whose_rows_were_all_kept_out_is_an_event_with_its_counts, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  (void)upsert(kB, {"ava@acmecorp.com", "marcus@buildfast.io"}, activeElsewhere());
  EventQuery query;
  query.kinds = {EventKind::leads_upserted};
  query.campaignId = kB;
  const std::vector<Event> events = engine->events("ws_test", query).events;
  BOOST_REQUIRE_EQUAL(events.size(), 1U);
  BOOST_TEST((events[0].counts == std::map<std::string, std::int64_t>{{"skippedActiveElsewhere", 2}}));
}

BOOST_FIXTURE_TEST_CASE(off_by_default_the_email_enrolls, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  const BulkResult r = upsert(kB, {"ava@acmecorp.com"}, {});
  BOOST_TEST(r.enrolled == 1);
  // The JSON result keeps its shape when no row was kept out.
  BOOST_TEST(json::toJson(r).find("skippedActiveElsewhere") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(a_paused_campaign_counts_a_draft_does_not, TwoCampaigns) {
  BOOST_TEST(upsert(kB, {"ava@acmecorp.com"}, activeElsewhere(), /*dryRun=*/true).enrolled == 1);  // A is a draft
  (void)engine->startCampaign(kA);
  (void)engine->pauseCampaign(kA);
  BOOST_TEST(upsert(kB, {"ava@acmecorp.com"}, activeElsewhere()).skippedActiveElsewhere == 1);
}

BOOST_FIXTURE_TEST_CASE(a_lead_that_stopped_elsewhere_does_not_count, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  (void)engine->markReplied(kA, "ava@acmecorp.com");
  send("marcus@buildfast.io");  // one step: marcus completes
  BOOST_TEST(engine->getLead(kA, "marcus@buildfast.io")->status == LeadStatus::completed);
  const BulkResult r = upsert(kB, {"ava@acmecorp.com", "marcus@buildfast.io"}, activeElsewhere());
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(r.skippedActiveElsewhere == 0);
}

BOOST_FIXTURE_TEST_CASE(a_lead_the_campaign_already_holds_is_updated, TwoCampaigns) {
  (void)engine->bulkUpsert(kB, leads({"ava@acmecorp.com"}));
  (void)engine->startCampaign(kA);
  LeadInput in = lead("ava@acmecorp.com", "Ava");
  BulkOptions options;
  options.details = true;
  options.crossCampaign = activeElsewhere();
  const BulkResult r = engine->bulkUpsert(kB, std::vector<LeadInput>{in}, options);
  checkCounts(r, 1);
  BOOST_TEST(r.updated == 1);
  BOOST_TEST(r.rows[0].outcome == RowOutcome::updated);
  BOOST_TEST(*engine->getLead(kB, "ava@acmecorp.com")->firstName == "Ava");
}

BOOST_FIXTURE_TEST_CASE(suppression_comes_first, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  const std::vector<std::string> entries{"acmecorp.com"};
  (void)engine->addSuppressions("ws_test", entries);
  const BulkResult r = upsert(kB, {"lee@acmecorp.com", "marcus@buildfast.io"}, activeElsewhere());
  checkCounts(r, 2);
  BOOST_TEST(r.skipped == 1);
  BOOST_TEST(r.skippedActiveElsewhere == 1);
}

BOOST_FIXTURE_TEST_CASE(another_workspace_does_not_count, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  (void)engine->createWorkspace({"ws_other", "Other", {}});
  (void)engine->createCampaign({"ws_other", "camp_other", "Other", oneStep(), {}, {}});
  BOOST_TEST(upsert("camp_other", {"ava@acmecorp.com"}, activeElsewhere()).enrolled == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recently_contacted)

BOOST_FIXTURE_TEST_CASE(an_email_sent_to_in_the_last_n_days_is_skipped_until_they_pass, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  send("ava@acmecorp.com");  // sentAt: the seed epoch; ava completes in A
  const BulkResult r = upsert(kB, {"ava@acmecorp.com", "marcus@buildfast.io", "lee@acmecorp.com"}, contactedWithin(30));
  checkCounts(r, 3);
  BOOST_TEST(r.skippedRecentlyContacted == 1);
  BOOST_TEST(r.rows[0].outcome == RowOutcome::skippedRecentlyContacted);
  BOOST_TEST(r.rows[1].outcome == RowOutcome::enrolled);  // claimed, then left: never sent
  BOOST_TEST(r.rows[2].outcome == RowOutcome::enrolled);

  clock.advance(30 * kDay);  // sentAt == now - 30 days: still within
  BOOST_TEST(upsert(kB, {"ava@acmecorp.com"}, contactedWithin(30)).skippedRecentlyContacted == 1);
  BOOST_TEST(upsert(kB, {"ava@acmecorp.com"}, contactedWithin(31)).skippedRecentlyContacted == 1);
  clock.advance(std::chrono::seconds{1});
  const BulkResult later = upsert(kB, {"ava@acmecorp.com"}, contactedWithin(30));
  BOOST_TEST(later.enrolled == 1);
  BOOST_TEST(later.skippedRecentlyContacted == 0);
}

BOOST_FIXTURE_TEST_CASE(active_elsewhere_is_reported_before_recently_contacted, TwoCampaigns) {
  seedCampaign("camp_c");  // two steps: lee is sent step 1 and still active
  (void)engine->bulkUpsert("camp_c", leads({"lee@acmecorp.com"}));
  (void)engine->startCampaign("camp_c");
  (void)engine->startCampaign(kA);
  send("ava@acmecorp.com");
  send("lee@acmecorp.com");
  BOOST_TEST(engine->getLead("camp_c", "lee@acmecorp.com")->status == LeadStatus::active);
  CrossCampaignRules both = contactedWithin(7);
  both.skipActiveElsewhere = true;
  const BulkResult r = upsert(kB, {"ava@acmecorp.com", "marcus@buildfast.io", "lee@acmecorp.com"}, both);
  checkCounts(r, 3);
  BOOST_TEST(r.rows[0].outcome == RowOutcome::skippedRecentlyContacted);  // sent to; completed in A
  BOOST_TEST(r.rows[1].outcome == RowOutcome::skippedActiveElsewhere);    // claimed, never sent; waits in A
  BOOST_TEST(r.rows[2].outcome == RowOutcome::skippedActiveElsewhere);    // both: the first rule names it
}

BOOST_FIXTURE_TEST_CASE(days_out_of_range_are_refused, TwoCampaigns) {
  BOOST_TEST(errorCodeOf([&] { (void)upsert(kB, {"ava@acmecorp.com"}, contactedWithin(-1)); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)upsert(kB, {"ava@acmecorp.com"}, contactedWithin(3651)); }) == "invalid_argument");
  BOOST_TEST(upsert(kB, {"ava@acmecorp.com"}, contactedWithin(3650)).enrolled == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dry_run_and_idempotency)

BOOST_FIXTURE_TEST_CASE(a_dry_run_and_a_replay_give_the_real_outcomes, TwoCampaigns) {
  (void)engine->startCampaign(kA);
  send("marcus@buildfast.io");
  CrossCampaignRules both = contactedWithin(7);
  both.skipActiveElsewhere = true;
  const std::vector<std::string> emails{"ava@acmecorp.com", "marcus@buildfast.io", "lee@acmecorp.com", "bad"};
  BulkResult preview = upsert(kB, emails, both, /*dryRun=*/true);
  BOOST_TEST(preview.dryRun);
  BOOST_TEST(!engine->getLead(kB, "lee@acmecorp.com"));

  BulkOptions options;
  options.details = true;
  options.crossCampaign = both;
  options.idempotencyKey = "k1";
  const BulkResult real = engine->bulkUpsert(kB, leads(emails), options);
  checkCounts(real, 4);
  BOOST_TEST(real.skippedActiveElsewhere == 1);
  BOOST_TEST(real.skippedRecentlyContacted == 1);
  preview.dryRun = false;
  BOOST_TEST(json::toJson(preview) == json::toJson(real));

  const BulkResult replay = engine->bulkUpsert(kB, leads(emails), options);
  BOOST_TEST(replay.replayed);
  BOOST_TEST(replay.skippedActiveElsewhere == 1);
  BOOST_TEST(replay.skippedRecentlyContacted == 1);
  BOOST_TEST(replay.rows[0].outcome == RowOutcome::skippedActiveElsewhere);

  // The rules are part of what the key remembers.
  options.crossCampaign = {};
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kB, leads(emails), options); }) == "conflict");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(frequency_cap)

struct Capped : TwoCampaigns {
  explicit Capped(std::int64_t maxSends = 1, std::int64_t perDays = 7) {
    (void)engine->bulkUpsert(kB, leads({"ava@acmecorp.com", "priya@nexusai.com"}));
    WorkspaceRules rules;
    rules.frequencyCap = FrequencyCap{maxSends, perDays};
    (void)engine->setWorkspaceRules("ws_test", rules);
    (void)engine->startCampaign(kA);
    (void)engine->startCampaign(kB);
  }
};

std::vector<std::string> emailsOf(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) out.push_back(m.campaignId + ":" + m.email);
  return out;
}

BOOST_FIXTURE_TEST_CASE(two_messages_to_one_address_in_one_claim_respect_the_cap, Capped) {
  const std::vector<Message> claimed = engine->claimDue(100, 300);
  // A's messages were queued first: A's to ava goes, B's is held back.
  BOOST_TEST(emailsOf(claimed) == (std::vector<std::string>{"camp_a:ava@acmecorp.com", "camp_a:marcus@buildfast.io",
                                                             "camp_b:priya@nexusai.com"}),
             boost::test_tools::per_element());
  const std::vector<Message> held = queued(kB);
  BOOST_REQUIRE_EQUAL(held.size(), 1U);
  BOOST_TEST(held[0].email == "ava@acmecorp.com");
  // Until A's lease ends at the earliest: the claim may yet fail.
  BOOST_TEST(epoch(held[0].scheduledAt) == test::kSeedEpoch + 300);
  BOOST_TEST(held[0].attempts == 0);
}

BOOST_FIXTURE_TEST_CASE(a_held_message_goes_once_the_send_leaves_the_window, Capped) {
  const std::vector<Message> claimed = engine->claimDue(100, 300);
  clock.advance(std::chrono::seconds{10});
  for (const Message& m : claimed) (void)engine->markSent(m.id);  // A to ava among them, at epoch + 10
  clock.advance(std::chrono::seconds{290});
  BOOST_TEST(engine->claimDue(100).empty());  // at the lease's end: the send counts
  const std::vector<Message> held = queued(kB);
  BOOST_REQUIRE_EQUAL(held.size(), 1U);
  BOOST_TEST(epoch(held[0].scheduledAt) == test::kSeedEpoch + 10 + 7 * 86400);

  clock.set(test::kSeedEpoch + 10 + 7 * 86400 - 1);
  BOOST_TEST(engine->claimDue(100).empty());
  clock.advance(std::chrono::seconds{1});
  const std::vector<Message> later = engine->claimDue(100);
  BOOST_TEST(emailsOf(later) == std::vector<std::string>{"camp_b:ava@acmecorp.com"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_failed_claim_frees_its_slot, Capped) {
  const std::vector<Message> claimed = engine->claimDue(100, 300);
  (void)engine->markFailed(claimed[0].id, "mailbox full", /*retryable=*/false);
  (void)engine->markSent(claimed[1].id);
  (void)engine->markSent(claimed[2].id);
  clock.advance(std::chrono::seconds{300});
  const std::vector<Message> later = engine->claimDue(100);
  BOOST_TEST(emailsOf(later) == std::vector<std::string>{"camp_b:ava@acmecorp.com"}, boost::test_tools::per_element());
}

struct CappedAtTwo : Capped {
  CappedAtTwo() : Capped(2, 7) {}
};

BOOST_FIXTURE_TEST_CASE(a_cap_of_two_lets_both_go, CappedAtTwo) {
  BOOST_TEST(engine->claimDue(100).size() == 4U);
}

BOOST_FIXTURE_TEST_CASE(without_a_cap_nothing_is_held, TwoCampaigns) {
  (void)engine->bulkUpsert(kB, leads({"ava@acmecorp.com"}));
  (void)engine->startCampaign(kA);
  (void)engine->startCampaign(kB);
  BOOST_TEST(engine->claimDue(100).size() == 3U);
}

BOOST_FIXTURE_TEST_CASE(the_cap_is_a_workspace_rule_with_a_json_shape, EngineFixture) {
  WorkspaceSpec spec{"ws_cap", "Cap", {}};
  spec.rules.frequencyCap = FrequencyCap{3, 14};
  const Workspace ws = engine->createWorkspace(spec);
  BOOST_TEST(json::toJson(ws).find(R"("rules":{"replyStopsAllCampaigns":true,)"
                                   R"("frequencyCap":{"maxSends":3,"perDays":14}})") != std::string::npos);
  BOOST_TEST((engine->getWorkspace("ws_cap")->rules == spec.rules));
  WorkspaceRules none = json::parseWorkspaceRules(R"({"frequencyCap": null})", ws.rules);
  BOOST_TEST(!none.frequencyCap);
  BOOST_TEST(!engine->setWorkspaceRules("ws_cap", none).rules.frequencyCap);
  BOOST_TEST(!engine->getWorkspace("ws_cap")->rules.frequencyCap);

  WorkspaceRules bad;
  bad.frequencyCap = FrequencyCap{0, 7};
  BOOST_TEST(errorCodeOf([&] { (void)engine->setWorkspaceRules("ws_cap", bad); }) == "invalid_argument");
  bad.frequencyCap = FrequencyCap{1, 3651};
  BOOST_TEST(errorCodeOf([&] { (void)engine->setWorkspaceRules("ws_cap", bad); }) == "invalid_argument");
  for (const char* text :
       {R"({"frequencyCap": {"maxSends": 2}})", R"({"frequencyCap": {"maxSends": 2, "perDays": 7, "x": 1}})",
        R"({"frequencyCap": {"maxSends": "2", "perDays": 7}})", R"({"frequencyCap": 2})"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(errorCodeOf([text] { (void)json::parseWorkspaceRules(text); }) == "invalid_argument");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
