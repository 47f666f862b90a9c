// Suppression (SPEC section 4): skipping at upsert, suppressing enrolled leads
// and cancelling their mail, domains and subdomains, removal.
#define BOOST_TEST_MODULE suppression
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

SuppressionResult add(CampaignEngine& e, std::vector<std::string> entries, const char* ws = "ws_test") {
  return e.addSuppressions(ws, entries);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(suppression, EngineFixture)

BOOST_AUTO_TEST_CASE(suppressed_emails_are_skipped_silently) {
  seedCampaign();
  BOOST_TEST(add(*engine, {"Ava@AcmeCorp.com"}).added == 1);
  const BulkResult r = engine->bulkUpsert(kCamp, seedLeads());
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(r.skipped == 1);
  BOOST_TEST(r.failed == 0);
  BOOST_TEST(r.totalInCampaign == 2);
  BOOST_TEST(!engine->getLead(kCamp, "ava@acmecorp.com"));
}

BOOST_AUTO_TEST_CASE(a_domain_blocks_itself_and_subdomains_not_lookalikes) {
  seedCampaign();
  (void)add(*engine, {"@acme.com"});
  std::vector<LeadInput> rows{lead("a@acme.com"), lead("b@mail.acme.com"), lead("c@notacme.com"),
                              lead("d@acme.com.evil.io")};
  const BulkResult r = engine->bulkUpsert(kCamp, rows);
  BOOST_TEST(r.skipped == 2);
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(engine->getLead(kCamp, "c@notacme.com").has_value());
  BOOST_TEST(engine->getLead(kCamp, "d@acme.com.evil.io").has_value());
}

BOOST_AUTO_TEST_CASE(the_check_is_the_same_for_lists_shorter_and_longer_than_the_call) {
  // A list no longer than the call is checked in memory, a longer one by
  // index lookups: both must give the same outcomes.
  seedCampaign();
  (void)add(*engine, {"acme.com", "x@beta.io", "gamma.org"});
  const std::vector<LeadInput> probes{lead("a@mail.acme.com"), lead("x@beta.io"), lead("y@beta.io"),
                                      lead("z@notgamma.org")};
  for (std::size_t n : {std::size_t{1}, probes.size()}) {
    BOOST_TEST_CONTEXT("rows per call: " << n) {
      std::int64_t skipped = 0;
      for (std::size_t i = 0; i < probes.size(); i += n) {
        std::vector<LeadInput> call(probes.begin() + static_cast<std::ptrdiff_t>(i),
                                    probes.begin() + static_cast<std::ptrdiff_t>(std::min(i + n, probes.size())));
        skipped += engine->bulkUpsert(kCamp, call).skipped;
      }
      BOOST_TEST(skipped == 2);
    }
  }
}

BOOST_AUTO_TEST_CASE(international_domains_are_blocked_in_every_spelling) {
  // Upper-case Unicode and the ASCII (A-label) form are the same domain and
  // the same address as the entries: every row is skipped, whether the list
  // is checked in memory (a call as long as the list) or by index lookups
  // (one row per call).
  seedCampaign();
  BOOST_TEST(add(*engine, {"@bücher.de", "anna@münchen.de"}).added == 2);
  const std::vector<LeadInput> rows{lead("max@BÜCHER.DE"), lead("anna@MÜNCHEN.de"), lead("x@xn--bcher-kva.de"),
                                    lead("y@bücher.de")};
  const BulkResult r = engine->bulkUpsert(kCamp, rows);
  BOOST_TEST(r.skipped == 4);
  BOOST_TEST(r.enrolled == 0);
  BOOST_TEST(r.failed == 0);
  BOOST_TEST(r.totalInCampaign == 0);
  for (const LeadInput& row : rows) {
    BOOST_TEST_CONTEXT(row.email.value()) {
      const BulkResult one = engine->bulkUpsert(kCamp, std::vector<LeadInput>{row});
      BOOST_TEST(one.skipped == 1);
      BOOST_TEST(!engine->getLead(kCamp, row.email.value()));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_a_label_entry_blocks_the_unicode_domain_and_its_subdomains) {
  seedCampaign();
  (void)add(*engine, {"@xn--bcher-kva.de"});
  const auto entries = engine->listSuppressions("ws_test");
  BOOST_REQUIRE_EQUAL(entries.size(), 1U);
  BOOST_TEST(entries[0].entry == "bücher.de");  // stored and shown as a person reads it
  const std::vector<LeadInput> rows{lead("a@mail.bücher.de"), lead("b@MAIL.XN--BCHER-KVA.DE"), lead("c@notbücher.de"),
                                    lead("d@bücher.de.evil.io")};
  const BulkResult r = engine->bulkUpsert(kCamp, rows);
  BOOST_TEST(r.skipped == 2);
  BOOST_TEST(r.enrolled == 2);
  BOOST_TEST(engine->getLead(kCamp, "c@notbücher.de").has_value());
  BOOST_TEST(engine->getLead(kCamp, "d@bücher.de.evil.io").has_value());
}

BOOST_AUTO_TEST_CASE(entries_in_another_spelling_suppress_enrolled_leads_and_are_one_entry) {
  seedCampaign();
  const std::vector<LeadInput> rows{lead("Max@BÜCHER.de"), lead("Anna@München.DE"), lead("ola@oslo.no")};
  BOOST_TEST(engine->bulkUpsert(kCamp, rows).enrolled == 3);
  const SuppressionResult r = add(*engine, {"@XN--BCHER-KVA.DE", "anna@xn--mnchen-3ya.de"});
  BOOST_TEST(r.added == 2);
  BOOST_TEST(r.leadsSuppressed == 2);
  BOOST_TEST(toString(engine->getLead(kCamp, "max@bücher.de")->status) == "suppressed");
  BOOST_TEST(toString(engine->getLead(kCamp, "anna@münchen.de")->status) == "suppressed");
  BOOST_TEST(toString(engine->getLead(kCamp, "ola@oslo.no")->status) == "active");
  // The same entries spelled otherwise are already there, and go by any spelling.
  BOOST_TEST(add(*engine, {"bücher.de", "ANNA@MÜNCHEN.DE"}).added == 0);
  BOOST_TEST(engine->listSuppressions("ws_test").size() == 2U);
  const std::vector<std::string> removal{"@BÜCHER.DE", "anna@xn--mnchen-3ya.de"};
  BOOST_TEST(engine->removeSuppressions("ws_test", removal).removed == 2);
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
}

BOOST_AUTO_TEST_CASE(an_entry_that_is_not_valid_idna_is_refused) {
  seedCampaign();
  for (const char* bad : {"@xn--zz.de", "xn--bcher-kva-.de", "a@xn--zz.de", "@☃.com", "a@☃.com"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(test::errorCodeOf([&] { (void)add(*engine, {"ok@acme.com", bad}); }) == "invalid_argument");
    }
  }
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
}

BOOST_AUTO_TEST_CASE(domain_without_at_sign_is_a_domain_entry) {
  seedCampaign();
  (void)add(*engine, {"BuildFast.io"});
  const auto entries = engine->listSuppressions("ws_test");
  BOOST_REQUIRE_EQUAL(entries.size(), 1U);
  BOOST_TEST(entries[0].entry == "buildfast.io");
  BOOST_TEST(toString(entries[0].kind) == "domain");
  BOOST_TEST(engine->bulkUpsert(kCamp, seedLeads()).skipped == 1);
}

BOOST_AUTO_TEST_CASE(adding_after_start_suppresses_leads_and_cancels_their_mail_everywhere) {
  seedCampaign();
  seedCampaign("camp_second");
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->bulkUpsert("camp_second", seedLeads());
  (void)engine->startCampaign(kCamp);
  (void)engine->startCampaign("camp_second");
  (void)engine->claimDue(1, 300);  // one claimed message is cancelled too
  const SuppressionResult r = add(*engine, {"ava@acmecorp.com", "nexusai.com"});
  BOOST_TEST(r.added == 2);
  BOOST_TEST(r.leadsSuppressed == 4);    // two leads in each campaign
  BOOST_TEST(r.messagesCancelled == 4);  // their live messages, queued or claimed
  BOOST_TEST(toString(engine->getLead(kCamp, "ava@acmecorp.com")->status) == "suppressed");
  BOOST_TEST(toString(engine->getLead("camp_second", "priya@nexusai.com")->status) == "suppressed");
  BOOST_TEST(toString(engine->getLead(kCamp, "marcus@buildfast.io")->status) == "active");
  BOOST_TEST(engine->listMessages(kCamp, MessageStatus::cancelled).size() == 2U);
  for (const Message& m : engine->claimDue(10, 300)) BOOST_TEST(m.email == "marcus@buildfast.io");
}

BOOST_AUTO_TEST_CASE(adding_an_existing_entry_is_a_no_op) {
  seedCampaign();
  (void)add(*engine, {"x@acme.com"});
  const SuppressionResult r = add(*engine, {"X@acme.com"});
  BOOST_TEST(r.added == 0);
  BOOST_TEST(engine->listSuppressions("ws_test").size() == 1U);
}

BOOST_AUTO_TEST_CASE(an_invalid_entry_writes_nothing) {
  seedCampaign();
  try {
    (void)add(*engine, {"ok@acme.com", "not a domain"});
    BOOST_FAIL("expected invalid_argument");
  } catch (const Error& e) {
    BOOST_TEST(std::string(toString(e.code())) == "invalid_argument");
  }
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
}

BOOST_AUTO_TEST_CASE(only_active_leads_become_suppressed) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  (void)engine->markReplied(kCamp, "ava@acmecorp.com");
  const SuppressionResult r = add(*engine, {"ava@acmecorp.com"});
  BOOST_TEST(r.leadsSuppressed == 0);
  BOOST_TEST(toString(engine->getLead(kCamp, "ava@acmecorp.com")->status) == "replied");
}

BOOST_AUTO_TEST_CASE(removal_resumes_nobody_until_the_next_upsert) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)engine->startCampaign(kCamp);
  (void)add(*engine, {"ava@acmecorp.com"});
  const std::vector<std::string> entry{"ava@acmecorp.com"};
  const SuppressionResult removed = engine->removeSuppressions("ws_test", entry);
  BOOST_TEST(removed.removed == 1);
  BOOST_TEST(toString(engine->getLead(kCamp, "ava@acmecorp.com")->status) == "suppressed");
  BOOST_TEST(engine->listMessages(kCamp, MessageStatus::queued).size() == 2U);

  std::vector<LeadInput> again{lead("ava@acmecorp.com")};
  const BulkResult r = engine->bulkUpsert(kCamp, again);
  BOOST_TEST(r.updated == 1);
  BOOST_TEST(r.queued == 1);  // its unsent step is queued again
  BOOST_TEST(toString(engine->getLead(kCamp, "ava@acmecorp.com")->status) == "active");
  BOOST_TEST(engine->listMessages(kCamp, MessageStatus::queued).size() == 3U);
}

