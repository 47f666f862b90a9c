// The storage layer: one SQLite connection with the engine's settings, the
// schema migrations, a cache of prepared statements, and the translation of
// SQLite's exceptions into leadterra::Error. Nothing above src/storage sees
// a SQLite error code.
//
// Not thread-safe: the engine serializes calls with its own mutex.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "leadterra/error.hpp"
#include "leadterra/options.hpp"

namespace leadterra::detail {

// The newest schema version this library knows (the last migration's number).
[[nodiscard]] int latestSchemaVersion();

// Rethrows the exception in flight as a leadterra::Error: ours pass through,
// SQLite's become busy or storage_error, anything else storage_error.
[[noreturn]] void rethrowAsError(std::string_view context);

class Database {
 public:
  // Opens the file, checks and migrates its schema. Throws Error.
  Database(const std::string& path, const Options& options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT. Any exception rolls the whole
  // transaction back and leaves as a leadterra::Error. With commit == false
  // the transaction is rolled back even on success: a dry run sees exactly
  // what the call would do and leaves nothing behind.
  template <typename Fn>
  decltype(auto) write(Fn&& fn, bool commit = true) {
    try {
      Transaction tx(*this);
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        if (commit) tx.commit();
      } else {
        decltype(auto) result = fn();
        if (commit) tx.commit();
        return result;
      }
    } catch (...) {
      rethrowAsError("write");
    }
  }

  // Runs `fn` inside a read transaction (one consistent snapshot).
  template <typename Fn>
  decltype(auto) read(Fn&& fn) {
    try {
      ReadTransaction tx(*this);
      return fn();
    } catch (...) {
      rethrowAsError("read");
    }
  }

  // A prepared statement for `sql`, compiled once per connection and reset
  // before it is handed out again. `sql` must be a string literal (the cache
  // is keyed by its address).
  SQLite::Statement& statement(const char* sql);

  [[nodiscard]] SQLite::Database& raw() noexcept { return db_; }

 private:
  // Rolls back unless committed. Its destructor never throws.
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    void commit();

   private:
    Database& db_;
    bool done_ = false;
  };
  class ReadTransaction {
   public:
    explicit ReadTransaction(Database& db);
    ~ReadTransaction();

   private:
    Database& db_;
    bool owns_;
  };

  void migrate();

  SQLite::Database db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
  int depth_ = 0;  // open transactions: a write inside a read is a programming error
};

}  // namespace leadterra::detail
