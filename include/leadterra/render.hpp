// leadterra/render.hpp: rendering a step for one lead, as the engine queues it.
//
// The engine renders a step's subject and body when it queues a message and
// again when the lead's fields or the step change. These functions give the
// same text without a database: to preview a step, or to check what was
// queued. Pure functions of their arguments; call them from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leadterra/campaign.hpp"
#include "leadterra/export.hpp"
#include "leadterra/lead.hpp"

namespace leadterra {

// A step rendered for one lead.
struct RenderedStep {
  std::string subject;  // a mail header value: never contains CR, LF or other control characters
  std::string body;     // HTML-escaped values when the step's format is html
  std::string variant = "A";  // the variant rendered (StepVariant::label)

  friend bool operator==(const RenderedStep&, const RenderedStep&) = default;
};

// Which message of the campaign the text is for. The engine's choice of a
// variant and of spintax options depends on the campaign, the step's number
// and the lead's email (docs/variants.md), so the same target gives the same
// text as the engine queues.
struct RenderTarget {
  std::string campaignId;  // empty: the stored lead's (Lead::campaignId); "" for a LeadInput
  std::int64_t step = 1;   // the step's number in the campaign
  // A label of the step's variants to render; empty: the one the engine
  // assigns by weight (a winner decision aside: CampaignEngine::previewStep
  // knows it).
  std::string variant;
};

// The step rendered for a stored lead: exactly the text the engine queues
// for it as step `target.step` (a winner decision aside, see RenderTarget).
// invalid_argument for a variant label the step does not have.
[[nodiscard]] LEADTERRA_EXPORT RenderedStep renderStep(const Step& step, const Lead& lead,
                                                       const RenderTarget& target = {});

// A preview for a lead that is not stored: the step rendered for the lead a
// bulk upsert would enroll from `input` (email normalized, customFields
// applied to an empty object). The input is not validated: fields a bulk
// upsert would reject render as given, or as empty when unreadable.
[[nodiscard]] LEADTERRA_EXPORT RenderedStep renderStep(const Step& step, const LeadInput& input,
                                                       const RenderTarget& target = {});

// The tokens of the step that render empty for the lead: those used without
// a fallback outside any section whose value is missing, null or "", each
// name once as written,
// in order of appearance (subject first). The tokens BulkResult::missingTokens
// counts.
[[nodiscard]] LEADTERRA_EXPORT std::vector<std::string> missingTokens(const Step& step, const Lead& lead);
[[nodiscard]] LEADTERRA_EXPORT std::vector<std::string> missingTokens(const Step& step, const LeadInput& input);

// A step with its subject and body parsed once, to render it for many leads:
// the same text as renderStep, without parsing the step's templates again
// for every lead. Immutable once made: share one between threads; copies
// share the parsed templates.
class LEADTERRA_EXPORT StepRenderer {
 public:
  explicit StepRenderer(const Step& step);

  [[nodiscard]] RenderedStep render(const Lead& lead, const RenderTarget& target = {}) const;
  [[nodiscard]] RenderedStep render(const LeadInput& input, const RenderTarget& target = {}) const;
  [[nodiscard]] std::vector<std::string> missingTokens(const Lead& lead) const;
  [[nodiscard]] std::vector<std::string> missingTokens(const LeadInput& input) const;

  // The step as given.
  [[nodiscard]] const Step& step() const noexcept;

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace leadterra
