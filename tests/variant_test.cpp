// A/B/n variants (docs/variants.md): assignment by weight, kept with the
// message; the same choice in a preview, after an upsert and in another
// process; edits and removals while running; the winner rule on the
// injectable clock; what a step with variants may not be.
#define BOOST_TEST_MODULE variants
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "leadterra/json.hpp"
#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_variants";

StepVariant variant(std::string label, std::string subject, std::string body, double weight = 1) {
  return {std::move(label), std::move(subject), std::move(body), weight};
}

// A step whose text is only in its variants.
Step variantStep(std::vector<StepVariant> variants, double delayDays = 0) {
  Step s;
  s.delayDays = delayDays;
  s.variants = std::move(variants);
  return s;
}

std::vector<LeadInput> numberedLeads(int from, int count) {
  std::vector<LeadInput> leads;
  for (int i = from; i < from + count; ++i) {
    leads.push_back(EngineFixture::lead("lead" + std::to_string(i) + "@example" + std::to_string(i % 97) + ".com",
                                        "Lead" + std::to_string(i), "Company " + std::to_string(i)));
  }
  return leads;
}

struct Fixture : EngineFixture {
  // A running campaign whose step 1 has the variants given and step 2 plain text.
  void running(std::vector<StepVariant> variants, std::optional<WinnerRule> rule = {}) {
    Step first = variantStep(std::move(variants));
    first.winnerRule = rule;
    (void)seedCampaign(kCamp, {first, {"Following up", "Any thoughts, {{firstName}}?", StepFormat::text, 3}});
    (void)engine->startCampaign(kCamp);
  }

  std::map<std::string, int> queuedPerVariant() {
    std::map<std::string, int> n;
    for (const Message& m : engine->listMessages(kCamp, MessageStatus::queued)) ++n[m.variant];
    return n;
  }

  Message messageOf(const std::string& email) {
    for (const Message& m : engine->listMessages(kCamp)) {
      if (m.email == email) return m;
    }
    BOOST_FAIL("no message for " << email);
    return {};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(each_variant_gets_its_share_of_10000_leads_within_two_points, Fixture) {
  running({variant("A", "a", "A body", 50), variant("B", "b", "B body", 30), variant("C", "c", "C body", 20)});
  const BulkResult r = engine->bulkUpsert(kCamp, numberedLeads(0, 10000));
  BOOST_TEST(r.queued == 10000);
  const auto n = queuedPerVariant();
  BOOST_TEST(n.size() == 3u);
  const std::map<std::string, double> weight{{"A", 0.5}, {"B", 0.3}, {"C", 0.2}};
  for (const auto& [label, count] : n) {
    const double share = count / 10000.0;
    BOOST_TEST_INFO("variant " << label << ": " << share);
    BOOST_TEST(std::fabs(share - weight.at(label)) <= 0.02);
  }
  // The message renders its variant's text.
  for (const Message& m : engine->listMessages(kCamp, MessageStatus::queued)) {
    if (m.body != m.variant + " body") BOOST_FAIL(m.email << " has variant " << m.variant << " but body " << m.body);
  }
}

BOOST_FIXTURE_TEST_CASE(the_choice_is_the_same_in_a_preview_after_an_upsert_and_in_another_engine, Fixture) {
  running({variant("A", "Hi {{firstName}}", "A for {{company}}"), variant("B", "Hello {{firstName}}", "B for {{company}}")});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 200));
  std::map<std::string, Message> before;
  for (const Message& m : engine->listMessages(kCamp)) before[m.email] = m;
  BOOST_TEST(queuedPerVariant().size() == 2u);

  // A preview shows exactly the queued text, and so does the pure renderer.
  const Campaign c = engine->getCampaign(kCamp).value();
  for (const auto& [email, m] : before) {
    const RenderedStep p = engine->previewStep(kCamp, 1, email);
    BOOST_TEST(p.variant == m.variant);
    BOOST_TEST(p.subject == m.subject);
    BOOST_TEST(p.body == m.body);
    const Lead lead = engine->getLead(kCamp, email).value();
    const RenderedStep pure = renderStep(c.steps[0], lead, {kCamp, 1, ""});
    BOOST_TEST((pure == p));
  }

  // An upsert that changes a field re-renders the message in the same variant.
  std::vector<LeadInput> again = numberedLeads(0, 200);
  for (LeadInput& in : again) in.company = "Renamed";
  (void)engine->bulkUpsert(kCamp, again);
  // Another engine on the file (a new process would see the same).
  reopen();
  for (const Message& m : engine->listMessages(kCamp)) {
    BOOST_TEST(m.variant == before.at(m.email).variant);
    BOOST_TEST(m.body == m.variant + " for Renamed");
  }
}

