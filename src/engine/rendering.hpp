// Rendering a campaign's steps for leads: each template parsed once per step
// (CompiledStep), rendered once per lead.
#pragma once

#include <vector>

#include "engine/lead_record.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/render.hpp"
#include "template/template.hpp"

namespace leadterra {

// A step with its templates parsed, for rendering many leads.
struct CompiledStep {
  Step step;
  detail::Template subject;
  detail::Template body;
};

[[nodiscard]] std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps);

// The step's subject and body for the lead: what is queued for it.
[[nodiscard]] RenderedStep renderFor(const CompiledStep& step, const LeadRecord& lead);

}  // namespace leadterra
