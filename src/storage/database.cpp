#include "storage/database.hpp"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>

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
  } catch (...) {
    rethrowAsError(fmt::format("open {}", path));
  }
}

}  // namespace

Database::Database(const std::string& path, const Options& options) : db_(openConnection(path, options)) {
  try {
    // A file SQLite could open only for reading (its mode, a read-only file
    // system) is refused before any statement runs: a first read would create
    // the -wal and -shm files with the file's read-only mode, and they would
    // keep the database read-only after the file is made writable again.
    if (sqlite3_db_readonly(db_.getHandle(), "main") == 1) {
      throw Error(ErrorCode::storage_error, fmt::format("{} is read-only; the engine needs to write it", path));
    }
    // Check the version before anything writes to the file: a newer file is
    // refused untouched (switching it to WAL would already modify its header).
    const int version = db_.execAndGet("PRAGMA user_version").getInt();
    if (version > latestSchemaVersion()) {
      throw Error(ErrorCode::schema_too_new,
                  fmt::format("{} has schema version {}; this library knows up to {}", path, version,
                              latestSchemaVersion()));
    }
    db_.exec("PRAGMA journal_mode=WAL");
    db_.exec(options.fullSync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    db_.exec("PRAGMA foreign_keys=ON");
    db_.exec(fmt::format("PRAGMA cache_size=-{}", options.cacheSizeKiB));
    db_.exec(fmt::format("PRAGMA wal_autocheckpoint={}", options.walAutocheckpointPages));
    db_.exec("PRAGMA temp_store=MEMORY");
    migrate();
  } catch (...) {
    rethrowAsError(fmt::format("open {}", path));
  }
}

void Database::migrate() {
  if (db_.execAndGet("PRAGMA user_version").getInt() == latestSchemaVersion()) return;
  write([&] {
    // Read again under the write lock: another process may have migrated meanwhile.
    const int current = db_.execAndGet("PRAGMA user_version").getInt();
    if (current > latestSchemaVersion()) {
      throw Error(ErrorCode::schema_too_new, fmt::format("schema version {} is newer than this library's {}",
                                                         current, latestSchemaVersion()));
    }
    for (const Migration& m : migrations()) {
      if (m.version <= current) continue;
      db_.exec(std::string(m.sql));
      db_.exec(fmt::format("PRAGMA user_version={}", m.version));
    }
  });
}

SQLite::Statement& Database::statement(const char* sql) {
  auto& slot = statements_[sql];
  if (!slot) {
    slot = std::make_unique<SQLite::Statement>(db_, sql);
  } else {
    slot->reset();
    slot->clearBindings();
  }
  return *slot;
}

Database::Transaction::Transaction(Database& db) : db_(db) {
  if (db_.depth_ != 0) throw Error(ErrorCode::storage_error, "nested write transaction");
  db_.db_.exec("BEGIN IMMEDIATE");
  ++db_.depth_;
}

Database::Transaction::~Transaction() {
  if (done_) return;
  --db_.depth_;
  // Leave no statement holding the transaction open, then roll back. A failed
  // rollback (the connection is already outside a transaction) is harmless.
  for (auto& [sql, stmt] : db_.statements_) stmt->tryReset();
  sqlite3_exec(db_.db_.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Database::Transaction::commit() {
  for (auto& [sql, stmt] : db_.statements_) stmt->tryReset();
  db_.db_.exec("COMMIT");
  done_ = true;
  --db_.depth_;
}

Database::ReadTransaction::ReadTransaction(Database& db) : db_(db), owns_(db.depth_ == 0) {
  if (owns_) db_.db_.exec("BEGIN");
  ++db_.depth_;
}

Database::ReadTransaction::~ReadTransaction() {
  --db_.depth_;
  if (!owns_) return;
  for (auto& [sql, stmt] : db_.statements_) stmt->tryReset();
  sqlite3_exec(db_.db_.getHandle(), "COMMIT", nullptr, nullptr, nullptr);
}

}  // namespace leadterra::detail
