// The JSON adapter (leadterra/json.hpp) over nlohmann_json.
//
// Readers map untyped JSON onto LeadRow without judging the values: the
// engine validates them (emails, lengths, UTF-8, NUL) so that the library and
// the CLI reject exactly the same rows with the same codes. The readers only
// record what the types of the C++ surface cannot carry: a field of the wrong
// JSON type, a row that is not an object, and keys that are not lead fields.
#include "leadterra/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/json_internal.hpp"
#include "leadterra/error.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace leadterra {
namespace {

using detail::Json;
using detail::kDayNames;

std::string encodeUtf8(char32_t cp) {
  std::string out;
  out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
  out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
  out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  return out;
}

// nlohmann rejects a whole document for one ill-formed UTF-8 byte, but a bad
// row must fail alone (invalid_field) while the other rows proceed. So, before
// parsing, each ill-formed byte inside a string literal is replaced by a
// marker (a code point that occurs nowhere in the text, raw or escaped)
// followed by the byte in two hex digits; restore() turns markers back into
// the original bytes in the values read, and the engine then rejects that
// field with the code and message it gives any invalid UTF-8. An escaped lone
// surrogate ("\ud800") is valid JSON text but no UTF-8 string: it is marked
// the same way, as the three (ill-formed) bytes it would encode to. A
// well-formed text (the normal case) is parsed as it is, without a copy.
class ByteMarker {
 public:
  // The text to hand to the parser.
  std::string_view prepare(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t n = detail::utf8CharLength(text, i);
      if (n == 0 || (text[i] == '\\' && surrogateAt(text, i + 1) >= 0)) break;
      i += n;
    }
    if (i == text.size() || !chooseMarker(text)) return text;

    marked_.reserve(text.size() + 16);
    bool inString = false;
    for (i = 0; i < text.size();) {
      const char c = text[i];
      if (inString && c == '\\' && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0x80) {
        const long unit = surrogateAt(text, i + 1);
        if (unit >= 0xD800 && unit <= 0xDBFF && text.substr(i + 6, 1) == "\\" &&
            surrogateAt(text, i + 7) >= 0xDC00) {
          marked_.append(text.substr(i, 12));  // a pair: one code point, well-formed
          i += 12;
        } else if (unit >= 0) {
          for (const long byte : {0xE0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3F), 0x80 | (unit & 0x3F)}) {
            marked_ += marker_;
            marked_ += fmt::format("{:02X}", byte);
          }
          i += 6;
        } else {
          marked_.append(text.substr(i, 2));
          i += 2;
        }
        continue;
      }
      if (c == '"') inString = !inString;
      const std::size_t n = detail::utf8CharLength(text, i);
      if (n == 0 && inString) {
        marked_ += marker_;
        marked_ += fmt::format("{:02X}", static_cast<unsigned char>(c));
        ++i;
      } else {
        // Outside a string an ill-formed byte is a syntax error anyway.
        const std::size_t take = n == 0 ? 1 : n;
        marked_.append(text.substr(i, take));
        i += take;
      }
    }
    return marked_;
  }

  [[nodiscard]] bool marks(const std::string& s) const {
    return !marker_.empty() && s.find(marker_) != std::string::npos;
  }

  // True when any key or string inside `value` carried an ill-formed byte.
  [[nodiscard]] bool marksAnywhere(const Json& value) const {
    if (marker_.empty()) return false;
    if (value.is_string()) return marks(value.get_ref<const std::string&>());
    if (value.is_object()) {
      for (const auto& [key, item] : value.items()) {
        if (marks(key) || marksAnywhere(item)) return true;
      }
    } else if (value.is_array()) {
      for (const Json& item : value) {
        if (marksAnywhere(item)) return true;
      }
    }
    return false;
  }

  [[nodiscard]] std::string restore(std::string s) const {
    if (!marks(s)) return s;
    std::string out;
    std::size_t pos = 0;
    for (std::size_t found; (found = s.find(marker_, pos)) != std::string::npos;) {
      out.append(s, pos, found - pos);
      const std::size_t hex = found + marker_.size();
      out.push_back(static_cast<char>(std::stoi(s.substr(hex, 2), nullptr, 16)));
      pos = hex + 2;
    }
    out.append(s, pos);
    return out;
  }

 private:
  // The UTF-16 surrogate (D800-DFFF) of a "uXXXX" escape at text[at], else -1.
  static long surrogateAt(std::string_view text, std::size_t at) {
    if (at + 5 > text.size() || text[at] != 'u') return -1;
    long unit = 0;
    for (std::size_t k = at + 1; k < at + 5; ++k) {
      const char h = text[k];
      if (h >= '0' && h <= '9') {
        unit = unit * 16 + (h - '0');
      } else if ((h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')) {
        unit = unit * 16 + ((h | 0x20) - 'a' + 10);
      } else {
        return -1;
      }
    }
    return unit >= 0xD800 && unit <= 0xDFFF ? unit : -1;
  }

  // A private-use code point of plane 16 absent from the text, both as UTF-8
  // and as a \u surrogate-pair escape. False when every candidate occurs.
  bool chooseMarker(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    for (char32_t cp = 0x10FFFD; cp >= 0x100000; --cp) {
      const std::string utf8 = encodeUtf8(cp);
      const std::string escaped = fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + ((cp - 0x10000) >> 10),
                                              0xDC00 + ((cp - 0x10000) & 0x3FF));
      if (text.find(utf8) == std::string_view::npos && lower.find(escaped) == std::string::npos) {
        marker_ = utf8;
        return true;
      }
    }
    return false;
  }

  std::string marker_;  // empty: the text was well-formed
  std::string marked_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] ".
