// The SQLite backend: one connection and the stores on it.
#include "store/sqlite/sqlite_stores.hpp"

namespace leadterra::store {

namespace {

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(const std::string& path, const Options& options)
      : db_(path, options),
        workspaces_(db_),
        campaigns_(db_),
        leads_(db_),
        outbox_(db_, options.eventLog),
        suppressions_(db_),
        signals_(db_),
        unsubscribe_(db_),
        idempotency_(db_),
        events_(db_) {
    if (options.eventLog) sqlite::installEventTriggers(db_);
  }

  std::unique_ptr<Tx> begin(Tx::Mode mode) override { return db_.begin(mode); }
  [[noreturn]] void rethrowAsError(std::string_view context) override { detail::rethrowAsError(context); }

  WorkspaceStore& workspaces() override { return workspaces_; }
  CampaignStore& campaigns() override { return campaigns_; }
  LeadStore& leads() override { return leads_; }
  OutboxStore& outbox() override { return outbox_; }
  SuppressionStore& suppressions() override { return suppressions_; }
  SignalStore& signals() override { return signals_; }
  UnsubscribeStore& unsubscribe() override { return unsubscribe_; }
  IdempotencyStore& idempotency() override { return idempotency_; }
  EventStore& events() override { return events_; }

 private:
  detail::Database db_;  // first: the stores' statements are compiled on it
  sqlite::SqliteWorkspaceStore workspaces_;
  sqlite::SqliteCampaignStore campaigns_;
  sqlite::SqliteLeadStore leads_;
  sqlite::SqliteOutboxStore outbox_;
  sqlite::SqliteSuppressionStore suppressions_;
  sqlite::SqliteSignalStore signals_;
  sqlite::SqliteUnsubscribeStore unsubscribe_;
  sqlite::SqliteIdempotencyStore idempotency_;
  sqlite::SqliteEventStore events_;
};

}  // namespace

std::unique_ptr<Backend> openSqlite(const std::string& path, const Options& options) {
  return std::make_unique<SqliteBackend>(path, options);
}

}  // namespace leadterra::store
