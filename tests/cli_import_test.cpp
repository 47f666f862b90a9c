// `leadterra leads import` as people run it: exports with their own header
// names and delimiters, a column map, stdin, --format, --dry-run, --strict
// and files that are not UTF-8 (docs/import.md, docs/cli.md).
#define BOOST_TEST_MODULE cli_import
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tools/cli_runner.hpp"

#ifndef LEADTERRA_CLI_PATH
#error "cli_import_test needs the leadterra_cli target (LEADTERRA_CLI=ON)"
#endif

namespace {

using Json = nlohmann::ordered_json;
using leadterra::test::CliRun;

constexpr const char* kCampaign = "camp_01HZA1TPNQ8RD4KF";

// A runner with workspace ws_1 and the draft campaign kCampaign.
struct Cli : leadterra::test::CliRunner {
  Cli() {
    BOOST_REQUIRE_EQUAL((*this)({"workspace", "create", "--id", "ws_1", "--name", "Acme"}).status, 0);
    const std::string steps = R"({"steps": [{"subject": "Hi {{firstName}}", "body": "{{company}}"}]})";
    BOOST_REQUIRE_EQUAL(
        (*this)({"campaign", "create", "--workspace", "ws_1", "--id", kCampaign, "--name", "N", "--steps", "-"}, steps)
            .status,
        0);
  }

  // `leads import --campaign kCampaign` with `args`.
  CliRun import(std::vector<std::string> args, const std::string& input = {}) {
    args.insert(args.begin(), {"leads", "import", "--campaign", kCampaign});
    return (*this)(args, input);
  }

  // The lead as `leads get` prints it; null when it is not in the campaign.
  Json lead(const std::string& email) {
    const CliRun r = (*this)({"leads", "get", "--campaign", kCampaign, email});
    return r.status == 0 ? r.json()["lead"] : Json(nullptr);
  }
};

// A failure: nothing on stdout, {"error": {"code", "message"}} on stderr.
void checkFailure(const CliRun& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.error()["code"] == code);
}

std::string messageOf(const CliRun& r) { return r.error()["message"].get<std::string>(); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_import)

BOOST_AUTO_TEST_CASE(an_export_with_its_own_names_and_semicolons_imports_as_is) {
  Cli cli;
  const std::string file = cli.file("hubspot.csv",
                                    "\xEF\xBB\xBF"
                                    "Email Address;First Name;Last Name;Company Name;Job Title;Lead Score\r\n"
                                    "ava@acmecorp.com;Ava;Chen;Acme Corp;VP Sales;85\r\n");
  const CliRun r = cli.import({file});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.json()["result"]["enrolled"] == 1);
  const Json ava = cli.lead("ava@acmecorp.com");
  BOOST_TEST(ava["firstName"] == "Ava");
  BOOST_TEST(ava["lastName"] == "Chen");
  BOOST_TEST(ava["company"] == "Acme Corp");
  BOOST_TEST(ava["jobTitle"] == "VP Sales");
  BOOST_TEST(ava["customFields"] == Json({{"Lead_Score", "85"}}));
}

BOOST_AUTO_TEST_CASE(map_sends_columns_to_fields_custom_keys_or_nowhere) {
  Cli cli;
  const std::string file = cli.file("leads.csv",
                                    "Work Email,Org,Phone,Notes\n"
                                    "ava@acmecorp.com,Acme Corp,+47 1234,private\n");
  // --map before the file: it takes one value, not the file too.
  const CliRun r = cli.import({"--map", "Work Email=email, Org=company", "--map", "Phone=phone,Notes=", file});
  BOOST_TEST(r.status == 0, r.err);
  const Json ava = cli.lead("ava@acmecorp.com");
  BOOST_TEST(ava["company"] == "Acme Corp");
  BOOST_TEST(ava["customFields"] == Json({{"phone", "+47 1234"}}));
}

