// Export: a campaign's leads as CSV or JSON Lines, a page at a time, inside
// the one read transaction of the call (docs/export.md).
//
// Memory holds one page of leads and its text, never the campaign: each
// page's text goes to the sink before the next page is read. A CSV header
// needs every custom key first; those come from one pass that keeps only the
// keys.
#include <fmt/format.h>

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine_impl.hpp"
#include "util/time.hpp"

namespace leadterra {

namespace {

// Leads per page: large enough that the per-page overhead (a statement run,
// a sink call) vanishes, small enough that a page of maximal leads (16 KiB
// of customFields each) stays within a few megabytes.
constexpr std::int64_t kExportPage = 256;

// The CSV columns of a lead's state. Prefixed so that an import leaves them
// out (docs/import.md) and none is read as a field: "Position" alone is a
// job title there.
constexpr std::string_view kStateColumns[] = {"leadterra:status", "leadterra:position", "leadterra:variant",
                                              "leadterra:lastEvent", "leadterra:lastEventAt"};

// Thrown through the engine's transaction in place of a sink's exception,
// which exportLeads then rethrows as it was (the transaction would turn a
// std::exception into a storage_error). Not a std::exception on purpose.
struct SinkStopped {};

// What last happened to the lead: the status its message that changed last
// took and when, or "enrolled" at its creation when it has no message.
struct LastEvent {
  std::string_view name;
  Timestamp at;
};

LastEvent lastEvent(const store::ExportedLead& row) {
  if (!row.latest) return {"enrolled", row.lead.createdAt};
  return {toString(row.latest->status), row.latest->updatedAt};
}

// ---- CSV (RFC 4180) ----

// A cell, quoted when it holds a byte the importer would otherwise read as
// structure: a quote, a line break, or any of the delimiters it detects.
void appendCsvCell(std::string& out, std::string_view text) {
  if (text.find_first_of(",;\t\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void appendCsvOptional(std::string& out, const std::optional<std::string>& text) {
  if (text) appendCsvCell(out, *text);
}

// The key's value as a cell: a string's own text, anything else its
// compact JSON; nothing when the lead does not have the key.
void appendCustomCell(std::string& out, const CustomFields& fields, const std::string& key) {
  if (fields.isFlat()) {
    if (const auto value = fields.flatIndex().find(fields.text(), key)) appendCsvCell(out, *value);
    return;
  }
  const detail::Json& json = fields.json();
  const auto it = json.find(key);
  if (it == json.end()) return;
  appendCsvCell(out, it->is_string() ? it->get_ref<const std::string&>() : it->dump());
}

void appendCsvHeader(std::string& out, const std::vector<std::string>& customKeys) {
  out += "email,firstName,lastName,company,jobTitle";
  for (const std::string& key : customKeys) {
    out += ',';
    appendCsvCell(out, key);
  }
  for (const std::string_view column : kStateColumns) {
    out += ',';
    out += column;
  }
  out += "\r\n";
}

void appendCsvRow(std::string& out, const store::ExportedLead& row, const std::vector<std::string>& customKeys) {
  const LeadRecord& lead = row.lead;
  appendCsvCell(out, lead.email);
  for (const auto* field : {&lead.firstName, &lead.lastName, &lead.company, &lead.jobTitle}) {
    out += ',';
    appendCsvOptional(out, *field);
  }
  for (const std::string& key : customKeys) {
    out += ',';
    appendCustomCell(out, lead.customFields, key);
  }
  const LastEvent event = lastEvent(row);
  fmt::format_to(std::back_inserter(out), ",{},{},{},{},{}\r\n", toString(lead.status), lead.position,
                 row.latest ? std::string_view(row.latest->variant) : std::string_view(), event.name,
                 detail::formatIso(event.at));
}

// ---- JSON Lines ----

// A JSON string as nlohmann::json writes one (the JSON adapter's output):
// UTF-8 kept, the two-character escapes where they exist, \u00XX for the
// other control characters.
void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void appendJsonOptional(std::string& out, const std::optional<std::string>& text) {
  if (text) {
    appendJsonString(out, *text);
  } else {
    out += "null";
  }
}

void appendJsonTime(std::string& out, Timestamp t) {
  fmt::format_to(std::back_inserter(out), "\"{}\"", detail::formatIso(t));
}

// The lead's JSON (the keys of json::toJson(Lead), in its order), then the
// export's own keys.
void appendJsonLine(std::string& out, const store::ExportedLead& row) {
  const LeadRecord& lead = row.lead;
  out += "{\"id\":";
  appendJsonString(out, lead.id);
  out += ",\"email\":";
  appendJsonString(out, lead.email);
  const std::pair<std::string_view, const std::optional<std::string>*> fields[] = {
      {"firstName", &lead.firstName}, {"lastName", &lead.lastName}, {"company", &lead.company},
      {"jobTitle", &lead.jobTitle}};
  for (const auto& [name, value] : fields) {
    fmt::format_to(std::back_inserter(out), ",\"{}\":", name);
    appendJsonOptional(out, *value);
  }
  // Stored compact and validated by the engine: written as it is.
  fmt::format_to(std::back_inserter(out), ",\"customFields\":{},\"position\":{},\"status\":\"{}\",\"pausedUntil\":",
                 lead.customFields.text(), lead.position, toString(lead.status));
  if (lead.pausedUntil) {
    appendJsonTime(out, *lead.pausedUntil);
  } else {
    out += "null";
  }
  out += ",\"createdAt\":";
  appendJsonTime(out, lead.createdAt);
  out += ",\"updatedAt\":";
  appendJsonTime(out, lead.updatedAt);
  out += ",\"variant\":";
  if (row.latest) {
    appendJsonString(out, row.latest->variant);
  } else {
    out += "null";
  }
  const LastEvent event = lastEvent(row);
  fmt::format_to(std::back_inserter(out), ",\"lastEvent\":\"{}\",\"lastEventAt\":", event.name);
  appendJsonTime(out, event.at);
  out += "}\n";
}

// Every page of the campaign's leads, each written into `text` by `write`
// and handed to the sink; how many leads.
template <typename Write>
std::int64_t writePages(Call& call, std::string_view campaignId, const LeadFilter& filter, const ExportSink& sink,
                        std::string& text, Write write) {
  store::LeadKey after;
  std::int64_t written = 0;
  for (;;) {
    const std::vector<store::ExportedLead> rows =
        call.db.leads().exportPage(call.tx, campaignId, filter, after, kExportPage);
    for (const store::ExportedLead& row : rows) write(text, row);
    if (!text.empty()) sink(text);
    text.clear();
    written += static_cast<std::int64_t>(rows.size());
    if (rows.size() < static_cast<std::size_t>(kExportPage)) return written;
    after = {rows.back().lead.ord, rows.back().lead.seq};
  }
}

std::int64_t writeExport(Call& call, std::string_view campaignId, ExportFormat format, const LeadFilter& filter,
                         const ExportSink& sink) {
  std::string text;
  if (format == ExportFormat::jsonl) {
    return writePages(call, campaignId, filter, sink, text, appendJsonLine);
  }
  const std::vector<std::string> keys = call.db.leads().customKeys(call.tx, campaignId);
  appendCsvHeader(text, keys);
  return writePages(call, campaignId, filter, sink, text,
                    [&](std::string& out, const store::ExportedLead& row) { appendCsvRow(out, row, keys); });
}

}  // namespace

std::int64_t CampaignEngine::exportLeads(std::string_view campaignId, ExportFormat format, const ExportSink& sink,
                                         const ExportOptions& options, const Scope& scope) {
  if (format != ExportFormat::csv && format != ExportFormat::jsonl) {
    throw Error(ErrorCode::invalid_argument, "an export's format must be csv or jsonl");
  }
  if (!sink) throw Error(ErrorCode::invalid_argument, "an export needs a sink");
  if (options.filter.status && !parseLeadStatus(toString(*options.filter.status))) {
    throw Error(ErrorCode::invalid_argument, "a filter's status is not one of the enumeration's values");
  }
  std::exception_ptr sinkFailure;
  const ExportSink guarded = [&](std::string_view chunk) {
    try {
      sink(chunk);
    } catch (...) {
      sinkFailure = std::current_exception();
      throw SinkStopped{};
    }
  };
  try {
    return impl_->read([&](Call& call) {
      const store::CampaignRow c = campaignInScope(call, campaignId, scope);
      return writeExport(call, c.id, format, options.filter, guarded);
    });
  } catch (const SinkStopped&) {
    std::rethrow_exception(sinkFailure);
  }
}

}  // namespace leadterra
