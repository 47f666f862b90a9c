// Leads: the hot path of bulk upserts (one INSERT per new lead, one SELECT
// per existing one, both on the (campaign_id, email) key).
#include <fmt/format.h>

#include <tuple>
#include <unordered_set>

#include "storage/row.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store::sqlite {

using detail::bindOptView;
using detail::seconds;
using detail::storedEnum;
using detail::timeAt;

namespace {

constexpr const char* kLeadColumns =
    "leads.seq, leads.id, leads.email, leads.first_name, leads.last_name, leads.company, leads.job_title, "
    "leads.custom_fields, leads.position, leads.status, leads.created_at, leads.updated_at, leads.ord, "
    "leads.paused_until";

LeadRecord readLead(SQLite::Statement& s) {
  LeadRecord r;
  r.seq = s.getColumn(0).getInt64();
  r.id = s.getColumn(1).getString();
  r.email = s.getColumn(2).getString();
  r.firstName = detail::optText(s, 3);
  r.lastName = detail::optText(s, 4);
  r.company = detail::optText(s, 5);
  r.jobTitle = detail::optText(s, 6);
  r.customFields = CustomFields::fromStored(s.getColumn(7).getString());
  r.position = s.getColumn(8).getInt64();
  r.status = storedEnum(s, 9, parseLeadStatus, "lead status");
  r.createdAt = timeAt(s, 10);
  r.updatedAt = timeAt(s, 11);
  r.ord = s.getColumn(12).getInt64();
  r.pausedUntil = detail::optTime(s, 13);
  return r;
}

// All of a campaign's leads, then those of each status in enumerator order:
// one pass over leads_by_campaign alone, never a lead's row, and no sort.
std::string countsSql() {
  std::string sql = "SELECT count(*)";
  for (std::size_t i = 0; i < std::tuple_size_v<StatusCounts>; ++i) {
    sql += fmt::format(", count(*) FILTER (WHERE status = {})", sqlName(static_cast<LeadStatus>(i)));
  }
  return sql + " FROM leads WHERE campaign_id = ?";
}

// A page of a campaign's leads (?1) past an ord (?2), by status (?3) and
// updatedAt (?4) when given, at most ?5 of them; bound by bindPage.
constexpr const char* kPageWhere =
    "WHERE leads.campaign_id = ?1 AND leads.ord > ?2 AND (?3 IS NULL OR leads.status = ?3) "
    "AND (?4 IS NULL OR leads.updated_at >= ?4) ORDER BY leads.ord LIMIT ?5";

void bindPage(SQLite::Statement& s, std::string_view campaignId, const LeadFilter& filter, std::int64_t afterOrd,
              std::int64_t limit) {
  s.bind(1, std::string(campaignId));
  s.bind(2, afterOrd);
  if (filter.status) s.bindNoCopy(3, toString(*filter.status).data());  // else NULL: any
  if (filter.updatedSince) s.bind(4, seconds(*filter.updatedSince));
  s.bind(5, limit);
}

// The latest message's columns after kLeadColumns; NULL when it has none.
std::optional<LatestMessage> readLatest(SQLite::Statement& s, int first) {
  if (s.isColumnNull(first + 1)) return std::nullopt;
  return LatestMessage{s.getColumn(first).getString(), storedEnum(s, first + 1, parseMessageStatus, "message status"),
                       timeAt(s, first + 2)};
}

constexpr int kLeadColumnCount = 14;

LeadRef readRef(SQLite::Statement& s) {
  return {s.getColumn(0).getInt64(), storedEnum(s, 1, parseLeadStatus, "lead status"), s.getColumn(2).getString()};
}

}  // namespace

