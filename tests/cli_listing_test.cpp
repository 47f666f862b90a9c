// The CLI's listings (docs/cli.md, docs/listing.md): `leads list`, `leads
// count`, `campaign list`, `workspace list` and `messages list` with paging,
// and `leads export` (docs/export.md), run as the real binary.
#define BOOST_TEST_MODULE cli_listing
#include <boost/test/unit_test.hpp>


#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tools/cli_runner.hpp"

#ifndef LEADTERRA_CLI_PATH
#error "cli_listing_test needs the leadterra_cli target (LEADTERRA_CLI=ON)"
#endif


namespace {

using Json = nlohmann::ordered_json;
using leadterra::test::readFile;
using leadterra::test::TempDir;
using leadterra::test::writeFile;

constexpr const char* kCampaign = "camp_1";
constexpr const char* kSteps = R"({"steps": [{"subject": "Hi {{firstName}}", "body": "Hello {{firstName}}"}]})";

struct Run {
  int status = -1;
  std::string out;
  std::string err;

  [[nodiscard]] Json json() const { return Json::parse(out); }
  [[nodiscard]] std::string code() const { return Json::parse(err).at("error").at("code").get<std::string>(); }
};

std::vector<std::string> keysOf(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

// {"leads": [...]} with leads <prefix><first>@acme.com ... in that order.
std::string body(const std::string& prefix, int first, int count) {
  Json leads = Json::array();
  for (int i = first; i < first + count; ++i) {
    leads.push_back({{"email", prefix + std::to_string(i) + "@acme.com"}, {"firstName", "N" + std::to_string(i)}});
  }
  return Json{{"leads", leads}}.dump();
}

// The real binary on a fresh file, with a fixed --now unless the arguments
// give their own.
class Cli {
 public:
  TempDir dir;
  std::string db = dir.file("cli.db");

  Run operator()(const std::vector<std::string>& args, const std::string& input = {},
                 const std::string& now = "2025-06-10T15:00:00Z") {
    std::vector<std::string> argv = {LEADTERRA_CLI_PATH, "--db", db, "--now", now};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string in = dir.file("stdin"), out = dir.file("stdout"), err = dir.file("stderr");
    writeFile(in, input);
    const pid_t pid = leadterra::test::spawnProcess(argv, "", in, out, err);
    return {leadterra::test::waitExit(pid), readFile(out), readFile(err)};
  }

  // Workspace ws_1 with the campaign camp_1 (one step) and `leads` leads a0.. .
  void seed(int leads) {
    BOOST_REQUIRE_EQUAL((*this)({"workspace", "create", "--id", "ws_1", "--name", "Acme"}).status, 0);
    BOOST_REQUIRE_EQUAL(
        (*this)({"campaign", "create", "--workspace", "ws_1", "--id", kCampaign, "--name", "One", "--steps", "-"},
                kSteps)
            .status,
        0);
    if (leads > 0) {
      BOOST_REQUIRE_EQUAL((*this)({"leads", "bulk", "--campaign", kCampaign}, body("a", 0, leads)).status, 0);
    }
  }

  // Every item of a listing, page by page with --limit `limit`; checks each
  // page's shape and that only the last one has a null nextCursor. `between`
  // runs after each page but the last.
  std::vector<Json> pages(std::vector<std::string> args, const std::string& key, int limit,
                          const std::function<void()>& between = {}) {
    args.insert(args.end(), {"--limit", std::to_string(limit)});
    std::vector<Json> items;
    std::string after;
    while (true) {
      std::vector<std::string> call = args;
      if (!after.empty()) call.insert(call.end(), {"--after", after});
      const Run r = (*this)(call);
      BOOST_REQUIRE_EQUAL(r.status, 0);
      const Json doc = r.json();
      BOOST_TEST(keysOf(doc) == (std::vector<std::string>{key, "nextCursor"}), boost::test_tools::per_element());
      BOOST_TEST(doc[key].size() <= static_cast<std::size_t>(limit));
      for (const Json& item : doc[key]) items.push_back(item);
      if (doc["nextCursor"].is_null()) return items;
      BOOST_TEST(doc[key].size() == static_cast<std::size_t>(limit));
      after = doc["nextCursor"].get<std::string>();
      if (between) between();
    }
  }
};

std::vector<std::string> field(const std::vector<Json>& items, const char* key) {
  std::vector<std::string> out;
  for (const Json& item : items) out.push_back(item.at(key).get<std::string>());
  return out;
}

std::vector<Json> itemsOf(const Json& array) { return std::vector<Json>(array.begin(), array.end()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_listing)

BOOST_AUTO_TEST_CASE(leads_list_prints_every_lead_as_leads_get_does_and_a_null_cursor) {
  Cli cli;
  cli.seed(3);
  const Run r = cli({"leads", "list", "--campaign", kCampaign});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.err == "");
  const Json doc = r.json();
  // The layout of every other command: two-space indentation, one newline.
  BOOST_TEST(r.out == doc.dump(2) + "\n");
  BOOST_TEST(keysOf(doc) == (std::vector<std::string>{"leads", "nextCursor"}), boost::test_tools::per_element());
  BOOST_TEST(doc["nextCursor"].is_null());
  BOOST_REQUIRE_EQUAL(doc["leads"].size(), 3U);
  for (int i = 0; i < 3; ++i) {
    const std::string email = "a" + std::to_string(i) + "@acme.com";
    BOOST_TEST(doc["leads"][i] == cli({"leads", "get", "--campaign", kCampaign, email}).json()["lead"]);
  }
  // Nested customFields, empty objects and arrays, escapes and non-ASCII text
  // come out as the same document printed whole would have them.
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign},
                          R"({"leads": [{"email": "n@acme.com", "firstName": "Zoë \"Q\" \\ \u0001",
                                          "customFields": {"a": {"b": [], "c": {}, "d": [1, 2.5, {"e": null}]},
                                                           "t": "x,y:{z}[w]"}}]})")
                          .status,
                      0);
  const Run nested = cli({"leads", "list", "--campaign", kCampaign});
  BOOST_TEST(nested.out == nested.json().dump(2) + "\n");
  BOOST_TEST(nested.json()["leads"][3]["customFields"]["t"] == "x,y:{z}[w]");
  // An empty listing has the same shape.
  BOOST_REQUIRE_EQUAL(cli({"campaign", "create", "--workspace", "ws_1", "--id", "camp_empty", "--name", "E"}).status,
                      0);
  const Run empty = cli({"leads", "list", "--campaign", "camp_empty"});
  BOOST_TEST(empty.out == "{\n  \"leads\": [],\n  \"nextCursor\": null\n}\n");
}

