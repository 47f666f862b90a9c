#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>


#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tools/cli_runner.hpp"

#ifndef LEADTERRA_CLI_PATH
#error "cli_test needs the leadterra_cli target (LEADTERRA_CLI=ON)"
#endif


namespace {

using Json = nlohmann::ordered_json;
using leadterra::test::readFile;
using leadterra::test::TempDir;
using leadterra::test::writeFile;

constexpr const char* kCampaign = "camp_01HZA1TPNQ8RD4KF";
constexpr const char* kNow = "2025-06-10T15:00:00Z";

// The seed document's request body, byte for byte.
const std::string kSeedBody = readFile(LEADTERRA_TEST_DATA_DIR "/seed-body.json");

const char* const kSteps = R"({"steps": [
    {"subject": "Quick question, {{firstName}}", "body": "Hi {{firstName}}, how does {{company}} do outbound?"},
    {"subject": "Following up", "body": "Any thoughts, {{firstName}}?", "format": "text", "delayDays": 3}]})";

struct Run {
  int status = -1;
  std::string out;
  std::string err;

  // stdout as one JSON document.
  [[nodiscard]] Json json() const { return Json::parse(out); }
  // The {"error": {...}} object written on stderr.
  [[nodiscard]] Json error() const { return Json::parse(err).at("error"); }
  [[nodiscard]] std::string code() const { return error().at("code").get<std::string>(); }
  [[nodiscard]] std::string message() const { return error().at("message").get<std::string>(); }
};

std::vector<std::string> keysOf(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

// stdout of `demo`: several documents one after another.
std::vector<Json> documents(const std::string& text) { return leadterra::test::jsonDocuments(text); }

// Runs the real binary in a temporary directory (its working directory),
// with `input` on stdin, and captures stdout, stderr and the exit status.
class Cli {
 public:
  TempDir dir;
  std::string db = dir.file("cli.db");

  // With the global options --db <db> --now <kNow> first.
  Run operator()(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> all = {"--db", db, "--now", kNow};
    all.insert(all.end(), args.begin(), args.end());
    return raw(all, input);
  }

  // Exactly these arguments.
  Run raw(const std::vector<std::string>& args, const std::string& input = {}) {
    return finish(start(args, input));
  }

  // A process started and not yet waited for; `tag` keeps the files of
  // processes that run at the same time apart.
  struct Pending {
    pid_t pid = 0;
    std::string out, err;
  };

  Pending start(const std::vector<std::string>& args, const std::string& input = {}, const std::string& tag = {}) {
    const std::string in = dir.file("stdin" + tag), out = dir.file("stdout" + tag), err = dir.file("stderr" + tag);
    writeFile(in, input);
    std::vector<std::string> argv = {LEADTERRA_CLI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = leadterra::test::spawnProcess(argv, dir.path(), in, out, err);
    return {pid, out, err};
  }

  Run finish(const Pending& p) { return {leadterra::test::waitExit(p.pid), readFile(p.out), readFile(p.err)}; }

  std::string file(const std::string& name, const std::string& text) {
    const std::string path = dir.file(name);
    writeFile(path, text);
    return path;
  }

  // Workspace ws_1 and the campaign kCampaign with kSteps, checked.
  void seedCampaign() {
    BOOST_REQUIRE_EQUAL((*this)({"workspace", "create", "--id", "ws_1", "--name", "Acme"}).status, 0);
    BOOST_REQUIRE_EQUAL((*this)({"campaign", "create", "--workspace", "ws_1", "--id", kCampaign, "--name", "Seed",
                                 "--steps", "-"},
                                kSteps)
                            .status,
                        0);
  }

  // seedCampaign, the seed's leads, started.
  void seedRunning() {
    seedCampaign();
    BOOST_REQUIRE_EQUAL((*this)({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).status, 0);
    BOOST_REQUIRE_EQUAL((*this)({"campaign", "start", kCampaign}).status, 0);
  }
};

// Arguments as one line, for test contexts.
std::string fmt_args(const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& a : args) line += (line.empty() ? "" : " ") + a;
  return line.empty() ? "(none)" : line;
}

// A failure: nothing on stdout, the JSON error on stderr, this status and code.
void checkFailure(const Run& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.out == "");
  BOOST_TEST(keysOf(Json::parse(r.err)) == std::vector<std::string>{"error"}, boost::test_tools::per_element());
  BOOST_TEST(keysOf(r.error()) == (std::vector<std::string>{"code", "message"}), boost::test_tools::per_element());
  BOOST_TEST(r.code() == code);
  BOOST_TEST(!r.error().at("message").get<std::string>().empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

// ---- The seed ----

BOOST_AUTO_TEST_CASE(seed_body_in_a_file_gives_the_seed_response) {
  Cli cli;
  cli.seedCampaign();
  const Run r = cli({"leads", "bulk", "--campaign", kCampaign, cli.file("seed.json", kSeedBody)});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.err == "");
  const Json result = r.json().at("result");
  BOOST_TEST(keysOf(r.json()) == std::vector<std::string>{"result"}, boost::test_tools::per_element());
  const std::vector<std::string> keys = keysOf(result);
  BOOST_REQUIRE_GE(keys.size(), 4u);
  BOOST_TEST((std::vector<std::string>(keys.begin(), keys.begin() + 4)) ==
                 (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign"}),
             boost::test_tools::per_element());
  BOOST_TEST(result["enrolled"] == 3);
  BOOST_TEST(result["updated"] == 0);
  BOOST_TEST(result["skipped"] == 0);
  BOOST_TEST(result["totalInCampaign"] == 3);
  BOOST_TEST(result["failed"] == 0);
  BOOST_TEST(result["errors"].empty());
}

BOOST_AUTO_TEST_CASE(resending_the_seed_body_on_stdin_updates_and_enrolls_nobody) {
  Cli cli;
  cli.seedCampaign();
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign, "-"}, kSeedBody).json()["result"]["enrolled"] == 3);
  const Json again = cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).json()["result"];
  BOOST_TEST(again["enrolled"] == 0);
  BOOST_TEST(again["updated"] == 3);
  BOOST_TEST(again["totalInCampaign"] == 3);
}

BOOST_AUTO_TEST_CASE(campaign_start_prints_exactly_the_seeds_response) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).status, 0);
  const Run r = cli({"campaign", "start", kCampaign});
  BOOST_TEST(r.status == 0);
  const Json seed = Json::parse(R"({
      "campaign": {
        "id": "camp_01HZA1TPNQ8RD4KF",
        "status": "running",
        "startedAt": "2025-06-10T15:00:00Z",
        "leadsEnrolled": 3,
        "queuedMessages": 3
      }
    })");
  BOOST_TEST(r.out == seed.dump(2) + "\n");  // same keys, same order, two-space indentation
}

// ---- workspace ----

BOOST_AUTO_TEST_CASE(workspace_create_prints_the_workspace_indented) {
  Cli cli;
  const Run r = cli({"workspace", "create", "--id", "ws_1", "--name", "Acme"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out == "{\n  \"workspace\": {\n    \"id\": \"ws_1\",\n    \"name\": \"Acme\",\n"
                      "    \"createdAt\": \"2025-06-10T15:00:00Z\",\n    \"rules\": {\n"
                      "      \"replyStopsAllCampaigns\": true,\n      \"frequencyCap\": null\n    }\n  }\n}\n");
  const std::string generated = cli({"workspace", "create"}).json()["workspace"]["id"].get<std::string>();
  BOOST_TEST(generated.rfind("ws_", 0) == 0);
  BOOST_TEST(generated.size() == 3 + 26);
}

BOOST_AUTO_TEST_CASE(workspace_create_fails_on_a_taken_or_malformed_id) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  checkFailure(cli({"workspace", "create", "--id", "ws_1"}), 1, "conflict");
  checkFailure(cli({"workspace", "create", "--id", "no spaces"}), 1, "invalid_argument");
}

// ---- campaign ----

BOOST_AUTO_TEST_CASE(campaign_create_reads_steps_from_a_file_and_get_shows_the_whole_campaign) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  const Run created = cli({"campaign", "create", "--workspace", "ws_1", "--id", kCampaign, "--name", "Seed",
                           "--steps", cli.file("steps.json", kSteps)});
  BOOST_TEST(created.status == 0);
  const Json campaign = created.json()["campaign"];
  BOOST_TEST(keysOf(campaign) == (std::vector<std::string>{"id", "workspaceId", "name", "status", "pauseReason",
                                                           "createdAt", "startedAt", "leadsEnrolled", "queuedMessages",
                                                           "steps", "timeZone", "sendWindow", "dailyCap", "stopRules"}),
             boost::test_tools::per_element());
  BOOST_TEST(campaign["timeZone"] == "UTC");
  BOOST_TEST(campaign["sendWindow"].is_null());
  BOOST_TEST(campaign["dailyCap"].is_null());
  BOOST_TEST(campaign["status"] == "draft");
  BOOST_TEST(campaign["startedAt"].is_null());
  BOOST_TEST(campaign["steps"].size() == 2u);
  BOOST_TEST(campaign["steps"][1]["delayDays"] == 3);
  BOOST_TEST(campaign["steps"][0]["format"] == "text");
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json() == created.json());
}

BOOST_AUTO_TEST_CASE(campaign_errors_have_their_codes_and_statuses) {
  Cli cli;
  checkFailure(cli({"campaign", "create", "--workspace", "ws_none", "--name", "x"}), 1, "not_found");
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--name", "x", "--steps", "-"}, R"({"steps": [1]})"),
               1, "invalid_argument");
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--name", "x", "--steps", cli.dir.file("none.json")}),
               1, "invalid_argument");
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1"}), 2, "invalid_argument");  // --name is required
  checkFailure(cli({"campaign", "get", "camp_none"}), 1, "not_found");
  checkFailure(cli({"campaign", "start", "camp_none"}), 1, "not_found");
  checkFailure(cli({"campaign", "get"}), 2, "invalid_argument");

  BOOST_REQUIRE_EQUAL(cli({"campaign", "create", "--workspace", "ws_1", "--id", "empty", "--name", "x"}).status, 0);
  checkFailure(cli({"campaign", "start", "empty"}), 1, "no_steps");
  checkFailure(cli({"campaign", "pause", "empty"}), 1, "conflict");  // a draft cannot pause
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--id", "empty", "--name", "x"}), 1, "conflict");
}

