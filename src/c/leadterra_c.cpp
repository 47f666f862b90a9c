// The C API (include/leadterra/leadterra.h): each function a few lines over
// CampaignEngine and the JSON adapter, like the CLI, and like the CLI it sees
// the public headers only.
//
// Every exported function is noexcept in effect: its body runs in guarded(),
// which turns every exception into an lt_status and the thread's message.
#include "leadterra/leadterra.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/import.hpp"
#include "leadterra/json.hpp"
#include "leadterra/render.hpp"
#include "leadterra/version.hpp"

struct lt_engine {
  std::unique_ptr<leadterra::CampaignEngine> engine;
};

namespace {

using leadterra::Error;
using leadterra::ErrorCode;
using Json = nlohmann::ordered_json;

static_assert(LT_NOT_FOUND == static_cast<int>(ErrorCode::not_found) + 1);
static_assert(LT_INVALID_ARGUMENT == static_cast<int>(ErrorCode::invalid_argument) + 1);
static_assert(LT_CONFLICT == static_cast<int>(ErrorCode::conflict) + 1);
static_assert(LT_NO_STEPS == static_cast<int>(ErrorCode::no_steps) + 1);
static_assert(LT_BUSY == static_cast<int>(ErrorCode::busy) + 1);
static_assert(LT_STORAGE_ERROR == static_cast<int>(ErrorCode::storage_error) + 1);
static_assert(LT_SCHEMA_TOO_NEW == static_cast<int>(ErrorCode::schema_too_new) + 1);
static_assert(LT_INVALID_TOKEN == static_cast<int>(ErrorCode::invalid_token) + 1);

// ---- The thread's message ----

thread_local std::string tMessage;
thread_local const char* tMessagePtr = "";

void setMessage(const char* text) noexcept {
  try {
    tMessage.assign(text);
    tMessagePtr = tMessage.c_str();
  } catch (...) {
    tMessagePtr = "out of memory";  // a static string needs no memory
  }
}

lt_status fail(lt_status status, const char* message) noexcept {
  setMessage(message);
  return status;
}

// Runs `body`, which returns normally on success; every exception becomes a status.
template <typename Body>
lt_status guarded(Body&& body) noexcept {
  try {
    body();
    tMessagePtr = "";
    return LT_OK;
  } catch (const Error& e) {
    return fail(static_cast<lt_status>(static_cast<int>(e.code()) + 1), e.what());
  } catch (const std::bad_alloc&) {
    return fail(LT_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(LT_INTERNAL, e.what());
  } catch (...) {
    return fail(LT_INTERNAL, "unexpected failure");
  }
}

// ---- Arguments ----

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::invalid_argument, message); }

template <typename T>
T* required(T* pointer, const char* name) {
  if (pointer == nullptr) invalid(std::string(name) + " must not be NULL");
  return pointer;
}

leadterra::CampaignEngine& engineOf(lt_engine* engine) {
  required(engine, "engine");
  if (!engine->engine) invalid("engine is closed");
  return *engine->engine;
}

std::string_view text(const char* value, const char* name) { return required(value, name); }
std::string orEmpty(const char* value) { return value == nullptr ? std::string() : std::string(value); }
bool given(const char* value) { return value != nullptr && *value != '\0'; }
leadterra::Scope scopeOf(const char* scope) { return leadterra::Scope{orEmpty(scope)}; }

// Clears the output first, so that a failure leaves it NULL.
char** output(char** out) {
  required(out, "out");
  *out = nullptr;
  return out;
}

