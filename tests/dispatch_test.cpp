// Dispatch (SPEC section 7): claiming due messages with leases, and what
// sent, failed and replied do to a lead's sequence.
#define BOOST_TEST_MODULE dispatch
#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <set>
#include <thread>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::epoch;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";


struct Running : EngineFixture {
  Running() {
    seedCampaign();
    (void)engine->bulkUpsert(kCamp, seedLeads());
    (void)engine->startCampaign(kCamp);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dispatch, Running)

BOOST_AUTO_TEST_CASE(claim_hands_out_due_messages_with_a_lease) {
  const auto claimed = engine->claimDue(2, 600);
  BOOST_REQUIRE_EQUAL(claimed.size(), 2U);
  for (const Message& m : claimed) {
    BOOST_TEST(toString(m.status) == "claimed");
    BOOST_TEST(m.attempts == 1);
    BOOST_TEST(epoch(m.leaseUntil.value()) == test::kSeedEpoch + 600);
  }
  BOOST_TEST(engine->claimDue(10, 600).size() == 1U);  // the third one
  BOOST_TEST(engine->claimDue(10, 600).empty());       // all leased
}

BOOST_AUTO_TEST_CASE(a_claimed_message_is_the_public_render_of_its_step_for_its_lead) {
  const Campaign c = *engine->getCampaign(kCamp);
  for (const Message& m : engine->claimDue(10, 600)) {
    const Lead lead = *engine->getLead(kCamp, m.email);
    const RenderedStep expected = renderStep(c.steps.at(static_cast<std::size_t>(m.step - 1)), lead);
    BOOST_TEST(m.subject == expected.subject);
    BOOST_TEST(m.body == expected.body);
  }
  // The preview of a lead that is not stored renders as if it were enrolled.
  LeadInput preview = lead("  Zoe@Example.COM ", "Zoe", "Zed Inc");
  preview.customFields = R"({"city": "Oslo"})";
  const RenderedStep p = renderStep({"Hi {{firstName}} <<email>>", "{{company}} in {{city}}", StepFormat::text, 0}, preview);
  BOOST_TEST(p.subject == "Hi Zoe zoe@example.com");
  BOOST_TEST(p.body == "Zed Inc in Oslo");
}

BOOST_AUTO_TEST_CASE(a_step_renderer_renders_what_render_step_renders_for_every_lead) {
  const Campaign c = *engine->getCampaign(kCamp);
  std::vector<StepRenderer> renderers;
  for (const Step& step : c.steps) renderers.emplace_back(step);
  BOOST_TEST(renderers.at(1).step().subject == c.steps.at(1).subject);
  const StepRenderer copy = renderers.at(0);  // copies share the parsed step
  for (const Message& m : engine->claimDue(10, 600)) {
    const Lead lead = *engine->getLead(kCamp, m.email);
    const RenderedStep rendered = copy.render(lead);
    BOOST_TEST(rendered.subject == m.subject);
    BOOST_TEST(rendered.body == m.body);
    BOOST_TEST((renderers.at(1).render(lead) == renderStep(c.steps.at(1), lead)));
  }
  // One renderer, leads that differ: each its own text; an html step escapes.
  const StepRenderer html({"To {{firstName}}", "<p>{{company}}</p>", StepFormat::html, 0});
  BOOST_TEST(html.render(lead("a@x.io", "Ann", "A & B")).body == "<p>A &amp; B</p>");
  BOOST_TEST(html.render(lead("b@x.io", "Bo\r\nBcc: e@evil.io", "C")).subject == "To Bo Bcc: e@evil.io");
}

BOOST_AUTO_TEST_CASE(messages_not_yet_due_are_not_claimed) {
  seedCampaign("camp_later", {{"s", "b", StepFormat::text, 1}});
  (void)engine->startCampaign("camp_later");
  (void)engine->bulkUpsert("camp_later", std::vector<LeadInput>{lead("x@acme.com")});
  BOOST_TEST(engine->claimDue(10, 60).size() == 3U);  // only the seed campaign's
  clock.advance(std::chrono::hours(24));
  const auto later = engine->claimDue(10, 60);
  bool found = false;
  for (const Message& m : later) found |= m.email == "x@acme.com";
  BOOST_TEST(found);
}

BOOST_AUTO_TEST_CASE(an_expired_lease_is_claimed_again) {
  const auto first = engine->claimDue(1, 60);
  clock.advance(std::chrono::seconds(59));
  for (const Message& m : engine->claimDue(10, 60)) BOOST_TEST(m.id != first[0].id);
  clock.advance(std::chrono::seconds(1));  // leaseUntil <= now: expired
  const auto again = engine->claimDue(10, 60);
  BOOST_REQUIRE_EQUAL(again.size(), 1U);
  BOOST_TEST(again[0].id == first[0].id);
  BOOST_TEST(again[0].attempts == 2);
}

BOOST_AUTO_TEST_CASE(paused_campaigns_hand_out_nothing) {
  (void)engine->pauseCampaign(kCamp);
  BOOST_TEST(engine->claimDue(10, 60).empty());
}

BOOST_AUTO_TEST_CASE(sent_advances_the_position_and_queues_the_next_step) {
  const Message m = engine->claimDue(1, 60).at(0);
  clock.advance(std::chrono::minutes(10));
  const Message sent = engine->markSent(m.id);
  BOOST_TEST(toString(sent.status) == "sent");
  BOOST_TEST(epoch(sent.sentAt.value()) == test::kSeedEpoch + 600);
  BOOST_TEST(engine->getLead(kCamp, m.email)->position == 1);
  std::vector<Message> next;
  for (const Message& q : engine->listMessages(kCamp, MessageStatus::queued)) {
    if (q.email == m.email) next.push_back(q);
  }
  BOOST_REQUIRE_EQUAL(next.size(), 1U);
  BOOST_TEST(next[0].step == 2);
  BOOST_TEST(epoch(next[0].scheduledAt) == test::kSeedEpoch + 600 + 3 * 86400);  // send time + 3 days

  // Repeating it changes nothing.
  const Message again = engine->markSent(m.id);
  BOOST_TEST(epoch(again.sentAt.value()) == epoch(sent.sentAt.value()));
  BOOST_TEST(engine->getLead(kCamp, m.email)->position == 1);
  BOOST_TEST(engine->listMessages(kCamp).size() == 4U);
}

BOOST_AUTO_TEST_CASE(the_last_step_sent_completes_the_lead) {
  const Message m1 = engine->claimDue(1, 60).at(0);
  (void)engine->markSent(m1.id);
  clock.advance(std::chrono::hours(24 * 3));
  Message m2;
  for (const Message& m : engine->claimDue(10, 60)) {
    if (m.email == m1.email) m2 = m;
  }
  BOOST_REQUIRE_EQUAL(m2.step, 2);
  (void)engine->markSent(m2.id);
  const Lead lead = *engine->getLead(kCamp, m1.email);
  BOOST_TEST(lead.position == 2);
  BOOST_TEST(toString(lead.status) == "completed");
}

BOOST_AUTO_TEST_CASE(retryable_failures_back_off_and_the_fifth_is_final) {
  const std::string id = engine->claimDue(1, 60).at(0).id;
  const std::string email = engine->listMessages(kCamp, MessageStatus::claimed).at(0).email;
  for (std::int64_t attempt = 1; attempt <= 4; ++attempt) {
    const Message failed = engine->markFailed(id, "421 try later", true);
    BOOST_TEST(toString(failed.status) == "queued");
    BOOST_TEST(failed.lastError.value() == "421 try later");
    const std::int64_t backoff = 300 * (std::int64_t{1} << (attempt - 1));
    BOOST_TEST(epoch(failed.scheduledAt) == epoch(clock.now()) + backoff);
    clock.advance(std::chrono::seconds(backoff));
    bool reclaimed = false;
    for (const Message& m : engine->claimDue(10, 60)) reclaimed |= m.id == id;
    BOOST_REQUIRE(reclaimed);
  }
  const Message last = engine->markFailed(id, "421 try later", true);
  BOOST_TEST(toString(last.status) == "failed");
  BOOST_TEST(last.attempts == 5);
  BOOST_TEST(toString(engine->getLead(kCamp, email)->status) == "bounced");
}

BOOST_AUTO_TEST_CASE(a_permanent_failure_bounces_the_lead) {
  const Message m = engine->claimDue(1, 60).at(0);
  const Message failed = engine->markFailed(m.id, "550 no such user", false);
  BOOST_TEST(toString(failed.status) == "failed");
  const Lead bounced = *engine->getLead(kCamp, m.email);
  BOOST_TEST(toString(bounced.status) == "bounced");
  BOOST_TEST(bounced.position == 0);
  // A bounced lead is not queued again by an upsert.
  const BulkResult r = engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead(m.email, "New")});
  BOOST_TEST(r.queued == 0);
  BOOST_TEST(errorCodeOf([&] { engine->markSent(m.id); }) == "conflict");
}

