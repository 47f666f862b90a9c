// The `leadterra` command-line tool: a thin layer over CampaignEngine and the
// JSON adapter (docs/cli.md).
//
// Every command writes one JSON document to stdout (two-space indentation);
// a failure writes {"error": {"code", "message"}} to stderr and exits 1, or 2
// for a usage error (unknown command, bad flag value, bad --now). Parsing the
// command line never touches the database: each command only records its
// action, which runs once the whole line has parsed.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace leadterra::cli {

// The documents the CLI prints. Objects keep their keys in the order written,
// so that the library's shapes come out as json::toJson writes them.
using Json = nlohmann::ordered_json;

// The days of SendWindow::days (Monday .. Sunday), as the JSON adapter and
// the --days flag write them.
inline constexpr std::string_view kDayNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// A library value in the JSON adapter's shape (json::toJson), as a document
// to compose.
template <typename T>
[[nodiscard]] Json toJsonValue(const T& value) {
  return Json::parse(json::toJson(value));
}

// add: {"added", "leadsSuppressed", "messagesCancelled"}; remove: {"removed"}
// (removing an entry suppresses and cancels nothing).
enum class SuppressionOp { add, remove };
[[nodiscard]] Json toJsonValue(const SuppressionResult& result, SuppressionOp op);

// Text of `value`: compact (indent < 0) or indented. Never throws: bytes that
// are not UTF-8 print as U+FFFD.
[[nodiscard]] std::string dump(const Json& value, int indent = -1);

// The error of a missing `what` ("campaign", "lead", ...) named `name`,
// worded as the library words it: `campaign 'x' not found`, or with
// `campaign`, `lead 'a@b.io' not found in campaign 'x'`.
[[nodiscard]] Error notFound(std::string_view what, std::string_view name, std::string_view campaign = {});

// Exit statuses: 0 done; 1 an error ({"error": ...} on stderr); 2 a usage
// error; 3 done, but --strict and some rows failed (the result is printed).
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailedRows = 3;

// A command line that parsed but cannot be honoured as written; reported with
// code invalid_argument and exit status 2, like CLI11's own parse errors.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How a command uses the database. A read never creates the file: a missing
// one is not_found, naming it, so that a mistyped --db is not answered with
// "campaign not found" from a new, empty file left behind.
enum class Access { read, write };

// What every command shares: the global options, the engine (opened on first
// use, so that `render` and usage errors never create a database file) and
// the output. One per process; single-threaded.
class Context {
 public:
  std::string dbPath = "./leadterra.db";
  std::string nowText;                  // --now as given
  std::optional<Timestamp> fixedNow;    // --now once read; nullopt: the system clock
  CLI::Option* dbOption = nullptr;      // to tell a given --db from the default
  CLI::Option* nowOption = nullptr;     // likewise for --now
  std::function<void()> action;         // set by the command that parsed
  // The process's exit status once the action returned normally: a command
  // may set it non-zero (--strict with failed rows); errors exit 1 or 2.
  int exitStatus = 0;

  // The engine on dbPath, its clock fixed at `fixedNow` when set; for
  // Access::read, only when the file exists. Every command that only reads
  // asks for Access::read. Throws Error when the file cannot be opened
  // (not_found for a read of a missing file).
  CampaignEngine& engine(Access access = Access::write);

  // Writes `doc` to stdout, indented, followed by a newline.
  void print(const Json& doc);

 private:
  std::unique_ptr<CampaignEngine> engine_;
};

// {"key": value}: the one-key documents every command prints.
[[nodiscard]] inline Json wrap(const std::string& key, Json value) {
  Json doc = Json::object();
  doc[key] = std::move(value);
  return doc;
}

// Adds "lint": [...] to a document that saved steps, when the campaign's
// steps have findings (CampaignEngine::lintSteps); nothing otherwise.
void addLint(Json& doc, CampaignEngine& engine, const std::string& campaignId);

// A JSON array of the items' shapes.
template <typename T>
[[nodiscard]] Json arrayOf(const std::vector<T>& items) {
  Json out = Json::array();
  for (const T& item : items) out.push_back(toJsonValue(item));
  return out;
}

// The whole input of FILE, or of stdin for "-" or an empty name. Throws
// Error(invalid_argument) when it cannot be read.
[[nodiscard]] std::string readInput(const std::string& path);

// Registers the commands of docs/cli.md (commands.cpp) and `demo` (demo.cpp).
void addCommands(CLI::App& app, Context& ctx);
void addDemo(CLI::App& app, Context& ctx);

}  // namespace leadterra::cli
