// `leadterra render`: one template rendered against one lead given as JSON,
// by the engine's own rules, without a database.
#pragma once

#include <string>
#include <string_view>

namespace leadterra::cli {

// What a template is rendered as, by the engine's rules for that part of a step.
enum class RenderAs {
  textBody,  // nothing escaped
  htmlBody,  // inserted values HTML-escaped
  subject,   // a header value: nothing escaped, control characters folded to spaces
};

// Renders `templateText` for the lead `leadJson` (a lead object as in a bulk
// body; keys other than the lead fields are ignored, so a `leads get` lead
// works too) as `as` says. Throws UsageError when `leadJson` is not a lead
// object.
[[nodiscard]] std::string renderTemplate(std::string_view templateText, RenderAs as, std::string_view leadJson);

}  // namespace leadterra::cli
