// Listing (docs/listing.md): keyset pages of workspaces, campaigns, leads
// and messages in creation order, their filters and scope, cursors, and a
// campaign's leads counted by status.
#define BOOST_TEST_MODULE listing
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;
using namespace leadterra::test;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";

std::vector<LeadInput> numbered(const std::string& prefix, int first, int count) {
  std::vector<LeadInput> rows;
  for (int i = first; i < first + count; ++i) {
    rows.push_back(EngineFixture::lead(prefix + std::to_string(i) + "@acme.com"));
  }
  return rows;
}

struct ListingFixture : EngineFixture {
  ListingFixture() { seedCampaign(kCamp); }

  // Every lead matching `filter`, page by page; checks that only the last
  // page lacks a cursor and that no page is longer than `limit`.
  std::vector<Lead> allLeads(std::int64_t limit, const LeadFilter& filter = {}, CampaignEngine* on = nullptr) {
    CampaignEngine& e = on ? *on : *engine;
    std::vector<Lead> seen;
    PageRequest request{limit, {}};
    while (true) {
      Page<Lead> page = e.listLeads(kCamp, filter, request);
      BOOST_TEST(page.items.size() <= static_cast<std::size_t>(limit));
      if (page.nextCursor) BOOST_TEST(page.items.size() == static_cast<std::size_t>(limit));
      seen.insert(seen.end(), page.items.begin(), page.items.end());
      if (!page.nextCursor) return seen;
      request.after = *page.nextCursor;
    }
  }

  static std::vector<std::string> emails(const std::vector<Lead>& leads) {
    std::vector<std::string> out;
    for (const Lead& l : leads) out.push_back(l.email);
    return out;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(listing, ListingFixture)

// ---- Leads: order, paging, cursors ----

BOOST_AUTO_TEST_CASE(pages_of_leads_hold_every_lead_once_in_the_order_of_enrollment) {
  // Two calls; the second's rows in an order unlike their emails' sort order.
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 40));
  std::vector<LeadInput> second = numbered("b", 0, 23);
  std::swap(second.front(), second.back());
  (void)engine->bulkUpsert(kCamp, second);
  std::vector<std::string> expected = emails(allLeads(kMaxPageLimit));
  BOOST_REQUIRE_EQUAL(expected.size(), 63U);
  BOOST_TEST(expected.front() == "a0@acme.com");
  BOOST_TEST(expected.at(40) == "b22@acme.com");  // the row given first in its call comes first
  for (const std::int64_t limit : {1, 2, 7, 62, 63, 64}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      BOOST_TEST(emails(allLeads(limit)) == expected, boost::test_tools::per_element());
    }
  }
  // The same pages again: the order is stable.
  BOOST_TEST(emails(allLeads(5)) == expected, boost::test_tools::per_element());
}

// A call numbers its new leads' order by row, failed and repeated rows
// included: the next call's leads must still come after them, each once.
BOOST_AUTO_TEST_CASE(leads_after_a_call_with_failed_rows_are_listed_once_and_after_it) {
  std::vector<LeadInput> first;
  for (int i = 0; i < 256; ++i) first.push_back(lead("not an email " + std::to_string(i)));
  first.push_back(lead("b@acme.com"));
  BOOST_TEST(engine->bulkUpsert(kCamp, first).failed == 256);
  (void)engine->bulkUpsert(kCamp, numbered("c", 0, 600));
  for (const std::int64_t limit : {1, 256, 1000}) {
    BOOST_TEST_CONTEXT("limit " << limit) {
      const std::vector<std::string> listed = emails(allLeads(limit));
      BOOST_REQUIRE_EQUAL(listed.size(), 601U);
      BOOST_TEST(listed.front() == "b@acme.com");
      BOOST_TEST(listed.at(1) == "c0@acme.com");
      BOOST_TEST(listed.back() == "c599@acme.com");
    }
  }
}

