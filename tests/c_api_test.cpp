#define BOOST_TEST_MODULE c_api
// The C API (leadterra.h) as a C program meets it: statuses mirroring
// ErrorCode, the thread's message, outputs owned by the caller and left NULL
// on failure, no exception crossing the boundary (bad JSON, unknown ids, NULL
// pointers, exhausted memory), and results in exactly the JSON adapter's
// shapes.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <new>
#include <string>
#include <thread>

#include "leadterra/leadterra.h"
#include "test_util.hpp"

using leadterra::test::TempDir;
using Json = nlohmann::json;

// ---- Allocation failure on demand ----
// Replacing the global operator new here replaces it for libleadterra_c too
// (it is one program): while failNew is set, every C++ allocation fails.
// The replacements pair malloc with free on purpose; GCC cannot tell.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<bool> failNew{false};
}  // namespace

void* operator new(std::size_t size) {
  if (failNew.load(std::memory_order_relaxed)) throw std::bad_alloc();
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (simdjson allocates its padded buffers with them):
// every form then pairs with the free above, also under AddressSanitizer,
// which checks that new and delete match.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (failNew.load(std::memory_order_relaxed)) return nullptr;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

// A C string result, released with lt_free.
struct Out {
  char* text = nullptr;
  Out() = default;
  Out(const Out&) = delete;
  Out& operator=(const Out&) = delete;
  ~Out() { lt_free(text); }
  char** operator&() {
    lt_free(text);
    text = nullptr;
    return &text;
  }
  [[nodiscard]] Json json() const { return Json::parse(text); }
};

struct Engine {
  TempDir dir;
  lt_engine* engine = nullptr;
  std::string path = dir.file("c.db");

  Engine() {
    BOOST_REQUIRE_EQUAL(lt_open_with(path.c_str(), R"({"now": "2025-06-10T15:00:00Z"})", &engine), LT_OK);
    Out out;
    BOOST_REQUIRE_EQUAL(lt_create_workspace(engine, "ws_1", "One", nullptr, &out), LT_OK);
    BOOST_REQUIRE_EQUAL(lt_create_workspace(engine, "ws_2", "Two", nullptr, &out), LT_OK);
    BOOST_REQUIRE_EQUAL(lt_create_campaign(engine, "ws_1", "camp_1", "Camp",
                                           R"({"steps": [{"subject": "Hi {{firstName}}", "body": "Hello"},
                                                         {"subject": "Again", "body": "Hi", "delayDays": 2}]})",
                                           &out),
                        LT_OK);
    BOOST_REQUIRE_EQUAL(lt_bulk_upsert(engine, "camp_1",
                                       R"({"leads": [{"email": "ava@acme.com", "firstName": "Ava"},
                                                     {"email": "bob@acme.com"}, {"email": "cy@beta.io"}]})",
                                       nullptr, nullptr, &out),
                        LT_OK);
  }
  ~Engine() { lt_close(engine); }
};

std::string errmsg() { return lt_errmsg(); }

}  // namespace

BOOST_AUTO_TEST_CASE(every_error_code_has_its_status_with_the_same_name) {
  const std::string header = leadterra::test::readFile(LEADTERRA_SOURCE_DIR "/include/leadterra/leadterra.h");
  int count = 0;
  for (int i = 0;; ++i) {
    const auto code = static_cast<leadterra::ErrorCode>(i);
    const std::string name(leadterra::toString(code));
    if (!leadterra::parseErrorCode(name) || *leadterra::parseErrorCode(name) != code) break;
    ++count;
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(std::string(lt_status_name(static_cast<lt_status>(i + 1))) == name);
      std::string upper = "LT_";
      for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      BOOST_TEST(header.find(upper + " = " + std::to_string(i + 1) + ",") != std::string::npos);
    }
  }
  BOOST_TEST(count == 8);
  BOOST_TEST(std::string(lt_status_name(LT_OK)) == "ok");
  BOOST_TEST(std::string(lt_status_name(LT_OUT_OF_MEMORY)) == "out_of_memory");
  BOOST_TEST(std::string(lt_status_name(LT_INTERNAL)) == "internal");
  BOOST_TEST(std::string(lt_status_name(static_cast<lt_status>(99))) == "unknown");
  BOOST_TEST(std::string(lt_version()) == LEADTERRA_VERSION);
}