// A caller-owned copy, released with lt_free.
void emit(char** out, std::string_view value) {
  auto* buffer = static_cast<char*>(std::malloc(value.size() + 1));
  if (buffer == nullptr) throw std::bad_alloc();
  std::memcpy(buffer, value.data(), value.size());
  buffer[value.size()] = '\0';
  *out = buffer;
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A JSON object given as text: NULL or "" is an empty object.
Json objectOf(const char* textValue, const char* name) {
  if (!given(textValue)) return Json::object();
  Json doc = Json::parse(textValue, nullptr, false);
  if (!doc.is_object()) invalid(std::string(name) + " must be a JSON object");
  return doc;
}

const Json& typed(const Json& object, const std::string& key, bool ok, const char* what) {
  if (!ok) invalid("\"" + key + "\" must be " + what);
  return object.at(key);
}
std::string stringAt(const Json& object, const std::string& key) {
  return typed(object, key, object.at(key).is_string(), "a string").get<std::string>();
}
bool boolAt(const Json& object, const std::string& key) {
  return typed(object, key, object.at(key).is_boolean(), "true or false").get<bool>();
}
std::int64_t intAt(const Json& object, const std::string& key) {
  return typed(object, key, object.at(key).is_number_integer(), "a whole number").get<std::int64_t>();
}
void unknownKey(const std::string& key, const char* name) { invalid(std::string(name) + ": unknown key \"" + key + "\""); }

std::optional<leadterra::Timestamp> timeOf(const char* value) {
  if (!given(value)) return std::nullopt;
  return leadterra::json::parseTimestamp(value);
}

template <typename T, typename Parse>
std::optional<T> nameOf(const char* value, Parse parse, const char* what) {
  if (!given(value)) return std::nullopt;
  const std::optional<T> parsed = parse(value);
  if (!parsed) invalid(std::string("\"") + value + "\" is not " + what);
  return parsed;
}

// ---- Results ----

template <typename T>
std::string arrayOf(const std::vector<T>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += leadterra::json::toJson(items[i]);
  }
  out += ']';
  return out;
}

// {"<key>": [...], "nextCursor": ...}: one page (limit 1..1000), or every
// page from `after` on (limit 0).
template <typename T, typename Fetch>
std::string pages(std::string_view key, std::int64_t limit, const char* after, Fetch fetch) {
  if (limit < 0) invalid("limit must be 0 (all) or 1.." + std::to_string(leadterra::kMaxPageLimit));
  leadterra::PageRequest request{limit == 0 ? leadterra::kMaxPageLimit : limit, orEmpty(after)};
  std::vector<T> items;
  std::optional<std::string> next;
  while (true) {
    leadterra::Page<T> page = fetch(request);
    for (T& item : page.items) items.push_back(std::move(item));
    next = std::move(page.nextCursor);
    if (limit != 0 || !next) break;
    request.after = *next;
  }
  std::string out = "{" + dump(Json(std::string(key))) + ":" + arrayOf(items) + ",\"nextCursor\":";
  out += next ? dump(Json(*next)) : "null";
  out += '}';
  return out;
}

std::vector<std::string> entriesOf(const char* const* entries, size_t count) {
  if (count > 0) required(entries, "entries");
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.emplace_back(text(entries[i], "an entry"));
  return out;
}

// The cross-campaign rules' keys, which bulk and import options share; false
// for any other key.
bool crossCampaignKey(const Json& doc, const std::string& key, leadterra::CrossCampaignRules& rules) {
  if (key == "skipActiveElsewhere") {
    rules.skipActiveElsewhere = boolAt(doc, key);
  } else if (key == "skipContactedWithinDays") {
    rules.skipContactedWithinDays = intAt(doc, key);
  } else {
    return false;
  }
  return true;
}

leadterra::BulkOptions bulkOptionsOf(const char* optionsJson) {
  leadterra::BulkOptions options;
  const Json doc = objectOf(optionsJson, "options");
  for (const auto& [key, value] : doc.items()) {
    if (key == "mode") {
      const std::string mode = stringAt(doc, key);
      const auto parsed = leadterra::parseMergeMode(mode);
      if (!parsed) invalid("\"" + mode + "\" is not a merge mode: merge, fillEmpty or replace");
      options.mode = *parsed;
    } else if (key == "dryRun") {
      options.dryRun = boolAt(doc, key);
    } else if (key == "idempotencyKey") {
      options.idempotencyKey = stringAt(doc, key);
    } else if (key == "details") {
      options.details = boolAt(doc, key);
    } else if (!crossCampaignKey(doc, key, options.crossCampaign)) {
      unknownKey(key, "options");
    }
  }
  return options;
}

