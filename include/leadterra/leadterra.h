/* leadterra/leadterra.h: the C API of the campaign engine (C99).
 *
 * A stable C surface over CampaignEngine (engine.hpp), for programs in C and
 * for other languages' foreign function interfaces. It is built as its own
 * shared library, libleadterra_c (CMake: leadterra::leadterra_c; pkg-config:
 * leadterra-c), which exports only the lt_* functions declared here.
 *
 * Names. Each operation of CampaignEngine has one function here, its name
 * the C++ name in snake case with the prefix lt_: createWorkspace is
 * lt_create_workspace, removeSuppressionsBy is lt_remove_suppressions_by.
 * The free functions that take an engine (importFile, previewFile) and the
 * renderer (renderStep) follow the same rule.
 *
 * Values. Ids, emails, tokens and other short strings are plain C strings
 * (UTF-8, NUL-terminated). Complex inputs and every result travel as JSON
 * text in the shapes of the library's JSON adapter (json.hpp, docs/cli.md):
 * a result is the document the `leadterra` command-line tool prints for the
 * same operation, compact, and without the one key the tool wraps a single
 * value in ({"campaign": ...}): a campaign is returned as the campaign object
 * itself. Each function below names its result's shape. Lists are objects
 * holding the list and, for paged lists, always "nextCursor" (a string, or
 * null on the last page). Timestamps are UTC ISO-8601 with a "Z":
 * "2025-06-10T15:00:00Z".
 *
 * Scope. The last `const char* scope` parameter of a call restricts it to one
 * workspace (Scope in campaign.hpp): a campaign, message or lead of another
 * workspace is then LT_NOT_FOUND, exactly like one that does not exist.
 * NULL or "" means any workspace.
 *
 * Errors. Every function that can fail returns an lt_status: LT_OK (0), or
 * the code of the failure, one per leadterra::ErrorCode (error.hpp) plus the
 * C API's own (out of memory, internal). The failure's message, for people,
 * is read with lt_errmsg(), which is THREAD-LOCAL: it describes the most
 * recent call that returned an lt_status on the calling thread ("" after a
 * success), so that a failed lt_open, which has no handle yet, has a message
 * too, and threads sharing an engine never read each other's messages. The
 * pointer stays valid until that thread's next lt_* call; copy it to keep
 * it. No C++ exception ever leaves a function of this header: every one is
 * caught and turned into a status (std::bad_alloc into LT_OUT_OF_MEMORY).
 * On failure the output parameters are left NULL.
 *
 * Arguments. A required pointer that is NULL (an engine, an id, an output
 * parameter) is LT_INVALID_ARGUMENT, never a crash. Using an engine after
 * lt_close() is undefined behaviour, as using memory after free() is: the
 * handle is gone; set your pointer to NULL.
 *
 * Ownership. Every `char**` output is a new, NUL-terminated buffer owned by
 * the caller, to be released with lt_free() (never with free(): the library
 * may use another allocator). lt_free(NULL) does nothing. Inputs are only read
 * during the call; the library keeps no pointer to them. lt_version() and
 * lt_status_name() return static strings that must not be freed.
 *
 * Threads. An lt_engine may be shared between threads: its calls are
 * serialized by the engine (engine.hpp). For parallel work open one engine
 * per thread or process on the same file. lt_close() must not run while
 * another thread uses the same engine. The functions without an engine
 * (lt_render_step, lt_version, ...) may be called from any thread.
 */
#ifndef LEADTERRA_LEADTERRA_H
#define LEADTERRA_LEADTERRA_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(LEADTERRA_C_BUILDING)
#define LT_API __declspec(dllexport)
#else
#define LT_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define LT_API __attribute__((visibility("default")))
#else
#define LT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Handles, statuses, memory ---- */

/* An open database file: one CampaignEngine. Opaque. */
typedef struct lt_engine lt_engine;

/* The outcome of a call. The values are stable: new codes are only ever
 * added. LT_NOT_FOUND .. LT_INVALID_TOKEN are leadterra::ErrorCode in order
 * (error.hpp), each one the code's position plus one. */
