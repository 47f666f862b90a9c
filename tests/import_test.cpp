#define BOOST_TEST_MODULE import
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <cstdint>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "leadterra/import.hpp"
#include "test_util.hpp"
#include "util/text.hpp"

using leadterra::ErrorCode;
using leadterra::LeadInput;
using leadterra::LeadRow;
using leadterra::RowCode;
using leadterra::RowDefect;
using leadterra::LeadFileReader;
using leadterra::test::EngineFixture;
using leadterra::test::TempDir;
using leadterra::test::readFile;
using leadterra::test::writeFile;
using namespace std::string_literals;

namespace {

struct ReadRow {
  LeadRow row;
  std::string raw;
  std::uint64_t line = 0;
  std::string defect;  // the row's defectMessage
};

// Every row of a file written with `text`, through LeadFileReader, and the
// layout it read the file with.
std::vector<ReadRow> readAll(const TempDir& dir, const std::string& name, const std::string& text,
                             const leadterra::LeadFileOptions& options = {}, leadterra::LeadFileLayout* layout = nullptr) {
  const std::string path = dir.file(name);
  writeFile(path, text);
  const auto reader = LeadFileReader::open(path, options);
  std::vector<ReadRow> rows;
  ReadRow r;
  while (reader->next(r.row, r.raw)) {
    r.line = reader->lineNumber();
    r.defect = r.row.defectMessage;
    rows.push_back(r);
  }
  BOOST_TEST(reader->bytesRead() == reader->totalBytes());
  if (layout) *layout = reader->layout();
  return rows;
}

std::vector<ReadRow> readCsv(const std::string& text) {
  TempDir dir;
  return readAll(dir, "leads.csv", text);
}

std::vector<ReadRow> readJsonl(const std::string& text) {
  TempDir dir;
  return readAll(dir, "leads.jsonl", text);
}

ErrorCode openError(const std::string& name, const std::string& text) {
  TempDir dir;
  const std::string path = dir.file(name);
  writeFile(path, text);
  try {
    (void)LeadFileReader::open(path);
  } catch (const leadterra::Error& e) {
    return e.code();
  }
  BOOST_FAIL("the file was accepted: " << name);
  return ErrorCode::not_found;
}

// The message of the invalid_argument error that opening the file throws.
std::string refusal(const std::string& name, const std::string& text, const leadterra::LeadFileOptions& options = {}) {
  TempDir dir;
  const std::string path = dir.file(name);
  writeFile(path, text);
  try {
    (void)LeadFileReader::open(path, options);
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::invalid_argument));
    return e.what();
  }
  BOOST_FAIL("the file was accepted: " << text.substr(0, 80));
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