leadterra::ImportOptions importOptionsOf(const char* optionsJson) {
  leadterra::ImportOptions options;
  const Json doc = objectOf(optionsJson, "options");
  for (const auto& [key, value] : doc.items()) {
    if (key == "format") {
      const std::string format = stringAt(doc, key);
      if (format == "csv") {
        options.format = leadterra::LeadFileFormat::csv;
      } else if (format == "jsonl") {
        options.format = leadterra::LeadFileFormat::jsonl;
      } else if (format != "detect") {
        invalid("\"" + format + "\" is not a format: csv, jsonl or detect");
      }
    } else if (key == "delimiter") {
      const std::string delimiter = stringAt(doc, key);
      if (delimiter == "tab" || delimiter == "\t") {
        options.delimiter = '\t';
      } else if (delimiter == "," || delimiter == ";") {
        options.delimiter = delimiter[0];
      } else {
        invalid("\"" + delimiter + "\" is not a delimiter: \",\", \";\" or \"tab\"");
      }
    } else if (key == "columns") {
      if (!value.is_object()) invalid("\"columns\" must be an object of header -> field");
      for (const auto& [header, target] : value.items()) {
        if (!target.is_string()) invalid("\"columns\": the target of \"" + header + "\" must be a string");
        options.columns[header] = target.get<std::string>();
      }
    } else if (key == "batchSize") {
      const std::int64_t n = intAt(doc, key);
      if (n < 0) invalid("\"batchSize\" must be >= 1");
      options.batchSize = static_cast<std::size_t>(n);
    } else if (key == "mode") {
      const std::string mode = stringAt(doc, key);
      const auto parsed = leadterra::parseMergeMode(mode);
      if (!parsed) invalid("\"" + mode + "\" is not a merge mode: merge, fillEmpty or replace");
      options.mode = *parsed;
    } else if (key == "rejectsPath") {
      options.rejectsPath = stringAt(doc, key);
    } else if (key == "keptErrors") {
      const std::int64_t n = intAt(doc, key);
      if (n < 0) invalid("\"keptErrors\" must be >= 0");
      options.keptErrors = static_cast<std::size_t>(n);
    } else if (!crossCampaignKey(doc, key, options.crossCampaign)) {
      unknownKey(key, "options");
    }
  }
  return options;
}

// As `leadterra leads import --dry-run` prints a layout.
Json layoutJson(const leadterra::LeadFileLayout& layout) {
  Json out = Json::object();
  out["format"] = layout.format == leadterra::LeadFileFormat::jsonl ? "jsonl" : "csv";
  if (layout.delimiter == '\0') {
    out["delimiter"] = nullptr;
  } else {
    out["delimiter"] = layout.delimiter == '\t' ? std::string("tab") : std::string(1, layout.delimiter);
  }
  Json columns = Json::array();
  for (std::size_t i = 0; i < layout.columns.size(); ++i) {
    const leadterra::LeadFileColumn& column = layout.columns[i];
    Json c = Json::object();
    c["column"] = i + 1;
    c["header"] = column.header;
    if (!column.field.empty()) {
      c["field"] = column.field;
    } else if (!column.customKey.empty()) {
      c["customField"] = column.customKey;
    } else {
      c["ignored"] = true;
    }
    columns.push_back(std::move(c));
  }
  out["columns"] = std::move(columns);
  return out;
}

leadterra::SignalInput signalOf(const char* signalJson) {
  const Json doc = objectOf(required(signalJson, "signal_json"), "signal");
  leadterra::SignalInput in;
  bool kind = false;
  for (const auto& [key, value] : doc.items()) {
    if (key == "kind") {
      const std::string name = stringAt(doc, key);
      const auto parsed = leadterra::parseSignalKind(name);
      if (!parsed) invalid("\"" + name + "\" is not a signal kind");
      in.kind = *parsed;
      kind = true;
    } else if (key == "messageId") {
      in.messageId = stringAt(doc, key);
    } else if (key == "workspaceId") {
      in.workspaceId = stringAt(doc, key);
    } else if (key == "campaignId") {
      in.campaignId = stringAt(doc, key);
    } else if (key == "email") {
      in.email = stringAt(doc, key);
    } else if (key == "externalId") {
      in.externalId = stringAt(doc, key);
    } else if (key == "detail") {
      in.detail = stringAt(doc, key);
    } else if (key == "until") {
      if (!value.is_null()) in.until = leadterra::json::parseTimestamp(stringAt(doc, key));
    } else {
      unknownKey(key, "signal");
    }
  }
  if (!kind) invalid("signal: \"kind\" is required");
  return in;
}

leadterra::EventQuery eventQueryOf(const char* queryJson) {
  leadterra::EventQuery query;
  const Json doc = objectOf(queryJson, "event query");
  for (const auto& [key, value] : doc.items()) {
    if (key == "afterCursor") {
      query.afterCursor = intAt(doc, key);
    } else if (key == "limit") {
      query.limit = intAt(doc, key);
    } else if (key == "campaignId") {
      query.campaignId = stringAt(doc, key);
    } else if (key == "kinds") {
      if (!value.is_array()) invalid("event query: \"kinds\" must be an array of event kinds");
      for (const Json& kind : value) {
        const auto parsed = kind.is_string() ? leadterra::parseEventKind(kind.get<std::string>()) : std::nullopt;
        if (!parsed) invalid("event query: \"kinds\" holds " + kind.dump() + ", which is not an event kind");
        query.kinds.push_back(*parsed);
      }
    } else {
      unknownKey(key, "event query");
    }
  }
  return query;
}