SqliteLeadStore::SqliteLeadStore(Database& db)
    : db_(db),
      // The campaign's largest ord through leads_by_campaign (campaign_id, ord, ...).
      nextSeq_(db,
               "SELECT max(coalesce((SELECT max(seq) FROM leads), 0), "
               "coalesce((SELECT max(ord) FROM leads WHERE campaign_id = ?), 0)) + 1"),
      insert_(db,
              "INSERT INTO leads (seq, id, campaign_id, email, first_name, last_name, company, job_title, "
              "custom_fields, position, status, created_at, updated_at, ord) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (campaign_id, email) DO NOTHING"),
      find_(db, fmt::format("SELECT {} FROM leads WHERE campaign_id = ? AND email = ?", kLeadColumns)),
      get_(db, fmt::format("SELECT {} FROM leads WHERE seq = ?", kLeadColumns)),
      update_(db,
              "UPDATE leads SET first_name = ?, last_name = ?, company = ?, job_title = ?, custom_fields = ?, "
              "status = ?, paused_until = ?, updated_at = ? WHERE seq = ?"),
      setStatus_(db, "UPDATE leads SET status = ?, paused_until = NULL, updated_at = ? WHERE seq = ?"),
      pause_(db, fmt::format("UPDATE leads SET status = {}, paused_until = ?, updated_at = ? WHERE seq = ?",
                             sqlName(LeadStatus::paused))),
      // Through leads_paused: only the paused leads are read.
      resume_(db, fmt::format("UPDATE leads SET status = {}, paused_until = NULL, updated_at = ?1 "
                              "WHERE status = {} AND paused_until <= ?1",
                              sqlName(LeadStatus::active), sqlName(LeadStatus::paused))),
      setPosition_(db, "UPDATE leads SET position = ?, updated_at = ? WHERE seq = ?"),
      countPast_(db, "SELECT count(*) FROM leads WHERE campaign_id = ? AND position >= ?"),
      awaiting_(db, fmt::format("SELECT {} FROM leads WHERE leads.campaign_id = ? AND leads.status IN ({}, {}) "
                                "AND leads.position < ? AND NOT EXISTS (SELECT 1 FROM messages m "
                                "WHERE m.lead_seq = leads.seq AND m.status IN {}) ORDER BY leads.ord",
                                kLeadColumns, sqlName(LeadStatus::active), sqlName(LeadStatus::paused),
                                liveStatuses())),
      findRef_(db, "SELECT seq, status, email FROM leads WHERE campaign_id = ? AND email = ?"),
      // CROSS JOIN keeps campaigns outside: campaigns_by_workspace, then the
      // (campaign_id, email) key of each campaign with leads.
      inWorkspace_(db,
                   "SELECT l.seq, c.id, c.status, l.status FROM campaigns c CROSS JOIN leads l "
                   "WHERE c.workspace_id = ?1 AND c.lead_count > 0 AND l.campaign_id = c.id AND l.email = ?2"),
      refs_(db, "SELECT seq, status, email FROM leads WHERE campaign_id = ?"),
      // Through leads_by_campaign (campaign_id, ord, status): a page is one
      // range of it, and the status is checked in it before a row is read.
      page_(db, fmt::format("SELECT {} FROM leads {}", kLeadColumns, kPageWhere)),
      // The lead's messages by messages_one_per_step (lead_seq, step): one
      // index range (a message per step at most) per lead of the page.
      // Keyed by (ord, seq), not ord alone: two leads may share an ord (see
      // exportPage in stores.hpp), and a page must not end between them.
      exportPage_(db, fmt::format("SELECT {}, m.variant, m.status, m.updated_at FROM leads "
                                  "LEFT JOIN messages m ON m.seq = (SELECT seq FROM messages "
                                  "WHERE lead_seq = leads.seq ORDER BY updated_at DESC, step LIMIT 1) "
                                  "WHERE leads.campaign_id = ?1 AND leads.ord >= ?2 AND (leads.ord > ?2 OR "
                                  "leads.seq > ?6) AND (?3 IS NULL OR leads.status = ?3) "
                                  "AND (?4 IS NULL OR leads.updated_at >= ?4) ORDER BY leads.ord, leads.seq LIMIT ?5",
                                  kLeadColumns)),
      // Every key of every lead in creation order, deduplicated by the
      // caller: a GROUP BY or ORDER BY on the keys would sort one row per key
      // of every lead, in memory (temp_store=MEMORY), 300 MB for a million
      // leads; the scan in leads_by_campaign order sorts nothing.
      customKeys_(db,
                  "SELECT j.key FROM leads l, json_each(l.custom_fields) j WHERE l.campaign_id = ? "
                  "ORDER BY l.ord"),
      counts_(db, countsSql()),
      longest_(db,
               "SELECT max(length(CAST(email AS BLOB))), max(length(CAST(first_name AS BLOB))), "
               "max(length(CAST(last_name AS BLOB))), max(length(CAST(company AS BLOB))), "
               "max(length(CAST(job_title AS BLOB))) FROM leads WHERE campaign_id = ?"),
      longestCustom_(db,
                     "SELECT j.key, max(length(CAST(j.value AS BLOB))) FROM leads l, json_each(l.custom_fields) j "
                     "WHERE l.campaign_id = ? GROUP BY j.key") {}