std::string parserMessage(const std::exception& e) {
  std::string_view what = e.what();
  if (what.starts_with("[json.exception.")) {
    const auto close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

Json parseDocument(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::invalid_argument, fmt::format("{} is not valid JSON: {}", what, parserMessage(e)));
  }
}

constexpr std::string_view kCustomFields = "customFields";

struct StandardField {
  std::string_view name;
  FieldPatch LeadInput::*field;
};

// In the order their problems are reported: email first.
constexpr StandardField kStandardFields[] = {
    {"email", &LeadInput::email},       {"firstName", &LeadInput::firstName}, {"lastName", &LeadInput::lastName},
    {"company", &LeadInput::company},   {"jobTitle", &LeadInput::jobTitle},
};

bool isLeadKey(std::string_view key) {
  if (key == kCustomFields) return true;
  for (const StandardField& f : kStandardFields) {
    if (f.name == key) return true;
  }
  return false;
}

// Whether arrays and objects nest deeper than `limit` levels in `value`
// (itself one level), found without recursion.
bool nestedDeeperThan(const Json& value, std::size_t limit) {
  std::vector<std::pair<const Json*, std::size_t>> pending{{&value, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth > limit) return true;
    for (const Json& item : *node) pending.emplace_back(&item, depth + 1);
  }
  return false;
}

LeadRow leadFromValue(const Json& value, const ByteMarker& marker) {
  LeadRow row;
  if (!value.is_object()) {
    row.defect = RowDefect::malformed;
    return row;
  }
  LeadInput& in = row.lead;
  const auto wrongType = [&row](std::string_view field) {
    if (row.defect != RowDefect::none) return;  // the first wrong field is reported
    row.defect = RowDefect::wrongType;
    row.defectField = std::string(field);
  };
  for (const StandardField& f : kStandardFields) {
    const auto it = value.find(f.name);
    if (it == value.end()) continue;
    if (it->is_string()) {
      in.*f.field = marker.restore(it->get<std::string>());
    } else if (it->is_null()) {
      in.*f.field = FieldPatch::null();
    } else {
      wrongType(f.name);
    }
  }
  if (const auto it = value.find(kCustomFields); it != value.end()) {
    if (it->is_null()) {
      in.customFields = "null";
    } else if (it->is_object() && nestedDeeperThan(*it, detail::kMaxJsonDepth)) {
      // Writing it as text (and marksAnywhere) would recurse once per level,
      // and a 1 MiB line can nest half a million. The engine gets an object
      // just past the limit instead, which it refuses (field_too_long) as it
      // refuses any text nested too deep; nothing of the row is stored.
      in.customFields = "{\"\":" + std::string(detail::kMaxJsonDepth, '[') +
                        std::string(detail::kMaxJsonDepth, ']') + "}";
    } else if (!it->is_object() || marker.marksAnywhere(*it)) {
      // A patch with ill-formed UTF-8 cannot be written as JSON text; it is
      // reported as the field it is.
      wrongType(kCustomFields);
    } else {
      in.customFields = it->dump();
    }
  }
  for (const auto& [key, item] : value.items()) {
    if (!isLeadKey(key)) row.unknownFields.push_back(marker.restore(key));
  }
  return row;
}

