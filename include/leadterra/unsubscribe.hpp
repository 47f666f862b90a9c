// leadterra/unsubscribe.hpp: signed unsubscribe links and the
// List-Unsubscribe headers of a workspace's messages.
//
// A workspace with a base URL gets, for each lead, a link whose token names
// the workspace, the campaign and the address and is signed with a secret the
// engine keeps in the file (HMAC-SHA256): it cannot be forged or guessed, and
// CampaignEngine::applyUnsubscribe turns a genuine one into an unsubscribe
// signal. The secret never leaves the engine: no struct here carries it.
// docs/signals.md#unsubscribe-links has the setup. Plain values.
#pragma once

#include <string>

namespace leadterra {

struct UnsubscribeSettings {
  // Where the one-click link points: an https URL, to which the engine
  // appends "?token=..." (or "&token=..." when it has a query already). It
  // may not hold a fragment ('#'), a comma, spaces or control characters.
  // Empty: no link ({{unsubscribeUrl}} renders empty, no https header).
  std::string baseUrl;
  // An address for the mailto: form of List-Unsubscribe, stored normalized.
  // Empty: none.
  std::string mailto;
};

// One lead's link, for a host that builds its own mail or page.
struct UnsubscribeLink {
  std::string token;  // empty when the workspace's settings were never set
  std::string url;    // baseUrl with the token; empty without a baseUrl
};

}  // namespace leadterra