BOOST_AUTO_TEST_CASE(open_failures_have_a_status_a_message_and_no_handle) {
  TempDir dir;
  lt_engine* engine = reinterpret_cast<lt_engine*>(&dir);  // not NULL: must be cleared
  const std::string missing = dir.file("missing.db");
  BOOST_TEST(lt_open_with(missing.c_str(), R"({"createIfMissing": false})", &engine) == LT_NOT_FOUND);
  BOOST_TEST(engine == nullptr);
  BOOST_TEST(errmsg().find("missing.db") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(missing));

  BOOST_TEST(lt_open(nullptr, &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg() == "location must not be NULL");
  BOOST_TEST(lt_open(missing.c_str(), nullptr) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_open_with(missing.c_str(), "{not json", &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_open_with(missing.c_str(), R"({"cacheSize": 1})", &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg().find("cacheSize") != std::string::npos);
  BOOST_TEST(lt_open_with(missing.c_str(), R"({"fullSync": "yes"})", &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_open_with(missing.c_str(), R"({"now": "yesterday"})", &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(engine == nullptr);

  const std::string junk = dir.file("junk.db");
  std::ofstream(junk) << std::string(8192, 'x');
  BOOST_TEST(lt_open(junk.c_str(), &engine) == LT_STORAGE_ERROR);
  BOOST_TEST(engine == nullptr);

  // A success clears the message.
  BOOST_TEST(lt_open(dir.file("ok.db").c_str(), &engine) == LT_OK);
  BOOST_TEST(errmsg().empty());
  lt_close(engine);
  lt_close(nullptr);  // nothing
  lt_free(nullptr);   // nothing
}

BOOST_AUTO_TEST_CASE(the_message_belongs_to_the_thread) {
  Engine e;
  Out out;
  BOOST_TEST(lt_get_campaign(e.engine, "camp_nope", nullptr, &out) == LT_NOT_FOUND);
  const std::string mine = errmsg();
  BOOST_TEST(mine.find("camp_nope") != std::string::npos);
  std::string theirs = "unset";
  std::thread([&] {
    theirs = lt_errmsg();  // nothing failed on this thread
    Out other;
    (void)lt_get_workspace(e.engine, "ws_other", &other);
  }).join();
  BOOST_TEST(theirs.empty());
  BOOST_TEST(errmsg() == mine);  // the other thread's failure is its own
}

BOOST_AUTO_TEST_CASE(unknown_ids_are_not_found_and_leave_the_output_null) {
  Engine e;
  Out out;
  const auto notFound = [&](lt_status status, const char* what) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(lt_status_name(status) == std::string("not_found"));
      BOOST_TEST(out.text == nullptr);
      BOOST_TEST(!errmsg().empty());
    }
  };
  notFound(lt_get_workspace(e.engine, "ws_nope", &out), "get_workspace");
  notFound(lt_set_workspace_rules(e.engine, "ws_nope", "{}", &out), "set_workspace_rules");
  notFound(lt_create_campaign(e.engine, "ws_nope", nullptr, "x", nullptr, &out), "create_campaign");
  notFound(lt_get_campaign(e.engine, "camp_nope", nullptr, &out), "get_campaign");
  notFound(lt_start_campaign(e.engine, "camp_nope", nullptr, &out), "start_campaign");
  notFound(lt_set_stop_rules(e.engine, "camp_nope", "{}", nullptr, &out), "set_stop_rules");
  notFound(lt_bulk_upsert(e.engine, "camp_nope", R"({"leads": []})", nullptr, nullptr, &out), "bulk_upsert");
  notFound(lt_get_lead(e.engine, "camp_1", "nobody@acme.com", nullptr, &out), "get_lead");
  notFound(lt_count_leads(e.engine, "camp_nope", nullptr, &out), "count_leads");
  notFound(lt_mark_sent(e.engine, "msg_nope", nullptr, &out), "mark_sent");
  notFound(lt_mark_replied(e.engine, "camp_1", "nobody@acme.com", nullptr, &out), "mark_replied");
  notFound(lt_unsubscribe_link(e.engine, "camp_nope", "ava@acme.com", nullptr, &out), "unsubscribe_link");
  // A campaign of another workspace than the scope's is not found either.
  notFound(lt_get_campaign(e.engine, "camp_1", "ws_2", &out), "get_campaign scoped");
  notFound(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, 0, nullptr, "ws_2", &out), "list_leads scoped");
  BOOST_TEST(lt_get_campaign(e.engine, "camp_1", "ws_1", &out) == LT_OK);
}

BOOST_AUTO_TEST_CASE(bad_json_and_bad_values_are_invalid_argument_never_an_exception) {
  Engine e;
  Out out;
  const auto invalid = [&](lt_status status, const char* what) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(lt_status_name(status) == std::string("invalid_argument"));
      BOOST_TEST(out.text == nullptr);
      BOOST_TEST(!errmsg().empty());
    }
  };
  BOOST_CHECK_NO_THROW({
    invalid(lt_bulk_upsert(e.engine, "camp_1", "not json", nullptr, nullptr, &out), "body");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": {}})", nullptr, nullptr, &out), "body shape");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", R"({"mode": "squash"})", nullptr, &out), "mode");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", R"({"dryRun": 1})", nullptr, &out), "dryRun");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", R"({"dry_run": true})", nullptr, &out), "key");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", "[1]", nullptr, &out), "options array");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", R"({"skipActiveElsewhere": 1})", nullptr, &out),
            "skipActiveElsewhere");
    invalid(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": []})", R"({"skipContactedWithinDays": -1})", nullptr,
                           &out),
            "skipContactedWithinDays");
    invalid(lt_set_workspace_rules(e.engine, "ws_1", R"({"frequencyCap": {"maxSends": 1}})", &out), "frequencyCap");
    invalid(lt_add_step(e.engine, "camp_1", R"({"subject": 3})", nullptr, &out), "step");
    invalid(lt_add_step(e.engine, "camp_1", "\xff\xfe", nullptr, &out), "step bytes");
    invalid(lt_create_campaign(e.engine, "ws_1", "c2", "x", R"({"steps": 1})", &out), "steps");
    invalid(lt_create_campaign(e.engine, "ws_1", "bad id!", "x", nullptr, &out), "campaign id");
    invalid(lt_set_schedule(e.engine, "camp_1", R"({"timeZone": "Mars/Base"})", nullptr, &out), "time zone");
    invalid(lt_set_stop_rules(e.engine, "camp_1", R"({"onReply": "yes"})", nullptr, &out), "stop rules");
    invalid(lt_set_workspace_rules(e.engine, "ws_1", R"({"nope": true})", &out), "workspace rules");
    invalid(lt_report_signal(e.engine, R"({"kind": "reply"})", nullptr, &out), "signal without target");
    invalid(lt_report_signal(e.engine, R"({"messageId": "msg_1"})", nullptr, &out), "signal without kind");
    invalid(lt_report_signal(e.engine, R"({"kind": "reply", "messageId": 7})", nullptr, &out), "signal type");
    invalid(lt_report_signal(e.engine, R"({"kind": "reply", "mesageId": "m"})", nullptr, &out), "signal key");
    invalid(lt_list_leads(e.engine, "camp_1", "sleeping", nullptr, 10, nullptr, nullptr, &out), "lead status");
    invalid(lt_list_leads(e.engine, "camp_1", nullptr, "tuesday", 10, nullptr, nullptr, &out), "since");
    invalid(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, -1, nullptr, nullptr, &out), "negative limit");
    invalid(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, 1001, nullptr, nullptr, &out), "limit");
    invalid(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, 10, "garbage", nullptr, &out), "cursor");
    invalid(lt_list_messages(e.engine, "camp_1", "lost", nullptr, 0, nullptr, nullptr, &out), "message status");
    invalid(lt_list_suppressions(e.engine, "ws_1", "whim", nullptr, nullptr, &out), "reason");
    invalid(lt_remove_suppressions_by(e.engine, "ws_1", nullptr, nullptr, nullptr, &out), "reason required");
    const char* entries[] = {"not an entry at all"};
    invalid(lt_add_suppressions(e.engine, "ws_1", entries, 1, &out), "entry");
    invalid(lt_add_suppressions(e.engine, "ws_1", nullptr, 1, &out), "entries NULL");
    invalid(lt_import_file(e.engine, "camp_1", "/nonexistent/leads.csv", nullptr, nullptr, &out), "file");
    invalid(lt_import_file(e.engine, "camp_1", "x.csv", R"({"delimiter": "|"})", nullptr, &out), "delimiter");
    invalid(lt_render_step(R"({"subject": "Hi"})", "[1, 2]", &out), "render lead");
    invalid(lt_render_step("{", "{}", &out), "render step");
    invalid(lt_set_unsubscribe_settings(e.engine, "ws_1", "http://plain.example", nullptr, nullptr, &out),
            "base url");
  });
  BOOST_TEST(lt_apply_unsubscribe(e.engine, "forged", nullptr, &out) == LT_INVALID_TOKEN);
  BOOST_TEST(lt_remove_step(e.engine, "camp_1", 0, nullptr, &out) != LT_OK);
  BOOST_TEST(lt_replace_step(e.engine, "camp_1", std::numeric_limits<int64_t>::min(), R"({"subject":"a","body":"b"})",
                             nullptr, &out) != LT_OK);
  BOOST_TEST(lt_claim_due(e.engine, -5, 300, nullptr, &out) != LT_INTERNAL);
  // The engine is fine afterwards.
  BOOST_TEST(lt_count_leads(e.engine, "camp_1", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["total"] == 3);
}