BOOST_AUTO_TEST_CASE(campaign_pause_prints_the_whole_campaign_and_keeps_started_at) {
  Cli cli;
  cli.seedRunning();
  const Run paused = cli({"campaign", "pause", kCampaign});
  BOOST_TEST(paused.status == 0);
  BOOST_TEST(paused.json()["campaign"]["status"] == "paused");
  BOOST_TEST(paused.json()["campaign"]["startedAt"] == kNow);
  BOOST_TEST(paused.json()["campaign"]["steps"].size() == 2u);
  BOOST_TEST(cli({"campaign", "pause", kCampaign}).status == 0);  // pausing a paused campaign changes nothing
  const Run resumed = cli.raw({"--db", cli.db, "--now", "2025-06-11T09:00:00Z", "campaign", "start", kCampaign});
  BOOST_TEST(resumed.json()["campaign"]["status"] == "running");
  BOOST_TEST(resumed.json()["campaign"]["startedAt"] == kNow);
}

BOOST_AUTO_TEST_CASE(campaign_step_add_replace_and_remove_edit_a_campaign_made_without_steps) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  BOOST_REQUIRE_EQUAL(cli({"campaign", "create", "--workspace", "ws_1", "--id", "c1", "--name", "x"}).status, 0);
  checkFailure(cli({"campaign", "start", "c1"}), 1, "no_steps");

  // From flags, then from a file and from stdin (one element of a steps document).
  const Run first = cli({"campaign", "step", "add", "c1", "--subject", "Hi {{firstName}}", "--body", "Hello"});
  BOOST_TEST(first.status == 0);
  BOOST_TEST(first.json()["campaign"]["steps"] == Json::parse(R"([{"subject": "Hi {{firstName}}", "body": "Hello",
      "format": "text", "delayDays": 0}])"));
  const std::string second = R"({"subject": "Again", "body": "<p>{{company}}</p>", "format": "html", "delayDays": 2})";
  BOOST_TEST(cli({"campaign", "step", "add", "c1", "--step", cli.file("step.json", second)}).status == 0);
  const Run third = cli({"campaign", "step", "add", "c1", "--step", "-"}, R"({"subject": "Last", "body": "Bye"})");
  BOOST_TEST(third.json()["campaign"]["steps"].size() == 3u);
  BOOST_TEST(third.json()["campaign"]["steps"][1] == Json::parse(second));

  // replace: the flags given are laid over the step; --step replaces it whole.
  const Run delayed = cli({"campaign", "step", "replace", "c1", "2", "--delay-days", "1.5"});
  BOOST_TEST(delayed.status == 0);
  BOOST_TEST(delayed.json()["campaign"]["steps"][1] == Json::parse(R"({"subject": "Again",
      "body": "<p>{{company}}</p>", "format": "html", "delayDays": 1.5})"));
  const Run whole = cli({"campaign", "step", "replace", "c1", "1", "--step", "-"}, R"({"subject": "S", "body": "B"})");
  BOOST_TEST(whole.json()["campaign"]["steps"][0] == Json::parse(R"({"subject": "S", "body": "B",
      "format": "text", "delayDays": 0})"));

  // remove: later steps move up.
  const Run removed = cli({"campaign", "step", "remove", "c1", "1"});
  BOOST_TEST(removed.status == 0);
  BOOST_TEST(removed.json()["campaign"]["steps"].size() == 2u);
  BOOST_TEST(removed.json()["campaign"]["steps"][0]["subject"] == "Again");
  BOOST_TEST(cli({"campaign", "start", "c1"}).status == 0);  // it can start now
}

BOOST_AUTO_TEST_CASE(campaign_step_failures) {
  Cli cli;
  cli.seedRunning();
  // The library refuses (exit 1) ...
  const Run running = cli({"campaign", "step", "add", kCampaign, "--subject", "s", "--body", "b"});
  checkFailure(running, 1, "conflict");
  BOOST_TEST(cli({"campaign", "pause", kCampaign}).status == 0);
  checkFailure(cli({"campaign", "step", "remove", kCampaign, "3"}), 1, "not_found");
  checkFailure(cli({"campaign", "step", "replace", kCampaign, "3", "--body", "b"}), 1, "not_found");
  checkFailure(cli({"campaign", "step", "replace", "camp_none", "1", "--body", "b"}), 1, "not_found");
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--step", "-"}, R"({"subject": "s", "delay_days": 1})"), 1,
               "invalid_argument");
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--step", cli.dir.file("none.json")}), 1, "invalid_argument");
  // ... a line that cannot be honoured is a usage error (exit 2), nothing written.
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--subject", "only a subject"}), 2, "invalid_argument");
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--step", "-", "--body", "b"}, "{}"), 2, "invalid_argument");
  checkFailure(cli({"campaign", "step", "replace", kCampaign, "1"}), 2, "invalid_argument");
  checkFailure(cli({"campaign", "step", "replace", kCampaign, "0", "--body", "b"}), 2, "invalid_argument");
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--subject", "s", "--body", "b", "--delay-days", "-1"}), 2,
               "invalid_argument");
  checkFailure(cli({"campaign", "step", "add", kCampaign, "--subject", "s", "--body", "b", "--format", "md"}), 2,
               "invalid_argument");
  const Run noCommand = cli({"campaign", "step"});
  checkFailure(noCommand, 2, "invalid_argument");
  BOOST_TEST(noCommand.message() == "campaign step: a command is required: add, replace, remove");
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json()["campaign"]["steps"].size() == 2u);
}

// ---- leads ----

BOOST_AUTO_TEST_CASE(leads_bulk_reports_failed_rows_and_unknown_fields) {
  Cli cli;
  cli.seedCampaign();
  const std::string body = "{\"leads\": [{\"email\": \"ava@acmecorp.com\", \"firstname\": \"Ava\"}, 7,"
                           " {\"email\": \"bad\"}, {\"email\": \"marc@b.io\", \"company\": \"B\xe9\"}]}";
  const Run r = cli({"leads", "bulk", "--campaign", kCampaign}, body);
  BOOST_TEST(r.status == 0);
  const Json result = r.json()["result"];
  BOOST_TEST(result["enrolled"] == 1);
  BOOST_TEST(result["failed"] == 3);
  BOOST_REQUIRE_EQUAL(result["errors"].size(), 3u);
  BOOST_TEST(keysOf(result["errors"][0]) == (std::vector<std::string>{"index", "email", "code", "message"}),
             boost::test_tools::per_element());
  BOOST_TEST(result["errors"][0]["index"] == 1);
  BOOST_TEST(result["errors"][0]["code"] == "malformed_row");
  BOOST_TEST(result["errors"][1]["index"] == 2);
  BOOST_TEST(result["errors"][1]["code"] == "invalid_email");
  BOOST_TEST(result["errors"][2]["index"] == 3);  // invalid UTF-8 fails its row alone
  BOOST_TEST(result["errors"][2]["code"] == "invalid_field");
  BOOST_TEST(result["unknownFields"]["firstname"] == 1);
}

BOOST_AUTO_TEST_CASE(leads_bulk_and_import_take_the_cross_campaign_rules) {
  Cli cli;
  cli.seedRunning();
  const Run created =
      cli({"campaign", "create", "--workspace", "ws_1", "--id", "camp_b", "--name", "B", "--steps", "-"}, kSteps);
  BOOST_REQUIRE_EQUAL(created.status, 0);
  const std::string body = R"({"leads": [{"email": "ava@acmecorp.com"}, {"email": "lee@acmecorp.com"}]})";
  const Json result =
      cli({"leads", "bulk", "--campaign", "camp_b", "--skip-active-elsewhere", "--details", "--dry-run"}, body)
          .json()["result"];
  const std::vector<std::string> keys = keysOf(result);
  BOOST_REQUIRE_GE(keys.size(), 8u);
  BOOST_TEST((std::vector<std::string>(keys.begin(), keys.begin() + 8)) ==
                 (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign", "failed", "queued",
                                           "skippedActiveElsewhere", "errors"}),
             boost::test_tools::per_element());
  BOOST_TEST(result["skippedActiveElsewhere"] == 1);
  BOOST_TEST(result["rows"][0]["outcome"] == "skippedActiveElsewhere");
  const Json imported = cli({"leads", "import", "--campaign", "camp_b", "--skip-contacted-within", "30",
                             "--skip-active-elsewhere", cli.file("b.jsonl", "{\"email\": \"ava@acmecorp.com\"}\n")})
                            .json()["result"];
  BOOST_TEST(imported["enrolled"] == 0);
  BOOST_TEST(imported["skippedActiveElsewhere"] == 1);
  const Run zero = cli({"leads", "bulk", "--campaign", "camp_b", "--skip-contacted-within", "0"}, body);
  BOOST_TEST(zero.status == 2);  // a usage error: DAYS is at least 1
}

BOOST_AUTO_TEST_CASE(workspace_rules_set_and_clear_a_frequency_cap) {
  Cli cli;
  cli.seedCampaign();
  const Json rules =
      cli({"workspace", "rules", "ws_1", "--set", R"({"frequencyCap": {"maxSends": 2, "perDays": 7}})"})
          .json()["workspace"]["rules"];
  BOOST_TEST(rules.dump() == R"({"replyStopsAllCampaigns":true,"frequencyCap":{"maxSends":2,"perDays":7}})");
  // Keys not given stay.
  BOOST_TEST(cli({"workspace", "rules", "ws_1", "--set", R"({"replyStopsAllCampaigns": false})"})
                 .json()["workspace"]["rules"]["frequencyCap"]["maxSends"] == 2);
  BOOST_TEST(cli({"workspace", "rules", "ws_1", "--set", R"({"frequencyCap": null})"})
                 .json()["workspace"]["rules"]["frequencyCap"]
                 .is_null());
  BOOST_TEST(cli({"workspace", "rules", "ws_1", "--set", R"({"frequencyCap": {"maxSends": 0, "perDays": 7}})"})
                 .status == 1);
}

