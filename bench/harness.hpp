// A small benchmark harness: figures measured over several repetitions,
// reported as medians beside the raw-SQLite baseline of the same run, as a
// table for people and as JSON for comparing commits.
//
// Not thread-safe; the benchmark is one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

// A wrong count from the engine or the baseline: the run fails (exit 1), so a
// smoke run is a real test of the engine, not only of the timings.
class BenchFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void expect(bool ok, const std::string& what);

// Wall-clock seconds of fn(), on the steady clock.
template <typename Fn>
double timeSeconds(Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Wall-clock and CPU (user + system of this process) seconds of fn(). The CPU
// time leaves out waiting: for the disk, and for the processor when other
// work shares the machine.
struct Timing {
  double wall = 0;
  double cpu = 0;
  Timing& operator+=(const Timing& o) {
    wall += o.wall;
    cpu += o.cpu;
    return *this;
  }
};
[[nodiscard]] double cpuSeconds();
template <typename Fn>
Timing measure(Fn&& fn) {
  const double cpu = cpuSeconds();
  const double wall = timeSeconds(fn);
  return {wall, cpuSeconds() - cpu};
}

[[nodiscard]] double median(std::vector<double> values);

struct Target {
  enum class Kind { none, ratioAtLeast, valueAtLeast, valueAtMost };
  Kind kind = Kind::none;
  double threshold = 0;
};

struct Figure {
  std::string id;     // stable key for the JSON output, e.g. "draft.new"
  std::string label;  // for people
  std::string unit;   // "leads/s", "renders/s", "MB", "%", "x"
  std::vector<double> samples;
  std::vector<double> baseline;  // the raw baseline's samples; empty when the figure has none
  // For rates: the same per CPU second instead of per wall second.
  std::vector<double> cpuSamples;
  std::vector<double> cpuBaseline;
  Target target;
  std::string note;       // how it was measured, or why it was not
  bool measured = true;   // false: reported as "not measured" with the note

  // Measured and with at least one sample (a figure of a side left out by
  // --side has none).
  [[nodiscard]] bool hasValue() const { return measured && !samples.empty(); }

  [[nodiscard]] double value() const { return median(samples); }
  [[nodiscard]] std::optional<double> baselineValue() const;
  [[nodiscard]] std::optional<double> ratio() const;     // value / baseline
  [[nodiscard]] std::optional<double> cpuRatio() const;  // the same per CPU second

  // Adds a rate sample (n items in t) to the engine's or the baseline's side.
  void addRate(std::size_t n, const Timing& t);
  void addBaselineRate(std::size_t n, const Timing& t);
  // nullopt when the figure has no target or was not measured.
  [[nodiscard]] std::optional<bool> met() const;
};

struct Machine {
  unsigned cores = 0;
  std::string cpu;
  std::string memory;
  std::string sqliteVersion;
  std::string compiler;
  std::string buildType;
  std::string os;
  std::string loadBefore;  // /proc/loadavg when the run started: other work skews timings
};
[[nodiscard]] Machine describeMachine();
// The 1-minute load average, from /proc/loadavg (0 when unknown).
[[nodiscard]] double loadAverage();

class Report {
 public:
  void add(Figure figure) { figures_.push_back(std::move(figure)); }
  // Extra data for the JSON output only (a growth curve, dataset sizes).
  void addDetail(const std::string& key, std::string json) { details_.emplace_back(key, std::move(json)); }

  void print(std::ostream& out) const;
  // `config` is a JSON object's text describing the run's parameters.
  void writeJson(const std::string& path, const Machine& machine, const std::string& config,
                 double loadAfter) const;

 private:
  std::vector<Figure> figures_;
  std::vector<std::pair<std::string, std::string>> details_;
};

// 1234567.8 -> "1,234,568"
[[nodiscard]] std::string withCommas(double value);

}  // namespace bench
