// Settings and figures shared by the reliability tests.
//
// LEADTERRA_SOAK=1 makes every reliability test run longer (more kills, more
// operations, more inputs). LEADTERRA_FIGURES_FILE, when set, receives one
// line per test with the figures of the run (kills survived, processes x
// operations, ...), which scripts/test-reliability prints at the end and
// docs/reliability.md quotes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace leadterra::test {

[[nodiscard]] inline bool soak() {
  const char* v = std::getenv("LEADTERRA_SOAK");
  return v != nullptr && std::string(v) != "0" && std::string(v) != "";
}

// An integer from the environment, else the soak or the default value.
[[nodiscard]] inline std::int64_t setting(const char* name, std::int64_t normal, std::int64_t soakValue) {
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::strtoll(v, nullptr, 10);
  return soak() ? soakValue : normal;
}

// Appends "<test>: <figures>" to LEADTERRA_FIGURES_FILE when it is set.
inline void recordFigures(const std::string& test, const std::string& figures) {
  const char* path = std::getenv("LEADTERRA_FIGURES_FILE");
  if (path == nullptr || *path == '\0') return;
  std::ofstream out(path, std::ios::app);
  out << test << ": " << figures << "\n";
}

}  // namespace leadterra::test