BOOST_AUTO_TEST_CASE(leads_bulk_strict_exits_3_when_a_row_failed_and_prints_the_result_all_the_same) {
  Cli cli;
  cli.seedCampaign();
  const std::string oneBad = R"({"leads": [{"email": "ava@acmecorp.com"}, {"email": "nope"}]})";
  const Run strict = cli({"leads", "bulk", "--campaign", kCampaign, "--strict"}, oneBad);
  BOOST_TEST(strict.status == 3);
  BOOST_TEST(strict.err == "");
  BOOST_TEST(strict.json()["result"]["enrolled"] == 1);  // the good row is written
  BOOST_TEST(strict.json()["result"]["failed"] == 1);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).status == 0);
  // Without --strict the failed rows are only reported; no failed row: 0.
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign}, oneBad).status == 0);
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign, "--strict"}, kSeedBody).status == 0);
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign, "--strict", "--dry-run"}, oneBad).status == 3);
  // An error of the whole call is still 1.
  checkFailure(cli({"leads", "bulk", "--campaign", "camp_none", "--strict"}, oneBad), 1, "not_found");
}

BOOST_AUTO_TEST_CASE(leads_bulk_failures) {
  Cli cli;
  cli.seedCampaign();
  checkFailure(cli({"leads", "bulk", "--campaign", kCampaign}, "{\"leads\": "), 1, "invalid_argument");
  checkFailure(cli({"leads", "bulk", "--campaign", kCampaign}, R"({"lead": []})"), 1, "invalid_argument");
  checkFailure(cli({"leads", "bulk", "--campaign", "camp_none"}, kSeedBody), 1, "not_found");
  checkFailure(cli({"leads", "bulk", "--campaign", kCampaign, cli.dir.file("missing.json")}), 1, "invalid_argument");
  checkFailure(cli({"leads", "bulk"}, kSeedBody), 2, "invalid_argument");
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--mode", "overwrite"}, {"--mode", "Replace"}, {"--mode"}, {"--idempotency-key", ""}, {"--idempotency-key"},
           {"--dry-run=maybe"}}) {
    std::vector<std::string> args = {"leads", "bulk", "--campaign", kCampaign};
    args.insert(args.end(), bad.begin(), bad.end());
    BOOST_TEST_CONTEXT(args.back()) { checkFailure(cli(args, kSeedBody), 2, "invalid_argument"); }
  }
  checkFailure(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}), 1, "not_found");  // nothing written
}

// ---- leads bulk: merge modes, dry run, idempotency keys, per-row outcomes ----

BOOST_AUTO_TEST_CASE(leads_bulk_details_give_every_rows_outcome_in_a_fixed_key_order) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"suppression", "add", "--workspace", "ws_1", "buildfast.io"}).status, 0);
  const std::string body = R"({"leads": [{"email": "Ava@AcmeCorp.com", "firstname": "A"}, {"email": "marcus@buildfast.io"},
      {"email": "nope"}, {"email": "ava@acmecorp.com"}]})";
  const Run r = cli({"leads", "bulk", "--campaign", kCampaign, "--details"}, body);
  BOOST_TEST(r.status == 0);
  const Json result = r.json()["result"];
  BOOST_TEST(keysOf(result) == (std::vector<std::string>{"enrolled", "updated", "skipped", "totalInCampaign", "failed",
                                                         "queued", "errors", "missingTokens", "unknownFields", "rows"}),
             boost::test_tools::per_element());
  BOOST_TEST(result["rows"] == Json::parse(R"([
      {"index": 0, "email": "ava@acmecorp.com", "outcome": "enrolled"},
      {"index": 1, "email": "marcus@buildfast.io", "outcome": "skipped"},
      {"index": 2, "email": "nope", "outcome": "failed", "code": "invalid_email"},
      {"index": 3, "email": "ava@acmecorp.com", "outcome": "updated"}])"));
  // Keys in this order; "code" only on a failed row.
  for (const Json& row : result["rows"]) {
    std::vector<std::string> expected = {"index", "email", "outcome"};
    if (row["outcome"] == "failed") expected.push_back("code");
    BOOST_TEST(keysOf(row) == expected, boost::test_tools::per_element());
  }
  // Without --details: no rows.
  BOOST_TEST(!cli({"leads", "bulk", "--campaign", kCampaign}, body).json()["result"].contains("rows"));
}

BOOST_AUTO_TEST_CASE(leads_bulk_dry_run_prints_the_real_result_and_writes_nothing) {
  Cli cli;
  cli.seedRunning();
  BOOST_REQUIRE_EQUAL(cli({"suppression", "add", "--workspace", "ws_1", "nexusai.com"}).status, 0);
  const std::string body = R"({"leads": [{"email": "new@acmecorp.com", "firstName": "Nia"}, {"email": "bad@"},
      {"email": "priya@nexusai.com"}, {"email": "ava@acmecorp.com", "jobTitle": "CRO"}]})";
  const Json campaignBefore = cli({"campaign", "get", kCampaign}).json();
  const Json messagesBefore = cli({"messages", "list", "--campaign", kCampaign}).json();

  const Run dry = cli({"leads", "bulk", "--campaign", kCampaign, "--dry-run", "--details"}, body);
  BOOST_TEST(dry.status == 0);
  Json preview = dry.json()["result"];
  BOOST_TEST(preview["dryRun"] == true);
  BOOST_TEST(preview["enrolled"] == 1);
  BOOST_TEST(preview["queued"] == 1);
  // Nothing written: no new lead, no change to an old one, the same outbox.
  checkFailure(cli({"leads", "get", "--campaign", kCampaign, "new@acmecorp.com"}), 1, "not_found");
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]["jobTitle"] == "VP Sales");
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json() == campaignBefore);
  BOOST_TEST(cli({"messages", "list", "--campaign", kCampaign}).json() == messagesBefore);

  const Json done = cli({"leads", "bulk", "--campaign", kCampaign, "--details"}, body).json()["result"];
  BOOST_TEST(!done.contains("dryRun"));
  preview.erase("dryRun");
  BOOST_TEST(preview == done);  // the same result, key for key
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "new@acmecorp.com"}).status == 0);
}

BOOST_AUTO_TEST_CASE(leads_bulk_idempotency_key_replays_the_stored_result_and_refuses_another_body) {
  Cli cli;
  cli.seedCampaign();
  const Run first = cli({"leads", "bulk", "--campaign", kCampaign, "--idempotency-key", "import-0610"}, kSeedBody);
  BOOST_TEST(first.status == 0);
  BOOST_TEST(first.json()["result"]["enrolled"] == 3);
  BOOST_TEST(!first.json()["result"].contains("replayed"));

  // An hour later, the same body spelled differently: the first result again, nothing written.
  const std::string sameBody = Json::parse(kSeedBody).dump();
  const Run replay = cli.raw({"--db", cli.db, "--now", "2025-06-10T16:00:00Z", "leads", "bulk", "--campaign",
                              kCampaign, "--idempotency-key", "import-0610"},
                             sameBody);
  BOOST_TEST(replay.status == 0);
  Json replayed = replay.json()["result"];
  BOOST_TEST(replayed["replayed"] == true);
  BOOST_TEST(replayed["enrolled"] == 3);  // not "updated": 3
  replayed.erase("replayed");
  BOOST_TEST(replayed == first.json()["result"]);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]["updatedAt"] == kNow);

  // The same key with another body, or another mode: conflict, exit 1, nothing written.
  const std::string other = R"({"leads": [{"email": "other@acmecorp.com"}]})";
  checkFailure(cli({"leads", "bulk", "--campaign", kCampaign, "--idempotency-key", "import-0610"}, other), 1, "conflict");
  checkFailure(cli({"leads", "bulk", "--campaign", kCampaign, "--idempotency-key", "import-0610", "--mode", "replace"},
                   kSeedBody),
               1, "conflict");
  checkFailure(cli({"leads", "get", "--campaign", kCampaign, "other@acmecorp.com"}), 1, "not_found");

  // 24 hours later the key is forgotten: the other body is a new call.
  const Run later = cli.raw({"--db", cli.db, "--now", "2025-06-11T15:00:00Z", "leads", "bulk", "--campaign", kCampaign,
                             "--idempotency-key", "import-0610"},
                            other);
  BOOST_TEST(later.status == 0);
  BOOST_TEST(later.json()["result"]["enrolled"] == 1);
  BOOST_TEST(!later.json()["result"].contains("replayed"));
}

BOOST_AUTO_TEST_CASE(leads_bulk_modes_merge_fill_empty_and_replace) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).status, 0);
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign},
                          R"({"leads": [{"email": "ava@acmecorp.com", "company": null, "customFields": {"city": "Oslo"}}]})")
                          .status,
                      0);
  const auto ava = [&] { return cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]; };
  const std::string row = R"({"leads": [{"email": "ava@acmecorp.com", "firstName": "Eva", "company": "Acme Inc",
      "customFields": {"city": "Bergen", "tier": "gold"}}]})";

  // fillEmpty: only the empty company and the missing custom key are set.
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign, "--mode", "fillEmpty"}, row).json()["result"]["updated"] == 1);
  BOOST_TEST(ava()["firstName"] == "Ava");
  BOOST_TEST(ava()["company"] == "Acme Inc");
  BOOST_TEST(ava()["customFields"] == Json::parse(R"({"city": "Oslo", "tier": "gold"})"));

  // merge (the default): the row's values win, absent fields stay.
  BOOST_TEST(cli({"leads", "bulk", "--campaign", kCampaign, "--mode", "merge"}, row).status == 0);
  BOOST_TEST(ava()["firstName"] == "Eva");
  BOOST_TEST(ava()["jobTitle"] == "VP Sales");
  BOOST_TEST(ava()["customFields"]["city"] == "Bergen");

  // replace: the row becomes the record; fields it leaves out are cleared.
  const Run replaced = cli({"leads", "bulk", "--campaign", kCampaign, "--mode", "replace"},
                           R"({"leads": [{"email": "ava@acmecorp.com", "firstName": "Ava"}]})");
  BOOST_TEST(replaced.json()["result"]["updated"] == 1);
  BOOST_TEST(ava()["firstName"] == "Ava");
  BOOST_TEST(ava()["lastName"].is_null());
  BOOST_TEST(ava()["jobTitle"].is_null());
  BOOST_TEST(ava()["customFields"] == Json::object());
  BOOST_TEST(ava()["status"] == "active");
}