BOOST_AUTO_TEST_CASE(nothing_is_ever_queued_for_a_suppressed_lead) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, seedLeads());
  (void)add(*engine, {"acmecorp.com"});  // before start
  const StartResult s = engine->startCampaign(kCamp);
  BOOST_TEST(s.queuedMessages == 2);
  for (const Message& m : engine->listMessages(kCamp)) BOOST_TEST(m.email != "ava@acmecorp.com");
  // An upsert of the suppressed lead while suppressed is skipped, not queued.
  const BulkResult r = engine->bulkUpsert(kCamp, seedLeads());
  BOOST_TEST(r.skipped == 1);
  BOOST_TEST(r.queued == 0);
}

BOOST_AUTO_TEST_CASE(suppression_lists_are_per_workspace) {
  seedCampaign();
  engine->createWorkspace({"ws_other", "", {}});
  (void)add(*engine, {"acmecorp.com"}, "ws_other");
  BOOST_TEST(engine->bulkUpsert(kCamp, seedLeads()).skipped == 0);
  BOOST_TEST(engine->listSuppressions("ws_test").empty());
}

BOOST_AUTO_TEST_CASE(leads_suppressed_counts_each_lead_once_whatever_number_of_entries_match) {
  seedCampaign();
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("o'brien@acme.com"), lead("ann@acme.com")});
  (void)engine->startCampaign(kCamp);
  const SuppressionResult r = add(*engine, {"@acme.com", "o'brien@acme.com"});
  BOOST_TEST(r.added == 2);
  BOOST_TEST(r.leadsSuppressed == 2);
  BOOST_TEST(r.messagesCancelled == 2);
}

BOOST_AUTO_TEST_SUITE_END()
