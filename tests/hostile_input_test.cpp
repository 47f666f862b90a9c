// Hostile input (SPEC sections 2, 3, 5): a corpus of bad rows and payloads,
// each with its stated result (tests/data/hostile/, described in its
// README.md): invalid UTF-8, NUL bytes, 10 MB strings, deeply nested and
// non-object customFields, numbers where strings belong, SQL fragments,
// template syntax and HTML inside fields, emails that are almost valid.
// Every row is sent through the JSON adapter to the library, through the
// CLI's `leads bulk`, and as a .jsonl and .csv import. Nothing crashes, every
// row gets its stated result, injection text is stored verbatim and rendered
// escaped in html steps (and verbatim in text steps); a subject is a header
// value, rendered unescaped with its line breaks and other control
// characters folded to spaces.
#define BOOST_TEST_MODULE hostile_input
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "test_util.hpp"
#include "tools/figures.hpp"
#include "tools/invariants.hpp"
#include "tools/process.hpp"

using namespace leadterra;
using namespace leadterra::test;
using Json = nlohmann::json;

namespace {

const std::string kCorpus = LEADTERRA_TEST_DATA_DIR "/hostile";
const std::string kBody = "{{firstName}}|{{lastName}}|{{company}}|{{jobTitle}}|{{note}}";

// The corpus's expansions: \xNN is the byte NN, ${TEXT*N} is TEXT N times.
std::string expand(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 2, "\\x") == 0 && i + 4 <= s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16)));
      i += 4;
      continue;
    }
    if (s.compare(i, 2, "${") == 0) {
      // TEXT runs up to the first "*<digits>}".
      for (std::size_t star = s.find('*', i + 2); star != std::string::npos; star = s.find('*', star + 1)) {
        std::size_t end = star + 1;
        while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
        if (end > star + 1 && end < s.size() && s[end] == '}') {
          const std::string text = s.substr(i + 2, star - i - 2);
          const auto times = std::stoul(s.substr(star + 1, end - star - 1));
          for (std::size_t k = 0; k < times; ++k) out += text;
          i = end + 1;
          goto next;
        }
      }
    }
    out.push_back(s[i++]);
  next:;
  }
  return out;
}

struct Case {
  std::string name;
  std::string text;  // the row (JSON) or record (CSV) as sent
  std::string outcome;
  std::string code;
  std::string jsonlOutcome, jsonlCode;
  std::string email;
  Json stored, html, plain, subject;
  std::vector<std::string> before;
};

std::vector<Case> loadCases(const std::string& file) {
  std::vector<Case> cases;
  std::ifstream in(kCorpus + "/" + file);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << file);
  auto expanded = [](const Json& j) -> Json {
    if (j.is_string()) return expand(j.get<std::string>());
    if (j.is_object()) {
      Json out = Json::object();
      for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? Json(expand(v.get<std::string>())) : v;
      return out;
    }
    return j;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const Json j = Json::parse(line);
    Case c;
    c.name = j.at("name").get<std::string>();
    if (j.contains("line")) {
      c.text = expand(j.at("line").get<std::string>());
    } else {
      c.text = j.contains("rowText") ? expand(j.at("rowText").get<std::string>()) : j.at("row").dump();
    }
    c.outcome = j.at("outcome").get<std::string>();
    c.code = j.value("code", "");
    c.jsonlOutcome = j.contains("jsonl") ? j["jsonl"].at("outcome").get<std::string>() : c.outcome;
    c.jsonlCode = j.contains("jsonl") ? j["jsonl"].value("code", "") : c.code;
    c.email = expand(j.value("email", ""));
    c.stored = j.contains("stored") ? expanded(j["stored"]) : Json();
    c.html = j.contains("html") ? expanded(j["html"]) : Json();
    c.plain = j.contains("text") ? expanded(j["text"]) : Json();
    c.subject = j.contains("subject") ? expanded(j["subject"]) : Json();
    for (const auto& b : j.value("before", Json::array())) c.before.push_back(b.dump());
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string bodyOf(const std::vector<std::string>& rows) {
  std::string body = "{\"leads\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) body += (i ? "," : "") + rows[i];
  return body + "]}";
}

std::string outcomeName(const RowResult& r) { return std::string(toString(r.outcome)); }

// index -> code of each line of a rejects file. Read by its fixed prefix
// {"index":N,"line":L,"code":"C",...}: the "row" that follows is the input
// as read, which a strict JSON parser may refuse (a lone surrogate escape).
std::map<std::size_t, std::string> rejectedCodes(const std::string& path) {
  std::map<std::size_t, std::string> codes;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto index = line.find("\"index\":");
    const auto code = line.find("\"code\":\"");
    BOOST_REQUIRE_MESSAGE(index != std::string::npos && code != std::string::npos, "rejects line: " << line);
    const auto codeStart = code + 8;
    codes[std::stoul(line.substr(index + 8))] = line.substr(codeStart, line.find('"', codeStart) - codeStart);
  }
  return codes;
}

