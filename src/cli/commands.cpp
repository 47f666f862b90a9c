// The commands of docs/cli.md, each a few lines over CampaignEngine and
// the JSON adapter. A command's options live in a struct shared by its
// CLI11 bindings and its action; the action runs after the whole line parsed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "render.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"

namespace leadterra::cli {

void onRun(CLI::App* sub, Context& ctx, std::function<void()> run) {
  sub->callback([&ctx, run = std::move(run)] { ctx.action = run; });
}

CLI::App* addGroup(CLI::App& app, Context& ctx, const std::string& name, const std::string& help) {
  CLI::App* group = app.add_subcommand(name, help);
  // "leads", or "campaign step" for a group within a group.
  const std::string path = app.get_parent() == nullptr ? name : app.get_name() + " " + name;
  group->callback([&ctx, group, path] {
    if (ctx.action) return;
    std::vector<std::string> names;
    for (const CLI::App* sub : group->get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
    }
    ctx.action = [message = fmt::format("{}: a command is required: {}", path, fmt::join(names, ", "))] {
      throw UsageError(message);
    };
  });
  return group;
}

const CLI::Validator kFormatName(
    [](const std::string& text) -> std::string {
      if (text == "csv" || text == "jsonl") return {};
      return fmt::format("\"{}\" is not a format: csv or jsonl", text);
    },
    "csv|jsonl");

const CLI::Validator kPositiveInteger(
    [](const std::string& text) -> std::string {
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || value < 1) {
        return fmt::format("\"{}\" is not a whole number >= 1", text);
      }
      return {};
    },
    "INTEGER>=1");

const CLI::Validator kMergeModeName(
    [](const std::string& text) -> std::string {
      if (parseMergeMode(text)) return {};
      return fmt::format("\"{}\" is not a merge mode: merge, fillEmpty or replace", text);
    },
    "merge|fillEmpty|replace");

const CLI::Validator kNotEmpty(
    [](const std::string& text) -> std::string { return text.empty() ? "must not be empty" : std::string(); },
    "NON-EMPTY");

const CLI::Validator kTimestamp(
    [](const std::string& text) -> std::string {
      try {
        (void)json::parseTimestamp(text);
        return {};
      } catch (const Error& e) {
        return e.what();
      }
    },
    "TIME");

const CLI::Validator kLeadStatusName = CLI::IsMember({"active", "completed", "suppressed", "replied", "bounced",
                                                      "unsubscribed", "paused"});

LeadFilter leadFilterOf(const std::string& status, const std::string& updatedSince) {
  LeadFilter filter;
  if (!status.empty()) filter.status = parseLeadStatus(status);
  filter.updatedSince = timeOption(updatedSince);
  return filter;
}

std::optional<Timestamp> timeOption(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return json::parseTimestamp(text);  // checked while parsing
}

void addLint(Json& doc, CampaignEngine& engine, const std::string& campaignId) {
  const std::vector<LintFinding> findings = engine.lintSteps(campaignId);
  if (!findings.empty()) doc["lint"] = arrayOf(findings);
}

void addCrossCampaignFlags(CLI::App* sub, CrossCampaignRules& rules) {
  sub->add_flag("--skip-active-elsewhere", rules.skipActiveElsewhere,
                "Skip a new email that another started campaign of the workspace is still mailing");
  sub->add_option("--skip-contacted-within", rules.skipContactedWithinDays,
                  "Skip a new email the workspace sent a message to in the last DAYS days (at most 3650)")
      ->check(kPositiveInteger)
      ->option_text("DAYS");
}

namespace {


// ---- workspace ----

void addWorkspace(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "workspace", "Workspaces (tenants)");
  auto spec = std::make_shared<WorkspaceSpec>();
  auto* create = group->add_subcommand("create", "Create a workspace -> {\"workspace\": {...}}");
  create->add_option("--id", spec->id, "Id matching ^[A-Za-z0-9_-]{1,64}$ (default: ws_ + ULID)");
  create->add_option("--name", spec->name, "Free text");
  onRun(create, ctx, [&ctx, spec] { ctx.print(wrap("workspace", toJsonValue(ctx.engine().createWorkspace(*spec)))); });

