#include "engine/rendering.hpp"

#include <fmt/format.h>

#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "leadterra/error.hpp"

namespace leadterra {

namespace {

bool isUnsubscribeUrl(const detail::Tag& tag) { return tag.path.size() == 1 && tag.path[0] == kUnsubscribeUrlToken; }

// {{unsubscribeUrl}} is resolved by the engine even inside a section whose
// context has a key of that name: lead data never fills it.
constexpr std::string_view kPinnedNames[] = {kUnsubscribeUrlToken};

detail::Template parseTemplate(std::string_view text) { return detail::Template::parse(text, kPinnedNames); }

bool usesUnsubscribeUrl(const detail::Template& t) {
  for (const detail::Tag& tag : t.tags()) {
    if (isUnsubscribeUrl(tag)) return true;
  }
  return false;
}

}  // namespace

const CompiledVariant* CompiledStep::find(std::string_view label) const noexcept {
  for (const CompiledVariant& v : variants) {
    if (v.label == label) return &v;
  }
  return nullptr;
}

std::vector<StepVariant> variantsOf(const Step& step) {
  if (!step.variants.empty()) return step.variants;
  return {StepVariant{"A", step.subject, step.body, 1}};
}

std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps) {
  std::vector<CompiledStep> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    CompiledStep c{step, {}, false, {}, 0};
    for (const StepVariant& v : variantsOf(step)) {
      CompiledVariant cv{v.label, v.weight, parseTemplate(v.subject), parseTemplate(v.body), false};
      cv.usesUnsubscribeUrl = usesUnsubscribeUrl(cv.subject) || usesUnsubscribeUrl(cv.body);
      cv.hasSpins = !cv.subject.spins().empty() || !cv.body.spins().empty();
      c.usesUnsubscribeUrl = c.usesUnsubscribeUrl || cv.usesUnsubscribeUrl;
      c.labels += cv.label;
      c.totalWeight += cv.weight;
      c.variants.push_back(std::move(cv));
    }
    out.push_back(std::move(c));
  }
  return out;
}

void checkStepTemplates(const Step& step, std::string_view which) {
  for (const StepVariant& v : variantsOf(step)) {
    const std::string where = step.variants.empty() ? std::string(which) : fmt::format("{} variant {}", which, v.label);
    for (const auto& [field, text] : {std::pair{"subject", &v.subject}, std::pair{"body", &v.body}}) {
      const detail::Template t = parseTemplate(*text);
      if (const auto& p = t.problem()) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("{} {}, line {}, column {}: {}", where, field, p->line, p->column, p->message));
      }
    }
  }
}

namespace {

// The hash input of a lead's choices: the parts joined by a byte no id,
// label or email contains.
std::string choiceKey(std::string_view campaignId, std::int64_t number, std::string_view label,
                      std::string_view email) {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}", campaignId, number, label, email);
}

constexpr std::uint64_t kAssignSeed = 0x6c74766172690001ULL;  // variant assignment
constexpr std::uint64_t kSpinSeed = 0x6c747370696e0001ULL;    // spintax options

}  // namespace

const CompiledVariant& assignVariant(const CompiledStep& step, std::string_view campaignId, std::int64_t number,
                                     std::string_view email) {
  if (step.variants.size() == 1) return step.variants.front();
  // A uniform number in [0, total) from the hash's top 53 bits, then the
  // variant whose cumulative weight passes it.
  // The labels are part of the key: when a variant is removed, its leads
  // draw again over the others' weights instead of all landing on the
  // neighbour whose range covered theirs.
  const std::uint64_t h = detail::stableHash(choiceKey(campaignId, number, step.labels, email), kAssignSeed);
  const double at = static_cast<double>(h >> 11) * 0x1p-53 * step.totalWeight;
  double sum = 0;
  for (const CompiledVariant& v : step.variants) {
    sum += v.weight;
    if (at < sum) return v;
  }
  return step.variants.back();  // rounding at the very top
}

std::uint64_t spinKey(const CompiledVariant& variant, std::string_view campaignId, std::int64_t number,
                      std::string_view email) {
  if (!variant.hasSpins) return 0;
  return detail::stableHash(choiceKey(campaignId, number, variant.label, email), kSpinSeed);
}

