// The event log (docs/events.md): what each call records, cursor semantics,
// filters, rollback, retention, and readers beside writers.
#define BOOST_TEST_MODULE event
#include <boost/test/unit_test.hpp>
#include <fmt/format.h>

#include <atomic>
#include <set>
#include <thread>

#include "leadterra/json.hpp"
#include "test_util.hpp"

using namespace leadterra;
using namespace leadterra::test;

namespace {

// Every event of the workspace, read page by page (`limit` at a time).
std::vector<Event> allEvents(CampaignEngine& engine, const std::string& workspace, std::int64_t limit = 1000,
                             EventQuery query = {}) {
  std::vector<Event> events;
  query.limit = limit;
  for (;;) {
    EventPage page = engine.events(workspace, query);
    events.insert(events.end(), page.events.begin(), page.events.end());
    if (page.cursor == query.afterCursor) return events;
    query.afterCursor = page.cursor;
  }
}

// "kind" or "kind:detail", one per event, after `from`.
std::vector<std::string> kindsOf(const std::vector<Event>& events, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < events.size(); ++i) {
    std::string k(toString(events[i].kind));
    if (!events[i].detail.empty()) k += ":" + events[i].detail;
    out.push_back(k);
  }
  return out;
}

using Kinds = std::vector<std::string>;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(events, EngineFixture)

BOOST_AUTO_TEST_CASE(a_campaign_from_creation_to_send_is_in_the_log_in_order) {
  seedCampaign();
  BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  BOOST_TEST(r.enrolled == 3);
  std::vector<Event> ev = allEvents(*engine, "ws_test");
  BOOST_TEST(kindsOf(ev) == (Kinds{"campaign_created", "leads_upserted"}), boost::test_tools::per_element());
  BOOST_TEST(ev[1].campaignId == "camp_01HZA1TPNQ8RD4KF");
  BOOST_TEST((ev[1].counts == std::map<std::string, std::int64_t>{{"enrolled", 3}}));
  BOOST_TEST(epoch(ev[1].at) == kSeedEpoch);

  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  ev = allEvents(*engine, "ws_test");
  BOOST_TEST(kindsOf(ev, 2) == (Kinds{"campaign_started", "message_queued", "message_queued", "message_queued"}),
             boost::test_tools::per_element());
  const std::vector<Message> queued = engine->listMessages("camp_01HZA1TPNQ8RD4KF");
  for (std::size_t i = 0; i < 3; ++i) {
    const Event& e = ev[3 + i];
    BOOST_TEST(e.messageId == queued[i].id);
    BOOST_TEST(e.leadId == queued[i].leadId);
    BOOST_TEST(e.step == 1);
    BOOST_TEST(e.variant == "A");
  }

  const std::vector<Message> claimed = engine->claimDue(1);
  engine->markSent(claimed[0].id);
  ev = allEvents(*engine, "ws_test");
  // The send queues the lead's step 2, three days later.
  BOOST_TEST(kindsOf(ev, 6) == (Kinds{"message_claimed", "message_sent", "message_queued"}),
             boost::test_tools::per_element());
  BOOST_TEST(ev[6].messageId == claimed[0].id);
  BOOST_TEST(ev[7].messageId == claimed[0].id);
  BOOST_TEST(ev[8].step == 2);
  BOOST_TEST(ev[8].leadId == claimed[0].leadId);

  // Cursors grow by one: nothing else was written in between.
  for (std::size_t i = 1; i < ev.size(); ++i) BOOST_TEST(ev[i].cursor == ev[i - 1].cursor + 1);
}

