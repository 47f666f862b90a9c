// The SQLite storage layer: one connection with the engine's settings, the
// schema migrations, prepared statements owned by the stores, transactions,
// and the translation of SQLite's exceptions into leadterra::Error. Only
// src/storage/ and the SQLite stores (src/store/sqlite/) include SQLiteCpp or
// sqlite3.h.
//
// Not thread-safe: the engine serializes calls with its own mutex.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/error.hpp"
#include "leadterra/options.hpp"
#include "store/tx.hpp"

namespace leadterra::detail {

// The newest schema version this library knows (the last migration's number).
[[nodiscard]] int latestSchemaVersion();

// Rethrows the exception in flight as a leadterra::Error: ours pass through,
// SQLite's become busy or storage_error, anything else storage_error.
[[noreturn]] void rethrowAsError(std::string_view context);

class Database;

// One prepared statement, owned by the store that runs it (a member per
// statement: no cache keyed by text or address), compiled on first use.
// use() hands it out bound to one caller until the returned handle is gone;
// asking again meanwhile is an error (storage_error "statement already in
// use"), never a silent reset of the first caller's bindings and cursor.
class Statement {
 public:
  Statement(Database& db, std::string sql) : db_(db), sql_(std::move(sql)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // The statement while it is in use: reset and its bindings cleared when
  // the handle is destroyed.
  class Use {
   public:
    explicit Use(Statement& owner);
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    SQLite::Statement* operator->() const noexcept { return &stmt_; }
    SQLite::Statement& operator*() const noexcept { return stmt_; }

   private:
    Statement& owner_;
    SQLite::Statement& stmt_;
  };

  [[nodiscard]] Use use() { return Use(*this); }
  [[nodiscard]] const std::string& sql() const noexcept { return sql_; }

 private:
  friend class Database;
  Database& db_;
  std::string sql_;
  std::unique_ptr<SQLite::Statement> stmt_;
  bool inUse_ = false;
};

class Database {
 public:
  // Opens the file, checks and migrates its schema. Throws Error.
  Database(const std::string& path, const Options& options);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // BEGIN IMMEDIATE (write) or BEGIN (read) ... COMMIT; rolls back unless
  // committed. Transactions do not nest.
  [[nodiscard]] std::unique_ptr<store::Tx> begin(store::Tx::Mode mode);

  [[nodiscard]] SQLite::Database& raw() noexcept { return db_; }
  [[nodiscard]] std::int64_t lastInsertRowid() { return db_.getLastInsertRowid(); }

 private:
  friend class Statement;
  class Transaction;

  void configure(const std::string& path, const Options& options);
  void migrate();
  // Resets every statement: none keeps the transaction open at its end.
  void resetAll() noexcept;

  SQLite::Database db_;
  std::vector<Statement*> prepared_;  // statements compiled on this connection
  bool inTransaction_ = false;
};

}  // namespace leadterra::detail