typedef enum lt_status {
  LT_OK = 0,
  LT_NOT_FOUND = 1,         /* the workspace, campaign, step, lead or message does not exist (or is out
                               of scope), or the file does not exist and createIfMissing is false */
  LT_INVALID_ARGUMENT = 2,  /* malformed arguments: a bad id, entry, step or JSON text, a NULL pointer */
  LT_CONFLICT = 3,          /* contradicts stored state: a duplicate id, editing a running campaign */
  LT_NO_STEPS = 4,          /* a campaign without steps cannot start */
  LT_BUSY = 5,              /* another writer held the database past the busy timeout */
  LT_STORAGE_ERROR = 6,     /* the file could not be read or written, or no time zone database */
  LT_SCHEMA_TOO_NEW = 7,    /* the file was written by a newer version of the library */
  LT_INVALID_TOKEN = 8,     /* an unsubscribe token that is malformed, altered or not this workspace's */
  LT_OUT_OF_MEMORY = 100,   /* C API only: memory ran out; nothing was written by a failed call */
  LT_INTERNAL = 101         /* C API only: an unexpected failure inside the library (a bug) */
} lt_status;

/* The status's name as the library prints it ("ok", "not_found", ...,
 * "out_of_memory", "internal"); "unknown" for a value not listed above.
 * Static; do not free. */
LT_API const char* lt_status_name(lt_status status);

/* The message of the most recent call on this thread that returned an
 * lt_status: "" after a success. Never NULL. Thread-local; valid until this
 * thread's next lt_* call. Do not free. */
LT_API const char* lt_errmsg(void);

/* Releases a buffer that a function of this header returned. NULL: nothing. */
LT_API void lt_free(void* buffer);

/* The library's version, "0.1.0" (LEADTERRA_VERSION). Static; do not free. */
LT_API const char* lt_version(void);

/* ---- Open and close ---- */

/* Opens (or creates) the database file at `location` with the default
 * options; *out receives the engine, to be closed with lt_close().
 * LT_NOT_FOUND, LT_SCHEMA_TOO_NEW, LT_STORAGE_ERROR, LT_BUSY as
 * CampaignEngine::open. */
LT_API lt_status lt_open(const char* location, lt_engine** out);

/* The same with options, a JSON object of any of (absent keys: defaults,
 * options.hpp): {"createIfMissing": true, "busyTimeoutMs": 5000,
 * "cacheSizeKiB": 16384, "walAutocheckpointPages": 10000, "fullSync": false,
 * "idempotencyTtlSeconds": 86400, "eventLog": true, "eventMaxAgeSeconds": 7776000,
 * "eventMaxCount": 0, "now": "2025-06-10T15:00:00Z"}. "now" fixes
 * the engine's clock at that time (tests, demos); without it the system clock
 * is used. An unknown key or a value of the wrong type is LT_INVALID_ARGUMENT.
 * NULL or "" options: the defaults. */
LT_API lt_status lt_open_with(const char* location, const char* options_json, lt_engine** out);

/* Where the engine reads "now" (clock.hpp): whole seconds since
 * 1970-01-01T00:00:00Z. Called on the thread that calls the engine, while
 * the engine holds its lock: it must not call the engine, and must return
 * (a C function cannot report a failure here). */
typedef int64_t (*lt_clock_fn)(void* user_data);

/* lt_open_with, the engine reading "now" from clock(user_data) on every
 * call: a clock the host moves, for tests and simulations. clock must not be
 * NULL; options_json must not hold "now". user_data is passed as given and
 * must stay valid until lt_close. */
LT_API lt_status lt_open_with_clock(const char* location, const char* options_json, lt_clock_fn clock,
                                    void* user_data, lt_engine** out);

/* Closes the engine and frees the handle. NULL: nothing. */
LT_API void lt_close(lt_engine* engine);

/* ---- Workspaces and campaigns ----
 * Each `char** out` receives the JSON result (free it with lt_free). */

/* id: NULL or "" to generate "ws_" + ULID. name: NULL for "". rules_json:
 * NULL, or any of {"replyStopsAllCampaigns": bool, "frequencyCap": {"maxSends":
 * K, "perDays": M} | null}. *out: the workspace object. */
LT_API lt_status lt_create_workspace(lt_engine* engine, const char* id, const char* name, const char* rules_json,
                                     char** out);
/* *out: the workspace object; LT_NOT_FOUND when there is none. */
LT_API lt_status lt_get_workspace(lt_engine* engine, const char* id, char** out);
/* rules_json: the keys given are laid over the workspace's current rules
 * (as `leadterra workspace rules --set`). *out: the workspace object. */
LT_API lt_status lt_set_workspace_rules(lt_engine* engine, const char* workspace_id, const char* rules_json,
                                        char** out);

