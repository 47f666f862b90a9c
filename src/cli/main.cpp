// leadterra: the command-line tool's entry point, global options and the
// mapping of failures to JSON errors and exit statuses (docs/cli.md).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
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

std::string readInput(const std::string& path) {
  if (path.empty() || path == "-") {
    std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) throw Error(ErrorCode::invalid_argument, "cannot read stdin");
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::invalid_argument, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
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

}  // namespace
}  // namespace leadterra::cli

int main(int argc, char** argv) {
  namespace cli = leadterra::cli;
  CLI::App app{"Upsert leads into outreach campaigns kept in one SQLite file. Output is JSON.", "leadterra"};
  app.fallthrough();  // global options may also follow the command

  cli::Context ctx;
  ctx.dbOption = app.add_option("--db", ctx.dbPath, "SQLite file, created on first use")->capture_default_str();
  ctx.nowOption = app.add_option("--now", ctx.nowText, "Fix the clock, e.g. 2025-06-10T15:00:00Z");
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
    if (e.get_exit_code() == 0) return app.exit(e);  // --help: help text on stdout
    cli::printError("invalid_argument", e.what());
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