BOOST_AUTO_TEST_CASE(a_reply_stops_the_lead_for_good) {
  const ReplyResult r = engine->markReplied(kCamp, " Ava@AcmeCorp.com");
  BOOST_TEST(toString(r.lead.status) == "replied");
  BOOST_TEST(r.messagesCancelled == 1);
  BOOST_TEST(r.lead.email == "ava@acmecorp.com");
  const BulkResult again = engine->bulkUpsert(kCamp, seedLeads());
  BOOST_TEST(again.queued == 0);
  BOOST_TEST(toString(engine->getLead(kCamp, "ava@acmecorp.com")->status) == "replied");
  for (const Message& m : engine->claimDue(10, 60)) BOOST_TEST(m.email != "ava@acmecorp.com");
  BOOST_TEST(errorCodeOf([&] { engine->markReplied(kCamp, "nobody@acme.com"); }) == "not_found");
}

BOOST_AUTO_TEST_CASE(a_message_cancelled_while_claimed_is_recorded_as_sent_and_queues_nothing) {
  const Message m = engine->claimDue(1, 60).at(0);
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{m.email});
  BOOST_TEST(toString(engine->listMessages(kCamp, MessageStatus::cancelled).at(0).status) == "cancelled");
  const Message sent = engine->markSent(m.id);
  BOOST_TEST(toString(sent.status) == "sent");
  const Lead lead = *engine->getLead(kCamp, m.email);
  BOOST_TEST(lead.position == 1);  // it went out: never send step 1 again
  BOOST_TEST(toString(lead.status) == "suppressed");
  for (const Message& q : engine->listMessages(kCamp, MessageStatus::queued)) BOOST_TEST(q.email != m.email);
}

