#include "engine/rendering.hpp"

namespace leadterra {

std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps) {
  std::vector<CompiledStep> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    out.push_back({step, detail::Template::parse(step.subject), detail::Template::parse(step.body)});
  }
  return out;
}

RenderedStep renderFor(const CompiledStep& step, const LeadRecord& lead) {
  auto resolve = [&lead](const detail::Tag& tag) { return resolveLeadTag(lead, tag); };
  // A subject is a mail header: never HTML-escaped (only an html body is),
  // and folded to one line by detail::foldHeader.
  return {step.subject.renderHeader(resolve), step.body.render(step.step.format == StepFormat::html, resolve)};
}

// ---- leadterra/render.hpp ----

RenderedStep renderStep(const Step& step, const Lead& lead) {
  LeadRecord record;
  record.email = lead.email;
  record.firstName = lead.firstName;
  record.lastName = lead.lastName;
  record.company = lead.company;
  record.jobTitle = lead.jobTitle;
  record.customFields = CustomFields::fromText(lead.customFields);
  return renderFor(compileSteps({step}).front(), record);
}

RenderedStep renderStep(const Step& step, const LeadInput& input) {
  return renderFor(compileSteps({step}).front(), previewRecord(input));
}

}  // namespace leadterra