BOOST_AUTO_TEST_CASE(the_last_page_has_no_cursor_and_an_empty_campaign_one_empty_page) {
  Page<Lead> page = engine->listLeads(kCamp);
  BOOST_TEST(page.items.empty());
  BOOST_TEST(!page.nextCursor);
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 4));
  page = engine->listLeads(kCamp, {}, {4, {}});
  BOOST_TEST(page.items.size() == 4U);
  BOOST_TEST(!page.nextCursor);  // exactly full: still the last page
  page = engine->listLeads(kCamp, {}, {3, {}});
  BOOST_REQUIRE(page.nextCursor);
  page = engine->listLeads(kCamp, {}, {3, *page.nextCursor});
  BOOST_TEST(emails(page.items) == std::vector<std::string>{"a3@acme.com"}, boost::test_tools::per_element());
  BOOST_TEST(!page.nextCursor);
}

BOOST_AUTO_TEST_CASE(paging_while_another_connection_enrolls_sees_each_lead_exactly_once) {
  (void)engine->bulkUpsert(kCamp, numbered("old", 0, 50));
  Options options;
  options.clock = clock.clock();
  const auto other = CampaignEngine::open(path, options);  // a second connection to the file
  // Between every two pages the other connection enrolls 3 leads and updates
  // one already listed and one not yet listed.
  std::vector<Lead> seen;
  PageRequest request{6, {}};
  int call = 0;
  while (true) {
    Page<Lead> page = engine->listLeads(kCamp, {}, request);
    seen.insert(seen.end(), page.items.begin(), page.items.end());
    if (!page.nextCursor) break;
    request.after = *page.nextCursor;
    std::vector<LeadInput> rows = numbered("new", 3 * call, 3);
    rows.push_back(lead("old0@acme.com", "Updated"));
    rows.push_back(lead("old49@acme.com", "Updated"));
    (void)other->bulkUpsert(kCamp, rows);
    ++call;
  }
  BOOST_TEST(call >= 8);
  // Everything enrolled before the last page was read, each once, in order.
  BOOST_TEST(emails(seen) == emails(allLeads(kMaxPageLimit)), boost::test_tools::per_element());
  BOOST_TEST(seen.size() == 50U + 3U * static_cast<std::size_t>(call));
}

BOOST_AUTO_TEST_CASE(paging_while_a_thread_enrolls_never_repeats_or_skips_a_lead) {
  (void)engine->bulkUpsert(kCamp, numbered("old", 0, 300));
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    Options options;
    options.clock = clock.clock();
    const auto other = CampaignEngine::open(path, options);
    // Bounded, so that the pages catch up with it.
    for (int i = 0; i < 500 && !stop.load(); i += 5) (void)other->bulkUpsert(kCamp, numbered("new", i, 5));
  });
  const std::vector<Lead> seen = allLeads(7);
  stop = true;
  writer.join();
  const std::vector<std::string> all = emails(allLeads(kMaxPageLimit));
  // The pages are the first leads of the final order, each once: every lead
  // there before paging began, then whatever was added in time.
  BOOST_REQUIRE_GE(seen.size(), 300U);
  const std::vector<std::string> prefix(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(seen.size()));
  BOOST_TEST(emails(seen) == prefix, boost::test_tools::per_element());
  BOOST_TEST(std::set<std::string>(all.begin(), all.end()).size() == all.size());
}