BOOST_AUTO_TEST_CASE(leads_import_mode_replace_clears_what_the_file_leaves_empty) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).status, 0);
  const std::string csv = cli.file("update.csv", "email,firstName,jobTitle\nava@acmecorp.com,Ava,\n");
  const auto ava = [&] { return cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]; };
  BOOST_TEST(cli({"leads", "import", "--campaign", kCampaign, csv, "--mode", "fillEmpty"}).json()["result"]["updated"] ==
             1);
  BOOST_TEST(ava()["jobTitle"] == "VP Sales");
  BOOST_TEST(cli({"leads", "import", "--campaign", kCampaign, csv}).status == 0);  // merge: an empty cell keeps
  BOOST_TEST(ava()["jobTitle"] == "VP Sales");
  const Run r = cli({"leads", "import", "--campaign", kCampaign, csv, "--mode", "replace"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.json()["result"]["updated"] == 1);
  BOOST_TEST(ava()["jobTitle"].is_null());
  BOOST_TEST(ava()["company"].is_null());
  BOOST_TEST(ava()["firstName"] == "Ava");
  checkFailure(cli({"leads", "import", "--campaign", kCampaign, csv, "--mode", "upsert"}), 2, "invalid_argument");
}

// ---- campaign schedule: send windows and daily caps ----

BOOST_AUTO_TEST_CASE(campaign_create_reads_the_sending_rules_of_the_steps_file) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  const std::string steps = R"({"steps": [{"subject": "Hi", "body": "Hello"}], "timeZone": "Europe/Oslo",
      "sendWindow": {"days": ["mon", "tue", "wed", "thu", "fri"], "startHour": 8, "endHour": 16}, "dailyCap": 200})";
  const Run r = cli({"campaign", "create", "--workspace", "ws_1", "--id", "c1", "--name", "x", "--steps", "-"}, steps);
  BOOST_TEST(r.status == 0);
  const Json campaign = r.json()["campaign"];
  BOOST_TEST(campaign["timeZone"] == "Europe/Oslo");
  BOOST_TEST(campaign["sendWindow"] == Json::parse(R"({"days": ["mon", "tue", "wed", "thu", "fri"], "startHour": 8,
                                                      "endHour": 16})"));
  BOOST_TEST(campaign["dailyCap"] == 200);

  // The engine judges the values: an unknown zone or a cap of 0 is refused and nothing is created.
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--id", "c2", "--name", "x", "--steps", "-"},
                   R"({"steps": [], "timeZone": "Europe/Atlantis"})"),
               1, "invalid_argument");
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--id", "c2", "--name", "x", "--steps", "-"},
                   R"({"steps": [], "dailyCap": 0})"),
               1, "invalid_argument");
  checkFailure(cli({"campaign", "create", "--workspace", "ws_1", "--id", "c2", "--name", "x", "--steps", "-"},
                   R"({"steps": [], "sendWindow": {"days": ["someday"]}})"),
               1, "invalid_argument");
  checkFailure(cli({"campaign", "get", "c2"}), 1, "not_found");
}

BOOST_AUTO_TEST_CASE(campaign_schedule_window_across_midnight_in_a_time_zone) {
  Cli cli;
  cli.seedRunning();  // 3 messages queued at 2025-06-10T15:00:00Z, a Tuesday
  // Fridays 22:00 to Saturday 06:00, New York time (EDT, UTC-4).
  const Run r = cli({"campaign", "schedule", kCampaign, "--time-zone", "America/New_York", "--days", "fri",
                     "--start-hour", "22", "--end-hour", "6"});
  BOOST_TEST(r.status == 0);
  const Json campaign = r.json()["campaign"];
  BOOST_TEST(campaign["timeZone"] == "America/New_York");
  BOOST_TEST(campaign["sendWindow"] == Json::parse(R"({"days": ["fri"], "startHour": 22, "endHour": 6})"));
  BOOST_TEST(campaign["dailyCap"].is_null());
  BOOST_TEST(campaign["status"] == "running");

  // Queued messages moved to the window's next opening: Friday 22:00 EDT.
  const Json listed = cli({"messages", "list", "--campaign", kCampaign}).json();  // kept: the loop reads into it
  for (const Json& m : listed["messages"]) {
    BOOST_TEST(m["scheduledAt"] == "2025-06-14T02:00:00Z");
  }
  const auto claimAt = [&](const std::string& now) {
    const Run c = cli.raw({"--db", cli.db, "--now", now, "messages", "claim", "--limit", "1", "--lease", "60"});
    BOOST_REQUIRE_EQUAL(c.status, 0);
    return c.json()["messages"].size();
  };
  BOOST_TEST(claimAt(kNow) == 0u);                    // Tuesday: closed
  BOOST_TEST(claimAt("2025-06-14T01:59:59Z") == 0u);  // Friday 21:59 EDT: not yet
  BOOST_TEST(claimAt("2025-06-14T09:59:59Z") == 1u);  // Saturday 05:59 EDT: Friday's window is still open
  BOOST_TEST(claimAt("2025-06-14T10:00:00Z") == 0u);  // Saturday 06:00 EDT: closed, though messages are due
  BOOST_TEST(claimAt("2025-06-15T03:00:00Z") == 0u);  // Saturday 23:00 EDT: Saturday has no window
  BOOST_TEST(claimAt("2025-06-21T02:00:00Z") == 1u);  // the next Friday 22:00 EDT
}

BOOST_AUTO_TEST_CASE(campaign_schedule_daily_cap_counts_handouts_per_day_in_its_time_zone) {
  Cli cli;
  cli.seedRunning();
  // Tokyo (UTC+9): 2025-06-10T15:00:00Z is midnight starting June 11 there.
  BOOST_REQUIRE_EQUAL(cli({"campaign", "schedule", kCampaign, "--time-zone", "Asia/Tokyo", "--daily-cap", "2"}).status, 0);
  const auto claimAt = [&](const std::string& now) {
    const Run c = cli.raw({"--db", cli.db, "--now", now, "messages", "claim", "--lease", "60"});
    BOOST_REQUIRE_EQUAL(c.status, 0);
    return c.json()["messages"].size();
  };
  BOOST_TEST(claimAt(kNow) == 2u);                    // June 11 in Tokyo: the cap
  BOOST_TEST(claimAt("2025-06-10T15:30:00Z") == 0u);  // leases expired, but re-claims count again
  BOOST_TEST(claimAt("2025-06-11T14:59:59Z") == 0u);  // a new UTC day, still June 11 in Tokyo
  BOOST_TEST(claimAt("2025-06-11T15:00:00Z") == 2u);  // June 12 in Tokyo

  // --no-cap lifts it; the time zone stays.
  const Run lifted = cli({"campaign", "schedule", kCampaign, "--no-cap"});
  BOOST_TEST(lifted.json()["campaign"]["dailyCap"].is_null());
  BOOST_TEST(lifted.json()["campaign"]["timeZone"] == "Asia/Tokyo");
  BOOST_TEST(claimAt("2025-06-11T15:30:00Z") == 3u);
}

BOOST_AUTO_TEST_CASE(campaign_schedule_lays_the_given_flags_over_the_current_rules) {
  Cli cli;
  cli.seedCampaign();
  const auto schedule = [&](std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"campaign", "schedule", kCampaign});
    const Run r = cli(flags);
    BOOST_REQUIRE_EQUAL(r.status, 0);
    const Json c = r.json()["campaign"];
    return Json{{"timeZone", c["timeZone"]}, {"sendWindow", c["sendWindow"]}, {"dailyCap", c["dailyCap"]}};
  };
  // A window flag on a campaign without a window starts from the default one, Monday to Friday 9 to 17.
  BOOST_TEST(schedule({"--start-hour", "8"}) ==
             Json::parse(R"({"timeZone": "UTC", "sendWindow": {"days": ["mon", "tue", "wed", "thu", "fri"],
                             "startHour": 8, "endHour": 17}, "dailyCap": null})"));
  BOOST_TEST(schedule({"--daily-cap", "30", "--days", "SAT,sun"}) ==
             Json::parse(R"({"timeZone": "UTC", "sendWindow": {"days": ["sat", "sun"], "startHour": 8, "endHour": 17},
                             "dailyCap": 30})"));
  BOOST_TEST(schedule({"--time-zone", "Europe/Oslo", "--end-hour", "24"}) ==
             Json::parse(R"({"timeZone": "Europe/Oslo", "sendWindow": {"days": ["sat", "sun"], "startHour": 8,
                             "endHour": 24}, "dailyCap": 30})"));
  BOOST_TEST(schedule({"--no-window"}) ==
             Json::parse(R"({"timeZone": "Europe/Oslo", "sendWindow": null, "dailyCap": 30})"));
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json()["campaign"]["dailyCap"] == 30);
}

BOOST_AUTO_TEST_CASE(campaign_schedule_failures) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"campaign", "schedule", kCampaign, "--daily-cap", "5"}).status, 0);
  const Json before = cli({"campaign", "get", kCampaign}).json();
  // The engine refuses an unknown time zone: exit 1, nothing changed.
  const Run zone = cli({"campaign", "schedule", kCampaign, "--time-zone", "Mars/Olympus_Mons", "--daily-cap", "9"});
  checkFailure(zone, 1, "invalid_argument");
  BOOST_TEST(zone.error()["message"].get<std::string>().find("Mars/Olympus_Mons") != std::string::npos);
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json() == before);
  checkFailure(cli({"campaign", "schedule", "camp_none", "--daily-cap", "5"}), 1, "not_found");
  // Bad flag values and contradictions are usage errors.
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {},
           {"--daily-cap", "0"},
           {"--daily-cap", "many"},
           {"--start-hour", "24"},
           {"--end-hour", "25"},
           {"--start-hour", "-1"},
           {"--days", "mon,funday"},
           {"--no-window", "--days", "mon"},
           {"--no-cap", "--daily-cap", "3"}}) {
    std::vector<std::string> args = {"campaign", "schedule", kCampaign};
    args.insert(args.end(), bad.begin(), bad.end());
    BOOST_TEST_CONTEXT(fmt_args(bad)) { checkFailure(cli(args), 2, "invalid_argument"); }
  }
  checkFailure(cli({"campaign", "schedule", "--daily-cap", "3"}), 2, "invalid_argument");  // no id
  BOOST_TEST(cli({"campaign", "get", kCampaign}).json() == before);
}