struct HostileFixture {
  TempDir dir;
  std::string db = dir.file("hostile.db");
  std::unique_ptr<CampaignEngine> engine = CampaignEngine::open(db);
  std::vector<Case> rows = loadCases("rows.jsonl");

  HostileFixture() {
    engine->createWorkspace({"ws_hostile", "Hostile", {}});
    std::vector<std::string> entries{"@suppressed.test", "blocked@hostile.test"};
    (void)engine->addSuppressions("ws_hostile", entries);
    for (const char* id : {"camp_html", "camp_text", "camp_cli", "camp_jsonl", "camp_csv"}) {
      const StepFormat format = std::string(id) == "camp_text" ? StepFormat::text : StepFormat::html;
      engine->createCampaign({"ws_hostile", id, id, {{"{{firstName}}", kBody, format, 0}}, {}, {}});
      (void)engine->startCampaign(id);
    }
  }

  // Upserts every case's `before` rows into the campaign.
  void runBefores(const std::string& campaign, const std::vector<Case>& cases) {
    std::vector<std::string> before;
    for (const Case& c : cases) before.insert(before.end(), c.before.begin(), c.before.end());
    if (!before.empty()) (void)engine->bulkUpsert(campaign, json::parseLeads(bodyOf(before)));
  }

  // The stored lead and its queued message agree with the case.
  void checkLead(const std::string& campaign, const Case& c, bool html) {
    if (c.email.empty() || c.outcome == "failed" || c.outcome == "skipped") return;
    const auto lead = engine->getLead(campaign, c.email);
    BOOST_REQUIRE_MESSAGE(lead.has_value(), c.name << ": no lead " << c.email);
    if (c.stored.is_object()) {
      for (const auto& [field, want] : c.stored.items()) {
        std::optional<std::string> got;
        if (field == "email") got = lead->email;
        if (field == "firstName") got = lead->firstName;
        if (field == "lastName") got = lead->lastName;
        if (field == "company") got = lead->company;
        if (field == "jobTitle") got = lead->jobTitle;
        if (field == "customFields") {
          BOOST_TEST(Json::parse(lead->customFields) == want, c.name << ": customFields " << lead->customFields);
          continue;
        }
        if (want.is_null()) {
          BOOST_TEST(!got.has_value(), c.name << ": " << field << " should be cleared");
        } else {
          BOOST_TEST((got && *got == want.get<std::string>()), c.name << ": " << field << " is not stored verbatim");
        }
      }
    }
    const Json& body = html ? c.html : c.plain;
    if (!body.is_string() && !c.subject.is_string()) return;
    const auto queued = engine->listMessages(campaign, MessageStatus::queued);
    const auto m = std::find_if(queued.begin(), queued.end(), [&](const Message& x) { return x.email == c.email; });
    BOOST_REQUIRE_MESSAGE(m != queued.end(), c.name << ": no queued message");
    if (body.is_string()) BOOST_TEST(m->body == body.get<std::string>(), c.name << (html ? " (html)" : " (text)"));
    if (c.subject.is_string()) BOOST_TEST(m->subject == c.subject.get<std::string>(), c.name << " (subject)");
  }
};

// The first character of `s` that a header value may not hold (a C0 control,
// DEL, a C1 control, U+2028, U+2029), as "U+XXXX"; empty when there is none.
std::string firstHeaderControl(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0; };
    char32_t cp = 0;
    if (c < 0x20 || c == 0x7F) {
      cp = c;
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      cp = next(1);
    } else if (c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9)) {
      cp = 0x2000 + next(2) - 0x80;
    } else {
      continue;
    }
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
  }
  return {};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(hostile_input, HostileFixture)