BOOST_FIXTURE_TEST_CASE(editing_a_variant_while_running_rerenders_only_its_queued_messages, Fixture) {
  running({variant("A", "Subject A", "Body A"), variant("B", "Subject B", "Body B")});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 100));
  const auto n = queuedPerVariant();
  BOOST_TEST_REQUIRE(n.at("A") > 0);
  BOOST_TEST_REQUIRE(n.at("B") > 0);

  clock.advance(std::chrono::hours(1));
  const Timestamp editedAt = clock.now();
  const Campaign c = engine->setStepVariants(
      kCamp, 1, std::vector<StepVariant>{variant("A", "Subject A", "Body A"), variant("B", "New B", "New body B")});
  BOOST_TEST(c.status == CampaignStatus::running);
  BOOST_TEST(c.steps[0].variants[1].subject == "New B");

  // Only B's messages changed, A's were not written.
  MessageFilter changed;
  changed.updatedSince = editedAt;
  const Page<Message> page = engine->listMessages(kCamp, changed, PageRequest{500, {}});
  BOOST_TEST(static_cast<int>(page.items.size()) == n.at("B"));
  for (const Message& m : page.items) {
    BOOST_TEST(m.variant == "B");
    BOOST_TEST(m.subject == "New B");
  }
  for (const Message& m : engine->listMessages(kCamp, MessageStatus::queued)) {
    BOOST_TEST(m.subject == (m.variant == "A" ? "Subject A" : "New B"));
  }
}

BOOST_FIXTURE_TEST_CASE(removing_a_variant_moves_its_queued_leads_to_the_others_by_weight, Fixture) {
  running({variant("A", "a", "body A"), variant("B", "b", "body B"), variant("C", "c", "body C")});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 3000));
  const auto before = queuedPerVariant();
  std::map<std::string, std::string> variantOf;
  for (const Message& m : engine->listMessages(kCamp)) variantOf[m.email] = m.variant;

  (void)engine->setStepVariants(kCamp, 1, std::vector<StepVariant>{variant("A", "a", "body A", 1),
                                                                    variant("C", "c", "body C", 3)});
  const auto after = queuedPerVariant();
  BOOST_TEST(after.count("B") == 0u);
  BOOST_TEST(after.at("A") + after.at("C") == 3000);
  int movedToA = 0;
  int movedToC = 0;
  for (const Message& m : engine->listMessages(kCamp)) {
    BOOST_TEST(m.body == "body " + m.variant);
    const std::string& was = variantOf.at(m.email);
    if (was != "B") {
      BOOST_TEST(m.variant == was);  // the others keep their variant
    } else {
      ++(m.variant == "A" ? movedToA : movedToC);
    }
  }
  // B's leads went to A and C by the new weights, 1:3 (loosely: ~1000 leads).
  BOOST_TEST(movedToA + movedToC == before.at("B"));
  const double toC = movedToC / static_cast<double>(before.at("B"));
  BOOST_TEST(toC > 0.68);
  BOOST_TEST(toC < 0.82);
}