// listMessages: oldest first, i.e. in the order the messages were queued,
// whatever happened to them since (sent, failed and queued again, cancelled)
// and whatever their emails or due times. Each upsert here queues one lead,
// or leads already in alphabetical order, so the expected order holds
// whichever order one call queues its rows in.
BOOST_AUTO_TEST_CASE(messages_are_listed_oldest_first_after_sends_and_requeues) {
  // Queued by start, in this order: ava, marcus, priya, step 1.
  clock.advance(std::chrono::hours(1));
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("zed@zeta.com", "Zed")});
  clock.advance(std::chrono::hours(1));
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("bea@acme.com", "Bea")});  // first by email
  clock.advance(std::chrono::hours(1));

  std::map<std::string, Message> claimed;
  for (const Message& m : engine->claimDue(10, 3600)) claimed[m.email] = m;
  BOOST_REQUIRE_EQUAL(claimed.size(), 5U);
  (void)engine->markSent(claimed.at("priya@nexusai.com").id);                  // queues priya's step 2
  (void)engine->markFailed(claimed.at("ava@acmecorp.com").id, "later", true);  // ava's step 1 queued again, due later
  clock.advance(std::chrono::minutes(1));
  (void)engine->markSent(claimed.at("bea@acme.com").id);  // queues bea's step 2
  clock.advance(std::chrono::minutes(1));
  // Zed's claimed step 1 is cancelled by a suppression; once lifted, his next
  // upsert queues that same message again, in its place (one row per step).
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"zed@zeta.com"});
  (void)engine->removeSuppressions("ws_test", std::vector<std::string>{"zed@zeta.com"});
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("zed@zeta.com", "Zed")});

  // "email step status", in the listed order.
  auto listed = [&](std::optional<MessageStatus> status) {
    std::vector<std::string> out;
    for (const Message& m : engine->listMessages(kCamp, status)) {
      out.push_back(m.email + " " + std::to_string(m.step) + " " + std::string(toString(m.status)));
    }
    return out;
  };
  const std::vector<std::string> all{
      "ava@acmecorp.com 1 queued", "marcus@buildfast.io 1 claimed", "priya@nexusai.com 1 sent",
      "zed@zeta.com 1 queued",     "bea@acme.com 1 sent",           "priya@nexusai.com 2 queued",
      "bea@acme.com 2 queued",
  };
  BOOST_TEST(listed(std::nullopt) == all, boost::test_tools::per_element());
  const std::vector<std::string> queued{"ava@acmecorp.com 1 queued", "zed@zeta.com 1 queued",
                                        "priya@nexusai.com 2 queued", "bea@acme.com 2 queued"};
  BOOST_TEST(listed(MessageStatus::queued) == queued, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_message_ids_are_not_found) {
  BOOST_TEST(errorCodeOf([&] { engine->markSent("msg_nope"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { engine->markFailed("msg_nope", "x", true); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->claimDue(0, 60); }) == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(two_engines_claiming_at_once_never_share_a_message) {
  // 200 more leads, then two engines on the same file claim in small bites.
  std::vector<LeadInput> many;
  for (int i = 0; i < 200; ++i) many.push_back(lead("l" + std::to_string(i) + "@acme.com"));
  (void)engine->bulkUpsert(kCamp, many);
  std::vector<std::string> a, b;
  auto worker = [&](std::vector<std::string>& out) {
    Options options;
    options.clock = clock.clock();
    auto mine = CampaignEngine::open(path, options);
    for (int i = 0; i < 60; ++i) {
      for (const Message& m : mine->claimDue(3, 600)) out.push_back(m.id);
    }
  };
  std::thread t1(worker, std::ref(a));
  std::thread t2(worker, std::ref(b));
  t1.join();
  t2.join();
  std::set<std::string> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  BOOST_TEST(all.size() == a.size() + b.size());  // no message twice
  BOOST_TEST(all.size() == 203U);                  // and every one handed out
}

BOOST_AUTO_TEST_SUITE_END()