  // The keys given are laid over the current rules (read, then write).
  auto rulesArgs = std::make_shared<std::pair<std::string, std::string>>();
  auto* rules = group->add_subcommand(
      "rules", R"(Set rules across the workspace's campaigns (given keys only) -> {"workspace": {...}})");
  rules->add_option("id", rulesArgs->first, "Workspace id")->required();
  rules->add_option("--set", rulesArgs->second,
                    R"(JSON object, e.g. {"replyStopsAllCampaigns": false,)"
                    R"( "frequencyCap": {"maxSends": 2, "perDays": 7}})")
      ->required();
  onRun(rules, ctx, [&ctx, rulesArgs] {
    CampaignEngine& engine = ctx.engine();
    const auto ws = engine.getWorkspace(rulesArgs->first);
    if (!ws) throw notFound("workspace", rulesArgs->first);
    const WorkspaceRules next = json::parseWorkspaceRules(rulesArgs->second, ws->rules);
    ctx.print(wrap("workspace", toJsonValue(engine.setWorkspaceRules(ws->id, next))));
  });
  addWorkspaceList(*group, ctx);
}

// ---- campaign ----

struct CampaignArgs {
  std::string workspace;
  std::string id;
  std::string name;
  std::string stepsFile;
};

struct ScheduleArgs {
  std::string id;
  std::string timeZone;
  std::vector<std::string> days;
  int startHour = 0;
  int endHour = 0;
  std::int64_t dailyCap = 0;
  bool noWindow = false;
  bool noCap = false;
};

bool given(const CLI::Option* option) { return option->count() > 0; }

// The window of --days, --start-hour and --end-hour laid over `current`; a
// campaign without a window starts from the default one (Mon-Fri, 9-17).
SendWindow windowOf(const ScheduleArgs& a, std::optional<SendWindow> current, const CLI::Option* days,
                    const CLI::Option* start, const CLI::Option* end) {
  SendWindow window = current.value_or(SendWindow{});
  if (given(days)) {
    window.days.fill(false);
    for (const std::string& day : a.days) {
      const auto* found = std::find(std::begin(kDayNames), std::end(kDayNames), day);
      if (found == std::end(kDayNames)) throw UsageError(fmt::format("--days: \"{}\" is not a day", day));
      window.days[static_cast<std::size_t>(found - std::begin(kDayNames))] = true;
    }
  }
  if (given(start)) window.startHour = a.startHour;
  if (given(end)) window.endHour = a.endHour;
  return window;
}

// `campaign schedule`: the given flags are laid over the campaign's current
// sending rules, so that changing one (the cap) keeps the others (the window).
void addCampaignSchedule(CLI::App& group, Context& ctx) {
  auto a = std::make_shared<ScheduleArgs>();
  auto* sub = group.add_subcommand(
      "schedule", "Set the time zone, send window and daily cap (given flags only) -> {\"campaign\": {...}}");
  sub->add_option("id", a->id, "Campaign id")->required();
  auto* zone =
      sub->add_option("--time-zone", a->timeZone, "IANA time zone of the window and the cap's day, e.g. Europe/Oslo");
  // transform, not check: IsMember then also writes "Mon" as "mon".
  const std::vector<std::string> dayNames(std::begin(kDayNames), std::end(kDayNames));
  auto* days = sub->add_option("--days", a->days, "Days a window opens, e.g. mon,tue,wed,thu,fri")
                   ->delimiter(',')
                   ->transform(CLI::IsMember(dayNames, CLI::ignore_case));
  auto* start = sub->add_option("--start-hour", a->startHour, "Hour the window opens, 0-23")->check(CLI::Range(0, 23));
  auto* end = sub->add_option("--end-hour", a->endHour, "Hour it closes, 0-24; <= start: the next day")
                  ->check(CLI::Range(0, 24));
  auto* cap = sub->add_option("--daily-cap", a->dailyCap, "Most messages handed out per calendar day")
                  ->check(kPositiveInteger);
  sub->add_flag("--no-window", a->noWindow, "Send at any time")->excludes(days)->excludes(start)->excludes(end);
  sub->add_flag("--no-cap", a->noCap, "No daily cap")->excludes(cap);
  onRun(sub, ctx, [&ctx, a, zone, days, start, end, cap] {
    const bool windowFlags = given(days) || given(start) || given(end);
    if (!given(zone) && !windowFlags && !given(cap) && !a->noWindow && !a->noCap) {
      throw UsageError(
          "campaign schedule: give at least one of --time-zone, --days, --start-hour, --end-hour, --daily-cap, "
          "--no-window, --no-cap");
    }
    // Read, then write: two transactions. Another writer changing the same
    // campaign's rules in between is overwritten (last write wins), which is
    // what a person at a terminal expects.
    CampaignEngine& engine = ctx.engine();
    const auto campaign = engine.getCampaign(a->id);
    if (!campaign) throw notFound("campaign", a->id);
    CampaignSchedule schedule = campaign->schedule;
    if (given(zone)) schedule.timeZone = a->timeZone;
    if (a->noWindow) {
      schedule.sendWindow.reset();
    } else if (windowFlags) {
      schedule.sendWindow = windowOf(*a, schedule.sendWindow, days, start, end);
    }
    if (a->noCap) {
      schedule.dailyCap.reset();
    } else if (given(cap)) {
      schedule.dailyCap = a->dailyCap;
    }
    ctx.print(wrap("campaign", toJsonValue(engine.setSchedule(a->id, schedule))));
  });
}