/* id: NULL or "" to generate "camp_" + ULID. steps_json: NULL (no steps yet)
 * or a steps document, {"steps": [{"subject", "body", "format",
 * "delayDays"}, ...]}, optionally with "timeZone", "sendWindow" and
 * "dailyCap" (json::parseSteps, json::parseSchedule). *out: the campaign. */
LT_API lt_status lt_create_campaign(lt_engine* engine, const char* workspace_id, const char* id, const char* name,
                                    const char* steps_json, char** out);
/* *out: the campaign object; LT_NOT_FOUND when there is none. */
LT_API lt_status lt_get_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out);

/* Step editing while the campaign is not running; steps are numbered from 1.
 * step_json: one object {"subject", "body", "format", "delayDays"}
 * (json::parseStep). *out: the campaign object. */
LT_API lt_status lt_add_step(lt_engine* engine, const char* campaign_id, const char* step_json, const char* scope,
                             char** out);
LT_API lt_status lt_replace_step(lt_engine* engine, const char* campaign_id, int64_t step_number,
                                 const char* step_json, const char* scope, char** out);
LT_API lt_status lt_remove_step(lt_engine* engine, const char* campaign_id, int64_t step_number, const char* scope,
                                char** out);

/* A/B/n variants of one step, at any status (docs/variants.md).
 * variants_json: {"variants": [{"label", "subject", "body", "weight"}, ...],
 * "winnerRule": {"minSendsPerVariant", "minHours"}} (winnerRule optional).
 * *out: the campaign object. */
LT_API lt_status lt_set_step_variants(lt_engine* engine, const char* campaign_id, int64_t step_number,
                                      const char* variants_json, const char* scope, char** out);
/* *out: {"winners": [{"step", "variant", "decidedAt", "figures": [...]}]}. */
LT_API lt_status lt_step_winners(lt_engine* engine, const char* campaign_id, const char* scope, char** out);
/* What in the campaign's steps is probably a mistake (docs/variants.md#lint).
 * *out: {"lint": [{"step", "variant", "field", "code", "message"}, ...]}. */
LT_API lt_status lt_lint_steps(lt_engine* engine, const char* campaign_id, const char* scope, char** out);
/* The step as the engine queues it for the campaign's lead with this email.
 * *out: {"variant", "subject", "body"}. */
LT_API lt_status lt_preview_step(lt_engine* engine, const char* campaign_id, int64_t step_number, const char* email,
                                 const char* scope, char** out);

/* schedule_json: {"timeZone", "sendWindow": {"days": ["mon", ...],
 * "startHour", "endHour"}, "dailyCap"} (json::parseSchedule); the sending
 * rules become exactly these, absent keys their defaults (UTC, any time, no
 * cap). *out: the campaign object. */
LT_API lt_status lt_set_schedule(lt_engine* engine, const char* campaign_id, const char* schedule_json,
                                 const char* scope, char** out);
/* rules_json: any keys of the stop rules ({"forCompany": true, ...},
 * json::parseStopRules), laid over the campaign's current rules (as
 * `leadterra campaign rules --set`). *out: the campaign object. */
LT_API lt_status lt_set_stop_rules(lt_engine* engine, const char* campaign_id, const char* rules_json,
                                   const char* scope, char** out);

/* *out: {"id", "status", "startedAt", "leadsEnrolled", "queuedMessages"}. */
LT_API lt_status lt_start_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out);
/* *out: the campaign object. */
LT_API lt_status lt_pause_campaign(lt_engine* engine, const char* campaign_id, const char* scope, char** out);

/* ---- Leads ---- */

/* Upserts a bulk body, {"leads": [...]} (json::parseLeads), in one
 * transaction. options_json: NULL, or any of {"mode": "merge" | "fillEmpty" |
 * "replace", "dryRun": bool, "idempotencyKey": "...", "details": bool,
 * "skipActiveElsewhere": bool, "skipContactedWithinDays": N} (BulkOptions).
 * Row problems are in the result, not a status. *out: the bulk result
 * {"enrolled", "updated", "skipped", "totalInCampaign", ...}. */
LT_API lt_status lt_bulk_upsert(lt_engine* engine, const char* campaign_id, const char* body_json,
                                const char* options_json, const char* scope, char** out);
/* *out: the lead object; LT_NOT_FOUND when the campaign has no such lead. */
LT_API lt_status lt_get_lead(lt_engine* engine, const char* campaign_id, const char* email, const char* scope,
                             char** out);

