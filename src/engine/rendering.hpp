// Rendering a campaign's steps for leads: each template parsed once per step
// (CompiledStep), rendered once per lead.
#pragma once

#include <cstdint>
#include <span>
#include <string>
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

// One variant of a step with its templates parsed.
struct CompiledVariant {
  std::string label;
  double weight = 1;
  detail::Template subject;
  detail::Template body;
  bool usesUnsubscribeUrl = false;  // {{unsubscribeUrl}} appears: the lead's link is needed
  bool hasSpins = false;            // spintax appears: the lead's spin key is needed
};

// A step with its templates parsed, for rendering many leads.
struct CompiledStep {
  Step step;
  // Its variants, by label; a step without variants has one, "A", made of
  // its subject and body.
  std::vector<CompiledVariant> variants;
  bool usesUnsubscribeUrl = false;  // in any variant
  std::string labels;               // the variants' labels in order ("AB"): part of the assignment's key
  double totalWeight = 0;           // the sum of the variants' weights

  // The variant with this label, if the step has it.
  [[nodiscard]] const CompiledVariant* find(std::string_view label) const noexcept;
};

[[nodiscard]] std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps);

// The step's variants: `step.variants`, or the one variant "A" made of its
// subject and body.
[[nodiscard]] std::vector<StepVariant> variantsOf(const Step& step);

// Refuses a step whose subject or body (or a variant's) uses syntax the
// templates do not support (partials, delimiter changes, unbalanced
// sections or spins): Error(invalid_argument) naming `which` ("step 2"), the
// variant, the field, the line and column, and the problem. Called when a
// step is saved; a step stored before this check existed still renders
// (detail::Template::problem).
void checkStepTemplates(const Step& step, std::string_view which);

// The variant the campaign's lead with this email gets for step `number`:
// by weight, from a stable hash of the campaign, the step's number and the
// email, so that every process and every call gives the same answer.
[[nodiscard]] const CompiledVariant& assignVariant(const CompiledStep& step, std::string_view campaignId,
                                                   std::int64_t number, std::string_view email);

// The key that picks the lead's spintax options in one variant of a step
// (0 when the variant has no spins: nothing to pick).
[[nodiscard]] std::uint64_t spinKey(const CompiledVariant& variant, std::string_view campaignId, std::int64_t number,
                                    std::string_view email);

// The variant's subject and body for the lead: what is queued for it.
// `unsubscribeUrl` is what {{unsubscribeUrl}} renders (the lead's link, or ""
// when its workspace has none); it is never a lead field
// (kUnsubscribeUrlToken).
[[nodiscard]] RenderedStep renderFor(const CompiledStep& step, const CompiledVariant& variant, std::uint64_t spinKey,
                                     const LeadRecord& lead, std::string_view unsubscribeUrl = {});

// The tokens that can render empty: the steps' variable tags used without a
// fallback outside any section or spin, one per name as written, in order of
// appearance (each step's variants in order, each subject, then its body). BulkResult::missingTokens
// counts the leads that render them empty. {{unsubscribeUrl}} is not among
// them: no lead field fills it. Neither are section names (a section over a
// missing value is a choice, not a typo) nor tags inside sections (their
// value depends on the section's context, and they may not render at all)
// or spins (the lead's option may not use them).
[[nodiscard]] std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps);

}  // namespace leadterra
