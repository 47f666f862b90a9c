#include "render.hpp"

#include <fmt/format.h>

#include <string>

#include "cli.hpp"
#include "leadterra/json.hpp"
#include "leadterra/render.hpp"

namespace leadterra::cli {

std::string renderTemplate(std::string_view templateText, RenderAs as, std::string_view leadJson) {
  const LeadRow row = json::parseLead(leadJson);
  if (row.defect == RowDefect::malformed) throw UsageError("--lead must be a JSON object");
  if (row.defect == RowDefect::wrongType) {
    throw UsageError(fmt::format("--lead: \"{}\" must be {}", row.defectField,
                                 row.defectField == "customFields" ? "an object or null" : "a string or null"));
  }
  // The template as the part of a step it stands for, rendered for the lead
  // the engine would enroll from the row: exactly the engine's rules for that
  // part (a subject folded to one line, an html body escaping values).
  Step step;
  if (as == RenderAs::subject) {
    step.subject = std::string(templateText);
    return renderStep(step, row.lead).subject;
  }
  step.body = std::string(templateText);
  step.format = as == RenderAs::htmlBody ? StepFormat::html : StepFormat::text;
  return renderStep(step, row.lead).body;
}

}  // namespace leadterra::cli