struct VariantArgs {
  std::string id;
  std::int64_t step = 1;
  std::string json;
  std::string email;
};

void addCampaign(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "campaign", "Campaigns and their lifecycle");
  auto a = std::make_shared<CampaignArgs>();

  auto* create = group->add_subcommand("create", "Create a draft campaign -> {\"campaign\": {...}}");
  create->add_option("--workspace", a->workspace, "Workspace id")->required();
  create->add_option("--id", a->id, "Id matching ^[A-Za-z0-9_-]{1,64}$ (default: camp_ + ULID)");
  create->add_option("--name", a->name, "Campaign name")->required();
  create->add_option("--steps", a->stepsFile,
                      R"(Steps file ({"steps": [...]}, optionally "timeZone", "sendWindow", "dailyCap"), or - for stdin)");
  onRun(create, ctx, [&ctx, a] {
    CampaignSpec spec;
    spec.workspaceId = a->workspace;
    spec.id = a->id;
    spec.name = a->name;
    if (!a->stepsFile.empty()) {
      const std::string text = readInput(a->stepsFile);
      spec.steps = json::parseSteps(text);  // checks the whole document, sending rules included
      spec.schedule = json::parseSchedule(text);
    }
    ctx.print(wrap("campaign", toJsonValue(ctx.engine().createCampaign(spec))));
  });

  auto* get = group->add_subcommand("get", "Show a campaign -> {\"campaign\": {...}}");
  get->add_option("id", a->id, "Campaign id")->required();
  onRun(get, ctx, [&ctx, a] {
    const auto campaign = ctx.engine(Access::read).getCampaign(a->id);
    if (!campaign) throw notFound("campaign", a->id);
    ctx.print(wrap("campaign", toJsonValue(*campaign)));
  });

  auto* start = group->add_subcommand(
      "start", R"(Start (or resume) a campaign -> {"campaign": {id, status, startedAt, leadsEnrolled, queuedMessages}})");
  start->add_option("id", a->id, "Campaign id")->required();
  onRun(start, ctx, [&ctx, a] { ctx.print(wrap("campaign", toJsonValue(ctx.engine().startCampaign(a->id)))); });

  auto* pause = group->add_subcommand("pause", "Pause a running campaign -> {\"campaign\": {...}}");
  pause->add_option("id", a->id, "Campaign id")->required();
  onRun(pause, ctx, [&ctx, a] { ctx.print(wrap("campaign", toJsonValue(ctx.engine().pauseCampaign(a->id)))); });

  // The keys given are laid over the current rules (read, then write, as schedule).
  auto rulesText = std::make_shared<std::string>();
  auto* rules = group->add_subcommand(
      "rules", R"(Set what signals do in the campaign (given keys only) -> {"campaign": {...}})");
  rules->add_option("id", a->id, "Campaign id")->required();
  rules->add_option("--set", *rulesText, R"(JSON object of stop rules, e.g. {"forCompany": true})")->required();
  onRun(rules, ctx, [&ctx, a, rulesText] {
    CampaignEngine& engine = ctx.engine();
    const auto campaign = engine.getCampaign(a->id);
    if (!campaign) throw notFound("campaign", a->id);
    const StopRules next = json::parseStopRules(*rulesText, campaign->stopRules);
    ctx.print(wrap("campaign", toJsonValue(engine.setStopRules(a->id, next))));
  });

  // A/B/n variants of one step (docs/variants.md).
  auto variants = std::make_shared<VariantArgs>();
  auto* setVariants = group->add_subcommand(
      "variants", R"(Replace one step's variants and winner rule, at any status -> {"campaign": {...}})");
  setVariants->add_option("id", variants->id, "Campaign id")->required();
  setVariants->add_option("--step", variants->step, "Step number, from 1")->required()->check(kPositiveInteger);
  setVariants
      ->add_option("--set", variants->json,
                   R"(JSON {"variants": [{"label", "subject", "body", "weight"}, ...], "winnerRule": {...}})")
      ->required();
  onRun(setVariants, ctx, [&ctx, variants] {
    // Read as a step with only variants: the same reader, the same messages.
    const Step step = json::parseStep(variants->json);
    if (!step.subject.empty() || !step.body.empty() || step.variants.empty()) {
      throw UsageError(R"(campaign variants: --set takes {"variants": [...], "winnerRule": {...}} only)");
    }
    CampaignEngine& engine = ctx.engine();
    Json doc = wrap("campaign", toJsonValue(engine.setStepVariants(variants->id, variants->step, step.variants,
                                                                    step.winnerRule)));
    addLint(doc, engine, variants->id);
    ctx.print(doc);
  });

  auto* lint = group->add_subcommand(
      "lint", R"(What in the steps is probably a mistake -> {"lint": [{step, variant, field, code, message}]})");
  lint->add_option("id", variants->id, "Campaign id")->required();
  onRun(lint, ctx, [&ctx, variants] {
    ctx.print(wrap("lint", arrayOf(ctx.engine(Access::read).lintSteps(variants->id))));
  });

  auto* winners = group->add_subcommand(
      "winners", R"(The variants winner rules picked -> {"winners": [{step, variant, decidedAt, figures}]})");
  winners->add_option("id", variants->id, "Campaign id")->required();
  onRun(winners, ctx, [&ctx, variants] {
    ctx.print(wrap("winners", arrayOf(ctx.engine(Access::read).stepWinners(variants->id))));
  });

  auto* preview = group->add_subcommand(
      "preview", R"(A step as the engine queues it for one lead -> {"rendered": {variant, subject, body}})");
  preview->add_option("id", variants->id, "Campaign id")->required();
  preview->add_option("--step", variants->step, "Step number, from 1")->required()->check(kPositiveInteger);
  preview->add_option("--email", variants->email, "The lead's email")->required();
  onRun(preview, ctx, [&ctx, variants] {
    ctx.print(wrap("rendered", toJsonValue(ctx.engine(Access::read).previewStep(variants->id, variants->step,
                                                                                 variants->email))));
  });

  addCampaignSchedule(*group, ctx);
  addCampaignSteps(*group, ctx);
  addCampaignList(*group, ctx);
}

