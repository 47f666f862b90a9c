// leadterra: the command-line tool's entry point, global options and the
// mapping of failures to JSON errors and exit statuses (docs/cli.md).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"
#include "leadterra/version.hpp"

namespace leadterra::cli {

CampaignEngine& Context::engine(Access access) {
  if (!engine_) {
    Options options;
    options.createIfMissing = access == Access::write;
    if (fixedNow) {
      options.clock = [t = *fixedNow] { return t; };
    }
    engine_ = CampaignEngine::open(dbPath, std::move(options));
  }
  return *engine_;
}

Error notFound(std::string_view what, std::string_view name, std::string_view campaign) {
  std::string message = fmt::format("{} '{}' not found", what, name);
  if (!campaign.empty()) message += fmt::format(" in campaign '{}'", campaign);
  return Error(ErrorCode::not_found, message);
}

void Context::print(const Json& doc) { std::cout << dump(doc, 2) << '\n'; }

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json toJsonValue(const SuppressionResult& result, SuppressionOp op) {
  Json out = Json::object();
  if (op == SuppressionOp::remove) {
    out["removed"] = result.removed;
    return out;
  }
  out["added"] = result.added;
  out["leadsSuppressed"] = result.leadsSuppressed;
  out["messagesCancelled"] = result.messagesCancelled;
  return out;
}

namespace {

// All of `in`, with json::kReadPadding bytes of spare capacity, so that a
// body is parsed where it is (json::parseLeadsInPlace). `expected`: its
// size if known (a file), to read it without reallocating.
std::string readAll(std::istream& in, std::size_t expected) {
  std::string text;
  text.reserve(expected + json::kReadPadding);
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    const auto n = static_cast<std::size_t>(in.gcount());
    if (text.capacity() < text.size() + n + json::kReadPadding) {
      text.reserve(std::max(2 * text.capacity(), text.size() + n + json::kReadPadding));
    }
    text.append(chunk, n);
  }
  return text;
}

}  // namespace

std::string readInput(const std::string& path) {
  if (path.empty() || path == "-") {
    std::string text = readAll(std::cin, 0);
    if (std::cin.bad()) throw Error(ErrorCode::invalid_argument, "cannot read stdin");
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::invalid_argument, "cannot read " + path + ": " + std::strerror(errno));
  std::error_code ignored;
  const std::uintmax_t size = std::filesystem::file_size(path, ignored);  // 0 when unknown (a pipe)
  std::string text = readAll(in, ignored ? 0 : static_cast<std::size_t>(size));
  if (in.bad()) throw Error(ErrorCode::invalid_argument, "cannot read " + path + ": " + std::strerror(errno));
  return text;
}

