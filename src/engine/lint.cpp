// Lint of a campaign's steps (docs/variants.md#lint): what is probably a
// mistake in a step's templates, reported, never refused.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "engine/engine_impl.hpp"
#include "engine/rendering.hpp"

namespace leadterra {

namespace {

constexpr std::size_t kMaxSubjectBytes = 255;
// Spins choose per lead: the subject's length is taken as the longest of
// this many choices.
constexpr std::uint64_t kSubjectSamples = 32;

// The lead field or custom key a tag reads: "city" for {{city}} and
// {{customFields.city}}; "" for one no lead field can fill.
std::string_view keyOf(const detail::Tag& tag) {
  if (tag.path.empty() || tag.path[0] == kUnsubscribeUrlToken) return {};
  if (tag.path[0] == "customFields") return tag.path.size() > 1 ? std::string_view(tag.path[1]) : std::string_view();
  return tag.path[0];
}

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "{{" : ", {{") + n + "}}";
  return out;
}

struct Linter {
  std::int64_t step;
  const CompiledVariant& variant;
  const std::map<std::string, std::int64_t, std::less<>>& custom;
  std::vector<LintFinding>& out;

  void add(std::string_view field, std::string code, std::string message) {
    out.push_back({step, variant.label, std::string(field), std::move(code), std::move(message)});
  }

  void check(std::string_view field, const detail::Template& t) {
    std::set<std::string, std::less<>> reported;
    for (const detail::Tag& tag : t.tags()) {
      // Inside a section a name may be the section's item's: not a lead field.
      if (tag.inSection) continue;
      const std::string_view key = keyOf(tag);
      if (key.empty() || isStandardField(key) || custom.contains(key)) continue;
      if (!reported.insert(tag.name).second) continue;
      add(field, "unknown_token",
          fmt::format("{{{{{}}}}} names no standard field and no custom field of the campaign's leads", tag.name));
    }
    for (const detail::SpinInfo& spin : t.spins()) {
      const auto& options = spin.optionTokens;
      if (std::all_of(options.begin(), options.end(), [&](const auto& o) { return o == options.front(); })) continue;
      std::string which;
      for (std::size_t i = 0; i < options.size(); ++i) {
        which += fmt::format("{}option {}: {}", i ? "; " : "", i + 1, joined(options[i]));
      }
      add(field, "spin_options_differ",
          fmt::format("the spin at line {}, column {} uses different tokens in its options ({})", spin.line,
                      spin.column, which));
    }
  }
};

}  // namespace

std::vector<LintFinding> CampaignEngine::lintSteps(std::string_view campaignId, const Scope& scope) {
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    const std::vector<CompiledStep> steps = compileSteps(call.db.campaigns().steps(call.tx, c.id));
    std::map<std::string, std::int64_t, std::less<>> custom;
    const auto standard = call.db.leads().longestValues(call.tx, c.id, custom);

    // A lead made of the longest value of every field, for the subject's length.
    LeadRecord longest;
    const auto filler = [](std::int64_t bytes) { return std::string(static_cast<std::size_t>(bytes), 'x'); };
    longest.email = filler(standard.at("email"));
    longest.firstName = filler(standard.at("firstName"));
    longest.lastName = filler(standard.at("lastName"));
    longest.company = filler(standard.at("company"));
    longest.jobTitle = filler(standard.at("jobTitle"));
    detail::Json fields = detail::Json::object();
    for (const auto& [key, bytes] : custom) fields[key] = filler(bytes);
    longest.customFields = CustomFields::fromJson(std::move(fields));

    std::vector<LintFinding> out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto number = static_cast<std::int64_t>(i + 1);
      for (const CompiledVariant& v : steps[i].variants) {
        Linter linter{number, v, custom, out};
        linter.check("subject", v.subject);
        std::size_t bytes = 0;
        const auto resolve = [&longest](const detail::Tag& tag) { return resolveLeadTag(longest, tag); };
        const std::uint64_t samples = v.hasSpins ? kSubjectSamples : 1;
        for (std::uint64_t key = 0; key < samples; ++key) {
          bytes = std::max(bytes, v.subject.renderHeader(resolve, detail::stableHash("lint", key)).size());
        }
        if (bytes > kMaxSubjectBytes) {
          linter.add("subject", "subject_too_long",
                     fmt::format("the subject renders {} bytes with the longest values of the campaign's leads "
                                 "(more than {})",
                                 bytes, kMaxSubjectBytes));
        }
        linter.check("body", v.body);
      }
    }
    return out;
  });
}

}  // namespace leadterra
