// Unsubscribe links (docs/signals.md#unsubscribe-links): the tokens that sign
// them, the {{unsubscribeUrl}} of a rendered step and the List-Unsubscribe
// headers of a handed-out message.
//
// A token is base64url (no padding) of a payload and its HMAC-SHA256 under
// the workspace's secret:
//   payload = version (1 byte, 1)
//             then workspace id, campaign id, normalized email,
//             each as a 2-byte big-endian length and its bytes
// The payload is readable by anyone (the address is in it, as it is in the
// mail); the MAC makes it unforgeable and its ids unguessable. A token is
// checked by recomputing the MAC with the secret of the workspace it names
// and comparing in constant time.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/engine_impl.hpp"

namespace leadterra {

// What a token says.
struct UnsubscribeClaim {
  std::string workspaceId;
  std::string campaignId;
  std::string email;  // normalized
};

// The token of `claim` signed with `secret`.
[[nodiscard]] std::string signUnsubscribeToken(std::string_view secret, const UnsubscribeClaim& claim);
// What a well-formed token says, its MAC not checked yet; none for text that
// is not a token of this version.
[[nodiscard]] std::optional<UnsubscribeClaim> readUnsubscribeToken(std::string_view token);
// Whether `token` is `claim` signed with `secret` (constant-time comparison).
[[nodiscard]] bool verifyUnsubscribeToken(std::string_view token, std::string_view secret,
                                          const UnsubscribeClaim& claim);

// One workspace's links within one call: its settings are read once, on
// first use, and every lead's link and headers are computed from them.
class UnsubscribeLinks {
 public:
  UnsubscribeLinks(Call& call, std::string workspaceId) : call_(call), workspaceId_(std::move(workspaceId)) {}

  // The lead's link: the base URL with its token; "" without a base URL.
  [[nodiscard]] std::string url(std::string_view campaignId, std::string_view email);
  // The lead's token; "" when the workspace's settings were never set.
  [[nodiscard]] std::string token(std::string_view campaignId, std::string_view email);
  // Sets message.listUnsubscribe and listUnsubscribePost.
  void addHeaders(Message& message);

 private:
  const std::optional<store::UnsubscribeRow>& row();

  Call& call_;
  std::string workspaceId_;
  bool loaded_ = false;
  std::optional<store::UnsubscribeRow> row_;
};

// Sets the List-Unsubscribe headers of messages about to be returned, each
// workspace's settings read once.
void addUnsubscribeHeaders(Call& call, std::span<Message> messages);
[[nodiscard]] Message withUnsubscribeHeaders(Call& call, Message message);

}  // namespace leadterra
