// `leadterra render`: one template rendered against one lead given as JSON,
// by the engine's own rules (SPEC section 5), without a database.
#pragma once

#include <string>
#include <string_view>

namespace leadterra::cli {

// Renders `templateText` for the lead `leadJson` (a lead object as in a bulk
// body; keys other than the lead fields are ignored, so a `leads get` lead
// works too). `html` escapes inserted values as an html step's body does.
// Throws UsageError when `leadJson` is not a lead object.
[[nodiscard]] std::string renderTemplate(std::string_view templateText, bool html, std::string_view leadJson);

}  // namespace leadterra::cli