BOOST_AUTO_TEST_CASE(failures_retries_and_bounces) {
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", std::vector<LeadInput>{lead("ava@acmecorp.com", "Ava")});
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  const std::int64_t from = engine->events("ws_test").cursor;

  Message m = engine->claimDue(1).at(0);
  engine->markFailed(m.id, "421 try later", true);
  clock.advance(std::chrono::hours(1));
  m = engine->claimDue(1).at(0);
  engine->markFailed(m.id, "550 no such user", false);
  EventQuery q;
  q.afterCursor = from;
  const std::vector<Event> ev = engine->events("ws_test", q).events;
  BOOST_TEST(kindsOf(ev) == (Kinds{"message_claimed", "message_failed:retry", "message_claimed", "message_failed",
                                   "lead_status:bounced"}),
             boost::test_tools::per_element());
  // The failure's reason may quote the address; it stays with the message.
  for (const Event& e : ev) BOOST_TEST(json::toJson(e).find("550") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(signals_and_suppressions_come_before_what_they_cause) {
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  const Message m = engine->claimDue(1).at(0);
  engine->markSent(m.id);
  std::int64_t from = engine->events("ws_test").cursor;

  SignalInput reply;
  reply.kind = SignalKind::reply;
  reply.messageId = m.id;
  (void)engine->reportSignal(reply);
  EventQuery q;
  q.afterCursor = from;
  std::vector<Event> ev = engine->events("ws_test", q).events;
  BOOST_TEST(kindsOf(ev) == (Kinds{"signal:reply", "message_cancelled", "lead_status:replied"}),
             boost::test_tools::per_element());
  BOOST_TEST(ev[0].messageId == m.id);
  BOOST_TEST(ev[0].leadId == m.leadId);
  BOOST_TEST(ev[1].step == 2);

  from = ev.back().cursor;
  const std::vector<std::string> entries = {"buildfast.io"};
  (void)engine->addSuppressions("ws_test", entries);
  q.afterCursor = from;
  ev = engine->events("ws_test", q).events;
  BOOST_TEST(kindsOf(ev) == (Kinds{"suppression_added:manual", "lead_status:suppressed", "message_cancelled"}),
             boost::test_tools::per_element());
  BOOST_TEST((ev[0].counts == std::map<std::string, std::int64_t>{{"entries", 1}}));
  BOOST_TEST(ev[0].campaignId.empty());

  // Adding it again changes nothing and records nothing.
  from = ev.back().cursor;
  (void)engine->addSuppressions("ws_test", entries);
  BOOST_TEST(engine->events("ws_test").cursor == from);
  (void)engine->removeSuppressions("ws_test", entries);
  q.afterCursor = from;
  ev = engine->events("ws_test", q).events;
  BOOST_TEST(kindsOf(ev) == (Kinds{"suppression_removed"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(campaign_changes_pauses_and_winners) {
  seedCampaign();
  Step third{"Last one", "Bye {{firstName}}", StepFormat::text, 2};
  engine->addStep("camp_01HZA1TPNQ8RD4KF", third);
  CampaignSchedule schedule;
  schedule.dailyCap = 10;
  engine->setSchedule("camp_01HZA1TPNQ8RD4KF", schedule);
  engine->setStopRules("camp_01HZA1TPNQ8RD4KF", StopRules{});
  std::vector<StepVariant> variants = {{"A", "Hi", "a", 1}, {"B", "Hello", "b", 1}};
  engine->setStepVariants("camp_01HZA1TPNQ8RD4KF", 1, variants, WinnerRule{1, 0});
  engine->removeStep("camp_01HZA1TPNQ8RD4KF", 3);
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  engine->pauseCampaign("camp_01HZA1TPNQ8RD4KF");
  const std::vector<Event> ev = allEvents(*engine, "ws_test");
  BOOST_TEST(kindsOf(ev) == (Kinds{"campaign_created", "campaign_changed:steps", "campaign_changed:schedule",
                                   "campaign_changed:stopRules", "campaign_changed:variants",
                                   "campaign_changed:steps", "campaign_started", "campaign_paused:manual"}),
             boost::test_tools::per_element());
  BOOST_TEST(ev[1].step == 3);
  BOOST_TEST(ev[4].step == 1);

  // A winner rule deciding records the winner.
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  std::vector<LeadInput> leads;
  for (int i = 0; i < 6; ++i) leads.push_back(lead(fmt::format("p{}@example.com", i), "P"));
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", leads);
  for (const Message& m : engine->claimDue(10)) engine->markSent(m.id);
  EventQuery winners;
  winners.kinds = {EventKind::variant_winner};
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", std::vector<LeadInput>{lead("late@example.com")});
  const std::vector<Event> won = engine->events("ws_test", winners).events;
  BOOST_TEST_REQUIRE(won.size() == 1u);
  BOOST_TEST(won[0].step == 1);
  BOOST_TEST(won[0].variant == engine->stepWinners("camp_01HZA1TPNQ8RD4KF").at(0).variant);
}

BOOST_AUTO_TEST_CASE(a_call_that_writes_nothing_records_nothing) {
  seedCampaign();
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  const std::int64_t before = engine->events("ws_test").cursor;

  // A dry run runs the whole call, then rolls it back with its events.
  BulkOptions dry;
  dry.dryRun = true;
  BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads(), dry);
  BOOST_TEST(r.queued == 3);
  BOOST_TEST(engine->events("ws_test").cursor == before);
  BOOST_TEST(engine->events("ws_test").events.size() == 2u);  // created, started

  // A call that fails writes nothing.
  BOOST_TEST(errorCodeOf([&] { engine->addStep("camp_01HZA1TPNQ8RD4KF", seedSteps()[0]); }) == "conflict");
  const std::vector<std::string> bad = {"ok@example.com", "not an entry"};
  BOOST_TEST(errorCodeOf([&] { (void)engine->addSuppressions("ws_test", bad); }) == "invalid_argument");
  BOOST_TEST(engine->events("ws_test").cursor == before);

  // A replayed idempotent call returns its result and records nothing new.
  BulkOptions keyed;
  keyed.idempotencyKey = "k1";
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads(), keyed);
  const std::int64_t after = engine->events("ws_test").cursor;
  BOOST_TEST(after == before + 4);  // 3 queued, 1 upsert
  BOOST_TEST(engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads(), keyed).replayed);
  BOOST_TEST(engine->events("ws_test").cursor == after);
}

BOOST_AUTO_TEST_CASE(filters_pages_and_workspaces) {
  seedCampaign();
  seedCampaign("camp_other");
  engine->createWorkspace({"ws_two", "Two", {}});
  engine->createCampaign({"ws_two", "camp_two", "Two", seedSteps(), {}, {}});
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  (void)engine->bulkUpsert("camp_other", seedLeads());
  (void)engine->bulkUpsert("camp_two", seedLeads());
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  engine->startCampaign("camp_other");

  const std::vector<Event> all = allEvents(*engine, "ws_test");
  BOOST_TEST(all.size() == 12u);  // 2 created, 2 upserts, 2 started, 6 queued
  for (const Event& e : all) BOOST_TEST(e.workspaceId == "ws_test");
  // Page by page gives the same events, in the same order.
  BOOST_TEST((allEvents(*engine, "ws_test", 5) == all));
  BOOST_TEST((allEvents(*engine, "ws_test", 1) == all));

  EventQuery q;
  q.kinds = {EventKind::message_queued};
  q.campaignId = "camp_other";
  EventPage page = engine->events("ws_test", q);
  BOOST_TEST(page.events.size() == 3u);
  for (const Event& e : page.events) {
    BOOST_TEST(e.kind == EventKind::message_queued);
    BOOST_TEST(e.campaignId == "camp_other");
  }
  // A short page moves the cursor past what it examined: the newest event.
  BOOST_TEST(page.cursor == all.back().cursor);
  q.afterCursor = page.cursor;
  page = engine->events("ws_test", q);
  BOOST_TEST(page.events.empty());
  BOOST_TEST(page.cursor == all.back().cursor);

  // The other workspace sees only its own.
  BOOST_TEST(kindsOf(allEvents(*engine, "ws_two")) == (Kinds{"campaign_created", "leads_upserted"}),
             boost::test_tools::per_element());

  EventQuery bad;
  bad.limit = 0;
  BOOST_TEST(errorCodeOf([&] { (void)engine->events("ws_test", bad); }) == "invalid_argument");
  bad.limit = 1001;
  BOOST_TEST(errorCodeOf([&] { (void)engine->events("ws_test", bad); }) == "invalid_argument");
  bad = {};
  bad.afterCursor = -1;
  BOOST_TEST(errorCodeOf([&] { (void)engine->events("ws_test", bad); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)engine->events("ws_none"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->events("ws_test", {}, Scope{"ws_two"}); }) == "not_found");
  BOOST_TEST(engine->events("ws_test", {}, Scope{"ws_test"}).events.size() == 12u);
}

BOOST_AUTO_TEST_CASE(events_hold_no_personal_data) {
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  for (const Message& m : engine->claimDue(10)) engine->markSent(m.id);
  SignalInput bounce;
  bounce.kind = SignalKind::bounceHard;
  bounce.workspaceId = "ws_test";
  bounce.email = "marcus@buildfast.io";
  (void)engine->reportSignal(bounce);
  const std::vector<Event> ev = allEvents(*engine, "ws_test");
  BOOST_TEST(ev.size() > 10u);
  for (const Event& e : ev) {
    const std::string text = json::toJson(e);
    for (const char* personal : {"@", "Ava", "Chen", "Marcus", "Acme", "VP Sales"}) {
      BOOST_TEST(text.find(personal) == std::string::npos, text << " holds " << personal);
    }
  }
}

BOOST_AUTO_TEST_CASE(retention_by_count_keeps_the_newest_and_cursors_go_on) {
  Options options;
  options.clock = clock.clock();
  options.eventMaxCount = 4;
  engine.reset();
  engine = CampaignEngine::open(path, options);
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  const std::vector<Event> before = allEvents(*engine, "ws_test");
  BOOST_TEST(before.size() == 6u);  // retention runs inside claimDue only

  (void)engine->claimDue(1);  // + message_claimed, then prunes
  const std::vector<Event> after = allEvents(*engine, "ws_test");
  BOOST_TEST_REQUIRE(after.size() == 4u);
  BOOST_TEST(after.front().cursor == before.back().cursor - 2);
  BOOST_TEST(after.back().kind == EventKind::message_claimed);
  BOOST_TEST(after.back().cursor == before.back().cursor + 1);

  // A reader whose cursor was pruned away reads on from the oldest kept.
  EventQuery q;
  q.afterCursor = before.front().cursor;
  BOOST_TEST(engine->events("ws_test", q).events.front().cursor == after.front().cursor);
}

BOOST_AUTO_TEST_CASE(retention_by_age) {
  Options options;
  options.clock = clock.clock();
  options.eventMaxAge = std::chrono::hours(24);
  engine.reset();
  engine = CampaignEngine::open(path, options);
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  (void)engine->claimDue(1);  // nothing is old yet
  BOOST_TEST(allEvents(*engine, "ws_test").size() == 2u);

  clock.advance(std::chrono::hours(23));
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");  // 4 events, 23 h after the first two
  clock.advance(std::chrono::hours(2));
  (void)engine->claimDue(1);
  const std::vector<Event> ev = allEvents(*engine, "ws_test");
  BOOST_TEST(kindsOf(ev) == (Kinds{"campaign_started", "message_queued", "message_queued", "message_queued",
                                   "message_claimed"}),
             boost::test_tools::per_element());

  // With no limits set, nothing is ever pruned.
  options.eventMaxAge = std::chrono::seconds(0);
  engine.reset();
  engine = CampaignEngine::open(path, options);
  clock.advance(std::chrono::days(400));
  (void)engine->claimDue(1);
  BOOST_TEST(allEvents(*engine, "ws_test").size() == 6u);
}

BOOST_AUTO_TEST_CASE(an_engine_opened_without_the_log_writes_no_event) {
  seedCampaign();
  Options options;
  options.clock = clock.clock();
  options.eventLog = false;
  engine.reset();
  engine = CampaignEngine::open(path, options);
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  for (const Message& m : engine->claimDue(10)) engine->markSent(m.id);
  BOOST_TEST(kindsOf(allEvents(*engine, "ws_test")) == (Kinds{"campaign_created"}), boost::test_tools::per_element());

  // Opened with it again, the log goes on where it was.
  reopen();
  SignalInput reply;
  reply.kind = SignalKind::reply;
  reply.workspaceId = "ws_test";
  reply.campaignId = "camp_01HZA1TPNQ8RD4KF";
  reply.email = "ava@acmecorp.com";
  (void)engine->reportSignal(reply);
  const std::vector<Event> ev = allEvents(*engine, "ws_test");
  BOOST_TEST(kindsOf(ev, 1) == (Kinds{"signal:reply", "message_cancelled", "lead_status:replied"}),
             boost::test_tools::per_element());
  BOOST_TEST(ev[1].cursor == ev[0].cursor + 1);
}

// A reader polling while three engines write on the same file never finds an
// event below a cursor it has passed: what it collects, page by page, is
// exactly the log at the end, in order.
BOOST_AUTO_TEST_CASE(a_reader_beside_writers_sees_no_gaps) {
  seedCampaign();
  engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  std::atomic<int> writing{3};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([this, w, &writing] {
      Options options;
      options.clock = clock.clock();
      options.busyTimeout = std::chrono::seconds(30);
      auto mine = CampaignEngine::open(path, options);
      for (int i = 0; i < 40; ++i) {
        (void)mine->bulkUpsert("camp_01HZA1TPNQ8RD4KF",
                               std::vector<LeadInput>{lead(fmt::format("w{}n{}@example.com", w, i), "X")});
        if (i % 4 == 0) {
          for (const Message& m : mine->claimDue(2)) mine->markSent(m.id);
        }
      }
      --writing;
    });
  }
  std::vector<Event> seen;
  EventQuery q;
  q.limit = 7;
  for (;;) {
    const bool last = writing.load() == 0;  // one more pass after the writers finish
    const EventPage page = engine->events("ws_test", q);
    for (const Event& e : page.events) {
      BOOST_TEST_REQUIRE(e.cursor > q.afterCursor);
      seen.push_back(e);
    }
    BOOST_TEST_REQUIRE(page.cursor >= q.afterCursor);
    if (last && page.cursor == q.afterCursor) break;
    q.afterCursor = page.cursor;
  }
  for (std::thread& t : writers) t.join();
  const std::vector<Event> all = allEvents(*engine, "ws_test");
  BOOST_TEST(seen.size() == all.size());
  BOOST_TEST((seen == all));
  std::set<std::int64_t> cursors;
  for (const Event& e : all) cursors.insert(e.cursor);
  BOOST_TEST(cursors.size() == all.size());
  BOOST_TEST(*cursors.rbegin() - *cursors.begin() + 1 == static_cast<std::int64_t>(all.size()));  // no gap
}

BOOST_AUTO_TEST_SUITE_END()
