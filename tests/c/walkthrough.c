/* A campaign from start to finish through the C API: a workspace, a campaign
 * of two steps, a bulk upsert with a duplicate and a suppressed address, the
 * start, a claim, a send, a reply, and errors checked by their codes.
 *
 * Build: cc -std=c99 walkthrough.c $(pkg-config --cflags --libs leadterra-c)
 * Run:   ./a.out walkthrough.db   (the file is created fresh) */
#include <leadterra/leadterra.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the program when a call's status is not the expected one. */
static void expect(lt_status got, lt_status want, const char* what) {
  if (got != want) {
    fprintf(stderr, "%s: %s (%s), expected %s\n", what, lt_status_name(got), lt_errmsg(), lt_status_name(want));
    exit(1);
  }
}

static void check(int ok, const char* what, const char* json) {
  if (!ok) {
    fprintf(stderr, "unexpected result of %s: %s\n", what, json ? json : "(null)");
    exit(1);
  }
}

/* The results are compact JSON; these two helpers read one value of it, which
 * is enough here (a real program would use a JSON library). */
static long long json_int(const char* json, const char* key) {
  char pattern[64];
  const char* at;
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  at = strstr(json, pattern);
  return at ? strtoll(at + strlen(pattern), NULL, 10) : -1;
}

static int json_string(const char* json, const char* key, char* out, size_t size) {
  char pattern[64];
  const char* at;
  const char* end;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  at = strstr(json, pattern);
  if (at == NULL) return 0;
  at += strlen(pattern);
  end = strchr(at, '"');
  if (end == NULL || (size_t)(end - at) >= size) return 0;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = '\0';
  return 1;
}

static const char* const kSteps =
    "{\"steps\": ["
    "{\"subject\": \"Quick question, {{firstName}}\","
    " \"body\": \"Hi {{firstName}}, how does {{company}} book meetings today?\", \"delayDays\": 0},"
    "{\"subject\": \"Re: Quick question, {{firstName}}\","
    " \"body\": \"Hi {{firstName}}, bumping this in case it got buried.\", \"delayDays\": 3}]}";

/* Four rows: Ava twice (the second spelled in capitals: one lead, updated),
 * Marcus, and an address of a suppressed domain (skipped). */
static const char* const kLeads =
    "{\"leads\": ["
    "{\"email\": \"ava@acmecorp.com\", \"firstName\": \"Ava\", \"company\": \"Acme Corp\"},"
    "{\"email\": \"AVA@acmecorp.com\", \"lastName\": \"Chen\"},"
    "{\"email\": \"marcus@buildfast.io\", \"firstName\": \"Marcus\", \"company\": \"BuildFast\"},"
    "{\"email\": \"info@blocked.example\", \"firstName\": \"Nobody\"}]}";