nlohmann::json customOf(const LeadRow& row) {
  BOOST_TEST_REQUIRE(row.lead.customFields.has_value());
  return nlohmann::json::parse(*row.lead.customFields);
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(import)

// ---- CSV reader ----

BOOST_AUTO_TEST_CASE(csv_maps_the_seed_columns) {
  const auto rows = readCsv(
      "email,firstName,lastName,company,jobTitle\n"
      "ava@acmecorp.com,Ava,Chen,Acme Corp,VP Sales\n"
      "marcus@buildfast.io,Marcus,Webb,BuildFast,Head of Growth\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  const LeadRow& ava = rows[0].row;
  BOOST_TEST(ava.lead.email.value() == "ava@acmecorp.com");
  BOOST_TEST(ava.lead.firstName.value() == "Ava");
  BOOST_TEST(ava.lead.lastName.value() == "Chen");
  BOOST_TEST(ava.lead.company.value() == "Acme Corp");
  BOOST_TEST(ava.lead.jobTitle.value() == "VP Sales");
  BOOST_TEST(!ava.lead.customFields.has_value());
  BOOST_TEST((ava.defect == RowDefect::none));
  BOOST_TEST(rows[1].row.lead.jobTitle.value() == "Head of Growth");
  BOOST_TEST(rows[0].line == 2u);
  BOOST_TEST(rows[1].line == 3u);
}

BOOST_AUTO_TEST_CASE(csv_header_names_match_ignoring_case_spaces_and_separators) {
  const auto rows = readCsv("E-mail, First Name ,last_name,COMPANY,Job Title\nava@acme.com,Ava,Chen,Acme,VP\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Ava");
  BOOST_TEST(rows[0].row.lead.lastName.value() == "Chen");
  BOOST_TEST(rows[0].row.lead.company.value() == "Acme");
  BOOST_TEST(rows[0].row.lead.jobTitle.value() == "VP");
  BOOST_TEST(!rows[0].row.lead.customFields.has_value());
}

BOOST_AUTO_TEST_CASE(csv_quoted_cells_keep_commas) {
  const auto rows = readCsv("email,company\nava@acme.com,\"Acme, Inc.\"\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.company.value() == "Acme, Inc.");
}

BOOST_AUTO_TEST_CASE(csv_doubled_quotes_are_one_quote) {
  const auto rows = readCsv("email,company,note\nava@acme.com,\"The \"\"Best\"\" Co\",\"\"\"\"\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.company.value() == "The \"Best\" Co");
  BOOST_TEST(customOf(rows[0].row)["note"] == "\"");
}

BOOST_AUTO_TEST_CASE(csv_line_breaks_inside_quotes_are_data) {
  const auto rows = readCsv(
      "email,address\n"
      "ava@acme.com,\"1 Main St\nSpringfield\"\n"
      "bo@acme.com,\"line1\r\nline2\rline3\"\n"
      "cy@acme.com,plain\n");
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(customOf(rows[0].row)["address"] == "1 Main St\nSpringfield");
  BOOST_TEST(customOf(rows[1].row)["address"] == "line1\r\nline2\rline3");
  BOOST_TEST(rows[2].row.lead.email.value() == "cy@acme.com");
  // Line numbers count the physical lines the quoted breaks make.
  BOOST_TEST(rows[0].line == 2u);
  BOOST_TEST(rows[1].line == 4u);
  BOOST_TEST(rows[2].line == 7u);
}

BOOST_AUTO_TEST_CASE(csv_crlf_and_cr_end_records) {
  const auto crlf = readCsv("email,firstName\r\nava@acme.com,Ava\r\nbo@acme.com,Bo\r\n");
  BOOST_TEST_REQUIRE(crlf.size() == 2u);
  BOOST_TEST(crlf[0].row.lead.firstName.value() == "Ava");  // no stray \r
  BOOST_TEST(crlf[1].row.lead.firstName.value() == "Bo");
  const auto cr = readCsv("email,firstName\rava@acme.com,Ava\rbo@acme.com,Bo");
  BOOST_TEST_REQUIRE(cr.size() == 2u);
  BOOST_TEST(cr[1].row.lead.firstName.value() == "Bo");
  BOOST_TEST(cr[1].line == 3u);
}

BOOST_AUTO_TEST_CASE(csv_utf8_bom_is_skipped) {
  const auto rows = readCsv("\xEF\xBB\xBF" "email,firstName\nava@acme.com,Zo\xC3\xAB\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Zo\xC3\xAB");
  BOOST_TEST(!rows[0].row.lead.customFields.has_value());  // the BOM did not make "\uFEFFemail" a custom key
}

BOOST_AUTO_TEST_CASE(csv_last_row_without_newline) {
  const auto rows = readCsv("email\nava@acme.com\nbo@acme.com");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[1].row.lead.email.value() == "bo@acme.com");
}

BOOST_AUTO_TEST_CASE(csv_empty_cells_are_absent_fields) {
  const auto rows = readCsv("email,firstName,lastName,company,city\nava@acme.com,,\"\",Acme,\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.firstName.isAbsent());
  BOOST_TEST(rows[0].row.lead.lastName.isAbsent());
  BOOST_TEST(rows[0].row.lead.jobTitle.isAbsent());
  BOOST_TEST(rows[0].row.lead.company.value() == "Acme");
  BOOST_TEST(!rows[0].row.lead.customFields.has_value());  // an empty custom cell is no key at all
  // Whitespace is not empty: cells are taken as written.
  const auto spaced = readCsv("email,firstName\nava@acme.com, \n");
  BOOST_TEST(spaced[0].row.lead.firstName.value() == " ");
}

BOOST_AUTO_TEST_CASE(csv_other_columns_become_custom_fields) {
  const auto rows = readCsv("email,City,lead score,firstName\nava@acme.com,Berlin,85,Ava\nbo@acme.com,,12,Bo\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"City", "Berlin"}, {"lead_score", "85"}}));
  BOOST_TEST(customOf(rows[1].row) == (nlohmann::json{{"lead_score", "12"}}));  // values stay strings
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Ava");
  BOOST_TEST(rows[0].row.unknownFields.empty());
}

BOOST_AUTO_TEST_CASE(csv_custom_values_are_escaped_as_json) {
  const auto rows = readCsv("email,note\nava@acme.com,\"say \"\"hi\"\"\\ \t\"\n");
  BOOST_TEST(customOf(rows[0].row)["note"] == "say \"hi\"\\ \t");
}

BOOST_AUTO_TEST_CASE(csv_short_rows_leave_missing_cells_absent) {
  const auto rows = readCsv("email,firstName,company,city\nava@acme.com,Ava\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST((rows[0].row.defect == RowDefect::none));
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Ava");
  BOOST_TEST(rows[0].row.lead.company.isAbsent());
  BOOST_TEST(!rows[0].row.lead.customFields.has_value());
}

BOOST_AUTO_TEST_CASE(csv_long_rows_are_malformed_unless_the_extra_cells_are_empty) {
  const auto rows = readCsv("email,firstName\nava@acme.com,Ava,extra\nbo@acme.com,Bo,,\ncy@acme.com,Cy\n");
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  BOOST_TEST((rows[0].row.defect == RowDefect::malformed));
  BOOST_TEST(rows[0].defect.find("3 cells") != std::string::npos);
  BOOST_TEST(rows[0].defect.find("2 columns") != std::string::npos);
  const auto raw = nlohmann::json::parse(rows[0].raw);
  BOOST_TEST(raw["(column 3)"] == "extra");  // the extra cell is in the row as read
  BOOST_TEST((rows[1].row.defect == RowDefect::none));  // trailing empty cells, as spreadsheets write
  BOOST_TEST(rows[1].row.lead.firstName.value() == "Bo");
  BOOST_TEST((rows[2].row.defect == RowDefect::none));
}

BOOST_AUTO_TEST_CASE(csv_broken_quoting_makes_the_row_malformed) {
  const auto after = readCsv("email,company\nava@acme.com,\"Acme\"Corp\nbo@acme.com,Bo\"s Shop\n");
  BOOST_TEST_REQUIRE(after.size() == 2u);
  BOOST_TEST((after[0].row.defect == RowDefect::malformed));
  BOOST_TEST(after[0].defect.find("closing quote") != std::string::npos);
  // A quote inside an unquoted cell is an ordinary character.
  BOOST_TEST((after[1].row.defect == RowDefect::none));
  BOOST_TEST(after[1].row.lead.company.value() == "Bo\"s Shop");

  const auto unclosed = readCsv("email,company\nava@acme.com,Acme\nbo@acme.com,\"Bo\nmore,rows\n");
  BOOST_TEST_REQUIRE(unclosed.size() == 2u);
  BOOST_TEST((unclosed[0].row.defect == RowDefect::none));
  BOOST_TEST((unclosed[1].row.defect == RowDefect::malformed));
  BOOST_TEST(unclosed[1].defect.find("not closed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(csv_blank_lines_and_empty_rows_are_skipped) {
  const auto rows = readCsv("\n\nemail,firstName\n\nava@acme.com,Ava\r\n\r\n,\n,,,\nbo@acme.com,Bo\n\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(rows[0].line == 5u);
  BOOST_TEST(rows[1].row.lead.email.value() == "bo@acme.com");
  BOOST_TEST(rows[1].line == 9u);
}

BOOST_AUTO_TEST_CASE(csv_raw_is_the_row_as_read) {
  const auto rows = readCsv("email,firstName,City\n\"AVA@acme.com \",,\"Köln, \"\"DE\"\"\"\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  const auto raw = nlohmann::json::parse(rows[0].raw);
  BOOST_TEST(raw == (nlohmann::json{{"email", "AVA@acme.com "}, {"firstName", ""}, {"City", "Köln, \"DE\""}}));
  // In the header's order.
  BOOST_TEST(rows[0].raw.find("\"email\"") < rows[0].raw.find("\"City\""));
}

BOOST_AUTO_TEST_CASE(csv_invalid_utf8_passes_through_to_the_engine) {
  const auto rows = readCsv("email,firstName,city\nava@acme.com,Zo\xC3,K\xFFln\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Zo\xC3");
  BOOST_TEST(rows[0].row.lead.customFields->find("K\xFFln") != std::string::npos);
  // The row as read is printable JSON all the same.
  BOOST_TEST(leadterra::detail::isCleanUtf8(rows[0].raw));
  BOOST_TEST(nlohmann::json::parse(rows[0].raw)["firstName"] == "Zo\xEF\xBF\xBD");
}

BOOST_AUTO_TEST_CASE(csv_rows_across_buffer_boundaries) {
  // Well over the reader's 64 KiB buffer, with quoted cells, doubled quotes
  // and line breaks falling on every offset.
  std::string text = "email,note\n";
  for (int i = 0; i < 5000; ++i) {
    text += "lead" + std::to_string(i) + "@acme.com,\"say \"\"" + std::to_string(i) + "\"\",\nok\"\r\n";
  }
  const auto rows = readCsv(text);
  BOOST_TEST_REQUIRE(rows.size() == 5000u);
  for (int i = 0; i < 5000; ++i) {
    BOOST_TEST_REQUIRE(rows[i].row.lead.email.value() == "lead" + std::to_string(i) + "@acme.com");
    BOOST_TEST_REQUIRE(customOf(rows[i].row)["note"] == "say \"" + std::to_string(i) + "\",\nok");
  }
  BOOST_TEST(rows[4999].line == 2u + 2u * 4999u);
}

BOOST_AUTO_TEST_CASE(csv_oversized_row_is_malformed_and_not_kept_whole) {
  const std::string huge(3 * LeadFileReader::kMaxRowBytes, 'x');
  const auto rows = readCsv("email,note\nava@acme.com,\"" + huge + "\"\nbo@acme.com,fine\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST((rows[0].row.defect == RowDefect::malformed));
  BOOST_TEST(rows[0].defect.find("longer than") != std::string::npos);
  BOOST_TEST(rows[0].raw.size() < LeadFileReader::kMaxRowBytes + 100);
  BOOST_TEST(rows[1].row.lead.company.isAbsent());
  BOOST_TEST(customOf(rows[1].row)["note"] == "fine");
}

BOOST_AUTO_TEST_CASE(csv_refused_at_open) {
  BOOST_TEST((openError("leads.csv", "firstName,company\nAva,Acme\n") == ErrorCode::invalid_argument));  // no email
  BOOST_TEST((openError("leads.csv", "") == ErrorCode::invalid_argument));                               // no header
  BOOST_TEST((openError("leads.csv", "\n\n") == ErrorCode::invalid_argument));
  BOOST_TEST((openError("leads.csv", "email,Email\nava@acme.com,x\n") == ErrorCode::invalid_argument));  // twice
  BOOST_TEST((openError("leads.csv", "email,\"city\n") == ErrorCode::invalid_argument));  // broken header
  BOOST_TEST((openError("leads.txt", "email\nava@acme.com\n") == ErrorCode::invalid_argument));
  BOOST_TEST((openError("leads", "email\nava@acme.com\n") == ErrorCode::invalid_argument));
}

// ---- Columns: aliases, the column map, custom keys ----

namespace {

// The standard field `name` of a row read from a file.
const leadterra::FieldPatch& fieldOf(const LeadInput& in, const std::string& name) {
  if (name == "email") return in.email;
  if (name == "firstName") return in.firstName;
  if (name == "lastName") return in.lastName;
  if (name == "company") return in.company;
  if (name == "jobTitle") return in.jobTitle;
  throw std::invalid_argument(name);
}

}  // namespace

BOOST_AUTO_TEST_CASE(csv_header_aliases_name_the_standard_fields) {
  // Every spelling docs/import.md lists, and the variants it promises to
  // match (case, spaces, '-', '_' and '.' ignored).
  const std::pair<const char*, const char*> aliases[] = {
      {"email", "email"}, {"Email", "email"}, {"EMAIL", "email"}, {"E-mail", "email"}, {"e.mail", "email"},
      {"Email Address", "email"}, {"E-mail Address", "email"}, {"email_address", "email"}, {"Work Email", "email"},
      {"Work Email Address", "email"}, {"Business Email", "email"}, {"Primary Email", "email"},
      {"Contact Email", "email"},
      {"firstName", "firstName"}, {"First Name", "firstName"}, {"first_name", "firstName"},
      {"Firstname", "firstName"}, {"First", "firstName"}, {"Given name", "firstName"}, {"Forename", "firstName"},
      {"FName", "firstName"},
      {"lastName", "lastName"}, {"Last Name", "lastName"}, {"last-name", "lastName"}, {"Last", "lastName"},
      {"Surname", "lastName"}, {"Family name", "lastName"}, {"LName", "lastName"},
      {"company", "company"}, {"Company", "company"}, {"Company Name", "company"}, {"Organization", "company"},
      {"Organisation", "company"}, {"Organization Name", "company"}, {"Organisation Name", "company"},
      {"Account Name", "company"}, {"Employer", "company"},
      {"jobTitle", "jobTitle"}, {"Job Title", "jobTitle"}, {"job_title", "jobTitle"}, {"Title", "jobTitle"},
      {"Position", "jobTitle"}, {"Job Position", "jobTitle"}, {"Designation", "jobTitle"},
  };
  for (const auto& [header, field] : aliases) {
    BOOST_TEST_CONTEXT(header) {
      const std::string name = field;
      const auto rows = name == "email" ? readCsv(std::string(header) + ",x\nava@acme.com,1\n")
                                        : readCsv(std::string("email,") + header + "\nava@acme.com,Value\n");
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      const LeadInput& in = rows[0].row.lead;
      BOOST_TEST(in.email.value() == "ava@acme.com");
      if (name != "email") {
        BOOST_TEST(fieldOf(in, name).value() == "Value");
        BOOST_TEST(!in.customFields.has_value());  // not also a custom field
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(csv_names_that_are_not_aliases_stay_custom_fields) {
  const auto rows = readCsv(
      "Email,Secondary Email,Company Name for Emails,Full Name,Role\n"
      "ava@acme.com,ava@home.example,Acme,Ava Chen,Buyer\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.company.isAbsent());
  BOOST_TEST(rows[0].row.lead.jobTitle.isAbsent());
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"Secondary_Email", "ava@home.example"},
                                                      {"Company_Name_for_Emails", "Acme"},
                                                      {"Full_Name", "Ava Chen"},
                                                      {"Role", "Buyer"}}));
}

BOOST_AUTO_TEST_CASE(csv_without_an_email_column_lists_the_accepted_names) {
  const std::string message = refusal("leads.csv", "Mail,First Name\nava@acme.com,Ava\n");
  for (const char* name : {"email", "Email Address", "E-mail", "Work Email"}) {
    BOOST_TEST(contains(message, std::string("\"") + name + "\""), name);
  }
  BOOST_TEST(contains(message, "--map"));
}

BOOST_AUTO_TEST_CASE(csv_two_columns_for_one_field_are_refused_with_a_way_out) {
  const std::string message = refusal("leads.csv", "Email,Work Email\nava@home.example,ava@acme.com\n");
  BOOST_TEST(contains(message, "columns 1 (\"Email\") and 2 (\"Work Email\")"));
  BOOST_TEST(contains(message, "--map \"Work Email=email\""));
  BOOST_TEST(contains(refusal("leads.csv", "email,Surname,Last Name\n"), "lastName"));
}

BOOST_AUTO_TEST_CASE(csv_custom_keys_are_template_names) {
  leadterra::LeadFileLayout layout;
  TempDir dir;
  const auto rows = readAll(dir, "leads.csv",
                            "email, Lead  Score ,# of seats,Acct.Owner,{x|y},\"Two\nLines\"\n"
                            "ava@acme.com,85,12,Kim,z,w\n",
                            {}, &layout);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"Lead_Score", "85"},
                                                      {"of_seats", "12"},
                                                      {"Acct_Owner", "Kim"},
                                                      {"x_y", "z"},
                                                      {"Two_Lines", "w"}}));
  BOOST_TEST_REQUIRE(layout.columns.size() == 6u);
  BOOST_TEST(layout.columns[1].header == "Lead  Score");  // the header as written, trimmed
  BOOST_TEST(layout.columns[1].customKey == "Lead_Score");
  // Such a key can be named in a template.
  const leadterra::Step step{"{{Lead_Score}}", "{{of_seats}} {{Acct_Owner}} {{x_y}}", leadterra::StepFormat::text, 0};
  const leadterra::RenderedStep rendered = leadterra::renderStep(step, rows[0].row.lead);
  BOOST_TEST(rendered.subject == "85");
  BOOST_TEST(rendered.body == "12 Kim z");
}

BOOST_AUTO_TEST_CASE(csv_empty_and_repeated_headers_get_generated_keys) {
  leadterra::LeadFileLayout layout;
  TempDir dir;
  const auto rows = readAll(dir, "leads.csv",
                            "email,,City,city,City,!!!,column_5\n"
                            "ava@acme.com,a,b,c,d,e,f\n",
                            {}, &layout);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  // "city" differs from "City": keys are case-sensitive, as templates are.
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"column_2", "a"},
                                                      {"City", "b"},
                                                      {"city", "c"},
                                                      {"column_5_2", "d"},
                                                      {"column_6", "e"},
                                                      {"column_5", "f"}}));
  // The row as read names a column without a unique header by its number.
  const auto raw = nlohmann::json::parse(rows[0].raw);
  BOOST_TEST(raw["(column 2)"] == "a");
  BOOST_TEST(raw["(column 3)"] == "b");
  BOOST_TEST(raw["city"] == "c");
  BOOST_TEST(raw.size() == 7u);
}

BOOST_AUTO_TEST_CASE(column_map_sends_headers_to_fields_and_custom_keys) {
  leadterra::LeadFileOptions options;
  options.columns = {{"Work Email", "email"}, {"Org", "company"}, {"Phone", "phone"}, {"Notes", ""},
                     {"Given", "FirstName"}};
  leadterra::LeadFileLayout layout;
  TempDir dir;
  const auto rows = readAll(dir, "leads.csv",
                            "Work Email,Org,Phone,Notes,Given,City\n"
                            "ava@acme.com,Acme,+47 1234,call Tuesday,Ava,Oslo\n",
                            options, &layout);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  const LeadInput& in = rows[0].row.lead;
  BOOST_TEST(in.email.value() == "ava@acme.com");
  BOOST_TEST(in.company.value() == "Acme");
  BOOST_TEST(in.firstName.value() == "Ava");  // a field's name matches as headers do
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"phone", "+47 1234"}, {"City", "Oslo"}}));  // Notes left out
  BOOST_TEST(nlohmann::json::parse(rows[0].raw)["Notes"] == "call Tuesday");  // still in the row as read
  BOOST_TEST_REQUIRE(layout.columns.size() == 6u);
  BOOST_TEST(layout.columns[0].field == "email");
  BOOST_TEST(layout.columns[2].customKey == "phone");
  BOOST_TEST(layout.columns[3].field.empty());
  BOOST_TEST(layout.columns[3].customKey.empty());
}

