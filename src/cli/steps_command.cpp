// `campaign step add|replace|remove`: a campaign's steps edited one at a
// time (CampaignEngine::addStep, replaceStep, removeStep) while it is not
// running. A step comes from a file (one object of a steps document's
// "steps" array) or from flags.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "cli.hpp"
#include "commands.hpp"
#include "leadterra/json.hpp"

namespace leadterra::cli {
namespace {

struct StepArgs {
  std::string id;
  std::int64_t number = 0;
  std::string file;
  std::string subject;
  std::string body;
  std::string format;
  double delayDays = 0;
};

// The step flags of one command, to tell which were given.
struct StepFlags {
  CLI::Option* file = nullptr;
  CLI::Option* subject = nullptr;
  CLI::Option* body = nullptr;
  CLI::Option* format = nullptr;
  CLI::Option* delayDays = nullptr;
};

bool given(const CLI::Option* option) { return option->count() > 0; }

// A finite number >= 0, as a step's delayDays.
const CLI::Validator kDays(
    [](const std::string& text) -> std::string {
      double value = -1;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) {
        return fmt::format("\"{}\" is not a number >= 0", text);
      }
      return {};
    },
    "DAYS>=0");

StepFlags addStepFlags(CLI::App* sub, StepArgs& a) {
  StepFlags f;
  f.file = sub->add_option("--step", a.file,
                           R"(Step file: one object {"subject", "body", "format", "delayDays"}, or - for stdin)");
  f.subject = sub->add_option("--subject", a.subject, "Subject template");
  f.body = sub->add_option("--body", a.body, "Body template");
  f.format = sub->add_option("--format", a.format, "text (default) or html")->check(CLI::IsMember({"text", "html"}));
  f.delayDays = sub->add_option("--delay-days", a.delayDays, "Days after the previous step; fractions allowed")
                    ->check(kDays);
  for (CLI::Option* field : {f.subject, f.body, f.format, f.delayDays}) f.file->excludes(field);
  return f;
}

// The step of --step, or `base` with the flags given laid over it.
Step stepOf(const StepArgs& a, const StepFlags& f, Step base) {
  if (given(f.file)) return json::parseStep(readInput(a.file));
  if (given(f.subject)) base.subject = a.subject;
  if (given(f.body)) base.body = a.body;
  if (given(f.format)) base.format = *parseStepFormat(a.format);  // checked while parsing
  if (given(f.delayDays)) base.delayDays = a.delayDays;
  return base;
}

void addStepAdd(CLI::App& step, Context& ctx, const std::shared_ptr<StepArgs>& a) {
  auto* add = step.add_subcommand("add", "Append a step -> {\"campaign\": {...}}");
  add->add_option("id", a->id, "Campaign id")->required();
  const StepFlags f = addStepFlags(add, *a);
  onRun(add, ctx, [&ctx, a, f] {
    if (!given(f.file) && !(given(f.subject) && given(f.body))) {
      throw UsageError("campaign step add: give --step FILE, or --subject and --body");
    }
    CampaignEngine& engine = ctx.engine();
    Json doc = wrap("campaign", toJsonValue(engine.addStep(a->id, stepOf(*a, f, Step{}))));
    addLint(doc, engine, a->id);
    ctx.print(doc);
  });
}

// With flags, the ones given are laid over step N as it is, so that
// `--delay-days 2` changes the delay only.
void addStepReplace(CLI::App& step, Context& ctx, const std::shared_ptr<StepArgs>& a) {
  auto* replace = step.add_subcommand("replace", "Replace step N (1-based) -> {\"campaign\": {...}}");
  replace->add_option("id", a->id, "Campaign id")->required();
  replace->add_option("number", a->number, "Step number, from 1")->required()->check(kPositiveInteger);
  const StepFlags f = addStepFlags(replace, *a);
  onRun(replace, ctx, [&ctx, a, f] {
    if (!given(f.file) && !given(f.subject) && !given(f.body) && !given(f.format) && !given(f.delayDays)) {
      throw UsageError(
          "campaign step replace: give --step FILE, or at least one of --subject, --body, --format, --delay-days");
    }
    CampaignEngine& engine = ctx.engine();
    // Read, then write: two transactions, as `campaign schedule`. A campaign
    // or step that is not there is left to replaceStep to report.
    Step base;
    if (!given(f.file)) {
      const auto campaign = engine.getCampaign(a->id);
      if (campaign && a->number <= static_cast<std::int64_t>(campaign->steps.size())) {
        base = campaign->steps[static_cast<std::size_t>(a->number - 1)];
      }
    }
    Json doc = wrap("campaign", toJsonValue(engine.replaceStep(a->id, a->number, stepOf(*a, f, base))));
    addLint(doc, engine, a->id);
    ctx.print(doc);
  });
}

}  // namespace

void addCampaignSteps(CLI::App& campaign, Context& ctx) {
  auto* step = addGroup(campaign, ctx, "step", "Add, replace or remove one step of a campaign that is not running");
  auto a = std::make_shared<StepArgs>();
  addStepAdd(*step, ctx, a);
  addStepReplace(*step, ctx, a);

  auto* remove = step->add_subcommand(
      "remove", "Remove step N; its queued messages are cancelled, later steps move up -> {\"campaign\": {...}}");
  remove->add_option("id", a->id, "Campaign id")->required();
  remove->add_option("number", a->number, "Step number, from 1")->required()->check(kPositiveInteger);
  onRun(remove, ctx, [&ctx, a] {
    ctx.print(wrap("campaign", toJsonValue(ctx.engine().removeStep(a->id, a->number))));
  });
}

}  // namespace leadterra::cli