BOOST_AUTO_TEST_CASE(leads_get_finds_a_lead_by_its_normalized_email) {
  Cli cli;
  cli.seedCampaign();
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).status, 0);
  const Run r = cli({"leads", "get", "--campaign", kCampaign, "  AVA@AcmeCorp.com "});
  BOOST_TEST(r.status == 0);
  const Json lead = r.json()["lead"];
  BOOST_TEST(keysOf(lead) == (std::vector<std::string>{"id", "email", "firstName", "lastName", "company", "jobTitle",
                                                       "customFields", "position", "status", "pausedUntil",
                                                       "createdAt", "updatedAt"}),
             boost::test_tools::per_element());
  BOOST_TEST(lead["email"] == "ava@acmecorp.com");
  BOOST_TEST(lead["jobTitle"] == "VP Sales");
  BOOST_TEST(lead["customFields"].is_object());
  BOOST_TEST(lead["position"] == 0);
  BOOST_TEST(lead["status"] == "active");
  checkFailure(cli({"leads", "get", "--campaign", kCampaign, "nobody@acmecorp.com"}), 1, "not_found");
  checkFailure(cli({"leads", "get", "--campaign", kCampaign}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(leads_import_streams_csv_and_jsonl_and_writes_rejects) {
  Cli cli;
  cli.seedCampaign();
  const std::string csv = cli.file("leads.csv",
                                   "email,firstName,company\n"
                                   "ava@acmecorp.com,Ava,Acme Corp\n"
                                   "not-an-email,X,Y\n"
                                   "marcus@buildfast.io,Marcus,BuildFast\n"
                                   "priya@nexusai.com,Priya,Nexus AI\n");
  const std::string rejects = cli.dir.file("rejects.jsonl");
  const Run r = cli({"leads", "import", "--campaign", kCampaign, csv, "--batch-size", "2", "--rejects", rejects});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.err == "");  // stderr is not a terminal: no progress bar
  const Json result = r.json()["result"];
  BOOST_TEST(result["enrolled"] == 3);
  BOOST_TEST(result["failed"] == 1);
  BOOST_TEST(result["totalInCampaign"] == 3);
  BOOST_TEST(result["errors"][0]["index"] == 1);
  const std::vector<Json> rejected = documents(readFile(rejects));
  BOOST_REQUIRE_EQUAL(rejected.size(), 1u);
  BOOST_TEST(rejected[0]["code"] == "invalid_email");
  BOOST_TEST(rejected[0]["row"]["email"] == "not-an-email");

  const std::string jsonl = cli.file("more.jsonl",
                                     "{\"email\": \"ava@acmecorp.com\", \"jobTitle\": \"CRO\"}\n"
                                     "[\"not a lead\"]\n"
                                     "{\"email\": \"new@nexusai.com\"}\n");
  const Json more = cli({"leads", "import", "--campaign", kCampaign, jsonl}).json()["result"];
  BOOST_TEST(more["enrolled"] == 1);
  BOOST_TEST(more["updated"] == 1);
  BOOST_TEST(more["failed"] == 1);
  BOOST_TEST(more["errors"][0]["code"] == "malformed_row");
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]["jobTitle"] == "CRO");
}

BOOST_AUTO_TEST_CASE(leads_import_failures) {
  Cli cli;
  cli.seedCampaign();
  checkFailure(cli({"leads", "import", "--campaign", kCampaign, cli.file("leads.txt", "email\na@b.co\n")}), 1,
               "invalid_argument");
  checkFailure(cli({"leads", "import", "--campaign", kCampaign, cli.dir.file("missing.csv")}), 1, "invalid_argument");
  checkFailure(cli({"leads", "import", "--campaign", "camp_none", cli.file("l.csv", "email\na@b.co\n")}), 1,
               "not_found");
  checkFailure(cli({"leads", "import", "--campaign", kCampaign, cli.dir.file("l.csv"), "--batch-size", "0"}), 2,
               "invalid_argument");
  checkFailure(cli({"leads", "import", "--campaign", kCampaign}), 2, "invalid_argument");
}

// ---- suppression ----

BOOST_AUTO_TEST_CASE(suppression_add_list_and_remove) {
  Cli cli;
  cli.seedRunning();
  const Run added = cli({"suppression", "add", "--workspace", "ws_1", "ava@acmecorp.com", "@buildfast.io"});
  BOOST_TEST(added.status == 0);
  BOOST_TEST(added.out == Json::parse(R"({"suppression": {"added": 2, "leadsSuppressed": 2,
                                          "messagesCancelled": 2}})").dump(2) + "\n");
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]["status"] ==
             "suppressed");

  const Json entries = cli({"suppression", "list", "--workspace", "ws_1"}).json()["suppression"]["entries"];
  BOOST_REQUIRE_EQUAL(entries.size(), 2u);
  BOOST_TEST(keysOf(entries[0]) == (std::vector<std::string>{"entry", "kind", "createdAt", "reason"}),
             boost::test_tools::per_element());
  std::set<std::string> seen;
  for (const Json& e : entries) {
    seen.insert(e["entry"].get<std::string>() + "/" + e["kind"].get<std::string>());
    BOOST_TEST(e["reason"] == "manual");
  }
  BOOST_TEST((seen == std::set<std::string>{"ava@acmecorp.com/email", "buildfast.io/domain"}));

  const Run removed = cli({"suppression", "remove", "--workspace", "ws_1", "buildfast.io"});
  BOOST_TEST(removed.json()["suppression"]["removed"] == 1);
  // Only "removed": removing suppresses and cancels nothing.
  BOOST_TEST(removed.out == "{\n  \"suppression\": {\n    \"removed\": 1\n  }\n}\n");
  BOOST_TEST(cli({"suppression", "list", "--workspace", "ws_1"}).json()["suppression"]["entries"].size() == 1u);

  // A suppressed email is skipped by a later upsert.
  const Json result = cli({"leads", "bulk", "--campaign", kCampaign}, kSeedBody).json()["result"];
  BOOST_TEST(result["skipped"] == 1);
  BOOST_TEST(result["updated"] == 2);
}

BOOST_AUTO_TEST_CASE(suppression_failures) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  checkFailure(cli({"suppression", "add", "--workspace", "ws_1", "not an entry"}), 1, "invalid_argument");
  BOOST_TEST(cli({"suppression", "list", "--workspace", "ws_1"}).json()["suppression"]["entries"].empty());
  checkFailure(cli({"suppression", "add", "--workspace", "ws_1"}), 2, "invalid_argument");
  checkFailure(cli({"suppression", "add", "a@b.co"}), 2, "invalid_argument");
  checkFailure(cli({"suppression", "purge", "--workspace", "ws_1"}), 2, "invalid_argument");
}

// ---- messages ----

BOOST_AUTO_TEST_CASE(messages_list_shows_the_rendered_outbox) {
  Cli cli;
  cli.seedRunning();
  const Run r = cli({"messages", "list", "--campaign", kCampaign, "--status", "queued"});
  BOOST_TEST(r.status == 0);
  const Json messages = r.json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 3u);
  BOOST_TEST(keysOf(messages[0]) == (std::vector<std::string>{"id", "workspaceId", "campaignId", "leadId", "email", "step", "variant", "subject", "body",
                                                              "format", "listUnsubscribe", "listUnsubscribePost", "status",
                                                              "scheduledAt", "attempts"}),
             boost::test_tools::per_element());
  BOOST_TEST(messages[0]["email"] == "ava@acmecorp.com");
  BOOST_TEST(messages[0]["subject"] == "Quick question, Ava");
  BOOST_TEST(messages[0]["body"] == "Hi Ava, how does Acme Corp do outbound?");
  BOOST_TEST(messages[0]["step"] == 1);
  BOOST_TEST(messages[0]["scheduledAt"] == kNow);
  BOOST_TEST(cli({"messages", "list", "--campaign", kCampaign, "--status", "sent"}).json()["messages"].empty());
  BOOST_TEST(cli({"messages", "list", "--campaign", kCampaign}).json()["messages"].size() == 3u);
  checkFailure(cli({"messages", "list", "--campaign", kCampaign, "--status", "lost"}), 2, "invalid_argument");
  checkFailure(cli({"messages", "list", "--campaign", "camp_none"}), 1, "not_found");
}

BOOST_AUTO_TEST_CASE(two_processes_claiming_at_once_never_get_the_same_message) {
  Cli cli;
  cli.seedCampaign();
  std::string body = R"({"leads": [)";
  for (int i = 0; i < 300; ++i) body += (i ? "," : "") + fmt::format(R"({{"email": "lead{}@acme.com"}})", i);
  body += "]}";
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, body).status, 0);
  BOOST_REQUIRE_EQUAL(cli({"campaign", "start", kCampaign}).status, 0);
  // Two processes in rounds, each claiming up to 40 at a time, at the same moment.
  std::set<std::string> seen;
  std::size_t handed = 0;
  for (int round = 0; round < 5; ++round) {
    const std::vector<std::string> claim = {"--db", cli.db, "--now", kNow, "messages", "claim", "--limit", "40"};
    const Cli::Pending a = cli.start(claim, {}, "a");
    const Cli::Pending b = cli.start(claim, {}, "b");
    for (const Run& r : {cli.finish(a), cli.finish(b)}) {
      BOOST_TEST_INFO(r.err);
      BOOST_REQUIRE_EQUAL(r.status, 0);
      const Json doc = r.json();
      for (const Json& m : doc.at("messages")) {
        seen.insert(m.at("id").get<std::string>());
        ++handed;
      }
    }
  }
  BOOST_TEST(handed == seen.size());  // no message handed out twice
  BOOST_TEST(handed == 300U);         // and all of them handed out
}

