// Unsubscribe links (docs/signals.md#unsubscribe-links): the settings, the
// signed token and its refusals, {{unsubscribeUrl}} in rendered steps, the
// List-Unsubscribe headers of handed-out messages, and a click applied as an
// unsubscribe signal, once.
#define BOOST_TEST_MODULE unsubscribe
#include <boost/test/unit_test.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace leadterra;
using leadterra::test::EngineFixture;
using leadterra::test::errorCodeOf;

namespace {

constexpr const char* kCamp = "camp_01HZA1TPNQ8RD4KF";
constexpr const char* kBase = "https://links.example.com/u";
constexpr const char* kAva = "ava@acmecorp.com";

// base64url without padding, to take a token apart the way an attacker could.
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    acc = (acc << 6) | static_cast<std::uint32_t>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string encode(std::string_view bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

// `token` with the character at `i` replaced by another of the alphabet.
std::string flipped(std::string token, std::size_t i) {
  token[i] = token[i] == 'A' ? 'B' : 'A';
  return token;
}

// The token= parameter of a link.
std::string tokenOf(const std::string& url) {
  const std::size_t at = url.find("token=");
  BOOST_REQUIRE(at != std::string::npos);
  return url.substr(at + 6);
}

std::vector<Step> linkSteps() {
  return {{"Quick question, {{firstName}}", "Hi {{firstName}}.\nOpt out: {{unsubscribeUrl}}", StepFormat::text, 0},
          {"Following up", "Still there?\n<<unsubscribeUrl>>", StepFormat::text, 3}};
}

// ws_test with links to kBase and a mailto form, a running campaign whose
// steps carry {{unsubscribeUrl}}, and the seed's three leads.
struct Links : EngineFixture {
  Links() {
    engine->createWorkspace({"ws_test", "Test", {}});
    (void)engine->setUnsubscribeSettings("ws_test", {kBase, "Unsubscribe@Example.com"});
    seedCampaign(kCamp, linkSteps());
    (void)engine->bulkUpsert(kCamp, seedLeads());
    (void)engine->startCampaign(kCamp);
  }

  std::int64_t count(const std::string& sql) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
  }

  // Nothing of an unsubscribe was stored: no signal, no entry, ava still active.
  void requireNothingStored() {
    BOOST_TEST(count("SELECT count(*) FROM signals") == 0);
    BOOST_TEST(engine->listSuppressions("ws_test").empty());
    BOOST_TEST(toString(engine->getLead(kCamp, kAva)->status) == "active");
  }

  Message claimedOf(const std::string& email) {
    for (const Message& m : engine->claimDue(100, 600)) {
      if (m.email == email) return m;
    }
    BOOST_FAIL("no due message for " << email);
    return {};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(unsubscribe, Links)

// ---- Settings ----

BOOST_AUTO_TEST_CASE(settings_are_stored_with_the_mailto_normalized_and_never_show_the_secret) {
  const UnsubscribeSettings s = engine->getUnsubscribeSettings("ws_test");
  BOOST_TEST(s.baseUrl == kBase);
  BOOST_TEST(s.mailto == "unsubscribe@example.com");
  BOOST_TEST(leadterra::json::toJson(s) == R"({"baseUrl":"https://links.example.com/u","mailto":"unsubscribe@example.com"})");
  // A workspace never set has empty settings and no secret yet.
  engine->createWorkspace({"ws_none", "None", {}});
  BOOST_TEST(engine->getUnsubscribeSettings("ws_none").baseUrl.empty());
  BOOST_TEST(count("SELECT count(*) FROM unsubscribe_settings WHERE workspace_id = 'ws_none'") == 0);
}

BOOST_AUTO_TEST_CASE(a_base_url_that_is_not_an_https_link_a_header_can_carry_is_refused) {
  for (const std::string bad : {"http://links.example.com/u", "ftp://x.example.com", "links.example.com/u", "https://",
                                "https:///path", "https://x.example.com/a b", "https://x.example.com/u#frag",
                                "https://x.example.com/u,v", "https://x.example.com/<u>", "https://x.example.com/\n",
                                "https://user@/u"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(errorCodeOf([&] { (void)engine->setUnsubscribeSettings("ws_test", {bad, ""}); }) == "invalid_argument");
    }
  }
  BOOST_TEST(errorCodeOf([&] { (void)engine->setUnsubscribeSettings("ws_test", {kBase, "not an email"}); }) ==
             "invalid_argument");
  // Nothing changed.
  BOOST_TEST(engine->getUnsubscribeSettings("ws_test").baseUrl == kBase);
  // The scheme in any case, a query and a port are fine.
  BOOST_TEST(engine->setUnsubscribeSettings("ws_test", {"HTTPS://x.example.com:8443/u?src=mail", ""}).baseUrl ==
             "HTTPS://x.example.com:8443/u?src=mail");
}

BOOST_AUTO_TEST_CASE(settings_of_a_workspace_outside_the_scope_or_unknown_are_not_found) {
  BOOST_TEST(errorCodeOf([&] { (void)engine->getUnsubscribeSettings("ws_nope"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->setUnsubscribeSettings("ws_nope", {kBase, ""}); }) == "not_found");
  engine->createWorkspace({"ws_other", "Other", {}});
  BOOST_TEST(errorCodeOf([&] { (void)engine->getUnsubscribeSettings("ws_test", {"ws_other"}); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->setUnsubscribeSettings("ws_test", {"", ""}, {"ws_other"}); }) ==
             "not_found");
  BOOST_TEST(errorCodeOf([&] { engine->rotateUnsubscribeSecret("ws_test", {"ws_other"}); }) == "not_found");
}

BOOST_AUTO_TEST_CASE(each_workspace_has_its_own_secret_kept_when_the_settings_change) {
  engine->createWorkspace({"ws_other", "Other", {}});
  (void)engine->setUnsubscribeSettings("ws_other", {kBase, ""});
  BOOST_TEST(count("SELECT count(DISTINCT secret) FROM unsubscribe_settings") == 2);
  BOOST_TEST(count("SELECT min(length(secret)) FROM unsubscribe_settings") == 32);
  const std::string before = engine->unsubscribeLink(kCamp, kAva).token;
  (void)engine->setUnsubscribeSettings("ws_test", {"https://other.example.com/x", ""});
  // The same secret: links already sent stay valid.
  BOOST_TEST(engine->unsubscribeLink(kCamp, kAva).token == before);
  BOOST_TEST(engine->applyUnsubscribe(before).duplicate == false);
}

// ---- The token ----

BOOST_AUTO_TEST_CASE(a_token_round_trip_suppresses_the_address_once) {
  const UnsubscribeLink link = engine->unsubscribeLink(kCamp, "  AVA@acmecorp.com ");
  BOOST_TEST(link.url == std::string(kBase) + "?token=" + link.token);
  // URL-safe without padding: nothing to escape in a link.
  BOOST_TEST(link.token.find_first_not_of(kAlphabet) == std::string::npos);

  const SignalResult first = engine->applyUnsubscribe(link.token);
  BOOST_TEST(!first.duplicate);
  BOOST_TEST(first.id.starts_with("sig_"));
  BOOST_TEST(first.suppressionAdded);
  BOOST_TEST(first.leadsStopped == 1);
  BOOST_TEST(first.messagesCancelled == 1);
  BOOST_TEST(toString(engine->getLead(kCamp, kAva)->status) == "unsubscribed");
  const std::vector<SuppressionEntry> entries = engine->listSuppressions("ws_test");
  BOOST_REQUIRE_EQUAL(entries.size(), 1U);
  BOOST_TEST(entries[0].entry == kAva);
  BOOST_TEST(toString(entries[0].reason) == "unsubscribe");
  BOOST_TEST(entries[0].campaignId.value() == kCamp);

  // A second click (a double click, a scanner that got past the page): no new effect.
  const SignalResult second = engine->applyUnsubscribe(link.token, {"ws_test"});
  BOOST_TEST(second.duplicate);
  BOOST_TEST(second.id == first.id);
  BOOST_TEST(!second.suppressionAdded);
  BOOST_TEST(count("SELECT count(*) FROM signals WHERE kind = 'unsubscribe'") == 1);
  // The other leads are untouched.
  BOOST_TEST(toString(engine->getLead(kCamp, "marcus@buildfast.io")->status) == "active");
}

BOOST_AUTO_TEST_CASE(forged_altered_and_truncated_tokens_are_refused_and_nothing_is_stored) {
  const std::string token = engine->unsubscribeLink(kCamp, kAva).token;
  const std::string bytes = decode(token);
  BOOST_REQUIRE_GT(bytes.size(), 32U);
  const std::string payload = bytes.substr(0, bytes.size() - 32);
  std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"not base64", "not a token!"},
      {"padding", token + "=="},
      {"random", encode(std::string(80, '\x5a'))},
      {"payload with a zero MAC", encode(payload + std::string(32, '\0'))},
      {"payload alone", encode(payload)},
      {"a payload character flipped", flipped(token, 6)},
      {"a MAC character flipped", flipped(token, token.size() - 5)},
      {"the last character flipped", flipped(token, token.size() - 1)},
      {"truncated by one", token.substr(0, token.size() - 1)},
      {"truncated by ten", token.substr(0, token.size() - 10)},
      {"one character more", token + "A"},
  };
  // Another address of the same campaign with ava's MAC.
  std::string marcus = decode(engine->unsubscribeLink(kCamp, "marcus@buildfast.io").token);
  marcus.replace(marcus.size() - 32, 32, bytes.substr(bytes.size() - 32));
  bad.emplace_back("another address with this MAC", encode(marcus));
  for (const auto& [what, text] : bad) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(errorCodeOf([&] { (void)engine->applyUnsubscribe(text); }) == "invalid_token");
    }
  }
  requireNothingStored();
}

BOOST_AUTO_TEST_CASE(a_token_of_another_workspace_than_the_scope_is_refused) {
  engine->createWorkspace({"ws_other", "Other", {}});
  (void)engine->setUnsubscribeSettings("ws_other", {kBase, ""});
  const std::string token = engine->unsubscribeLink(kCamp, kAva).token;
  BOOST_TEST(errorCodeOf([&] { (void)engine->applyUnsubscribe(token, {"ws_other"}); }) == "invalid_token");
  requireNothingStored();
  BOOST_TEST(!engine->applyUnsubscribe(token, {"ws_test"}).duplicate);
}

BOOST_AUTO_TEST_CASE(a_rotated_secret_makes_every_older_link_fail) {
  const std::string old = engine->unsubscribeLink(kCamp, kAva).token;
  engine->rotateUnsubscribeSecret("ws_test");
  BOOST_TEST(errorCodeOf([&] { (void)engine->applyUnsubscribe(old); }) == "invalid_token");
  requireNothingStored();
  const std::string fresh = engine->unsubscribeLink(kCamp, kAva).token;
  BOOST_TEST(fresh != old);
  BOOST_TEST(!engine->applyUnsubscribe(fresh).duplicate);
  BOOST_TEST(engine->getUnsubscribeSettings("ws_test").baseUrl == kBase);  // the settings stay
}

BOOST_AUTO_TEST_CASE(a_link_for_a_lead_outside_the_scope_or_not_enrolled_is_not_found) {
  engine->createWorkspace({"ws_other", "Other", {}});
  BOOST_TEST(errorCodeOf([&] { (void)engine->unsubscribeLink(kCamp, kAva, {"ws_other"}); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->unsubscribeLink(kCamp, "nobody@acmecorp.com"); }) == "not_found");
  BOOST_TEST(errorCodeOf([&] { (void)engine->unsubscribeLink(kCamp, "not an email"); }) == "invalid_argument");
}

// ---- {{unsubscribeUrl}} and the headers ----

BOOST_AUTO_TEST_CASE(the_template_token_renders_the_leads_link_and_its_token_verifies) {
  const Message m = claimedOf(kAva);
  const UnsubscribeLink link = engine->unsubscribeLink(kCamp, kAva);
  BOOST_TEST(m.body == "Hi Ava.\nOpt out: " + link.url);
  BOOST_TEST(!engine->applyUnsubscribe(tokenOf(m.body)).duplicate);
  BOOST_TEST(toString(engine->getLead(kCamp, kAva)->status) == "unsubscribed");
}

BOOST_AUTO_TEST_CASE(a_lead_field_named_unsubscribe_url_never_replaces_the_link) {
  LeadInput in = lead("zoe@acmecorp.com", "Zoe");
  in.customFields = R"({"unsubscribeUrl": "https://evil.example.com/"})";
  const BulkResult r = engine->bulkUpsert(kCamp, std::vector<LeadInput>{in});
  // Not a lead field: never counted as a missing token.
  BOOST_TEST(r.missingTokens.count("unsubscribeUrl") == 0);
  const Message m = claimedOf("zoe@acmecorp.com");
  BOOST_TEST(m.body.find("evil") == std::string::npos);
  BOOST_TEST(m.body.ends_with(engine->unsubscribeLink(kCamp, "zoe@acmecorp.com").url));
}

BOOST_AUTO_TEST_CASE(claimed_messages_carry_list_unsubscribe_and_one_click_post) {
  const Message m = claimedOf(kAva);
  const UnsubscribeLink link = engine->unsubscribeLink(kCamp, kAva);
  BOOST_TEST(m.listUnsubscribe == "<" + link.url + ">, <mailto:unsubscribe@example.com?subject=unsubscribe>");
  BOOST_TEST(m.listUnsubscribePost == "List-Unsubscribe=One-Click");
  // Every message the engine hands back carries them.
  const Message sent = engine->markSent(m.id);
  BOOST_TEST(sent.listUnsubscribe == m.listUnsubscribe);
  BOOST_TEST(sent.listUnsubscribePost == m.listUnsubscribePost);
  for (const Message& listed : engine->listMessages(kCamp)) {
    BOOST_TEST_CONTEXT(listed.email) {
      BOOST_TEST(listed.listUnsubscribe.starts_with("<" + std::string(kBase) + "?token="));
      BOOST_TEST(listed.listUnsubscribePost == "List-Unsubscribe=One-Click");
    }
  }
  const Page<Message> page = engine->listMessages(kCamp, MessageFilter{}, PageRequest{});
  BOOST_REQUIRE(!page.items.empty());
  BOOST_TEST(page.items[0].listUnsubscribe.find("mailto:") != std::string::npos);
  // The header's link is the lead's own.
  const std::string header = m.listUnsubscribe.substr(1, m.listUnsubscribe.find('>') - 1);
  BOOST_TEST(engine->applyUnsubscribe(tokenOf(header)).suppressionAdded);
}

BOOST_AUTO_TEST_CASE(a_base_url_with_a_query_takes_the_token_after_an_ampersand) {
  (void)engine->setUnsubscribeSettings("ws_test", {"https://links.example.com/u?list=q3", ""});
  const UnsubscribeLink link = engine->unsubscribeLink(kCamp, kAva);
  BOOST_TEST(link.url == "https://links.example.com/u?list=q3&token=" + link.token);
  const Message m = claimedOf(kAva);
  // The queued text was rendered with the link of its time; the headers are read now.
  BOOST_TEST(m.listUnsubscribe == "<" + link.url + ">");
}

BOOST_AUTO_TEST_CASE(without_a_base_url_the_link_is_empty_and_no_https_header_is_given) {
  engine->createWorkspace({"ws_mail", "Mail only", {}});
  (void)engine->setUnsubscribeSettings("ws_mail", {"", "optout@example.com"});
  engine->createWorkspace({"ws_bare", "Nothing set", {}});
  std::vector<Step> steps = linkSteps();
  steps[0].body = "Hi.\n{{unsubscribeUrl|Reply STOP to opt out}}";
  for (const char* ws : {"ws_mail", "ws_bare"}) {
    const std::string camp = std::string("camp_") + ws;
    (void)engine->createCampaign({ws, camp, "C", steps, {}, {}});
    (void)engine->bulkUpsert(camp, std::vector<LeadInput>{lead(kAva, "Ava")});
    (void)engine->startCampaign(camp);
  }
  std::optional<Message> mail, bare;
  for (const Message& m : engine->claimDue(100, 600)) {
    if (m.workspaceId == "ws_mail") mail = m;
    if (m.workspaceId == "ws_bare") bare = m;
  }
  BOOST_REQUIRE(mail.has_value());
  BOOST_REQUIRE(bare.has_value());
  // An empty link renders the fallback, like any missing field.
  BOOST_TEST(mail->body == "Hi.\nReply STOP to opt out");
  BOOST_TEST(mail->listUnsubscribe == "<mailto:optout@example.com?subject=unsubscribe>");
  BOOST_TEST(mail->listUnsubscribePost.empty());
  BOOST_TEST(engine->unsubscribeLink("camp_ws_mail", kAva).url.empty());
  BOOST_TEST(bare->body == "Hi.\nReply STOP to opt out");
  BOOST_TEST(bare->listUnsubscribe.empty());
  BOOST_TEST(bare->listUnsubscribePost.empty());
  BOOST_TEST(engine->unsubscribeLink("camp_ws_bare", kAva).token.empty());
}

BOOST_AUTO_TEST_SUITE_END()
