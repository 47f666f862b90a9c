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

IdGenerator::Block IdGenerator::advance(std::chrono::system_clock::time_point now, std::uint64_t count) {
  const auto sinceEpoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::uint64_t millis = std::min(static_cast<std::uint64_t>(std::max<std::int64_t>(sinceEpoch, 0)), kMaxMillis);

  Block first{millis, 0, 0};
  if (hasLast_ && millis == lastMillis_) {
    first.low = lastRandomLow_ + 1;
    first.high = (lastRandomHigh_ + (first.low == 0 ? 1 : 0)) & kHighMask;
  } else {
    first.high = rng_() & kHighMask;
    first.low = rng_();
  }
  // The block must not wrap the 80-bit random part: draw again below the top
  // (2^80 ids in one millisecond are out of reach; this only guards the sum).
  if (first.high == kHighMask && first.low > ~std::uint64_t{0} - count) {
    first.high = (rng_() & kHighMask) >> 1;
    first.low = rng_();
  }
  const std::uint64_t lastLow = first.low + (count - 1);
  hasLast_ = true;
  lastMillis_ = millis;
  lastRandomHigh_ = first.high + (lastLow < first.low ? 1 : 0);
  lastRandomLow_ = lastLow;
  return first;
}

std::string IdGenerator::next(std::string_view prefix, std::chrono::system_clock::time_point now) {
  return at(advance(now, 1), 0, prefix);
}

IdGenerator::Block IdGenerator::reserve(std::size_t count, std::chrono::system_clock::time_point now) {
  return advance(now, std::max<std::uint64_t>(count, 1));
}

std::string IdGenerator::at(const Block& block, std::size_t i, std::string_view prefix) {
  std::uint64_t low = block.low + i;
  std::uint64_t high = block.high + (low < block.low ? 1 : 0);
  std::array<char, 26> ulid{};
  std::uint64_t time = block.millis;
  for (std::size_t k = 10; k-- > 0;) {
    ulid[k] = kCrockford[time & 31];
    time >>= 5;
  }
  for (std::size_t k = 26; k-- > 10;) {
    ulid[k] = kCrockford[low & 31];
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