namespace {

void printError(std::string_view code, std::string_view message) {
  Json error = Json::object();
  error["code"] = code;
  error["message"] = message;
  Json doc = Json::object();
  doc["error"] = std::move(error);
  std::cout.flush();  // keep what a command printed before failing ahead of the error
  std::cerr << dump(doc, 2) << '\n';
}

// ---- Unknown flags and commands ----

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into
// `b`, ignoring case: the optimal string alignment distance.
std::size_t editDistance(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = lower(a[i - 1]) == lower(b[j - 1]);
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (same ? 0 : 1)});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The valid name closest to `given`, if close enough to be a slip: at most
// one edit in three characters (and always one). Ties go to the first.
std::optional<std::string> closest(std::string_view given, const std::vector<std::string>& valid) {
  const std::string_view bare = given.substr(std::min(given.find_first_not_of('-'), given.size()));
  const std::size_t limit = std::max<std::size_t>(1, bare.size() / 3);
  std::optional<std::string> best;
  std::size_t bestDistance = limit + 1;
  for (const std::string& name : valid) {
    const std::size_t distance = editDistance(given, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

// The command the line named last: the root, a group or a leaf.
const CLI::App& namedCommand(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    if (sub->get_parent() == &app) return namedCommand(*sub);
  }
  return app;
}

// "leads bulk " for that command, "" for the root: what goes before --help.
std::string pathOf(const CLI::App& command) {
  if (command.get_parent() == nullptr) return {};
  return pathOf(*command.get_parent()) + command.get_name() + " ";
}

// The flags valid at `command`: its own and those of the commands above it
// (global options may follow the command).
std::vector<std::string> flagsAt(const CLI::App& command) {
  std::vector<std::string> flags;
  for (const CLI::App* at = &command; at != nullptr; at = at->get_parent()) {
    for (const CLI::Option* option : at->get_options()) {
      for (const std::string& name : option->get_lnames()) flags.push_back("--" + name);
    }
  }
  return flags;
}

// What is wrong with the first argument no command took, if there is one:
// an unknown flag, an unknown command (where a command is expected) or an
// argument too many, with the closest valid name when one is close. CLI11
// reports a missing required flag before leftovers, so a misspelt
// --campaign would otherwise read "--campaign is required".
std::optional<std::string> unknownArgument(const CLI::App& app) {
  const std::vector<std::string> left = app.remaining(true);
  if (left.empty()) return std::nullopt;
  const CLI::App& command = namedCommand(app);
  const std::string path = pathOf(command);
  const std::string& arg = left.front();
  if (arg.starts_with("-")) {
    const std::string flag = arg.substr(0, arg.find('='));
    if (const auto near = closest(flag, flagsAt(command))) {
      return fmt::format("unknown flag {}; did you mean {}?", flag, *near);
    }
    return fmt::format("unknown flag {}; see {}--help", flag, path);
  }
  const auto subs = command.get_subcommands([](const CLI::App*) { return true; });
  if (subs.empty()) return fmt::format("unexpected argument {}; see {}--help", arg, path);
  std::vector<std::string> names;
  for (const CLI::App* sub : subs) names.push_back(sub->get_name());
  if (const auto near = closest(arg, names)) {
    return fmt::format("unknown command {}{}; did you mean {}{}?", path, arg, path, *near);
  }
  return fmt::format("unknown command {}{}; see {}--help", path, arg, path);
}

// {"leadterra": "0.1.0", "sqlite": "3.40.1"}
std::string versionDocument() {
  Json doc = Json::object();
  doc["leadterra"] = LEADTERRA_VERSION;
  doc["sqlite"] = std::string(sqliteVersion());
  return dump(doc, 2);
}

}  // namespace
}  // namespace leadterra::cli

int main(int argc, char** argv) {
  namespace cli = leadterra::cli;
  CLI::App app{"Upsert leads into outreach campaigns kept in one SQLite file. Output is JSON.", "leadterra"};
  app.fallthrough();  // global options may also follow the command

  cli::Context ctx;
  ctx.dbOption = app.add_option("--db", ctx.dbPath, "SQLite file, created by the first command that writes")
                     ->capture_default_str();
  ctx.nowOption = app.add_option("--now", ctx.nowText, "Fix the clock, e.g. 2025-06-10T15:00:00Z");
  app.set_version_flag("--version", cli::versionDocument, "Print the library's and SQLite's versions as JSON");
  cli::addCommands(app, ctx);
  cli::addDemo(app, ctx);

  try {
    app.parse(argc, argv);
    if (ctx.nowOption->count() > 0) {
      try {
        ctx.fixedNow = leadterra::json::parseTimestamp(ctx.nowText);
      } catch (const leadterra::Error& e) {
        throw cli::UsageError(std::string("--now: ") + e.what());
      }
    }
    if (!ctx.action) throw cli::UsageError("a command is required: workspace, campaign, leads, suppression, messages, render or demo; see --help");
    ctx.action();
    return ctx.exitStatus;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: on stdout
    cli::printError("invalid_argument", cli::unknownArgument(app).value_or(e.what()));
    return cli::kExitUsage;
  } catch (const cli::UsageError& e) {
    cli::printError("invalid_argument", e.what());
    return cli::kExitUsage;
  } catch (const leadterra::Error& e) {
    cli::printError(leadterra::toString(e.code()), e.what());
    return cli::kExitError;
  } catch (const std::exception& e) {
    // Not a documented failure: a bug of the tool or the library.
    cli::printError("internal_error", e.what());
    return cli::kExitError;
  }
}
