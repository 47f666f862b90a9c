// The dispatch service's rules that signals share: what a failed send does.
#pragma once

#include <string_view>

#include "engine/engine_impl.hpp"

namespace leadterra {

// Records a failed send of a claimed message. Retryable: queued again with
// backoff (5 min x 2^(attempts-1)), failed for good at the fifth attempt.
// Final: failed, and an active lead bounces. A message cancelled after its
// claim records the failure and nothing more.
void recordFailure(Call& call, const store::MessageRow& row, std::string_view reason, bool retryable);

}  // namespace leadterra