BOOST_AUTO_TEST_CASE(column_map_matches_headers_loosely_and_wins_over_aliases) {
  leadterra::LeadFileOptions options;
  options.columns = {{"work email", "email"}};
  TempDir dir;
  const auto rows = readAll(dir, "leads.csv", "Email,Work Email\nava@home.example,ava@acme.com\n", options);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"Email", "ava@home.example"}}));
}

BOOST_AUTO_TEST_CASE(column_map_mistakes_are_refused_by_name) {
  leadterra::LeadFileOptions options;
  options.columns = {{"Org", "company"}};
  const std::string missing = refusal("leads.csv", "email,Company Name\nava@acme.com,Acme\n", options);
  BOOST_TEST(contains(missing, "\"Org\""));
  BOOST_TEST(contains(missing, "\"Company Name\""));  // the columns there are

  options.columns = {{"A", "email"}, {"B", "email"}};
  BOOST_TEST(contains(refusal("leads.csv", "A,B\n", options), "both to email"));
  options.columns = {{"A", "phone"}, {"B", "phone"}};
  BOOST_TEST(contains(refusal("leads.csv", "email,A,B\n", options), "\"phone\""));
  options.columns = {{"city", "town"}};
  BOOST_TEST(contains(refusal("leads.csv", "email,City,CITY\n", options), "columns 2 and 3"));  // ambiguous
  options.columns = {{"email", ""}};
  BOOST_TEST(contains(refusal("leads.csv", "email,name\n", options), "no email column"));
  options.columns = {{"Phone", "phone"}};
  BOOST_TEST(contains(refusal("leads.jsonl", "{\"email\":\"ava@acme.com\"}\n", options), "CSV only"));
}

