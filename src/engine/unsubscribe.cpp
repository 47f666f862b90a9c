// Unsubscribe links (docs/signals.md#unsubscribe-links): settings, tokens,
// headers, and a click applied as an unsubscribe signal.
#include "engine/unsubscribe.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>

#include "engine/signals.hpp"
#include "template/template.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

constexpr unsigned char kTokenVersion = 1;
constexpr std::size_t kMacSize = 32;     // SHA-256
constexpr std::size_t kSecretSize = 32;  // the HMAC key: as long as the hash
constexpr std::size_t kMaxBaseUrl = 2000;
constexpr std::string_view kOneClick = "List-Unsubscribe=One-Click";

// ---- base64url without padding (RFC 4648 section 5) ----
//
// OpenSSL's base64 (EVP_EncodeBlock, EVP_DecodeBlock) with the URL-safe
// alphabet's two characters swapped in and the padding left off.

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

// Strict: only the alphabet and no padding, and the text must be the one
// spelling encode gives for its bytes (unused low bits zero), so that a
// character changed anywhere changes the bytes or fails.
std::optional<std::string> decode(std::string_view text) {
  if (text.size() % 4 == 1 || text.find_first_not_of(kAlphabet) != std::string_view::npos) return std::nullopt;
  std::string padded(text);
  std::replace(padded.begin(), padded.end(), '-', '+');
  std::replace(padded.begin(), padded.end(), '_', '/');
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  std::string out(padded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(padded.data()), static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  if (encode(out) != text) return std::nullopt;
  return out;
}

// ---- the token ----

void appendField(std::string& out, std::string_view field) {
  out += static_cast<char>((field.size() >> 8) & 0xFF);
  out += static_cast<char>(field.size() & 0xFF);
  out += field;
}

std::optional<std::string> readField(std::string_view& in) {
  if (in.size() < 2) return std::nullopt;
  const std::size_t n = (static_cast<std::size_t>(static_cast<unsigned char>(in[0])) << 8) |
                        static_cast<unsigned char>(in[1]);
  if (in.size() - 2 < n) return std::nullopt;
  std::string field(in.substr(2, n));
  in.remove_prefix(2 + n);
  return field;
}

std::string payloadOf(const UnsubscribeClaim& claim) {
  std::string payload(1, static_cast<char>(kTokenVersion));
  appendField(payload, claim.workspaceId);
  appendField(payload, claim.campaignId);
  appendField(payload, claim.email);
  return payload;
}

std::array<unsigned char, kMacSize> macOf(std::string_view secret, std::string_view payload) {
  std::array<unsigned char, kMacSize> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac.data(), &size) == nullptr ||
      size != kMacSize) {
    throw Error(ErrorCode::storage_error, "HMAC-SHA256 failed");
  }
  return mac;
}

std::string randomSecret() {
  std::string secret(kSecretSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    throw Error(ErrorCode::storage_error, "the system gave no random bytes for the unsubscribe secret");
  }
  return secret;
}

[[noreturn]] void invalidToken() {
  // One answer for every defect: a caller probing tokens learns nothing.
  throw Error(ErrorCode::invalid_token, "the unsubscribe token is not valid");
}

// ---- settings ----

bool urlCharAllowed(char c) {
  // RFC 3986's unreserved and reserved characters and '%', without '#' (the
  // token is appended to the query) and ',' (List-Unsubscribe separates its
  // addresses with commas).
  static constexpr std::string_view kOther = "-._~:/?[]@!$&'()*+;=%";
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         kOther.find(c) != std::string_view::npos;
}

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != prefix[i]) return false;
  }
  return true;
}

void checkBaseUrl(std::string_view url) {
  if (url.empty()) return;
  const auto fail = [&](std::string_view why) {
    throw Error(ErrorCode::invalid_argument, fmt::format("unsubscribe base URL '{}' {}", url, why));
  };
  if (url.size() > kMaxBaseUrl) fail(fmt::format("is longer than {} characters", kMaxBaseUrl));
  constexpr std::string_view kScheme = "https://";
  if (!startsWithIgnoringCase(url, kScheme)) fail("is not an https:// URL");
  for (const char c : url) {
    if (!urlCharAllowed(c)) fail("has a character a link cannot carry (a space, control character, ',' or '#')");
  }
  const std::string_view rest = url.substr(kScheme.size());
  const std::size_t hostEnd = rest.find_first_of("/?");
  const std::string_view host = rest.substr(0, hostEnd);
  if (host.empty() || host.find('@') != std::string_view::npos) fail("has no host");
}

