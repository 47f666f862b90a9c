// Generated identifiers: a prefix plus a 26-character ULID (Crockford base32,
// 48-bit millisecond time then 80 random bits).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace leadterra::detail {

// Not thread-safe; each engine owns one (under its mutex).
//
// Ids made from the same millisecond are monotonic, as the ULID spec's
// monotonic mode: the random part of the previous id is incremented rather than
// drawn again, so ids sort in the order they were made even under a clock
// that stands still (a test clock, the CLI's --now).
class IdGenerator {
 public:
  IdGenerator();  // seeded from std::random_device
  // prefix + ULID, e.g. "camp_01HZA1TPNQ8RD4KF3N6V8Q2XYZ". `now` gives the time part
  // (milliseconds since the epoch, clamped to the 48 bits a ULID holds).
  [[nodiscard]] std::string next(std::string_view prefix, std::chrono::system_clock::time_point now);

  // The next `count` ids, as `count` calls of next() would make them, to be
  // spelled later in any order: at(block, i) is the i-th. A bulk call reserves
  // one per row and spells only those it needs, so ids follow the caller's
  // order while rows are written in another.
  struct Block {
    std::uint64_t millis = 0;
    std::uint64_t high = 0;  // the first id's random part
    std::uint64_t low = 0;
  };
  [[nodiscard]] Block reserve(std::size_t count, std::chrono::system_clock::time_point now);
  [[nodiscard]] static std::string at(const Block& block, std::size_t i, std::string_view prefix);

 private:
  // The time part and random part of the next id; `count` ids are used up.
  Block advance(std::chrono::system_clock::time_point now, std::uint64_t count);

  std::mt19937_64 rng_;
  // The previous id's time part and 80-bit random part (high 16 bits, low 64).
  std::uint64_t lastMillis_ = 0;
  std::uint64_t lastRandomHigh_ = 0;
  std::uint64_t lastRandomLow_ = 0;
  bool hasLast_ = false;
};

}  // namespace leadterra::detail
