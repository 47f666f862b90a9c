#include "raw_baseline.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <ctime>
#include <stdexcept>

#include "leads.hpp"

namespace bench {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE leads (
  seq            INTEGER PRIMARY KEY,
  id             TEXT NOT NULL,
  campaign_id    TEXT NOT NULL,
  email          TEXT NOT NULL,
  first_name     TEXT,
  last_name      TEXT,
  company        TEXT,
  job_title      TEXT,
  custom_fields  TEXT NOT NULL DEFAULT '{}',
  position       INTEGER NOT NULL DEFAULT 0,
  status         TEXT NOT NULL DEFAULT 'active',
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (campaign_id, email)
);
CREATE TABLE suppressions (
  workspace_id  TEXT NOT NULL,
  entry         TEXT NOT NULL,
  PRIMARY KEY (workspace_id, entry)
) WITHOUT ROWID;
CREATE TABLE messages (
  seq           INTEGER PRIMARY KEY,
  campaign_id   TEXT NOT NULL,
  lead_seq      INTEGER NOT NULL,
  step          INTEGER NOT NULL,
  subject       TEXT NOT NULL,
  body          TEXT NOT NULL,
  status        TEXT NOT NULL,
  scheduled_at  INTEGER NOT NULL,
  attempts      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (lead_seq, step)
);
CREATE INDEX messages_due ON messages(status, scheduled_at);
)sql";

constexpr const char* kUpsertColumns =
    "INSERT INTO leads (id, campaign_id, email, first_name, last_name, company, job_title, custom_fields, "
    "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
    "ON CONFLICT (campaign_id, email) DO UPDATE SET first_name = excluded.first_name, "
    "last_name = excluded.last_name, company = excluded.company, job_title = excluded.job_title, "
    "custom_fields = json_patch(leads.custom_fields, excluded.custom_fields), updated_at = excluded.updated_at";

void bindField(sqlite3_stmt* s, int index, const leadterra::FieldPatch& field) {
  if (field.hasValue()) {
    sqlite3_bind_text(s, index, field.value().data(), static_cast<int>(field.value().size()), SQLITE_STATIC);
  } else {
    sqlite3_bind_null(s, index);
  }
}

void bindText(sqlite3_stmt* s, int index, std::string_view text) {
  sqlite3_bind_text(s, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

}  // namespace

RawRendered rawRender(const std::string& firstName, const std::string& company, const std::string& jobTitle,
                      const std::string& city, const std::string& industry) {
  RawRendered r;
  r.subject = "Quick question about " + company;
  std::string& b = r.body;
  b.reserve(512);
  b += "Hi ";
  b += firstName.empty() ? "there" : firstName;
  b += ",\n\nI noticed that ";
  b += company;
  b += " is growing its ";
  b += industry;
  b += " team in ";
  b += city;
  b += ". As ";
  b += jobTitle;
  b +=
      ", you are probably the person who decides how new accounts get onboarded.\n\n"
      "We help teams like yours cut onboarding time by 40% without changing their stack: most customers "
      "are live within two weeks.\n\n"
      "Would a 15-minute call next week make sense? If not, just reply \"no\" and I will not follow up.\n\n"
      "Best regards,\nSam Carter\nNorthwind Outreach";
  return r;
}

RawStore::RawStore(const std::string& path, std::int64_t cacheSizeKiB) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(fmt::format("PRAGMA cache_size=-{}", cacheSizeKiB).c_str());
  exec(kSchema);
  upsert_ = prepare(kUpsertColumns);
  upsertReturning_ = prepare(fmt::format("{} RETURNING seq", kUpsertColumns).c_str());
  suppressed_ = prepare("SELECT 1 FROM suppressions WHERE workspace_id = ?1 AND entry IN (?2, ?3)");
  message_ = prepare(
      "INSERT INTO messages (campaign_id, lead_seq, step, subject, body, status, scheduled_at, created_at, "
      "updated_at) VALUES (?1, ?2, 1, ?3, ?4, 'queued', ?5, ?5, ?5) "
      "ON CONFLICT (lead_seq, step) DO UPDATE SET subject = excluded.subject, body = excluded.body, "
      "updated_at = excluded.updated_at");
}

RawStore::~RawStore() {
  for (sqlite3_stmt* s : {upsert_, upsertReturning_, suppressed_, message_}) sqlite3_finalize(s);
  sqlite3_close(db_);
}

void RawStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(fmt::format("raw baseline: {} ({})", message, sql));
  }
}

sqlite3_stmt* RawStore::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    throw std::runtime_error(fmt::format("raw baseline: {} ({})", sqlite3_errmsg(db_), sql));
  }
  return s;
}

