#include "harness.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

namespace bench {

void expect(bool ok, const std::string& what) {
  if (!ok) throw BenchFailure(what);
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::optional<double> Figure::baselineValue() const {
  if (!measured || baseline.empty()) return std::nullopt;
  return median(baseline);
}

std::optional<double> Figure::ratio() const {
  const auto base = baselineValue();
  if (!hasValue() || !base || *base == 0) return std::nullopt;
  return value() / *base;
}

std::optional<double> Figure::cpuRatio() const {
  if (!hasValue() || cpuSamples.empty() || cpuBaseline.empty()) return std::nullopt;
  const double base = median(cpuBaseline);
  return base == 0 ? std::nullopt : std::optional<double>(median(cpuSamples) / base);
}

void Figure::addRate(std::size_t n, const Timing& t) {
  samples.push_back(static_cast<double>(n) / t.wall);
  if (t.cpu > 0) cpuSamples.push_back(static_cast<double>(n) / t.cpu);
}

void Figure::addBaselineRate(std::size_t n, const Timing& t) {
  baseline.push_back(static_cast<double>(n) / t.wall);
  if (t.cpu > 0) cpuBaseline.push_back(static_cast<double>(n) / t.cpu);
}

std::optional<bool> Figure::met() const {
  if (!hasValue()) return std::nullopt;
  switch (target.kind) {
    case Target::Kind::none:
      return std::nullopt;
    case Target::Kind::ratioAtLeast: {
      const auto r = ratio();
      if (!r) return std::nullopt;
      return *r >= target.threshold;
    }
    case Target::Kind::valueAtLeast:
      return value() >= target.threshold;
    case Target::Kind::valueAtMost:
      return value() <= target.threshold;
  }
  return std::nullopt;
}

std::string withCommas(double value) {
  const auto n = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

namespace {

std::string formatValue(double v, const std::string& unit) {
  if (unit == "%") return fmt::format("{:.1f} %", v);
  if (unit == "x") return fmt::format("{:.2f}x", v);
  if (unit == "MB") return fmt::format("{:.1f} MB", v);
  return fmt::format("{} {}", withCommas(v), unit);
}

std::string describeTarget(const Target& t, const std::string& unit) {
  switch (t.kind) {
    case Target::Kind::none:
      return "";
    case Target::Kind::ratioAtLeast:
      return fmt::format(">= {:.2g}x", t.threshold);
    case Target::Kind::valueAtLeast:
      return ">= " + formatValue(t.threshold, unit);
    case Target::Kind::valueAtMost:
      return "<= " + formatValue(t.threshold, unit);
  }
  return "";
}

std::string firstLineWith(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) return {};
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return {};
}

}  // namespace

Machine describeMachine() {
  Machine m;
  m.cores = std::thread::hardware_concurrency();
  m.cpu = firstLineWith("/proc/cpuinfo", "model name");
  const std::string memKiB = firstLineWith("/proc/meminfo", "MemTotal");
  if (!memKiB.empty()) {
    m.memory = fmt::format("{:.1f} GiB", std::stod(memKiB) / (1024.0 * 1024.0));
  }
  m.sqliteVersion = sqlite3_libversion();
#if defined(__clang__)
  m.compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  m.compiler = fmt::format("gcc {}", __VERSION__);
#endif
#ifdef LEADTERRA_BENCH_BUILD_TYPE
  m.buildType = LEADTERRA_BENCH_BUILD_TYPE;
#endif
  utsname u{};
  if (uname(&u) == 0) m.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  std::ifstream load("/proc/loadavg");
  std::getline(load, m.loadBefore);
  return m;
}

double loadAverage() {
  std::ifstream in("/proc/loadavg");
  double oneMinute = 0;
  in >> oneMinute;
  return in ? oneMinute : 0;
}

void Report::print(std::ostream& out) const {
  out << fmt::format("{:<46} {:>20} {:>20} {:>8} {:>12} {:>5} {:>10}\n", "Figure (median)", "Engine", "Raw SQLite",
                     "Ratio", "Target", "Met", "CPU ratio");
  out << std::string(127, '-') << '\n';
  for (const Figure& f : figures_) {
    const auto base = f.baselineValue();
    if (!f.hasValue()) {
      out << fmt::format("{:<46} {:>20} {:>20} {:>8} {:>12} {:>5}\n", f.label,
                         f.measured ? "-" : "not measured", base ? formatValue(*base, f.unit) : "", "",
                         describeTarget(f.target, f.unit), "");
      continue;
    }
    const auto ratio = f.ratio();
    const auto met = f.met();
    const auto cpuRatio = f.cpuRatio();
    out << fmt::format("{:<46} {:>20} {:>20} {:>8} {:>12} {:>5} {:>10}\n", f.label, formatValue(f.value(), f.unit),
                       base ? formatValue(*base, f.unit) : "", ratio ? fmt::format("{:.2f}x", *ratio) : "",
                       describeTarget(f.target, f.unit), met ? (*met ? "yes" : "NO") : "",
                       cpuRatio ? fmt::format("{:.2f}x", *cpuRatio) : "");
  }
  out << "\nRatio: engine / raw SQLite, both medians of wall-clock rates. CPU ratio: the same with rates per\n"
         "CPU second of this process (user + system): it leaves out waiting for the disk or for a busy processor.\n";
  bool anyNote = false;
  for (const Figure& f : figures_) {
    if (f.note.empty()) continue;
    if (!anyNote) out << "\nNotes:\n";
    anyNote = true;
    out << fmt::format("  {}: {}\n", f.label, f.note);
  }
}

void Report::writeJson(const std::string& path, const Machine& machine, const std::string& config,
                       double loadAfter) const {
  using nlohmann::json;
  json doc = json::object();
  doc["machine"] = {{"cores", machine.cores},          {"cpu", machine.cpu},
                    {"memory", machine.memory},        {"sqlite", machine.sqliteVersion},
                    {"compiler", machine.compiler},    {"buildType", machine.buildType},
                    {"os", machine.os},                {"loadavgBefore", machine.loadBefore},
                    {"loadAfter", loadAfter}};
  doc["config"] = json::parse(config);
  json figures = json::array();
  for (const Figure& f : figures_) {
    json j = {{"id", f.id}, {"label", f.label}, {"unit", f.unit}, {"measured", f.hasValue()}};
    if (f.hasValue()) {
      j["value"] = f.value();
      j["samples"] = f.samples;
    }
    if (const auto base = f.baselineValue()) {
      j["baseline"] = *base;
      j["baselineSamples"] = f.baseline;
    }
    if (const auto r = f.ratio()) j["ratio"] = *r;
    if (f.hasValue() && !f.cpuSamples.empty()) j["cpuSamples"] = f.cpuSamples;
    if (f.hasValue() && !f.cpuBaseline.empty()) j["cpuBaselineSamples"] = f.cpuBaseline;
    if (const auto r = f.cpuRatio()) j["cpuRatio"] = *r;
    if (f.target.kind != Target::Kind::none) {
      static constexpr const char* kKinds[] = {"none", "ratioAtLeast", "valueAtLeast", "valueAtMost"};
      j["target"] = {{"kind", kKinds[static_cast<int>(f.target.kind)]}, {"threshold", f.target.threshold}};
      if (const auto met = f.met()) j["met"] = *met;
    }
    if (!f.note.empty()) j["note"] = f.note;
    figures.push_back(std::move(j));
  }
  doc["figures"] = std::move(figures);
  json details = json::object();
  for (const auto& [key, text] : details_) details[key] = json::parse(text);
  doc["details"] = std::move(details);
  std::ofstream out(path, std::ios::binary);
  out << doc.dump(2) << '\n';
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace bench
