#include "export_child.hpp"

#include <fmt/format.h>
#include <leadterra/leadterra.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstdint>
#include <ctime>
#include <exception>
#include <iterator>
#include <stdexcept>
#include <iostream>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bench {

namespace {

// What a null sink saw.
struct Sunk {
  std::int64_t leads = 0;
  std::uint64_t bytes = 0;
};

Sunk engineExport(const std::string& db, const std::string& campaign) {
  leadterra::Options options;
  options.createIfMissing = false;
  auto engine = leadterra::CampaignEngine::open(db, options);
  Sunk sunk;
  sunk.leads = engine->exportLeads(campaign, leadterra::ExportFormat::csv,
                                   [&](std::string_view chunk) { sunk.bytes += chunk.size(); });
  return sunk;
}

// ---- The baseline: what a competent developer writes with the SQLite C API ----

void appendCell(std::string& out, std::string_view text) {
  if (text.find_first_of(",;\t\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string_view columnText(sqlite3_stmt* s, int i) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  return text ? std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : std::string_view();
}

class RawExport {
 public:
  explicit RawExport(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    exec("PRAGMA cache_size=-16384");
    exec("BEGIN");
  }
  ~RawExport() {
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  RawExport(const RawExport&) = delete;
  RawExport& operator=(const RawExport&) = delete;

  // The same file as the engine's: the custom keys first, then one SELECT
  // over every lead with its message that changed last, each row formatted
  // into a 64 KiB buffer that is "written" (counted) when full.
  Sunk run(const std::string& campaign) {
    const std::vector<std::string> keys = customKeys(campaign);
    Sunk sunk;
    std::string out = "email,firstName,lastName,company,jobTitle";
    for (const std::string& key : keys) appendCell(out += ',', key);
    out += ",leadterra:status,leadterra:position,leadterra:variant,leadterra:lastEvent,leadterra:lastEventAt\r\n";
    sqlite3_stmt* s = prepare(
        "SELECT l.email, l.first_name, l.last_name, l.company, l.job_title, l.custom_fields, l.status, l.position, "
        "m.variant, m.status, coalesce(m.updated_at, l.created_at) FROM leads l LEFT JOIN messages m ON m.seq = "
        "(SELECT seq FROM messages WHERE lead_seq = l.seq ORDER BY updated_at DESC, step LIMIT 1) "
        "WHERE l.campaign_id = ? ORDER BY l.ord");
    sqlite3_bind_text(s, 1, campaign.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int i = 0; i < 5; ++i) {
        if (i > 0) out += ',';
        appendCell(out, columnText(s, i));
      }
      const nlohmann::json custom = nlohmann::json::parse(columnText(s, 5));
      for (const std::string& key : keys) {
        out += ',';
        const auto it = custom.find(key);
        if (it != custom.end()) appendCell(out, it->is_string() ? it->get_ref<const std::string&>() : it->dump());
      }
      const bool message = sqlite3_column_type(s, 9) != SQLITE_NULL;
      const std::time_t at = sqlite3_column_int64(s, 10);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&at));
      fmt::format_to(std::back_inserter(out), ",{},{},{},{},{}\r\n", columnText(s, 6), sqlite3_column_int64(s, 7),
                     columnText(s, 8), message ? columnText(s, 9) : std::string_view("enrolled"), when);
      ++sunk.leads;
      if (out.size() >= 64 * 1024) {
        sunk.bytes += out.size();
        out.clear();
      }
    }
    sqlite3_finalize(s);
    sunk.bytes += out.size();
    return sunk;
  }

 private:
  std::vector<std::string> customKeys(const std::string& campaign) {
    sqlite3_stmt* s = prepare(
        "SELECT j.key FROM leads l, json_each(l.custom_fields) j WHERE l.campaign_id = ? ORDER BY l.ord");
    sqlite3_bind_text(s, 1, campaign.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::string> keys;
    std::unordered_set<std::string> seen;
    while (sqlite3_step(s) == SQLITE_ROW) {
      if (seen.emplace(columnText(s, 0)).second) keys.emplace_back(columnText(s, 0));
    }
    sqlite3_finalize(s);
    return keys;
  }

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db_));
    return s;
  }

  sqlite3* db_ = nullptr;
};

}  // namespace

int exportChildMain(int argc, char** argv) {
  if (argc != 3) return 2;
  const std::string_view side = argv[0];
  try {
    const Sunk sunk = side == "raw" ? RawExport(argv[1]).run(argv[2]) : engineExport(argv[1], argv[2]);
    std::cout << sunk.leads << ' ' << sunk.bytes << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
}

}  // namespace bench
