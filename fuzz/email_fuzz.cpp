// Fuzz target: email and domain normalization and validation, UTF-8 checks
// and the JSON nesting count (src/util/text).
//
// Checked beyond "no crash": an accepted email is clean UTF-8, at most 254
// bytes, has exactly one '@', no ASCII capital and no surrounding space, and
// normalizing it again gives itself (idempotent); the same for domains.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/text.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

bool hasCapital(std::string_view s) {
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace leadterra::detail;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);

  std::string email;
  if (normalizeEmail(raw, email) == EmailCheck::ok) {
    require(isCleanUtf8(email));
    require(email.size() <= 254);
    require(email.find('@') != std::string::npos && email.find('@') == email.rfind('@'));
    require(!hasCapital(email));
    require(email.front() != ' ' && email.back() != ' ');
    std::string again;
    require(normalizeEmail(email, again) == EmailCheck::ok && again == email);
    std::string domain;
    require(normalizeDomain(emailDomain(email), domain) && domain == emailDomain(email));
  }

  std::string domain;
  if (normalizeDomain(raw, domain)) {
    require(isCleanUtf8(domain));
    require(domain.size() <= 253 && !hasCapital(domain) && domain.find('@') == std::string::npos);
    std::string again;
    require(normalizeDomain(domain, again) && again == domain);
    (void)reverseDomain(domain);
  }

  // isCleanUtf8 agrees with a walk by utf8CharLength.
  bool clean = true;
  for (std::size_t i = 0; i < raw.size() && clean;) {
    const std::size_t n = utf8CharLength(raw, i);
    clean = n != 0 && raw[i] != '\0';
    i += n;
  }
  require(clean == isCleanUtf8(raw));

  (void)isValidId(raw);
  (void)jsonNestingDepth(raw);
  return 0;
}