BOOST_AUTO_TEST_CASE(map_mistakes_are_named_and_write_nothing) {
  Cli cli;
  const std::string file = cli.file("leads.csv", "email,Company\nava@acmecorp.com,Acme\n");
  const CliRun missing = cli.import({file, "--map", "Org=company"});
  checkFailure(missing, 1, "invalid_argument");
  BOOST_TEST(contains(messageOf(missing), "\"Org\""));
  BOOST_TEST(cli.lead("ava@acmecorp.com").is_null());
  checkFailure(cli.import({file, "--map", "Org"}), 2, "invalid_argument");
  checkFailure(cli.import({file, "--map", "=email"}), 2, "invalid_argument");
  checkFailure(cli.import({file, "--map", "Org=company,Org=email"}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(no_email_column_lists_the_names_accepted) {
  Cli cli;
  const CliRun r = cli.import({cli.file("leads.csv", "Mail,Name\nava@acmecorp.com,Ava\n")});
  checkFailure(r, 1, "invalid_argument");
  BOOST_TEST(contains(messageOf(r), "\"Email Address\""));
  BOOST_TEST(contains(messageOf(r), "\"Work Email\""));
}

BOOST_AUTO_TEST_CASE(delimiter_is_found_or_given) {
  Cli cli;
  const std::string tabs = cli.file("leads.csv", "email\tfirstName\nava@acmecorp.com\tAva\n");
  BOOST_TEST(cli.import({tabs}).status == 0);
  BOOST_TEST(cli.lead("ava@acmecorp.com")["firstName"] == "Ava");
  // Given: "a,b" is one header cell and one custom key.
  const std::string given = cli.file("given.csv", "email;a,b,c\nbo@acmecorp.com;1,2,3\n");
  BOOST_TEST(cli.import({given, "--delimiter", ";"}).status == 0);
  BOOST_TEST(cli.lead("bo@acmecorp.com")["customFields"] == Json({{"a,b,c", "1,2,3"}}));
  const std::string tabGiven = cli.file("tab.txt", "email\tCity\ncy@acmecorp.com\tOslo\n");
  BOOST_TEST(cli.import({tabGiven, "--delimiter", "tab", "--format", "csv"}).status == 0);
  BOOST_TEST(cli.lead("cy@acmecorp.com")["customFields"] == Json({{"City", "Oslo"}}));
  checkFailure(cli.import({given, "--delimiter", "|"}), 2, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(a_latin1_file_is_refused_with_how_to_convert_it) {
  Cli cli;
  // Windows-1252 / Latin-1: "Prénom" with é as the one byte 0xE9.
  const std::string file = cli.file("excel.csv", "email;Pr\xE9nom\nzoe@acmecorp.com;Zo\xEB\n");
  const CliRun r = cli.import({file});
  checkFailure(r, 1, "invalid_argument");
  BOOST_TEST(contains(messageOf(r), "not UTF-8"));
  BOOST_TEST(contains(messageOf(r), "iconv -f WINDOWS-1252 -t UTF-8"));
  BOOST_TEST(cli.lead("zoe@acmecorp.com").is_null());
  // An ASCII header: the rows with other bytes fail alone, saying the same.
  const std::string rows = cli.file("rows.csv", "email;firstName\nzoe@acmecorp.com;Zo\xEB\nbo@acmecorp.com;Bo\n");
  const Json result = cli.import({rows}).json()["result"];
  BOOST_TEST(result["enrolled"] == 1);
  BOOST_TEST(result["failed"] == 1);
  BOOST_TEST(result["errors"][0]["code"] == "invalid_field");
  BOOST_TEST(contains(result["errors"][0]["message"].get<std::string>(), "iconv"));
}

BOOST_AUTO_TEST_CASE(stdin_is_read_for_a_dash) {
  Cli cli;
  BOOST_TEST(cli.import({"-"}, "Email;Given Name\nava@acmecorp.com;Ava\n").json()["result"]["enrolled"] == 1);
  BOOST_TEST(cli.lead("ava@acmecorp.com")["firstName"] == "Ava");
  // '{' first: JSON Lines.
  const std::string jsonl = "\n{\"email\": \"bo@acmecorp.com\", \"firstName\": \"Bo\"}\n";
  BOOST_TEST(cli.import({"-"}, jsonl).json()["result"]["enrolled"] == 1);
  BOOST_TEST(cli.lead("bo@acmecorp.com")["firstName"] == "Bo");
  // --format says it outright.
  BOOST_TEST(cli.import({"-", "--format", "jsonl"}, "{\"email\": \"cy@acmecorp.com\"}\n").status == 0);
  BOOST_TEST(cli.lead("cy@acmecorp.com")["email"] == "cy@acmecorp.com");
  const CliRun empty = cli.import({"-"}, "");
  checkFailure(empty, 1, "invalid_argument");
  BOOST_TEST(contains(messageOf(empty), "stdin"));
}

BOOST_AUTO_TEST_CASE(format_overrides_the_extension) {
  Cli cli;
  const std::string file = cli.file("export.txt", "{\"email\": \"ava@acmecorp.com\"}\n");
  const CliRun refused = cli.import({file});
  checkFailure(refused, 1, "invalid_argument");
  BOOST_TEST(contains(messageOf(refused), "--format"));
  BOOST_TEST(cli.import({file, "--format", "jsonl"}).json()["result"]["enrolled"] == 1);
  checkFailure(cli.import({file, "--format", "xlsx"}), 2, "invalid_argument");
  checkFailure(cli.import({file, "--format", "jsonl", "--map", "a=email"}), 1, "invalid_argument");
}

BOOST_AUTO_TEST_CASE(dry_run_prints_the_columns_and_first_rows_and_writes_nothing) {
  Cli cli;
  std::string text = "E-mail,Firstname,Org,Notes,Lead Score\n";
  for (int i = 0; i < 12; ++i) {
    text += i == 1 ? "not-an-email,Bad,,,\n" : "lead" + std::to_string(i) + "@acmecorp.com,Lead,Acme,x,1\n";
  }
  const CliRun r = cli.import({cli.file("leads.csv", text), "--dry-run", "--map", "Org=company,Notes="});
  BOOST_TEST(r.status == 0);
  const Json preview = r.json().at("preview");
  BOOST_TEST(preview["format"] == "csv");
  BOOST_TEST(preview["delimiter"] == ",");
  const Json columns = Json::parse(R"([
      {"column": 1, "header": "E-mail", "field": "email"},
      {"column": 2, "header": "Firstname", "field": "firstName"},
      {"column": 3, "header": "Org", "field": "company"},
      {"column": 4, "header": "Notes", "ignored": true},
      {"column": 5, "header": "Lead Score", "customField": "Lead_Score"}])");
  BOOST_TEST(preview["columns"] == columns);
  const Json result = preview["result"];
  BOOST_TEST(result["dryRun"] == true);
  BOOST_TEST(result["enrolled"] == 9);
  BOOST_TEST(result["failed"] == 1);
  BOOST_TEST_REQUIRE(result["rows"].size() == 10u);
  BOOST_TEST(result["rows"][0] == Json::parse(R"({"index": 0, "email": "lead0@acmecorp.com", "outcome": "enrolled"})"));
  BOOST_TEST(result["rows"][1]["outcome"] == "failed");
  BOOST_TEST(result["rows"][1]["code"] == "invalid_email");
  BOOST_TEST(cli.lead("lead0@acmecorp.com").is_null());
  // Nothing is written, so no rejects file either.
  checkFailure(cli.import({cli.dir.file("leads.csv"), "--dry-run", "--rejects", cli.dir.file("r.jsonl")}), 2,
               "invalid_argument");
}

BOOST_AUTO_TEST_CASE(strict_exits_3_when_rows_failed_and_still_prints_the_result) {
  Cli cli;
  const std::string bad = cli.file("bad.csv", "email\nava@acmecorp.com\nnot-an-email\n");
  const CliRun lenient = cli.import({bad});
  BOOST_TEST(lenient.status == 0);
  BOOST_TEST(lenient.json()["result"]["failed"] == 1);
  const CliRun strict = cli.import({bad, "--strict"});
  BOOST_TEST(strict.status == 3);
  BOOST_TEST(strict.err == "");
  BOOST_TEST(strict.json()["result"]["updated"] == 1);  // the good row is imported all the same
  BOOST_TEST(strict.json()["result"]["failed"] == 1);
  BOOST_TEST(cli.import({bad, "--strict", "--dry-run"}).status == 3);
  const std::string good = cli.file("good.csv", "email\nbo@acmecorp.com\n");
  BOOST_TEST(cli.import({good, "--strict"}).status == 0);
  BOOST_TEST(cli.import({good, "--strict", "--dry-run"}).status == 0);
}

BOOST_AUTO_TEST_CASE(a_dry_run_on_a_missing_database_creates_no_file) {
  leadterra::test::CliRunner cli;  // no workspace, no campaign: its database does not exist yet
  const std::string file = cli.file("leads.csv", "email\nava@acmecorp.com\n");
  const CliRun r = cli({"leads", "import", "--campaign", kCampaign, file, "--dry-run"});
  checkFailure(r, 1, "not_found");
  BOOST_TEST(contains(messageOf(r), cli.db));
  BOOST_TEST(!std::filesystem::exists(cli.db));
}

BOOST_AUTO_TEST_SUITE_END()