BOOST_AUTO_TEST_CASE(every_hostile_row_gets_its_stated_result_through_the_library) {
  std::vector<std::string> texts;
  for (const Case& c : rows) texts.push_back(c.text);
  const std::vector<LeadRow> inputs = json::parseLeads(bodyOf(texts));
  BOOST_REQUIRE_EQUAL(inputs.size(), rows.size());

  for (const std::string campaign : {"camp_html", "camp_text"}) {
    runBefores(campaign, rows);
    BulkOptions options;
    options.details = true;
    const BulkResult r = engine->bulkUpsert(campaign, inputs, options);
    BOOST_TEST(r.enrolled + r.updated + r.skipped + r.failed == static_cast<std::int64_t>(rows.size()));
    BOOST_REQUIRE_EQUAL(r.rows.size(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      BOOST_TEST_CONTEXT(campaign << " row " << i << ": " << rows[i].name) {
        BOOST_TEST(outcomeName(r.rows[i]) == rows[i].outcome);
        BOOST_TEST((r.rows[i].code ? std::string(toString(*r.rows[i].code)) : std::string()) == rows[i].code);
      }
    }
    for (const Case& c : rows) checkLead(campaign, c, campaign == "camp_html");
  }
  const InvariantReport inv = checkInvariants(db);
  BOOST_TEST(inv.problems.empty(), describe(inv));
  recordFigures("hostile_input_test library", std::to_string(rows.size()) + " hostile rows x 2 campaigns (html, text)");
}

#ifdef LEADTERRA_CLI_PATH
BOOST_AUTO_TEST_CASE(every_hostile_row_gets_its_stated_result_through_the_cli_body_and_a_jsonl_import) {
  std::vector<std::string> texts;
  for (const Case& c : rows) texts.push_back(c.text);
  runBefores("camp_cli", rows);
  runBefores("camp_jsonl", rows);
  engine.reset();  // the CLI processes write the file now
  const std::string bodyFile = dir.file("body.json");
  writeFile(bodyFile, bodyOf(texts));
  const std::string out = dir.file("bulk.out");
  {
    ChildProcess cli(LEADTERRA_CLI_PATH, {"--db", db, "leads", "bulk", "--campaign", "camp_cli", bodyFile, "--details"},
                     out, dir.file("bulk.err"));
    cli.wait();
    BOOST_REQUIRE_MESSAGE(cli.exitCode() == 0, readFile(dir.file("bulk.err")));
  }
  const Json result = Json::parse(readFile(out)).at("result");
  const Json& details = result.at("rows");
  BOOST_REQUIRE_EQUAL(details.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST_CONTEXT("cli row " << i << ": " << rows[i].name) {
      BOOST_TEST(details[i].at("outcome").get<std::string>() == rows[i].outcome);
      BOOST_TEST(details[i].value("code", "") == rows[i].code);
    }
  }

  // The same rows as the lines of a .jsonl file.
  const std::string jsonl = dir.file("rows.jsonl");
  {
    std::ofstream f(jsonl, std::ios::binary);
    for (const std::string& t : texts) f << t << "\n";
  }
  const std::string importOut = dir.file("import.out");
  const std::string rejects = dir.file("rejects.jsonl");
  {
    ChildProcess cli(
        LEADTERRA_CLI_PATH,
        {"--db", db, "leads", "import", "--campaign", "camp_jsonl", jsonl, "--batch-size", "7", "--rejects", rejects},
        importOut, dir.file("import.err"));
    cli.wait();
    BOOST_REQUIRE_MESSAGE(cli.exitCode() == 0, readFile(dir.file("import.err")));
  }
  const Json imported = Json::parse(readFile(importOut)).at("result");
  std::map<std::string, std::int64_t> want;
  std::map<std::size_t, std::string> wantCodes;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ++want[rows[i].jsonlOutcome];
    if (rows[i].jsonlOutcome == "failed") wantCodes[i] = rows[i].jsonlCode;
  }
  for (const char* k : {"enrolled", "updated", "skipped", "failed"}) {
    BOOST_TEST(imported.at(k).get<std::int64_t>() == want[k], "jsonl " << k);
  }
  std::map<std::size_t, std::string> gotCodes = rejectedCodes(rejects);
  BOOST_TEST(gotCodes.size() == wantCodes.size());
  for (const auto& [index, code] : wantCodes) {
    BOOST_TEST_CONTEXT("jsonl row " << index << ": " << rows[index].name) { BOOST_TEST(gotCodes[index] == code); }
  }
  const InvariantReport inv = checkInvariants(db);
  BOOST_TEST(inv.problems.empty(), describe(inv));
}