/* ---- Listing (docs/listing.md) ----
 * limit: 1..1000 for one page after the cursor `after` (NULL or "": from the
 * first item), or 0 for every item from `after` on (nextCursor is then
 * null). Status and time filters: NULL for none. */

/* *out: {"workspaces": [...], "nextCursor"}. */
LT_API lt_status lt_list_workspaces(lt_engine* engine, int64_t limit, const char* after, char** out);
/* *out: {"campaigns": [...], "nextCursor"}. */
LT_API lt_status lt_list_campaigns(lt_engine* engine, const char* workspace_id, int64_t limit, const char* after,
                                   const char* scope, char** out);
/* status: a lead status ("active", "replied", ...). updated_since: a
 * timestamp. *out: {"leads": [...], "nextCursor"}. */
LT_API lt_status lt_list_leads(lt_engine* engine, const char* campaign_id, const char* status,
                               const char* updated_since, int64_t limit, const char* after, const char* scope,
                               char** out);
/* *out: {"campaignId", "total", "byStatus": {...}}. */
LT_API lt_status lt_count_leads(lt_engine* engine, const char* campaign_id, const char* scope, char** out);

/* ---- Export (docs/export.md) ---- */

/* Receives an export's text a piece at a time, in order: whole rows, `size`
 * bytes at `data`, not NUL-terminated and valid only during the call (copy
 * or write it out; do not free it). Called on the calling thread while the
 * engine holds its lock: it must not call the engine. Return 0 to go on, any
 * other value to stop the export. */
typedef int (*lt_sink_fn)(const char* data, size_t size, void* user_data);

/* Streams the campaign's leads to sink(..., user_data) as CSV or JSON Lines,
 * a page at a time in one read transaction: memory does not grow with the
 * campaign, and nothing is written to the database. format: "csv" or
 * "jsonl". status, updated_since: filters as lt_list_leads's, NULL for
 * none. *out: {"leads": N}, how many leads were written. A sink that
 * returns non-zero stops the export: LT_STORAGE_ERROR, and the text it
 * received so far is not the whole export. */
LT_API lt_status lt_export_leads(lt_engine* engine, const char* campaign_id, const char* format, const char* status,
                                 const char* updated_since, lt_sink_fn sink, void* user_data, const char* scope,
                                 char** out);

/* ---- Suppression ---- */

/* entries: `count` emails or domains ("ava@acme.com", "@acme.com",
 * "acme.com"). *out: {"added", "leadsSuppressed", "messagesCancelled"}. */
LT_API lt_status lt_add_suppressions(lt_engine* engine, const char* workspace_id, const char* const* entries,
                                     size_t count, char** out);
/* *out: {"removed"}. */
LT_API lt_status lt_remove_suppressions(lt_engine* engine, const char* workspace_id, const char* const* entries,
                                        size_t count, char** out);
/* Removes the entries of `reason` ("manual", "hardBounce", "softBounces",
 * "complaint", "unsubscribe"; required) added at or after `since` and before
 * `until` (timestamps, NULL: unbounded). *out: {"removed"}. */
LT_API lt_status lt_remove_suppressions_by(lt_engine* engine, const char* workspace_id, const char* reason,
                                           const char* since, const char* until, char** out);
/* The entries matching the filter (all NULL: every entry), oldest first.
 * *out: {"entries": [...]}. */
LT_API lt_status lt_list_suppressions(lt_engine* engine, const char* workspace_id, const char* reason,
                                      const char* since, const char* until, char** out);

/* ---- Outbox ---- */

/* status: "queued", "claimed", "sent", "failed" or "cancelled", or NULL.
 * Paging as for the listings above. *out: {"messages": [...], "nextCursor"}. */
LT_API lt_status lt_list_messages(lt_engine* engine, const char* campaign_id, const char* status,
                                  const char* updated_since, int64_t limit, const char* after, const char* scope,
                                  char** out);
/* Hands out up to `limit` due messages under a lease of `lease_seconds`.
 * *out: {"messages": [...]}. */
LT_API lt_status lt_claim_due(lt_engine* engine, int64_t limit, int64_t lease_seconds, const char* scope,
                              char** out);
/* *out: the message object. */
LT_API lt_status lt_mark_sent(lt_engine* engine, const char* message_id, const char* scope, char** out);
/* retryable: non-zero to queue it again with backoff; 0: permanent, the lead
 * bounces. *out: the message object. */
LT_API lt_status lt_mark_failed(lt_engine* engine, const char* message_id, const char* reason, int retryable,
                                const char* scope, char** out);
