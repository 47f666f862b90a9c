#include "util/ids.hpp"

#include <algorithm>
#include <array>

namespace leadterra::detail {

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr std::uint64_t kMaxMillis = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t kHighMask = 0xFFFF;  // the random part's top 16 bits

std::mt19937_64::result_type seedFromDevice() {
  std::random_device device;
  // Two 32-bit draws: random_device yields unsigned int.
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

IdGenerator::IdGenerator() : rng_(seedFromDevice()) {}

std::string IdGenerator::next(std::string_view prefix, std::chrono::system_clock::time_point now) {
  const auto sinceEpoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::uint64_t millis = std::min(static_cast<std::uint64_t>(std::max<std::int64_t>(sinceEpoch, 0)), kMaxMillis);

  std::uint64_t high;
  std::uint64_t low;
  if (hasLast_ && millis == lastMillis_) {
    low = lastRandomLow_ + 1;
    high = (lastRandomHigh_ + (low == 0 ? 1 : 0)) & kHighMask;
    if (high == 0 && low == 0) {  // 2^80 ids in one millisecond: start over from a fresh draw
      high = rng_() & kHighMask;
      low = rng_();
    }
  } else {
    high = rng_() & kHighMask;
    low = rng_();
  }
  hasLast_ = true;
  lastMillis_ = millis;
  lastRandomHigh_ = high;
  lastRandomLow_ = low;

  std::array<char, 26> ulid{};
  std::uint64_t time = millis;
  for (std::size_t i = 10; i-- > 0;) {
    ulid[i] = kCrockford[time & 31];
    time >>= 5;
  }
  for (std::size_t i = 26; i-- > 10;) {
    ulid[i] = kCrockford[low & 31];
    low = (low >> 5) | (high << 59);
    high >>= 5;
  }

  std::string id;
  id.reserve(prefix.size() + ulid.size());
  id.append(prefix);
  id.append(ulid.data(), ulid.size());
  return id;
}

}  // namespace leadterra::detail