BOOST_AUTO_TEST_CASE(every_hostile_csv_record_gets_its_stated_result) {
  const std::vector<Case> records = loadCases("csv_rows.jsonl");
  const std::string csv = dir.file("hostile.csv");
  {
    std::ofstream f(csv, std::ios::binary);
    f << "email,firstName,lastName,company,jobTitle,note\n";
    for (const Case& c : records) f << c.text << "\n";
  }
  engine.reset();
  const std::string out = dir.file("csv.out");
  const std::string rejects = dir.file("csv-rejects.jsonl");
  {
    ChildProcess cli(
        LEADTERRA_CLI_PATH,
        {"--db", db, "leads", "import", "--campaign", "camp_csv", csv, "--batch-size", "5", "--rejects", rejects}, out,
        dir.file("csv.err"));
    cli.wait();
    BOOST_REQUIRE_MESSAGE(cli.exitCode() == 0, readFile(dir.file("csv.err")));
  }
  const Json result = Json::parse(readFile(out)).at("result");
  std::map<std::string, std::int64_t> want;
  for (const Case& c : records) ++want[c.outcome];
  for (const char* k : {"enrolled", "updated", "skipped", "failed"}) {
    BOOST_TEST(result.at(k).get<std::int64_t>() == want[k], "csv " << k);
  }
  std::map<std::size_t, std::string> gotCodes = rejectedCodes(rejects);
  for (std::size_t i = 0; i < records.size(); ++i) {
    BOOST_TEST_CONTEXT("csv record " << i << ": " << records[i].name) {
      BOOST_TEST((gotCodes.count(i) ? gotCodes[i] : std::string()) == records[i].code);
    }
  }
  engine = CampaignEngine::open(db);
  for (const Case& c : records) checkLead("camp_csv", c, true);
  recordFigures("hostile_input_test csv", std::to_string(records.size()) + " hostile CSV records");
}
#endif

BOOST_AUTO_TEST_CASE(every_hostile_body_is_refused_whole_or_read_row_by_row) {
  std::ifstream in(kCorpus + "/bodies.jsonl");
  BOOST_REQUIRE(in);
  int tried = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const Json c = Json::parse(line);
    const std::string body = expand(c.at("bodyText").get<std::string>());
    BOOST_TEST_CONTEXT("body: " << c.at("name").get<std::string>()) {
      ++tried;
      const std::int64_t leadsBefore = engine->getCampaign("camp_html")->leadsEnrolled;
      try {
        const std::vector<LeadRow> inputs = json::parseLeads(body);
        BOOST_TEST(!c.contains("error"), "accepted a body that should be refused");
        BOOST_TEST(inputs.size() == c.value("rows", 0U));
        const BulkResult r = engine->bulkUpsert("camp_html", inputs);
        BOOST_TEST(r.enrolled + r.updated + r.skipped + r.failed == static_cast<std::int64_t>(inputs.size()));
      } catch (const Error& e) {
        BOOST_TEST(c.value("error", "") == std::string(toString(e.code())), e.what());
        BOOST_TEST(engine->getCampaign("camp_html")->leadsEnrolled == leadsBefore);  // nothing written
      }
#ifdef LEADTERRA_CLI_PATH
      // The CLI: exit 1 and the same code on stderr, or exit 0.
      const std::string file = dir.file("body.json");
      writeFile(file, body);
      ChildProcess cli(LEADTERRA_CLI_PATH, {"--db", dir.file("cli.db"), "leads", "bulk", "--campaign", "camp_x", file},
                       "", dir.file("body.err"));
      cli.wait();
      const std::string err = readFile(dir.file("body.err"));
      if (c.contains("error")) {
        BOOST_TEST(cli.exitCode() == 1);
        BOOST_TEST(err.find("\"" + c.at("error").get<std::string>() + "\"") != std::string::npos, err);
      } else {
        BOOST_TEST(cli.exitCode() == 1);  // the body was read: the unknown campaign is what fails
        BOOST_TEST(err.find("\"not_found\"") != std::string::npos, err);
      }
#endif
    }
  }
  recordFigures("hostile_input_test bodies", std::to_string(tried) + " hostile bodies");
}