// ---- Delimiters and encodings ----

BOOST_AUTO_TEST_CASE(csv_delimiter_is_found_in_the_header_row) {
  const std::pair<std::string, char> files[] = {
      {"email,firstName,company\nava@acme.com,Ava,\"Acme; Inc\"\n", ','},
      {"email;firstName;company\nava@acme.com;Ava;\"Acme; Inc\"\n", ';'},
      {"email\tfirstName\tcompany\nava@acme.com\tAva\t\"Acme; Inc\"\n", '\t'},
      // After blank lines; the commas inside quotes do not count.
      {"\r\n\nemail;firstName;\"company, or, org\"\nava@acme.com;Ava;\"Acme; Inc\"\n", ';'},
  };
  for (const auto& [text, delimiter] : files) {
    BOOST_TEST_CONTEXT(text) {
      leadterra::LeadFileLayout layout;
      TempDir dir;
      const auto rows = readAll(dir, "leads.csv", text, {}, &layout);
      BOOST_TEST_REQUIRE(rows.size() == 1u);
      BOOST_TEST(layout.delimiter == delimiter);
      BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
      BOOST_TEST(rows[0].row.lead.firstName.value() == "Ava");
      BOOST_TEST(nlohmann::ordered_json::parse(rows[0].raw).back() == "Acme; Inc");
    }
  }
}

BOOST_AUTO_TEST_CASE(csv_delimiter_can_be_given) {
  leadterra::LeadFileOptions options;
  options.delimiter = ';';
  TempDir dir;
  // Detection would take ',' (two of them); the given ';' reads "a,b,c" as one cell.
  const auto rows = readAll(dir, "leads.csv", "email;a,b,c\nava@acme.com;1,2,3\n", options);
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"a,b,c", "1,2,3"}}));
  options.delimiter = '|';
  BOOST_TEST(contains(refusal("leads.csv", "email\n", options), "delimiter"));
  // As many of two delimiters cannot be told apart: refused, not guessed.
  BOOST_TEST(contains(refusal("leads.csv", "email,a;b\n"), "--delimiter"));
}

BOOST_AUTO_TEST_CASE(csv_bom_is_skipped_whatever_the_delimiter) {
  const auto rows = readCsv("\xEF\xBB\xBF" "Email Address;First Name\nava@acme.com;Zo\xC3\xAB\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Zo\xC3\xAB");
}

BOOST_AUTO_TEST_CASE(csv_latin1_header_is_refused_with_how_to_convert) {
  // "Prénom" in Windows-1252 / Latin-1: é is the one byte 0xE9.
  const std::string message = refusal("leads.csv", "email;Pr\xE9nom;Soci\xE9t\xE9\nava@acme.com;Zo\xEB;Acme\n");
  BOOST_TEST(contains(message, "not UTF-8"));
  BOOST_TEST(contains(message, "column 2"));
  BOOST_TEST(contains(message, "0xE9"));
  BOOST_TEST(contains(message, "iconv -f WINDOWS-1252 -t UTF-8"));
  BOOST_TEST(leadterra::detail::isCleanUtf8(message));  // the message itself prints
}

BOOST_AUTO_TEST_CASE(utf16_files_are_refused_with_how_to_convert) {
  const std::string utf16le("\xFF\xFE" "e\0m\0a\0i\0l\0\n\0", 14);
  BOOST_TEST(contains(refusal("leads.csv", utf16le), "UTF-16"));
  BOOST_TEST(contains(refusal("leads.jsonl", utf16le), "iconv -f UTF-16"));
  // Without its byte order mark: the NUL bytes of the header give it away.
  BOOST_TEST(contains(refusal("leads.csv", utf16le.substr(2)), "UTF-16"));
}

// ---- Formats ----

BOOST_AUTO_TEST_CASE(format_can_be_given_whatever_the_extension) {
  TempDir dir;
  leadterra::LeadFileOptions options;
  options.format = leadterra::LeadFileFormat::jsonl;
  leadterra::LeadFileLayout layout;
  const auto jsonl = readAll(dir, "export.txt", "{\"email\":\"ava@acme.com\"}\n", options, &layout);
  BOOST_TEST_REQUIRE(jsonl.size() == 1u);
  BOOST_TEST((layout.format == leadterra::LeadFileFormat::jsonl));
  BOOST_TEST(layout.columns.empty());
  options.format = leadterra::LeadFileFormat::csv;
  const auto csv = readAll(dir, "leads.jsonl", "email\nava@acme.com\n", options, &layout);  // the format wins
  BOOST_TEST_REQUIRE(csv.size() == 1u);
  BOOST_TEST((layout.format == leadterra::LeadFileFormat::csv));
  const auto tsv = readAll(dir, "leads.TSV", "email\tCity\nava@acme.com\tOslo\n", {}, &layout);
  BOOST_TEST_REQUIRE(tsv.size() == 1u);
  BOOST_TEST(layout.delimiter == '\t');
  BOOST_TEST(contains(refusal("leads.txt", "email\n"), "--format"));
}

