// One worker of the concurrency and crash tests: a random mix of the calls a
// host application makes (upserts of overlapping leads, claims, sent, failed,
// replied, signals, suppressions, reads) against one campaign, logging what it saw so
// that the test can check the engine's promises afterwards:
//   - every message it claimed (to find one handed out twice),
//   - the last customFields value it wrote per lead (to find lost updates),
//   - which of its claims came after it had seen the suppression committed (to
//     find mail claimed after an opt-out),
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

// Milliseconds of this process's steady clock: for durations within one
// process only, never compared between processes.
inline std::int64_t steadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
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
// Leads of the doomed domain the suppressing worker enrolls just before it suppresses.
inline constexpr int kFreshDoomed = 50;

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
  // The worker had seen the doomed suppression committed before it called
  // claimDue (its own addSuppressions had returned, or a read of the
  // suppression list showed it). That claim's transaction began after the
  // suppression's commit, so it must not hand out a doomed address.
  bool afterSuppression = false;
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
  bool suppressed = false;                         // this worker's addSuppressions committed
  std::int64_t suppressionCancelled = 0;           // messages it cancelled
  std::vector<std::string> suppressedEmails;       // its entries
  std::int64_t claimCallsAfterSuppression = 0;     // claimDue calls made after the suppression was seen
};

inline nlohmann::json toJson(const WorkerReport& r) {
  nlohmann::json claims = nlohmann::json::array();
  for (const Claim& c : r.claims) claims.push_back({c.id, c.email, c.afterSuppression});
  return {{"worker", r.worker},
          {"operations", r.operations},
          {"upsertRows", r.upsertRows},
          {"claims", claims},
          {"sent", r.sent},
          {"lastValue", r.lastValue},
          {"errors", r.errors},
          {"expected", r.expected},
          {"suppressed", r.suppressed},
          {"suppressionCancelled", r.suppressionCancelled},
          {"suppressedEmails", r.suppressedEmails},
          {"claimCallsAfterSuppression", r.claimCallsAfterSuppression},
          {"errorSamples", r.errorSamples}};
}

inline WorkerReport reportFromJson(const nlohmann::json& j) {
  WorkerReport r;
  r.worker = j.at("worker").get<int>();
  r.operations = j.at("operations").get<std::int64_t>();
  r.upsertRows = j.at("upsertRows").get<std::int64_t>();
  for (const auto& c : j.at("claims"))
    r.claims.push_back({c[0].get<std::string>(), c[1].get<std::string>(), c[2].get<bool>()});
  r.sent = j.at("sent").get<std::vector<std::string>>();
  r.lastValue = j.at("lastValue").get<std::map<std::string, std::int64_t>>();
  r.errors = j.at("errors").get<std::map<std::string, std::int64_t>>();
  r.expected = j.at("expected").get<std::map<std::string, std::int64_t>>();
  r.suppressed = j.at("suppressed").get<bool>();
  r.suppressionCancelled = j.at("suppressionCancelled").get<std::int64_t>();
  r.suppressedEmails = j.at("suppressedEmails").get<std::vector<std::string>>();
  r.claimCallsAfterSuppression = j.at("claimCallsAfterSuppression").get<std::int64_t>();
  r.errorSamples = j.at("errorSamples").get<std::vector<std::string>>();
  return r;
}

// True when the workspace's suppression list holds the doomed domain, which
// the suppressing worker adds in one call with the doomed addresses: that
// call has committed.
inline bool doomedSuppressionCommitted(CampaignEngine& engine, const std::string& workspaceId) {
  for (const SuppressionEntry& e : engine.listSuppressions(workspaceId)) {
    if (e.entry == kDoomedDomain) return true;
  }
  return false;
}

// The customFields key a worker owns.
inline std::string workerKey(int worker) { return "w" + std::to_string(worker); }