BOOST_FIXTURE_TEST_CASE(a_winner_is_picked_after_enough_sends_and_hours_and_then_assigned_to_new_leads, Fixture) {
  running({variant("A", "a", "body A"), variant("B", "b", "body B")}, WinnerRule{5, 24});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 40));
  // Send every first step; reply to two of B's and one of A's.
  int repliedA = 0;
  int repliedB = 0;
  std::map<std::string, int> sent;
  for (const Message& m : engine->claimDue(100, 600)) {
    (void)engine->markSent(m.id);
    ++sent[m.variant];
    if ((m.variant == "B" && repliedB < 2) || (m.variant == "A" && repliedA < 1)) {
      ++(m.variant == "A" ? repliedA : repliedB);
      SignalInput in;
      in.kind = SignalKind::reply;
      in.messageId = m.id;
      (void)engine->reportSignal(in);
    }
  }
  BOOST_TEST_REQUIRE(sent["A"] >= 5);
  BOOST_TEST_REQUIRE(sent["B"] >= 5);

  // Before 24 hours: no decision, new leads still get both variants.
  clock.advance(std::chrono::hours(23));
  (void)engine->bulkUpsert(kCamp, numberedLeads(100, 60));
  BOOST_TEST(engine->stepWinners(kCamp).empty());
  std::map<std::string, int> early;
  for (const Message& m : engine->listMessages(kCamp, MessageStatus::queued)) {
    if (m.step == 1) ++early[m.variant];
  }
  BOOST_TEST(early.size() == 2u);

  // After: the next assignment records B (2 replies of its sends against 1).
  clock.advance(std::chrono::hours(2));
  (void)engine->bulkUpsert(kCamp, numberedLeads(200, 30));
  const std::vector<WinnerDecision> winners = engine->stepWinners(kCamp);
  BOOST_TEST_REQUIRE(winners.size() == 1u);
  const WinnerDecision& d = winners[0];
  BOOST_TEST(d.step == 1);
  const bool bBetter = 2 * sent["A"] > 1 * sent["B"];  // 2/sentB > 1/sentA
  BOOST_TEST(d.variant == (bBetter ? "B" : "A"));
  BOOST_TEST(leadterra::test::epoch(d.decidedAt) == leadterra::test::epoch(clock.now()));
  BOOST_TEST_REQUIRE(d.figures.size() == 2u);
  BOOST_TEST(d.figures[0].label == "A");
  BOOST_TEST(d.figures[0].sent == sent["A"]);
  BOOST_TEST(d.figures[0].replied == 1);
  BOOST_TEST(d.figures[1].label == "B");
  BOOST_TEST(d.figures[1].sent == sent["B"]);
  BOOST_TEST(d.figures[1].replied == 2);
  // Leads enrolled from then on get the winner; those queued before keep theirs.
  for (int i = 200; i < 230; ++i) {
    const Message m = messageOf("lead" + std::to_string(i) + "@example" + std::to_string(i % 97) + ".com");
    BOOST_TEST(m.variant == d.variant);
  }
  BOOST_TEST(early.size() == 2u);
  // The decision is kept: a later edit that keeps the variant keeps it.
  (void)engine->setStepVariants(kCamp, 1, std::vector<StepVariant>{variant("A", "a2", "body A"), variant("B", "b2", "body B")},
                                WinnerRule{5, 24});
  BOOST_TEST(engine->stepWinners(kCamp).size() == 1u);
  // Removing the winner forgets the decision.
  (void)engine->setStepVariants(kCamp, 1,
                                std::vector<StepVariant>{variant(d.variant == "A" ? "B" : "A", "x", "body x")});
  BOOST_TEST(engine->stepWinners(kCamp).empty());
}

BOOST_FIXTURE_TEST_CASE(a_tie_goes_to_the_earliest_label, Fixture) {
  running({variant("A", "a", "body A"), variant("B", "b", "body B")}, WinnerRule{1, 0});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 20));
  for (const Message& m : engine->claimDue(100, 600)) (void)engine->markSent(m.id);
  (void)engine->bulkUpsert(kCamp, numberedLeads(100, 1));
  const auto winners = engine->stepWinners(kCamp);
  BOOST_TEST_REQUIRE(winners.size() == 1u);
  BOOST_TEST(winners[0].variant == "A");  // 0 replies each
}

BOOST_FIXTURE_TEST_CASE(a_step_without_variants_is_variant_A, Fixture) {
  (void)seedCampaign(kCamp);
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  for (const Message& m : engine->listMessages(kCamp)) BOOST_TEST(m.variant == "A");
  const RenderedStep p = engine->previewStep(kCamp, 1, "ava@acmecorp.com");
  BOOST_TEST(p.variant == "A");
  BOOST_TEST(p.subject == "Quick question, Ava");
  // Giving it variants while running: the queued A messages take A's new text.
  (void)engine->setStepVariants(kCamp, 1, std::vector<StepVariant>{variant("A", "New A", "a"), variant("B", "B", "b")});
  for (const Message& m : engine->listMessages(kCamp)) BOOST_TEST(m.subject == "New A");
  const Campaign c = engine->getCampaign(kCamp).value();
  BOOST_TEST(c.steps[0].subject.empty());
  BOOST_TEST(c.steps[0].variants.size() == 2u);
  BOOST_TEST((c.steps[0].format == StepFormat::text));
}

BOOST_FIXTURE_TEST_CASE(labels_are_given_in_order_and_kept, Fixture) {
  (void)seedCampaign(kCamp, {variantStep({variant("", "1", "1"), variant("C", "2", "2"), variant("", "3", "3")})});
  const Campaign c = engine->getCampaign(kCamp).value();
  BOOST_TEST(c.steps[0].variants[0].label == "A");
  BOOST_TEST(c.steps[0].variants[1].label == "C");
  BOOST_TEST(c.steps[0].variants[2].label == "B");
}

