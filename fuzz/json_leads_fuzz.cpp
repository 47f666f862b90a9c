// Fuzz target: JSON lead parsing (leadterra/json.hpp: a bulk body and a
// .jsonl line) and the engine's bulk upsert of whatever rows come out, on an
// in-memory database with a running campaign.
//
// Checked beyond "no crash": a body is either refused with invalid_argument
// or read; every row gets exactly one outcome (enrolled + updated + skipped +
// failed = rows); the engine throws nothing for row content.
#include <cstddef>
#include <cstdint>
#include <leadterra/leadterra.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace leadterra;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// Reopened every 2,000 inputs so that the in-memory file stays small.
CampaignEngine& engine() {
  static std::unique_ptr<CampaignEngine> e;
  static int uses = 0;
  if (!e || ++uses % 2000 == 0) {
    e.reset();
    e = CampaignEngine::open(":memory:");
    e->createWorkspace({"ws", "Fuzz"});
    e->createCampaign({"ws",
                       "camp",
                       "Fuzz",
                       {{"{{firstName|there}}", "<p>{{company}} {{city}} {{a.b}}</p>", StepFormat::html, 0},
                        {"<<lastName>>", "{{{jobTitle}}}", StepFormat::text, 1}},
                       {}});
    (void)e->startCampaign("camp");
    const std::vector<std::string> entries{"@blocked.com", "no@acme.com"};
    (void)e->addSuppressions("ws", entries);
  }
  return *e;
}

void upsert(std::span<const LeadRow> rows, std::size_t size) {
  BulkOptions options;
  options.details = true;
  options.mode = static_cast<MergeMode>(size % 3);
  const BulkResult r = engine().bulkUpsert("camp", rows, options);
  require(r.enrolled + r.updated + r.skipped + r.failed == static_cast<std::int64_t>(rows.size()));
  require(r.rows.size() == rows.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<LeadRow> rows = json::parseLeads(text);
    upsert(rows, size);
  } catch (const Error& e) {
    require(e.code() == ErrorCode::invalid_argument);  // only the body itself may be refused
  }
  const LeadRow line = json::parseLead(text);
  upsert(std::span<const LeadRow>(&line, 1), size);
  return 0;
}
