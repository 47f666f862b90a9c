#include "util/text.hpp"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

namespace leadterra::detail {

namespace {

// RFC 5321 caps a forward path at 256 bytes including the angle brackets.
constexpr std::size_t kMaxEmailBytes = 254;
constexpr std::size_t kMaxLocalBytes = 64;
constexpr std::size_t kMaxLabelBytes = 63;
// The longest domain name DNS can carry, in its dotted text form.
constexpr std::size_t kMaxDomainBytes = 253;
// A domain can be spelled longer than its canonical form (upper-case and
// full-width letters, decomposed accents and ignorable characters all map
// to fewer bytes), but text beyond this is refused before any IDNA work, so
// that hostile input cannot make it costly. It is the limit of every other
// lead field.
constexpr std::size_t kMaxSpelledBytes = 1024;

// IDNA2008 as UTS #46 processes it for lookup: mapping (case folding and
// the like) and NFC, non-transitional ("faß.de" stays itself, not
// "fass.de"), A-labels checked to round-trip. No STD3 flag: with it,
// libidn2 2.3 drops disallowed ASCII ("bü cher" and "bü@cher" give the
// A-label of "bücher") instead of refusing it; the LDH rule is checked on
// the result instead (isValidDomain).
constexpr int kIdnaFlags = IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT;

bool isSurroundingSpace(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && isSurroundingSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSurroundingSpace(s.back())) s.remove_suffix(1);
  return s;
}

char lowerAscii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void assignLower(std::string_view s, std::string& out) {
  out.resize(s.size());
  std::transform(s.begin(), s.end(), out.begin(), lowerAscii);
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

// Starts "xn--", as an A-label (the ASCII form of a Unicode label) does.
// Expects ASCII already lowercased.
bool isAceLabel(std::string_view label) noexcept {
  return label.size() >= 4 && label[2] == '-' && label[3] == '-' && label[0] == 'x' && label[1] == 'n';
}

// True when a label holds non-ASCII text or is an A-label: it then needs
// IDNA processing to reach its canonical form.
bool labelNeedsIdna(std::string_view label) noexcept {
  if (isAceLabel(label)) return true;
  for (const char c : label) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

enum class DomainCheck { invalid, valid, needsIdna };

// The rules of a domain (text.hpp) checked byte by byte, on text already
// known to be clean UTF-8. With `findIdna`, the first label that needs IDNA
// processing ends the check with `needsIdna`, before its length is judged
// (its canonical form may be shorter); an invalid ASCII label before it is
// invalid whatever follows, as plain ASCII labels are kept as they are.
// Without, bytes >= 0x80 are accepted as parts of non-ASCII characters.
// One pass: this is the whole check of nearly every address.
DomainCheck checkDomain(std::string_view domain, bool findIdna) noexcept {
  const std::size_t size = domain.size();
  if (domain.empty() || (!findIdna && size > kMaxDomainBytes)) return DomainCheck::invalid;
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const std::size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (findIdna && isAceLabel(label)) return DomainCheck::needsIdna;
    for (const char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (isAsciiAlnum(u) || c == '-') continue;
      if (u < 0x80) return DomainCheck::invalid;
      if (findIdna) return DomainCheck::needsIdna;
    }
    if (label.empty() || label.size() > kMaxLabelBytes) return DomainCheck::invalid;
    if (label.front() == '-' || label.back() == '-') return DomainCheck::invalid;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  if (labels < 2 || size > kMaxDomainBytes) return DomainCheck::invalid;
  // An all-digit last label would make "10.0.0.1" look like a domain.
  for (const char c : last) {
    if (c < '0' || c > '9') return DomainCheck::valid;
  }
  return DomainCheck::invalid;
}

bool isValidDomain(std::string_view domain) noexcept {
  return checkDomain(domain, /*findIdna=*/false) == DomainCheck::valid;
}

struct IdnaFree {
  void operator()(void* p) const noexcept { idn2_free(p); }
};

bool idnaFailed(int rc) {
  if (rc == IDN2_MALLOC) throw std::bad_alloc();
  return rc != IDN2_OK;
}

// The ASCII form of a domain (trimmed, ASCII lowercased, clean UTF-8) into
// `ascii`: each label that needs IDNA as IDNA's lookup gives it (an A-label,
// or plain ASCII that a Unicode label maps to), the others as they are.
// Label by label, so that a plain ASCII label is judged the same whatever
// its neighbours ("ab--cd.example" is valid LDH though no IDNA label).
// False when a label is not valid IDNA; the LDH rule and DNS's limits are
// left to the caller.
bool asciiForm(std::string_view domain, std::string& ascii) {
  ascii.clear();
  std::string label;  // NUL-terminated for the C API; clean text holds no NUL
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view text = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!labelNeedsIdna(text)) {
      ascii += text;
    } else {
      label.assign(text);
      std::uint8_t* mapped = nullptr;
      const int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(label.c_str()), &mapped, kIdnaFlags);
      const std::unique_ptr<std::uint8_t, IdnaFree> owner(mapped);
      if (idnaFailed(rc)) return false;
      // Full stops other than '.' (U+3002 and the like) map to '.': the
      // result may hold several labels.
      ascii += reinterpret_cast<const char*>(mapped);
    }
    if (dot == std::string_view::npos) return true;
    ascii += '.';
    start = dot + 1;
  }
}