// Runs the mix on `engine` (which may be shared with other threads: the
// engine serializes its calls). Never throws for an engine error: it is
// counted in the report. Expected refusals, counted apart:
//   - not_found from markReplied or a reply signal of an address no one has
//     enrolled yet;
//   - conflict from markFailed of a message cancelled meanwhile by a
//     suppression or a reply, and from markSent of a message failed meanwhile.
inline WorkerReport runWorker(CampaignEngine& engine, const WorkerConfig& config) {
  WorkerReport report;
  report.worker = config.worker;
  std::mt19937_64 rng(config.seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); };
  const std::string key = workerKey(config.worker);

  auto guarded = [&](auto&& call, std::initializer_list<ErrorCode> expectedCodes = {}) {
    const std::int64_t start = steadyMillis();
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
                                      std::to_string(steadyMillis() - start) + " ms");
      }
    }
  };

  // Whether this worker has seen the doomed suppression committed. Entries
  // are never removed here, so once seen it stays true.
  bool seenSuppression = false;

  for (int op = 0; op < config.operations; ++op) {
    ++report.operations;
    if (config.suppressor && op == config.operations / 2) {
      // First, fresh leads of the doomed domain: their first step is queued
      // and due, so that a suppression that left them live would let a
      // later claim hand them out (by now the pool's own mail may all be
      // claimed already).
      std::vector<LeadInput> fresh;
      for (int i = 0; i < kFreshDoomed; ++i) {
        LeadInput in;
        in.email = "fresh" + std::to_string(config.worker) + "x" + std::to_string(i) + "@" + kDoomedDomain;
        in.firstName = "Fresh";
        in.customFields = "{\"" + key + "\":" + std::to_string(op) + "}";
        fresh.push_back(std::move(in));
      }
      BulkOptions details;
      details.details = true;
      guarded([&] {
        const BulkResult result = engine.bulkUpsert(config.campaignId, fresh, details);
        report.upsertRows += kFreshDoomed;
        for (const RowResult& row : result.rows) {
          if (row.outcome == RowOutcome::enrolled || row.outcome == RowOutcome::updated) {
            report.lastValue[fresh[row.index].email.value()] = op;
          }
        }
      });
      // Half the doomed addresses opt out through signals (unsubscribe,
      // complaint, hard bounce), one transaction each, the rest and the
      // domain by one addSuppressions after them: a worker that sees the
      // domain's entry has seen every opt-out committed.
      std::vector<std::string> entries{std::string("@") + kDoomedDomain};
      std::vector<std::string> signalled;
      for (int i = 0; i < config.pool; ++i) {
        if (!isDoomedEmail(i)) continue;
        (signalled.size() < entries.size() ? signalled : entries).push_back(poolEmail(i));
      }
      constexpr SignalKind kOptOuts[] = {SignalKind::unsubscribe, SignalKind::complaint, SignalKind::bounceHard};
      std::int64_t cancelled = 0;
      for (std::size_t i = 0; i < signalled.size(); ++i) {
        SignalInput in;
        in.kind = kOptOuts[i % 3];
        in.workspaceId = config.workspaceId;
        in.email = signalled[i];
        guarded([&] { cancelled += engine.reportSignal(in).messagesCancelled; });
      }
      guarded([&] {
        report.suppressionCancelled = cancelled + engine.addSuppressions(config.workspaceId, entries).messagesCancelled;
        report.suppressed = true;
        report.suppressedEmails = entries;
        report.suppressedEmails.insert(report.suppressedEmails.end(), signalled.begin(), signalled.end());
        seenSuppression = true;
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
      if (!seenSuppression) guarded([&] { seenSuppression = doomedSuppressionCommitted(engine, config.workspaceId); });
      const bool afterSuppression = seenSuppression;
      std::vector<Message> claimed;
      guarded([&] {
        claimed = engine.claimDue(1 + pick(8), config.leaseSeconds);
        if (afterSuppression) ++report.claimCallsAfterSuppression;
      });
      for (const Message& m : claimed) {
        report.claims.push_back({m.id, m.email, afterSuppression});
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
        } else if (fate < 94) {
          guarded([&] { (void)engine.markFailed(m.id, "mailbox unknown", false); }, {ErrorCode::conflict});
        } else if (fate < 97) {
          // A soft bounce, an out-of-office for two seconds or a click on
          // it, sometimes delivered twice.
          SignalInput in;
          in.kind = fate < 95 ? SignalKind::bounceSoft : fate < 96 ? SignalKind::autoReply : SignalKind::click;
          if (in.kind == SignalKind::autoReply) in.until = systemNow() + std::chrono::seconds{2};
          in.messageId = m.id;
          in.externalId = "evt" + std::to_string(pick(40));
          guarded([&] { (void)engine.reportSignal(in); });
        }  // else: keep holding it; its lease outlives the test
      }
    } else if (dice < 97) {
      guarded([&] {
        (void)engine.getLead(config.campaignId, poolEmail(pick(config.pool)));
        (void)engine.getCampaign(config.campaignId);
      });
    } else {
      if (pick(2) == 0) {
        guarded([&] { (void)engine.markReplied(config.campaignId, poolEmail(pick(config.pool))); },
                {ErrorCode::not_found});
      } else {
        SignalInput in;  // a reply by address, as a mailbox poller reports it
        in.kind = SignalKind::reply;
        in.workspaceId = config.workspaceId;
        in.campaignId = config.campaignId;
        in.email = poolEmail(pick(config.pool));
        in.externalId = "reply" + std::to_string(pick(40));
        guarded([&] { (void)engine.reportSignal(in); }, {ErrorCode::not_found});
      }
    }
  }
  return report;
}

}  // namespace leadterra::test