Json optionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// Whole days print as integers (3, not 3.0); fractions as they are.
Json delayValue(double days) {
  if (std::isfinite(days) && std::floor(days) == days && std::fabs(days) < 9.0e15) {
    return Json(static_cast<std::int64_t>(days));
  }
  return Json(days);
}

// The keys of a campaign document that carry its sending rules.
constexpr std::string_view kScheduleKeys[] = {"timeZone", "sendWindow", "dailyCap"};

bool isScheduleKey(std::string_view key) {
  for (const std::string_view k : kScheduleKeys) {
    if (k == key) return true;
  }
  return false;
}

// A JSON integer (not 9.0, not "9") that fits in int64.
std::optional<std::int64_t> wholeNumber(const Json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

[[noreturn]] void scheduleProblem(const std::string& problem) { throw Error(ErrorCode::invalid_argument, problem); }

// An hour of a window; the engine checks the range, this only keeps the
// value an int so that a wild number cannot wrap into the range.
int windowHour(const Json& value, std::string_view key) {
  const auto n = wholeNumber(value);
  if (!n || *n < -1000 || *n > 1000) scheduleProblem(fmt::format(R"("sendWindow": "{}" must be a whole number)", key));
  return static_cast<int>(*n);
}

SendWindow windowFromValue(const Json& value) {
  if (!value.is_object()) {
    scheduleProblem(R"("sendWindow" must be null or an object {"days": [...], "startHour", "endHour"})");
  }
  SendWindow w;
  for (const auto& [key, item] : value.items()) {
    if (key == "days") {
      if (!item.is_array()) scheduleProblem(R"("sendWindow": "days" must be an array like ["mon", "tue"])");
      w.days.fill(false);
      for (const Json& day : item) {
        const std::string_view* found = nullptr;
        if (day.is_string()) {
          found = std::find(std::begin(kDayNames), std::end(kDayNames), day.get_ref<const std::string&>());
        }
        if (found == nullptr || found == std::end(kDayNames)) {
          scheduleProblem(fmt::format(
              R"("sendWindow": {} is not a day; write "mon", "tue", "wed", "thu", "fri", "sat" or "sun")",
              detail::dump(day)));
        }
        w.days[static_cast<std::size_t>(found - std::begin(kDayNames))] = true;
      }
    } else if (key == "startHour") {
      w.startHour = windowHour(item, key);
    } else if (key == "endHour") {
      w.endHour = windowHour(item, key);
    } else {
      scheduleProblem(fmt::format(R"("sendWindow": unknown key "{}")", key));
    }
  }
  return w;
}

// One step object, {"subject", "body", "format", "delayDays"}; a problem is
// reported as `where` + ": " + what is wrong.
Step stepFromValue(const Json& item, const std::string& where) {
  const auto fail = [&where](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, where + ": " + problem);
  };
  Step step;
  bool hasSubject = false;
  bool hasBody = false;
  for (const auto& [key, value] : item.items()) {
    if (key == "subject" || key == "body") {
      if (!value.is_string()) fail(fmt::format("\"{}\" must be a string", key));
      (key == "subject" ? step.subject : step.body) = value.get<std::string>();
      (key == "subject" ? hasSubject : hasBody) = true;
    } else if (key == "format") {
      const auto format = value.is_string() ? parseStepFormat(value.get<std::string>()) : std::nullopt;
      if (!format) fail(R"("format" must be "text" or "html")");
      step.format = *format;
    } else if (key == "delayDays") {
      const double days = value.is_number() ? value.get<double>() : -1.0;
      if (!(days >= 0) || !std::isfinite(days)) fail(R"("delayDays" must be a number >= 0)");
      step.delayDays = days;
    } else {
      fail(fmt::format("unknown key \"{}\"", key));
    }
  }
  if (!hasSubject) fail(R"("subject" is missing)");
  if (!hasBody) fail(R"("body" is missing)");
  return step;
}

}  // namespace

// ---- Values (json_internal.hpp) ----

