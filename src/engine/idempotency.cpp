#include "engine/idempotency.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

#include "json/json_internal.hpp"
#include "leadterra/error.hpp"

namespace leadterra::detail {

using nlohmann::json;

namespace {

// Two independent 64-bit FNV-1a streams over the canonical text: collisions
// between different payloads under one key are far beyond reach.
class Fingerprint {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) {
      a_ = (a_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      b_ = (b_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
      b_ ^= b_ >> 29;
    }
  }
  // Length-prefixed, so that field boundaries cannot shift.
  void field(std::string_view bytes) {
    add(fmt::format("{}:", bytes.size()));
    add(bytes);
  }
  void patch(const FieldPatch& f) {
    if (f.isAbsent()) {
      add("a");
    } else if (f.isNull()) {
      add("n");
    } else {
      add("s");
      field(f.value());
    }
  }
  [[nodiscard]] std::string hex() const { return fmt::format("{:016x}{:016x}", a_, b_); }

 private:
  std::uint64_t a_ = 0xcbf29ce484222325ULL;
  std::uint64_t b_ = 0x84222325cbf29ce4ULL;
};

}  // namespace

std::string payloadFingerprint(MergeMode mode, const CrossCampaignRules& rules, const RowSource& rows) {
  Fingerprint fp;
  fp.field(toString(mode));
  if (rules.any()) {
    fp.field("crossCampaign");
    fp.field(rules.skipActiveElsewhere ? "1" : "0");
    fp.field(std::to_string(rules.skipContactedWithinDays));
  }
  fp.field(std::to_string(rows.size()));
  std::vector<std::string> unknown;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const LeadInput& in = rows.lead(i);
    const LeadRow* report = rows.report(i);
    fp.add("|");
    // A plain LeadInput fingerprints as a LeadRow without a report, so that
    // the same rows key the same whichever overload sent them.
    fp.add(std::to_string(static_cast<int>(report ? report->defect : RowDefect::none)));
    fp.field(report ? report->defectField : std::string_view());
    fp.patch(in.email);
    fp.patch(in.firstName);
    fp.patch(in.lastName);
    fp.patch(in.company);
    fp.patch(in.jobTitle);
    if (!in.customFields) {
      fp.add("a");
    } else {
      // The JSON value, not its spelling: parsed objects dump with sorted keys.
      const json custom = json::parse(*in.customFields, nullptr, /*allow_exceptions=*/false);
      fp.add(custom.is_discarded() ? "r" : "j");
      fp.field(custom.is_discarded() ? *in.customFields : custom.dump());
    }
    if (report == nullptr) continue;
    unknown = report->unknownFields;
    std::sort(unknown.begin(), unknown.end());
    for (const std::string& key : unknown) fp.field(key);
    // It becomes the row's error message. Only when given, so that rows
    // without one keep the fingerprint they always had.
    if (!report->defectMessage.empty()) {
      fp.add("m");
      fp.field(report->defectMessage);
    }
  }
  return fp.hex();
}

std::string storedResult(const BulkResult& r) { return dump(toJsonValue(r)); }

BulkResult readStoredResult(std::string_view text) { return bulkResultFromJson(text); }

}  // namespace leadterra::detail