BOOST_AUTO_TEST_CASE(a_malformed_cursor_or_limit_is_invalid_argument) {
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 3));
  const Page<Lead> first = engine->listLeads(kCamp, {}, {1, {}});
  BOOST_REQUIRE(first.nextCursor);
  const Page<Message> none = engine->listMessages(kCamp, MessageFilter{}, PageRequest{1, {}});
  (void)engine->createWorkspace({"ws_2", "", {}});
  const Page<Workspace> workspaces = engine->listWorkspaces({1, {}});
  BOOST_REQUIRE(workspaces.nextCursor);
  const std::vector<std::string> badLeadCursors{
      "x",      "lead",    "lead:",  "lead:abc", "lead:0", "lead:-3", "lead:01", "lead:+1", "lead: 1",
      "lead:1 ", "LEAD:1", "lead:99999999999999999999", "msg:1", *workspaces.nextCursor, *first.nextCursor + "0x"};
  for (const std::string& bad : badLeadCursors) {
    BOOST_TEST_CONTEXT("cursor '" << bad << "'") {
      BOOST_TEST(errorCodeOf([&] { (void)engine->listLeads(kCamp, {}, {10, bad}); }) == "invalid_argument");
    }
  }
  const std::vector<std::string> badWorkspaceCursors{"ws:",         "ws:1",        "ws:x:ws_1",     "ws:1:",
                                                     "ws:1:bad id", "camp:1:ws_1", *first.nextCursor};
  for (const std::string& bad : badWorkspaceCursors) {
    BOOST_TEST_CONTEXT("cursor '" << bad << "'") {
      BOOST_TEST(errorCodeOf([&] { (void)engine->listWorkspaces({10, bad}); }) == "invalid_argument");
    }
  }
  BOOST_TEST(errorCodeOf([&] {
               (void)engine->listMessages(kCamp, MessageFilter{}, PageRequest{10, *first.nextCursor});
             }) == "invalid_argument");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listCampaigns("ws_test", {10, *first.nextCursor}); }) ==
             "invalid_argument");
  for (const std::int64_t limit : {std::int64_t{0}, std::int64_t{-1}, kMaxPageLimit + 1}) {
    BOOST_TEST(errorCodeOf([&] { (void)engine->listLeads(kCamp, {}, {limit, {}}); }) == "invalid_argument");
    BOOST_TEST(errorCodeOf([&] { (void)engine->listWorkspaces({limit, {}}); }) == "invalid_argument");
  }
  BOOST_TEST(errorCodeOf([&] { (void)engine->listLeads(kCamp, {static_cast<LeadStatus>(9), {}}); }) ==
             "invalid_argument");
  BOOST_TEST(none.items.empty());
  // The good cursor still works after all that.
  BOOST_TEST(engine->listLeads(kCamp, {}, {10, *first.nextCursor}).items.size() == 2U);
}

// ---- Leads: filters and counts ----