namespace detail {

Json timestampValue(Timestamp t) { return Json(formatIso(t)); }

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

Json toJsonValue(const BulkResult& result) {
  Json out = Json::object();
  out["enrolled"] = result.enrolled;
  out["updated"] = result.updated;
  out["skipped"] = result.skipped;
  out["totalInCampaign"] = result.totalInCampaign;
  out["failed"] = result.failed;
  out["queued"] = result.queued;
  Json errors = Json::array();
  for (const RowError& e : result.errors) {
    Json row = Json::object();
    row["index"] = e.index;
    row["email"] = e.email;
    row["code"] = std::string(toString(e.code));
    row["message"] = e.message;
    errors.push_back(std::move(row));
  }
  out["errors"] = std::move(errors);
  if (!result.missingTokens.empty()) out["missingTokens"] = result.missingTokens;
  if (!result.unknownFields.empty()) out["unknownFields"] = result.unknownFields;
  // The flags before the rows, so that a long preview still says up front
  // that nothing was written.
  if (result.dryRun) out["dryRun"] = true;
  if (result.replayed) out["replayed"] = true;
  if (!result.rows.empty()) {
    Json rows = Json::array();
    for (const RowResult& r : result.rows) {
      Json row = Json::object();
      row["index"] = r.index;
      row["email"] = r.email;
      row["outcome"] = std::string(toString(r.outcome));
      if (r.code) row["code"] = std::string(toString(*r.code));
      rows.push_back(std::move(row));
    }
    out["rows"] = std::move(rows);
  }
  return out;
}

BulkResult bulkResultFromJson(std::string_view text) {
  auto code = [](const Json& j) {
    if (auto c = parseRowCode(j.get<std::string>())) return *c;
    throw Error(ErrorCode::storage_error, fmt::format("unknown row code '{}'", j.get<std::string>()));
  };
  try {
    const Json j = Json::parse(text);
    BulkResult r;
    r.enrolled = j.at("enrolled").get<std::int64_t>();
    r.updated = j.at("updated").get<std::int64_t>();
    r.skipped = j.at("skipped").get<std::int64_t>();
    r.totalInCampaign = j.at("totalInCampaign").get<std::int64_t>();
    r.failed = j.at("failed").get<std::int64_t>();
    r.queued = j.at("queued").get<std::int64_t>();
    r.missingTokens = j.value("missingTokens", std::map<std::string, std::int64_t>{});
    r.unknownFields = j.value("unknownFields", std::map<std::string, std::int64_t>{});
    for (const Json& e : j.value("errors", Json::array())) {
      r.errors.push_back({e.at("index").get<std::size_t>(), e.at("email").get<std::string>(), code(e.at("code")),
                          e.at("message").get<std::string>()});
    }
    for (const Json& row : j.value("rows", Json::array())) {
      const auto outcome = parseRowOutcome(row.at("outcome").get<std::string>());
      if (!outcome) throw Error(ErrorCode::storage_error, "unknown row outcome");
      r.rows.push_back({row.at("index").get<std::size_t>(), row.at("email").get<std::string>(), *outcome,
                        row.contains("code") ? std::optional<RowCode>(code(row.at("code"))) : std::nullopt});
    }
    return r;
  } catch (const Json::exception& e) {
    throw Error(ErrorCode::storage_error, fmt::format("a stored bulk result is unreadable: {}", e.what()));
  }
}

Json toJsonValue(const Workspace& workspace) {
  Json out = Json::object();
  out["id"] = workspace.id;
  out["name"] = workspace.name;
  out["createdAt"] = timestampValue(workspace.createdAt);
  return out;
}

Json toJsonValue(const Step& step) {
  Json out = Json::object();
  out["subject"] = step.subject;
  out["body"] = step.body;
  out["format"] = std::string(toString(step.format));
  out["delayDays"] = delayValue(step.delayDays);
  return out;
}

Json toJsonValue(const Campaign& campaign) {
  Json out = Json::object();
  out["id"] = campaign.id;
  out["workspaceId"] = campaign.workspaceId;
  out["name"] = campaign.name;
  out["status"] = std::string(toString(campaign.status));
  out["createdAt"] = timestampValue(campaign.createdAt);
  out["startedAt"] = campaign.startedAt ? timestampValue(*campaign.startedAt) : Json(nullptr);
  out["leadsEnrolled"] = campaign.leadsEnrolled;
  out["queuedMessages"] = campaign.queuedMessages;
  Json steps = Json::array();
  for (const Step& step : campaign.steps) steps.push_back(toJsonValue(step));
  out["steps"] = std::move(steps);
  out["timeZone"] = campaign.schedule.timeZone;
  out["sendWindow"] = toJsonValue(campaign.schedule.sendWindow);
  out["dailyCap"] = campaign.schedule.dailyCap ? Json(*campaign.schedule.dailyCap) : Json(nullptr);
  return out;
}

Json toJsonValue(const std::optional<SendWindow>& window) {
  if (!window) return Json(nullptr);
  Json days = Json::array();
  for (std::size_t i = 0; i < window->days.size(); ++i) {
    if (window->days[i]) days.push_back(std::string(kDayNames[i]));
  }
  Json out = Json::object();
  out["days"] = std::move(days);
  out["startHour"] = window->startHour;
  out["endHour"] = window->endHour;
  return out;
}

CampaignSchedule parseSchedule(const Json& object) {
  if (!object.is_object()) scheduleProblem("the sending rules must be a JSON object");
  CampaignSchedule schedule;
  if (const auto it = object.find("timeZone"); it != object.end()) {
    if (!it->is_string()) scheduleProblem(R"("timeZone" must be an IANA time zone name like "Europe/Oslo")");
    schedule.timeZone = it->get<std::string>();
  }
  if (const auto it = object.find("sendWindow"); it != object.end() && !it->is_null()) {
    schedule.sendWindow = windowFromValue(*it);
  }
  if (const auto it = object.find("dailyCap"); it != object.end() && !it->is_null()) {
    const auto cap = wholeNumber(*it);
    if (!cap) scheduleProblem(R"("dailyCap" must be null or a whole number)");
    schedule.dailyCap = *cap;
  }
  return schedule;
}

Json toJsonValue(const StartResult& start) {
  Json out = Json::object();
  out["id"] = start.id;
  out["status"] = std::string(toString(start.status));
  out["startedAt"] = timestampValue(start.startedAt);
  out["leadsEnrolled"] = start.leadsEnrolled;
  out["queuedMessages"] = start.queuedMessages;
  return out;
}

Json toJsonValue(const Lead& lead) {
  Json out = Json::object();
  out["id"] = lead.id;
  out["email"] = lead.email;
  out["firstName"] = optionalString(lead.firstName);
  out["lastName"] = optionalString(lead.lastName);
  out["company"] = optionalString(lead.company);
  out["jobTitle"] = optionalString(lead.jobTitle);
  // Stored as JSON text by the engine; shown as the object it is.
  Json custom = Json::parse(lead.customFields, nullptr, false);
  out["customFields"] = custom.is_discarded() ? Json(lead.customFields) : std::move(custom);
  out["position"] = lead.position;
  out["status"] = std::string(toString(lead.status));
  out["createdAt"] = timestampValue(lead.createdAt);
  out["updatedAt"] = timestampValue(lead.updatedAt);
  return out;
}

Json toJsonValue(const Message& message) {
  Json out = Json::object();
  out["id"] = message.id;
  out["workspaceId"] = message.workspaceId;
  out["campaignId"] = message.campaignId;
  out["leadId"] = message.leadId;
  out["email"] = message.email;
  out["step"] = message.step;
  out["subject"] = message.subject;
  out["body"] = message.body;
  out["format"] = std::string(toString(message.format));
  out["status"] = std::string(toString(message.status));
  out["scheduledAt"] = timestampValue(message.scheduledAt);
  out["attempts"] = message.attempts;
  if (message.leaseUntil) out["leaseUntil"] = timestampValue(*message.leaseUntil);
  if (message.sentAt) out["sentAt"] = timestampValue(*message.sentAt);
  if (message.lastError) out["lastError"] = *message.lastError;
  return out;
}

Json toJsonValue(const SuppressionEntry& entry) {
  Json out = Json::object();
  out["entry"] = entry.entry;
  out["kind"] = std::string(toString(entry.kind));
  out["createdAt"] = timestampValue(entry.createdAt);
  return out;
}

Json toJsonValue(const LeadCounts& counts) {
  Json byStatus = Json::object();
  for (std::size_t i = 0; i < counts.byStatus.size(); ++i) {
    byStatus[std::string(toString(static_cast<LeadStatus>(i)))] = counts.byStatus[i];
  }
  Json out = Json::object();
  out["campaignId"] = counts.campaignId;
  out["total"] = counts.total;
  out["byStatus"] = std::move(byStatus);
  return out;
}

Json toJsonValue(const SuppressionResult& result, SuppressionOp op) {
  Json out = Json::object();
  if (op == SuppressionOp::add) {
    out["added"] = result.added;
  } else {
    out["removed"] = result.removed;
  }
  out["leadsSuppressed"] = result.leadsSuppressed;
  out["messagesCancelled"] = result.messagesCancelled;
  return out;
}

}  // namespace detail