// The canonical form (text.hpp) of a domain that needs IDNA processing:
// trimmed, ASCII lowercased, clean UTF-8. False when it is not a valid domain.
bool idnaCanonical(std::string_view domain, std::string& out) {
  std::string ascii;
  // DNS's limits and the LDH rule, on the form DNS carries.
  if (!asciiForm(domain, ascii) || !isValidDomain(ascii)) return false;
  char* unicode = nullptr;
  const int rc = idn2_to_unicode_8z8z(ascii.c_str(), &unicode, 0);
  const std::unique_ptr<char, IdnaFree> owner(unicode);
  if (idnaFailed(rc)) return false;
  out.assign(unicode);
  // The canonical form must lead back to the same ASCII form, or it would
  // not be canonical. This also refuses the few A-labels libidn2 lets
  // through although their Unicode form is not valid IDNA: "xn--6a" decodes
  // to U+00A0 (a no-break space, which maps to a space), "xn--lth" to
  // U+24A3 (which maps to "(h)").
  std::string again;
  if (!asciiForm(out, again) || again != ascii) return false;
  // The limits again on the form that is stored.
  return isValidDomain(out);
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
  if (out.size() > kMaxSpelledBytes) return EmailCheck::invalid;
  const std::size_t at = out.find('@');
  if (at == std::string::npos || out.find('@', at + 1) != std::string::npos) return EmailCheck::invalid;
  const std::string_view view = out;
  if (!isValidLocalPart(view.substr(0, at))) return EmailCheck::invalid;
  const std::string_view domain = view.substr(at + 1);
  switch (checkDomain(domain, /*findIdna=*/true)) {
    case DomainCheck::invalid:
      return EmailCheck::invalid;
    case DomainCheck::valid:
      break;
    case DomainCheck::needsIdna: {
      std::string canonical;
      if (!idnaCanonical(domain, canonical)) return EmailCheck::invalid;
      out.resize(at + 1);
      out += canonical;
      break;
    }
  }
  if (out.size() > kMaxEmailBytes) return EmailCheck::invalid;
  return EmailCheck::ok;
}

bool normalizeDomain(std::string_view raw, std::string& out) {
  std::string_view domain = trim(raw);
  if (!domain.empty() && domain.front() == '@') domain.remove_prefix(1);
  assignLower(domain, out);
  if (!isCleanUtf8(out) || out.size() > kMaxSpelledBytes) return false;
  const DomainCheck check = checkDomain(out, /*findIdna=*/true);
  if (check != DomainCheck::needsIdna) return check == DomainCheck::valid;
  std::string canonical;
  if (!idnaCanonical(out, canonical)) return false;
  out = std::move(canonical);
  return true;
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