// ---- leads ----

struct LeadsArgs {
  std::string campaign;
  std::string file = "-";
  std::string email;
  std::string mode = "merge";
  std::string idempotencyKey;
  bool dryRun = false;
  bool details = false;
  bool strict = false;
  CrossCampaignRules crossCampaign;
};

void addLeads(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "leads", "Enroll and look up leads");
  auto a = std::make_shared<LeadsArgs>();

  auto* bulk = group->add_subcommand("bulk", R"(Bulk upsert a {"leads": [...]} body -> {"result": {...}})");
  bulk->add_option("--campaign", a->campaign, "Campaign id")->required();
  bulk->add_option("file", a->file, "Body file, or - for stdin (default)");
  bulk->add_option("--mode", a->mode, "How rows write into existing leads: merge, fillEmpty or replace")
      ->check(kMergeModeName)
      ->capture_default_str();
  bulk->add_flag("--dry-run", a->dryRun, "Print the result the call would give; write nothing");
  bulk->add_option("--idempotency-key", a->idempotencyKey,
                   "A repeat with this key and the same body replays the first result; another body is a conflict")
      ->check(kNotEmpty);
  bulk->add_flag("--details", a->details, "Add rows: [{index, email, outcome, code}] for every row");
  addCrossCampaignFlags(bulk, a->crossCampaign);
  bulk->add_flag("--strict", a->strict, "Exit with status 3 when any row failed (the result is printed all the same)");
  onRun(bulk, ctx, [&ctx, a] {
    BulkOptions options;
    options.mode = *parseMergeMode(a->mode);  // checked while parsing
    options.dryRun = a->dryRun;
    options.idempotencyKey = a->idempotencyKey;
    options.details = a->details;
    options.crossCampaign = a->crossCampaign;
    std::vector<LeadRow> leads;
    {
      // Read where it is (readInput leaves room for the parser's padding),
      // and freed before the upsert.
      std::string body = readInput(a->file);
      leads = json::parseLeadsInPlace(body);
    }
    // A dry run writes nothing, so it does not create the file either.
    CampaignEngine& engine = ctx.engine(a->dryRun ? Access::read : Access::write);
    const BulkResult result = engine.bulkUpsert(a->campaign, leads, options);
    ctx.print(wrap("result", toJsonValue(result)));
    if (a->strict && result.failed > 0) ctx.exitStatus = kExitFailedRows;
  });

  addLeadsImport(*group, ctx);

  auto* get = group->add_subcommand("get", "Show one lead -> {\"lead\": {...}}");
  get->add_option("--campaign", a->campaign, "Campaign id")->required();
  get->add_option("email", a->email, "The lead's email (normalized before lookup)")->required();
  onRun(get, ctx, [&ctx, a] {
    const auto lead = ctx.engine(Access::read).getLead(a->campaign, a->email);
    if (!lead) throw notFound("lead", a->email, a->campaign);
    ctx.print(wrap("lead", toJsonValue(*lead)));
  });

  addLeadsList(*group, ctx);
  addLeadsExport(*group, ctx);
}