BOOST_AUTO_TEST_CASE(filters_by_status_and_updated_since_page_like_the_whole_list) {
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 30));
  clock.advance(std::chrono::hours(2));
  const Timestamp later = clock.now();
  // Suppress every third lead; reply to a0 and a1 (a0 is also suppressed).
  std::vector<std::string> entries;
  for (int i = 0; i < 30; i += 3) entries.push_back("a" + std::to_string(i) + "@acme.com");
  (void)engine->addSuppressions("ws_test", entries);
  (void)engine->markReplied(kCamp, "a0@acme.com");
  (void)engine->markReplied(kCamp, "a1@acme.com");
  clock.advance(std::chrono::hours(2));
  // a29 updated, a30 and a31 enrolled.
  (void)engine->bulkUpsert(kCamp, std::vector<LeadInput>{lead("a29@acme.com", "Changed"), lead("a30@acme.com"),
                                                         lead("a31@acme.com")});

  const std::vector<Lead> all = allLeads(kMaxPageLimit);
  BOOST_REQUIRE_EQUAL(all.size(), 32U);
  const auto expect = [&](auto keep) {
    std::vector<std::string> out;
    for (const Lead& l : all) {
      if (keep(l)) out.push_back(l.email);
    }
    return out;
  };
  for (const LeadStatus status : {LeadStatus::active, LeadStatus::suppressed, LeadStatus::replied,
                                  LeadStatus::completed, LeadStatus::bounced}) {
    BOOST_TEST_CONTEXT(toString(status)) {
      const std::vector<std::string> want = expect([&](const Lead& l) { return l.status == status; });
      for (const std::int64_t limit : {1, 4, 100}) {
        BOOST_TEST(emails(allLeads(limit, {status, {}})) == want, boost::test_tools::per_element());
      }
    }
  }
  BOOST_TEST(emails(allLeads(2, {LeadStatus::replied, {}})) ==
                 (std::vector<std::string>{"a0@acme.com", "a1@acme.com"}),
             boost::test_tools::per_element());
  // Updated at or after `later`: the suppressed, the replied and the last call's.
  const std::vector<std::string> changed = expect([&](const Lead& l) { return l.updatedAt >= later; });
  BOOST_TEST(changed.size() == 14U);  // 10 suppressed + a1 + a29, a30, a31
  BOOST_TEST(emails(allLeads(3, {std::nullopt, later})) == changed, boost::test_tools::per_element());
  BOOST_TEST(emails(allLeads(3, {LeadStatus::active, later})) ==
                 (std::vector<std::string>{"a29@acme.com", "a30@acme.com", "a31@acme.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(allLeads(3, {std::nullopt, clock.now() + std::chrono::seconds(1)}).empty());
}

BOOST_AUTO_TEST_CASE(counts_by_status_match_the_leads) {
  LeadCounts counts = engine->countLeads(kCamp);
  BOOST_TEST(counts.campaignId == kCamp);
  BOOST_TEST(counts.total == 0);
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 20));
  (void)engine->addSuppressions("ws_test", std::vector<std::string>{"a3@acme.com", "a4@acme.com"});
  (void)engine->markReplied(kCamp, "a5@acme.com");
  counts = engine->countLeads(kCamp);
  BOOST_TEST(counts.total == 20);
  BOOST_TEST(counts.of(LeadStatus::active) == 17);
  BOOST_TEST(counts.of(LeadStatus::suppressed) == 2);
  BOOST_TEST(counts.of(LeadStatus::replied) == 1);
  BOOST_TEST(counts.of(LeadStatus::completed) == 0);
  BOOST_TEST(counts.of(LeadStatus::bounced) == 0);
  BOOST_TEST(counts.total == engine->getCampaign(kCamp)->leadsEnrolled);
  // Another campaign's leads are not counted.
  (void)seedCampaign("camp_other");
  (void)engine->bulkUpsert("camp_other", numbered("a", 0, 5));
  BOOST_TEST(engine->countLeads(kCamp).total == 20);
  const LeadCounts other = engine->countLeads("camp_other");
  BOOST_TEST(other.total == 3);  // a3 and a4 are on the workspace's list: skipped, not enrolled
  BOOST_TEST(other.of(LeadStatus::active) == 3);
  BOOST_TEST(errorCodeOf([&] { (void)engine->countLeads("camp_missing"); }) == "not_found");
}

// ---- Scope ----

BOOST_AUTO_TEST_CASE(another_workspaces_campaign_is_not_found_for_every_listing) {
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 3));
  (void)engine->createWorkspace({"ws_other", "", {}});
  const Scope other{"ws_other"};
  const Scope own{"ws_test"};
  BOOST_TEST(errorCodeOf([&] { (void)engine->listLeads(kCamp, {}, {}, other); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->countLeads(kCamp, other); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listMessages(kCamp, MessageFilter{}, PageRequest{}, other); }) ==
             "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listCampaigns("ws_test", {}, other); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listCampaigns("ws_missing"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->listLeads("camp_missing"); }) == "not_found");
  BOOST_TEST(engine->listLeads(kCamp, {}, {}, own).items.size() == 3U);
  BOOST_TEST(engine->countLeads(kCamp, own).total == 3);
  BOOST_TEST(engine->listCampaigns("ws_test", {}, own).items.size() == 1U);
  BOOST_TEST(engine->listCampaigns("ws_other", {}, other).items.empty());
}

// ---- Workspaces and campaigns ----

