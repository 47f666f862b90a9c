#include "engine/idempotency.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

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

json rowToJson(const RowResult& r) {
  json j = {{"index", r.index}, {"email", r.email}, {"outcome", toString(r.outcome)}};
  if (r.code) j["code"] = toString(*r.code);
  return j;
}

template <typename E, typename Parse>
E parseOr(const json& j, Parse parse, E fallback) {
  return parse(j.get<std::string>()).value_or(fallback);
}

std::optional<RowCode> parseRowCode(std::string_view name) {
  for (RowCode c : {RowCode::missing_email, RowCode::invalid_email, RowCode::invalid_field, RowCode::field_too_long,
                    RowCode::malformed_row}) {
    if (toString(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<RowOutcome> parseRowOutcome(std::string_view name) {
  for (RowOutcome o : {RowOutcome::enrolled, RowOutcome::updated, RowOutcome::skipped, RowOutcome::failed}) {
    if (toString(o) == name) return o;
  }
  return std::nullopt;
}

}  // namespace

std::string payloadFingerprint(MergeMode mode, std::span<const LeadInput> rows) {
  Fingerprint fp;
  fp.field(toString(mode));
  fp.field(std::to_string(rows.size()));
  for (const LeadInput& in : rows) {
    fp.add("|");
    fp.add(std::to_string(static_cast<int>(in.defect)));
    fp.field(in.defectField);
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
    std::vector<std::string> unknown = in.unknownFields;
    std::sort(unknown.begin(), unknown.end());
    for (const std::string& key : unknown) fp.field(key);
  }
  return fp.hex();
}

std::string serializeResult(const BulkResult& r) {
  json j = {{"enrolled", r.enrolled},
            {"updated", r.updated},
            {"skipped", r.skipped},
            {"totalInCampaign", r.totalInCampaign},
            {"failed", r.failed},
            {"queued", r.queued},
            {"missingTokens", r.missingTokens},
            {"unknownFields", r.unknownFields}};
  json errors = json::array();
  for (const RowError& e : r.errors) {
    errors.push_back({{"index", e.index}, {"email", e.email}, {"code", toString(e.code)}, {"message", e.message}});
  }
  j["errors"] = std::move(errors);
  json rows = json::array();
  for (const RowResult& row : r.rows) rows.push_back(rowToJson(row));
  j["rows"] = std::move(rows);
  // Row emails may hold invalid UTF-8 as given; keep the bytes readable.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

BulkResult deserializeResult(std::string_view text) {
  try {
    const json j = json::parse(text);
    BulkResult r;
    r.enrolled = j.at("enrolled").get<std::int64_t>();
    r.updated = j.at("updated").get<std::int64_t>();
    r.skipped = j.at("skipped").get<std::int64_t>();
    r.totalInCampaign = j.at("totalInCampaign").get<std::int64_t>();
    r.failed = j.at("failed").get<std::int64_t>();
    r.queued = j.at("queued").get<std::int64_t>();
    r.missingTokens = j.at("missingTokens").get<std::map<std::string, std::int64_t>>();
    r.unknownFields = j.at("unknownFields").get<std::map<std::string, std::int64_t>>();
    for (const json& e : j.at("errors")) {
      r.errors.push_back({e.at("index").get<std::size_t>(), e.at("email").get<std::string>(),
                          parseOr(e.at("code"), parseRowCode, RowCode::invalid_field),
                          e.at("message").get<std::string>()});
    }
    for (const json& row : j.at("rows")) {
      RowResult rr{row.at("index").get<std::size_t>(), row.at("email").get<std::string>(),
                   parseOr(row.at("outcome"), parseRowOutcome, RowOutcome::failed), std::nullopt};
      if (row.contains("code")) rr.code = parseOr(row.at("code"), parseRowCode, RowCode::invalid_field);
      r.rows.push_back(std::move(rr));
    }
    return r;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::storage_error, fmt::format("a stored idempotent result is unreadable: {}", e.what()));
  }
}

}  // namespace leadterra::detail
