// What the command files share: how a command is registered and the
// validators of common flag values. Each group of commands lives in its own
// file (commands.cpp, import_command.cpp, ...) and registers itself with the
// functions below.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "cli.hpp"

namespace leadterra::cli {

// The leaf command `sub` runs `run` once the command line has parsed.
void onRun(CLI::App* sub, Context& ctx, std::function<void()> run);

// A command group ("leads", ...): run without one of its commands, it fails
// with a usage error naming them. Its callback runs after its command's.
CLI::App* addGroup(CLI::App& app, Context& ctx, const std::string& name, const std::string& help);

// `campaign step add|replace|remove` (steps_command.cpp), added to the
// `campaign` group.
void addCampaignSteps(CLI::App& campaign, Context& ctx);

// A whole number >= 1, said in words (CLI11's own check prints its range as
// a 300-digit double).
extern const CLI::Validator kPositiveInteger;
// A lead file's format: csv or jsonl.
extern const CLI::Validator kFormatName;
// A lead status's name, as the library spells it (lead.hpp).
extern const CLI::Validator kLeadStatusName;
// The filter of --status (checked with kLeadStatusName) and --updated-since
// (checked with kTimestamp); either may be empty.
[[nodiscard]] LeadFilter leadFilterOf(const std::string& status, const std::string& updatedSince);
// A merge mode's name, as the library spells it (bulk.hpp).
extern const CLI::Validator kMergeModeName;
// Any text but the empty string.
extern const CLI::Validator kNotEmpty;
// A time as --now takes it, e.g. 2025-06-10T15:00:00Z.
extern const CLI::Validator kTimestamp;
// The time of an option checked with kTimestamp; none when it was not given.
[[nodiscard]] std::optional<Timestamp> timeOption(const std::string& text);

// --skip-active-elsewhere and --skip-contacted-within DAYS, the
// cross-campaign rules of `leads bulk` and `leads import` (bulk.hpp).
void addCrossCampaignFlags(CLI::App* sub, CrossCampaignRules& rules);

// `leads import` (import_command.cpp), added to the `leads` group.
void addLeadsImport(CLI::App& leads, Context& ctx);

// `leads export` (export_command.cpp), added to the `leads` group.
void addLeadsExport(CLI::App& leads, Context& ctx);

// The listings (list_commands.cpp), each added to its group: `workspace
// list`, `campaign list`, `leads list` and `leads count`, `messages list`.
void addWorkspaceList(CLI::App& workspace, Context& ctx);
void addCampaignList(CLI::App& campaign, Context& ctx);
void addLeadsList(CLI::App& leads, Context& ctx);
void addMessagesList(CLI::App& messages, Context& ctx);

}  // namespace leadterra::cli
