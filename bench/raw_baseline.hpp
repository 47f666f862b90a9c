// The baseline: what a competent developer writes by hand with the SQLite C
// API to upsert the same leads without the engine. It lives in the benchmark
// only; the library never uses it.
//
// Tables equivalent to the engine's: a rowid `leads` table with UNIQUE
// (campaign_id, email) and the same columns; for the running pipeline a
// `suppressions` table keyed (workspace_id, entry) and a `messages` table with
// UNIQUE (lead_seq, step) and a dispatch index. Same connection settings as
// the engine's defaults: WAL, synchronous=NORMAL, a 16 MiB page cache.
//
// Not thread-safe; one RawStore per thread.
#pragma once

#include <leadterra/lead.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace bench {

// The campaign's step 1, rendered by plain string concatenation: the same
// text the engine's template of bench::kStepBody produces for the lead.
struct RawRendered {
  std::string subject;
  std::string body;
};
[[nodiscard]] RawRendered rawRender(const std::string& firstName, const std::string& company,
                                    const std::string& jobTitle, const std::string& city,
                                    const std::string& industry);

class RawStore {
 public:
  // Creates the file and its tables. Throws std::runtime_error.
  RawStore(const std::string& path, std::int64_t cacheSizeKiB);
  ~RawStore();
  RawStore(const RawStore&) = delete;
  RawStore& operator=(const RawStore&) = delete;

  // One transaction: a prepared INSERT ... ON CONFLICT (campaign_id, email)
  // DO UPDATE per row; customFields merged with json_patch (RFC 7396, as the
  // engine merges). Returns rows written.
  std::int64_t upsert(std::string_view campaignId, std::span<const leadterra::LeadInput> rows);

  struct PipelineCounts {
    std::int64_t written = 0;
    std::int64_t skipped = 0;
    std::int64_t queued = 0;  // messages inserted or re-rendered
  };
  // One transaction, per row: a suppression lookup (the email and its
  // domain), the upsert (RETURNING seq), step 1 rendered by concatenation
  // (customFields parsed with nlohmann::json for the city and industry), and
  // an INSERT ... ON CONFLICT (lead_seq, step) DO UPDATE of the message.
  PipelineCounts pipeline(std::string_view workspaceId, std::string_view campaignId,
                          std::span<const leadterra::LeadInput> rows);

  // Not timed: fills the suppression list.
  void addSuppressions(std::string_view workspaceId, const std::vector<std::string>& entries);

  [[nodiscard]] std::int64_t count(const char* table);

 private:
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);

  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* upsertReturning_ = nullptr;
  sqlite3_stmt* suppressed_ = nullptr;
  sqlite3_stmt* message_ = nullptr;
  std::uint64_t nextId_ = 0;
};

}  // namespace bench