BOOST_AUTO_TEST_CASE(messages_claim_then_sent_advances_the_lead_and_queues_step_two) {
  Cli cli;
  cli.seedRunning();
  const Run claimed = cli({"messages", "claim", "--limit", "2", "--lease", "60"});
  BOOST_TEST(claimed.status == 0);
  const Json messages = claimed.json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 2u);
  BOOST_TEST(messages[0]["status"] == "claimed");
  BOOST_TEST(messages[0]["attempts"] == 1);
  BOOST_TEST(messages[0]["leaseUntil"] == "2025-06-10T15:01:00Z");
  BOOST_TEST(cli({"messages", "claim"}).json()["messages"].size() == 1u);  // default limit 100: the third
  BOOST_TEST(cli({"messages", "claim"}).json()["messages"].empty());      // all under lease

  const std::string id = messages[0]["id"].get<std::string>();
  const std::string email = messages[0]["email"].get<std::string>();
  const Run sent = cli({"messages", "sent", id});
  BOOST_TEST(sent.status == 0);
  BOOST_TEST(sent.json()["message"]["status"] == "sent");
  BOOST_TEST(sent.json()["message"]["sentAt"] == kNow);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, email}).json()["lead"]["position"] == 1);
  const Json queued = cli({"messages", "list", "--campaign", kCampaign, "--status", "queued"}).json()["messages"];
  BOOST_REQUIRE_EQUAL(queued.size(), 1u);
  BOOST_TEST(queued[0]["step"] == 2);
  BOOST_TEST(queued[0]["email"] == email);
  BOOST_TEST(queued[0]["scheduledAt"] == "2025-06-13T15:00:00Z");

  checkFailure(cli({"messages", "sent", "msg_none"}), 1, "not_found");
  checkFailure(cli({"messages", "sent"}), 2, "invalid_argument");
  checkFailure(cli({"messages", "claim", "--limit", "0"}), 2, "invalid_argument");
  checkFailure(cli({"messages", "claim", "--lease", "soon"}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(messages_commands_take_a_workspace_scope_and_name_whose_a_message_is) {
  Cli cli;
  cli.seedRunning();
  BOOST_TEST(cli({"workspace", "create", "--id", "ws_other"}).status == 0);
  BOOST_TEST(cli({"messages", "claim", "--workspace", "ws_other"}).json()["messages"].empty());
  const Json messages = cli({"messages", "claim", "--limit", "1"}).json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 1u);
  const Json& m = messages[0];
  const Json lead = cli({"leads", "get", "--campaign", kCampaign, m["email"].get<std::string>()}).json()["lead"];
  BOOST_TEST(m["leadId"] == lead["id"]);
  BOOST_TEST(m["campaignId"] == kCampaign);
  const std::string workspace = m["workspaceId"].get<std::string>();
  BOOST_TEST(!workspace.empty());
  const std::string id = m["id"].get<std::string>();
  checkFailure(cli({"messages", "sent", id, "--workspace", "ws_other"}), 1, "not_found");
  checkFailure(cli({"messages", "failed", id, "--reason", "x", "--workspace", "ws_other"}), 1, "not_found");
  checkFailure(cli({"messages", "list", "--campaign", kCampaign, "--workspace", "ws_other"}), 1, "not_found");
  BOOST_TEST(cli({"messages", "sent", id, "--workspace", workspace}).json()["message"]["status"] == "sent");
  // A message never claimed cannot be reported.
  const Json queued = cli({"messages", "list", "--campaign", kCampaign, "--status", "queued"}).json()["messages"];
  BOOST_REQUIRE(!queued.empty());
  checkFailure(cli({"messages", "sent", queued[0]["id"].get<std::string>()}), 1, "conflict");
}

BOOST_AUTO_TEST_CASE(messages_failed_retries_or_bounces) {
  Cli cli;
  cli.seedRunning();
  const Json messages = cli({"messages", "claim"}).json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 3u);
  const Run retry = cli({"messages", "failed", messages[0]["id"].get<std::string>(), "--reason", "timeout", "--retryable"});
  BOOST_TEST(retry.status == 0);
  BOOST_TEST(retry.json()["message"]["status"] == "queued");
  BOOST_TEST(retry.json()["message"]["lastError"] == "timeout");
  BOOST_TEST(retry.json()["message"]["scheduledAt"] == "2025-06-10T15:05:00Z");  // 5 min backoff

  const std::string email = messages[1]["email"].get<std::string>();
  const Run permanent = cli({"messages", "failed", messages[1]["id"].get<std::string>(), "--reason", "550 no such user"});
  BOOST_TEST(permanent.json()["message"]["status"] == "failed");
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, email}).json()["lead"]["status"] == "bounced");

  checkFailure(cli({"messages", "failed", messages[2]["id"].get<std::string>()}), 2, "invalid_argument");  // no --reason
  checkFailure(cli({"messages", "failed", "msg_none", "--reason", "x"}), 1, "not_found");
}

BOOST_AUTO_TEST_CASE(messages_replied_stops_the_lead) {
  Cli cli;
  cli.seedRunning();
  const Run r = cli({"messages", "replied", "--campaign", kCampaign, "Marcus@BuildFast.io"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(keysOf(r.json()) == (std::vector<std::string>{"lead", "messagesCancelled"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.json()["lead"]["email"] == "marcus@buildfast.io");
  BOOST_TEST(r.json()["lead"]["status"] == "replied");
  BOOST_TEST(r.json()["messagesCancelled"] == 1);
  BOOST_TEST(cli({"messages", "list", "--campaign", kCampaign, "--status", "cancelled"}).json()["messages"].size() ==
             1u);
  checkFailure(cli({"messages", "replied", "--campaign", kCampaign, "nobody@x.io"}), 1, "not_found");
  checkFailure(cli({"messages", "replied", "nobody@x.io"}), 2, "invalid_argument");
}

// ---- signal ----

BOOST_AUTO_TEST_CASE(signal_applies_its_rule_once_per_external_id) {
  Cli cli;
  cli.seedRunning();
  const Json messages = cli({"messages", "claim"}).json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 3u);
  const std::string id = messages[0]["id"].get<std::string>();
  const std::string email = messages[0]["email"].get<std::string>();
  const Run bounce = cli({"signal", "bounceHard", "--message", id, "--external-id", "evt_1", "--detail", "550 5.1.1"});
  BOOST_TEST(bounce.status == 0);
  const Json s = bounce.json()["signal"];
  BOOST_TEST(keysOf(s) == (std::vector<std::string>{"id", "duplicate", "leadsStopped", "leadsPaused",
                                                     "messagesCancelled", "suppressionAdded", "campaignPaused"}),
             boost::test_tools::per_element());
  BOOST_TEST(s["duplicate"] == false);
  BOOST_TEST(s["leadsStopped"] == 1);
  BOOST_TEST(s["suppressionAdded"] == true);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, email}).json()["lead"]["status"] == "bounced");
  const Json entry = cli({"suppression", "list", "--workspace", "ws_1"}).json()["suppression"]["entries"][0];
  BOOST_TEST(entry["entry"] == email);
  BOOST_TEST(entry["reason"] == "hardBounce");
  BOOST_TEST(entry["messageId"] == id);
  BOOST_TEST(entry["campaignId"] == kCampaign);

  const Json again = cli({"signal", "bounceHard", "--message", id, "--external-id", "evt_1"}).json()["signal"];
  BOOST_TEST(again["duplicate"] == true);
  BOOST_TEST(again["id"] == s["id"]);

  // By address, in a workspace.
  const std::string other = messages[1]["email"].get<std::string>();
  const Json unsub = cli({"signal", "unsubscribe", "--workspace", "ws_1", "--email", other}).json()["signal"];
  BOOST_TEST(unsub["suppressionAdded"] == true);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, other}).json()["lead"]["status"] == "suppressed");
}