BOOST_FIXTURE_TEST_CASE(steps_with_bad_variants_are_refused_and_nothing_is_written, Fixture) {
  (void)seedCampaign(kCamp);
  const auto add = [&](Step s) { return errorCodeOf([&] { (void)engine->addStep(kCamp, s); }); };
  BOOST_TEST(add(variantStep({variant("A", "a", "a"), variant("A", "b", "b")})) == "invalid_argument");
  BOOST_TEST(add(variantStep({variant("AB", "a", "a")})) == "invalid_argument");
  BOOST_TEST(add(variantStep({variant("a", "a", "a")})) == "invalid_argument");
  BOOST_TEST(add(variantStep({variant("A", "a", "a", 0)})) == "invalid_argument");
  BOOST_TEST(add(variantStep({variant("A", "a", "a", -1)})) == "invalid_argument");
  BOOST_TEST(add(variantStep({variant("A", "a", "a", NAN)})) == "invalid_argument");
  std::vector<StepVariant> many;
  for (int i = 0; i < 27; ++i) many.push_back(variant("", "s", "b"));
  BOOST_TEST(add(variantStep(many)) == "invalid_argument");
  many.pop_back();
  BOOST_TEST(add(variantStep(many)) == "none");  // 26 is the limit
  Step withText = variantStep({variant("A", "a", "a")});
  withText.subject = "also here";
  BOOST_TEST(add(withText) == "invalid_argument");
  Step lonely = variantStep({variant("A", "a", "a")});
  lonely.winnerRule = WinnerRule{};
  BOOST_TEST(add(lonely) == "invalid_argument");
  Step noSends = variantStep({variant("A", "a", "a"), variant("B", "b", "b")});
  noSends.winnerRule = WinnerRule{0, 1};
  BOOST_TEST(add(noSends) == "invalid_argument");
  // A template problem names the variant.
  try {
    (void)engine->addStep(kCamp, variantStep({variant("A", "a", "a"), variant("B", "b", "{{#x}}open")}));
    BOOST_FAIL("an unclosed section was saved");
  } catch (const Error& e) {
    BOOST_TEST(std::string(e.what()).find("variant B body") != std::string::npos, e.what());
  }
  BOOST_TEST(errorCodeOf([&] { (void)engine->setStepVariants(kCamp, 1, std::vector<StepVariant>{}); }) ==
             "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)engine->setStepVariants(kCamp, 9, std::vector<StepVariant>{variant("A", "a", "a")}); }) ==
             "not_found");
  BOOST_TEST(engine->getCampaign(kCamp).value().steps.size() == 3u);  // the two seed steps and the 26 variants
}

