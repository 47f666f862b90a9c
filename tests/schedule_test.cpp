// Send windows and daily caps (SPEC section 11), in IANA time zones and
// across daylight-saving changes.
#define BOOST_TEST_MODULE schedule
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"

extern char** environ;

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

// ---- Without a time zone database ----
//
// The date library reads the system's database from /usr/share/zoneinfo, a
// path fixed when it was built. The tests below hide it for real: this test
// program runs again, as a child, in a private mount namespace (unshare) with
// a tmpfs mounted over /usr/share (the directory is then missing) or over
// /usr/share/zoneinfo (it is then empty), and there runs one test case that
// is disabled in normal runs. The child's exit status is its verdict.

constexpr const char* kHiddenVariable = "LEADTERRA_TEST_TZ_HIDDEN";

// Runs `argv` (searched in PATH) with stdout and stderr into `log`; its exit
// status, or -1 when it could not run or did not exit.
int spawnAndWait(std::vector<std::string> argv, const std::string& log, const std::vector<std::string>& extraEnv = {}) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  std::vector<std::string> envStrings(extraEnv);
  std::vector<char*> env;
  for (std::string& e : envStrings) env.push_back(e.data());
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// `command` in a private mount namespace with a tmpfs over `mountPoint`.
std::vector<std::string> withTmpfsOver(const std::string& mountPoint, std::vector<std::string> command) {
  std::vector<std::string> argv = {"unshare", "--map-root-user", "--mount", "sh", "-c",
                                   R"(mount -t tmpfs tmpfs "$1" && shift && exec "$@")", "sh", mountPoint};
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

// Whether this machine lets a test hide a directory that way (root, or
// unprivileged user namespaces).
boost::test_tools::assertion_result canHideDirectories(boost::unit_test::test_unit_id) {
  leadterra::test::TempDir dir;
  const int status = spawnAndWait(withTmpfsOver(dir.path().string(), {"true"}), dir.file("log"));
  boost::test_tools::assertion_result result(status == 0);
  result.message() << "a private mount namespace is not available here (unshare --map-root-user --mount)";
  return result;
}

// Runs the disabled child test case under a tmpfs over `mountPoint`; its
// exit status and output.
std::pair<int, std::string> runChild(const std::string& mountPoint, const std::string& hidden) {
  leadterra::test::TempDir dir;
  const std::string log = dir.file("child.log");
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const int status = spawnAndWait(
      withTmpfsOver(mountPoint, {self, "--run_test=schedule/without_a_database_child", "--color_output=no"}), log,
      {std::string(kHiddenVariable) + "=" + hidden});
  return {status, leadterra::test::readFile(log)};
}

struct Scheduled : EngineFixture {
  // A one-step running campaign with the given schedule; returns the
  // scheduledAt of a lead enrolled now.
  std::int64_t enrollAt(std::int64_t now, const CampaignSchedule& schedule, double delayDays = 0) {
    clock.set(now);
    if (!engine->getWorkspace("ws_test")) engine->createWorkspace({"ws_test", "", {}});
    const std::string id = "camp_" + std::to_string(++campaigns);
    engine->createCampaign({"ws_test", id, "S", {{"s", "b", StepFormat::text, delayDays}}, schedule, {}});
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
  engine->createWorkspace({"ws_test", "", {}});
  CampaignSchedule s;
  s.timeZone = "Asia/Tokyo";  // UTC+9
  s.dailyCap = 2;
  engine->createCampaign({"ws_test", "camp_cap", "Cap", {{"s", "b", StepFormat::text, 0}}, s, {}});
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
  BOOST_TEST(errorCodeOf([&] { engine->createCampaign({"ws_test", "camp_z", "Z", {}, zone, {}}); }) == "invalid_argument");
}

BOOST_AUTO_TEST_CASE(a_missing_time_zone_database_is_a_storage_error_and_utc_still_works,
                     *boost::unit_test::precondition(canHideDirectories)) {
  const auto [status, log] = runChild("/usr/share", "missing");
  BOOST_TEST(status == 0, "the child (no /usr/share/zoneinfo) failed:\n" << log);
}

BOOST_AUTO_TEST_CASE(an_empty_time_zone_database_is_a_storage_error_and_utc_still_works,
                     *boost::unit_test::precondition(canHideDirectories)) {
  const auto [status, log] = runChild("/usr/share/zoneinfo", "empty");
  BOOST_TEST(status == 0, "the child (an empty /usr/share/zoneinfo) failed:\n" << log);
}

// Runs only as the child of the two tests above, in a namespace where the
// database is hidden.
BOOST_AUTO_TEST_CASE(without_a_database_child, *boost::unit_test::disabled()) {
  const char* hidden = std::getenv(kHiddenVariable);
  BOOST_TEST_REQUIRE(hidden != nullptr, "run only by the tests above");
  // The database is really gone: missing, or an empty directory.
  BOOST_TEST_REQUIRE(!std::filesystem::exists("/usr/share/zoneinfo/Europe/Oslo"));
  BOOST_TEST_REQUIRE(std::filesystem::exists("/usr/share/zoneinfo") == (std::string(hidden) == "empty"));

  // UTC, the default, needs no database: a window and a cap work.
  CampaignSchedule s;
  s.sendWindow = window({0, 1, 2, 3, 4}, 9, 17);
  s.dailyCap = 1;
  BOOST_TEST(enrollAt(utc(2025y / June / 14d, 12), s) == utc(2025y / June / 16d, 9));  // Saturday -> Monday 09:00
  clock.set(utc(2025y / June / 16d, 9));
  (void)engine->bulkUpsert("camp_1", std::vector<LeadInput>{lead("b@acme.com")});
  BOOST_TEST(engine->claimDue(10, 60).size() == 1U);  // the cap of 1
  BOOST_TEST(engine->claimDue(10, 60).empty());

  // Any other zone, known or not, cannot be looked up: the machine's fault,
  // said as such, and nothing changes.
  for (const char* name : {"Europe/Oslo", "Mars/Olympus_Mons"}) {
    BOOST_TEST_CONTEXT(name) {
      CampaignSchedule zone;
      zone.timeZone = name;
      try {
        (void)engine->setSchedule("camp_1", zone);
        BOOST_FAIL("expected storage_error");
      } catch (const Error& e) {
        BOOST_TEST(e.code() == ErrorCode::storage_error);
        BOOST_TEST(std::string(e.what()).find("install the tzdata package") != std::string::npos, e.what());
      }
      BOOST_TEST(errorCodeOf([&] { engine->createCampaign({"ws_test", "camp_z", "Z", {}, zone, {}}); }) ==
                 "storage_error");
    }
  }
  BOOST_TEST(engine->getCampaign("camp_1")->schedule.timeZone == "UTC");
  BOOST_TEST(!engine->getCampaign("camp_z"));
}

BOOST_AUTO_TEST_SUITE_END()
