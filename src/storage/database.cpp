#include "storage/database.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "leadterra/version.hpp"
#include "storage/migrations.hpp"

namespace leadterra::detail {

int latestSchemaVersion() { return migrations().empty() ? 0 : migrations().back().version; }

void rethrowAsError(std::string_view context) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const SQLite::Exception& e) {
    const int primary = e.getErrorCode() & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      throw Error(ErrorCode::busy, fmt::format("database is locked by another connection ({})", context));
    }
    throw Error(ErrorCode::storage_error, fmt::format("storage failure ({}): {}", context, e.what()));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::storage_error, fmt::format("unexpected failure ({}): {}", context, e.what()));
  }
}

namespace {

int openFlags(const Options& options) {
  int flags = SQLite::OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.createIfMissing) flags |= SQLite::OPEN_CREATE;
  return flags;
}

SQLite::Database openConnection(const std::string& path, const Options& options) {
  try {
    return SQLite::Database(path, openFlags(options), static_cast<int>(options.busyTimeout.count()));
  } catch (const SQLite::Exception& e) {
    // Without OPEN_CREATE a missing file fails with SQLITE_CANTOPEN, as an
    // unreadable one does: only the first is not_found.
    std::error_code ec;
    if ((e.getErrorCode() & 0xff) == SQLITE_CANTOPEN && !options.createIfMissing &&
        !std::filesystem::exists(path, ec) && !ec) {
      throw Error(ErrorCode::not_found, fmt::format("database file '{}' not found", path));
    }
    rethrowAsError(fmt::format("open {}", path));
  } catch (...) {
    rethrowAsError(fmt::format("open {}", path));
  }
}

