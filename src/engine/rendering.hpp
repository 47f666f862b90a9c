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

// The step's subject and body for the lead: what is queued for it.
// `unsubscribeUrl` is what {{unsubscribeUrl}} renders (the lead's link, or ""
// when its workspace has none); it is never a lead field
// (kUnsubscribeUrlToken).
[[nodiscard]] RenderedStep renderFor(const CompiledStep& step, const LeadRecord& lead,
                                     std::string_view unsubscribeUrl = {});

// The tokens that can render empty: the steps' tags used without a fallback,
// one per name as written, in order of appearance (each step's subject, then
// its body). BulkResult::missingTokens counts the leads that render them empty.
// {{unsubscribeUrl}} is not among them: no lead field fills it.
[[nodiscard]] std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps);

}  // namespace leadterra