BOOST_AUTO_TEST_CASE(leads_list_streams_a_listing_longer_than_a_library_page) {
  Cli cli;
  cli.seed(0);
  BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, body("a", 0, 2500)).status, 0);
  const Run r = cli({"leads", "list", "--campaign", kCampaign});
  BOOST_REQUIRE_EQUAL(r.status, 0);
  BOOST_TEST(r.out == r.json().dump(2) + "\n");
  const std::vector<std::string> emails = field(itemsOf(r.json()["leads"]), "email");
  BOOST_REQUIRE_EQUAL(emails.size(), 2500U);
  for (std::size_t i = 0; i < emails.size(); ++i) BOOST_TEST(emails[i] == "a" + std::to_string(i) + "@acme.com");
  // A --limit past a library page: 1,500 then the rest.
  const Json first = cli({"leads", "list", "--campaign", kCampaign, "--limit", "1500"}).json();
  BOOST_TEST(first["leads"].size() == 1500U);
  const Json rest = cli({"leads", "list", "--campaign", kCampaign, "--limit", "1500", "--after",
                         first["nextCursor"].get<std::string>()})
                        .json();
  BOOST_TEST(rest["leads"].size() == 1000U);
  BOOST_TEST(rest["nextCursor"].is_null());
  BOOST_TEST(rest["leads"][0]["email"] == "a1500@acme.com");
}