std::string normalizedMailto(std::string_view mailto) {
  if (mailto.empty()) return {};
  std::string normalized;
  if (detail::normalizeEmail(mailto, normalized) != detail::EmailCheck::ok) {
    throw Error(ErrorCode::invalid_argument, fmt::format("unsubscribe mailto '{}' is not a valid email", mailto));
  }
  return normalized;
}

// A mailto: address as a URL: every byte but letters, digits and a few
// address characters percent-encoded.
std::string mailtoUrl(std::string_view address) {
  static constexpr std::string_view kKept = "-._~!$'*+=^`{|}@";
  std::string out = "mailto:";
  for (const char c : address) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        kKept.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  out += "?subject=unsubscribe";
  return out;
}

UnsubscribeSettings settingsOf(const std::optional<store::UnsubscribeRow>& row) {
  if (!row) return {};
  return {row->baseUrl, row->mailto};
}

}  // namespace

// ---- tokens ----

std::string signUnsubscribeToken(std::string_view secret, const UnsubscribeClaim& claim) {
  std::string bytes = payloadOf(claim);
  const auto mac = macOf(secret, bytes);
  bytes.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  return encode(bytes);
}

std::optional<UnsubscribeClaim> readUnsubscribeToken(std::string_view token) {
  const std::optional<std::string> bytes = decode(token);
  if (!bytes || bytes->size() < 1 + kMacSize) return std::nullopt;
  std::string_view in(*bytes);
  in.remove_suffix(kMacSize);
  if (static_cast<unsigned char>(in[0]) != kTokenVersion) return std::nullopt;
  in.remove_prefix(1);
  UnsubscribeClaim claim;
  for (std::string* field : {&claim.workspaceId, &claim.campaignId, &claim.email}) {
    std::optional<std::string> f = readField(in);
    if (!f || f->empty()) return std::nullopt;
    *field = std::move(*f);
  }
  if (!in.empty()) return std::nullopt;
  return claim;
}

bool verifyUnsubscribeToken(std::string_view token, std::string_view secret, const UnsubscribeClaim& claim) {
  const std::optional<std::string> bytes = decode(token);
  if (!bytes || bytes->size() < kMacSize) return false;
  const std::string_view given = std::string_view(*bytes).substr(bytes->size() - kMacSize);
  const std::string payload = payloadOf(claim);
  // The payload read back must be the one signed, byte for byte.
  if (std::string_view(*bytes).substr(0, bytes->size() - kMacSize) != payload) return false;
  const auto expected = macOf(secret, payload);
  return CRYPTO_memcmp(expected.data(), given.data(), kMacSize) == 0;
}

// ---- UnsubscribeLinks ----

const std::optional<store::UnsubscribeRow>& UnsubscribeLinks::row() {
  if (!loaded_) {
    row_ = call_.db.unsubscribe().find(call_.tx, workspaceId_);
    loaded_ = true;
  }
  return row_;
}

std::string UnsubscribeLinks::token(std::string_view campaignId, std::string_view email) {
  const auto& r = row();
  if (!r) return {};
  return signUnsubscribeToken(r->secret, {workspaceId_, std::string(campaignId), std::string(email)});
}

std::string UnsubscribeLinks::url(std::string_view campaignId, std::string_view email) {
  const auto& r = row();
  if (!r || r->baseUrl.empty()) return {};
  const std::string_view base = r->baseUrl;
  const char* joiner = "?";
  if (base.find('?') != std::string_view::npos) joiner = base.back() == '?' || base.back() == '&' ? "" : "&";
  return fmt::format("{}{}token={}", base, joiner, token(campaignId, email));
}

void UnsubscribeLinks::addHeaders(Message& message) {
  message.listUnsubscribe.clear();
  message.listUnsubscribePost.clear();
  const auto& r = row();
  if (!r) return;
  const std::string link = url(message.campaignId, message.email);
  std::string value;
  if (!link.empty()) value = fmt::format("<{}>", link);
  if (!r->mailto.empty()) {
    if (!value.empty()) value += ", ";
    value += fmt::format("<{}>", mailtoUrl(r->mailto));
  }
  // Every header value the engine hands out is folded by the one function.
  detail::foldHeader(value);
  message.listUnsubscribe = std::move(value);
  if (!link.empty()) message.listUnsubscribePost = kOneClick;
}

