// The signal service (signals.cpp): what reportSignal does, for a service
// that reports a signal inside its own write transaction (an unsubscribe
// link's click, unsubscribe.cpp).
#pragma once

#include "engine/engine_impl.hpp"
#include "leadterra/signal.hpp"

namespace leadterra {

// Checks the signal, records it and applies its kind's rule in `call`'s
// transaction: reportSignal without opening one. Throws as reportSignal does.
[[nodiscard]] SignalResult applySignal(Call& call, const SignalInput& input, const Scope& scope);

}  // namespace leadterra
