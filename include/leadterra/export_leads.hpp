// leadterra/export_leads.hpp: a campaign's leads written out as CSV or JSON
// Lines, in pieces handed to a sink (docs/export.md).
//
// An export reads the campaign in pages inside one read transaction, so it
// sees one consistent snapshot, and hands each page's text to the sink before
// reading the next: memory stays flat however many leads the campaign holds.
// Plain values; safe to copy between threads.
#pragma once

#include <functional>
#include <string_view>

#include "leadterra/listing.hpp"

namespace leadterra {

enum class ExportFormat {
  // A header row, then one row per lead (RFC 4180, CRLF line ends, UTF-8
  // without a byte order mark): the standard fields, one column per custom
  // key of the campaign's leads, then the lead's state in columns named
  // "leadterra:..." that an import leaves out.
  csv,
  // One JSON object per line (LF): the lead as json::toJson(Lead) writes it,
  // with "variant", "lastEvent" and "lastEventAt" added.
  jsonl,
};

struct ExportOptions {
  // Which leads: every filter given must match (as listLeads). Default: all.
  LeadFilter filter;
};

// Receives the export's text in order, a piece at a time (whole rows, never
// a row cut in two); the view is valid only during the call. An exception it
// throws stops the export and leaves exportLeads as it is.
using ExportSink = std::function<void(std::string_view chunk)>;

}  // namespace leadterra