// Defect: a subject is a mail header value, yet a line break in a lead's
// value went into the rendered subject as it was, so a host writing it into
// a "Subject:" header sent a blind copy to an address the lead chose. Every
// control character is now folded to a space in a rendered subject (a CRLF
// pair to one); the body keeps its line breaks.
BOOST_AUTO_TEST_CASE(regression_a_line_break_in_a_lead_value_injected_a_header_through_the_subject) {
  const Step step{"Hi {{firstName}}", "Hi {{firstName}},\r\n\r\nThanks.", StepFormat::text, 0};
  engine->createCampaign({"ws_hostile", "camp_hdr", "Headers", {step}, {}, {}});
  (void)engine->startCampaign("camp_hdr");
  // Through the JSON adapter, as a host receives it.
  BulkResult r = engine->bulkUpsert(
      "camp_hdr", json::parseLeads(R"({"leads":[{"email":"ann@hostile.test","firstName":"Ann\r\nBcc: victim@evil.io"},)"
                                   R"({"email":"bo@hostile.test","firstName":"Bo"}]})"));
  BOOST_TEST(r.enrolled == 2);
  // An update renders the queued message again: the new value is folded too.
  r = engine->bulkUpsert(
      "camp_hdr", json::parseLeads(R"({"leads":[{"email":"bo@hostile.test","firstName":"Bo\nCc: victim@evil.io"}]})"));
  BOOST_TEST(r.updated == 1);

  std::vector<Message> claimed = engine->claimDue(100, 300);
  BOOST_REQUIRE_EQUAL(claimed.size(), 2U);
  std::sort(claimed.begin(), claimed.end(), [](const Message& a, const Message& b) { return a.email < b.email; });
  const Message& ann = claimed[0];
  const Message& bo = claimed[1];
  BOOST_TEST(ann.email == "ann@hostile.test");
  BOOST_TEST(ann.subject == "Hi Ann Bcc: victim@evil.io");
  BOOST_TEST(firstHeaderControl(ann.subject).empty(), firstHeaderControl(ann.subject));
  BOOST_TEST(ann.body == "Hi Ann\r\nBcc: victim@evil.io,\r\n\r\nThanks.");  // the body is untouched
  BOOST_TEST(bo.subject == "Hi Bo Cc: victim@evil.io");
  BOOST_TEST(firstHeaderControl(bo.subject).empty(), firstHeaderControl(bo.subject));
  BOOST_TEST(bo.body == "Hi Bo\nCc: victim@evil.io,\r\n\r\nThanks.");
  // The lead keeps its value as given.
  BOOST_TEST(engine->getLead("camp_hdr", "ann@hostile.test")->firstName.value() == "Ann\r\nBcc: victim@evil.io");
}

// The same whatever the source of the control character: a custom field, a
// fallback text, the subject's own template text, and a step edited while
// messages are queued (they are rendered again).
BOOST_AUTO_TEST_CASE(a_subject_is_folded_whatever_the_source_of_the_control_character) {
  engine->createCampaign({"ws_hostile",
                          "camp_src",
                          "Sources",
                          {{"Re:\r\n{{firstName|friend\tof\x7Fours}} in {{city}}", "{{city}}", StepFormat::html, 0}},
                          {}, {}});
  (void)engine->startCampaign("camp_src");
  const BulkResult r = engine->bulkUpsert(
      "camp_src", json::parseLeads(R"({"leads":[{"email":"cy@hostile.test","customFields":)"
                                   R"({"city":"Oslo\r\nBcc: victim@evil.io\u0085\u2028"}}]})"));
  BOOST_TEST(r.enrolled == 1);
  std::vector<Message> queued = engine->listMessages("camp_src", MessageStatus::queued);
  BOOST_REQUIRE_EQUAL(queued.size(), 1U);
  BOOST_TEST(queued[0].subject == "Re: friend of ours in Oslo Bcc: victim@evil.io  ");
  BOOST_TEST(queued[0].body == "Oslo\r\nBcc: victim@evil.io\u0085\u2028");

  (void)engine->pauseCampaign("camp_src");
  (void)engine->replaceStep("camp_src", 1, {"{{city}}\n\nX-Evil: 1", "{{city}}", StepFormat::text, 0});
  (void)engine->startCampaign("camp_src");
  const std::vector<Message> claimed = engine->claimDue(100, 300);
  BOOST_REQUIRE_EQUAL(claimed.size(), 1U);
  BOOST_TEST(claimed[0].subject == "Oslo Bcc: victim@evil.io    X-Evil: 1");
  BOOST_TEST(firstHeaderControl(claimed[0].subject).empty(), firstHeaderControl(claimed[0].subject));
}