// ---- suppression ----

struct SuppressionArgs {
  std::string workspace;
  std::vector<std::string> entries;
  std::string reason;
  std::string since;
  std::string until;
};

// A reason's name, as the library spells it (suppression.hpp).
const CLI::Validator kSuppressionReason(
    [](const std::string& text) -> std::string {
      if (parseSuppressionReason(text)) return {};
      return fmt::format("\"{}\" is not a reason: manual, hardBounce, softBounces, complaint or unsubscribe", text);
    },
    "REASON");

void addFilterOptions(CLI::App* sub, SuppressionArgs& a, const char* what) {
  sub->add_option("--reason", a.reason, fmt::format("{} entries of this reason", what))->check(kSuppressionReason);
  sub->add_option("--since", a.since, fmt::format("{} entries added at or after this time", what))
      ->check(kTimestamp);
  sub->add_option("--until", a.until, fmt::format("{} entries added before this time", what))->check(kTimestamp);
}

SuppressionFilter filterOf(const SuppressionArgs& a) {
  SuppressionFilter f;
  if (!a.reason.empty()) f.reason = parseSuppressionReason(a.reason);
  f.since = timeOption(a.since);
  f.until = timeOption(a.until);
  return f;
}

void addSuppression(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "suppression", "The workspace's do-not-contact list");
  auto a = std::make_shared<SuppressionArgs>();

  auto* add = group->add_subcommand("add", "Suppress emails or domains everywhere in the workspace -> "
                                           "{\"suppression\": {...}}");
  add->add_option("--workspace", a->workspace, "Workspace id")->required();
  add->add_option("entries", a->entries, "Emails, or domains written @acme.com or acme.com")->required();
  onRun(add, ctx, [&ctx, a] {
    ctx.print(wrap("suppression", toJsonValue(ctx.engine().addSuppressions(a->workspace, a->entries),
                                              SuppressionOp::add)));
  });

  auto* remove = group->add_subcommand(
      "remove", "Remove entries, or those of a --reason (resumes nobody by itself) -> {\"suppression\": {...}}");
  remove->add_option("--workspace", a->workspace, "Workspace id")->required();
  auto* entries = remove->add_option("entries", a->entries, "Emails, or domains written @acme.com or acme.com");
  addFilterOptions(remove, *a, "Remove the");
  entries->excludes(remove->get_option("--reason"));
  remove->get_option("--since")->needs(remove->get_option("--reason"));
  remove->get_option("--until")->needs(remove->get_option("--reason"));
  onRun(remove, ctx, [&ctx, a] {
    if (a->entries.empty() && a->reason.empty()) {
      throw Error(ErrorCode::invalid_argument, "name the entries to remove, or a --reason");
    }
    CampaignEngine& engine = ctx.engine();
    const SuppressionResult result = a->entries.empty() ? engine.removeSuppressionsBy(a->workspace, filterOf(*a))
                                                        : engine.removeSuppressions(a->workspace, a->entries);
    ctx.print(wrap("suppression", toJsonValue(result, SuppressionOp::remove)));
  });

  auto* list = group->add_subcommand("list", "List the entries -> {\"suppression\": {\"entries\": [...]}}");
  list->add_option("--workspace", a->workspace, "Workspace id")->required();
  addFilterOptions(list, *a, "Only");
  onRun(list, ctx, [&ctx, a] {
    ctx.print(wrap("suppression",
                   wrap("entries", arrayOf(ctx.engine(Access::read).listSuppressions(a->workspace, filterOf(*a))))));
  });
}

