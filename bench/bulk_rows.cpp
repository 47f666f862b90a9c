// leadterra_bulk_rows: one bulk upsert through the C++ API, timed, for
// bench/python_bulk.py (docs/benchmarks.md "Python against C++").
//
//   leadterra_bulk_rows BODY.json STEPS.json DATABASE
//
// Reads the bulk body ({"leads": [...]}) with json::parseLeads and the steps
// document with json::parseSteps before any timing, creates a fresh database
// with a workspace and a campaign of those steps, then times the one call
// CampaignEngine::bulkUpsert(campaign, rows): the rate of the C++ call on
// rows already in memory. Prints {"rows", "seconds", "enrolled", "updated",
// "skipped", "failed"} as one line of JSON.
#include <leadterra/leadterra.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BODY.json STEPS.json DATABASE\n", argv[0]);
    return 2;
  }
  try {
    const std::string body = readFile(argv[1]);
    const std::vector<leadterra::LeadRow> rows = leadterra::json::parseLeads(body);
    std::vector<leadterra::Step> steps = leadterra::json::parseSteps(readFile(argv[2]));

    auto engine = leadterra::CampaignEngine::open(argv[3]);
    engine->createWorkspace({"ws_bench", "Bench", {}});
    leadterra::CampaignSpec spec;
    spec.workspaceId = "ws_bench";
    spec.id = "camp_bench";
    spec.name = "Bench";
    spec.steps = std::move(steps);
    (void)engine->createCampaign(spec);

    const auto start = std::chrono::steady_clock::now();
    const leadterra::BulkResult r = engine->bulkUpsert("camp_bench", rows);
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;

    std::printf("{\"rows\": %zu, \"seconds\": %.6f, \"enrolled\": %lld, \"updated\": %lld, \"skipped\": %lld, "
                "\"failed\": %lld}\n",
                rows.size(), seconds.count(), static_cast<long long>(r.enrolled),
                static_cast<long long>(r.updated), static_cast<long long>(r.skipped),
                static_cast<long long>(r.failed));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leadterra_bulk_rows: %s\n", e.what());
    return 1;
  }
}