BOOST_AUTO_TEST_CASE(workspaces_and_campaigns_are_listed_oldest_first_with_status_and_counts) {
  // ws_test exists (the fixture, at the start time). Two more in the same
  // second, one of them with a smaller id, then one later.
  (void)engine->createWorkspace({"ws_b", "B", {}});
  (void)engine->createWorkspace({"ws_a", "A", {}});
  clock.advance(std::chrono::seconds(5));
  (void)engine->createWorkspace({"ws_0", "Zero", {}});
  std::vector<std::string> ids;
  for (PageRequest r{1, {}};;) {
    const Page<Workspace> page = engine->listWorkspaces(r);
    for (const Workspace& w : page.items) ids.push_back(w.id);
    if (!page.nextCursor) break;
    r.after = *page.nextCursor;
  }
  BOOST_TEST(ids == (std::vector<std::string>{"ws_a", "ws_b", "ws_test", "ws_0"}), boost::test_tools::per_element());

  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 4));
  (void)engine->startCampaign(kCamp);
  (void)engine->createCampaign({"ws_test", "camp_2", "Draft", {}, {}, {}});
  (void)engine->createCampaign({"ws_a", "camp_a", "Elsewhere", {}, {}, {}});
  const Page<Campaign> first = engine->listCampaigns("ws_test", {1, {}});
  BOOST_REQUIRE_EQUAL(first.items.size(), 1U);
  BOOST_TEST(first.items[0].id == kCamp);
  BOOST_TEST(first.items[0].status == CampaignStatus::running);
  BOOST_TEST(first.items[0].leadsEnrolled == 4);
  BOOST_TEST(first.items[0].queuedMessages == 4);
  BOOST_REQUIRE(first.nextCursor);
  const Page<Campaign> second = engine->listCampaigns("ws_test", {1, *first.nextCursor});
  BOOST_REQUIRE_EQUAL(second.items.size(), 1U);
  BOOST_TEST(second.items[0].id == "camp_2");
  BOOST_TEST(second.items[0].status == CampaignStatus::draft);
  BOOST_TEST(!second.nextCursor);
  BOOST_TEST(engine->listCampaigns("ws_0").items.empty());
}

// ---- Messages ----

BOOST_AUTO_TEST_CASE(pages_of_messages_follow_list_messages_with_its_filters) {
  (void)engine->bulkUpsert(kCamp, numbered("a", 0, 25));
  (void)engine->startCampaign(kCamp);
  clock.advance(std::chrono::hours(1));
  const std::vector<Message> claimed = engine->claimDue(10);
  for (std::size_t i = 0; i < 4; ++i) (void)engine->markSent(claimed[i].id);
  (void)engine->markReplied(kCamp, "a20@acme.com");  // cancels its queued message
  const auto ids = [](const std::vector<Message>& ms) {
    std::vector<std::string> out;
    for (const Message& m : ms) out.push_back(m.id);
    return out;
  };
  const auto paged = [&](const MessageFilter& filter, std::int64_t limit) {
    std::vector<Message> seen;
    for (PageRequest r{limit, {}};;) {
      Page<Message> page = engine->listMessages(kCamp, filter, r);
      seen.insert(seen.end(), page.items.begin(), page.items.end());
      if (!page.nextCursor) return seen;
      r.after = *page.nextCursor;
    }
  };
  const std::vector<Message> all = engine->listMessages(kCamp);
  BOOST_TEST(all.size() == 29U);  // 25 first steps, 4 second steps queued after the sends
  for (const std::int64_t limit : {1, 3, 1000}) {
    BOOST_TEST(ids(paged({}, limit)) == ids(all), boost::test_tools::per_element());
    for (const MessageStatus s : {MessageStatus::queued, MessageStatus::claimed, MessageStatus::sent,
                                  MessageStatus::cancelled, MessageStatus::failed}) {
      BOOST_TEST_CONTEXT(toString(s) << ", limit " << limit) {
        BOOST_TEST(ids(paged({s, {}}, limit)) == ids(engine->listMessages(kCamp, s)), boost::test_tools::per_element());
      }
    }
  }
  // Changed since the claim: the 10 claimed (4 then sent), the 4 next steps
  // queued, the cancelled one.
  const std::vector<Message> changed = paged({std::nullopt, clock.now()}, 4);
  BOOST_TEST(changed.size() == 15U);
  BOOST_TEST(paged({MessageStatus::sent, clock.now()}, 2).size() == 4U);
  BOOST_TEST(paged({std::nullopt, clock.now() + std::chrono::seconds(1)}, 2).empty());
}

BOOST_AUTO_TEST_SUITE_END()
