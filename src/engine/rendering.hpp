// Rendering a campaign's steps for leads: each template parsed once per step
// (CompiledStep), rendered once per lead.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/lead_record.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/render.hpp"
#include "template/template.hpp"

namespace leadterra {

// The template token that renders a lead's unsubscribe link (also
// <<unsubscribeUrl>>; docs/personalize.md). Reserved: a lead field or custom
// field of this name never fills it.
inline constexpr std::string_view kUnsubscribeUrlToken = "unsubscribeUrl";

// A step with its templates parsed, for rendering many leads.
struct CompiledStep {
  Step step;
  detail::Template subject;
  detail::Template body;
  bool usesUnsubscribeUrl = false;  // {{unsubscribeUrl}} appears: the lead's link is needed
};

[[nodiscard]] std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps);

// Refuses a step whose subject or body uses syntax the templates do not
// support (partials, delimiter changes, unbalanced sections):
// Error(invalid_argument) naming `which` ("step 2"), the field, the line and
// column, and the problem. Called when a step is saved; a step stored before
// this check existed still renders (detail::Template::problem).
void checkStepTemplates(const Step& step, std::string_view which);

// The step's subject and body for the lead: what is queued for it.
// `unsubscribeUrl` is what {{unsubscribeUrl}} renders (the lead's link, or ""
// when its workspace has none); it is never a lead field
// (kUnsubscribeUrlToken).
[[nodiscard]] RenderedStep renderFor(const CompiledStep& step, const LeadRecord& lead,
                                     std::string_view unsubscribeUrl = {});

// The tokens that can render empty: the steps' variable tags used without a
// fallback outside any section, one per name as written, in order of
// appearance (each step's subject, then its body). BulkResult::missingTokens
// counts the leads that render them empty. {{unsubscribeUrl}} is not among
// them: no lead field fills it. Neither are section names (a section over a
// missing value is a choice, not a typo) nor tags inside sections (their
// value depends on the section's context, and they may not render at all).
[[nodiscard]] std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps);

}  // namespace leadterra
