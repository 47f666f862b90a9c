// Fuzz target: JSON lead parsing (leadterra/json.hpp: a bulk body and a
// .jsonl line) and the engine's bulk upsert of whatever rows come out, on an
// in-memory database with a running campaign.
//
// Checked beyond "no crash": a body is either refused with invalid_argument
// or read; every row gets exactly one outcome (enrolled + updated + skipped +
// failed = rows); the engine throws nothing for row content. And the reader
// (simdjson) against a full JSON parser (nlohmann): for text that parser can
// read (UTF-8, no lone surrogate escape) the same bodies are refused, and
// the rows read have the same count, emails, unknown keys and customFields.
#include <cstddef>
#include <cstdint>
#include <leadterra/leadterra.hpp>
#include <memory>
#include <nlohmann/json.hpp>
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
    e->createWorkspace({"ws", "Fuzz", {}});
    e->createCampaign({"ws",
                       "camp",
                       "Fuzz",
                       {{"{{firstName|there}}", "<p>{{company}} {{city}} {{a.b}}</p>", StepFormat::html, 0},
                        {"<<lastName>>", "{{{jobTitle}}}", StepFormat::text, 1}},
                       {},
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

using Ordered = nlohmann::ordered_json;

// Whether arrays and objects nest deeper than `limit` levels, without recursion.
bool deeperThan(const Ordered& value, std::size_t limit) {
  std::vector<std::pair<const Ordered*, std::size_t>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth > limit) return true;
    for (const Ordered& item : *node) pending.emplace_back(&item, depth + 1);
  }
  return false;
}

bool isLeadKey(const std::string& key) {
  for (const char* k : {"email", "firstName", "lastName", "company", "jobTitle", "customFields"}) {
    if (key == k) return true;
  }
  return false;
}

// One row against the element nlohmann read.
void compareRow(const Ordered& element, const LeadRow& row) {
  if (!element.is_object()) {
    require(row.defect == RowDefect::malformed);
    return;
  }
  require(row.defect != RowDefect::malformed);
  const auto email = element.find("email");
  if (email != element.end() && email->is_string()) require(row.lead.email.value() == email->get<std::string>());
  std::vector<std::string> unknown;
  for (const auto& [key, item] : element.items()) {
    if (!isLeadKey(key)) unknown.push_back(key);
  }
  require(unknown == row.unknownFields);
  const auto custom = element.find("customFields");
  if (custom != element.end() && custom->is_object() && !deeperThan(*custom, 64)) {
    require(row.lead.customFields.has_value());
    require(Ordered::parse(*row.lead.customFields, nullptr, false) == *custom);
  }
}

// `rows` is null when parseLeads refused the body.
void compareWithNlohmann(std::string_view text, const std::vector<LeadRow>* rows) {
  const bool readable = text.find("\\u") == std::string_view::npos || text.size() < 2;
  // nlohmann's lexer takes a NUL byte for the end of the input, so it reads
  // `{"leads":[]}` followed by NULs; no JSON text holds a raw NUL (not
  // whitespace, and a control character inside a string), so the reader
  // refuses every such body.
  if (text.find('\0') != std::string_view::npos) {
    require(rows == nullptr);
    return;
  }
  const Ordered doc = Ordered::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    // Refused by nlohmann; refused by the reader too unless only for what
    // the reader takes and nlohmann does not (ill-formed UTF-8, lone surrogates).
    bool cleanUtf8 = true;
    try {
      (void)Ordered(std::string(text)).dump();
    } catch (const Ordered::exception&) {
      cleanUtf8 = false;
    }
    if (cleanUtf8 && readable) require(rows == nullptr);
    return;
  }
  if (!doc.is_object()) {
    require(rows == nullptr);
    return;
  }
  const auto leads = doc.find("leads");
  if (leads == doc.end() || !leads->is_array()) {
    require(rows == nullptr);
    return;
  }
  require(rows != nullptr && rows->size() == leads->size());
  for (std::size_t i = 0; i < rows->size(); ++i) compareRow((*leads)[i], (*rows)[i]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<LeadRow> rows = json::parseLeads(text);
    compareWithNlohmann(text, &rows);
    upsert(rows, size);
  } catch (const Error& e) {
    require(e.code() == ErrorCode::invalid_argument);  // only the body itself may be refused
    compareWithNlohmann(text, nullptr);
  }
  const LeadRow line = json::parseLead(text);
  upsert(std::span<const LeadRow>(&line, 1), size);
  return 0;
}