int main(int argc, char** argv) {
  lt_engine* engine = NULL;
  char* out = NULL;
  char message_id[64];
  char email[128];
  char signal[256];
  const char* blocked[] = {"@blocked.example"};
  const char* campaign = "camp_walkthrough";

  if (argc != 2) {
    fprintf(stderr, "usage: %s DATABASE\n", argv[0]);
    return 2;
  }
  remove(argv[1]);
  printf("leadterra %s\n", lt_version());

  /* Opening a missing file without creating it is not_found, and nothing is made. */
  expect(lt_open_with(argv[1], "{\"createIfMissing\": false}", &engine), LT_NOT_FOUND, "open a missing file");
  check(engine == NULL && strlen(lt_errmsg()) > 0, "a failed open", lt_errmsg());

  /* The clock stands still, so that every run schedules alike. */
  expect(lt_open_with(argv[1], "{\"now\": \"2025-06-10T15:00:00Z\"}", &engine), LT_OK, "open");

  /* 1. A workspace (the tenant) with its suppression list, and a campaign. */
  expect(lt_create_workspace(engine, "ws_demo", "Demo workspace", NULL, &out), LT_OK, "create the workspace");
  lt_free(out);
  expect(lt_create_workspace(engine, "ws_demo", "Again", NULL, &out), LT_CONFLICT, "create it twice");
  check(out == NULL, "a failed call's output", NULL);
  expect(lt_add_suppressions(engine, "ws_demo", blocked, 1, &out), LT_OK, "suppress a domain");
  check(json_int(out, "added") == 1, "add_suppressions", out);
  lt_free(out);

  expect(lt_create_campaign(engine, "ws_demo", campaign, "Walkthrough", kSteps, &out), LT_OK, "create the campaign");
  check(json_int(out, "leadsEnrolled") == 0 && strstr(out, "\"status\":\"draft\"") != NULL, "create_campaign", out);
  lt_free(out);

  /* 2. Bulk upsert: deduplicated by email, the suppressed address skipped. */
  expect(lt_bulk_upsert(engine, campaign, kLeads, NULL, NULL, &out), LT_OK, "bulk upsert");
  check(json_int(out, "enrolled") == 2 && json_int(out, "updated") == 1 && json_int(out, "skipped") == 1 &&
            json_int(out, "failed") == 0 && json_int(out, "totalInCampaign") == 2,
        "bulk_upsert", out);
  lt_free(out);
  expect(lt_bulk_upsert(engine, campaign, "{\"leads\": 42}", NULL, NULL, &out), LT_INVALID_ARGUMENT, "a bad body");

  /* 3. Start: step 1 is queued for both leads. */
  expect(lt_start_campaign(engine, "camp_missing", NULL, &out), LT_NOT_FOUND, "start an unknown campaign");
  expect(lt_start_campaign(engine, campaign, NULL, &out), LT_OK, "start");
  check(json_int(out, "queuedMessages") == 2 && strstr(out, "\"status\":\"running\"") != NULL, "start_campaign", out);
  lt_free(out);

  /* 4. The sending application claims what is due, under a 300 s lease. */
  expect(lt_claim_due(engine, 1, 300, NULL, &out), LT_OK, "claim");
  check(json_string(out, "id", message_id, sizeof message_id) && json_string(out, "email", email, sizeof email) &&
            json_int(out, "step") == 1,
        "claim_due", out);
  lt_free(out);

  /* 5. It was sent: the lead moves to position 1 and step 2 is queued. */
  expect(lt_mark_sent(engine, message_id, NULL, &out), LT_OK, "mark sent");
  check(strstr(out, "\"status\":\"sent\"") != NULL, "mark_sent", out);
  lt_free(out);
  expect(lt_get_lead(engine, campaign, email, NULL, &out), LT_OK, "get the lead");
  check(json_int(out, "position") == 1 && strstr(out, "\"status\":\"active\"") != NULL, "get_lead", out);
  lt_free(out);

  /* 6. The person replied to it: the lead stops and its step 2 is cancelled. */
  snprintf(signal, sizeof signal, "{\"kind\": \"reply\", \"messageId\": \"%s\"}", message_id);
  expect(lt_report_signal(engine, signal, NULL, &out), LT_OK, "report a reply");
  check(json_int(out, "leadsStopped") == 1 && json_int(out, "messagesCancelled") == 1, "report_signal", out);
  lt_free(out);
  expect(lt_report_signal(engine, "{\"kind\": \"shrug\"}", NULL, &out), LT_INVALID_ARGUMENT, "an unknown kind");

  /* 7. The campaign's leads by status. */
  expect(lt_count_leads(engine, campaign, NULL, &out), LT_OK, "count");
  check(json_int(out, "total") == 2 && json_int(out, "replied") == 1 && json_int(out, "active") == 1, "count_leads",
        out);
  printf("%s\n", out);
  lt_free(out);

  lt_close(engine);
  printf("walkthrough: ok\n");
  return 0;
}