// ---- Public adapter (json.hpp) ----

namespace json {

std::vector<LeadRow> parseLeads(std::string_view body) {
  ByteMarker marker;
  const Json doc = parseDocument(marker.prepare(body), "the bulk body");
  if (!doc.is_object()) {
    throw Error(ErrorCode::invalid_argument, R"(the bulk body must be a JSON object {"leads": [...]})");
  }
  const auto leads = doc.find("leads");
  if (leads == doc.end() || !leads->is_array()) {
    throw Error(ErrorCode::invalid_argument, R"(the bulk body has no "leads" array)");
  }
  std::vector<LeadRow> out;
  out.reserve(leads->size());
  for (const Json& row : *leads) out.push_back(leadFromValue(row, marker));
  return out;
}

LeadRow parseLead(std::string_view object) {
  ByteMarker marker;
  const Json value = Json::parse(marker.prepare(object), nullptr, false);
  if (value.is_discarded()) {
    LeadRow row;
    row.defect = RowDefect::malformed;
    return row;
  }
  return leadFromValue(value, marker);
}

CampaignSchedule parseSchedule(std::string_view body) {
  const Json doc = parseDocument(body, "the document");
  if (!doc.is_object()) throw Error(ErrorCode::invalid_argument, "the document must be a JSON object");
  return detail::parseSchedule(doc);
}

std::vector<Step> parseSteps(std::string_view body) {
  const Json doc = parseDocument(body, "the steps document");
  const auto fail = [](const std::string& problem) {
    throw Error(ErrorCode::invalid_argument, "steps document: " + problem);
  };
  if (!doc.is_object()) fail(R"(must be a JSON object {"steps": [...]})");
  for (const auto& [key, value] : doc.items()) {
    if (key != "steps" && !isScheduleKey(key)) fail(fmt::format("unknown key \"{}\"", key));
  }
  const auto steps = doc.find("steps");
  if (steps == doc.end() || !steps->is_array()) fail(R"(has no "steps" array)");
  // The sending rules are read by parseSchedule; a document is accepted
  // whole or not at all, so their shape is checked here too.
  try {
    (void)detail::parseSchedule(doc);
  } catch (const Error& e) {
    fail(e.what());
  }

  std::vector<Step> out;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Json& item = (*steps)[i];
    const std::string where = fmt::format("steps document: step {}", i + 1);
    if (!item.is_object()) fail(fmt::format("step {} is not an object", i + 1));
    out.push_back(stepFromValue(item, where));
  }
  return out;
}

