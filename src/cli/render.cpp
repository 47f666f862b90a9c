#include "cli/render.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "cli/cli.hpp"
#include "engine/lead_record.hpp"
#include "leadterra/json.hpp"
#include "template/template.hpp"

namespace leadterra::cli {

std::string renderTemplate(std::string_view templateText, RenderAs as, std::string_view leadJson) {
  const LeadInput in = json::parseLead(leadJson);
  if (in.defect == RowDefect::malformed) throw UsageError("--lead must be a JSON object");
  if (in.defect == RowDefect::wrongType) {
    throw UsageError(fmt::format("--lead: \"{}\" must be {}", in.defectField,
                                 in.defectField == "customFields" ? "an object or null" : "a string or null"));
  }
  // The record the engine would hold for a lead enrolled from `in`.
  const LeadRecord record = previewRecord(in);
  const detail::Template parsed = detail::Template::parse(templateText);
  const auto resolve = [&record](const detail::Tag& tag) { return resolveLeadTag(record, tag); };
  if (as == RenderAs::subject) return parsed.renderHeader(resolve);  // as the engine renders a subject
  return parsed.render(as == RenderAs::htmlBody, resolve);
}

}  // namespace leadterra::cli
