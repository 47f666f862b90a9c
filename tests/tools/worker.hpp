// One worker of the concurrency and crash tests: a random mix of the calls a
// host application makes (upserts of overlapping leads, claims, sent, failed,
// replied, suppressions, reads) against one campaign, logging what it saw so
// that the test can check the engine's promises afterwards:
//   - every message it claimed (to find one handed out twice),
//   - the last customFields value it wrote per lead (to find lost updates),
//   - when its suppressions committed (to find mail claimed after an opt-out),
//   - every error, by code (busy must never reach it).
// Used by threads of the test process and by tests/tools/stress_child.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <leadterra/leadterra.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace leadterra::test {

// Wall-clock nanoseconds: comparable between processes on one machine.
inline std::int64_t wallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The shared pool of addresses every worker upserts into. Every 7th address is
// "doomed": the suppressing worker puts it on the suppression list midway;
// the domain doomed.example.com is suppressed as a whole at the same moment.
inline std::string poolEmail(int i) {
  if (i % 11 == 5) return "lead" + std::to_string(i) + "@doomed.example.com";
  return "lead" + std::to_string(i) + "@pool" + std::to_string(i % 5) + ".example.com";
}
inline bool isDoomedEmail(int i) { return i % 7 == 3; }
inline constexpr const char* kDoomedDomain = "doomed.example.com";

struct WorkerConfig {
  std::string campaignId;
  std::string workspaceId;
  int worker = 0;  // unique over all processes and threads: names its customFields key
  int operations = 200;
  int pool = 500;
  std::uint64_t seed = 1;
  bool suppressor = false;           // adds the doomed suppressions at operations / 2
  std::int64_t leaseSeconds = 3600;  // longer than the test: a claim is never legitimately handed out again
};

struct Claim {
  std::string id;
  std::string email;
  std::int64_t startedAt = 0;  // wallNanos() before claimDue was called
};

struct WorkerReport {
  int worker = 0;
  std::int64_t operations = 0;
  std::int64_t upsertRows = 0;
  std::vector<Claim> claims;
  std::vector<std::string> sent;                  // markSent calls that succeeded
  std::map<std::string, std::int64_t> lastValue;  // email -> customFields["w<worker>"] last written
  std::map<std::string, std::int64_t> errors;     // code -> count, unexpected ones
  std::vector<std::string> errorSamples;          // the first unexpected errors: message and wait
  std::map<std::string, std::int64_t> expected;   // code -> count, expected refusals (see run())
  std::int64_t suppressedAt = 0;                  // wallNanos() after addSuppressions returned; 0: never
  std::vector<std::string> suppressedEmails;
};

inline nlohmann::json toJson(const WorkerReport& r) {
  nlohmann::json claims = nlohmann::json::array();
  for (const Claim& c : r.claims) claims.push_back({c.id, c.email, c.startedAt});
  return {{"worker", r.worker},
          {"operations", r.operations},
          {"upsertRows", r.upsertRows},
          {"claims", claims},
          {"sent", r.sent},
          {"lastValue", r.lastValue},
          {"errors", r.errors},
          {"expected", r.expected},
          {"suppressedAt", r.suppressedAt},
          {"suppressedEmails", r.suppressedEmails},
          {"errorSamples", r.errorSamples}};
}

inline WorkerReport reportFromJson(const nlohmann::json& j) {
  WorkerReport r;
  r.worker = j.at("worker").get<int>();
  r.operations = j.at("operations").get<std::int64_t>();
  r.upsertRows = j.at("upsertRows").get<std::int64_t>();
  for (const auto& c : j.at("claims"))
    r.claims.push_back({c[0].get<std::string>(), c[1].get<std::string>(), c[2].get<std::int64_t>()});
  r.sent = j.at("sent").get<std::vector<std::string>>();
  r.lastValue = j.at("lastValue").get<std::map<std::string, std::int64_t>>();
  r.errors = j.at("errors").get<std::map<std::string, std::int64_t>>();
  r.expected = j.at("expected").get<std::map<std::string, std::int64_t>>();
  r.suppressedAt = j.at("suppressedAt").get<std::int64_t>();
  r.suppressedEmails = j.at("suppressedEmails").get<std::vector<std::string>>();
  r.errorSamples = j.at("errorSamples").get<std::vector<std::string>>();
  return r;
}

