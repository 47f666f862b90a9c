// Tenant isolation (SPEC section 8): every call that names a campaign can be
// scoped to a workspace (leadterra::Scope); a campaign of another workspace is
// then not_found, indistinguishable from one that does not exist (same code,
// same message but for the id, nothing changed), whatever its state. Suppression
// entries of one workspace never affect another.
#define BOOST_TEST_MODULE tenant
#include <boost/test/unit_test.hpp>
#include <functional>

#include "test_util.hpp"
#include "tools/figures.hpp"
#include "tools/invariants.hpp"

using namespace leadterra;
using namespace leadterra::test;

namespace {

// Two tenants with look-alike data: the same campaign shapes and the same
// lead emails in each.
struct TenantFixture : EngineFixture {
  const Scope scopeA{"ws_a"};
  const Scope scopeB{"ws_b"};

  TenantFixture() {
    engine->createWorkspace({"ws_a", "A", {}});
    engine->createWorkspace({"ws_b", "B", {}});
    for (const char* ws : {"ws_a", "ws_b"}) {
      const std::string w = ws;
      engine->createCampaign({w, "run_" + w, "Running", seedSteps(), {}, {}});
      engine->createCampaign({w, "draft_" + w, "Draft without steps", {}, {}, {}});
      engine->createCampaign({w, "paused_" + w, "Paused", seedSteps(), {}, {}});
      (void)engine->bulkUpsert("run_" + w, seedLeads());
      (void)engine->bulkUpsert("paused_" + w, seedLeads());
      (void)engine->startCampaign("run_" + w);
      (void)engine->startCampaign("paused_" + w);
      (void)engine->pauseCampaign("paused_" + w);
    }
  }

  // The code and message of the Error `call` throws, the id in the message
  // replaced by "<id>"; "no error" when it does not throw.
  static std::string refusal(const std::function<void()>& call, const std::string& id) {
    try {
      call();
      return "no error";
    } catch (const Error& e) {
      std::string message = e.what();
      for (auto at = message.find(id); at != std::string::npos; at = message.find(id))
        message.replace(at, id.size(), "<id>");
      return std::string(toString(e.code())) + ": " + message;
    }
  }

  // A fingerprint of everything a call could change, to prove it changed nothing.
  std::string state() {
    std::string out;
    for (const char* id : {"run_ws_a", "draft_ws_a", "paused_ws_a", "run_ws_b", "draft_ws_b", "paused_ws_b"}) {
      const Campaign c = *engine->getCampaign(id);
      out += c.id + ":" + std::string(toString(c.status)) + ":" + std::to_string(c.steps.size()) + ":" +
             std::to_string(c.leadsEnrolled) + ":" + std::to_string(c.queuedMessages) + ";";
      for (const Message& m : engine->listMessages(id)) out += m.id + std::string(toString(m.status)) + m.body + ",";
      for (const auto& l : seedLeads()) {
        if (auto lead = engine->getLead(id, l.email.value())) {
          out += lead->email + std::string(toString(lead->status)) + lead->firstName.value_or("-") + ",";
        }
      }
    }
    return out;
  }
};

// Every call that names a campaign, scoped.
struct ScopedCall {
  std::string name;
  std::function<void(CampaignEngine&, const std::string& campaign, const Scope&)> call;
};

std::vector<ScopedCall> scopedCalls() {
  const Step step{"S", "B", StepFormat::text, 1};
  return {
      {"getCampaign",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         if (!e.getCampaign(c, s)) throw Error(ErrorCode::not_found, "getCampaign gave nothing for " + c);
       }},
      {"addStep", [step](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.addStep(c, step, s); }},
      {"replaceStep",
       [step](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.replaceStep(c, 1, step, s); }},
      {"replaceStep of a step it lacks",
       [step](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.replaceStep(c, 9, step, s); }},
      {"removeStep", [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.removeStep(c, 2, s); }},
      {"setSchedule",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         CampaignSchedule schedule;
         schedule.dailyCap = 1;
         (void)e.setSchedule(c, schedule, s);
       }},
      {"startCampaign", [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.startCampaign(c, s); }},
      {"pauseCampaign", [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.pauseCampaign(c, s); }},
      {"bulkUpsert",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         (void)e.bulkUpsert(c, std::vector<LeadInput>{EngineFixture::lead("ava@acmecorp.com", "Intruder")}, s);
       }},
      {"bulkUpsert with options",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         BulkOptions options;
         options.idempotencyKey = "k1";
         options.details = true;
         (void)e.bulkUpsert(c, std::vector<LeadInput>{EngineFixture::lead("new@elsewhere.com", "New")}, options, s);
       }},
      {"bulkUpsert dry run",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         BulkOptions options;
         options.dryRun = true;
         (void)e.bulkUpsert(c, std::vector<LeadInput>{EngineFixture::lead("dry@elsewhere.com")}, options, s);
       }},
      {"getLead",
       [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.getLead(c, "ava@acmecorp.com", s); }},
      {"listMessages",
       [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.listMessages(c, std::nullopt, s); }},
      {"markReplied",
       [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.markReplied(c, "ava@acmecorp.com", s); }},
      {"listLeads", [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.listLeads(c, {}, {}, s); }},
      {"countLeads", [](CampaignEngine& e, const std::string& c, const Scope& s) { (void)e.countLeads(c, s); }},
      {"listMessages, a page",
       [](CampaignEngine& e, const std::string& c, const Scope& s) {
         (void)e.listMessages(c, MessageFilter{}, PageRequest{}, s);
       }},
  };
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tenant, TenantFixture)