BOOST_AUTO_TEST_CASE(suppression_list_and_remove_by_reason_and_time) {
  Cli cli;
  cli.seedRunning();
  BOOST_TEST(cli({"suppression", "add", "--workspace", "ws_1", "@example.org"}).status == 0);
  BOOST_TEST(cli.raw({"--db", cli.db, "--now", "2025-06-11T09:00:00Z", "signal", "bounceHard", "--workspace", "ws_1",
                      "--email", "ava@acmecorp.com"})
                 .status == 0);
  BOOST_TEST(cli.raw({"--db", cli.db, "--now", "2025-06-12T09:00:00Z", "signal", "bounceHard", "--workspace", "ws_1",
                      "--email", "priya@nexusai.com"})
                 .status == 0);
  const auto listed = [&](std::vector<std::string> args) {
    std::vector<std::string> all{"suppression", "list", "--workspace", "ws_1"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<std::string> entries;
    const Json doc = cli(all).json();
    for (const Json& e : doc["suppression"]["entries"]) entries.push_back(e["entry"].get<std::string>());
    return entries;
  };
  BOOST_TEST(listed({}).size() == 3u);
  BOOST_TEST((listed({"--reason", "hardBounce"}) == std::vector<std::string>{"ava@acmecorp.com", "priya@nexusai.com"}));
  BOOST_TEST((listed({"--reason", "hardBounce", "--since", "2025-06-12T00:00:00Z"}) ==
              std::vector<std::string>{"priya@nexusai.com"}));
  BOOST_TEST((listed({"--until", "2025-06-11T00:00:00Z"}) == std::vector<std::string>{"example.org"}));

  const Run undo = cli({"suppression", "remove", "--workspace", "ws_1", "--reason", "hardBounce", "--since",
                        "2025-06-11T00:00:00Z", "--until", "2025-06-12T00:00:00Z"});
  BOOST_TEST(undo.json()["suppression"]["removed"] == 1);
  BOOST_TEST((listed({}) == std::vector<std::string>{"example.org", "priya@nexusai.com"}));

  checkFailure(cli({"suppression", "list", "--workspace", "ws_1", "--reason", "spam"}), 2, "invalid_argument");
  checkFailure(cli({"suppression", "list", "--workspace", "ws_1", "--since", "yesterday"}), 2, "invalid_argument");
  checkFailure(cli({"suppression", "remove", "--workspace", "ws_1"}), 1, "invalid_argument");
  checkFailure(cli({"suppression", "remove", "--workspace", "ws_1", "--since", "2025-06-11T00:00:00Z"}), 2,
               "invalid_argument");
  checkFailure(cli({"suppression", "remove", "--workspace", "ws_1", "--reason", "manual", "example.org"}), 2,
               "invalid_argument");
  BOOST_TEST(listed({}).size() == 2u);
}

BOOST_AUTO_TEST_CASE(signal_failures) {
  Cli cli;
  cli.seedRunning();
  BOOST_TEST(cli({"workspace", "create", "--id", "ws_other"}).status == 0);
  const std::string id = cli({"messages", "claim", "--limit", "1"}).json()["messages"][0]["id"].get<std::string>();
  checkFailure(cli({"signal", "reply", "--message", id, "--workspace", "ws_other"}), 1, "not_found");
  checkFailure(cli({"signal", "reply", "--message", "msg_none"}), 1, "not_found");
  checkFailure(cli({"signal", "reply", "--email", "a@b.co"}), 1, "invalid_argument");  // no workspace
  checkFailure(cli({"signal", "reply", "--workspace", "ws_1", "--email", "not an email"}), 1, "invalid_argument");
  checkFailure(cli({"signal", "wave", "--message", id}), 2, "invalid_argument");
  checkFailure(cli({"signal", "reply", "--message", id, "--email", "a@b.co"}), 2, "invalid_argument");
  checkFailure(cli({"signal", "reply", "--campaign", kCampaign, "--message", id}), 2, "invalid_argument");
  checkFailure(cli({"signal", "reply"}), 1, "invalid_argument");
}

// ---- unsubscribe-settings, unsubscribe ----

BOOST_AUTO_TEST_CASE(unsubscribe_settings_set_get_and_rotate_never_print_the_secret) {
  Cli cli;
  cli.seedCampaign();
  const Run set = cli({"unsubscribe-settings", "set", "--workspace", "ws_1", "--base-url", "https://acme.example/u",
                       "--mailto", "Optout@Acme.example"});
  BOOST_TEST(set.status == 0);
  BOOST_TEST(keysOf(set.json()) == std::vector<std::string>{"unsubscribeSettings"}, boost::test_tools::per_element());
  const Json s = set.json()["unsubscribeSettings"];
  BOOST_TEST(keysOf(s) == (std::vector<std::string>{"baseUrl", "mailto"}), boost::test_tools::per_element());
  BOOST_TEST(s["baseUrl"] == "https://acme.example/u");
  BOOST_TEST(s["mailto"] == "optout@acme.example");
  BOOST_TEST(cli({"unsubscribe-settings", "get", "--workspace", "ws_1"}).json() == set.json());
  const Run rotate = cli({"unsubscribe-settings", "rotate", "--workspace", "ws_1"});
  BOOST_TEST(rotate.status == 0);
  BOOST_TEST(rotate.json() == Json::parse(R"({"rotated": true})"));
  BOOST_TEST(rotate.out.find("secret") == std::string::npos);
  checkFailure(cli({"unsubscribe-settings", "set", "--workspace", "ws_1", "--base-url", "http://acme.example/u"}), 1,
               "invalid_argument");
  checkFailure(cli({"unsubscribe-settings", "get", "--workspace", "ws_none"}), 1, "not_found");
  checkFailure(cli({"unsubscribe-settings", "get"}), 2, "invalid_argument");
  checkFailure(cli({"unsubscribe-settings"}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(unsubscribe_link_and_apply_suppress_the_address_once) {
  Cli cli;
  cli.seedRunning();
  BOOST_REQUIRE_EQUAL(
      cli({"unsubscribe-settings", "set", "--workspace", "ws_1", "--base-url", "https://acme.example/u"}).status, 0);
  const Run link = cli({"unsubscribe", "link", "--campaign", kCampaign, "--email", "ava@acmecorp.com"});
  BOOST_TEST(link.status == 0);
  const Json l = link.json()["link"];
  BOOST_TEST(keysOf(l) == (std::vector<std::string>{"token", "url"}), boost::test_tools::per_element());
  const std::string token = l["token"].get<std::string>();
  BOOST_TEST(l["url"] == "https://acme.example/u?token=" + token);

  // Claimed messages carry the headers.
  const Json messages = cli({"messages", "claim"}).json()["messages"];
  BOOST_REQUIRE_EQUAL(messages.size(), 3u);
  BOOST_TEST(messages[0]["listUnsubscribe"].get<std::string>().starts_with("<https://acme.example/u?token="));
  BOOST_TEST(messages[0]["listUnsubscribePost"] == "List-Unsubscribe=One-Click");

  BOOST_TEST(cli({"workspace", "create", "--id", "ws_other"}).status == 0);
  checkFailure(cli({"unsubscribe", "apply", token, "--workspace", "ws_other"}), 1, "invalid_token");
  std::string altered = token;
  altered[3] = altered[3] == 'A' ? 'B' : 'A';
  checkFailure(cli({"unsubscribe", "apply", altered}), 1, "invalid_token");

  const Run apply = cli({"unsubscribe", "apply", token, "--workspace", "ws_1"});
  BOOST_TEST(apply.status == 0);
  const Json s = apply.json()["signal"];
  BOOST_TEST(s["duplicate"] == false);
  BOOST_TEST(s["suppressionAdded"] == true);
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"}).json()["lead"]["status"] ==
             "unsubscribed");
  const Json again = cli({"unsubscribe", "apply", token}).json()["signal"];
  BOOST_TEST(again["duplicate"] == true);
  BOOST_TEST(again["id"] == s["id"]);

  checkFailure(cli({"unsubscribe", "link", "--campaign", kCampaign, "--email", "nobody@acmecorp.com"}), 1,
               "not_found");
  checkFailure(cli({"unsubscribe", "apply"}), 2, "invalid_argument");
}

// ---- render ----

BOOST_AUTO_TEST_CASE(render_uses_the_engines_rules) {
  Cli cli;
  const std::string lead = R"({"firstName": "<Ava>", "company": null,
      "customFields": {"company": "Shadowed", "city": "Paris", "score": 85, "deal": {"size": 1.5}}})";
  const auto render = [&](const std::string& format, const std::string& text) {
    const Run r = cli({"render", "--format", format, "--template", text, "--lead", lead});
    BOOST_TEST(r.status == 0);
    return r.json()["rendered"].get<std::string>();
  };
  BOOST_TEST(render("text", "Hi {{firstName}} from {{ city }}") == "Hi <Ava> from Paris");
  BOOST_TEST(render("html", "Hi {{firstName}}, <<firstName>>, {{{firstName}}}") == "Hi &lt;Ava&gt;, &lt;Ava&gt;, <Ava>");
  BOOST_TEST(render("text", "[{{company}}]") == "[]");  // a standard field wins even when null
  BOOST_TEST(render("text", "{{customFields.city}} {{score}} {{deal.size}} {{customFields.deal.size}}") ==
             "Paris 85 1.5 1.5");
  BOOST_TEST(render("text", "{{jobTitle|your team}} {{missing}}.") == "your team .");
  BOOST_TEST(render("text", "{{ }} {{first name}} {{unclosed") == "{{ }} {{first name}} {{unclosed");
  BOOST_TEST(!std::filesystem::exists(cli.db));  // render needs no database
}

BOOST_AUTO_TEST_CASE(render_as_a_subject_folds_control_characters_as_the_engine_does) {
  Cli cli;
  const std::string lead = R"({"firstName": "Ann\r\nBcc: victim@evil.io", "company": "A & B"})";
  const auto render = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "render");
    args.insert(args.end(), {"--lead", lead});
    const Run r = cli(args);
    BOOST_TEST(r.status == 0);
    return r.json()["rendered"].get<std::string>();
  };
  BOOST_TEST(render({"--subject", "--template", "Hi {{firstName}}"}) == "Hi Ann Bcc: victim@evil.io");
  BOOST_TEST(render({"--subject", "--template", "Re:\r\n{{jobTitle|a\tb}} {{company}}"}) == "Re: a b A & B");
  // Never escaped, whatever the step's format, as a subject in an html step.
  BOOST_TEST(render({"--subject", "--format", "html", "--template", "{{company}}"}) == "A & B");
  // A body keeps its line breaks.
  BOOST_TEST(render({"--template", "Hi {{firstName}}"}) == "Hi Ann\r\nBcc: victim@evil.io");
}

BOOST_AUTO_TEST_CASE(render_takes_a_lead_as_leads_get_prints_it_and_names_the_tokens_that_rendered_empty) {
  Cli cli;
  cli.seedCampaign();
  const std::string body = R"({"leads": [{"email": "ava@acmecorp.com", "firstName": "Ava",
      "customFields": {"city": "Oslo", "plan": ""}}]})";
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, body).status, 0);
  const Run got = cli({"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"});
  const std::string wrapped = got.out;                   // {"lead": {...}}
  const std::string bare = got.json()["lead"].dump();    // {...}
  const std::string text = "{{jobTitle}}: Hi {{firstName}} in {{city}}, {{plan}} {{company|your team}} {{company}}";
  for (const std::string& lead : {wrapped, bare}) {
    const Run r = cli({"render", "--template", text, "--lead", lead});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == Json::parse(R"({"rendered": ": Hi Ava in Oslo,  your team ",
        "missingTokens": ["jobTitle", "plan", "company"]})").dump(2) + "\n");
  }
  // Nothing empty: an empty list. A document with more than "lead" is a lead
  // object itself (its "lead" key is not a lead field).
  const Run none = cli({"render", "--template", "{{firstName}}", "--lead", wrapped});
  BOOST_TEST(none.json()["missingTokens"] == Json::array());
  const std::string both = R"({"lead": {"firstName": "A"}, "firstName": "B"})";
  const Run other = cli({"render", "--template", "{{firstName}}", "--lead", both});
  BOOST_TEST(other.json()["rendered"] == "B");
  checkFailure(cli({"render", "--template", "x", "--lead", R"({"lead": {"firstName": 5}})"}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(render_usage_errors) {
  Cli cli;
  checkFailure(cli({"render", "--template", "x", "--lead", "[1]"}), 2, "invalid_argument");
  checkFailure(cli({"render", "--template", "x", "--lead", "{"}), 2, "invalid_argument");
  checkFailure(cli({"render", "--template", "x", "--lead", R"({"firstName": 5})"}), 2, "invalid_argument");
  checkFailure(cli({"render", "--template", "x", "--format", "markdown"}), 2, "invalid_argument");
  checkFailure(cli({"render", "--lead", "{}"}), 2, "invalid_argument");
  BOOST_TEST(cli({"render", "--template", "plain"}).json()["rendered"] == "plain");  // --lead defaults to {}
}

// ---- Usage errors and global options ----

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_with_invalid_argument) {
  Cli cli;
  checkFailure(cli.raw({}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "frobnicate"}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "leads"}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "leads", "bulkk"}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "--verbose", "workspace", "create"}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "--now", "yesterday", "workspace", "create"}), 2, "invalid_argument");
  checkFailure(cli.raw({"--db", cli.db, "--now", "2025-06-10", "workspace", "create"}), 2, "invalid_argument");
  BOOST_TEST(!std::filesystem::exists(cli.db));  // nothing ran
}

