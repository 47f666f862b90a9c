#include "render.hpp"

#include <fmt/format.h>

#include <string>

#include "cli.hpp"
#include "leadterra/json.hpp"
#include "leadterra/render.hpp"

namespace leadterra::cli {

namespace {

// The lead object of `text`: the value of a {"lead": {...}} document (what
// `leads get` prints; "lead" is not a lead field, so such a document is never
// a lead itself), else `text` as it is.
std::string leadObject(std::string_view text) {
  const Json doc = Json::parse(text, nullptr, false);
  if (doc.is_object() && doc.size() == 1 && doc.contains("lead") && doc["lead"].is_object()) {
    return dump(doc.at("lead"));
  }
  return std::string(text);
}

}  // namespace

Rendering renderTemplate(std::string_view templateText, RenderAs as, std::string_view leadJson) {
  const LeadRow row = json::parseLead(leadObject(leadJson));
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
    return {renderStep(step, row.lead).subject, missingTokens(step, row.lead)};
  }
  step.body = std::string(templateText);
  step.format = as == RenderAs::htmlBody ? StepFormat::html : StepFormat::text;
  return {renderStep(step, row.lead).body, missingTokens(step, row.lead)};
}

}  // namespace leadterra::cli