BOOST_AUTO_TEST_CASE(a_campaign_of_another_workspace_is_not_found_exactly_like_a_missing_one) {
  int checks = 0;
  for (const ScopedCall& c : scopedCalls()) {
    // Whatever state the other tenant's campaign is in, the answer is the
    // same as for an id that does not exist (so draft/no_steps/conflict
    // never leak through).
    for (const std::string target : {"run_ws_b", "draft_ws_b", "paused_ws_b"}) {
      BOOST_TEST_CONTEXT(c.name << " on " << target << " scoped to ws_a") {
        const std::string before = state();
        const std::string foreign = refusal([&] { c.call(*engine, target, scopeA); }, target);
        const std::string missing = refusal([&] { c.call(*engine, "camp_missing", scopeA); }, "camp_missing");
        BOOST_TEST(foreign.rfind("not_found: ", 0) == 0U, foreign);
        BOOST_TEST(foreign == missing);
        BOOST_TEST(state() == before, "the refused call changed something");
        ++checks;
      }
    }
    // A scope naming no workspace, or a look-alike of the owner's id.
    for (const Scope& wrong : {Scope{"ws_nowhere"}, Scope{"WS_B"}, Scope{"ws_b "}, Scope{"ws_"}}) {
      BOOST_TEST_CONTEXT(c.name << " scoped to '" << wrong.workspace << "'") {
        BOOST_TEST(refusal([&] { c.call(*engine, "run_ws_b", wrong); }, "run_ws_b").rfind("not_found: ", 0) == 0U);
        ++checks;
      }
    }
  }
  recordFigures("tenant_test", std::to_string(checks) + " scoped calls on other tenants' campaigns, all not_found");
}

BOOST_AUTO_TEST_CASE(the_right_scope_and_no_scope_reach_the_campaign) {
  for (const ScopedCall& c : scopedCalls()) {
    if (c.name == "replaceStep of a step it lacks") continue;  // not_found for its own reason
    BOOST_TEST_CONTEXT(c.name) {
      const std::string owned = refusal([&] { c.call(*engine, "paused_ws_b", scopeB); }, "paused_ws_b");
      BOOST_TEST(owned.rfind("not_found", 0) != 0U, owned);
    }
  }
  BOOST_TEST(engine->getCampaign("run_ws_a", Scope{}).has_value());
  BOOST_TEST(engine->getCampaign("run_ws_a").has_value());
}

BOOST_AUTO_TEST_CASE(suppressions_of_one_workspace_never_touch_another) {
  const std::vector<std::string> entries{"ava@acmecorp.com", "@buildfast.io"};
  const SuppressionResult added = engine->addSuppressions("ws_a", entries);
  BOOST_TEST(added.added == 2);
  BOOST_TEST(added.leadsSuppressed == 4);  // ava and marcus, in ws_a's two campaigns

  // ws_b's leads with the same addresses are untouched; its mail stays queued.
  for (const char* id : {"run_ws_b", "paused_ws_b"}) {
    for (const char* email : {"ava@acmecorp.com", "marcus@buildfast.io"}) {
      BOOST_TEST(engine->getLead(id, email)->status == LeadStatus::active);
    }
  }
  BOOST_TEST(engine->getCampaign("run_ws_b")->queuedMessages == 3);
  BOOST_TEST(engine->listSuppressions("ws_b").empty());
  // ws_b may enroll the addresses ws_a suppressed; ws_a skips them.
  const std::vector<LeadInput> rows{lead("ava@acmecorp.com", "Ava2"), lead("new@buildfast.io", "New")};
  const BulkResult b = engine->bulkUpsert("run_ws_b", rows, scopeB);
  BOOST_TEST(b.skipped == 0);
  BOOST_TEST(b.updated == 1);
  BOOST_TEST(b.enrolled == 1);
  const BulkResult a = engine->bulkUpsert("run_ws_a", rows, scopeA);
  BOOST_TEST(a.skipped == 2);
  // Removing in ws_b an entry only ws_a has removes nothing.
  BOOST_TEST(engine->removeSuppressions("ws_b", entries).removed == 0);
  BOOST_TEST(engine->listSuppressions("ws_a").size() == 2U);
  // And the claim of the host sees ws_b's mail for those addresses, never ws_a's.
  clock.advance(std::chrono::hours(1));
  for (const Message& m : engine->claimDue(100)) {
    const bool suppressedInA = m.email == "ava@acmecorp.com" || m.email.ends_with("@buildfast.io");
    BOOST_TEST(!(suppressedInA && m.campaignId.ends_with("_ws_a")), m.email << " claimed in " << m.campaignId);
  }
  BOOST_TEST(checkInvariants(path).problems.empty());
}

BOOST_AUTO_TEST_CASE(a_suppression_added_to_an_unknown_workspace_is_not_found_and_touches_nobody) {
  const std::string before = state();
  const std::vector<std::string> entries{"ava@acmecorp.com"};
  BOOST_TEST(
      refusal([&] { (void)engine->addSuppressions("ws_nowhere", entries); }, "ws_nowhere").rfind("not_found", 0) == 0U);
  BOOST_TEST(state() == before);
}

BOOST_AUTO_TEST_SUITE_END()