// ---- messages ----

struct MessagesArgs {
  std::string workspace;  // the scope: empty, any workspace
  std::string campaign;
  std::string id;
  std::string email;
  std::int64_t limit = 100;
  std::int64_t lease = 300;
  std::string reason;
  bool retryable = false;
};

void addMessages(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "messages", "The outbox: list, claim and report on messages");
  auto a = std::make_shared<MessagesArgs>();
  const auto scoped = [a](CLI::App* sub) {
    sub->add_option("--workspace", a->workspace, "Only this workspace's (another's is not_found)");
  };

  addMessagesList(*group, ctx);

  auto* claim = group->add_subcommand("claim", "Hand out due messages under a lease -> {\"messages\": [...]}");
  claim->add_option("--limit", a->limit, "At most this many")->check(kPositiveInteger)->capture_default_str();
  claim->add_option("--lease", a->lease, "Seconds before an unreported message may be handed out again")
      ->check(kPositiveInteger)
      ->capture_default_str();
  scoped(claim);
  onRun(claim, ctx, [&ctx, a] {
    ctx.print(wrap("messages", arrayOf(ctx.engine().claimDue(a->limit, a->lease, {a->workspace}))));
  });

  auto* sent = group->add_subcommand("sent", "Report a message sent -> {\"message\": {...}}");
  sent->add_option("id", a->id, "Message id")->required();
  scoped(sent);
  onRun(sent, ctx, [&ctx, a] { ctx.print(wrap("message", toJsonValue(ctx.engine().markSent(a->id, {a->workspace})))); });

  auto* failed = group->add_subcommand("failed", "Report a failed send -> {\"message\": {...}}");
  failed->add_option("id", a->id, "Message id")->required();
  failed->add_option("--reason", a->reason, "Why it failed")->required();
  failed->add_flag("--retryable", a->retryable, "Queue it again with backoff (default: permanent, the lead bounces)");
  scoped(failed);
  onRun(failed, ctx, [&ctx, a] {
    ctx.print(wrap("message", toJsonValue(ctx.engine().markFailed(a->id, a->reason, a->retryable, {a->workspace}))));
  });

  auto* replied = group->add_subcommand("replied", "Report a reply: the lead stops -> {\"lead\": {...}, ...}");
  replied->add_option("--campaign", a->campaign, "Campaign id")->required();
  replied->add_option("email", a->email, "The lead's email")->required();
  scoped(replied);
  onRun(replied, ctx, [&ctx, a] {
    const ReplyResult result = ctx.engine().markReplied(a->campaign, a->email, {a->workspace});
    Json doc = wrap("lead", toJsonValue(result.lead));
    doc["messagesCancelled"] = result.messagesCancelled;
    ctx.print(doc);
  });
}

// ---- signal ----

struct SignalArgs {
  std::string kind;
  std::string message;
  std::string workspace;
  std::string campaign;
  std::string email;
  std::string externalId;
  std::string detail;
  std::string until;
};

