// `leadterra render`: one template rendered against one lead given as JSON,
// by the engine's own rules, without a database.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leadterra::cli {

// What a template is rendered as, by the engine's rules for that part of a step.
enum class RenderAs {
  textBody,  // nothing escaped
  htmlBody,  // inserted values HTML-escaped
  subject,   // a header value: nothing escaped, control characters folded to spaces
};

struct Rendering {
  std::string text;
  // Tokens without a fallback that rendered empty (leadterra::missingTokens).
  std::vector<std::string> missingTokens;
};

// Renders `templateText` for the lead `leadJson` as `as` says. The lead is
// an object as in a bulk body (keys other than the lead fields are ignored),
// or a document {"lead": {...}} as `leads get` prints it. Throws UsageError
// when `leadJson` is neither.
[[nodiscard]] Rendering renderTemplate(std::string_view templateText, RenderAs as, std::string_view leadJson);

}  // namespace leadterra::cli