BOOST_AUTO_TEST_CASE(a_step_with_variants_reads_and_writes_as_json) {
  const Step s = json::parseStep(
      R"({"variants": [{"subject": "a", "body": "A"}, {"label": "C", "subject": "c", "body": "C", "weight": 2.5}],)"
      R"( "winnerRule": {"minSendsPerVariant": 50}, "delayDays": 2})");
  BOOST_TEST(s.subject.empty());
  BOOST_TEST(s.variants.size() == 2u);
  BOOST_TEST(s.variants[0].label.empty());
  BOOST_TEST(s.variants[1].weight == 2.5);
  BOOST_TEST_REQUIRE(s.winnerRule.has_value());
  BOOST_TEST(s.winnerRule->minSendsPerVariant == 50);
  BOOST_TEST(s.winnerRule->minHours == 24);
  BOOST_TEST(errorCodeOf([] { (void)json::parseStep(R"({"variants": [{"subject": "a"}]})"); }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([] { (void)json::parseStep(R"({"variants": [{"subject": "a", "body": "b", "x": 1}]})"); }) ==
             "invalid_argument");
  BOOST_TEST(errorCodeOf([] { (void)json::parseStep(R"({"subject": "a"})"); }) == "invalid_argument");

  Campaign c;
  c.steps = {s};
  const std::string text = json::toJson(c);
  BOOST_TEST(text.find(R"("variants":[{"label":"","subject":"a","body":"A","weight":1},)") != std::string::npos, text);
  BOOST_TEST(text.find(R"("winnerRule":{"minSendsPerVariant":50,"minHours":24})") != std::string::npos, text);
}

BOOST_FIXTURE_TEST_CASE(spintax_picks_per_lead_and_keeps_the_pick_in_previews_and_after_upserts, Fixture) {
  running({variant("A", "{~Hi|Hello|Hey~} {{firstName}}", "{~Short|Long {~note|letter~}~} for {{company}}"),
           variant("B", "{~Yo|Sup~} {{firstName}}", "B")});
  (void)engine->bulkUpsert(kCamp, numberedLeads(0, 300));
  std::map<std::string, int> greetings;
  std::map<std::string, Message> before;
  const Campaign c = engine->getCampaign(kCamp).value();
  for (const Message& m : engine->listMessages(kCamp)) {
    before[m.email] = m;
    ++greetings[m.subject.substr(0, m.subject.find(' '))];
    const RenderedStep p = engine->previewStep(kCamp, 1, m.email);
    BOOST_TEST(p.subject == m.subject);
    BOOST_TEST(p.body == m.body);
    const RenderedStep pure = renderStep(c.steps[0], engine->getLead(kCamp, m.email).value(), {kCamp, 1, m.variant});
    BOOST_TEST(pure.subject == m.subject);
  }
  // Every option of both variants' subjects is someone's.
  BOOST_TEST(greetings.size() == 5u);
  std::vector<LeadInput> again = numberedLeads(0, 300);
  for (LeadInput& in : again) in.company = "Renamed";
  (void)engine->bulkUpsert(kCamp, again);
  reopen();
  for (const Message& m : engine->listMessages(kCamp)) {
    const Message& was = before.at(m.email);
    BOOST_TEST(m.subject == was.subject);
    if (m.variant == "A") BOOST_TEST(m.body.substr(0, m.body.find(" for ")) == was.body.substr(0, was.body.find(" for ")));
    BOOST_TEST((m.body.find("Renamed") != std::string::npos || m.variant == "B"));
  }
}

BOOST_FIXTURE_TEST_CASE(lint_reports_unknown_tokens_uneven_spins_and_long_subjects_without_refusing, Fixture) {
  (void)seedCampaign(kCamp);
  LeadInput in = lead("ava@acmecorp.com", "Ava", "Acme Corp");
  in.customFields = R"({"city": "Oslo", "note": ")" + std::string(240, 'n') + R"("})";
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{in});
  // Clean steps: nothing to say.
  BOOST_TEST(engine->lintSteps(kCamp).empty());

  Step s = variantStep({variant("A", "Hi {{fristName}} in {{city}}", "{~Hi {{firstName}}|Hello~} from {{customFields.town}}"),
                        variant("B", "{{note}} at {{company}} {~and more|~}", "{{#city}}in {{name}}{{/city}} {{unsubscribeUrl}}")});
  const Campaign saved = engine->addStep(kCamp, s);  // saved all the same
  BOOST_TEST(saved.steps.size() == 3u);
  const std::vector<LintFinding> f = engine->lintSteps(kCamp);
  for (const LintFinding& x : f) BOOST_TEST_MESSAGE(x.step << " " << x.variant << " " << x.field << " " << x.code << " " << x.message);
  BOOST_TEST_REQUIRE(f.size() == 4u);
  BOOST_TEST(f[0].step == 3);
  BOOST_TEST(f[0].variant == "A");
  BOOST_TEST(f[0].field == "subject");
  BOOST_TEST(f[0].code == "unknown_token");
  BOOST_TEST(f[0].message.find("{{fristName}}") != std::string::npos, f[0].message);
  BOOST_TEST(f[1].field == "body");
  BOOST_TEST(f[1].code == "unknown_token");
  BOOST_TEST(f[1].message.find("{{customFields.town}}") != std::string::npos, f[1].message);
  BOOST_TEST(f[2].field == "body");
  BOOST_TEST(f[2].code == "spin_options_differ");
  BOOST_TEST(f[2].message.find("line 1, column 1") != std::string::npos, f[2].message);
  // B: 240 + " at " + 9 + " and more" = 262 bytes with the longest values seen.
  BOOST_TEST(f[3].variant == "B");
  BOOST_TEST(f[3].code == "subject_too_long");
  BOOST_TEST(f[3].message.find("262 bytes") != std::string::npos, f[3].message);
  // A lead that brings the custom key makes its token known.
  LeadInput more = lead("bo@x.io");
  more.customFields = R"({"town": "Bergen"})";
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{more});
  BOOST_TEST(engine->lintSteps(kCamp).size() == 3u);
}