leadterra::Options openOptionsOf(const char* optionsJson) {
  leadterra::Options options;
  const Json doc = objectOf(optionsJson, "options");
  for (const auto& [key, value] : doc.items()) {
    if (key == "createIfMissing") {
      options.createIfMissing = boolAt(doc, key);
    } else if (key == "busyTimeoutMs") {
      options.busyTimeout = std::chrono::milliseconds(intAt(doc, key));
    } else if (key == "cacheSizeKiB") {
      options.cacheSizeKiB = intAt(doc, key);
    } else if (key == "walAutocheckpointPages") {
      options.walAutocheckpointPages = intAt(doc, key);
    } else if (key == "fullSync") {
      options.fullSync = boolAt(doc, key);
    } else if (key == "idempotencyTtlSeconds") {
      options.idempotencyTtl = std::chrono::seconds(intAt(doc, key));
    } else if (key == "eventLog") {
      options.eventLog = boolAt(doc, key);
    } else if (key == "eventMaxAgeSeconds") {
      options.eventMaxAge = std::chrono::seconds(intAt(doc, key));
    } else if (key == "eventMaxCount") {
      options.eventMaxCount = intAt(doc, key);
    } else if (key == "now") {
      const leadterra::Timestamp now = leadterra::json::parseTimestamp(stringAt(doc, key));
      options.clock = [now] { return now; };
    } else {
      unknownKey(key, "options");
    }
  }
  return options;
}

}  // namespace

extern "C" {

// ---- Statuses, memory ----

const char* lt_status_name(lt_status status) {
  // The ErrorCode names as error.hpp spells them (c_api_test compares them).
  switch (status) {
    case LT_OK: return "ok";
    case LT_NOT_FOUND: return "not_found";
    case LT_INVALID_ARGUMENT: return "invalid_argument";
    case LT_CONFLICT: return "conflict";
    case LT_NO_STEPS: return "no_steps";
    case LT_BUSY: return "busy";
    case LT_STORAGE_ERROR: return "storage_error";
    case LT_SCHEMA_TOO_NEW: return "schema_too_new";
    case LT_INVALID_TOKEN: return "invalid_token";
    case LT_OUT_OF_MEMORY: return "out_of_memory";
    case LT_INTERNAL: return "internal";
  }
  return "unknown";
}

const char* lt_errmsg(void) { return tMessagePtr; }

void lt_free(void* buffer) { std::free(buffer); }

const char* lt_version(void) { return LEADTERRA_VERSION; }

// ---- Open and close ----

namespace {
lt_status openEngine(const char* location, const char* optionsJson, lt_clock_fn clock, void* userData, bool withClock,
               lt_engine** out) {
  return guarded([&] {
    required(out, "out");
    *out = nullptr;
    const std::string path(text(location, "location"));
    leadterra::Options options = openOptionsOf(optionsJson);
    if (withClock) {
      required(clock, "clock");
      if (options.clock) invalid("options: \"now\" and a clock exclude each other");
      options.clock = [clock, userData] { return leadterra::Timestamp(std::chrono::seconds(clock(userData))); };
    }
    auto handle = std::make_unique<lt_engine>();
    handle->engine = leadterra::CampaignEngine::open(path, std::move(options));
    *out = handle.release();
  });
}
}  // namespace

lt_status lt_open(const char* location, lt_engine** out) {
  return openEngine(location, nullptr, nullptr, nullptr, false, out);
}

lt_status lt_open_with(const char* location, const char* options_json, lt_engine** out) {
  return openEngine(location, options_json, nullptr, nullptr, false, out);
}

lt_status lt_open_with_clock(const char* location, const char* options_json, lt_clock_fn clock, void* user_data,
                             lt_engine** out) {
  return openEngine(location, options_json, clock, user_data, true, out);
}

void lt_close(lt_engine* engine) {
  delete engine;  // the engine's destructor does not throw
}

// ---- Workspaces and campaigns ----

lt_status lt_create_workspace(lt_engine* engine, const char* id, const char* name, const char* rules_json,
                              char** out) {
  return guarded([&] {
    output(out);
    leadterra::WorkspaceSpec spec{orEmpty(id), orEmpty(name), {}};
    if (given(rules_json)) spec.rules = leadterra::json::parseWorkspaceRules(rules_json);
    emit(out, leadterra::json::toJson(engineOf(engine).createWorkspace(spec)));
  });
}

lt_status lt_get_workspace(lt_engine* engine, const char* id, char** out) {
  return guarded([&] {
    output(out);
    const std::string_view wanted = text(id, "id");
    const auto workspace = engineOf(engine).getWorkspace(wanted);
    if (!workspace) throw Error(ErrorCode::not_found, "workspace '" + std::string(wanted) + "' not found");
    emit(out, leadterra::json::toJson(*workspace));
  });
}

lt_status lt_set_workspace_rules(lt_engine* engine, const char* workspace_id, const char* rules_json, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    const std::string_view rules = text(rules_json, "rules_json");
    const auto workspace = e.getWorkspace(id);
    if (!workspace) throw Error(ErrorCode::not_found, "workspace '" + std::string(id) + "' not found");
    const leadterra::WorkspaceRules next = leadterra::json::parseWorkspaceRules(rules, workspace->rules);
    emit(out, leadterra::json::toJson(e.setWorkspaceRules(id, next)));
  });
}