bool isBusy(const SQLite::Exception& e) {
  const int primary = e.getErrorCode() & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Runs `fn` again while it fails with SQLITE_BUSY, until `timeout` has passed.
// SQLite's busy handler does not cover every lock taken while a file is set
// up: switching a new file to WAL and the first read of its header can fail
// with SQLITE_BUSY at once while another connection creates or migrates it.
// Opening waits for those as every write waits for the lock.
template <typename Fn>
void retryWhileBusy(std::chrono::milliseconds timeout, Fn&& fn) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    try {
      fn();
      return;
    } catch (const SQLite::Exception& e) {
      if (!isBusy(e) || std::chrono::steady_clock::now() + pause > deadline) throw;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

// ---- Statement ----

Statement::Use::Use(Statement& owner) : owner_(owner), stmt_([&]() -> SQLite::Statement& {
  if (owner.inUse_) {
    throw Error(ErrorCode::storage_error, fmt::format("statement already in use: {}", owner.sql_));
  }
  if (!owner.stmt_) {
    owner.stmt_ = std::make_unique<SQLite::Statement>(owner.db_.db_, owner.sql_);
    owner.db_.prepared_.push_back(&owner);
  }
  return *owner.stmt_;
}()) {
  owner_.inUse_ = true;
}

Statement::Use::~Use() {
  stmt_.tryReset();
  stmt_.clearBindings();
  owner_.inUse_ = false;
}

// ---- Database ----

Database::Database(const std::string& path, const Options& options) : db_(openConnection(path, options)) {
  try {
    // A file SQLite could open only for reading (its mode, a read-only file
    // system) is refused before any statement runs: a first read would create
    // the -wal and -shm files with the file's read-only mode, and they would
    // keep the database read-only after the file is made writable again.
    if (sqlite3_db_readonly(db_.getHandle(), "main") == 1) {
      throw Error(ErrorCode::storage_error, fmt::format("{} is read-only; the engine needs to write it", path));
    }
    configure(path, options);
    retryWhileBusy(options.busyTimeout, [&] { migrate(); });
  } catch (...) {
    rethrowAsError(fmt::format("open {}", path));
  }
}

Database::~Database() = default;

void Database::configure(const std::string& path, const Options& options) {
  retryWhileBusy(options.busyTimeout, [&] {
    // Check the version before anything writes to the file: a newer file is
    // refused untouched (switching it to WAL would already modify its header).
    const int version = db_.execAndGet("PRAGMA user_version").getInt();
    if (version > latestSchemaVersion()) {
      throw Error(ErrorCode::schema_too_new,
                  fmt::format("{} has schema version {}; this library knows up to {}", path, version,
                              latestSchemaVersion()));
    }
    db_.exec("PRAGMA journal_mode=WAL");
  });
  db_.exec(options.fullSync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  db_.exec("PRAGMA foreign_keys=ON");
  db_.exec(fmt::format("PRAGMA cache_size=-{}", options.cacheSizeKiB));
  db_.exec(fmt::format("PRAGMA wal_autocheckpoint={}", options.walAutocheckpointPages));
  db_.exec("PRAGMA temp_store=MEMORY");
}

void Database::migrate() {
  if (db_.execAndGet("PRAGMA user_version").getInt() == latestSchemaVersion()) return;
  // A migration may rebuild a table (SQLite cannot change a constraint in
  // place), which foreign keys would refuse half-way; they are off while the
  // migrations run and checked as a whole before the commit. The pragma is a
  // no-op inside a transaction, so it is set around it.
  db_.exec("PRAGMA foreign_keys=OFF");
  struct KeysBackOn {
    SQLite::Database& db;
    ~KeysBackOn() { sqlite3_exec(db.getHandle(), "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr); }
  } keysBackOn{db_};
  const auto tx = begin(store::Tx::Mode::write);
  // Read again under the write lock: another process may have migrated meanwhile.
  const int current = db_.execAndGet("PRAGMA user_version").getInt();
  if (current > latestSchemaVersion()) {
    throw Error(ErrorCode::schema_too_new,
                fmt::format("schema version {} is newer than this library's {}", current, latestSchemaVersion()));
  }
  for (const Migration& m : migrations()) {
    if (m.version <= current) continue;
    db_.exec(std::string(m.sql));
    db_.exec(fmt::format("PRAGMA user_version={}", m.version));
  }
  {
    SQLite::Statement check(db_, "PRAGMA foreign_key_check");
    if (check.executeStep()) {
      throw Error(ErrorCode::storage_error,
                  fmt::format("migrating left a row of {} without its {}", check.getColumn(0).getString(),
                              check.getColumn(2).getString()));
    }
  }
  tx->commit();
}

void Database::resetAll() noexcept {
  for (Statement* s : prepared_) {
    if (!s->inUse_) s->stmt_->tryReset();
  }
}

// BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy
// timeout), so a write never fails half-way for a lock another connection took
// after its first read. A read transaction is a plain BEGIN: one snapshot for
// all its statements.
class Database::Transaction final : public store::Tx {
 public:
  Transaction(Database& db, Mode mode) : Tx(mode), db_(db) {
    if (db_.inTransaction_) throw Error(ErrorCode::storage_error, "nested transaction");
    db_.db_.exec(mode == Mode::write ? "BEGIN IMMEDIATE" : "BEGIN");
    db_.inTransaction_ = true;
  }

  ~Transaction() override {
    if (done_) return;
    // Leave no statement holding the transaction open, then roll back. A failed
    // rollback (the connection is already outside a transaction) is harmless.
    db_.resetAll();
    sqlite3_exec(db_.db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
    db_.inTransaction_ = false;
  }

  void commit() override {
    db_.resetAll();
    db_.db_.exec("COMMIT");
    done_ = true;
    db_.inTransaction_ = false;
  }

 private:
  Database& db_;
  bool done_ = false;
};

std::unique_ptr<store::Tx> Database::begin(store::Tx::Mode mode) { return std::make_unique<Transaction>(*this, mode); }

}  // namespace leadterra::detail

// ---- leadterra/version.hpp ----

namespace leadterra {

std::string_view sqliteVersion() noexcept { return sqlite3_libversion(); }

}  // namespace leadterra