std::int64_t RawStore::upsert(std::string_view campaignId, std::span<const leadterra::LeadInput> rows) {
  const auto now = static_cast<sqlite3_int64>(std::time(nullptr));
  exec("BEGIN IMMEDIATE");
  std::string email;
  char id[32];
  std::int64_t written = 0;
  for (const leadterra::LeadInput& row : rows) {
    email = simpleNormalize(row.email.value());
    const auto n = fmt::format_to_n(id, sizeof id, "lead_{:026}", ++nextId_).size;
    sqlite3_bind_text(upsert_, 1, id, static_cast<int>(n), SQLITE_STATIC);
    bindText(upsert_, 2, campaignId);
    bindText(upsert_, 3, email);
    bindField(upsert_, 4, row.firstName);
    bindField(upsert_, 5, row.lastName);
    bindField(upsert_, 6, row.company);
    bindField(upsert_, 7, row.jobTitle);
    bindText(upsert_, 8, row.customFields ? std::string_view(*row.customFields) : std::string_view("{}"));
    sqlite3_bind_int64(upsert_, 9, now);
    if (sqlite3_step(upsert_) != SQLITE_DONE) {
      const std::string message = sqlite3_errmsg(db_);
      sqlite3_reset(upsert_);
      exec("ROLLBACK");
      throw std::runtime_error("raw baseline upsert: " + message);
    }
    sqlite3_reset(upsert_);
    ++written;
  }
  exec("COMMIT");
  return written;
}

RawStore::PipelineCounts RawStore::pipeline(std::string_view workspaceId, std::string_view campaignId,
                                            std::span<const leadterra::LeadInput> rows) {
  const auto now = static_cast<sqlite3_int64>(std::time(nullptr));
  auto fail = [&](sqlite3_stmt* s) {
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(s);
    exec("ROLLBACK");
    throw std::runtime_error("raw baseline pipeline: " + message);
  };
  PipelineCounts counts;
  exec("BEGIN IMMEDIATE");
  std::string email;
  char id[32];
  for (const leadterra::LeadInput& row : rows) {
    email = simpleNormalize(row.email.value());
    const std::string_view domain = std::string_view(email).substr(email.find('@') + 1);
    bindText(suppressed_, 1, workspaceId);
    bindText(suppressed_, 2, email);
    bindText(suppressed_, 3, domain);
    const int found = sqlite3_step(suppressed_);
    if (found != SQLITE_ROW && found != SQLITE_DONE) fail(suppressed_);
    sqlite3_reset(suppressed_);
    if (found == SQLITE_ROW) {
      ++counts.skipped;
      continue;
    }

    const auto n = fmt::format_to_n(id, sizeof id, "lead_{:026}", ++nextId_).size;
    sqlite3_bind_text(upsertReturning_, 1, id, static_cast<int>(n), SQLITE_STATIC);
    bindText(upsertReturning_, 2, campaignId);
    bindText(upsertReturning_, 3, email);
    bindField(upsertReturning_, 4, row.firstName);
    bindField(upsertReturning_, 5, row.lastName);
    bindField(upsertReturning_, 6, row.company);
    bindField(upsertReturning_, 7, row.jobTitle);
    bindText(upsertReturning_, 8, row.customFields ? std::string_view(*row.customFields) : std::string_view("{}"));
    sqlite3_bind_int64(upsertReturning_, 9, now);
    if (sqlite3_step(upsertReturning_) != SQLITE_ROW) fail(upsertReturning_);
    const sqlite3_int64 seq = sqlite3_column_int64(upsertReturning_, 0);
    if (sqlite3_step(upsertReturning_) != SQLITE_DONE) fail(upsertReturning_);
    sqlite3_reset(upsertReturning_);
    ++counts.written;

    // Render from the row: customFields parsed for the two keys the body uses.
    const nlohmann::json custom =
        nlohmann::json::parse(row.customFields ? *row.customFields : std::string("{}"), nullptr, false);
    auto customText = [&custom](const char* key) -> std::string {
      if (!custom.is_object()) return {};
      const auto it = custom.find(key);
      return it != custom.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const RawRendered r = rawRender(row.firstName.hasValue() ? row.firstName.value() : std::string(),
                                    row.company.value(), row.jobTitle.value(), customText("city"),
                                    customText("industry"));
    bindText(message_, 1, campaignId);
    sqlite3_bind_int64(message_, 2, seq);
    bindText(message_, 3, r.subject);
    bindText(message_, 4, r.body);
    sqlite3_bind_int64(message_, 5, now);
    if (sqlite3_step(message_) != SQLITE_DONE) fail(message_);
    sqlite3_reset(message_);
    ++counts.queued;
  }
  exec("COMMIT");
  return counts;
}

void RawStore::addSuppressions(std::string_view workspaceId, const std::vector<std::string>& entries) {
  exec("BEGIN IMMEDIATE");
  sqlite3_stmt* s = prepare("INSERT OR IGNORE INTO suppressions (workspace_id, entry) VALUES (?1, ?2)");
  for (const std::string& entry : entries) {
    bindText(s, 1, workspaceId);
    bindText(s, 2, entry);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      sqlite3_finalize(s);
      exec("ROLLBACK");
      throw std::runtime_error(std::string("raw baseline suppressions: ") + sqlite3_errmsg(db_));
    }
  }
  sqlite3_finalize(s);
  exec("COMMIT");
}

std::int64_t RawStore::count(const char* table) {
  sqlite3_stmt* s = prepare(fmt::format("SELECT count(*) FROM {}", table).c_str());
  std::int64_t n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return n;
}

}  // namespace bench