lt_status lt_create_campaign(lt_engine* engine, const char* workspace_id, const char* id, const char* name,
                             const char* steps_json, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignSpec spec;
    spec.workspaceId = text(workspace_id, "workspace_id");
    spec.id = orEmpty(id);
    spec.name = orEmpty(name);
    if (given(steps_json)) {
      spec.steps = leadterra::json::parseSteps(steps_json);
      spec.schedule = leadterra::json::parseSchedule(steps_json);
    }
    emit(out, leadterra::json::toJson(engineOf(engine).createCampaign(spec)));
  });
}

lt_status lt_get_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    const std::string_view id = text(campaign_id, "campaign_id");
    const auto campaign = engineOf(engine).getCampaign(id, scopeOf(scope));
    if (!campaign) throw Error(ErrorCode::not_found, "campaign '" + std::string(id) + "' not found");
    emit(out, leadterra::json::toJson(*campaign));
  });
}

lt_status lt_add_step(lt_engine* engine, const char* campaign_id, const char* step_json, const char* scope,
                      char** out) {
  return guarded([&] {
    output(out);
    const leadterra::Step step = leadterra::json::parseStep(text(step_json, "step_json"));
    emit(out, leadterra::json::toJson(engineOf(engine).addStep(text(campaign_id, "campaign_id"), step, scopeOf(scope))));
  });
}

lt_status lt_replace_step(lt_engine* engine, const char* campaign_id, int64_t step_number, const char* step_json,
                          const char* scope, char** out) {
  return guarded([&] {
    output(out);
    const leadterra::Step step = leadterra::json::parseStep(text(step_json, "step_json"));
    emit(out, leadterra::json::toJson(
                  engineOf(engine).replaceStep(text(campaign_id, "campaign_id"), step_number, step, scopeOf(scope))));
  });
}

lt_status lt_remove_step(lt_engine* engine, const char* campaign_id, int64_t step_number, const char* scope,
                         char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(
                  engineOf(engine).removeStep(text(campaign_id, "campaign_id"), step_number, scopeOf(scope))));
  });
}

}  // extern "C"

namespace {

// {"key": [item, ...]}, each item as json::toJson writes it.
template <typename T>
std::string listDocument(std::string_view key, const std::vector<T>& items) {
  std::string doc = "{\"" + std::string(key) + "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) doc += ',';
    doc += leadterra::json::toJson(items[i]);
  }
  return doc + "]}";
}

}  // namespace

extern "C" {

lt_status lt_set_step_variants(lt_engine* engine, const char* campaign_id, int64_t step_number,
                               const char* variants_json, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    // Read as a step with only variants: the same reader and messages.
    const leadterra::Step step = leadterra::json::parseStep(text(variants_json, "variants_json"));
    if (!step.subject.empty() || !step.body.empty() || step.variants.empty()) {
      invalid(R"(variants_json must be {"variants": [...], "winnerRule": {...}})");
    }
    emit(out, leadterra::json::toJson(engineOf(engine).setStepVariants(
                  text(campaign_id, "campaign_id"), step_number, step.variants, step.winnerRule, scopeOf(scope))));
  });
}