BOOST_AUTO_TEST_CASE(missing_file_is_refused) {
  TempDir dir;
  try {
    (void)LeadFileReader::open(dir.file("absent.csv"));
    BOOST_FAIL("opened a file that does not exist");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::invalid_argument));
    BOOST_TEST(std::string(e.what()).find("absent.csv") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(extension_is_case_insensitive) {
  TempDir dir;
  const auto csv = readAll(dir, "LEADS.CSV", "email\nava@acme.com\n");
  BOOST_TEST(csv.size() == 1u);
  const auto jsonl = readAll(dir, "Leads.JsonL", "{\"email\":\"ava@acme.com\"}\n");
  BOOST_TEST(jsonl.size() == 1u);
}

// ---- JSONL reader ----

BOOST_AUTO_TEST_CASE(jsonl_reads_one_object_per_line) {
  const auto rows = readJsonl(
      "{\"email\":\"ava@acme.com\",\"firstName\":\"Ava\",\"customFields\":{\"city\":\"Berlin\"}}\n"
      "{\"email\":\"bo@acme.com\",\"company\":null}\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].row.lead.firstName.value() == "Ava");
  BOOST_TEST(customOf(rows[0].row) == (nlohmann::json{{"city", "Berlin"}}));
  BOOST_TEST(rows[1].row.lead.company.isNull());
  BOOST_TEST(rows[1].raw == "{\"email\":\"bo@acme.com\",\"company\":null}");
  BOOST_TEST(rows[1].line == 2u);
}

BOOST_AUTO_TEST_CASE(jsonl_skips_blank_lines_and_handles_crlf) {
  const auto rows =
      readJsonl("\n  \r\n{\"email\":\"ava@acme.com\"}\r\n\t\n{\"email\":\"bo@acme.com\"}  \r\n\n{\"email\":\"cy@acme.com\"}");
  BOOST_TEST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(rows[0].row.lead.email.value() == "ava@acme.com");
  BOOST_TEST(rows[0].line == 3u);
  BOOST_TEST(rows[1].line == 5u);
  BOOST_TEST(rows[2].line == 7u);
  BOOST_TEST(rows[2].row.lead.email.value() == "cy@acme.com");  // last line without a newline
  BOOST_TEST(rows[1].raw == "{\"email\":\"bo@acme.com\"}");
}

BOOST_AUTO_TEST_CASE(jsonl_malformed_lines_are_rows_not_failures) {
  const auto rows = readJsonl(
      "{\"email\":\"ava@acme.com\"}\n"
      "{\"email\": \"bo@acme.com\"\n"
      "[\"cy@acme.com\"]\n"
      "\"dee@acme.com\"\n"
      "{\"email\":\"ed@acme.com\"}\n");
  BOOST_TEST_REQUIRE(rows.size() == 5u);
  BOOST_TEST((rows[0].row.defect == RowDefect::none));
  BOOST_TEST((rows[1].row.defect == RowDefect::malformed));
  BOOST_TEST(rows[1].defect == "the line is not valid JSON");
  BOOST_TEST(nlohmann::json::parse(rows[1].raw) == "{\"email\": \"bo@acme.com\"");  // the line, as a string
  BOOST_TEST((rows[2].row.defect == RowDefect::malformed));
  BOOST_TEST(rows[2].defect == "the line is not a JSON object");
  BOOST_TEST((rows[3].row.defect == RowDefect::malformed));
  BOOST_TEST((rows[4].row.defect == RowDefect::none));
  BOOST_TEST(rows[4].row.lead.email.value() == "ed@acme.com");
}

BOOST_AUTO_TEST_CASE(jsonl_wrong_types_and_unknown_keys_come_from_the_json_reader) {
  const auto rows = readJsonl("{\"email\":\"ava@acme.com\",\"firstName\":42,\"firstname\":\"x\"}\n");
  BOOST_TEST_REQUIRE(rows.size() == 1u);
  BOOST_TEST((rows[0].row.defect == RowDefect::wrongType));
  BOOST_TEST(rows[0].row.defectField == "firstName");
  BOOST_TEST(rows[0].row.unknownFields == std::vector<std::string>{"firstname"});
  BOOST_TEST(rows[0].defect.empty());
}

BOOST_AUTO_TEST_CASE(jsonl_raw_is_printable_even_with_invalid_utf8) {
  const auto rows = readJsonl("{\"email\":\"ava@acme.com\",\"firstName\":\"Zo\xC3\"}\n\xFF\n");
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(leadterra::detail::isCleanUtf8(rows[0].raw));
  BOOST_TEST(nlohmann::json::parse(rows[0].raw)["email"] == "ava@acme.com");
  BOOST_TEST((rows[1].row.defect == RowDefect::malformed));
  BOOST_TEST(leadterra::detail::isCleanUtf8(rows[1].raw));
}

BOOST_AUTO_TEST_CASE(jsonl_oversized_line_is_malformed) {
  const std::string huge = "{\"email\":\"ava@acme.com\",\"x\":\"" + std::string(2 * LeadFileReader::kMaxRowBytes, 'x') +
                           "\"}\n{\"email\":\"bo@acme.com\"}\n";
  const auto rows = readJsonl(huge);
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST((rows[0].row.defect == RowDefect::malformed));
  BOOST_TEST(rows[0].defect.find("longer than") != std::string::npos);
  BOOST_TEST(rows[0].raw.size() < 2048u);
  BOOST_TEST(rows[1].row.lead.email.value() == "bo@acme.com");
  BOOST_TEST(rows[1].line == 2u);
}

BOOST_AUTO_TEST_CASE(jsonl_empty_file_has_no_rows) {
  BOOST_TEST(readJsonl("").empty());
  BOOST_TEST(readJsonl("\n\n \n").empty());
}

// ---- importFile ----

namespace {

using leadterra::ImportOptions;
using leadterra::importFile;

struct ImportFixture : EngineFixture {
  ImportFixture() { (void)seedCampaign(); }

  leadterra::BulkResult import(const std::string& name, const std::string& text, const ImportOptions& options = {}) {
    const std::string file = dir.file(name);
    writeFile(file, text);
    return importFile(*engine, "camp_01HZA1TPNQ8RD4KF", file, options);
  }
};

std::string numberedCsv(int from, int to) {
  std::string text = "email,firstName,company,jobTitle\n";
  for (int i = from; i < to; ++i) {
    text += "lead" + std::to_string(i) + "@acme.com,Lead" + std::to_string(i) + ",Acme,VP\n";
  }
  return text;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(import_csv_enrolls_the_seed_leads, ImportFixture) {
  const auto result = import("seed.csv",
                             "email,firstName,lastName,company,jobTitle\n"
                             "ava@acmecorp.com,Ava,Chen,Acme Corp,VP Sales\n"
                             "marcus@buildfast.io,Marcus,Webb,BuildFast,Head of Growth\n"
                             "priya@nexusai.com,Priya,Sharma,Nexus AI,Director of Revenue\n");
  BOOST_TEST(result.enrolled == 3);
  BOOST_TEST(result.updated == 0);
  BOOST_TEST(result.skipped == 0);
  BOOST_TEST(result.failed == 0);
  BOOST_TEST(result.totalInCampaign == 3);
  const auto ava = engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acmecorp.com");
  BOOST_TEST_REQUIRE(ava.has_value());
  BOOST_TEST(ava->lastName.value_or("") == "Chen");
  BOOST_TEST(ava->jobTitle.value_or("") == "VP Sales");
}

BOOST_FIXTURE_TEST_CASE(import_runs_in_batches_with_progress, ImportFixture) {
  std::vector<std::uint64_t> rowsSeen;
  std::uint64_t lastBytes = 0;
  std::uint64_t total = 0;
  ImportOptions options;
  options.batchSize = 10;
  options.progress = [&](std::uint64_t bytes, std::uint64_t size, std::uint64_t rows) {
    BOOST_TEST(bytes >= lastBytes);
    lastBytes = bytes;
    total = size;
    rowsSeen.push_back(rows);
  };
  const auto result = import("leads.csv", numberedCsv(0, 25), options);
  BOOST_TEST(result.enrolled == 25);
  BOOST_TEST(result.totalInCampaign == 25);
  BOOST_TEST(rowsSeen == (std::vector<std::uint64_t>{10, 20, 25}));
  BOOST_TEST(lastBytes == total);
  BOOST_TEST(total == numberedCsv(0, 25).size());
}

BOOST_FIXTURE_TEST_CASE(import_can_simply_be_run_again, ImportFixture) {
  ImportOptions options;
  options.batchSize = 7;
  const auto first = import("leads.csv", numberedCsv(0, 20), options);
  BOOST_TEST(first.enrolled == 20);
  // An interrupted import (here: its first half) rerun in full: nothing doubles.
  const auto again = import("leads.csv", numberedCsv(0, 30), options);
  BOOST_TEST(again.enrolled == 10);
  BOOST_TEST(again.updated == 20);
  BOOST_TEST(again.totalInCampaign == 30);
}

BOOST_FIXTURE_TEST_CASE(import_error_indexes_are_rows_of_the_file, ImportFixture) {
  std::string text = "email,firstName\n";
  for (int i = 0; i < 12; ++i) {
    if (i == 3) {
      text += "not-an-email,Bad\n";
    } else if (i == 9) {
      text += ",NoEmail\n";
    } else if (i == 10) {
      text += "x@acme.com,Too,many\n";
    } else {
      text += "lead" + std::to_string(i) + "@acme.com,Lead\n";
    }
  }
  ImportOptions options;
  options.batchSize = 4;
  options.rejectsPath = dir.file("rejects.jsonl");
  const auto result = import("leads.csv", text, options);
  BOOST_TEST(result.enrolled == 9);
  BOOST_TEST(result.failed == 3);
  BOOST_TEST_REQUIRE(result.errors.size() == 3u);
  BOOST_TEST(result.errors[0].index == 3u);
  BOOST_TEST((result.errors[0].code == RowCode::invalid_email));
  BOOST_TEST(result.errors[1].index == 9u);
  BOOST_TEST((result.errors[1].code == RowCode::missing_email));
  BOOST_TEST(result.errors[2].index == 10u);
  BOOST_TEST((result.errors[2].code == RowCode::malformed_row));
  BOOST_TEST(result.errors[2].message.find("3 cells") != std::string::npos);  // the reader's reason

  const auto rejects = lines(readFile(options.rejectsPath));
  BOOST_TEST_REQUIRE(rejects.size() == 3u);
  const auto first = nlohmann::json::parse(rejects[0]);
  BOOST_TEST(first["index"] == 3);
  BOOST_TEST(first["line"] == 5);
  BOOST_TEST(first["code"] == "invalid_email");
  BOOST_TEST(first["message"].is_string());
  BOOST_TEST(first["row"] == (nlohmann::json{{"email", "not-an-email"}, {"firstName", "Bad"}}));
  const auto third = nlohmann::json::parse(rejects[2]);
  BOOST_TEST(third["index"] == 10);
  BOOST_TEST(third["code"] == "malformed_row");
  BOOST_TEST(third["row"]["(column 3)"] == "many");
}

BOOST_FIXTURE_TEST_CASE(import_keeps_the_first_errors_and_rejects_all, ImportFixture) {
  std::string text = "email\n";
  for (int i = 0; i < 7; ++i) text += "bad" + std::to_string(i) + "\n";
  ImportOptions options;
  options.batchSize = 3;
  options.keptErrors = 2;
  options.rejectsPath = dir.file("rejects.jsonl");
  const auto result = import("bad.csv", text, options);
  BOOST_TEST(result.failed == 7);
  BOOST_TEST_REQUIRE(result.errors.size() == 2u);
  BOOST_TEST(result.errors[1].index == 1u);
  const auto rejects = lines(readFile(options.rejectsPath));
  BOOST_TEST_REQUIRE(rejects.size() == 7u);
  BOOST_TEST(nlohmann::json::parse(rejects[6])["index"] == 6);
  BOOST_TEST(nlohmann::json::parse(rejects[6])["row"]["email"] == "bad6");
}

BOOST_FIXTURE_TEST_CASE(import_rejects_file_is_rewritten_each_run, ImportFixture) {
  ImportOptions options;
  options.rejectsPath = dir.file("rejects.jsonl");
  (void)import("leads.csv", "email\nbad\n", options);
  BOOST_TEST(lines(readFile(options.rejectsPath)).size() == 1u);
  (void)import("leads.csv", "email\nok@acme.com\n", options);
  BOOST_TEST(readFile(options.rejectsPath).empty());
}

BOOST_FIXTURE_TEST_CASE(import_empty_cell_keeps_the_stored_value, ImportFixture) {
  (void)import("a.csv", "email,firstName,company,city,tier\nava@acme.com,Ava,Acme,Berlin,gold\n");
  const auto result = import("b.csv", "email,firstName,company,city,tier\nAVA@acme.com,,Acme GmbH,,silver\n");
  BOOST_TEST(result.updated == 1);
  const auto ava = engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acme.com");
  BOOST_TEST_REQUIRE(ava.has_value());
  BOOST_TEST(ava->firstName.value_or("") == "Ava");
  BOOST_TEST(ava->company.value_or("") == "Acme GmbH");
  BOOST_TEST(nlohmann::json::parse(ava->customFields) == (nlohmann::json{{"city", "Berlin"}, {"tier", "silver"}}));
}

BOOST_FIXTURE_TEST_CASE(import_mode_applies_to_every_batch, ImportFixture) {
  const std::string first = "email,firstName,company,city\n"
                            "a@acme.com,Ann,Acme,Oslo\n"
                            "b@acme.com,Bob,,Bergen\n"
                            "c@acme.com,Cy,Acme,Rome\n";
  (void)import("first.csv", first);
  const std::string second = "email,firstName,company,tier\n"
                             "a@acme.com,Anna,,gold\n"
                             "b@acme.com,Robert,Bobco,silver\n"
                             "c@acme.com,,Cyco,\n";
  ImportOptions options;
  options.batchSize = 2;  // the mode holds in the second batch too
  options.mode = leadterra::MergeMode::fillEmpty;
  const auto filled = import("second.csv", second, options);
  BOOST_TEST(filled.updated == 3);
  const auto lead = [&](const char* email) { return *engine->getLead("camp_01HZA1TPNQ8RD4KF", email); };
  BOOST_TEST(lead("a@acme.com").firstName.value() == "Ann");  // had a value: kept
  BOOST_TEST(lead("b@acme.com").company.value() == "Bobco");  // was empty: filled
  BOOST_TEST(lead("c@acme.com").company.value() == "Acme");
  BOOST_TEST(nlohmann::json::parse(lead("a@acme.com").customFields) ==
             (nlohmann::json{{"city", "Oslo"}, {"tier", "gold"}}));  // a missing key added

  // replace: the row becomes the record, so an empty cell clears its field.
  options.mode = leadterra::MergeMode::replace;
  const auto replaced = import("second.csv", second, options);
  BOOST_TEST(replaced.updated == 3);
  BOOST_TEST(lead("a@acme.com").firstName.value() == "Anna");
  BOOST_TEST(!lead("a@acme.com").company.has_value());
  BOOST_TEST(!lead("c@acme.com").firstName.has_value());
  BOOST_TEST(lead("c@acme.com").company.value() == "Cyco");
  BOOST_TEST(nlohmann::json::parse(lead("a@acme.com").customFields) == (nlohmann::json{{"tier", "gold"}}));
  BOOST_TEST(lead("c@acme.com").customFields == "{}");
}

BOOST_FIXTURE_TEST_CASE(import_invalid_utf8_is_reported_by_the_engine, ImportFixture) {
  ImportOptions options;
  options.rejectsPath = dir.file("rejects.jsonl");
  const auto result = import("utf8.csv", "email,firstName,city\na@acme.com,Zo\xC3,Ulm\nb@acme.com,Bo,K\xFFln\n", options);
  BOOST_TEST(result.failed == 2);
  BOOST_TEST_REQUIRE(result.errors.size() == 2u);
  BOOST_TEST((result.errors[0].code == RowCode::invalid_field));
  BOOST_TEST((result.errors[1].code == RowCode::invalid_field));
  for (const auto& line : lines(readFile(options.rejectsPath))) {
    BOOST_TEST(leadterra::detail::isCleanUtf8(line));
    BOOST_TEST(nlohmann::json::accept(line));
  }
}

BOOST_FIXTURE_TEST_CASE(import_jsonl_sums_unknown_fields_and_reports_malformed_lines, ImportFixture) {
  ImportOptions options;
  options.batchSize = 2;
  const auto result = import("leads.jsonl",
                             "{\"email\":\"a@acme.com\",\"firstname\":\"A\"}\n"
                             "not json\n"
                             "\n"
                             "{\"email\":\"b@acme.com\",\"firstname\":\"B\"}\n"
                             "{\"email\":\"c@acme.com\",\"firstname\":\"C\",\"title\":\"VP\"}\n",
                             options);
  BOOST_TEST(result.enrolled == 3);
  BOOST_TEST(result.failed == 1);
  BOOST_TEST_REQUIRE(result.errors.size() == 1u);
  BOOST_TEST(result.errors[0].index == 1u);
  BOOST_TEST((result.errors[0].code == RowCode::malformed_row));
  BOOST_TEST(result.errors[0].message == "the line is not valid JSON");
  BOOST_TEST(result.unknownFields.at("firstname") == 3);
  BOOST_TEST(result.unknownFields.at("title") == 1);
}

BOOST_FIXTURE_TEST_CASE(import_sums_missing_tokens_over_batches, ImportFixture) {
  // The seed steps use {{firstName}}, {{company}} and {{jobTitle}}.
  ImportOptions options;
  options.batchSize = 2;
  const auto result = import("leads.csv",
                             "email,firstName,company,jobTitle\n"
                             "a@acme.com,A,,VP\n"
                             "b@acme.com,B,Acme,VP\n"
                             "c@acme.com,C,,VP\n",
                             options);
  BOOST_TEST(result.enrolled == 3);
  BOOST_TEST(result.missingTokens.at("company") == 2);
  BOOST_TEST(result.missingTokens.count("firstName") == 0u);
}

BOOST_FIXTURE_TEST_CASE(import_queues_first_steps_in_a_running_campaign, ImportFixture) {
  (void)engine->startCampaign("camp_01HZA1TPNQ8RD4KF");
  ImportOptions options;
  options.batchSize = 4;
  const auto result = import("leads.csv", numberedCsv(0, 10), options);
  BOOST_TEST(result.enrolled == 10);
  BOOST_TEST(result.queued == 10);
}

BOOST_FIXTURE_TEST_CASE(import_of_a_file_without_rows_reports_the_campaign, ImportFixture) {
  (void)import("first.csv", numberedCsv(0, 4));
  const auto result = import("empty.csv", "email,firstName\n");
  BOOST_TEST(result.enrolled == 0);
  BOOST_TEST(result.totalInCampaign == 4);
}

BOOST_FIXTURE_TEST_CASE(import_into_an_unknown_campaign_is_not_found, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 3));
  try {
    (void)importFile(*engine, "camp_missing", file, {});
    BOOST_FAIL("imported into a campaign that does not exist");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::not_found));
  }
}