void addSignal(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SignalArgs>();
  auto* signal = app.add_subcommand(
      "signal", R"(Report what happened after a send; its rule applies at once -> {"signal": {...}})");
  std::vector<std::string> kinds;
  for (int i = 0; parseSignalKind(toString(static_cast<SignalKind>(i))); ++i) {
    kinds.emplace_back(toString(static_cast<SignalKind>(i)));
  }
  signal->add_option("kind", a->kind, "reply, autoReply, bounceHard, bounceSoft, complaint, unsubscribe, click or open")
      ->required()
      ->check(CLI::IsMember(kinds));
  auto* message = signal->add_option("--message", a->message, "The message it is about");
  auto* email = signal->add_option("--email", a->email, "Or the address it is about (with --workspace)");
  message->excludes(email);
  signal->add_option("--workspace", a->workspace,
                     "The address's workspace; with --message, only this workspace's (another's is not_found)");
  signal->add_option("--campaign", a->campaign, "With --email: the campaign whose lead it is")->needs(email);
  signal->add_option("--external-id", a->externalId,
                     "The provider's event id: a repeat in the workspace changes nothing");
  signal->add_option("--detail", a->detail, "Kept with the signal, e.g. a bounce's diagnostic");
  signal->add_option("--until", a->until, "autoReply: when the person is back (default: in the campaign's autoReplyDays)")
      ->check(kTimestamp);
  onRun(signal, ctx, [&ctx, a] {
    SignalInput in;
    in.kind = *parseSignalKind(a->kind);  // checked while parsing
    in.messageId = a->message;
    in.email = a->email;
    if (!a->email.empty()) in.workspaceId = a->workspace;
    in.campaignId = a->campaign;
    in.externalId = a->externalId;
    in.detail = a->detail;
    in.until = timeOption(a->until);
    ctx.print(wrap("signal", toJsonValue(ctx.engine().reportSignal(in, {a->workspace}))));
  });
}

// ---- events ----

struct EventsArgs {
  std::string workspace;
  std::int64_t after = 0;
  std::int64_t limit = 100;
  std::vector<std::string> kinds;
  std::string campaign;
};

void addEvents(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<EventsArgs>();
  auto* events = app.add_subcommand(
      "events", R"(What happened in a workspace, oldest first, after a cursor -> {"events": [...], "cursor": N})");
  std::vector<std::string> kinds;
  for (int i = 0; parseEventKind(toString(static_cast<EventKind>(i))); ++i) {
    kinds.emplace_back(toString(static_cast<EventKind>(i)));
  }
  events->add_option("--workspace", a->workspace, "Workspace id")->required();
  events->add_option("--after", a->after, "The cursor of the last event already handled (0: from the oldest kept)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  events->add_option("--limit", a->limit, "At most this many (1..1000)")
      ->check(CLI::Range(std::int64_t{1}, kMaxPageLimit))
      ->capture_default_str();
  events->add_option("--kind", a->kinds, "Only events of this kind (repeatable), e.g. message_sent")
      ->check(CLI::IsMember(kinds));
  events->add_option("--campaign", a->campaign, "Only this campaign's events");
  onRun(events, ctx, [&ctx, a] {
    EventQuery query;
    query.afterCursor = a->after;
    query.limit = a->limit;
    for (const std::string& k : a->kinds) query.kinds.push_back(*parseEventKind(k));  // checked while parsing
    query.campaignId = a->campaign;
    ctx.print(toJsonValue(ctx.engine(Access::read).events(a->workspace, query)));
  });
}

// ---- unsubscribe-settings, unsubscribe ----

struct UnsubscribeArgs {
  std::string workspace;
  UnsubscribeSettings settings;
  std::string token;
  std::string campaign;
  std::string email;
};

void addUnsubscribeSettings(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "unsubscribe-settings",
                         "A workspace's unsubscribe links: base URL and mailto address (the secret is never shown)");
  auto a = std::make_shared<UnsubscribeArgs>();
  const auto workspace = [a](CLI::App* sub) {
    sub->add_option("--workspace", a->workspace, "Workspace id")->required()->check(kNotEmpty);
  };

  auto* set = group->add_subcommand(
      "set", R"(Set them, replacing both; the first set makes the workspace's secret -> {"unsubscribeSettings": {...}})");
  workspace(set);
  set->add_option("--base-url", a->settings.baseUrl,
                  "https URL of the one-click link; ?token=... is appended (default: none)");
  set->add_option("--mailto", a->settings.mailto, "Address of the List-Unsubscribe mailto: form (default: none)");
  onRun(set, ctx, [&ctx, a] {
    ctx.print(wrap("unsubscribeSettings",
                   toJsonValue(ctx.engine().setUnsubscribeSettings(a->workspace, a->settings, {a->workspace}))));
  });

  auto* get = group->add_subcommand("get", R"(Show them -> {"unsubscribeSettings": {...}})");
  workspace(get);
  onRun(get, ctx, [&ctx, a] {
    ctx.print(wrap("unsubscribeSettings",
                   toJsonValue(ctx.engine(Access::read).getUnsubscribeSettings(a->workspace, {a->workspace}))));
  });

  auto* rotate = group->add_subcommand(
      "rotate", R"(Replace the secret: every link made before fails from now on -> {"rotated": true})");
  workspace(rotate);
  onRun(rotate, ctx, [&ctx, a] {
    ctx.engine().rotateUnsubscribeSecret(a->workspace, {a->workspace});
    ctx.print(wrap("rotated", true));
  });
}

