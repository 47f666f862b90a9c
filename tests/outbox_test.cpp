// The outbox's rules: the order a user sees follows the caller's rows, a
// message names whose it is, reports need a claim and a workspace scope, one
// message row per lead and step, and queued text that is always current.
#define BOOST_TEST_MODULE outbox
#include <boost/test/unit_test.hpp>

#include <map>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

std::vector<LeadInput> rows(std::initializer_list<const char*> emails) {
  std::vector<LeadInput> out;
  for (const char* e : emails) out.push_back(EngineFixture::lead(e, "N"));
  return out;
}

std::vector<std::string> emailsOf(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) out.push_back(m.email);
  return out;
}

std::vector<Message> ofStep(const std::vector<Message>& messages, std::int64_t step) {
  std::vector<Message> out;
  for (const Message& m : messages) {
    if (m.step == step) out.push_back(m);
  }
  return out;
}

struct Running : EngineFixture {
  Running() {
    seedCampaign();
    (void)engine->startCampaign(kCamp);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(outbox, Running)

// ---- Order follows the caller's array ----

BOOST_AUTO_TEST_CASE(claim_order_follows_the_callers_rows_not_the_alphabet) {
  const BulkResult r = engine->bulkUpsert(kCamp, rows({"zed@acme.com", "amy@acme.com", "mia@acme.com"}));
  BOOST_TEST(r.queued == 3);
  const std::vector<std::string> expected{"zed@acme.com", "amy@acme.com", "mia@acme.com"};
  BOOST_TEST(emailsOf(engine->listMessages(kCamp)) == expected, boost::test_tools::per_element());
  BOOST_TEST(emailsOf(engine->claimDue(10, 60)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(leads_are_created_in_the_callers_order) {
  (void)engine->bulkUpsert(kCamp, rows({"zed@acme.com", "amy@acme.com", "mia@acme.com"}));
  const Lead zed = *engine->getLead(kCamp, "zed@acme.com");
  const Lead amy = *engine->getLead(kCamp, "amy@acme.com");
  const Lead mia = *engine->getLead(kCamp, "mia@acme.com");
  // Ids are ULIDs: they sort in creation order.
  BOOST_TEST(zed.id < amy.id);
  BOOST_TEST(amy.id < mia.id);
  // So are the messages' ids.
  const auto messages = engine->listMessages(kCamp);
  BOOST_TEST(messages[0].id < messages[1].id);
  BOOST_TEST(messages[1].id < messages[2].id);
}

BOOST_AUTO_TEST_CASE(a_start_queues_in_the_order_leads_were_enrolled) {
  seedCampaign("camp_draft");
  (void)engine->bulkUpsert("camp_draft", rows({"zed@acme.com", "amy@acme.com"}));
  (void)engine->bulkUpsert("camp_draft", rows({"mia@acme.com", "bob@acme.com"}));
  (void)engine->startCampaign("camp_draft");
  const std::vector<std::string> expected{"zed@acme.com", "amy@acme.com", "mia@acme.com", "bob@acme.com"};
  BOOST_TEST(emailsOf(engine->claimDue(10, 60)) == expected, boost::test_tools::per_element());
}

// ---- Messages say whose they are ----

BOOST_AUTO_TEST_CASE(a_message_names_its_workspace_campaign_and_lead) {
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Message m = engine->claimDue(1, 60).at(0);
  const Lead lead = *engine->getLead(kCamp, "ava@acme.com");
  BOOST_TEST(m.workspaceId == "ws_test");
  BOOST_TEST(m.campaignId == kCamp);
  BOOST_TEST(m.leadId == lead.id);
  BOOST_TEST(m.email == "ava@acme.com");
}

// ---- Reports need a claim and respect the workspace ----

BOOST_AUTO_TEST_CASE(reporting_a_message_that_was_never_claimed_is_a_conflict) {
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Message queued = engine->listMessages(kCamp).at(0);
  BOOST_TEST(errorCodeOf([&] { (void)engine->markSent(queued.id); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { (void)engine->markFailed(queued.id, "x", true); }) == "conflict");
  BOOST_TEST(errorCodeOf([&] { (void)engine->markFailed(queued.id, "x", false); }) == "conflict");
  // Nothing changed.
  const Message still = engine->listMessages(kCamp).at(0);
  BOOST_TEST(toString(still.status) == "queued");
  BOOST_TEST(engine->getLead(kCamp, "ava@acme.com")->position == 0);
  // A message cancelled before any claim cannot be reported either.
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"ava@acme.com"});
  BOOST_TEST(errorCodeOf([&] { (void)engine->markSent(queued.id); }) == "conflict");
}

BOOST_AUTO_TEST_CASE(a_report_on_a_message_cancelled_after_its_claim_is_recorded) {
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com", "bob@acme.com"}));
  const auto claimed = engine->claimDue(2, 60);
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"ava@acme.com", "bob@acme.com"});
  const Message sent = engine->markSent(claimed[0].id);
  BOOST_TEST(toString(sent.status) == "sent");
  const Message failed = engine->markFailed(claimed[1].id, "bounced", false);
  BOOST_TEST(toString(failed.status) == "failed");
  // Neither changes the lead's status or queues anything.
  BOOST_TEST(toString(engine->getLead(kCamp, claimed[0].email)->status) == "suppressed");
  BOOST_TEST(toString(engine->getLead(kCamp, claimed[1].email)->status) == "suppressed");
  BOOST_TEST(engine->listMessages(kCamp, MessageStatus::queued).empty());
}

BOOST_AUTO_TEST_CASE(message_operations_are_scoped_to_a_workspace) {
  engine->createWorkspace({"ws_other", "Other", {}});
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Scope other{"ws_other"};
  const Scope mine{"ws_test"};
  BOOST_TEST(engine->claimDue(10, 60, other).empty());
  const Message m = engine->claimDue(10, 60, mine).at(0);
  BOOST_TEST(errorCodeOf([&] { (void)engine->markSent(m.id, other); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->markFailed(m.id, "x", true, other); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listMessages(kCamp, std::nullopt, other); }) == "not_found");
  BOOST_TEST(toString(engine->listMessages(kCamp).at(0).status) == "claimed");  // untouched
  BOOST_TEST(toString(engine->markSent(m.id, mine).status) == "sent");
}

// ---- One message row per lead and step ----

BOOST_AUTO_TEST_CASE(a_resumed_lead_gets_its_steps_row_back_with_its_attempts) {
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Message first = engine->claimDue(1, 60).at(0);
  (void)engine->markFailed(first.id, "try later", true);  // queued again, 1 attempt
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"ava@acme.com"});
  (void)engine->removeSuppressions("ws_test", std::vector<std::string>{"ava@acme.com"});
  const BulkResult r = engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  BOOST_TEST(r.queued == 1);
  const auto messages = engine->listMessages(kCamp);
  BOOST_REQUIRE_EQUAL(messages.size(), 1U);  // never a second row for step 1
  BOOST_TEST(messages[0].id == first.id);
  BOOST_TEST(toString(messages[0].status) == "queued");
  BOOST_TEST(messages[0].attempts == 1);
}