BOOST_FIXTURE_TEST_CASE(import_refuses_a_zero_batch_size, ImportFixture) {
  ImportOptions options;
  options.batchSize = 0;
  try {
    (void)import("leads.csv", numberedCsv(0, 3), options);
    BOOST_FAIL("a batch size of 0 was accepted");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::invalid_argument));
  }
  BOOST_TEST(engine->getCampaign("camp_01HZA1TPNQ8RD4KF")->leadsEnrolled == 0);
}

BOOST_FIXTURE_TEST_CASE(import_reads_aliases_maps_and_semicolons, ImportFixture) {
  ImportOptions options;
  options.columns = {{"Org", "company"}, {"Notes", ""}};
  const auto result = import("crm-export.csv",
                             "\xEF\xBB\xBF" "Email Address;Given name;Surname;Org;Position;Notes;Lead Score\r\n"
                             "ava@acmecorp.com;Ava;Chen;Acme Corp;VP Sales;met at a fair;85\r\n",
                             options);
  BOOST_TEST(result.enrolled == 1);
  BOOST_TEST(result.failed == 0);
  const auto ava = engine->getLead("camp_01HZA1TPNQ8RD4KF", "ava@acmecorp.com");
  BOOST_TEST_REQUIRE(ava.has_value());
  BOOST_TEST(ava->firstName.value_or("") == "Ava");
  BOOST_TEST(ava->lastName.value_or("") == "Chen");
  BOOST_TEST(ava->company.value_or("") == "Acme Corp");
  BOOST_TEST(ava->jobTitle.value_or("") == "VP Sales");
  BOOST_TEST(nlohmann::json::parse(ava->customFields) == (nlohmann::json{{"Lead_Score", "85"}}));
}

