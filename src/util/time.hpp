// UTC ISO-8601 timestamps with a 'Z', whole seconds: "2025-06-10T15:00:00Z".
// On std::chrono::sys_seconds, which is the engine's leadterra::Timestamp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace leadterra::detail {

[[nodiscard]] std::string formatIso(std::chrono::sys_seconds t);
// Accepts "YYYY-MM-DDTHH:MM:SSZ", optional fractional seconds (dropped) and an
// offset "+HH:MM"/"-HH:MM" instead of Z. nullopt for anything else: a date
// that does not exist, hours > 23, minutes or seconds > 59 (no leap second),
// lowercase 't'/'z', missing zone.
[[nodiscard]] std::optional<std::chrono::sys_seconds> parseIso(std::string_view text);

}  // namespace leadterra::detail
