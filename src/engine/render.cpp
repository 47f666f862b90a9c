// The public rendering functions (leadterra/render.hpp): the engine's own
// rendering of a step, for a stored lead or a preview.
#include "leadterra/render.hpp"

#include "engine/engine_impl.hpp"

namespace leadterra {

namespace {

RenderedStep renderRecord(const Step& step, const LeadRecord& record) {
  const std::vector<CompiledStep> compiled = EngineImpl::compile({step});
  Rendered r = EngineImpl::render(compiled.front(), record);
  return {std::move(r.subject), std::move(r.body)};
}

}  // namespace

RenderedStep renderStep(const Step& step, const Lead& lead) {
  LeadRecord record;
  record.email = lead.email;
  record.firstName = lead.firstName;
  record.lastName = lead.lastName;
  record.company = lead.company;
  record.jobTitle = lead.jobTitle;
  record.customFields = CustomFields::fromText(lead.customFields);
  return renderRecord(step, record);
}

RenderedStep renderStep(const Step& step, const LeadInput& input) { return renderRecord(step, previewRecord(input)); }

}  // namespace leadterra