// The customFields key a worker owns.
inline std::string workerKey(int worker) { return "w" + std::to_string(worker); }

// Runs the mix on `engine` (which may be shared with other threads: the
// engine serializes its calls). Never throws for an engine error: it is
// counted in the report. Expected refusals, counted apart:
//   - not_found from markReplied of an address no one has enrolled yet;
//   - conflict from markFailed of a message cancelled meanwhile by a
//     suppression or a reply, and from markSent of a message failed meanwhile.
inline WorkerReport runWorker(CampaignEngine& engine, const WorkerConfig& config) {
  WorkerReport report;
  report.worker = config.worker;
  std::mt19937_64 rng(config.seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const std::string key = workerKey(config.worker);

  auto guarded = [&](auto&& call, std::initializer_list<ErrorCode> expectedCodes = {}) {
    const std::int64_t start = wallNanos();
    try {
      call();
    } catch (const Error& e) {
      for (ErrorCode c : expectedCodes) {
        if (c == e.code()) {
          ++report.expected[std::string(toString(e.code()))];
          return;
        }
      }
      ++report.errors[std::string(toString(e.code()))];
      if (report.errorSamples.size() < 5) {
        report.errorSamples.push_back(std::string(e.what()) + " after " +
                                      std::to_string((wallNanos() - start) / 1000000) + " ms");
      }
    }
  };

  for (int op = 0; op < config.operations; ++op) {
    ++report.operations;
    if (config.suppressor && op == config.operations / 2) {
      std::vector<std::string> entries{std::string("@") + kDoomedDomain};
      for (int i = 0; i < config.pool; ++i) {
        if (isDoomedEmail(i)) entries.push_back(poolEmail(i));
      }
      guarded([&] {
        (void)engine.addSuppressions(config.workspaceId, entries);
        report.suppressedAt = wallNanos();
        report.suppressedEmails = entries;
      });
      continue;
    }
    const int dice = pick(100);
    if (dice < 45) {
      // Upsert 1..20 overlapping leads; this worker's key gets the op number.
      const int rows = 1 + pick(20);
      std::vector<LeadInput> leads;
      std::vector<std::string> emails;
      for (int r = 0; r < rows; ++r) {
        LeadInput in;
        emails.push_back(poolEmail(pick(config.pool)));
        in.email = emails.back();
        in.firstName = "First" + std::to_string(config.worker);
        in.customFields = "{\"" + key + "\":" + std::to_string(op) + "}";
        leads.push_back(std::move(in));
      }
      BulkOptions options;
      options.details = true;
      guarded([&] {
        const BulkResult result = engine.bulkUpsert(config.campaignId, leads, options);
        report.upsertRows += rows;
        for (const RowResult& row : result.rows) {
          if (row.outcome == RowOutcome::enrolled || row.outcome == RowOutcome::updated) {
            report.lastValue[emails[row.index]] = op;
          }
        }
      });
    } else if (dice < 85) {
      const std::int64_t startedAt = wallNanos();
      std::vector<Message> claimed;
      guarded([&] { claimed = engine.claimDue(1 + pick(8), config.leaseSeconds); });
      for (const Message& m : claimed) {
        report.claims.push_back({m.id, m.email, startedAt});
        const int fate = pick(100);
        if (fate < 80) {
          guarded(
              [&] {
                (void)engine.markSent(m.id);
                report.sent.push_back(m.id);
              },
              {ErrorCode::conflict});
        } else if (fate < 90) {
          guarded([&] { (void)engine.markFailed(m.id, "try later", true); }, {ErrorCode::conflict});
        } else if (fate < 95) {
          guarded([&] { (void)engine.markFailed(m.id, "mailbox unknown", false); }, {ErrorCode::conflict});
        }  // else: keep holding it; its lease outlives the test
      }
    } else if (dice < 97) {
      guarded([&] {
        (void)engine.getLead(config.campaignId, poolEmail(pick(config.pool)));
        (void)engine.getCampaign(config.campaignId);
      });
    } else {
      guarded([&] { (void)engine.markReplied(config.campaignId, poolEmail(pick(config.pool))); },
              {ErrorCode::not_found});
    }
  }
  return report;
}

}  // namespace leadterra::test