/* *out: {"lead": {...}, "messagesCancelled"}. */
LT_API lt_status lt_mark_replied(lt_engine* engine, const char* campaign_id, const char* email, const char* scope,
                                 char** out);

/* ---- Signals (docs/signals.md) ---- */

/* signal_json: {"kind": "reply" | "autoReply" | "bounceHard" | "bounceSoft" |
 * "complaint" | "unsubscribe" | "click" | "open", and "messageId", or
 * "workspaceId" and "email" (with an optional "campaignId"), and optionally
 * "externalId", "detail", "until" (a timestamp)} (SignalInput). An unknown
 * key or a value of the wrong type is LT_INVALID_ARGUMENT. *out: {"id",
 * "duplicate", "leadsStopped", "leadsPaused", "messagesCancelled",
 * "suppressionAdded", "campaignPaused"}. */
LT_API lt_status lt_report_signal(lt_engine* engine, const char* signal_json, const char* scope, char** out);

/* ---- Events (docs/events.md) ---- */

/* The workspace's events after a cursor, oldest first. query_json: NULL, ""
 * or {"afterCursor": 0, "limit": 100, "kinds": ["message_sent", ...],
 * "campaignId": "..."} (EventQuery; absent keys: those defaults, every kind,
 * every campaign). An unknown key or kind is LT_INVALID_ARGUMENT. *out:
 * {"events": [{"cursor", "at", "kind", "workspaceId", and "campaignId",
 * "leadId", "messageId", "step", "variant", "detail", "counts" where the
 * event has them}, ...], "cursor"}: pass "cursor" as the next
 * "afterCursor". */
LT_API lt_status lt_events(lt_engine* engine, const char* workspace_id, const char* query_json, const char* scope,
                           char** out);

/* ---- Unsubscribe links ---- */

/* base_url, mailto: NULL or "" for none; both are replaced. *out:
 * {"baseUrl", "mailto"} as stored (never the secret). */
LT_API lt_status lt_set_unsubscribe_settings(lt_engine* engine, const char* workspace_id, const char* base_url,
                                             const char* mailto, const char* scope, char** out);
/* *out: {"baseUrl", "mailto"}. */
LT_API lt_status lt_get_unsubscribe_settings(lt_engine* engine, const char* workspace_id, const char* scope,
                                             char** out);
/* Replaces the workspace's secret: every link made before fails. */
LT_API lt_status lt_rotate_unsubscribe_secret(lt_engine* engine, const char* workspace_id, const char* scope);
/* *out: {"token", "url"}. */
LT_API lt_status lt_unsubscribe_link(lt_engine* engine, const char* campaign_id, const char* email,
                                     const char* scope, char** out);
/* *out: the signal result, as lt_report_signal's. */
LT_API lt_status lt_apply_unsubscribe(lt_engine* engine, const char* token, const char* scope, char** out);

/* ---- Import (import.hpp, docs/import.md) ---- */

/* Streams a .csv, .tsv or .jsonl file into the campaign in batches.
 * options_json: NULL, or any of {"format": "csv" | "jsonl", "delimiter": ","
 * | ";" | "tab", "columns": {"Work Email": "email", ...}, "batchSize": 5000,
 * "mode": "merge", "rejectsPath": "...", "keptErrors": 1000,
 * "skipActiveElsewhere": bool, "skipContactedWithinDays": N}. *out: the bulk
 * result of all batches. */
LT_API lt_status lt_import_file(lt_engine* engine, const char* campaign_id, const char* path,
                                const char* options_json, const char* scope, char** out);
/* What importing would do, writing nothing: the dry run of the first `rows`
 * rows. options_json as lt_import_file's. *out: {"format", "delimiter",
 * "columns": [...], "result": {...}}, as `leadterra leads import --dry-run`
 * prints under "preview". */
LT_API lt_status lt_preview_file(lt_engine* engine, const char* campaign_id, const char* path,
                                 const char* options_json, size_t rows, const char* scope, char** out);

/* ---- Rendering (render.hpp), without a database ---- */

/* The step (one object as lt_add_step takes) rendered for the lead a bulk
 * upsert would enroll from lead_json (one lead object, as in a bulk body).
 * *out: {"subject", "body", "missingTokens": [...]}. */
LT_API lt_status lt_render_step(const char* step_json, const char* lead_json, char** out);

#ifdef __cplusplus
}
#endif

#endif /* LEADTERRA_LEADTERRA_H */