lt_status lt_step_winners(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, listDocument("winners", engineOf(engine).stepWinners(text(campaign_id, "campaign_id"), scopeOf(scope))));
  });
}

lt_status lt_lint_steps(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, listDocument("lint", engineOf(engine).lintSteps(text(campaign_id, "campaign_id"), scopeOf(scope))));
  });
}

lt_status lt_preview_step(lt_engine* engine, const char* campaign_id, int64_t step_number, const char* email,
                          const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).previewStep(text(campaign_id, "campaign_id"), step_number,
                                                                   text(email, "email"), scopeOf(scope))));
  });
}

lt_status lt_set_schedule(lt_engine* engine, const char* campaign_id, const char* schedule_json, const char* scope,
                          char** out) {
  return guarded([&] {
    output(out);
    const leadterra::CampaignSchedule schedule = leadterra::json::parseSchedule(text(schedule_json, "schedule_json"));
    emit(out, leadterra::json::toJson(
                  engineOf(engine).setSchedule(text(campaign_id, "campaign_id"), schedule, scopeOf(scope))));
  });
}

lt_status lt_set_stop_rules(lt_engine* engine, const char* campaign_id, const char* rules_json, const char* scope,
                            char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    const std::string_view rules = text(rules_json, "rules_json");
    const auto campaign = e.getCampaign(id, scopeOf(scope));
    if (!campaign) throw Error(ErrorCode::not_found, "campaign '" + std::string(id) + "' not found");
    const leadterra::StopRules next = leadterra::json::parseStopRules(rules, campaign->stopRules);
    emit(out, leadterra::json::toJson(e.setStopRules(id, next, scopeOf(scope))));
  });
}

lt_status lt_start_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).startCampaign(text(campaign_id, "campaign_id"), scopeOf(scope))));
  });
}

lt_status lt_pause_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).pauseCampaign(text(campaign_id, "campaign_id"), scopeOf(scope))));
  });
}

// ---- Leads ----

lt_status lt_bulk_upsert(lt_engine* engine, const char* campaign_id, const char* body_json, const char* options_json,
                         const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    const leadterra::BulkOptions options = bulkOptionsOf(options_json);
    const std::vector<leadterra::LeadRow> rows = leadterra::json::parseLeads(text(body_json, "body_json"));
    emit(out, leadterra::json::toJson(e.bulkUpsert(id, rows, options, scopeOf(scope))));
  });
}

lt_status lt_get_lead(lt_engine* engine, const char* campaign_id, const char* email, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    const std::string_view id = text(campaign_id, "campaign_id");
    const std::string_view address = text(email, "email");
    const auto lead = engineOf(engine).getLead(id, address, scopeOf(scope));
    if (!lead) {
      throw Error(ErrorCode::not_found,
                  "lead '" + std::string(address) + "' not found in campaign '" + std::string(id) + "'");
    }
    emit(out, leadterra::json::toJson(*lead));
  });
}

// ---- Listing ----

lt_status lt_list_workspaces(lt_engine* engine, int64_t limit, const char* after, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    emit(out, pages<leadterra::Workspace>("workspaces", limit, after,
                                          [&](const leadterra::PageRequest& p) { return e.listWorkspaces(p); }));
  });
}

lt_status lt_list_campaigns(lt_engine* engine, const char* workspace_id, int64_t limit, const char* after,
                            const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    const leadterra::Scope s = scopeOf(scope);
    emit(out, pages<leadterra::Campaign>("campaigns", limit, after,
                                         [&](const leadterra::PageRequest& p) { return e.listCampaigns(id, p, s); }));
  });
}

lt_status lt_list_leads(lt_engine* engine, const char* campaign_id, const char* status, const char* updated_since,
                        int64_t limit, const char* after, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    leadterra::LeadFilter filter;
    filter.status = nameOf<leadterra::LeadStatus>(status, leadterra::parseLeadStatus, "a lead status");
    filter.updatedSince = timeOf(updated_since);
    const leadterra::Scope s = scopeOf(scope);
    emit(out, pages<leadterra::Lead>("leads", limit, after,
                                     [&](const leadterra::PageRequest& p) { return e.listLeads(id, filter, p, s); }));
  });
}

lt_status lt_count_leads(lt_engine* engine, const char* campaign_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).countLeads(text(campaign_id, "campaign_id"), scopeOf(scope))));
  });
}

// ---- Export ----