// Defect: nlohmann's dump (used by the JSON adapter and by the engine's
// checks) recurses once per nesting level, so customFields nested tens of
// thousands of levels deep overflowed the stack: a crash of the CLI on one
// bad line of a .jsonl file or one row of a body. customFields may now nest
// at most 64 levels; deeper is field_too_long, in every path.
BOOST_AUTO_TEST_CASE(regression_deeply_nested_custom_fields_crashed_the_parser_and_the_engine) {
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  // Straight to the engine (under its 64 KiB text check).
  LeadInput direct;
  direct.email = "deep@hostile.test";
  direct.customFields = "{\"a\":" + nested(30000) + "}";
  // Through the JSON adapter: a body and a .jsonl line of 1 MB.
  const std::string row = "{\"email\":\"deep2@hostile.test\",\"customFields\":{\"a\":" + nested(500000) + "}}";
  std::vector<LeadRow> inputs{{direct}, json::parseLeads("{\"leads\":[" + row + "]}").at(0), json::parseLead(row)};
  // The limit itself: 64 levels pass, 65 do not.
  LeadInput at64;
  at64.email = "deep64@hostile.test";
  at64.customFields = "{\"a\":" + nested(63) + "}";
  LeadInput at65;
  at65.email = "deep65@hostile.test";
  at65.customFields = "{\"a\":" + nested(64) + "}";
  inputs.push_back({at64});
  inputs.push_back({at65});

  BulkOptions options;
  options.details = true;
  const BulkResult r = engine->bulkUpsert("camp_html", inputs, options);
  BOOST_REQUIRE_EQUAL(r.rows.size(), 5U);
  for (std::size_t i : {0, 1, 2, 4}) {
    BOOST_TEST_CONTEXT("row " << i) {
      BOOST_TEST(outcomeName(r.rows[i]) == "failed");
      BOOST_TEST((r.rows[i].code == RowCode::field_too_long));
    }
  }
  BOOST_TEST(outcomeName(r.rows[3]) == "enrolled");
  BOOST_TEST(r.errors.at(0).message.find("nested deeper than 64 levels") != std::string::npos, r.errors.at(0).message);
}

// Defect: a JSON escape of a lone surrogate ("\ud800") is valid JSON text but
// no UTF-8 string; the parser refused the whole body for it, so one bad row
// failed every row of the call. It is now that row's invalid_field, like any
// invalid UTF-8, and the other rows proceed.
BOOST_AUTO_TEST_CASE(regression_a_lone_surrogate_escape_failed_the_whole_body) {
  const std::string body = R"({"leads":[{"email":"ok1@hostile.test"},)"
                           R"({"email":"bad@hostile.test","firstName":"x\ud800"},)"
                           R"({"email":"ok2@hostile.test","firstName":"\ud83d\ude00"}]})";
  std::vector<LeadRow> inputs;
  BOOST_REQUIRE_NO_THROW(inputs = json::parseLeads(body));
  const BulkResult r = engine->bulkUpsert("camp_html", inputs);
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(r.failed == 1);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1U);
  BOOST_TEST(r.errors[0].index == 1U);
  BOOST_TEST((r.errors[0].code == RowCode::invalid_field));
  BOOST_TEST(engine->getLead("camp_html", "ok2@hostile.test")->firstName.value() == "\xF0\x9F\x98\x80");
  // A .jsonl line with one: that row's invalid_field too, not malformed_row.
  const LeadRow line = json::parseLead(R"({"email":"bad2@hostile.test","lastName":"\udfff"})");
  BOOST_TEST((line.defect == RowDefect::none));
  std::vector<LeadRow> one{line};
  BOOST_TEST((engine->bulkUpsert("camp_html", one).errors.at(0).code == RowCode::invalid_field));
}

BOOST_AUTO_TEST_SUITE_END()
