#include "cli/render.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "cli/cli.hpp"
#include "engine/lead_record.hpp"
#include "leadterra/json.hpp"
#include "template/template.hpp"
#include "util/text.hpp"

namespace leadterra::cli {
namespace {

std::optional<std::string> fieldValue(const FieldPatch& field) {
  return field.hasValue() ? std::optional<std::string>(field.value()) : std::nullopt;
}

// The record the engine would hold for a lead enrolled from `in`: the email
// normalized, customFields the patch applied to an empty object.
LeadRecord recordFrom(const LeadInput& in) {
  LeadRecord record;
  if (in.email.hasValue()) (void)detail::normalizeEmail(in.email.value(), record.email);
  record.firstName = fieldValue(in.firstName);
  record.lastName = fieldValue(in.lastName);
  record.company = fieldValue(in.company);
  record.jobTitle = fieldValue(in.jobTitle);
  if (in.customFields) record.customFields.merge_patch(nlohmann::json::parse(*in.customFields));
  if (!record.customFields.is_object()) record.customFields = nlohmann::json::object();
  return record;
}

}  // namespace

std::string renderTemplate(std::string_view templateText, bool html, std::string_view leadJson) {
  const LeadInput in = json::parseLead(leadJson);
  if (in.defect == RowDefect::malformed) throw UsageError("--lead must be a JSON object");
  if (in.defect == RowDefect::wrongType) {
    throw UsageError(fmt::format("--lead: \"{}\" must be {}", in.defectField,
                                 in.defectField == "customFields" ? "an object or null" : "a string or null"));
  }
  const LeadRecord record = recordFrom(in);
  const detail::Template parsed = detail::Template::parse(templateText);
  return parsed.render(html, [&record](const detail::Tag& tag) { return resolveLeadTag(record, tag); });
}

}  // namespace leadterra::cli
