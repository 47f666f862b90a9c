// The Walkthrough of docs/cli.md, run as written, so that the page cannot
// drift from the tool: its ```sh blocks, in order, as one shell script in an
// empty directory with the built `leadterra` first on PATH. The ```json block
// right after a ```sh block is what that block must print: every key shown
// must be there with the value shown (keys left out are not compared), arrays
// have the length shown, and a generated id (prefix_ + 26-character ULID)
// stands for any generated id.
#define BOOST_TEST_MODULE cli_walkthrough
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "tools/cli_runner.hpp"

#ifndef LEADTERRA_CLI_PATH
#error "cli_walkthrough_test needs the leadterra_cli target (LEADTERRA_CLI=ON)"
#endif

namespace {

using Json = nlohmann::ordered_json;
using leadterra::test::readFile;
using leadterra::test::TempDir;
using leadterra::test::writeFile;

struct Block {
  int line = 0;                         // of the ```sh fence in docs/cli.md
  std::string script;
  std::optional<std::string> expected;  // the ```json block after it
};

// The fenced blocks of the "## Walkthrough" section, up to the next "## ".
std::vector<Block> walkthroughBlocks(const std::string& page) {
  std::vector<Block> blocks;
  std::istringstream in(page);
  std::string line, fence, text;
  bool inSection = false;
  int number = 0, fenceLine = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.starts_with("## ")) inSection = line == "## Walkthrough";
    if (!inSection) continue;
    if (fence.empty() && line.starts_with("```")) {
      fence = line.substr(3);
      fenceLine = number;
      text.clear();
    } else if (!fence.empty() && line == "```") {
      if (fence == "sh") blocks.push_back({fenceLine, text, std::nullopt});
      if (fence == "json" && !blocks.empty() && !blocks.back().expected) blocks.back().expected = text;
      fence.clear();
    } else if (!fence.empty()) {
      text += line + "\n";
    }
  }
  return blocks;
}

std::vector<Json> documents(const std::string& text) { return leadterra::test::jsonDocuments(text); }

bool isGeneratedId(const Json& value) {
  static const std::regex id("(ws|camp|lead|msg)_[0-9A-HJKMNP-TV-Z]{26}");
  return value.is_string() && std::regex_match(value.get<std::string>(), id);
}

// Where `actual` does not show what `expected` shows ("" when it does).
std::string mismatch(const Json& actual, const Json& expected, const std::string& at = "") {
  if (isGeneratedId(expected) && isGeneratedId(actual)) return "";
  if (expected.is_object() && actual.is_object()) {
    for (const auto& [key, value] : expected.items()) {
      if (!actual.contains(key)) return at + "." + key + " is missing";
      if (std::string m = mismatch(actual[key], value, at + "." + key); !m.empty()) return m;
    }
    return "";
  }
  if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (std::string m = mismatch(actual[i], expected[i], at + "[" + std::to_string(i) + "]"); !m.empty()) return m;
    }
    return "";
  }
  return actual == expected ? "" : at + " is " + actual.dump() + ", the page shows " + expected.dump();
}

const std::string kMarker = "@@leadterra walkthrough block ";

}  // namespace

BOOST_AUTO_TEST_CASE(the_walkthrough_of_cli_md_runs_as_written) {
  const std::vector<Block> blocks = walkthroughBlocks(readFile(LEADTERRA_SOURCE_DIR "/docs/cli.md"));
  BOOST_REQUIRE_GE(blocks.size(), 8u);

  TempDir dir;
  std::string script = "set -e\n";
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    script += "echo '" + kMarker + std::to_string(i) + "'\n" + blocks[i].script;
  }
  writeFile(dir.file("walkthrough.sh"), script);
  const std::string bin = std::filesystem::path(LEADTERRA_CLI_PATH).parent_path().string();
  const std::string command = "cd '" + dir.path().string() + "' && PATH='" + bin +
                              "':\"$PATH\" sh walkthrough.sh > stdout.txt 2> stderr.txt";
  const int status = std::system(command.c_str());
  const std::string out = readFile(dir.file("stdout.txt"));

  // stdout cut at the markers: what each block printed.
  std::vector<std::string> printed;
  std::size_t at = 0;
  while ((at = out.find(kMarker, at)) != std::string::npos) {
    const std::size_t start = out.find('\n', at) + 1;
    at = out.find(kMarker, start);
    printed.push_back(out.substr(start, at == std::string::npos ? std::string::npos : at - start));
  }
  BOOST_REQUIRE_MESSAGE(status == 0 && printed.size() == blocks.size(),
                        "the block at docs/cli.md line " << blocks.at(printed.empty() ? 0 : printed.size() - 1).line
                                                         << " failed:\n" << readFile(dir.file("stderr.txt")));

  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (!blocks[i].expected) continue;
    BOOST_TEST_CONTEXT("the block at docs/cli.md line " << blocks[i].line) {
      const std::vector<Json> shown = documents(*blocks[i].expected);
      const std::vector<Json> got = documents(printed[i]);
      BOOST_REQUIRE_EQUAL(got.size(), shown.size());
      for (std::size_t d = 0; d < shown.size(); ++d) BOOST_TEST(mismatch(got[d], shown[d]) == "");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_comparison_catches_what_differs) {
  const Json actual = Json::parse(R"({"lead": {"id": "lead_01JXD5NXC0S0QWRHCWP8K2J1JV", "email": "a@b.io",
      "tags": [1, 2]}})");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"email": "a@b.io"}})")) == "");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"id": "lead_01HZZZZZZZZZZZZZZZZZZZZZZZ"}})")) == "");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"email": "x@b.io"}})")) ==
             R"(.lead.email is "a@b.io", the page shows "x@b.io")");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"status": "active"}})")) == ".lead.status is missing");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"tags": [1]}})")) != "");
  BOOST_TEST(mismatch(actual, Json::parse(R"({"lead": {"id": "ws_1"}})")) != "");
}