BOOST_AUTO_TEST_CASE(pages_of_leads_hold_each_lead_once_while_other_processes_enroll) {
  Cli cli;
  cli.seed(20);
  int added = 0;
  // Between pages another process enrolls two leads and updates one.
  const std::vector<Json> seen = cli.pages({"leads", "list", "--campaign", kCampaign}, "leads", 3, [&] {
    const std::string rows = body("new", added, 2);
    Json doc = Json::parse(rows);
    doc["leads"].push_back({{"email", "a0@acme.com"}, {"firstName", "Changed"}});
    BOOST_REQUIRE_EQUAL(cli({"leads", "bulk", "--campaign", kCampaign}, doc.dump()).status, 0);
    added += 2;
  });
  BOOST_TEST(added >= 12);
  const std::vector<Json> all = itemsOf(cli({"leads", "list", "--campaign", kCampaign}).json()["leads"]);
  BOOST_TEST(field(seen, "email") == field(all, "email"), boost::test_tools::per_element());
  BOOST_TEST(all.size() == 20U + static_cast<std::size_t>(added));
  const std::vector<std::string> ids = field(seen, "id");
  BOOST_TEST(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
}

BOOST_AUTO_TEST_CASE(leads_list_filters_by_status_and_updated_since) {
  Cli cli;
  cli.seed(6);
  BOOST_REQUIRE_EQUAL(cli({"suppression", "add", "--workspace", "ws_1", "a1@acme.com", "a4@acme.com"}, {},
                          "2025-06-11T09:00:00Z")
                          .status,
                      0);
  const auto emails = [&](std::vector<std::string> args) {
    const Run r = cli(args);
    BOOST_REQUIRE_EQUAL(r.status, 0);
    return field(itemsOf(r.json()["leads"]), "email");
  };
  BOOST_TEST(emails({"leads", "list", "--campaign", kCampaign, "--status", "suppressed"}) ==
                 (std::vector<std::string>{"a1@acme.com", "a4@acme.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(emails({"leads", "list", "--campaign", kCampaign, "--status", "active"}).size() == 4U);
  BOOST_TEST(emails({"leads", "list", "--campaign", kCampaign, "--updated-since", "2025-06-11T09:00:00Z"}) ==
                 (std::vector<std::string>{"a1@acme.com", "a4@acme.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(emails({"leads", "list", "--campaign", kCampaign, "--updated-since", "2025-06-11T09:00:01Z"}).empty());
  BOOST_TEST(field(cli.pages({"leads", "list", "--campaign", kCampaign, "--status", "active"}, "leads", 1), "email") ==
                 (std::vector<std::string>{"a0@acme.com", "a2@acme.com", "a3@acme.com", "a5@acme.com"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_listing_arguments_fail_cleanly_with_nothing_on_stdout) {
  Cli cli;
  cli.seed(2);
  const auto failure = [&](const std::vector<std::string>& args, int status, const std::string& code) {
    const Run r = cli(args);
    BOOST_TEST_CONTEXT(args.back()) {
      BOOST_TEST(r.status == status);
      BOOST_TEST(r.out == "");
      BOOST_TEST(r.code() == code);
    }
  };
  failure({"leads", "list", "--campaign", kCampaign, "--after", "lead:x"}, 1, "invalid_argument");
  failure({"leads", "list", "--campaign", kCampaign, "--after", "msg:1"}, 1, "invalid_argument");
  failure({"leads", "list", "--campaign", kCampaign, "--after", ""}, 2, "invalid_argument");
  failure({"leads", "list", "--campaign", kCampaign, "--limit", "0"}, 2, "invalid_argument");
  failure({"leads", "list", "--campaign", kCampaign, "--status", "asleep"}, 2, "invalid_argument");
  failure({"leads", "list", "--campaign", kCampaign, "--updated-since", "yesterday"}, 2, "invalid_argument");
  failure({"leads", "list", "--campaign", "camp_missing"}, 1, "not_found");
  failure({"leads", "count", "--campaign", "camp_missing"}, 1, "not_found");
  failure({"campaign", "list", "--workspace", "ws_missing"}, 1, "not_found");
  failure({"messages", "list", "--campaign", kCampaign, "--workspace", "ws_other"}, 1, "not_found");
  failure({"workspace", "list", "--after", "camp:1:camp_1"}, 1, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(listings_of_a_missing_database_are_not_found_and_create_no_file) {
  Cli cli;  // nothing run yet: its database does not exist
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"workspace", "list"},
                                             {"campaign", "list", "--workspace", "ws_1"},
                                             {"leads", "list", "--campaign", kCampaign},
                                             {"leads", "count", "--campaign", kCampaign},
                                             {"messages", "list", "--campaign", kCampaign, "--limit", "5"}}) {
    const Run r = cli(args);
    BOOST_TEST_CONTEXT(args.front() + " " + args.at(1)) {
      BOOST_TEST(r.status == 1);
      BOOST_TEST(r.out == "");
      BOOST_TEST(r.code() == "not_found");
      BOOST_TEST(!std::filesystem::exists(cli.db));
    }
  }
}

BOOST_AUTO_TEST_CASE(leads_count_prints_every_status) {
  Cli cli;
  cli.seed(5);
  BOOST_REQUIRE_EQUAL(cli({"suppression", "add", "--workspace", "ws_1", "a2@acme.com"}).status, 0);
  const Run r = cli({"leads", "count", "--campaign", kCampaign});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out == R"({
  "counts": {
    "campaignId": "camp_1",
    "total": 5,
    "byStatus": {
      "active": 4,
      "completed": 0,
      "suppressed": 1,
      "replied": 0,
      "bounced": 0,
      "unsubscribed": 0,
      "paused": 0
    }
  }
}
)");
}

BOOST_AUTO_TEST_CASE(campaign_and_workspace_lists_page_like_get_prints) {
  Cli cli;
  cli.seed(2);
  BOOST_REQUIRE_EQUAL(cli({"workspace", "create", "--id", "ws_2"}, {}, "2025-06-10T15:00:01Z").status, 0);
  for (const char* id : {"camp_2", "camp_3"}) {
    BOOST_REQUIRE_EQUAL(cli({"campaign", "create", "--workspace", "ws_1", "--id", id, "--name", id}).status, 0);
  }
  const std::vector<Json> campaigns = cli.pages({"campaign", "list", "--workspace", "ws_1"}, "campaigns", 2);
  BOOST_TEST(field(campaigns, "id") == (std::vector<std::string>{"camp_1", "camp_2", "camp_3"}),
             boost::test_tools::per_element());
  BOOST_TEST(campaigns[0] == cli({"campaign", "get", kCampaign}).json()["campaign"]);
  BOOST_TEST(campaigns[0]["leadsEnrolled"] == 2);
  const Json all = cli({"campaign", "list", "--workspace", "ws_1"}).json();
  BOOST_TEST(keysOf(all) == (std::vector<std::string>{"campaigns", "nextCursor"}), boost::test_tools::per_element());
  BOOST_TEST(itemsOf(all["campaigns"]) == campaigns, boost::test_tools::per_element());
  BOOST_TEST(cli({"campaign", "list", "--workspace", "ws_2"}).out ==
             "{\n  \"campaigns\": [],\n  \"nextCursor\": null\n}\n");

  const std::vector<Json> workspaces = cli.pages({"workspace", "list"}, "workspaces", 1);
  BOOST_TEST(field(workspaces, "id") == (std::vector<std::string>{"ws_1", "ws_2"}), boost::test_tools::per_element());
  BOOST_TEST(workspaces[0] == Json::parse(R"({"id": "ws_1", "name": "Acme", "createdAt": "2025-06-10T15:00:00Z",)"
                                           R"( "rules": {"replyStopsAllCampaigns": true, "frequencyCap": null}})"));
}

BOOST_AUTO_TEST_CASE(messages_list_keeps_its_shape_and_pages_with_limit_or_after) {
  Cli cli;
  cli.seed(5);
  BOOST_REQUIRE_EQUAL(cli({"campaign", "start", kCampaign}).status, 0);
  const Run plain = cli({"messages", "list", "--campaign", kCampaign});
  BOOST_TEST(plain.status == 0);
  BOOST_TEST(plain.out == plain.json().dump(2) + "\n");
  BOOST_TEST(keysOf(plain.json()) == std::vector<std::string>{"messages"}, boost::test_tools::per_element());
  BOOST_TEST(plain.json()["messages"].size() == 5U);
  const std::vector<Json> paged = cli.pages({"messages", "list", "--campaign", kCampaign}, "messages", 2);
  BOOST_TEST(paged == itemsOf(plain.json()["messages"]), boost::test_tools::per_element());
  // Filters without paging keep the plain shape too.
  const Json queued =
      cli({"messages", "list", "--campaign", kCampaign, "--status", "queued", "--workspace", "ws_1"}).json();
  BOOST_TEST(keysOf(queued) == std::vector<std::string>{"messages"}, boost::test_tools::per_element());
  BOOST_TEST(queued["messages"].size() == 5U);
  BOOST_TEST(cli({"messages", "list", "--campaign", kCampaign, "--updated-since", "2025-06-10T15:00:01Z"})
                 .json()["messages"]
                 .empty());
  const Json last = cli({"messages", "list", "--campaign", kCampaign, "--limit", "5"}).json();
  BOOST_TEST(last["messages"].size() == 5U);
  BOOST_TEST(last["nextCursor"].is_null());
}

// ---- leads export ----

BOOST_AUTO_TEST_CASE(leads_export_prints_the_file_text_and_jsonl_lines_as_leads_get) {
  Cli cli;
  cli.seed(2);
  const Run csv = cli({"leads", "export", "--campaign", kCampaign});
  BOOST_TEST(csv.status == 0);
  BOOST_TEST(csv.err == "");
  BOOST_TEST(csv.out ==
             "email,firstName,lastName,company,jobTitle,leadterra:status,leadterra:position,leadterra:variant,"
             "leadterra:lastEvent,leadterra:lastEventAt\r\n"
             "a0@acme.com,N0,,,,active,0,,enrolled,2025-06-10T15:00:00Z\r\n"
             "a1@acme.com,N1,,,,active,0,,enrolled,2025-06-10T15:00:00Z\r\n");
  const Run jsonl = cli({"leads", "export", "--campaign", kCampaign, "--format", "jsonl", "--status", "active"});
  BOOST_TEST(jsonl.status == 0);
  const std::string first = jsonl.out.substr(0, jsonl.out.find('\n'));
  Json lead = cli({"leads", "get", "--campaign", kCampaign, "a0@acme.com"}).json()["lead"];
  lead["variant"] = nullptr;
  lead["lastEvent"] = "enrolled";
  lead["lastEventAt"] = "2025-06-10T15:00:00Z";
  BOOST_TEST(Json::parse(first) == lead);
}

BOOST_AUTO_TEST_CASE(leads_export_out_writes_a_file_that_imports_back) {
  Cli cli;
  cli.seed(3);
  const std::string file = cli.dir.file("leads.csv");
  const Run r = cli({"leads", "export", "--campaign", kCampaign, "--out", file});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.json() == Json::parse(R"({"export": {"file": ")" + file + R"(", "format": "csv", "leads": 3}})"));
  BOOST_REQUIRE_EQUAL(
      cli({"campaign", "create", "--workspace", "ws_1", "--id", "camp_2", "--name", "Two", "--steps", "-"}, kSteps)
          .status,
      0);
  const Run imported = cli({"leads", "import", "--campaign", "camp_2", file});
  BOOST_TEST(imported.status == 0);
  BOOST_TEST(imported.json()["result"]["enrolled"] == 3);
  std::vector<Json> again = itemsOf(cli({"leads", "list", "--campaign", "camp_2"}).json()["leads"]);
  BOOST_TEST(field(again, "email") == (std::vector<std::string>{"a0@acme.com", "a1@acme.com", "a2@acme.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(field(again, "firstName") == (std::vector<std::string>{"N0", "N1", "N2"}), boost::test_tools::per_element());
  BOOST_TEST(again[0]["customFields"] == Json::object());
}

BOOST_AUTO_TEST_CASE(leads_export_of_an_unknown_campaign_fails_and_leaves_no_file) {
  Cli cli;
  cli.seed(1);
  const std::string file = cli.dir.file("none.csv");
  const Run r = cli({"leads", "export", "--campaign", "camp_9", "--out", file});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.code() == "not_found");
  BOOST_TEST(r.out == "");
  BOOST_TEST(!std::filesystem::exists(file));
  BOOST_TEST(cli({"leads", "export", "--campaign", kCampaign, "--format", "xml"}).status == 2);
}

BOOST_AUTO_TEST_SUITE_END()
