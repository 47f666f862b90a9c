// EngineImpl: what a CampaignEngine holds (the backend and its stores, the
// clock, the id generator, the lock), and the one way into a transaction.
//
// The layers, from the caller down (docs/architecture.md):
//   engine.cpp             CampaignEngine: a scope check, one transaction, calls into services
//   services (this folder) the rules: enrolling, sequencing, dispatch, suppression, campaigns
//   stores (src/store/)    one interface per table family; SQLite in src/store/sqlite/
//   storage (src/storage/) the SQLite connection, migrations, statements
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "leadterra/campaign.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "store/stores.hpp"
#include "util/ids.hpp"

namespace leadterra {

class EngineImpl;

// The event log's settings (Options::eventLog, eventMaxAge, eventMaxCount)
// and when this engine last pruned it.
struct EventLogSettings {
  bool enabled = true;
  std::chrono::seconds maxAge{0};
  std::int64_t maxCount = 0;
  std::optional<Timestamp> lastPrune;
};

// One public call in flight: its open transaction, its stores and the time
// it happens at (one clock reading per call). Services take it by reference.
struct Call {
  store::Tx& tx;
  store::Backend& db;
  EngineImpl& engine;
  Timestamp now;

  [[nodiscard]] std::string newId(std::string_view prefix);
  [[nodiscard]] detail::IdGenerator& ids();
  [[nodiscard]] std::chrono::seconds idempotencyTtl() const;
  [[nodiscard]] EventLogSettings& eventLog();
};

class EngineImpl {
 public:
  EngineImpl(const std::string& path, Options options);

  // Runs `fn(Call&)` in one write transaction under the engine's lock and
  // commits it; with commit == false it is rolled back even on success (a dry
  // run). Any exception rolls everything back and leaves as a leadterra::Error.
  template <typename Fn>
  decltype(auto) write(Fn&& fn, bool commit = true) {
    return run(store::Tx::Mode::write, std::forward<Fn>(fn), commit);
  }
  // Runs `fn(Call&)` in one read transaction (one consistent snapshot).
  template <typename Fn>
  decltype(auto) read(Fn&& fn) {
    return run(store::Tx::Mode::read, std::forward<Fn>(fn), true);
  }

 private:
  friend struct Call;

  template <typename Fn>
  decltype(auto) run(store::Tx::Mode mode, Fn&& fn, bool commit) {
    std::scoped_lock lock(mutex_);
    try {
      const std::unique_ptr<store::Tx> tx = backend_->begin(mode);
      Call call{*tx, *backend_, *this, clock_()};
      if constexpr (std::is_void_v<decltype(fn(call))>) {
        fn(call);
        if (commit) tx->commit();
      } else {
        decltype(auto) result = fn(call);
        if (commit) tx->commit();
        return result;
      }
    } catch (...) {
      backend_->rethrowAsError(mode == store::Tx::Mode::write ? "write" : "read");
      throw;  // not reached: rethrowAsError always throws (a virtual call's [[noreturn]] is not seen by the compiler)
    }
  }

  std::mutex mutex_;
  std::unique_ptr<store::Backend> backend_;
  Clock clock_;
  detail::IdGenerator ids_;
  std::chrono::seconds ttl_;  // of idempotency keys
  EventLogSettings eventLog_;
};

// ---- Scope checks shared by the services ----

// The campaign, if it exists within `scope`; not_found otherwise (the same
// answer whether it does not exist or belongs to another workspace).
[[nodiscard]] store::CampaignRow campaignInScope(Call& call, std::string_view id, const Scope& scope);
// The message, if it exists within `scope`; not_found otherwise.
[[nodiscard]] store::MessageRow messageInScope(Call& call, std::string_view id, const Scope& scope);
// The public view of a campaign row: its steps and queued messages read.
[[nodiscard]] Campaign campaignView(Call& call, const store::CampaignRow& row);
// not_found unless the workspace exists.
void requireWorkspace(Call& call, std::string_view workspaceId);
// not_found unless the workspace exists within `scope` (the same answer
// whether it does not exist or the scope is another workspace).
void requireWorkspaceInScope(Call& call, std::string_view workspaceId, const Scope& scope);

}  // namespace leadterra
