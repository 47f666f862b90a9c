#include "util/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace leadterra::detail {

namespace {

// RFC 5321 caps a forward path at 256 bytes including the angle brackets.
constexpr std::size_t kMaxEmailBytes = 254;
constexpr std::size_t kMaxLocalBytes = 64;
constexpr std::size_t kMaxLabelBytes = 63;
// The longest domain name DNS can carry, in its dotted text form.
constexpr std::size_t kMaxDomainBytes = 253;

bool isSurroundingSpace(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && isSurroundingSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSurroundingSpace(s.back())) s.remove_suffix(1);
  return s;
}

char lowerAscii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void assignLower(std::string_view s, std::string& out) {
  out.assign(s);
  for (char& c : out) c = lowerAscii(c);
}

bool isAsciiAlnum(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The atext of RFC 5322, the characters a dot-atom local part is made of.
bool isLocalChar(unsigned char c) noexcept {
  if (isAsciiAlnum(c)) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '/':
    case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
    case '-':
      return true;
    default:
      return false;
  }
}

bool isValidLocalPart(std::string_view local) noexcept {
  if (local.empty() || local.size() > kMaxLocalBytes) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  char previous = '\0';
  for (char c : local) {
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!isLocalChar(static_cast<unsigned char>(c))) {
      return false;  // also every non-ASCII byte: the local part is ASCII
    }
    previous = c;
  }
  return true;
}

// Expects text already known to be clean UTF-8: bytes >= 0x80 are accepted as
// parts of non-ASCII characters (internationalized labels written in Unicode).
bool isValidDomain(std::string_view domain) noexcept {
  if (domain.empty() || domain.size() > kMaxDomainBytes) return false;
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const std::size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > kMaxLabelBytes) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (!isAsciiAlnum(u) && c != '-' && u < 0x80) return false;
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  if (labels < 2) return false;
  // An all-digit last label would make "10.0.0.1" look like a domain.
  for (char c : last) {
    if (c < '0' || c > '9') return true;
  }
  return false;
}

// True when none of the 8 bytes is 0 and none has its high bit set.
bool isPlainAsciiWord(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const bool hasZero = ((w - kOnes) & ~w & kHighs) != 0;
  return (w & kHighs) == 0 && !hasZero;
}

bool isContinuation(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

}  // namespace

std::size_t utf8CharLength(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t length;
  unsigned char low = 0x80;   // range of the second byte, narrowed below to
  unsigned char high = 0xBF;  // exclude overlongs, surrogates and > U+10FFFF
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;  // a stray continuation byte, C0/C1 (always overlong) or F5..FF
  }
  if (s.size() - i < length || byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!isContinuation(byte(i + k))) return 0;
  }
  return length;
}

bool isCleanUtf8(std::string_view s) noexcept {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: lead data is mostly ASCII, checked a word at a time.
    if (n - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, sizeof w);
      if (isPlainAsciiWord(w)) {
        i += 8;
        continue;
      }
    }
    if (s[i] == '\0') return false;
    const std::size_t length = utf8CharLength(s, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

EmailCheck normalizeEmail(std::string_view raw, std::string& out) {
  const std::string_view email = trim(raw);
  assignLower(email, out);
  if (!isCleanUtf8(raw)) return EmailCheck::invalid_text;
  if (email.empty()) return EmailCheck::missing;
  if (out.size() > kMaxEmailBytes) return EmailCheck::invalid;
  const std::size_t at = out.find('@');
  if (at == std::string::npos || out.find('@', at + 1) != std::string::npos) return EmailCheck::invalid;
  const std::string_view view = out;
  if (!isValidLocalPart(view.substr(0, at))) return EmailCheck::invalid;
  if (!isValidDomain(view.substr(at + 1))) return EmailCheck::invalid;
  return EmailCheck::ok;
}

bool normalizeDomain(std::string_view raw, std::string& out) {
  std::string_view domain = trim(raw);
  if (!domain.empty() && domain.front() == '@') domain.remove_prefix(1);
  assignLower(domain, out);
  return isCleanUtf8(out) && isValidDomain(out);
}

std::string reverseDomain(std::string_view domain) {
  std::string reversed;
  reversed.reserve(domain.size());
  while (true) {
    const std::size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos) {
      reversed.append(domain);
      break;
    }
    reversed.append(domain.substr(dot + 1));
    reversed.push_back('.');
    domain = domain.substr(0, dot);
  }
  return reversed;
}

std::size_t jsonNestingDepth(std::string_view json) noexcept {
  std::size_t depth = 0;
  std::size_t deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (inString) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool isValidId(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!isAsciiAlnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace leadterra::detail