lt_status lt_export_leads(lt_engine* engine, const char* campaign_id, const char* format, const char* status,
                          const char* updated_since, lt_sink_fn sink, void* user_data, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    const std::string_view name = text(format, "format");
    if (name != "csv" && name != "jsonl") invalid("format must be \"csv\" or \"jsonl\"");
    required(sink, "sink");
    leadterra::ExportOptions options;
    options.filter.status = nameOf<leadterra::LeadStatus>(status, leadterra::parseLeadStatus, "a lead status");
    options.filter.updatedSince = timeOf(updated_since);
    const std::int64_t leads = e.exportLeads(
        id, name == "csv" ? leadterra::ExportFormat::csv : leadterra::ExportFormat::jsonl,
        [&](std::string_view chunk) {
          if (const int stop = sink(chunk.data(), chunk.size(), user_data); stop != 0) {
            throw Error(ErrorCode::storage_error,
                        "the sink stopped the export (it returned " + std::to_string(stop) + ")");
          }
        },
        options, scopeOf(scope));
    Json doc = Json::object();
    doc["leads"] = leads;
    emit(out, dump(doc));
  });
}

// ---- Suppression ----

lt_status lt_add_suppressions(lt_engine* engine, const char* workspace_id, const char* const* entries, size_t count,
                              char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    const leadterra::SuppressionResult r = e.addSuppressions(id, entriesOf(entries, count));
    Json doc = Json::object();
    doc["added"] = r.added;
    doc["leadsSuppressed"] = r.leadsSuppressed;
    doc["messagesCancelled"] = r.messagesCancelled;
    emit(out, dump(doc));
  });
}

lt_status lt_remove_suppressions(lt_engine* engine, const char* workspace_id, const char* const* entries,
                                 size_t count, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    const leadterra::SuppressionResult r = e.removeSuppressions(id, entriesOf(entries, count));
    emit(out, "{\"removed\":" + std::to_string(r.removed) + "}");
  });
}

namespace {
leadterra::SuppressionFilter suppressionFilterOf(const char* reason, const char* since, const char* until) {
  leadterra::SuppressionFilter filter;
  filter.reason =
      nameOf<leadterra::SuppressionReason>(reason, leadterra::parseSuppressionReason, "a suppression reason");
  filter.since = timeOf(since);
  filter.until = timeOf(until);
  return filter;
}
}  // namespace

lt_status lt_remove_suppressions_by(lt_engine* engine, const char* workspace_id, const char* reason,
                                    const char* since, const char* until, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    const leadterra::SuppressionResult r = e.removeSuppressionsBy(id, suppressionFilterOf(reason, since, until));
    emit(out, "{\"removed\":" + std::to_string(r.removed) + "}");
  });
}

lt_status lt_list_suppressions(lt_engine* engine, const char* workspace_id, const char* reason, const char* since,
                               const char* until, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(workspace_id, "workspace_id");
    emit(out, "{\"entries\":" + arrayOf(e.listSuppressions(id, suppressionFilterOf(reason, since, until))) + "}");
  });
}

// ---- Outbox ----

lt_status lt_list_messages(lt_engine* engine, const char* campaign_id, const char* status, const char* updated_since,
                           int64_t limit, const char* after, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    leadterra::MessageFilter filter;
    filter.status = nameOf<leadterra::MessageStatus>(status, leadterra::parseMessageStatus, "a message status");
    filter.updatedSince = timeOf(updated_since);
    const leadterra::Scope s = scopeOf(scope);
    emit(out, pages<leadterra::Message>("messages", limit, after, [&](const leadterra::PageRequest& p) {
      return e.listMessages(id, filter, p, s);
    }));
  });
}

lt_status lt_claim_due(lt_engine* engine, int64_t limit, int64_t lease_seconds, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, "{\"messages\":" + arrayOf(engineOf(engine).claimDue(limit, lease_seconds, scopeOf(scope))) + "}");
  });
}

lt_status lt_mark_sent(lt_engine* engine, const char* message_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).markSent(text(message_id, "message_id"), scopeOf(scope))));
  });
}

lt_status lt_mark_failed(lt_engine* engine, const char* message_id, const char* reason, int retryable,
                         const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).markFailed(text(message_id, "message_id"),
                                                                  text(reason, "reason"), retryable != 0,
                                                                  scopeOf(scope))));
  });
}

