#include "cli/render.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "cli/cli.hpp"
#include "engine/lead_record.hpp"
#include "leadterra/json.hpp"
#include "template/template.hpp"

namespace leadterra::cli {

std::string renderTemplate(std::string_view templateText, bool html, std::string_view leadJson) {
  const LeadInput in = json::parseLead(leadJson);
  if (in.defect == RowDefect::malformed) throw UsageError("--lead must be a JSON object");
  if (in.defect == RowDefect::wrongType) {
    throw UsageError(fmt::format("--lead: \"{}\" must be {}", in.defectField,
                                 in.defectField == "customFields" ? "an object or null" : "a string or null"));
  }
  // The record the engine would hold for a lead enrolled from `in`.
  const LeadRecord record = previewRecord(in);
  const detail::Template parsed = detail::Template::parse(templateText);
  return parsed.render(html, [&record](const detail::Tag& tag) { return resolveLeadTag(record, tag); });
}

}  // namespace leadterra::cli
