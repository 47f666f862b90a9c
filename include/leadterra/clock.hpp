// leadterra/clock.hpp: time as the engine sees it.
//
// All timestamps are whole seconds of UTC. The engine reads "now" only through
// a Clock, so tests and the CLI's --now can fix time and get deterministic
// scheduling. A Clock may be called from whichever thread calls the engine.
#pragma once

#include <chrono>
#include <functional>

namespace leadterra {

using Timestamp = std::chrono::sys_seconds;
using Clock = std::function<Timestamp()>;

// The system clock, truncated to whole seconds.
[[nodiscard]] inline Timestamp systemNow() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace leadterra