lt_status lt_mark_replied(lt_engine* engine, const char* campaign_id, const char* email, const char* scope,
                          char** out) {
  return guarded([&] {
    output(out);
    const leadterra::ReplyResult r =
        engineOf(engine).markReplied(text(campaign_id, "campaign_id"), text(email, "email"), scopeOf(scope));
    emit(out, "{\"lead\":" + leadterra::json::toJson(r.lead) +
                  ",\"messagesCancelled\":" + std::to_string(r.messagesCancelled) + "}");
  });
}

// ---- Signals ----

lt_status lt_report_signal(lt_engine* engine, const char* signal_json, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    emit(out, leadterra::json::toJson(e.reportSignal(signalOf(signal_json), scopeOf(scope))));
  });
}

// ---- Events ----

lt_status lt_events(lt_engine* engine, const char* workspace_id, const char* query_json, const char* scope,
                    char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    emit(out, leadterra::json::toJson(e.events(text(workspace_id, "workspace_id"), eventQueryOf(query_json),
                                               scopeOf(scope))));
  });
}

// ---- Unsubscribe links ----

lt_status lt_set_unsubscribe_settings(lt_engine* engine, const char* workspace_id, const char* base_url,
                                      const char* mailto, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    const leadterra::UnsubscribeSettings settings{orEmpty(base_url), orEmpty(mailto)};
    emit(out, leadterra::json::toJson(
                  engineOf(engine).setUnsubscribeSettings(text(workspace_id, "workspace_id"), settings, scopeOf(scope))));
  });
}

lt_status lt_get_unsubscribe_settings(lt_engine* engine, const char* workspace_id, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(
                  engineOf(engine).getUnsubscribeSettings(text(workspace_id, "workspace_id"), scopeOf(scope))));
  });
}

lt_status lt_rotate_unsubscribe_secret(lt_engine* engine, const char* workspace_id, const char* scope) {
  return guarded(
      [&] { engineOf(engine).rotateUnsubscribeSecret(text(workspace_id, "workspace_id"), scopeOf(scope)); });
}

lt_status lt_unsubscribe_link(lt_engine* engine, const char* campaign_id, const char* email, const char* scope,
                              char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(
                  engineOf(engine).unsubscribeLink(text(campaign_id, "campaign_id"), text(email, "email"), scopeOf(scope))));
  });
}

lt_status lt_apply_unsubscribe(lt_engine* engine, const char* token, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    emit(out, leadterra::json::toJson(engineOf(engine).applyUnsubscribe(text(token, "token"), scopeOf(scope))));
  });
}

// ---- Import ----

lt_status lt_import_file(lt_engine* engine, const char* campaign_id, const char* path, const char* options_json,
                         const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    const std::string file(text(path, "path"));
    emit(out, leadterra::json::toJson(leadterra::importFile(e, id, file, importOptionsOf(options_json), scopeOf(scope))));
  });
}

lt_status lt_preview_file(lt_engine* engine, const char* campaign_id, const char* path, const char* options_json,
                          size_t rows, const char* scope, char** out) {
  return guarded([&] {
    output(out);
    leadterra::CampaignEngine& e = engineOf(engine);
    const std::string_view id = text(campaign_id, "campaign_id");
    const std::string file(text(path, "path"));
    const leadterra::ImportPreview preview =
        leadterra::previewFile(e, id, file, importOptionsOf(options_json), rows, scopeOf(scope));
    Json doc = layoutJson(preview.layout);
    doc["result"] = Json::parse(leadterra::json::toJson(preview.result));
    emit(out, dump(doc));
  });
}

// ---- Rendering ----

lt_status lt_render_step(const char* step_json, const char* lead_json, char** out) {
  return guarded([&] {
    output(out);
    const leadterra::Step step = leadterra::json::parseStep(text(step_json, "step_json"));
    const leadterra::LeadRow row = leadterra::json::parseLead(given(lead_json) ? lead_json : "{}");
    if (row.defect == leadterra::RowDefect::malformed) invalid("lead_json must be a JSON object");
    if (row.defect == leadterra::RowDefect::wrongType) {
      invalid("lead_json: \"" + row.defectField + "\" must be " +
              (row.defectField == "customFields" ? "an object or null" : "a string or null"));
    }
    const leadterra::RenderedStep rendered = leadterra::renderStep(step, row.lead);
    Json doc = Json::object();
    doc["subject"] = rendered.subject;
    doc["body"] = rendered.body;
    doc["missingTokens"] = leadterra::missingTokens(step, row.lead);
    emit(out, dump(doc));
  });
}

}  // extern "C"
