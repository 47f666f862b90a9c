// `leadterra demo`: a campaign from start to finish on a fresh
// database. stdout carries only the JSON documents (one after another, so
// that `jq` can read them); the headings that explain each step go to stderr.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"

namespace leadterra::cli {
namespace {

constexpr const char* kDefaultDemoDb = "./leadterra-demo.db";
constexpr const char* kDemoNow = "2025-06-10T15:00:00Z";  // the campaign's startedAt
constexpr const char* kCampaignId = "camp_01HZA1TPNQ8RD4KF";

// The bulk body of the walkthrough: three new leads.
constexpr const char* kLeadsBody = R"({
  "leads": [
    {
      "email": "ava@acmecorp.com",
      "firstName": "Ava",
      "lastName": "Chen",
      "company": "Acme Corp",
      "jobTitle": "VP Sales"
    },
    {
      "email": "marcus@buildfast.io",
      "firstName": "Marcus",
      "lastName": "Webb",
      "company": "BuildFast",
      "jobTitle": "Head of Growth"
    },
    {
      "email": "priya@nexusai.com",
      "firstName": "Priya",
      "lastName": "Sharma",
      "company": "Nexus AI",
      "jobTitle": "Director of Revenue"
    }
  ]
})";

std::vector<Step> demoSteps() {
  return {
      {"Quick question, {{firstName}}",
       "Hi {{firstName}},\n\nHow does {{company}} book meetings today? Teams like yours usually hand that to the "
       "{{jobTitle}}.\n\nWorth a 15-minute call?",
       StepFormat::text, 0},
      {"Re: Quick question, {{firstName}}",
       "Hi {{firstName}}, bumping this in case it got buried. Happy to share what worked for teams like "
       "{{company}}'s.",
       StepFormat::text, 3},
  };
}

void heading(const std::string& text) {
  std::cout.flush();  // keep headings and documents in order on a terminal
  fmt::print(stderr, "\n# {}\n", text);
  std::fflush(stderr);
}


// The demo never reuses data: without --db it starts over in its own file;
// a file named with --db must not exist yet (it is not the demo's to delete).
void prepareDatabase(Context& ctx) {
  namespace fs = std::filesystem;
  if (ctx.dbOption->count() > 0) {
    if (fs::exists(ctx.dbPath)) {
      throw Error(ErrorCode::conflict,
                  fmt::format("database file '{}' already exists; the demo needs a fresh one (omit --db to use {})",
                              ctx.dbPath, kDefaultDemoDb));
    }
    return;
  }
  ctx.dbPath = kDefaultDemoDb;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(ctx.dbPath + suffix, ec);
  }
}

const Message& messageFor(const std::vector<Message>& messages, const std::string& email) {
  const auto it = std::find_if(messages.begin(), messages.end(), [&](const Message& m) { return m.email == email; });
  if (it == messages.end()) throw notFound("claimed message for", email);
  return *it;
}

void runDemo(Context& ctx) {
  prepareDatabase(ctx);
  if (!ctx.fixedNow) ctx.fixedNow = json::parseTimestamp(kDemoNow);
  CampaignEngine& engine = ctx.engine();

  heading(fmt::format("Database {}; the clock stands at {}", ctx.dbPath, json::formatTimestamp(*ctx.fixedNow)));

  heading("1. Create a workspace and a campaign: two steps, the second 3 days after the first");
  const Workspace workspace = engine.createWorkspace({"ws_demo", "Demo workspace", {}});
  ctx.print(wrap("workspace", toJsonValue(workspace)));
  CampaignSpec spec;
  spec.workspaceId = workspace.id;
  spec.id = kCampaignId;
  spec.name = "Walkthrough";
  spec.steps = demoSteps();
  const Campaign campaign = engine.createCampaign(spec);
  ctx.print(wrap("campaign", toJsonValue(campaign)));

  heading("2. Bulk upsert three leads (an outreach platform's POST /v1/campaigns/:id/leads/bulk)");
  const std::vector<LeadRow> leads = json::parseLeads(kLeadsBody);
  ctx.print(wrap("result", toJsonValue(engine.bulkUpsert(campaign.id, leads))));

  heading("3. Send the same body again: deduplicated by email, so enrolled 0 and updated 3");
  ctx.print(wrap("result", toJsonValue(engine.bulkUpsert(campaign.id, leads))));

  heading("4. Start the campaign (an outreach platform's POST /v1/campaigns/:id/start): step 1 is queued for every lead");
  ctx.print(wrap("campaign", toJsonValue(engine.startCampaign(campaign.id))));

  heading("5. The outbox: step 1 rendered with each lead's fields");
  ctx.print(wrap("messages", arrayOf(engine.listMessages(campaign.id, MessageStatus::queued))));

  heading("6. The sending application claims the due messages (a 300 s lease)");
  const std::vector<Message> claimed = engine.claimDue(100, 300);
  ctx.print(wrap("messages", arrayOf(claimed)));

  heading("7. Ava's message was sent: her position moves to 1 and step 2 is queued 3 days later");
  ctx.print(wrap("message", toJsonValue(engine.markSent(messageFor(claimed, "ava@acmecorp.com").id))));
  if (const auto ava = engine.getLead(campaign.id, "ava@acmecorp.com")) ctx.print(wrap("lead", toJsonValue(*ava)));
  ctx.print(wrap("messages", arrayOf(engine.listMessages(campaign.id, MessageStatus::queued))));

  heading("8. Marcus's message was sent too, then Marcus replied: he stops and his queued step 2 is cancelled");
  (void)engine.markSent(messageFor(claimed, "marcus@buildfast.io").id);
  const ReplyResult reply = engine.markReplied(campaign.id, "marcus@buildfast.io");
  Json replied = wrap("lead", toJsonValue(reply.lead));
  replied["messagesCancelled"] = reply.messagesCancelled;
  ctx.print(replied);

  heading("9. The campaign now");
  if (const auto now = engine.getCampaign(campaign.id)) ctx.print(wrap("campaign", toJsonValue(*now)));
}

}  // namespace

void addDemo(CLI::App& app, Context& ctx) {
  auto* demo = app.add_subcommand(
      "demo", fmt::format("A campaign end to end on a fresh database (default {}, --now {})", kDefaultDemoDb,
                          kDemoNow));
  demo->callback([&ctx] { ctx.action = [&ctx] { runDemo(ctx); }; });
}

}  // namespace leadterra::cli