std::int64_t SqliteLeadStore::nextSeq(Tx&, std::string_view campaignId) {
  auto s = nextSeq_.use();
  s->bind(1, std::string(campaignId));
  s->executeStep();
  return s->getColumn(0).getInt64();
}

bool SqliteLeadStore::insert(Tx&, const std::string& campaignId, const LeadRecord& lead) {
  auto s = insert_.use();
  // Bound without copies: the strings outlive the statement's run.
  s->bind(1, lead.seq);
  s->bindNoCopy(2, lead.id);
  s->bindNoCopy(3, campaignId);
  s->bindNoCopy(4, lead.email);
  bindOptView(*s, 5, lead.firstName);
  bindOptView(*s, 6, lead.lastName);
  bindOptView(*s, 7, lead.company);
  bindOptView(*s, 8, lead.jobTitle);
  s->bindNoCopy(9, lead.customFields.text());
  s->bind(10, lead.position);
  s->bindNoCopy(11, toString(lead.status).data());  // a literal: NUL-terminated
  s->bind(12, seconds(lead.createdAt));
  s->bind(13, seconds(lead.updatedAt));
  s->bind(14, lead.ord);
  return s->exec() == 1;
}

std::optional<LeadRecord> SqliteLeadStore::find(Tx&, const std::string& campaignId, const std::string& email) {
  auto s = find_.use();
  s->bindNoCopy(1, campaignId);
  s->bindNoCopy(2, email);
  if (!s->executeStep()) return std::nullopt;
  return readLead(*s);
}

LeadRecord SqliteLeadStore::get(Tx&, std::int64_t seq) {
  auto s = get_.use();
  s->bind(1, seq);
  if (!s->executeStep()) throw Error(ErrorCode::storage_error, fmt::format("lead {} is missing", seq));
  return readLead(*s);
}

void SqliteLeadStore::update(Tx&, const LeadRecord& lead) {
  auto s = update_.use();
  bindOptView(*s, 1, lead.firstName);
  bindOptView(*s, 2, lead.lastName);
  bindOptView(*s, 3, lead.company);
  bindOptView(*s, 4, lead.jobTitle);
  s->bindNoCopy(5, lead.customFields.text());
  s->bindNoCopy(6, toString(lead.status).data());
  detail::bindOpt(*s, 7, lead.pausedUntil);
  s->bind(8, seconds(lead.updatedAt));
  s->bind(9, lead.seq);
  s->exec();
}

void SqliteLeadStore::setStatus(Tx&, std::int64_t seq, LeadStatus status, Timestamp now) {
  auto s = setStatus_.use();
  s->bindNoCopy(1, toString(status).data());
  s->bind(2, seconds(now));
  s->bind(3, seq);
  s->exec();
}

void SqliteLeadStore::pause(Tx&, std::int64_t seq, Timestamp until, Timestamp now) {
  auto s = pause_.use();
  s->bind(1, seconds(until));
  s->bind(2, seconds(now));
  s->bind(3, seq);
  s->exec();
}

std::int64_t SqliteLeadStore::resumePaused(Tx&, Timestamp now) {
  auto s = resume_.use();
  s->bind(1, seconds(now));
  return s->exec();
}

void SqliteLeadStore::setPosition(Tx&, std::int64_t seq, std::int64_t position, Timestamp now) {
  auto s = setPosition_.use();
  s->bind(1, position);
  s->bind(2, seconds(now));
  s->bind(3, seq);
  s->exec();
}

std::int64_t SqliteLeadStore::countAtOrPast(Tx&, std::string_view campaignId, std::int64_t position) {
  auto s = countPast_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, position);
  s->executeStep();
  return s->getColumn(0).getInt64();
}

