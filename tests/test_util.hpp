// Shared test helpers: a temporary directory per test, a clock the test moves
// by hand, and an engine opened on a fresh file.
#pragma once

#include <leadterra/leadterra.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <ostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>

namespace leadterra {
// So that Boost.Test can print our values in failed assertions.
inline std::ostream& operator<<(std::ostream& os, ErrorCode v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, LeadStatus v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, MessageStatus v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, CampaignStatus v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, RowCode v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, SuppressionReason v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, SignalKind v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, PauseReason v) { return os << toString(v); }
inline std::ostream& operator<<(std::ostream& os, EventKind v) { return os << toString(v); }
}  // namespace leadterra

namespace leadterra::test {

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("leadterra-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// 2025-06-10T15:00:00Z, the seed's startedAt.
inline constexpr std::int64_t kSeedEpoch = 1749567600;

// A clock that stands still until the test moves it. Copies share the time.
class ManualClock {
 public:
  explicit ManualClock(std::int64_t epochSeconds = kSeedEpoch)
      : now_(std::make_shared<std::atomic<std::int64_t>>(epochSeconds)) {}
  [[nodiscard]] Timestamp now() const { return Timestamp{std::chrono::seconds{now_->load()}}; }
  void set(std::int64_t epochSeconds) { now_->store(epochSeconds); }
  void advance(std::chrono::seconds by) { now_->fetch_add(by.count()); }
  [[nodiscard]] Clock clock() const {
    auto shared = now_;
    return [shared] { return Timestamp{std::chrono::seconds{shared->load()}}; };
  }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_;
};

// The code of the leadterra::Error that `fn` throws, "none" if it throws none.
inline std::string errorCodeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return std::string(toString(e.code()));
  }
  return "none";
}

// Seconds since the epoch, for comparisons Boost.Test can print.
inline std::int64_t epoch(Timestamp t) { return t.time_since_epoch().count(); }

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A temporary file with an engine on it, a manual clock at kSeedEpoch, and
// the seed's workspace and campaign helpers.
struct EngineFixture {
  TempDir dir;
  ManualClock clock;
  std::string path = dir.file("test.db");
  std::unique_ptr<CampaignEngine> engine;

  EngineFixture() { reopen(); }

  void reopen() {
    engine.reset();
    Options options;
    options.clock = clock.clock();
    engine = CampaignEngine::open(path, options);
  }

  // A workspace "ws_test" and a campaign with `steps` (default: the seed's
  // two-step sequence).
  Campaign seedCampaign(std::string id = "camp_01HZA1TPNQ8RD4KF", std::vector<Step> steps = seedSteps()) {
    if (!engine->getWorkspace("ws_test")) engine->createWorkspace({"ws_test", "Test", {}});
    return engine->createCampaign({"ws_test", std::move(id), "Seed", std::move(steps), {}, {}});
  }

  static std::vector<Step> seedSteps() {
    return {
        {"Quick question, {{firstName}}", "Hi {{firstName}}, how does {{company}} handle outbound as {{jobTitle}}?",
         StepFormat::text, 0},
        {"Following up", "Hi {{firstName}}, any thoughts?", StepFormat::text, 3},
    };
  }

  static LeadInput lead(std::string email, std::string firstName = {}, std::string company = {},
                        std::string jobTitle = {}) {
    LeadInput in;
    in.email = std::move(email);
    if (!firstName.empty()) in.firstName = std::move(firstName);
    if (!company.empty()) in.company = std::move(company);
    if (!jobTitle.empty()) in.jobTitle = std::move(jobTitle);
    return in;
  }

  // The seed document's three leads.
  static std::vector<LeadInput> seedLeads() {
    std::vector<LeadInput> leads;
    auto add = [&](const char* e, const char* f, const char* l, const char* c, const char* j) {
      LeadInput in;
      in.email = e;
      in.firstName = f;
      in.lastName = l;
      in.company = c;
      in.jobTitle = j;
      leads.push_back(std::move(in));
    };
    add("ava@acmecorp.com", "Ava", "Chen", "Acme Corp", "VP Sales");
    add("marcus@buildfast.io", "Marcus", "Webb", "BuildFast", "Head of Growth");
    add("priya@nexusai.com", "Priya", "Sharma", "Nexus AI", "Director of Revenue");
    return leads;
  }
};

}  // namespace leadterra::test