BOOST_FIXTURE_TEST_CASE(import_refuses_a_bad_map_before_writing_anything, ImportFixture) {
  ImportOptions options;
  options.columns = {{"Phone", "phone"}};
  try {
    (void)import("leads.csv", numberedCsv(0, 5), options);
    BOOST_FAIL("a map naming a missing header was accepted");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::invalid_argument));
    BOOST_TEST(contains(e.what(), "\"Phone\""));
  }
  BOOST_TEST(engine->getCampaign("camp_01HZA1TPNQ8RD4KF")->leadsEnrolled == 0);
}

BOOST_FIXTURE_TEST_CASE(import_latin1_rows_fail_alone_and_say_how_to_convert, ImportFixture) {
  ImportOptions options;
  options.rejectsPath = dir.file("rejects.jsonl");
  const auto result = import("latin1.csv", "email,firstName,City\nzoe@acme.com,Zo\xEB,Ulm\nbo@acme.com,Bo,K\xF6ln\n"
                                           "cy@acme.com,Cy,Oslo\n",
                             options);
  BOOST_TEST(result.enrolled == 1);
  BOOST_TEST(result.failed == 2);
  BOOST_TEST_REQUIRE(result.errors.size() == 2u);
  for (const auto& error : result.errors) {
    BOOST_TEST((error.code == RowCode::invalid_field));
    BOOST_TEST(contains(error.message, "iconv -f WINDOWS-1252 -t UTF-8"));
  }
  BOOST_TEST(contains(readFile(options.rejectsPath), "iconv"));
  // Other invalid_field rows keep the engine's words alone.
  const auto nul = import("nul.csv", "email,firstName\nnul@acme.com,a\0b\n"s);
  BOOST_TEST_REQUIRE(nul.errors.size() == 1u);
  BOOST_TEST((nul.errors[0].code == RowCode::invalid_field));
  BOOST_TEST(!contains(nul.errors[0].message, "iconv"));
}

BOOST_FIXTURE_TEST_CASE(preview_reads_the_first_rows_and_writes_nothing, ImportFixture) {
  std::string text = "E-mail;Firstname;Company Name;Phone\n";
  for (int i = 0; i < 15; ++i) {
    text += i == 2 ? "not-an-email;Bad;;\n" : "lead" + std::to_string(i % 4 == 3 ? 0 : i) + "@acme.com;Lead;Acme;+47\n";
  }
  const std::string file = dir.file("leads.csv");
  writeFile(file, text);
  ImportOptions options;
  options.columns = {{"Phone", "phone"}};
  const leadterra::ImportPreview preview = leadterra::previewFile(*engine, "camp_01HZA1TPNQ8RD4KF", file, options, 10);
  BOOST_TEST((preview.layout.format == leadterra::LeadFileFormat::csv));
  BOOST_TEST(preview.layout.delimiter == ';');
  BOOST_TEST_REQUIRE(preview.layout.columns.size() == 4u);
  BOOST_TEST(preview.layout.columns[0].field == "email");
  BOOST_TEST(preview.layout.columns[1].field == "firstName");
  BOOST_TEST(preview.layout.columns[2].field == "company");
  BOOST_TEST(preview.layout.columns[3].customKey == "phone");
  const leadterra::BulkResult& r = preview.result;
  BOOST_TEST(r.dryRun);
  BOOST_TEST_REQUIRE(r.rows.size() == 10u);  // the first ten rows only
  BOOST_TEST((r.rows[2].outcome == leadterra::RowOutcome::failed));
  BOOST_TEST((*r.rows[2].code == RowCode::invalid_email));
  BOOST_TEST((r.rows[3].outcome == leadterra::RowOutcome::updated));  // lead0 again, as the real import would
  BOOST_TEST(r.enrolled == 7);
  BOOST_TEST(r.updated == 2);
  BOOST_TEST(r.failed == 1);
  BOOST_TEST(r.totalInCampaign == 7);
  BOOST_TEST(!engine->getLead("camp_01HZA1TPNQ8RD4KF", "lead0@acme.com").has_value());
  BOOST_TEST(engine->getCampaign("camp_01HZA1TPNQ8RD4KF")->leadsEnrolled == 0);
}

// ---- importFile pipelined: the next batch is read while one is upserted ----

namespace {

// A reader around a real one that notes which threads call it and whether two
// calls ever overlap, and throws a read error at row `failAt` (0-based). No
// Boost.Test assertion in here: it runs on the import's reading thread.
class WatchedReader : public LeadFileReader {
 public:
  explicit WatchedReader(std::unique_ptr<LeadFileReader> inner, std::size_t failAt = SIZE_MAX)
      : inner_(std::move(inner)), failAt_(failAt) {}

  bool next(LeadRow& row, std::string& raw) override {
    if (inside_.exchange(true)) overlapped_ = true;
    {
      const std::lock_guard lock(mutex_);
      threads_.insert(std::this_thread::get_id());
    }
    if (failed_) callsAfterFailure_++;
    if (rowsRead_ == failAt_) {
      failed_ = true;
      inside_ = false;
      throw leadterra::Error(ErrorCode::storage_error, "leads.csv: read error");
    }
    const bool more = inner_->next(row, raw);
    if (more) ++rowsRead_;
    inside_ = false;
    return more;
  }
  const leadterra::LeadFileLayout& layout() const override { return inner_->layout(); }
  std::uint64_t bytesRead() const override { return inner_->bytesRead(); }
  std::uint64_t totalBytes() const override { return inner_->totalBytes(); }
  std::uint64_t lineNumber() const override { return inner_->lineNumber(); }

  std::set<std::thread::id> threads() {
    const std::lock_guard lock(mutex_);
    return threads_;
  }
  std::atomic<bool> overlapped_{false};
  std::atomic<std::size_t> rowsRead_{0};
  std::atomic<int> callsAfterFailure_{0};

