// Text checks shared by every reader of lead data: UTF-8, emails, domains.
// Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace leadterra::detail {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF)
// and holds no NUL byte.
[[nodiscard]] bool isCleanUtf8(std::string_view s) noexcept;

// Bytes of the well-formed UTF-8 character that starts at s[i] (1 for any
// ASCII byte, NUL included); 0 when the bytes there are ill-formed (a stray
// continuation byte, overlong, surrogate, > U+10FFFF, truncated). i < s.size().
// The library's one UTF-8 decoder: every other reader of UTF-8 (the JSON
// adapter included) walks text with it.
[[nodiscard]] std::size_t utf8CharLength(std::string_view s, std::size_t i) noexcept;

enum class EmailCheck {
  ok,
  missing,       // empty or whitespace only
  invalid,       // not an acceptable address
  invalid_text,  // invalid UTF-8 or a NUL byte
};

// Normalizes into `out` and validates by the rules of docs/enroll.md:
// surrounding space, tab, CR and LF stripped; the local part ASCII, 1-64
// bytes of letters, digits, !#$%&'*+/=?^_`{|}~- and non-consecutive dots not
// at either end, lowercased; the domain in its canonical form (below); one
// '@'; at most 254 bytes as normalized.
// A NUL byte or invalid UTF-8 anywhere is `invalid_text` (checked first); a
// non-ASCII byte in the local part is `invalid`, and so is a domain that is
// not valid IDNA.
// `out` holds the normalized text whatever the verdict (with the domain as
// given, ASCII lowercased, when it is not valid).
[[nodiscard]] EmailCheck normalizeEmail(std::string_view raw, std::string& out);

// Normalizes a domain ("Acme.COM", trimmed; one leading '@' is dropped, so
// "@acme.com" gives "acme.com") into its canonical form and validates it.
// Returns false when it is not a valid domain; `out` then holds the text
// trimmed and ASCII lowercased.
//
// The canonical form is the one spelling of a domain that is stored, compared
// and shown: every label as IDNA's UTS #46 processing (non-transitional)
// gives it, in its Unicode form (U-label, NFC, case folded), so that
// "BÜCHER.de", "bücher.de" and "xn--bcher-kva.de" are all "bücher.de".
// A label that is plain ASCII and no A-label ("xn--") is only lowercased and
// takes no IDNA processing at all: the fast path of nearly every address.
// Valid: >= 2 dot-separated labels of letters, digits, inner hyphens or
// UTF-8 non-ASCII, each at most 63 bytes, the whole at most 253 bytes, and
// the last label not all digits, in both the canonical form and the ASCII
// (A-label) form DNS carries; every non-ASCII label and every A-label valid
// IDNA (no disallowed code point, a well-formed A-label, the bidi and
// joiner rules). Text longer than 1,024 bytes is refused before any IDNA work.
[[nodiscard]] bool normalizeDomain(std::string_view raw, std::string& out);

// The domain of a normalized, valid email (the part after '@').
[[nodiscard]] inline std::string_view emailDomain(std::string_view email) noexcept {
  return email.substr(email.find('@') + 1);
}

// A domain with its labels reversed, for index range scans over subdomains:
// "mail.acme.com" -> "com.acme.mail". A domain entry d blocks every email
// whose reversed domain equals reverseDomain(d) or starts with it plus '.'.
[[nodiscard]] std::string reverseDomain(std::string_view domain);

// ^[A-Za-z0-9_-]{1,64}$
[[nodiscard]] bool isValidId(std::string_view id) noexcept;

// How deep customFields may nest (`{}` is one level, `{"a":[1]}` two).
// Deeper is field_too_long: JSON libraries write, compare and merge a
// document by recursing once per level, so depth must be bounded like size.
inline constexpr std::size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in JSON text, counted without
// parsing (brackets inside strings do not count). For text that is not JSON
// the number means little; the caller parses it afterwards anyway.
[[nodiscard]] std::size_t jsonNestingDepth(std::string_view json) noexcept;

}  // namespace leadterra::detail