Step parseStep(std::string_view object) {
  const Json doc = parseDocument(object, "the step");
  if (!doc.is_object()) {
    throw Error(ErrorCode::invalid_argument, R"(the step must be a JSON object {"subject", "body", ...})");
  }
  return stepFromValue(doc, "the step");
}

std::string toJson(const BulkResult& result) { return detail::dump(detail::toJsonValue(result)); }
std::string toJson(const Workspace& workspace) { return detail::dump(detail::toJsonValue(workspace)); }
std::string toJson(const Campaign& campaign) { return detail::dump(detail::toJsonValue(campaign)); }
std::string toJson(const StartResult& start) { return detail::dump(detail::toJsonValue(start)); }
std::string toJson(const Lead& lead) { return detail::dump(detail::toJsonValue(lead)); }
std::string toJson(const Message& message) { return detail::dump(detail::toJsonValue(message)); }
std::string toJson(const SuppressionEntry& entry) { return detail::dump(detail::toJsonValue(entry)); }
std::string toJson(const LeadCounts& counts) { return detail::dump(detail::toJsonValue(counts)); }

std::string formatTimestamp(Timestamp t) { return detail::formatIso(t); }

Timestamp parseTimestamp(std::string_view text) {
  if (auto t = detail::parseIso(text)) return *t;
  throw Error(ErrorCode::invalid_argument,
              fmt::format("\"{}\" is not a UTC ISO-8601 timestamp like 2025-06-10T15:00:00Z", text));
}

}  // namespace json
}  // namespace leadterra