BOOST_AUTO_TEST_CASE(null_pointers_are_invalid_argument) {
  Engine e;
  Out out;
  BOOST_TEST(lt_get_campaign(nullptr, "camp_1", nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg() == "engine must not be NULL");
  BOOST_TEST(lt_get_campaign(e.engine, nullptr, nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg() == "campaign_id must not be NULL");
  BOOST_TEST(lt_get_campaign(e.engine, "camp_1", nullptr, nullptr) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg() == "out must not be NULL");
  BOOST_TEST(lt_bulk_upsert(e.engine, "camp_1", nullptr, nullptr, nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_report_signal(e.engine, nullptr, nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_rotate_unsubscribe_secret(nullptr, "ws_1", nullptr) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_claim_due(nullptr, 1, 1, nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_render_step(nullptr, "{}", &out) == LT_INVALID_ARGUMENT);
  // Optional strings may be NULL: a generated id, no name, no steps.
  BOOST_TEST(lt_create_campaign(e.engine, "ws_1", nullptr, nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["id"].get<std::string>().rfind("camp_", 0) == 0);
  BOOST_TEST(lt_create_workspace(e.engine, nullptr, nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["id"].get<std::string>().rfind("ws_", 0) == 0);
}

BOOST_AUTO_TEST_CASE(outputs_are_fresh_buffers_of_the_caller) {
  Engine e;
  char* first = nullptr;
  char* second = nullptr;
  BOOST_REQUIRE(lt_get_campaign(e.engine, "camp_1", nullptr, &first) == LT_OK);
  BOOST_REQUIRE(lt_get_campaign(e.engine, "camp_1", nullptr, &second) == LT_OK);
  BOOST_TEST(static_cast<void*>(first) != static_cast<void*>(second));
  BOOST_TEST(std::string(first) == std::string(second));
  first[0] = 'X';  // the caller's to change
  BOOST_TEST(second[0] == '{');
  lt_free(first);
  lt_free(second);
  // A failure sets the output to NULL, whatever it held.
  char sentinel = 0;
  char* out = &sentinel;
  BOOST_TEST(lt_get_campaign(e.engine, "camp_nope", nullptr, &out) == LT_NOT_FOUND);
  BOOST_TEST(out == nullptr);
  // The buffer outlives the engine.
  char* kept = nullptr;
  BOOST_REQUIRE(lt_count_leads(e.engine, "camp_1", nullptr, &kept) == LT_OK);
  lt_close(e.engine);
  e.engine = nullptr;
  BOOST_TEST(Json::parse(kept)["total"] == 3);
  lt_free(kept);
}

BOOST_AUTO_TEST_CASE(exhausted_memory_is_a_status) {
  Engine e;
  Out out;
  // Under a tool that replaces operator new itself (valgrind), ours is not
  // called: nothing to test then.
  bool replaced = false;
  failNew = true;
  try {
    int* volatile probe = new int(1);  // volatile: the pair may not be elided
    delete probe;
  } catch (const std::bad_alloc&) {
    replaced = true;
  }
  failNew = false;
  if (!replaced) {
    BOOST_TEST_MESSAGE("operator new is not ours here: skipped");
    return;
  }
  failNew = true;
  const lt_status render = lt_render_step(R"({"subject": "Hi {{firstName}}", "body": "x"})", "{}", &out);
  const lt_status get = lt_get_campaign(e.engine, "camp_1", nullptr, &out);
  failNew = false;
  BOOST_TEST(render == LT_OUT_OF_MEMORY);
  BOOST_TEST(get != LT_OK);
  BOOST_TEST(out.text == nullptr);
  BOOST_TEST(std::string(lt_errmsg()) == "out of memory");
  BOOST_TEST(lt_get_campaign(e.engine, "camp_1", nullptr, &out) == LT_OK);
}

BOOST_AUTO_TEST_CASE(results_are_the_json_adapters_shapes) {
  Engine e;
  Out out;
  BOOST_REQUIRE(lt_get_campaign(e.engine, "camp_1", nullptr, &out) == LT_OK);
  const std::string viaC = out.text;
  lt_close(e.engine);
  e.engine = nullptr;
  auto engine = leadterra::CampaignEngine::open(e.path);
  BOOST_TEST(viaC == leadterra::json::toJson(*engine->getCampaign("camp_1")));
  BOOST_TEST(leadterra::json::toJson(engine->countLeads("camp_1")).find("\"total\":3") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(listings_page_or_read_everything) {
  Engine e;
  Out out;
  BOOST_REQUIRE(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, 2, nullptr, nullptr, &out) == LT_OK);
  Json page = out.json();
  BOOST_TEST(page["leads"].size() == 2);
  BOOST_REQUIRE(page["nextCursor"].is_string());
  const std::string cursor = page["nextCursor"];
  BOOST_REQUIRE(lt_list_leads(e.engine, "camp_1", nullptr, nullptr, 2, cursor.c_str(), nullptr, &out) == LT_OK);
  page = out.json();
  BOOST_TEST(page["leads"].size() == 1);
  BOOST_TEST(page["leads"][0]["email"] == "cy@beta.io");
  BOOST_TEST(page["nextCursor"].is_null());
  BOOST_REQUIRE(lt_list_leads(e.engine, "camp_1", "active", nullptr, 0, nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["leads"].size() == 3);
  BOOST_REQUIRE(lt_list_workspaces(e.engine, 0, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["workspaces"].size() == 2);
  BOOST_REQUIRE(lt_list_campaigns(e.engine, "ws_1", 10, nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["campaigns"][0]["id"] == "camp_1");
  BOOST_REQUIRE(lt_list_messages(e.engine, "camp_1", nullptr, nullptr, 0, nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["messages"].empty());
}

BOOST_AUTO_TEST_CASE(the_other_operations_round_trip) {
  Engine e;
  Out out;
  BOOST_REQUIRE(lt_set_stop_rules(e.engine, "camp_1", R"({"forCompany": true})", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["stopRules"]["forCompany"] == true);
  BOOST_TEST(out.json()["stopRules"]["onReply"] == true);  // the other keys kept
  BOOST_REQUIRE(lt_set_workspace_rules(e.engine, "ws_1", R"({"replyStopsAllCampaigns": false})", &out) == LT_OK);
  BOOST_TEST(out.json()["rules"]["replyStopsAllCampaigns"] == false);
  BOOST_REQUIRE(lt_set_schedule(e.engine, "camp_1", R"({"timeZone": "Europe/Oslo", "dailyCap": 5})", nullptr, &out) ==
                LT_OK);
  BOOST_TEST(out.json()["dailyCap"] == 5);
  BOOST_REQUIRE(lt_add_step(e.engine, "camp_1", R"({"subject": "Third", "body": "3", "delayDays": 1})", nullptr,
                            &out) == LT_OK);
  BOOST_TEST(out.json()["steps"].size() == 3);
  BOOST_REQUIRE(lt_replace_step(e.engine, "camp_1", 3, R"({"subject": "Last", "body": "3"})", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["steps"][2]["subject"] == "Last");
  BOOST_REQUIRE(lt_remove_step(e.engine, "camp_1", 3, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["steps"].size() == 2);

  BOOST_REQUIRE(lt_bulk_upsert(e.engine, "camp_1", R"({"leads": [{"email": "dee@acme.com"}]})",
                               R"({"dryRun": true, "details": true})", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["dryRun"] == true);
  BOOST_TEST(out.json()["rows"][0]["outcome"] == "enrolled");

  // The cross-campaign rules: camp_2, started, still mails ava.
  BOOST_REQUIRE(lt_create_campaign(e.engine, "ws_1", "camp_2", "Two", R"({"steps": [{"subject": "S", "body": "B"}]})",
                                   &out) == LT_OK);
  BOOST_REQUIRE(lt_bulk_upsert(e.engine, "camp_2",
                               R"({"leads": [{"email": "ava@acme.com"}, {"email": "zed@acme.com"}]})", nullptr,
                               nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_start_campaign(e.engine, "camp_2", nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_bulk_upsert(e.engine, "camp_1",
                               R"({"leads": [{"email": "ava@acme.com"}, {"email": "eve@acme.com"},)"
                               R"( {"email": "zed@acme.com"}]})",
                               R"({"skipActiveElsewhere": true, "skipContactedWithinDays": 30, "dryRun": true})",
                               nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["updated"] == 1);  // camp_1 already holds ava: the rules gate new leads only
  BOOST_TEST(out.json()["enrolled"] == 1);
  BOOST_TEST(out.json()["skippedActiveElsewhere"] == 1);
  BOOST_REQUIRE(lt_set_workspace_rules(e.engine, "ws_1", R"({"frequencyCap": {"maxSends": 3, "perDays": 10}})",
                                       &out) == LT_OK);
  BOOST_TEST(out.json()["rules"]["frequencyCap"]["perDays"] == 10);
  BOOST_REQUIRE(lt_set_workspace_rules(e.engine, "ws_1", R"({"frequencyCap": null})", &out) == LT_OK);
  BOOST_REQUIRE(lt_pause_campaign(e.engine, "camp_2", nullptr, &out) == LT_OK);  // claims below are camp_1's

  const char* entries[] = {"bob@acme.com", "@beta.io"};
  BOOST_REQUIRE(lt_add_suppressions(e.engine, "ws_1", entries, 2, &out) == LT_OK);
  BOOST_TEST(out.json() == Json::parse(R"({"added": 2, "leadsSuppressed": 2, "messagesCancelled": 0})"));
  BOOST_REQUIRE(lt_list_suppressions(e.engine, "ws_1", "manual", nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["entries"].size() == 2);
  BOOST_REQUIRE(lt_remove_suppressions(e.engine, "ws_1", entries, 1, &out) == LT_OK);
  BOOST_TEST(out.json() == Json::parse(R"({"removed": 1})"));
  BOOST_REQUIRE(lt_remove_suppressions_by(e.engine, "ws_1", "manual", nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json() == Json::parse(R"({"removed": 1})"));

  BOOST_REQUIRE(lt_set_schedule(e.engine, "camp_1", "{}", nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_start_campaign(e.engine, "camp_1", nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_claim_due(e.engine, 10, 300, "ws_1", &out) == LT_OK);
  const Json claimed = out.json()["messages"];
  BOOST_REQUIRE(claimed.size() == 1);  // Ava's; Bob and Cy are suppressed
  const std::string id = claimed[0]["id"];
  BOOST_REQUIRE(lt_mark_failed(e.engine, id.c_str(), "mailbox full", 1, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["status"] == "queued");
  BOOST_TEST(out.json()["lastError"] == "mailbox full");
  BOOST_REQUIRE(lt_pause_campaign(e.engine, "camp_1", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["status"] == "paused");
  BOOST_REQUIRE(lt_mark_replied(e.engine, "camp_1", "ava@acme.com", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["lead"]["status"] == "replied");
  BOOST_TEST(out.json()["messagesCancelled"] == 1);

  BOOST_REQUIRE(lt_set_unsubscribe_settings(e.engine, "ws_1", "https://example.com/u", "Unsub@Example.com", nullptr,
                                            &out) == LT_OK);
  BOOST_TEST(out.json()["baseUrl"] == "https://example.com/u");
  BOOST_REQUIRE(lt_get_unsubscribe_settings(e.engine, "ws_1", nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["baseUrl"] == "https://example.com/u");
  BOOST_REQUIRE(lt_unsubscribe_link(e.engine, "camp_1", "ava@acme.com", nullptr, &out) == LT_OK);
  const std::string token = out.json()["token"];
  BOOST_REQUIRE(lt_apply_unsubscribe(e.engine, token.c_str(), nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["duplicate"] == false);
  BOOST_REQUIRE(lt_rotate_unsubscribe_secret(e.engine, "ws_1", nullptr) == LT_OK);
  BOOST_TEST(lt_apply_unsubscribe(e.engine, token.c_str(), nullptr, &out) == LT_INVALID_TOKEN);

  BOOST_REQUIRE(lt_report_signal(e.engine, R"({"kind": "complaint", "workspaceId": "ws_1", "email": "zed@acme.com",
                                               "externalId": "evt_1", "detail": "spam button"})",
                                 nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["suppressionAdded"] == true);

  BOOST_REQUIRE(lt_render_step(R"({"subject": "Hi {{firstName|there}}", "body": "<b>{{company}}</b>", "format": "html"})",
                               R"({"email": "a@b.io", "company": "A&B"})", &out) == LT_OK);
  BOOST_TEST(out.json() == Json::parse(R"({"subject": "Hi there", "body": "<b>A&amp;B</b>", "missingTokens": []})"));
}

BOOST_AUTO_TEST_CASE(files_import_and_preview) {
  Engine e;
  Out out;
  const std::string csv = e.dir.file("leads.csv");
  std::ofstream(csv) << "Work Email,First\nzoe@acme.com,Zoe\nbad,Nope\n";
  BOOST_REQUIRE(lt_preview_file(e.engine, "camp_1", csv.c_str(), R"({"columns": {"Work Email": "email", "First": "firstName"}})",
                                10, nullptr, &out) == LT_OK);
  const Json preview = out.json();
  BOOST_TEST(preview["format"] == "csv");
  BOOST_TEST(preview["delimiter"] == ",");
  BOOST_TEST(preview["columns"][1]["field"] == "firstName");
  BOOST_TEST(preview["result"]["enrolled"] == 1);
  BOOST_TEST(preview["result"]["failed"] == 1);
  BOOST_REQUIRE(lt_import_file(e.engine, "camp_1", csv.c_str(),
                               R"({"columns": {"Work Email": "email", "First": "firstName"}, "batchSize": 1})", nullptr,
                               &out) == LT_OK);
  BOOST_TEST(out.json()["enrolled"] == 1);
  BOOST_TEST(out.json()["totalInCampaign"] == 4);
}

namespace {
// A sink that appends to a std::string, or stops when there is none.
int appendTo(const char* data, size_t size, void* user) {
  if (user == nullptr) return 7;
  static_cast<std::string*>(user)->append(data, size);
  return 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(exports_stream_through_a_sink) {
  Engine e;
  Out out;
  std::string text;
  BOOST_REQUIRE(lt_export_leads(e.engine, "camp_1", "jsonl", nullptr, nullptr, appendTo, &text, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json() == Json::parse(R"({"leads": 3})"));
  BOOST_TEST(text.substr(0, text.find('\n')).find(R"("email":"ava@acme.com","firstName":"Ava")") != std::string::npos);
  text.clear();
  BOOST_REQUIRE(lt_export_leads(e.engine, "camp_1", "csv", "active", nullptr, appendTo, &text, "ws_1", &out) == LT_OK);
  BOOST_TEST(text.starts_with("email,firstName,lastName,company,jobTitle,leadterra:status,"));
  // A sink that stops ends the export; bad arguments never reach it.
  BOOST_TEST(lt_export_leads(e.engine, "camp_1", "csv", nullptr, nullptr, appendTo, nullptr, nullptr, &out) ==
             LT_STORAGE_ERROR);
  BOOST_TEST(out.text == nullptr);
  BOOST_TEST(errmsg().find("returned 7") != std::string::npos);
  BOOST_TEST(lt_export_leads(e.engine, "camp_1", "xml", nullptr, nullptr, appendTo, nullptr, nullptr, &out) ==
             LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_export_leads(e.engine, "camp_1", "csv", nullptr, nullptr, nullptr, nullptr, nullptr, &out) ==
             LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_export_leads(e.engine, "camp_1", "csv", nullptr, nullptr, appendTo, nullptr, "ws_2", &out) ==
             LT_NOT_FOUND);
}

namespace {
std::int64_t movableNow(void* user) { return *static_cast<std::int64_t*>(user); }
}  // namespace

BOOST_AUTO_TEST_CASE(a_clock_the_host_moves) {
  TempDir dir;
  std::int64_t now = leadterra::test::kSeedEpoch;
  lt_engine* engine = nullptr;
  Out out;
  BOOST_TEST(lt_open_with_clock(dir.file("x.db").c_str(), nullptr, nullptr, nullptr, &engine) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_open_with_clock(dir.file("x.db").c_str(), R"({"now": "2025-06-10T15:00:00Z"})", movableNow, &now,
                                &engine) == LT_INVALID_ARGUMENT);
  BOOST_REQUIRE(lt_open_with_clock(dir.file("x.db").c_str(), nullptr, movableNow, &now, &engine) == LT_OK);
  BOOST_REQUIRE(lt_create_workspace(engine, "ws_1", nullptr, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["createdAt"] == "2025-06-10T15:00:00Z");
  BOOST_REQUIRE(lt_create_campaign(engine, "ws_1", "camp_1", "C",
                                   R"({"steps": [{"subject": "1", "body": "1"},
                                                 {"subject": "2", "body": "2", "delayDays": 3}]})",
                                   &out) == LT_OK);
  BOOST_REQUIRE(lt_bulk_upsert(engine, "camp_1", R"({"leads": [{"email": "ava@acme.com"}]})", nullptr, nullptr, &out) ==
                LT_OK);
  BOOST_REQUIRE(lt_start_campaign(engine, "camp_1", nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_claim_due(engine, 10, 300, nullptr, &out) == LT_OK);
  const std::string id = out.json()["messages"][0]["id"];
  BOOST_REQUIRE(lt_mark_sent(engine, id.c_str(), nullptr, &out) == LT_OK);
  BOOST_REQUIRE(lt_claim_due(engine, 10, 300, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["messages"].empty());  // step 2 is 3 days away
  now += 3 * 86400;
  BOOST_REQUIRE(lt_claim_due(engine, 10, 300, nullptr, &out) == LT_OK);
  BOOST_TEST(out.json()["messages"].size() == 1);
  BOOST_TEST(out.json()["messages"][0]["step"] == 2);
  lt_close(engine);
}

BOOST_AUTO_TEST_CASE(events_after_a_cursor) {
  Engine e;
  Out out;
  BOOST_REQUIRE(lt_events(e.engine, "ws_1", nullptr, nullptr, &out) == LT_OK);
  const Json all = out.json();
  BOOST_REQUIRE(all["events"].size() == 2u);
  BOOST_TEST(all["events"][0]["kind"] == "campaign_created");
  BOOST_TEST(all["events"][1]["kind"] == "leads_upserted");
  BOOST_TEST(all["events"][1]["counts"] == Json::parse(R"({"enrolled": 3})"));
  BOOST_TEST(all["cursor"] == all["events"][1]["cursor"]);

  BOOST_REQUIRE(lt_start_campaign(e.engine, "camp_1", nullptr, &out) == LT_OK);
  const std::string query = R"({"afterCursor": )" + all["cursor"].dump() +
                            R"(, "limit": 2, "kinds": ["message_queued"], "campaignId": "camp_1"})";
  BOOST_REQUIRE(lt_events(e.engine, "ws_1", query.c_str(), "ws_1", &out) == LT_OK);
  const Json page = out.json();
  BOOST_REQUIRE(page["events"].size() == 2u);
  for (const Json& ev : page["events"]) {
    BOOST_TEST(ev["kind"] == "message_queued");
    BOOST_TEST(ev["step"] == 1);
    BOOST_TEST(ev["messageId"].get<std::string>().rfind("msg_", 0) == 0);
  }
  BOOST_TEST(page["cursor"] == page["events"][1]["cursor"]);

  BOOST_TEST(lt_events(e.engine, "ws_1", R"({"kinds": ["nope"]})", nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(errmsg().find("nope") != std::string::npos);
  BOOST_TEST(lt_events(e.engine, "ws_1", R"({"after": 1})", nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_events(e.engine, "ws_1", R"({"limit": 0})", nullptr, &out) == LT_INVALID_ARGUMENT);
  BOOST_TEST(lt_events(e.engine, "ws_1", nullptr, "ws_2", &out) == LT_NOT_FOUND);
  BOOST_TEST(out.text == nullptr);
}
