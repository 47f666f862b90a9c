// Send windows and daily caps (SPEC section 11), in IANA time zones and
// across daylight-saving changes.
#define BOOST_TEST_MODULE schedule
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace leadterra;
using namespace std::chrono;
using leadterra::test::EngineFixture;
using leadterra::test::epoch;
using leadterra::test::errorCodeOf;

namespace {

std::int64_t utc(year_month_day day, int hour, int minute = 0) {
  return duration_cast<seconds>((sys_days{day} + hours{hour} + minutes{minute}).time_since_epoch()).count();
}


SendWindow window(std::initializer_list<int> days, int start, int end) {
  SendWindow w;
  w.days.fill(false);
  for (int d : days) w.days[static_cast<std::size_t>(d)] = true;  // 0 = Monday
  w.startHour = start;
  w.endHour = end;
  return w;
}

struct Scheduled : EngineFixture {
  // A one-step running campaign with the given schedule; returns the
  // scheduledAt of a lead enrolled now.
  std::int64_t enrollAt(std::int64_t now, const CampaignSchedule& schedule, double delayDays = 0) {
    clock.set(now);
    if (!engine->getWorkspace("ws_test")) engine->createWorkspace({"ws_test", ""});
    const std::string id = "camp_" + std::to_string(++campaigns);
    engine->createCampaign({"ws_test", id, "S", {{"s", "b", StepFormat::text, delayDays}}, schedule});
    (void)engine->startCampaign(id);
    (void)engine->bulkUpsert(id, std::vector<LeadInput>{lead("a@acme.com")});
    return epoch(engine->listMessages(id).at(0).scheduledAt);
  }
  int campaigns = 0;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(schedule, Scheduled)

BOOST_AUTO_TEST_CASE(without_a_window_mail_is_due_at_once) {
  BOOST_TEST(enrollAt(utc(2025y / June / 14d, 3), {}) == utc(2025y / June / 14d, 3));
}

BOOST_AUTO_TEST_CASE(a_weekend_enrollment_waits_for_monday_morning_in_the_campaigns_zone) {
  CampaignSchedule s;
  s.timeZone = "Europe/Oslo";  // UTC+2 in June
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  // Saturday 2025-06-14 12:00 UTC -> Monday 09:00 Oslo = 07:00 UTC.
  BOOST_TEST(enrollAt(utc(2025y / June / 14d, 12), s) == utc(2025y / June / 16d, 7));
  // Inside the window: at once.
  BOOST_TEST(enrollAt(utc(2025y / June / 16d, 8), s) == utc(2025y / June / 16d, 8));
  // Exactly at the end hour: closed (the end is exclusive) -> next day 09:00.
  BOOST_TEST(enrollAt(utc(2025y / June / 16d, 15), s) == utc(2025y / June / 17d, 7));
}

BOOST_AUTO_TEST_CASE(the_delay_is_added_before_the_window_is_applied) {
  CampaignSchedule s;
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  // Friday 2025-06-13 10:00 + 1 day = Saturday -> Monday 09:00.
  BOOST_TEST(enrollAt(utc(2025y / June / 13d, 10), s, 1.0) == utc(2025y / June / 16d, 9));
}

BOOST_AUTO_TEST_CASE(a_window_across_midnight_belongs_to_the_day_it_opens) {
  CampaignSchedule s;
  s.sendWindow = window({4}, 22, 6);  // Friday 22:00 to Saturday 06:00, UTC
  BOOST_TEST(enrollAt(utc(2025y / June / 14d, 3), s) == utc(2025y / June / 14d, 3));   // Saturday 03:00: open
  BOOST_TEST(enrollAt(utc(2025y / June / 14d, 6), s) == utc(2025y / June / 20d, 22));  // Saturday 06:00: closed
  BOOST_TEST(enrollAt(utc(2025y / June / 13d, 21), s) == utc(2025y / June / 13d, 22));
}

BOOST_AUTO_TEST_CASE(a_skipped_local_hour_opens_at_the_change) {
  // America/New_York, Sunday 2025-03-09: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  CampaignSchedule s;
  s.timeZone = "America/New_York";
  s.sendWindow = window({6}, 2, 4);
  BOOST_TEST(enrollAt(utc(2025y / March / 9d, 5), s) == utc(2025y / March / 9d, 7));
}

BOOST_AUTO_TEST_CASE(a_repeated_local_hour_opens_at_its_first_occurrence) {
  // America/New_York, Sunday 2025-11-02: 01:00-02:00 happens twice; the first
  // 01:00 is EDT (05:00 UTC).
  CampaignSchedule s;
  s.timeZone = "America/New_York";
  s.sendWindow = window({6}, 1, 3);
  BOOST_TEST(enrollAt(utc(2025y / November / 2d, 4), s) == utc(2025y / November / 2d, 5));
}

BOOST_AUTO_TEST_CASE(nothing_is_handed_out_outside_the_window) {
  CampaignSchedule s;
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  const std::int64_t due = enrollAt(utc(2025y / June / 16d, 16), s);  // Monday 16:00: due at once
  BOOST_TEST(due == utc(2025y / June / 16d, 16));
  clock.set(utc(2025y / June / 16d, 18));  // the sender was away until after closing
  BOOST_TEST(engine->claimDue(10, 60).empty());
  clock.set(utc(2025y / June / 17d, 9));
  BOOST_TEST(engine->claimDue(10, 60).size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_daily_cap_is_reached_mid_claim_and_resets_the_next_day) {
  clock.set(utc(2025y / June / 16d, 10));
  engine->createWorkspace({"ws_test", ""});
  CampaignSchedule s;
  s.timeZone = "Asia/Tokyo";  // UTC+9
  s.dailyCap = 2;
  engine->createCampaign({"ws_test", "camp_cap", "Cap", {{"s", "b", StepFormat::text, 0}}, s});
  std::vector<LeadInput> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(lead("l" + std::to_string(i) + "@acme.com"));
  (void)engine->bulkUpsert("camp_cap", rows);
  (void)engine->startCampaign("camp_cap");
  BOOST_TEST(engine->claimDue(10, 60).size() == 2U);  // the cap stops the claim at 2 of 5
  BOOST_TEST(engine->claimDue(10, 60).empty());
  clock.set(utc(2025y / June / 16d, 14, 59));  // 23:59 in Tokyo: same day
  BOOST_TEST(engine->claimDue(10, 60).empty());
  clock.set(utc(2025y / June / 16d, 15));  // midnight in Tokyo: a new day
  BOOST_TEST(engine->claimDue(10, 60).size() == 2U);
}

BOOST_AUTO_TEST_CASE(caps_count_per_campaign) {
  clock.set(utc(2025y / June / 16d, 10));
  seedCampaign();
  CampaignSchedule s;
  s.dailyCap = 1;
  (void)engine->setSchedule("camp_01HZA1TPNQ8RD4KF", s);
  seedCampaign("camp_free");
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  (void)engine->bulkUpsert("camp_free", seedLeads());
  (void)engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  (void)engine->startCampaign("camp_free");
  BOOST_TEST(engine->claimDue(100, 60).size() == 4U);  // 1 capped + 3 free
}

BOOST_AUTO_TEST_CASE(set_schedule_moves_queued_messages_into_the_window) {
  clock.set(utc(2025y / June / 14d, 12));  // Saturday
  seedCampaign();
  (void)engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", seedLeads());
  (void)engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  CampaignSchedule s;
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  const Campaign c = engine->setSchedule("camp_01HZA1TPNQ8RD4KF", s);
  BOOST_TEST((c.schedule == s));
  for (const Message& m : engine->listMessages("camp_01HZA1TPNQ8RD4KF")) {
    BOOST_TEST(epoch(m.scheduledAt) == utc(2025y / June / 16d, 9));
  }
  BOOST_TEST((engine->getCampaign("camp_01HZA1TPNQ8RD4KF")->schedule == s));  // stored
}

BOOST_AUTO_TEST_CASE(a_retry_waits_for_the_window) {
  CampaignSchedule s;
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  (void)enrollAt(utc(2025y / June / 16d, 16, 58), s);
  const Message m = engine->claimDue(1, 60).at(0);
  const Message retry = engine->markFailed(m.id, "421", true);  // +5 min = 17:03: closed
  BOOST_TEST(epoch(retry.scheduledAt) == utc(2025y / June / 17d, 9));
}

BOOST_AUTO_TEST_CASE(bad_schedules_are_invalid_arguments) {
  seedCampaign();
  CampaignSchedule zone;
  zone.timeZone = "Mars/Olympus_Mons";
  BOOST_TEST(errorCodeOf([&] { engine->setSchedule("camp_01HZA1TPNQ8RD4KF", zone); }) == "invalid_argument");
  CampaignSchedule hours;
  hours.sendWindow = window({0}, 9, 25);
  BOOST_TEST(errorCodeOf([&] { engine->setSchedule("camp_01HZA1TPNQ8RD4KF", hours); }) == "invalid_argument");
  CampaignSchedule noDays;
  noDays.sendWindow = window({}, 9, 17);
  BOOST_TEST(errorCodeOf([&] { engine->setSchedule("camp_01HZA1TPNQ8RD4KF", noDays); }) == "invalid_argument");
  CampaignSchedule cap;
  cap.dailyCap = 0;
  BOOST_TEST(errorCodeOf([&] { engine->setSchedule("camp_01HZA1TPNQ8RD4KF", cap); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { engine->createCampaign({"ws_test", "camp_z", "Z", {}, zone}); }) == "invalid_argument");
}

BOOST_AUTO_TEST_SUITE_END()
