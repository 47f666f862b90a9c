#include "engine/rendering.hpp"

#include <memory>
#include <utility>

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

struct StepRenderer::Compiled {
  CompiledStep step;
};

StepRenderer::StepRenderer(const Step& step)
    : compiled_(std::make_shared<const Compiled>(Compiled{std::move(compileSteps({step}).front())})) {}

const Step& StepRenderer::step() const noexcept { return compiled_->step.step; }

RenderedStep StepRenderer::render(const Lead& lead) const {
  LeadRecord record;
  record.email = lead.email;
  record.firstName = lead.firstName;
  record.lastName = lead.lastName;
  record.company = lead.company;
  record.jobTitle = lead.jobTitle;
  record.customFields = CustomFields::fromText(lead.customFields);
  return renderFor(compiled_->step, record);
}

RenderedStep StepRenderer::render(const LeadInput& input) const {
  return renderFor(compiled_->step, previewRecord(input));
}

RenderedStep renderStep(const Step& step, const Lead& lead) { return StepRenderer(step).render(lead); }

RenderedStep renderStep(const Step& step, const LeadInput& input) { return StepRenderer(step).render(input); }

}  // namespace leadterra
