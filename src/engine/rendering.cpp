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

std::vector<CompiledStep> compileSteps(const std::vector<Step>& steps) {
  std::vector<CompiledStep> out;
  out.reserve(steps.size());
  for (const Step& step : steps) {
    CompiledStep c{step, parseTemplate(step.subject), parseTemplate(step.body)};
    c.usesUnsubscribeUrl = usesUnsubscribeUrl(c.subject) || usesUnsubscribeUrl(c.body);
    out.push_back(std::move(c));
  }
  return out;
}

void checkStepTemplates(const Step& step, std::string_view which) {
  for (const auto& [field, text] : {std::pair{"subject", &step.subject}, std::pair{"body", &step.body}}) {
    const detail::Template t = parseTemplate(*text);
    if (const auto& p = t.problem()) {
      throw Error(ErrorCode::invalid_argument,
                  fmt::format("{} {}, line {}, column {}: {}", which, field, p->line, p->column, p->message));
    }
  }
}

std::vector<const detail::Tag*> tagsWithoutFallback(std::span<const CompiledStep> steps) {
  std::vector<const detail::Tag*> out;
  std::unordered_set<std::string_view> seen;
  const auto add = [&](const detail::Template& t) {
    for (const detail::Tag& tag : t.tags()) {
      if (tag.kind == detail::TagKind::variable && !tag.inSection && !tag.fallback && !isUnsubscribeUrl(tag) &&
          seen.insert(tag.name).second) {
        out.push_back(&tag);
      }
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
