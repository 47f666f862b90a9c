// leadterra/options.hpp: how a CampaignEngine opens and runs its file.
//
// Defaults suit a desktop or server application with one file on a local
// disk. Every field can be left alone.
#pragma once

#include <chrono>
#include <cstdint>

#include "leadterra/clock.hpp"

namespace leadterra {

struct Options {
  // ---- Behaviour ----

  // Create the file (and its schema) when it does not exist. When false, a
  // missing file is not_found and nothing is created: open a file this way to
  // read it, so that a mistyped path is an error rather than a new, empty
  // database.
  // Default: true.
  bool createIfMissing = true;

  // Where "now" comes from: scheduling, leases, createdAt/updatedAt.
  // Default: empty, meaning the system clock (systemNow()).
  Clock clock;

  // How long a bulk upsert's idempotency key is remembered. A key reused
  // after that is a new call.
  // Default: 24 h.
  std::chrono::seconds idempotencyTtl{24 * 3600};

  // Record the event log (docs/events.md). false: this engine writes no
  // events, for a host that never reads them and wants the bulk paths'
  // last tenth of speed. Give every process on a file the same setting:
  // events written by some processes only are a log with holes.
  // Default: true.
  bool eventLog = true;

  // How long the event log keeps an event, and how many events it keeps at
  // most (docs/events.md#retention); zero: no limit. Older events are deleted
  // inside claimDue, at most 10,000 a call.
  // Default: 90 days, no count limit.
  std::chrono::seconds eventMaxAge{90 * 24 * 3600};
  std::int64_t eventMaxCount = 0;

  // ---- Performance and durability ----

  // How long a call waits for another connection's write lock before it
  // fails with ErrorCode::busy. Longer waits ride out heavier contention;
  // shorter ones report it sooner.
  // Default: 5 s.
  std::chrono::milliseconds busyTimeout{5000};

  // SQLite page cache of this connection, in KiB. A larger cache keeps more
  // of the lead index in memory during big upserts at the cost of RSS.
  // Default: 16 MiB.
  std::int64_t cacheSizeKiB = 16 * 1024;

  // Pages the write-ahead log may hold before SQLite copies them back into
  // the database file (PRAGMA wal_autocheckpoint). Larger values checkpoint
  // less often, which roughly doubles the rate of many small bulk calls, at
  // the cost of a larger -wal file (about 4 KiB a page) between checkpoints.
  // Default: 10,000 pages (about 40 MiB); SQLite's own default is 1,000.
  std::int64_t walAutocheckpointPages = 10000;

  // true: PRAGMA synchronous=FULL, each commit survives a power loss.
  // false: synchronous=NORMAL (WAL), a commit survives a crash of the
  // application; a power loss may lose the last commits, never corrupt the file.
  // Default: false.
  bool fullSync = false;
};

}  // namespace leadterra
