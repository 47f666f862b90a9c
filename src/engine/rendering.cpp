#include "engine/rendering.hpp"

#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace leadterra {

namespace {

bool isUnsubscribeUrl(const detail::Tag& tag) { return tag.path.size() == 1 && tag.path[0] == kUnsubscribeUrlToken; }

bool usesUnsubscribeUrl(const detail::Template& t) {
  for (const detail::Tag& tag : t.tags()) {
    if (isUnsubscribeUrl(tag)) return true;
  }
  return false;
}

}  // namespace

std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps) {
  std::vector<CompiledStep> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    CompiledStep c{step, detail::Template::parse(step.subject), detail::Template::parse(step.body)};
    c.usesUnsubscribeUrl = usesUnsubscribeUrl(c.subject) || usesUnsubscribeUrl(c.body);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps) {
  std::vector<const detail::Tag*> out;
  std::unordered_set<std::string_view> seen;
  const auto add = [&](const detail::Template& t) {
    for (const detail::Tag& tag : t.tags()) {
      if (!tag.fallback && !isUnsubscribeUrl(tag) && seen.insert(tag.name).second) out.push_back(&tag);
    }
  };
  for (const CompiledStep& step : steps) {
    add(step.subject);
    add(step.body);
  }
  return out;
}

RenderedStep renderFor(const CompiledStep& step, const LeadRecord& lead, std::string_view unsubscribeUrl) {
  auto resolve = [&lead, unsubscribeUrl](const detail::Tag& tag) {
    // Reserved before any field: a lead (or a CSV column) named
    // unsubscribeUrl must not point the link elsewhere.
    if (isUnsubscribeUrl(tag)) return detail::Value{unsubscribeUrl, nullptr};
    return resolveLeadTag(lead, tag);
  };
  // A subject is a mail header: never HTML-escaped (only an html body is),
  // and folded to one line by detail::foldHeader.
  return {step.subject.renderHeader(resolve), step.body.render(step.step.format == StepFormat::html, resolve)};
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

}  // namespace

struct StepRenderer::Compiled {
  CompiledStep step;
};

StepRenderer::StepRenderer(const Step& step)
    : compiled_(std::make_shared<const Compiled>(Compiled{std::move(compileSteps({step}).front())})) {}

const Step& StepRenderer::step() const noexcept { return compiled_->step.step; }

RenderedStep StepRenderer::render(const Lead& lead) const { return renderFor(compiled_->step, recordOf(lead)); }

RenderedStep StepRenderer::render(const LeadInput& input) const {
  return renderFor(compiled_->step, previewRecord(input));
}

std::vector<std::string> StepRenderer::missingTokens(const Lead& lead) const {
  return emptyTags(compiled_->step, recordOf(lead));
}

std::vector<std::string> StepRenderer::missingTokens(const LeadInput& input) const {
  return emptyTags(compiled_->step, previewRecord(input));
}

RenderedStep renderStep(const Step& step, const Lead& lead) { return StepRenderer(step).render(lead); }

RenderedStep renderStep(const Step& step, const LeadInput& input) { return StepRenderer(step).render(input); }

std::vector<std::string> missingTokens(const Step& step, const Lead& lead) {
  return StepRenderer(step).missingTokens(lead);
}

std::vector<std::string> missingTokens(const Step& step, const LeadInput& input) {
  return StepRenderer(step).missingTokens(input);
}

}  // namespace leadterra