void addUnsubscribe(CLI::App& app, Context& ctx) {
  auto* group = addGroup(app, ctx, "unsubscribe", "Unsubscribe links: apply a clicked one, or show a lead's");
  auto a = std::make_shared<UnsubscribeArgs>();

  auto* apply = group->add_subcommand(
      "apply", R"(Check a link's token and unsubscribe its address; once per campaign and address -> {"signal": {...}})");
  apply->add_option("token", a->token, "The token= value of the link")->required();
  apply->add_option("--workspace", a->workspace, "Only this workspace's tokens (another's is invalid_token)");
  onRun(apply, ctx, [&ctx, a] {
    ctx.print(wrap("signal", toJsonValue(ctx.engine().applyUnsubscribe(a->token, {a->workspace}))));
  });

  auto* link = group->add_subcommand("link", R"(A lead's link, as its messages carry it -> {"link": {"token", "url"}})");
  link->add_option("--campaign", a->campaign, "Campaign id")->required();
  link->add_option("--email", a->email, "The lead's email")->required();
  link->add_option("--workspace", a->workspace, "Only this workspace's (another's is not_found)");
  onRun(link, ctx, [&ctx, a] {
    ctx.print(wrap("link", toJsonValue(ctx.engine(Access::read).unsubscribeLink(a->campaign, a->email, {a->workspace}))));
  });
}

// ---- render ----

struct RenderArgs {
  std::string format = "text";
  bool subject = false;
  std::string templateText;
  std::string lead = "{}";
};

void addRender(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RenderArgs>();
  auto* render = app.add_subcommand(
      "render", R"(Render a template against a lead -> {"rendered": "...", "missingTokens": [...]})");
  render->add_option("--format", a->format, "html escapes inserted values")
      ->check(CLI::IsMember({"text", "html"}))
      ->capture_default_str();
  render->add_flag("--subject", a->subject,
                   "Render as a step's subject: never escaped, control characters folded to spaces");
  render->add_option("--template", a->templateText, "Template text, e.g. \"Hi {{firstName|there}}\"")->required();
  render->add_option("--lead", a->lead,
                     R"(The lead as a JSON object, e.g. {"firstName": "Ava"}, or as `leads get` prints it)")
      ->capture_default_str();
  onRun(render, ctx, [&ctx, a] {
    const RenderAs as = a->subject ? RenderAs::subject : a->format == "html" ? RenderAs::htmlBody : RenderAs::textBody;
    const Rendering rendering = renderTemplate(a->templateText, as, a->lead);
    Json doc = wrap("rendered", rendering.text);
    doc["missingTokens"] = rendering.missingTokens;
    ctx.print(doc);
  });
}

}  // namespace

void addCommands(CLI::App& app, Context& ctx) {
  addWorkspace(app, ctx);
  addCampaign(app, ctx);
  addLeads(app, ctx);
  addSuppression(app, ctx);
  addMessages(app, ctx);
  addSignal(app, ctx);
  addEvents(app, ctx);
  addUnsubscribeSettings(app, ctx);
  addUnsubscribe(app, ctx);
  addRender(app, ctx);
}

}  // namespace leadterra::cli