void SqliteLeadStore::forEachAwaitingNextStep(Tx&, std::string_view campaignId, std::int64_t stepCount,
                                              const std::function<void(const LeadRecord&)>& fn) {
  // Inserting messages while this select runs is safe: each insert concerns
  // the lead just read, which the NOT EXISTS test has already passed.
  auto s = awaiting_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, stepCount);
  while (s->executeStep()) fn(readLead(*s));
}

std::optional<LeadRef> SqliteLeadStore::findRef(Tx&, std::string_view campaignId, std::string_view email) {
  auto s = findRef_.use();
  s->bind(1, std::string(campaignId));
  s->bind(2, std::string(email));
  if (!s->executeStep()) return std::nullopt;
  return readRef(*s);
}

std::vector<AddressLead> SqliteLeadStore::inWorkspace(Tx&, std::string_view workspaceId, std::string_view email) {
  auto s = inWorkspace_.use();
  s->bind(1, std::string(workspaceId));
  s->bind(2, std::string(email));
  std::vector<AddressLead> out;
  while (s->executeStep()) {
    out.push_back({s->getColumn(0).getInt64(), s->getColumn(1).getString(),
                   storedEnum(*s, 2, parseCampaignStatus, "campaign status"),
                   storedEnum(*s, 3, parseLeadStatus, "lead status")});
  }
  return out;
}

void SqliteLeadStore::forEachRef(Tx&, std::string_view campaignId, const std::function<void(const LeadRef&)>& fn) {
  auto s = refs_.use();
  s->bind(1, std::string(campaignId));
  while (s->executeStep()) fn(readRef(*s));
}

std::vector<LeadRecord> SqliteLeadStore::page(Tx&, std::string_view campaignId, const LeadFilter& filter,
                                              std::int64_t afterOrd, std::int64_t limit) {
  auto s = page_.use();
  bindPage(*s, campaignId, filter, afterOrd, limit);
  std::vector<LeadRecord> out;
  while (s->executeStep()) out.push_back(readLead(*s));
  return out;
}

std::vector<ExportedLead> SqliteLeadStore::exportPage(Tx&, std::string_view campaignId, const LeadFilter& filter,
                                                      const LeadKey& after, std::int64_t limit) {
  auto s = exportPage_.use();
  bindPage(*s, campaignId, filter, after.ord, limit);
  s->bind(6, after.seq);
  std::vector<ExportedLead> out;
  while (s->executeStep()) out.push_back({readLead(*s), readLatest(*s, kLeadColumnCount)});
  return out;
}

std::vector<std::string> SqliteLeadStore::customKeys(Tx&, std::string_view campaignId) {
  auto s = customKeys_.use();
  s->bind(1, std::string(campaignId));
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  while (s->executeStep()) {
    const char* key = s->getColumn(0).getText();
    if (seen.insert(key).second) keys.emplace_back(key);
  }
  return keys;
}

StatusCounts SqliteLeadStore::countByStatus(Tx&, std::string_view campaignId) {
  auto s = counts_.use();
  s->bind(1, std::string(campaignId));
  s->executeStep();
  StatusCounts counts{};
  std::int64_t known = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = s->getColumn(static_cast<int>(i) + 1).getInt64();
    known += counts[i];
  }
  if (known != s->getColumn(0).getInt64()) {
    throw Error(ErrorCode::storage_error, fmt::format("a lead of campaign '{}' has an unreadable status", campaignId));
  }
  return counts;
}

std::map<std::string, std::int64_t, std::less<>> SqliteLeadStore::longestValues(
    Tx&, std::string_view campaignId, std::map<std::string, std::int64_t, std::less<>>& custom) {
  std::map<std::string, std::int64_t, std::less<>> standard;
  {
    auto s = longest_.use();
    s->bind(1, std::string(campaignId));
    s->executeStep();
    const char* names[] = {"email", "firstName", "lastName", "company", "jobTitle"};
    for (int i = 0; i < 5; ++i) standard[names[i]] = s->isColumnNull(i) ? 0 : s->getColumn(i).getInt64();
  }
  auto s = longestCustom_.use();
  s->bind(1, std::string(campaignId));
  while (s->executeStep()) custom[s->getColumn(0).getString()] = s->getColumn(1).getInt64();
  return standard;
}

}  // namespace leadterra::store::sqlite