void addUnsubscribeHeaders(Call& call, std::span<Message> messages) {
  std::map<std::string, UnsubscribeLinks, std::less<>> byWorkspace;
  for (Message& m : messages) {
    auto it = byWorkspace.find(m.workspaceId);
    if (it == byWorkspace.end()) it = byWorkspace.try_emplace(m.workspaceId, call, m.workspaceId).first;
    it->second.addHeaders(m);
  }
}

Message withUnsubscribeHeaders(Call& call, Message message) {
  UnsubscribeLinks(call, message.workspaceId).addHeaders(message);
  return message;
}

// ---- CampaignEngine ----

UnsubscribeSettings CampaignEngine::setUnsubscribeSettings(std::string_view workspaceId,
                                                           const UnsubscribeSettings& settings, const Scope& scope) {
  checkBaseUrl(settings.baseUrl);
  store::UnsubscribeRow row{{}, settings.baseUrl, normalizedMailto(settings.mailto)};
  return impl_->write([&](Call& call) {
    requireWorkspaceInScope(call, workspaceId, scope);
    const auto existing = call.db.unsubscribe().find(call.tx, workspaceId);
    // Made with the first settings, then kept: links already sent stay valid.
    row.secret = existing ? existing->secret : randomSecret();
    call.db.unsubscribe().put(call.tx, workspaceId, row, call.now);
    return settingsOf(row);
  });
}

UnsubscribeSettings CampaignEngine::getUnsubscribeSettings(std::string_view workspaceId, const Scope& scope) {
  return impl_->read([&](Call& call) {
    requireWorkspaceInScope(call, workspaceId, scope);
    return settingsOf(call.db.unsubscribe().find(call.tx, workspaceId));
  });
}

void CampaignEngine::rotateUnsubscribeSecret(std::string_view workspaceId, const Scope& scope) {
  impl_->write([&](Call& call) {
    requireWorkspaceInScope(call, workspaceId, scope);
    store::UnsubscribeRow row = call.db.unsubscribe().find(call.tx, workspaceId).value_or(store::UnsubscribeRow{});
    row.secret = randomSecret();
    call.db.unsubscribe().put(call.tx, workspaceId, row, call.now);
  });
}

UnsubscribeLink CampaignEngine::unsubscribeLink(std::string_view campaignId, std::string_view email,
                                                const Scope& scope) {
  std::string normalized;
  if (detail::normalizeEmail(email, normalized) != detail::EmailCheck::ok) {
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a valid email", email));
  }
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    if (!call.db.leads().findRef(call.tx, c.id, normalized)) {
      throw Error(ErrorCode::not_found, fmt::format("lead '{}' not found in campaign '{}'", email, c.id));
    }
    UnsubscribeLinks links(call, c.workspaceId);
    return UnsubscribeLink{links.token(c.id, normalized), links.url(c.id, normalized)};
  });
}

SignalResult CampaignEngine::applyUnsubscribe(std::string_view token, const Scope& scope) {
  const std::optional<UnsubscribeClaim> claim = readUnsubscribeToken(token);
  if (!claim) invalidToken();
  // A token of another tenant is not a valid token at this tenant's endpoint.
  if (!scope.workspace.empty() && claim->workspaceId != scope.workspace) invalidToken();
  return impl_->write([&](Call& call) {
    const auto row = call.db.unsubscribe().find(call.tx, claim->workspaceId);
    if (!row || !verifyUnsubscribeToken(token, row->secret, *claim)) invalidToken();
    SignalInput in;
    in.kind = SignalKind::unsubscribe;
    in.workspaceId = claim->workspaceId;
    in.campaignId = claim->campaignId;
    in.email = claim->email;
    // One click per campaign and address counts, whatever the secret that
    // signed it: a second click (a scanner, a double click) changes nothing.
    in.externalId = fmt::format("unsubscribe-link:{}:{}", claim->campaignId, claim->email);
    in.detail = "unsubscribe link";
    return applySignal(call, in, Scope{claim->workspaceId});
  });
}

}  // namespace leadterra