BOOST_AUTO_TEST_CASE(an_unknown_flag_or_command_is_named_with_the_closest_valid_one) {
  Cli cli;
  const auto usage = [&](const std::vector<std::string>& args) {
    const Run r = cli(args);
    checkFailure(r, 2, "invalid_argument");
    return r.message();
  };
  // Reported before the required flag it was meant to be.
  BOOST_TEST(usage({"leads", "bulk", "--campaing", kCampaign}) == "unknown flag --campaing; did you mean --campaign?");
  BOOST_TEST(usage({"leads", "get", "--campaing", kCampaign, "a@b.io"}) ==
             "unknown flag --campaing; did you mean --campaign?");
  BOOST_TEST(usage({"leads", "import", "--campaign", kCampaign, "x.csv", "--batchsize", "10"}) ==
             "unknown flag --batchsize; did you mean --batch-size?");
  BOOST_TEST(usage({"leads", "bulk", "--campaign", kCampaign, "--dryrun"}) ==
             "unknown flag --dryrun; did you mean --dry-run?");
  BOOST_TEST(usage({"leads", "bulk", "--campaign=x", "--Mode=merge"}) == "unknown flag --Mode; did you mean --mode?");
  // A global flag is valid after any command.
  BOOST_TEST(usage({"campaign", "get", "c1", "--nwo", kNow}) == "unknown flag --nwo; did you mean --now?");
  BOOST_TEST(usage({"leads", "get", "--campaign", kCampaign, "a@b.io", "--verbose"}) ==
             "unknown flag --verbose; see leads get --help");
  // Commands, at the level they were expected.
  BOOST_TEST(usage({"leads", "bulkk", "--campaign", kCampaign}) ==
             "unknown command leads bulkk; did you mean leads bulk?");
  BOOST_TEST(usage({"campaing", "get", "c1"}) == "unknown command campaing; did you mean campaign?");
  BOOST_TEST(usage({"campaign", "step", "ad", "c1"}) ==
             "unknown command campaign step ad; did you mean campaign step add?");
  BOOST_TEST(usage({"frobnicate"}) == "unknown command frobnicate; see --help");
  BOOST_TEST(usage({"campaign", "get", "c1", "c2"}) == "unexpected argument c2; see campaign get --help");
  BOOST_TEST(!std::filesystem::exists(cli.db));  // nothing ran
}

BOOST_AUTO_TEST_CASE(version_prints_the_library_and_sqlite_versions) {
  Cli cli;
  for (const auto& args : {std::vector<std::string>{"--version"}, std::vector<std::string>{"leads", "--version"}}) {
    const Run r = cli.raw(args);
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.err == "");
    const Json doc = r.json();
    BOOST_TEST(keysOf(doc) == (std::vector<std::string>{"leadterra", "sqlite"}), boost::test_tools::per_element());
    BOOST_TEST(doc["leadterra"] == LEADTERRA_VERSION);
    BOOST_TEST(doc["sqlite"] == std::string(leadterra::sqliteVersion()));
    BOOST_TEST(doc["sqlite"].get<std::string>().starts_with("3."));
  }
  BOOST_TEST(!std::filesystem::exists(cli.dir.path() / "leadterra.db"));
}

BOOST_AUTO_TEST_CASE(not_found_is_worded_one_way_by_the_tool_and_the_library) {
  Cli cli;
  cli.seedCampaign();
  // campaign get and lead get are answered by the tool, the others by the library.
  BOOST_TEST(cli({"campaign", "get", "camp_none"}).message() == "campaign 'camp_none' not found");
  BOOST_TEST(cli({"campaign", "start", "camp_none"}).message() == "campaign 'camp_none' not found");
  BOOST_TEST(cli({"campaign", "schedule", "camp_none", "--no-cap"}).message() == "campaign 'camp_none' not found");
  BOOST_TEST(cli({"leads", "get", "--campaign", kCampaign, "x@y.io"}).message() ==
             fmt::format("lead 'x@y.io' not found in campaign '{}'", kCampaign));
  BOOST_TEST(cli({"messages", "replied", "--campaign", kCampaign, "x@y.io"}).message() ==
             fmt::format("lead 'x@y.io' not found in campaign '{}'", kCampaign));
  BOOST_TEST(cli({"campaign", "create", "--workspace", "ws_none", "--name", "x"}).message() ==
             "workspace 'ws_none' not found");
  BOOST_TEST(cli({"messages", "sent", "msg_none"}).message() == "message 'msg_none' not found");
}

BOOST_AUTO_TEST_CASE(help_exits_0_on_stdout) {
  Cli cli;
  const Run r = cli.raw({"--help"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out.find("leads") != std::string::npos);
  BOOST_TEST(cli.raw({"leads", "bulk", "--help"}).out.find("--campaign") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(global_options_set_the_file_and_the_clock) {
  Cli cli;
  // Default file in the working directory; --now after the command works too.
  const Run r = cli.raw({"workspace", "create", "--id", "ws_1", "--now", "2030-01-02T03:04:05Z"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.json()["workspace"]["createdAt"] == "2030-01-02T03:04:05Z");
  BOOST_TEST(std::filesystem::exists(cli.dir.path() / "leadterra.db"));
  // Without --now: the system clock.
  const Run later = cli.raw({"workspace", "create", "--id", "ws_2"});
  BOOST_TEST(later.json()["workspace"]["createdAt"].get<std::string>().substr(0, 2) == "20");
  BOOST_TEST(later.json()["workspace"]["createdAt"] != "2030-01-02T03:04:05Z");
  checkFailure(cli.raw({"workspace", "create", "--id", "ws_1"}), 1, "conflict");  // same default file
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_a_storage_error) {
  Cli cli;
  writeFile(cli.db, std::string(8192, 'x'));
  checkFailure(cli({"workspace", "create"}), 1, "storage_error");
}

BOOST_AUTO_TEST_CASE(read_only_commands_on_a_missing_file_are_not_found_and_create_nothing) {
  Cli cli;
  const std::string typo = cli.dir.file("typo.db");
  const std::vector<std::vector<std::string>> reads = {
      {"campaign", "get", kCampaign},
      {"leads", "get", "--campaign", kCampaign, "ava@acmecorp.com"},
      {"messages", "list", "--campaign", kCampaign},
      {"suppression", "list", "--workspace", "ws_1"},
      {"leads", "bulk", "--campaign", kCampaign, "--dry-run"},
  };
  for (std::vector<std::string> args : reads) {
    BOOST_TEST_CONTEXT(fmt_args(args)) {
      args.insert(args.begin(), {"--db", typo});
      const Run r = cli.raw(args, kSeedBody);
      checkFailure(r, 1, "not_found");
      BOOST_TEST(r.message() == "database file '" + typo + "' not found");
    }
  }
  BOOST_TEST(!std::filesystem::exists(typo));
  BOOST_TEST(!std::filesystem::exists(typo + "-wal"));
  // The same commands on a file that exists read it; a write creates it.
  cli.seedCampaign();
  BOOST_TEST(cli({"campaign", "get", kCampaign}).status == 0);
  BOOST_TEST(cli({"suppression", "list", "--workspace", "ws_1"}).status == 0);
}

// ---- demo ----

BOOST_AUTO_TEST_CASE(demo_runs_the_seed_walkthrough) {
  Cli cli;
  const Run r = cli.raw({"demo"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(std::filesystem::exists(cli.dir.path() / "leadterra-demo.db"));
  BOOST_TEST(r.err.find("# 1.") != std::string::npos);  // headings on stderr
  const std::vector<Json> docs = documents(r.out);      // stdout: JSON documents only
  BOOST_REQUIRE_GE(docs.size(), 10u);

  std::vector<Json> results, starts, leads;
  for (const Json& d : docs) {
    if (d.contains("result")) results.push_back(d["result"]);
    if (d.contains("campaign") && !d["campaign"].contains("steps")) starts.push_back(d["campaign"]);
    if (d.contains("lead")) leads.push_back(d);
  }
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  BOOST_TEST(results[0]["enrolled"] == 3);
  BOOST_TEST(results[0]["totalInCampaign"] == 3);
  BOOST_TEST(results[1]["enrolled"] == 0);
  BOOST_TEST(results[1]["updated"] == 3);
  BOOST_REQUIRE_EQUAL(starts.size(), 1u);
  BOOST_TEST(starts[0] == Json::parse(R"({"id": "camp_01HZA1TPNQ8RD4KF", "status": "running",
      "startedAt": "2025-06-10T15:00:00Z", "leadsEnrolled": 3, "queuedMessages": 3})"));

  bool avaAdvanced = false, stepTwoQueued = false, marcusReplied = false, rendered = false;
  for (const Json& d : docs) {
    if (d.contains("lead") && d["lead"]["email"] == "ava@acmecorp.com") avaAdvanced = d["lead"]["position"] == 1;
    if (d.contains("lead") && d["lead"]["email"] == "marcus@buildfast.io") {
      marcusReplied = d["lead"]["status"] == "replied";
    }
    if (!d.contains("messages")) continue;
    for (const Json& m : d["messages"]) {
      if (m["step"] == 2 && m["status"] == "queued" && m["email"] == "ava@acmecorp.com") {
        stepTwoQueued = m["scheduledAt"] == "2025-06-13T15:00:00Z";
      }
      if (m["email"] == "priya@nexusai.com" && m["subject"].get<std::string>().find("Priya") != std::string::npos &&
          m["body"].get<std::string>().find("Nexus AI") != std::string::npos) {
        rendered = true;
      }
    }
  }
  BOOST_TEST(avaAdvanced);
  BOOST_TEST(stepTwoQueued);
  BOOST_TEST(marcusReplied);
  BOOST_TEST(rendered);

  // Run again: it starts over on a fresh file and prints the same walkthrough.
  const Run again = cli.raw({"demo"});
  BOOST_TEST(again.status == 0);
  BOOST_TEST(documents(again.out).size() == docs.size());
}

BOOST_AUTO_TEST_CASE(demo_refuses_an_existing_db_it_was_given) {
  Cli cli;
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_1"}).status, 0);
  checkFailure(cli.raw({"--db", cli.db, "demo"}), 1, "conflict");
  const Run fresh = cli.raw({"--db", cli.dir.file("fresh.db"), "demo"});
  BOOST_TEST(fresh.status == 0);
  BOOST_TEST(!std::filesystem::exists(cli.dir.path() / "leadterra-demo.db"));
}

BOOST_AUTO_TEST_SUITE_END()