std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps) {
  std::vector<const detail::Tag*> out;
  std::unordered_set<std::string_view> seen;
  const auto add = [&](const detail::Template& t) {
    for (const detail::Tag& tag : t.tags()) {
      if (tag.kind == detail::TagKind::variable && !tag.inSection && !tag.inSpin && !tag.fallback &&
          !isUnsubscribeUrl(tag) &&
          seen.insert(tag.name).second) {
        out.push_back(&tag);
      }
    }
  };
  for (const CompiledStep& step : steps) {
    for (const CompiledVariant& v : step.variants) {
      add(v.subject);
      add(v.body);
    }
  }
  return out;
}

RenderedStep renderFor(const CompiledStep& step, const CompiledVariant& variant, std::uint64_t spinKey,
                       const LeadRecord& lead, std::string_view unsubscribeUrl) {
  auto resolve = [&lead, unsubscribeUrl](const detail::Tag& tag) {
    // Reserved before any field: a lead (or a CSV column) named
    // unsubscribeUrl must not point the link elsewhere.
    if (isUnsubscribeUrl(tag)) return detail::Value{unsubscribeUrl, nullptr};
    return resolveLeadTag(lead, tag);
  };
  // A subject is a mail header: never HTML-escaped (only an html body is),
  // and folded to one line by detail::foldHeader.
  return {variant.subject.renderHeader(resolve, spinKey),
          variant.body.render(step.step.format == StepFormat::html, resolve, spinKey), variant.label};
}

// ---- leadterra/render.hpp ----

namespace {

LeadRecord recordOf(const Lead& lead) {
  LeadRecord record;
  record.email = lead.email;
  record.firstName = lead.firstName;
  record.lastName = lead.lastName;
  record.company = lead.company;
  record.jobTitle = lead.jobTitle;
  record.customFields = CustomFields::fromText(lead.customFields);
  return record;
}

std::vector<std::string> emptyTags(const CompiledStep& step, const LeadRecord& lead) {
  std::vector<std::string> out;
  for (const detail::Tag* tag : tagsWithoutFallback({&step, 1})) {
    if (detail::isEmptyValue(resolveLeadTag(lead, *tag))) out.push_back(tag->name);
  }
  return out;
}

// The text the engine queues for the lead as `target` says.
RenderedStep renderTarget(const CompiledStep& step, const LeadRecord& lead, std::string_view campaignId,
                          const RenderTarget& target) {
  const CompiledVariant* variant = nullptr;
  if (target.variant.empty()) {
    variant = &assignVariant(step, campaignId, target.step, lead.email);
  } else if (variant = step.find(target.variant); variant == nullptr) {
    throw Error(ErrorCode::invalid_argument, fmt::format("the step has no variant '{}'", target.variant));
  }
  return renderFor(step, *variant, spinKey(*variant, campaignId, target.step, lead.email), lead);
}

}  // namespace

struct StepRenderer::Compiled {
  CompiledStep step;
};

StepRenderer::StepRenderer(const Step& step)
    : compiled_(std::make_shared<const Compiled>(Compiled{std::move(compileSteps({step}).front())})) {}

const Step& StepRenderer::step() const noexcept { return compiled_->step.step; }

RenderedStep StepRenderer::render(const Lead& lead, const RenderTarget& target) const {
  return renderTarget(compiled_->step, recordOf(lead), target.campaignId.empty() ? lead.campaignId : target.campaignId,
                      target);
}

RenderedStep StepRenderer::render(const LeadInput& input, const RenderTarget& target) const {
  return renderTarget(compiled_->step, previewRecord(input), target.campaignId, target);
}

std::vector<std::string> StepRenderer::missingTokens(const Lead& lead) const {
  return emptyTags(compiled_->step, recordOf(lead));
}

std::vector<std::string> StepRenderer::missingTokens(const LeadInput& input) const {
  return emptyTags(compiled_->step, previewRecord(input));
}

RenderedStep renderStep(const Step& step, const Lead& lead, const RenderTarget& target) {
  return StepRenderer(step).render(lead, target);
}

RenderedStep renderStep(const Step& step, const LeadInput& input, const RenderTarget& target) {
  return StepRenderer(step).render(input, target);
}

std::vector<std::string> missingTokens(const Step& step, const Lead& lead) {
  return StepRenderer(step).missingTokens(lead);
}

std::vector<std::string> missingTokens(const Step& step, const LeadInput& input) {
  return StepRenderer(step).missingTokens(input);
}

}  // namespace leadterra