BOOST_AUTO_TEST_CASE(a_late_report_on_a_step_queued_again_sends_it_once) {
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Message claimed = engine->claimDue(1, 60).at(0);
  // Suppressed while the host sends it, resumed before the host reports.
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"ava@acme.com"});
  (void)engine->removeSuppressions("ws_test", std::vector<std::string>{"ava@acme.com"});
  (void)engine->bulkUpsert(kCamp, rows({"ava@acme.com"}));
  const Message sent = engine->markSent(claimed.id);
  BOOST_TEST(toString(sent.status) == "sent");
  // Step 1 is sent once: nothing of it is left to claim, and step 2 comes next.
  const auto messages = engine->listMessages(kCamp);
  BOOST_TEST(ofStep(messages, 1).size() == 1U);
  BOOST_TEST(ofStep(messages, 2).size() == 1U);
  test::ManualClock later = clock;
  later.advance(std::chrono::hours(24 * 4));
  for (const Message& m : engine->claimDue(10, 60)) BOOST_TEST(m.step == 2);
  BOOST_TEST(engine->getLead(kCamp, "ava@acme.com")->position == 1);
}

// ---- Queued text is always current ----

BOOST_AUTO_TEST_CASE(a_paused_campaigns_queued_message_is_rerendered_when_the_lead_changes) {
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acme.com", "Ava", "Acme", "CEO")});
  (void)engine->pauseCampaign(kCamp);
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("ava@acme.com", "Ava", "Acme", "CTO")});
  const Message queued = engine->listMessages(kCamp).at(0);
  BOOST_TEST(queued.body.find("as CTO?") != std::string::npos);
  const Campaign c = *engine->getCampaign(kCamp);
  BOOST_TEST(queued.body == renderStep(c.steps[0], *engine->getLead(kCamp, "ava@acme.com")).body);
}

BOOST_AUTO_TEST_SUITE_END()
