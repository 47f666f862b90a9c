// The engine's on-disk invariants, checked from outside the engine with a
// connection of the test's own: what no crash, race or hostile input may ever
// break. The queries read the documented schema (docs/schema.md): the
// on-disk format is API.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <string>
#include <vector>

namespace leadterra::test {

struct InvariantReport {
  std::vector<std::string> problems;  // one line per violation; empty when the file is sound
  std::int64_t leads = 0;
  std::int64_t messages = 0;
  std::int64_t liveMessages = 0;
  std::int64_t sentMessages = 0;
};

namespace invariant_queries {

// Each row the query returns is a violation, described by its columns.
inline void expectNoRows(SQLite::Database& db, const char* what, const char* sql, std::vector<std::string>& problems) {
  SQLite::Statement s(db, sql);
  int shown = 0;
  while (s.executeStep()) {
    if (++shown > 5) {
      problems.push_back(std::string(what) + ": ...and more");
      break;
    }
    std::string line = what;
    line += ":";
    for (int c = 0; c < s.getColumnCount(); ++c) line += " " + s.getColumn(c).getString();
    problems.push_back(std::move(line));
  }
}

inline std::int64_t count(SQLite::Database& db, const char* sql) { return db.execAndGet(sql).getInt64(); }

}  // namespace invariant_queries

// Opens the file read-write (a killed writer leaves a WAL that the first
// connection recovers, as the engine would) and checks every invariant.
inline InvariantReport checkInvariants(const std::string& path) {
  InvariantReport r;
  SQLite::Database db(path, SQLite::OPEN_READWRITE, 10000);
  auto& p = r.problems;

  {
    SQLite::Statement s(db, "PRAGMA integrity_check");
    while (s.executeStep()) {
      const std::string line = s.getColumn(0).getString();
      if (line != "ok") p.push_back("integrity_check: " + line);
    }
  }
  invariant_queries::expectNoRows(db, "foreign key violation", "PRAGMA foreign_key_check", p);
  invariant_queries::expectNoRows(db, "duplicate lead",
                                  "SELECT campaign_id, email, count(*) FROM leads GROUP BY campaign_id, email "
                                  "HAVING count(*) > 1",
                                  p);
  invariant_queries::expectNoRows(db, "lead_count disagrees with the leads",
                                  "SELECT id, lead_count, n FROM (SELECT c.id, c.lead_count, "
                                  "(SELECT count(*) FROM leads l WHERE l.campaign_id = c.id) AS n FROM campaigns c) "
                                  "WHERE lead_count <> n",
                                  p);
  invariant_queries::expectNoRows(db, "lead with two live messages",
                                  "SELECT lead_seq, count(*) FROM messages WHERE status IN ('queued', 'claimed') "
                                  "GROUP BY lead_seq HAVING count(*) > 1",
                                  p);
  invariant_queries::expectNoRows(db, "message without its lead",
                                  "SELECT m.id FROM messages m LEFT JOIN leads l ON l.seq = m.lead_seq "
                                  "WHERE l.seq IS NULL OR l.campaign_id <> m.campaign_id",
                                  p);
  invariant_queries::expectNoRows(db, "two messages for one step",
                                  "SELECT lead_seq, step, count(*) FROM messages WHERE status <> 'cancelled' "
                                  "GROUP BY lead_seq, step HAVING count(*) > 1",
                                  p);
  invariant_queries::expectNoRows(
      db, "position disagrees with the steps sent",
      "WITH sent AS (SELECT lead_seq, max(step) AS step FROM messages WHERE status = 'sent' "
      "GROUP BY lead_seq) SELECT l.email, l.position, coalesce(sent.step, 0) FROM leads l "
      "LEFT JOIN sent ON sent.lead_seq = l.seq WHERE l.position <> coalesce(sent.step, 0)",
      p);
  invariant_queries::expectNoRows(
      db, "active lead of a running campaign with steps left but nothing queued",
      "WITH live AS (SELECT DISTINCT lead_seq FROM messages WHERE status IN ('queued', 'claimed')), "
      "steps_of AS (SELECT campaign_id, count(*) AS n FROM steps GROUP BY campaign_id) "
      "SELECT l.email, l.position FROM leads l JOIN campaigns c ON c.id = l.campaign_id "
      "JOIN steps_of ON steps_of.campaign_id = c.id LEFT JOIN live ON live.lead_seq = l.seq "
      "WHERE c.status = 'running' AND l.status IN ('active', 'paused') AND l.position < steps_of.n "
      "AND live.lead_seq IS NULL",
      p);
  invariant_queries::expectNoRows(db, "live message of a lead that is not active or paused",
                                  "SELECT m.id, l.email, l.status FROM messages m JOIN leads l ON l.seq = m.lead_seq "
                                  "WHERE m.status IN ('queued', 'claimed') AND l.status NOT IN ('active', 'paused')",
                                  p);
  // An out-of-office holds the lead's next message until the lead is back.
  invariant_queries::expectNoRows(db, "queued message of a paused lead due before its date",
                                  "SELECT m.id, l.email FROM messages m JOIN leads l ON l.seq = m.lead_seq "
                                  "WHERE m.status = 'queued' AND l.status = 'paused' AND m.scheduled_at < l.paused_until",
                                  p);
  // A reply stops its lead for good: nothing makes it active again.
  invariant_queries::expectNoRows(db, "active lead named by a reply signal",
                                  "SELECT s.id, l.email FROM signals s JOIN leads l ON l.seq = s.lead_seq "
                                  "WHERE s.kind = 'reply' AND l.status <> 'replied'",
                                  p);
  // The opt-out promise: nothing live for an address its workspace suppressed.
  invariant_queries::expectNoRows(db, "live message for a suppressed address",
                                  "SELECT m.id, l.email, s.entry FROM messages m JOIN leads l ON l.seq = m.lead_seq "
                                  "JOIN campaigns c ON c.id = l.campaign_id JOIN suppressions s ON s.workspace_id = "
                                  "c.workspace_id WHERE m.status IN ('queued', 'claimed') AND (s.entry = l.email OR "
                                  "(s.kind = 'domain' AND (substr(l.email, instr(l.email, '@') + 1) = s.entry "
                                  "OR substr(l.email, instr(l.email, '@') + 1) LIKE '%.' || s.entry)))",
                                  p);
  invariant_queries::expectNoRows(db, "message state without its timestamps",
                                  "SELECT id, status FROM messages WHERE (status = 'claimed' AND lease_until IS NULL) "
                                  "OR (status = 'sent' AND sent_at IS NULL)",
                                  p);

  r.leads = invariant_queries::count(db, "SELECT count(*) FROM leads");
  r.messages = invariant_queries::count(db, "SELECT count(*) FROM messages");
  r.liveMessages = invariant_queries::count(db, "SELECT count(*) FROM messages WHERE status IN ('queued', 'claimed')");
  r.sentMessages = invariant_queries::count(db, "SELECT count(*) FROM messages WHERE status = 'sent'");
  return r;
}

// The problems as one printable block.
inline std::string describe(const InvariantReport& r) {
  std::string out;
  for (const std::string& line : r.problems) out += line + "\n";
  return out;
}

}  // namespace leadterra::test