 private:
  std::unique_ptr<LeadFileReader> inner_;
  std::size_t failAt_;
  std::atomic<bool> inside_{false};
  std::atomic<bool> failed_{false};
  std::mutex mutex_;
  std::set<std::thread::id> threads_;
};

// 40 rows: every 10th from the 3rd an invalid email (3, 13, 23, 33), every
// 10th from the 5th the email of the row five before in other case (an
// update), row 17 Latin-1, row 22 ragged, row 30 a quoted cell over two lines.
std::string mixedCsv() {
  std::string text = "email,firstName,company,jobTitle\n";
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i);
    if (i % 10 == 3) {
      text += "bad" + n + ",Bad,Acme,VP\n";
    } else if (i % 10 == 5) {
      text += " LEAD" + std::to_string(i - 5) + "@ACME.COM ,Again,Acme,CEO\n";
    } else if (i == 17) {
      text += "lead17@acme.com,Jos\xe9,Acme,VP\n";
    } else if (i == 22) {
      text += "lead22@acme.com,Ragged,Acme,VP,extra\n";
    } else if (i == 30) {
      text += "lead30@acme.com,\"Two\nLines\",Acme,VP\n";
    } else {
      text += "lead" + n + "@acme.com,Lead" + n + ",Acme,VP\n";
    }
  }
  return text;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(import_results_are_the_same_whatever_the_batch_size, ImportFixture) {
  const std::string file = dir.file("mixed.csv");
  writeFile(file, mixedCsv());
  std::string rejectsOfOneBatch;
  for (const std::size_t batchSize : {std::size_t{1000}, std::size_t{1}, std::size_t{2}, std::size_t{7},
                                      std::size_t{40}, std::size_t{39}}) {
    BOOST_TEST_CONTEXT("batch size " << batchSize) {
      const std::string campaign = "camp_batch" + std::to_string(batchSize);
      (void)seedCampaign(campaign);
      ImportOptions options;
      options.batchSize = batchSize;
      options.rejectsPath = dir.file("rejects.jsonl");
      std::vector<std::uint64_t> rowsSeen;
      std::uint64_t lastBytes = 0;
      std::uint64_t total = 0;
      options.progress = [&](std::uint64_t bytes, std::uint64_t size, std::uint64_t rows) {
        BOOST_TEST(bytes >= lastBytes);
        lastBytes = bytes;
        total = size;
        rowsSeen.push_back(rows);
      };
      const auto result = importFile(*engine, campaign, file, options);
      BOOST_TEST(result.enrolled == 30);
      BOOST_TEST(result.updated == 4);
      BOOST_TEST(result.failed == 6);
      BOOST_TEST(result.totalInCampaign == 30);
      std::vector<std::size_t> indexes;
      for (const auto& e : result.errors) indexes.push_back(e.index);
      BOOST_TEST(indexes == (std::vector<std::size_t>{3, 13, 17, 22, 23, 33}));
      BOOST_TEST(result.errors[2].message.find("not UTF-8") != std::string::npos);  // explainEncoding
      BOOST_TEST((result.errors[3].code == RowCode::malformed_row));
      BOOST_TEST(engine->getLead(campaign, "lead20@acme.com")->jobTitle.value_or("") == "CEO");  // row 25
      BOOST_TEST(engine->getLead(campaign, "lead30@acme.com")->firstName.value_or("") == "Again");  // row 35

      // Progress: once per batch, in order, ending on the whole file.
      std::vector<std::uint64_t> expectedRows;
      for (std::uint64_t n = batchSize; n < 40; n += batchSize) expectedRows.push_back(n);
      expectedRows.push_back(40);
      BOOST_TEST(rowsSeen == expectedRows);
      BOOST_TEST(lastBytes == total);

      // The rejects file: the same bytes whatever the batch size, each line
      // the row's index, line and text.
      const std::string rejects = readFile(options.rejectsPath);
      const auto rejectLines = lines(rejects);
      BOOST_TEST_REQUIRE(rejectLines.size() == 6u);
      const auto last = nlohmann::json::parse(rejectLines[5]);
      BOOST_TEST(last["index"] == 33);
      BOOST_TEST(last["line"] == 36);  // after the two-line row 30
      BOOST_TEST(last["row"]["email"] == "bad33");
      if (batchSize == 1000) rejectsOfOneBatch = rejects;
      BOOST_TEST(rejects == rejectsOfOneBatch);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(import_reads_ahead_on_one_other_thread_never_two_at_once, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 50));
  ImportOptions options;
  options.batchSize = 10;
  WatchedReader reader(LeadFileReader::open(file));
  std::vector<std::thread::id> progressThreads;
  options.progress = [&](std::uint64_t, std::uint64_t, std::uint64_t) {
    progressThreads.push_back(std::this_thread::get_id());
  };
  const auto result = importFile(*engine, "camp_01HZA1TPNQ8RD4KF", reader, options);
  BOOST_TEST(result.enrolled == 50);
  BOOST_TEST(!reader.overlapped_);
  // The first batch on the caller's thread, the others on one reading thread.
  const auto threads = reader.threads();
  BOOST_TEST(threads.size() == 2u);
  BOOST_TEST(threads.count(std::this_thread::get_id()) == 1u);
  BOOST_TEST(progressThreads == std::vector<std::thread::id>(5, std::this_thread::get_id()));
}

BOOST_FIXTURE_TEST_CASE(import_of_one_batch_starts_no_thread, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 9));
  ImportOptions options;
  options.batchSize = 10;
  WatchedReader reader(LeadFileReader::open(file));
  BOOST_TEST(importFile(*engine, "camp_01HZA1TPNQ8RD4KF", reader, options).enrolled == 9);
  BOOST_TEST((reader.threads() == std::set<std::thread::id>{std::this_thread::get_id()}));
}

BOOST_FIXTURE_TEST_CASE(import_reader_error_in_batch_3_keeps_batches_1_and_2, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 40));
  ImportOptions options;
  options.batchSize = 5;
  options.rejectsPath = dir.file("rejects.jsonl");
  std::vector<std::uint64_t> rowsSeen;
  options.progress = [&](std::uint64_t, std::uint64_t, std::uint64_t rows) { rowsSeen.push_back(rows); };
  WatchedReader reader(LeadFileReader::open(file), 12);  // the third row of batch 3
  try {
    (void)importFile(*engine, "camp_01HZA1TPNQ8RD4KF", reader, options);
    BOOST_FAIL("the read error was not rethrown");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::storage_error));
    BOOST_TEST(std::string(e.what()).find("read error") != std::string::npos);
  }
  BOOST_TEST(rowsSeen == (std::vector<std::uint64_t>{5, 10}));
  BOOST_TEST(engine->countLeads("camp_01HZA1TPNQ8RD4KF").total == 10);
  BOOST_TEST(engine->getLead("camp_01HZA1TPNQ8RD4KF", "lead9@acme.com").has_value());
  BOOST_TEST(!engine->getLead("camp_01HZA1TPNQ8RD4KF", "lead10@acme.com").has_value());
  BOOST_TEST(reader.callsAfterFailure_ == 0);
}

BOOST_FIXTURE_TEST_CASE(import_reader_error_in_the_first_batch_imports_nothing, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 40));
  ImportOptions options;
  options.batchSize = 5;
  WatchedReader reader(LeadFileReader::open(file), 3);
  BOOST_CHECK_THROW((void)importFile(*engine, "camp_01HZA1TPNQ8RD4KF", reader, options), leadterra::Error);
  BOOST_TEST(engine->countLeads("camp_01HZA1TPNQ8RD4KF").total == 0);
}

BOOST_FIXTURE_TEST_CASE(import_engine_error_stops_the_reading_and_keeps_the_batches_before, ImportFixture) {
  engine.reset();
  leadterra::Options impatient;
  impatient.busyTimeout = std::chrono::milliseconds(20);
  engine = leadterra::CampaignEngine::open(path, impatient);
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 100));
  ImportOptions options;
  options.batchSize = 5;
  // Another process takes the write lock after batch 2: batch 3 fails busy.
  std::unique_ptr<SQLite::Database> other;
  options.progress = [&](std::uint64_t, std::uint64_t, std::uint64_t rows) {
    if (rows == 10) {
      other = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE);
      other->exec("BEGIN IMMEDIATE");
    }
  };
  WatchedReader reader(LeadFileReader::open(file));
  try {
    (void)importFile(*engine, "camp_01HZA1TPNQ8RD4KF", reader, options);
    BOOST_FAIL("the engine's error was not rethrown");
  } catch (const leadterra::Error& e) {
    BOOST_TEST((e.code() == ErrorCode::busy));
  }
  other->exec("ROLLBACK");
  other.reset();
  BOOST_TEST(engine->countLeads("camp_01HZA1TPNQ8RD4KF").total == 10);
  // At most two batches in flight: the one that failed and the next, read ahead.
  BOOST_TEST(reader.rowsRead_ <= 20u);
}

BOOST_FIXTURE_TEST_CASE(import_progress_callback_exception_stops_the_import, ImportFixture) {
  const std::string file = dir.file("leads.csv");
  writeFile(file, numberedCsv(0, 100));
  ImportOptions options;
  options.batchSize = 10;
  options.progress = [&](std::uint64_t, std::uint64_t, std::uint64_t rows) {
    if (rows == 20) throw std::runtime_error("cancelled");
  };
  BOOST_CHECK_THROW((void)importFile(*engine, "camp_01HZA1TPNQ8RD4KF", file, options), std::runtime_error);
  BOOST_TEST(engine->countLeads("camp_01HZA1TPNQ8RD4KF").total == 20);
}

BOOST_AUTO_TEST_SUITE_END()
