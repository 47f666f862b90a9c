// Campaign lifecycle and queueing (SPEC section 6): start, pause, steps,
// scheduling, re-rendering, one live message per lead.
#define BOOST_TEST_MODULE lifecycle
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::epoch;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";



}  // namespace

BOOST_FIXTURE_TEST_SUITE(lifecycle, EngineFixture)

BOOST_AUTO_TEST_CASE(caller_ids_are_kept_and_generated_ids_are_prefixed_ulids) {
  const Workspace ws = engine->createWorkspace({"", "Generated", {}});
  BOOST_TEST(ws.id.rfind("ws_", 0) == 0U);
  BOOST_TEST(ws.id.size() == 3U + 26U);
  const Campaign c = engine->createCampaign({ws.id, "", "Generated", {}, {}, {}});
  BOOST_TEST(c.id.rfind("camp_", 0) == 0U);
  BOOST_TEST(c.id.size() == 5U + 26U);
  const Campaign seed = seedCampaign();
  BOOST_TEST(seed.id == kCamp);
  BOOST_TEST(toString(seed.status) == "draft");
  BOOST_TEST(seed.steps.size() == 2U);
  BOOST_TEST(engine->getCampaign(kCamp)->steps[1].delayDays == 3.0);
}

BOOST_AUTO_TEST_CASE(bad_ids_and_duplicates_are_rejected) {
  BOOST_TEST(errorCodeOf([&] { engine->createWorkspace({"bad id!", "", {}}); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { engine->createWorkspace({std::string(65, 'a'), "", {}}); }) == "invalid_argument");
  seedCampaign();
  BOOST_TEST(errorCodeOf([&] { engine->createWorkspace({"ws_test", "", {}}); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { seedCampaign(); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { engine->createCampaign({"ws_nope", "c1", "x", {}, {}, {}}); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { engine->createCampaign({"ws_test", "c2", "x", {{"s", "b", StepFormat::text, -1}}, {}, {}}); }) ==
             "invalid_argument");
}

BOOST_AUTO_TEST_CASE(a_campaign_without_steps_cannot_start) {
  seedCampaign("camp_empty", {});
  BOOST_TEST(errorCodeOf([&] { engine->startCampaign("camp_empty"); }) == "no_steps");
  BOOST_TEST(toString(engine->getCampaign("camp_empty")->status) == "draft");
}

BOOST_AUTO_TEST_CASE(start_queues_step_one_rendered_for_every_active_lead) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  clock.advance(std::chrono::minutes(5));
  const StartResult s = engine->startCampaign(kCamp);
  BOOST_TEST(s.queuedMessages == 3);
  const auto messages = engine->listMessages(kCamp, MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(messages.size(), 3U);
  const Message& ava = messages[0];
  BOOST_TEST(ava.email == "ava@acmecorp.com");
  BOOST_TEST(ava.step == 1);
  BOOST_TEST(ava.subject == "Quick question, Ava");
  BOOST_TEST(ava.body == "Hi Ava, how does Acme Corp handle outbound as VP Sales?");
  BOOST_TEST(epoch(ava.scheduledAt) == test::kSeedEpoch + 300);  // start time + step 1's delay (0)
  BOOST_TEST(ava.id.rfind("msg_", 0) == 0U);
}

BOOST_AUTO_TEST_CASE(starting_a_running_campaign_changes_nothing) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  const StartResult first = engine->startCampaign(kCamp);
  clock.advance(std::chrono::hours(2));
  const StartResult again = engine->startCampaign(kCamp);
  BOOST_TEST(epoch(again.startedAt) == epoch(first.startedAt));
  BOOST_TEST(again.queuedMessages == 3);
  BOOST_TEST(engine->listMessages(kCamp).size() == 3U);
}

BOOST_AUTO_TEST_CASE(leads_added_to_a_running_campaign_are_queued_at_once) {
  seedCampaign();
  (void)engine->startCampaign(kCamp);
  clock.advance(std::chrono::hours(1));
  const BulkResult r = engine->bulkUpsert(kCamp, seedLeads());
  BOOST_TEST(r.enrolled == 3);
  BOOST_TEST(r.queued == 3);
  const auto messages = engine->listMessages(kCamp);
  BOOST_REQUIRE_EQUAL(messages.size(), 3U);
  BOOST_TEST(epoch(messages[0].scheduledAt) == test::kSeedEpoch + 3600);  // enrollment time + delay
}

BOOST_AUTO_TEST_CASE(step_delay_is_added_including_fractional_days) {
  seedCampaign("camp_d", {{"s", "b", StepFormat::text, 0.5}});
  (void)engine->startCampaign("camp_d");
  (void)engine->bulkUpsert("camp_d", std::vector<LeadInput>{lead("a@acme.com")});
  BOOST_TEST(epoch(engine->listMessages("camp_d")[0].scheduledAt) == test::kSeedEpoch + 43200);
}

BOOST_AUTO_TEST_CASE(an_updated_lead_gets_its_queued_message_rerendered) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  std::vector<LeadInput> change{lead("ava@acmecorp.com", "Eva")};
  const BulkResult r = engine->bulkUpsert(kCamp, change);
  BOOST_TEST(r.updated == 1);
  BOOST_TEST(r.queued == 0);
  const auto messages = engine->listMessages(kCamp, MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(messages.size(), 3U);  // still one live message per lead
  BOOST_TEST(messages[0].subject == "Quick question, Eva");
  BOOST_TEST(messages[0].body == "Hi Eva, how does Acme Corp handle outbound as VP Sales?");
}

BOOST_AUTO_TEST_CASE(a_claimed_message_is_not_rerendered) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  const auto claimed = engine->claimDue(1, 300);
  BOOST_REQUIRE_EQUAL(claimed.size(), 1U);
  std::vector<LeadInput> change{lead(claimed[0].email, "Changed")};
  (void)engine->bulkUpsert(kCamp, change);
  const auto now = engine->listMessages(kCamp, MessageStatus::claimed);
  BOOST_REQUIRE_EQUAL(now.size(), 1U);
  BOOST_TEST(now[0].subject == claimed[0].subject);  // what the host holds is what is recorded
}

BOOST_AUTO_TEST_CASE(pause_keeps_queued_messages_but_hands_none_out) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  const Campaign paused = engine->pauseCampaign(kCamp);
  BOOST_TEST(toString(paused.status) == "paused");
  BOOST_TEST(paused.queuedMessages == 3);
  BOOST_TEST(engine->claimDue(10, 300).empty());
  BOOST_TEST(toString(engine->pauseCampaign(kCamp).status) == "paused");  // again: no change
  const StartResult resumed = engine->startCampaign(kCamp);
  BOOST_TEST(resumed.queuedMessages == 3);  // nothing queued twice on resume
  BOOST_TEST(engine->listMessages(kCamp).size() == 3U);
  BOOST_TEST(epoch(resumed.startedAt) == test::kSeedEpoch);  // first start kept
  BOOST_TEST(engine->claimDue(10, 300).size() == 3U);
}

BOOST_AUTO_TEST_CASE(pausing_a_draft_is_a_conflict) {
  seedCampaign();
  BOOST_TEST(errorCodeOf([&] { engine->pauseCampaign(kCamp); }) == "conflict");
}

BOOST_AUTO_TEST_CASE(steps_cannot_be_edited_while_running) {
  seedCampaign();
  (void)engine->startCampaign(kCamp);
  const Step step{"s", "b", StepFormat::text, 1};
  BOOST_TEST(errorCodeOf([&] { engine->addStep(kCamp, step); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { engine->replaceStep(kCamp, 1, step); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { engine->removeStep(kCamp, 1); }) == "conflict");
}

BOOST_AUTO_TEST_CASE(replacing_a_step_rerenders_its_queued_messages) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  (void)engine->pauseCampaign(kCamp);
  const Campaign c = engine->replaceStep(kCamp, 1, {"Hello <<firstName>>", "<p>{{company}}</p>", StepFormat::html, 0});
  BOOST_TEST(c.steps[0].subject == "Hello <<firstName>>");
  const auto messages = engine->listMessages(kCamp, MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(messages.size(), 3U);
  BOOST_TEST(messages[0].subject == "Hello Ava");
  BOOST_TEST(messages[0].body == "<p>Acme Corp</p>");
  BOOST_TEST(toString(messages[0].format) == "html");
  BOOST_TEST(errorCodeOf([&] { engine->replaceStep(kCamp, 9, {"s", "b", StepFormat::text, 0}); }) == "not_found");
}

BOOST_AUTO_TEST_CASE(html_bodies_escape_values_and_subjects_never_do) {
  seedCampaign("camp_h", {{"{{company}}", "<b>{{company}}</b> {{{company}}}", StepFormat::html, 0}});
  (void)engine->startCampaign("camp_h");
  std::vector<LeadInput> rows{lead("a@acme.com", "", "A&B <Co> \"q\" 'x'")};
  (void)engine->bulkUpsert("camp_h", rows);
  const Message m = engine->listMessages("camp_h")[0];
  BOOST_TEST(m.subject == "A&B <Co> \"q\" 'x'");
  BOOST_TEST(m.body == "<b>A&amp;B &lt;Co&gt; &quot;q&quot; &#39;x&#39;</b> A&B <Co> \"q\" 'x'");
}

BOOST_AUTO_TEST_CASE(removing_a_step_cancels_its_queued_messages_and_renumbers) {
  seedCampaign("camp_r", {{"one", "1", StepFormat::text, 0}, {"two", "2", StepFormat::text, 1},
                          {"three", "3", StepFormat::text, 1}});
  (void)engine->bulkUpsert("camp_r", std::vector<LeadInput>{lead("a@acme.com")});
  (void)engine->startCampaign("camp_r");
  (void)engine->pauseCampaign("camp_r");
  const Campaign c = engine->removeStep("camp_r", 1);
  BOOST_REQUIRE_EQUAL(c.steps.size(), 2U);
  BOOST_TEST(c.steps[0].subject == "two");
  BOOST_TEST(c.queuedMessages == 0);
  // On resume the lead gets the new first step.
  (void)engine->startCampaign("camp_r");
  const auto queued = engine->listMessages("camp_r", MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(queued.size(), 1U);
  BOOST_TEST(queued[0].subject == "two");
}

// After removing step 1 of 3 the later steps answer to their new numbers:
// replacing, adding and sending (also from a new engine on the file) follow
// the numbering the campaign shows.
BOOST_AUTO_TEST_CASE(after_removing_a_step_the_later_steps_are_edited_added_and_sent_by_their_new_numbers) {
  seedCampaign("camp_r", {{"one", "1", StepFormat::text, 0}, {"two", "2", StepFormat::text, 0},
                          {"three", "3", StepFormat::text, 0}});
  (void)engine->bulkUpsert("camp_r", std::vector<LeadInput>{lead("a@acme.com"), lead("b@acme.com")});
  (void)engine->startCampaign("camp_r");
  (void)engine->pauseCampaign("camp_r");
  (void)engine->removeStep("camp_r", 1);

  auto subjects = [](const Campaign& c) {
    std::vector<std::string> out;
    for (const Step& s : c.steps) out.push_back(s.subject);
    return out;
  };
  // Step 2 is now what was step 3.
  const Campaign replaced = engine->replaceStep("camp_r", 2, {"THREE", "3!", StepFormat::text, 0});
  BOOST_TEST(subjects(replaced) == (std::vector<std::string>{"two", "THREE"}), boost::test_tools::per_element());
  // A new step comes after it, as step 3.
  const Campaign added = engine->addStep("camp_r", {"four", "4", StepFormat::text, 0});
  BOOST_TEST(subjects(added) == (std::vector<std::string>{"two", "THREE", "four"}), boost::test_tools::per_element());
  BOOST_TEST(errorCodeOf([&] { engine->replaceStep("camp_r", 4, {"x", "x", StepFormat::text, 0}); }) == "not_found");

  // A restart: a new engine on the file sees the same steps and sends them in
  // that order, each message carrying its step's new number.
  reopen();
  BOOST_TEST(subjects(*engine->getCampaign("camp_r")) == (std::vector<std::string>{"two", "THREE", "four"}),
             boost::test_tools::per_element());
  (void)engine->startCampaign("camp_r");
  const std::vector<std::pair<std::int64_t, std::string>> expected{{1, "two"}, {2, "THREE"}, {3, "four"}};
  for (const auto& [number, subject] : expected) {
    BOOST_TEST_CONTEXT("step " << number) {
      const auto claimed = engine->claimDue(10, 60);
      BOOST_REQUIRE_EQUAL(claimed.size(), 2U);
      for (const Message& m : claimed) {
        BOOST_TEST(m.step == number);
        BOOST_TEST(m.subject == subject);
        (void)engine->markSent(m.id);
      }
    }
  }
  BOOST_TEST(engine->claimDue(10, 60).empty());
  const Lead a = *engine->getLead("camp_r", "a@acme.com");
  BOOST_TEST(a.position == 3);
  BOOST_TEST(a.status == LeadStatus::completed);
}

BOOST_AUTO_TEST_CASE(a_step_already_sent_cannot_be_removed) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  (void)engine->markSent(engine->claimDue(1, 60).at(0).id);
  (void)engine->pauseCampaign(kCamp);
  BOOST_TEST(errorCodeOf([&] { engine->removeStep(kCamp, 1); }) == "conflict");
  const Campaign added = engine->addStep(kCamp, {"three", "3", StepFormat::text, 2});
  BOOST_TEST(added.steps.size() == 3U);
}

BOOST_AUTO_TEST_CASE(scope_hides_campaigns_of_other_workspaces) {
  seedCampaign();
  engine->createWorkspace({"ws_other", "Other", {}});
  BOOST_TEST(engine->getCampaign(kCamp, Scope{"ws_test"}).has_value());
  BOOST_TEST(!engine->getCampaign(kCamp, Scope{"ws_other"}).has_value());
  BOOST_TEST(errorCodeOf([&] { (void)engine->bulkUpsert(kCamp, seedLeads(), Scope{"ws_other"}); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { engine->startCampaign(kCamp, Scope{"ws_other"}); }) == "not_found");
}

BOOST_AUTO_TEST_SUITE_END()
