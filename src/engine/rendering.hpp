// Rendering a campaign's steps for leads: each template parsed once per step
// (CompiledStep), rendered once per lead.
#pragma once

#include <span>
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

// The tokens that can render empty: the steps' tags used without a fallback,
// one per name as written, in order of appearance (each step's subject, then
// its body). BulkResult::missingTokens counts the leads that render them empty.
[[nodiscard]] std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps);

}  // namespace leadterra
