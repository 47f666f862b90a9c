#define BOOST_TEST_MODULE text
#include <boost/test/unit_test.hpp>
#include <leadterra/clock.hpp>

#include <chrono>
#include <set>
#include <string>
#include <string_view>

#include "util/ids.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

using leadterra::Timestamp;
using leadterra::detail::EmailCheck;
using namespace std::string_literals;

namespace {

EmailCheck check(std::string_view raw) {
  std::string out;
  return leadterra::detail::normalizeEmail(raw, out);
}

std::string normalized(std::string_view raw) {
  std::string out;
  BOOST_TEST_REQUIRE((leadterra::detail::normalizeEmail(raw, out) == EmailCheck::ok), "rejected: " << raw);
  return out;
}

bool accepted(std::string_view raw) { return check(raw) == EmailCheck::ok; }

std::string label(std::size_t n) { return std::string(n, 'a'); }

}  // namespace

BOOST_AUTO_TEST_SUITE(text)

// ---- UTF-8 ----

BOOST_AUTO_TEST_CASE(utf8_accepts_well_formed_text) {
  using leadterra::detail::isCleanUtf8;
  BOOST_TEST(isCleanUtf8(""));
  BOOST_TEST(isCleanUtf8("plain ascii text that is longer than one word"));
  BOOST_TEST(isCleanUtf8("Zo\xC3\xAB"));                   // U+00EB
  BOOST_TEST(isCleanUtf8("\xE2\x82\xAC 10"));              // U+20AC
  BOOST_TEST(isCleanUtf8("\xED\x9F\xBF"));                 // U+D7FF, just below the surrogates
  BOOST_TEST(isCleanUtf8("\xEE\x80\x80"));                 // U+E000, just above them
  BOOST_TEST(isCleanUtf8("\xF0\x9F\x98\x80 smile"));       // U+1F600
  BOOST_TEST(isCleanUtf8("\xF4\x8F\xBF\xBF"));             // U+10FFFF, the last code point
  BOOST_TEST(isCleanUtf8("abcdefgh\xC3\xA9ijklmnop\xC3\xA9"));  // non-ASCII after a fast-path word
}

BOOST_AUTO_TEST_CASE(utf8_rejects_malformed_text_and_nul) {
  using leadterra::detail::isCleanUtf8;
  BOOST_TEST(!isCleanUtf8("a\0b"s));
  BOOST_TEST(!isCleanUtf8("abcdefghijklmno\0"s));  // NUL inside a fast-path word
  BOOST_TEST(!isCleanUtf8("\x80"));                // a lone continuation byte
  BOOST_TEST(!isCleanUtf8("\xC0\xAF"));            // overlong '/'
  BOOST_TEST(!isCleanUtf8("\xC1\xBF"));            // overlong
  BOOST_TEST(!isCleanUtf8("\xE0\x80\xAF"));        // overlong 3-byte
  BOOST_TEST(!isCleanUtf8("\xF0\x80\x80\xAF"));    // overlong 4-byte
  BOOST_TEST(!isCleanUtf8("\xED\xA0\x80"));        // U+D800, a surrogate
  BOOST_TEST(!isCleanUtf8("\xED\xBF\xBF"));        // U+DFFF
  BOOST_TEST(!isCleanUtf8("\xF4\x90\x80\x80"));    // U+110000
  BOOST_TEST(!isCleanUtf8("\xF5\x80\x80\x80"));
  BOOST_TEST(!isCleanUtf8("\xFF"));
  BOOST_TEST(!isCleanUtf8("abc\xC3"));             // truncated at the end
  BOOST_TEST(!isCleanUtf8("\xE2\x82"));
  BOOST_TEST(!isCleanUtf8("\xF0\x9F\x98"));
  BOOST_TEST(!isCleanUtf8("\xE2\x28\xA1"));        // bad second byte
  BOOST_TEST(!isCleanUtf8("\xF0\x9F\x28\x80"));    // bad third byte
}

BOOST_AUTO_TEST_CASE(utf8_char_length_measures_one_character) {
  using leadterra::detail::utf8CharLength;
  BOOST_TEST(utf8CharLength("a", 0) == 1u);
  BOOST_TEST(utf8CharLength("\0"s, 0) == 1u);  // well-formed, though not clean
  BOOST_TEST(utf8CharLength("x\xC3\xABy", 1) == 2u);
  BOOST_TEST(utf8CharLength("\xE2\x82\xAC", 0) == 3u);
  BOOST_TEST(utf8CharLength("\xF0\x9F\x98\x80", 0) == 4u);
  BOOST_TEST(utf8CharLength("\xC3\xAB", 1) == 0u);       // a continuation byte
  BOOST_TEST(utf8CharLength("\xF0\x9F\x98", 0) == 0u);  // truncated
  BOOST_TEST(utf8CharLength("\xED\xA0\x80", 0) == 0u);  // surrogate
  BOOST_TEST(utf8CharLength("\xC0\x80", 0) == 0u);       // overlong NUL
}

// ---- Emails ----

BOOST_AUTO_TEST_CASE(email_is_trimmed_and_lowercased) {
  BOOST_TEST(normalized("Ava@AcmeCorp.COM") == "ava@acmecorp.com");
  BOOST_TEST(normalized(" \t\r\nava@acmecorp.com\r\n \t") == "ava@acmecorp.com");
  BOOST_TEST(normalized("ava@acmecorp.com\r\n") == "ava@acmecorp.com");
  // A non-ASCII domain is case folded too: one spelling per domain.
  BOOST_TEST(normalized("Ava@M\xC3\x9C" "NCHEN.de") == "ava@m\xC3\xBCnchen.de");
}

BOOST_AUTO_TEST_CASE(email_out_holds_normalized_text_even_when_rejected) {
  std::string out;
  BOOST_TEST((leadterra::detail::normalizeEmail("  NOT AN EMAIL ", out) == EmailCheck::invalid));
  BOOST_TEST(out == "not an email");
}

BOOST_AUTO_TEST_CASE(email_missing_when_empty_or_whitespace) {
  BOOST_TEST((check("") == EmailCheck::missing));
  BOOST_TEST((check(" ") == EmailCheck::missing));
  BOOST_TEST((check(" \t\r\n ") == EmailCheck::missing));
}

BOOST_AUTO_TEST_CASE(email_invalid_text_for_nul_or_bad_utf8) {
  BOOST_TEST((check("ava\0@acme.com"s) == EmailCheck::invalid_text));
  BOOST_TEST((check("ava@acme.com\0"s) == EmailCheck::invalid_text));
  BOOST_TEST((check(" \0 "s) == EmailCheck::invalid_text));  // NUL is not whitespace
  BOOST_TEST((check("ava@acm\xC3.com") == EmailCheck::invalid_text));
  BOOST_TEST((check("ava@\xED\xA0\x80.com") == EmailCheck::invalid_text));
}

BOOST_AUTO_TEST_CASE(email_local_part_characters) {
  BOOST_TEST(accepted("a@acme.com"));
  BOOST_TEST(accepted("first.last@acme.com"));
  BOOST_TEST(accepted("ava+campaign@acme.com"));
  BOOST_TEST(accepted("!#$%&'*+/=?^_`{|}~-@acme.com"));
  BOOST_TEST(accepted("0123456789@acme.com"));
  BOOST_TEST(!accepted("ava smith@acme.com"));
  BOOST_TEST(!accepted("ava,smith@acme.com"));
  BOOST_TEST(!accepted("ava(smith)@acme.com"));
  BOOST_TEST(!accepted("ava<x>@acme.com"));
  BOOST_TEST(!accepted("ava\\x@acme.com"));
  BOOST_TEST(!accepted("ava;x@acme.com"));
  BOOST_TEST(!accepted("ava:x@acme.com"));
  BOOST_TEST(!accepted("ava[x]@acme.com"));
}

BOOST_AUTO_TEST_CASE(email_local_part_dots) {
  BOOST_TEST(accepted("a.b.c@acme.com"));
  BOOST_TEST(!accepted(".ava@acme.com"));
  BOOST_TEST(!accepted("ava.@acme.com"));
  BOOST_TEST(!accepted("a..b@acme.com"));
  BOOST_TEST(!accepted(".@acme.com"));
}

BOOST_AUTO_TEST_CASE(email_local_part_is_ascii_only) {
  BOOST_TEST((check("z\xC3\xAB@acme.com") == EmailCheck::invalid));
  BOOST_TEST((check("\xE2\x82\xAC@acme.com") == EmailCheck::invalid));
}

BOOST_AUTO_TEST_CASE(email_local_part_length_64_accepted_65_rejected) {
  BOOST_TEST(accepted(label(64) + "@acme.com"));
  BOOST_TEST(!accepted(label(65) + "@acme.com"));
  BOOST_TEST(!accepted("@acme.com"));
}

BOOST_AUTO_TEST_CASE(email_exactly_one_at) {
  BOOST_TEST(!accepted("ava.acme.com"));
  BOOST_TEST(!accepted("ava@@acme.com"));
  BOOST_TEST(!accepted("ava@x@acme.com"));
  BOOST_TEST(!accepted("ava@"));
}

BOOST_AUTO_TEST_CASE(email_quoted_local_parts_and_ip_literals_rejected) {
  BOOST_TEST(!accepted("\"ava\"@acme.com"));
  BOOST_TEST(!accepted("\"ava smith\"@acme.com"));
  BOOST_TEST(!accepted("\"a@b\"@acme.com"));
  BOOST_TEST(!accepted("ava@[192.168.0.1]"));
  BOOST_TEST(!accepted("ava@[IPv6:2001:db8::1]"));
  BOOST_TEST(!accepted("ava@192.168.0.1"));  // the last label is all digits
}

BOOST_AUTO_TEST_CASE(email_domain_labels) {
  BOOST_TEST(accepted("ava@mail.acme.co.uk"));
  BOOST_TEST(accepted("ava@build-fast.io"));
  BOOST_TEST(accepted("ava@xn--mnchen-3ya.de"));  // inner double hyphen
  BOOST_TEST(accepted("ava@123.com"));            // digits are fine except in the last label
  BOOST_TEST(accepted("ava@acme.c0m"));           // last label mixes digits and letters
  BOOST_TEST(!accepted("ava@acme.123"));          // numeric TLD
  BOOST_TEST(!accepted("ava@localhost"));         // one label
  BOOST_TEST(!accepted("ava@.acme.com"));
  BOOST_TEST(!accepted("ava@acme.com."));
  BOOST_TEST(!accepted("ava@acme..com"));
  BOOST_TEST(!accepted("ava@-acme.com"));
  BOOST_TEST(!accepted("ava@acme-.com"));
  BOOST_TEST(!accepted("ava@acme.-com"));
  BOOST_TEST(!accepted("ava@acme_corp.com"));
  BOOST_TEST(!accepted("ava@acme corp.com"));
  BOOST_TEST(!accepted("ava@acme.com>"));
}

BOOST_AUTO_TEST_CASE(email_domain_admits_utf8) {
  BOOST_TEST(accepted("ava@m\xC3\xBCnchen.de"));              // münchen.de
  BOOST_TEST(accepted("ava@\xE4\xBE\x8B\xE3\x81\x88.jp"));     // 例え.jp
  BOOST_TEST(accepted("ava@acme.\xD1\x80\xD1\x84"));           // acme.рф
}

// ---- International domains: one canonical spelling ----

BOOST_AUTO_TEST_CASE(email_domain_upper_case_non_ascii_is_folded) {
  BOOST_TEST(normalized("max@B\xC3\x9C" "CHER.DE") == "max@b\xC3\xBC" "cher.de");      // BÜCHER.DE
  BOOST_TEST(normalized("anna@M\xC3\x9C" "NCHEN.de") == "anna@m\xC3\xBC" "nchen.de");  // MÜNCHEN.de
  BOOST_TEST(normalized("x@\xCE\xA3\xCE\x91\xCE\xA3.gr") == "x@\xCF\x83\xCE\xB1\xCF\x83.gr");  // ΣΑΣ.gr
  BOOST_TEST(normalized("x@acme.\xD0\xA0\xD0\xA4") == "x@acme.\xD1\x80\xD1\x84");                // acme.РФ
}

BOOST_AUTO_TEST_CASE(email_a_label_and_u_label_are_one_domain) {
  // The ASCII form DNS carries is stored in the Unicode form a person reads.
  BOOST_TEST(normalized("x@xn--bcher-kva.de") == "x@b\xC3\xBC" "cher.de");
  BOOST_TEST(normalized("X@XN--BCHER-KVA.DE") == "x@b\xC3\xBC" "cher.de");
  BOOST_TEST(normalized("ava@xn--mnchen-3ya.de") == "ava@m\xC3\xBC" "nchen.de");
  BOOST_TEST(normalized("x@mail.xn--bcher-kva.de") == "x@mail.b\xC3\xBC" "cher.de");
  BOOST_TEST(normalized("x@acme.xn--p1ai") == "x@acme.\xD1\x80\xD1\x84");
  BOOST_TEST(normalized("x@xn--r8jz45g.jp") == "x@\xE4\xBE\x8B\xE3\x81\x88.jp");  // 例え.jp
  // IDNA2008, not the transitional mapping: faß.de is not fass.de.
  BOOST_TEST(normalized("x@xn--fa-hia.de") == "x@fa\xC3\x9F.de");
  BOOST_TEST(normalized("x@fa\xC3\x9F.de") == "x@fa\xC3\x9F.de");
  BOOST_TEST(normalized("x@fass.de") == "x@fass.de");
}

BOOST_AUTO_TEST_CASE(email_domain_spellings_map_to_the_canonical_form) {
  const std::string canonical = "x@b\xC3\xBC" "cher.de";
  for (const std::string spelling : {
           "x@bu\xCC\x88" "cher.de",                // u and a combining diaeresis: NFC
           "x@\xEF\xBD\x82\xC3\xBC" "cher.de",     // a full-width b
           "x@\xC2\xAD" "b\xC3\xBC" "cher.de",      // a soft hyphen, ignored
           "x@b\xC3\xBC" "cher\xE3\x80\x82" "de",  // an ideographic full stop
           "X@B\xC3\x9C" "CHER.De",
           "x@XN--BCHER-KVA.de",
       }) {
    BOOST_TEST(normalized(spelling) == canonical, spelling);
  }
  BOOST_TEST(normalized(canonical) == canonical);  // idempotent
  BOOST_TEST(normalized("x@\xE2\x85\xA7.com") == "x@viii.com");  // Roman numeral eight
}

BOOST_AUTO_TEST_CASE(email_domain_that_is_not_valid_idna_is_invalid) {
  // A-labels that are no Punycode, or whose Unicode form is not valid IDNA.
  BOOST_TEST((check("a@xn--zz.de") == EmailCheck::invalid));
  BOOST_TEST((check("a@xn--.de") == EmailCheck::invalid));
  BOOST_TEST((check("a@xn--bcher-kva-.de") == EmailCheck::invalid));
  BOOST_TEST((check("a@xn--abc.de") == EmailCheck::invalid));         // a code point not valid in IDNA2008
  BOOST_TEST((check("a@xn--bcher-1pa.de") == EmailCheck::invalid));   // "Übcher": upper case
  BOOST_TEST((check("a@xn--ubcher-wyd.de") == EmailCheck::invalid));  // "ü" decomposed: not NFC
  BOOST_TEST((check("a@xn--6a.de") == EmailCheck::invalid));          // a no-break space
  BOOST_TEST((check("a@xn--lth.de") == EmailCheck::invalid));         // U+24A3, which maps to "(h)"
  BOOST_TEST((check("a@xn--n3h.com") == EmailCheck::invalid));        // the snowman, disallowed
  // Labels with disallowed code points or broken IDNA rules.
  BOOST_TEST((check("a@\xE2\x98\x83.com") == EmailCheck::invalid));         // the snowman
  BOOST_TEST((check("a@\xF0\x9F\x98\x80.com") == EmailCheck::invalid));     // an emoji
  BOOST_TEST((check("a@a\xE2\x80\x8D" "b.de") == EmailCheck::invalid));     // a joiner out of context
  BOOST_TEST((check("a@a\xD7\x90.com") == EmailCheck::invalid));             // Latin then Hebrew: the bidi rule
  BOOST_TEST((check("a@\xC3\xBC-.de") == EmailCheck::invalid));              // a hyphen at the end
  BOOST_TEST((check("a@ab--\xC3\xBC" "c.de") == EmailCheck::invalid));       // hyphens 3 and 4 of a U-label
  BOOST_TEST((check("a@\xC2\xAD.de") == EmailCheck::invalid));               // only an ignored soft hyphen
  BOOST_TEST((check("a@b\xC3\xBC" "cher\xE3\x80\x82") == EmailCheck::invalid));  // a full stop, then nothing
  // The LDH rule and the numeric last label hold after mapping too.
  BOOST_TEST((check("a@b\xC3\xBC" "cher_x.de") == EmailCheck::invalid));
  BOOST_TEST((check("a@b\xC3\xBC" " cher.de") == EmailCheck::invalid));
  BOOST_TEST((check("a@\xEF\xBC\x91\xEF\xBC\x92.\xEF\xBC\x93") == EmailCheck::invalid));  // full-width "12.3"
}

BOOST_AUTO_TEST_CASE(email_mixed_labels_keep_ascii_labels_as_they_are) {
  // Plain ASCII labels are lowercased only, whatever their neighbours.
  BOOST_TEST(normalized("Max@Mail.B\xC3\x9C" "CHER.xn--mnchen-3ya.DE") ==
             "max@mail.b\xC3\xBC" "cher.m\xC3\xBC" "nchen.de");
  BOOST_TEST(normalized("a@ab--cd.b\xC3\xBC" "cher.de") == "a@ab--cd.b\xC3\xBC" "cher.de");
  BOOST_TEST(normalized("a@ab--cd.de") == "a@ab--cd.de");
}

BOOST_AUTO_TEST_CASE(email_lengths_hold_in_both_forms) {
  const auto repeat = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  // 31 x "ü": 62 bytes stored, 37 as an A-label. 32 x "ü" is a 38-byte
  // A-label but 64 bytes stored: refused, as any label over 63 bytes.
  BOOST_TEST(accepted("a@" + repeat("\xC3\xBC", 31) + ".de"));
  BOOST_TEST(!accepted("a@" + repeat("\xC3\xBC", 32) + ".de"));
  // 57 x "a" + "ü": 59 bytes stored, "xn--aaa...-e6f" 65 bytes in DNS: refused.
  BOOST_TEST(!accepted("a@" + label(57) + "\xC3\xBC.de"));
  BOOST_TEST(accepted("a@" + label(50) + "\xC3\xBC.de"));
  // Spelled longer than stored: 200 ignorable soft hyphens (400 bytes) vanish;
  // beyond 1,024 bytes the text is refused without a look.
  BOOST_TEST(normalized("x@b" + repeat("\xC2\xAD", 200) + "\xC3\xBC" "cher.de") == "x@b\xC3\xBC" "cher.de");
  BOOST_TEST((check("x@b" + repeat("\xC2\xAD", 520) + "\xC3\xBC" "cher.de") == EmailCheck::invalid));
}

BOOST_AUTO_TEST_CASE(email_label_length_63_accepted_64_rejected) {
  BOOST_TEST(accepted("ava@" + label(63) + ".com"));
  BOOST_TEST(!accepted("ava@" + label(64) + ".com"));
  BOOST_TEST(accepted("ava@acme." + label(63)));
  BOOST_TEST(!accepted("ava@acme." + label(64)));
}

BOOST_AUTO_TEST_CASE(email_total_length_254_accepted_255_rejected) {
  // 64 + 1 + 63 + 1 + 63 + 1 + 61 = 254 bytes.
  const std::string at254 = label(64) + "@" + label(63) + "." + label(63) + "." + label(61);
  BOOST_TEST_REQUIRE(at254.size() == 254u);
  BOOST_TEST(accepted(at254));
  const std::string at255 = label(64) + "@" + label(63) + "." + label(63) + "." + label(62);
  BOOST_TEST(!accepted(at255));
  // Surrounding whitespace does not count toward the limit.
  BOOST_TEST(accepted("  " + at254 + "\r\n"));
}

// ---- Domains ----

BOOST_AUTO_TEST_CASE(domain_normalized_with_or_without_at) {
  std::string out;
  BOOST_TEST(leadterra::detail::normalizeDomain("Acme.COM", out));
  BOOST_TEST(out == "acme.com");
  BOOST_TEST(leadterra::detail::normalizeDomain("  @Acme.com\n", out));
  BOOST_TEST(out == "acme.com");
  BOOST_TEST(leadterra::detail::normalizeDomain("mail.acme.com", out));
  BOOST_TEST(out == "mail.acme.com");
  BOOST_TEST(leadterra::detail::normalizeDomain("m\xC3\xBCnchen.de", out));
  BOOST_TEST(out == "m\xC3\xBCnchen.de");
}

BOOST_AUTO_TEST_CASE(domain_entries_take_the_canonical_form) {
  std::string out;
  using leadterra::detail::normalizeDomain;
  for (const char* spelling : {"b\xC3\xBC" "cher.de", "@B\xC3\x9C" "CHER.DE", "xn--bcher-kva.de", "@XN--BCHER-KVA.de",
                               " bu\xCC\x88" "cher.de\n"}) {
    BOOST_TEST(normalizeDomain(spelling, out), spelling);
    BOOST_TEST(out == "b\xC3\xBC" "cher.de", spelling);
  }
  BOOST_TEST(normalizeDomain("Mail.XN--BCHER-KVA.de", out));
  BOOST_TEST(out == "mail.b\xC3\xBC" "cher.de");
  BOOST_TEST(!normalizeDomain("xn--zz.de", out));
  BOOST_TEST(out == "xn--zz.de");  // as given, lowercased
  BOOST_TEST(!normalizeDomain("@\xE2\x98\x83.com", out));
  BOOST_TEST(!normalizeDomain("b\xC3\xBC" "cher", out));  // one label
}

BOOST_AUTO_TEST_CASE(domain_rejects_what_an_email_domain_rejects) {
  std::string out;
  using leadterra::detail::normalizeDomain;
  BOOST_TEST(!normalizeDomain("", out));
  BOOST_TEST(!normalizeDomain("@", out));
  BOOST_TEST(!normalizeDomain("@@acme.com", out));
  BOOST_TEST(!normalizeDomain("ava@acme.com", out));
  BOOST_TEST(!normalizeDomain("acme", out));
  BOOST_TEST(!normalizeDomain("acme.123", out));
  BOOST_TEST(!normalizeDomain("-acme.com", out));
  BOOST_TEST(!normalizeDomain("acme..com", out));
  BOOST_TEST(!normalizeDomain("[10.0.0.1]", out));
  BOOST_TEST(!normalizeDomain("acm\xC3.com", out));
  BOOST_TEST(!normalizeDomain("acme\0.com"s, out));
  BOOST_TEST(!normalizeDomain(label(64) + ".com", out));
  // 253 bytes is the longest DNS name.
  const std::string at253 = label(63) + "." + label(63) + "." + label(63) + "." + label(61);
  BOOST_TEST_REQUIRE(at253.size() == 253u);
  BOOST_TEST(normalizeDomain(at253, out));
  BOOST_TEST(!normalizeDomain(at253 + "a", out));
}

BOOST_AUTO_TEST_CASE(domain_of_an_email) {
  BOOST_TEST(leadterra::detail::emailDomain("ava@mail.acme.com") == "mail.acme.com");
}

BOOST_AUTO_TEST_CASE(reverse_domain_reverses_labels) {
  using leadterra::detail::reverseDomain;
  BOOST_TEST(reverseDomain("mail.acme.com") == "com.acme.mail");
  BOOST_TEST(reverseDomain("acme.com") == "com.acme");
  BOOST_TEST(reverseDomain("a.b.c.d") == "d.c.b.a");
  BOOST_TEST(reverseDomain("localhost") == "localhost");
  // The prefix rule separates subdomains from look-alikes.
  const std::string entry = reverseDomain("acme.com") + ".";
  BOOST_TEST(reverseDomain("mail.acme.com").starts_with(entry));
  BOOST_TEST(!reverseDomain("notacme.com").starts_with(entry));
}

// ---- Caller-supplied ids ----

BOOST_AUTO_TEST_CASE(ids_supplied_by_callers) {
  using leadterra::detail::isValidId;
  BOOST_TEST(isValidId("camp_01HZA1TPNQ8RD4KF"));
  BOOST_TEST(isValidId("a"));
  BOOST_TEST(isValidId("ws-Test_9"));
  BOOST_TEST(isValidId(std::string(64, 'x')));
  BOOST_TEST(!isValidId(std::string(65, 'x')));
  BOOST_TEST(!isValidId(""));
  BOOST_TEST(!isValidId("camp 1"));
  BOOST_TEST(!isValidId("camp.1"));
  BOOST_TEST(!isValidId("camp/1"));
  BOOST_TEST(!isValidId("caf\xC3\xA9"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Generated ids ----

BOOST_AUTO_TEST_SUITE(ids)

namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::chrono::system_clock::time_point atMillis(std::int64_t ms) {
  return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(prefix_then_26_crockford_characters) {
  leadterra::detail::IdGenerator gen;
  const std::string id = gen.next("camp_", std::chrono::system_clock::now());
  BOOST_TEST(id.size() == 5u + 26u);
  BOOST_TEST(id.starts_with("camp_"));
  for (char c : id.substr(5)) BOOST_TEST(kCrockford.find(c) != std::string_view::npos, "character " << c);
  BOOST_TEST(leadterra::detail::isValidId(id));  // a generated id is also a valid supplied id
}

BOOST_AUTO_TEST_CASE(time_part_encodes_the_milliseconds) {
  leadterra::detail::IdGenerator gen;
  // ULID spec example time: 1469918176385 ms -> "01ARYZ6S41".
  BOOST_TEST(gen.next("", atMillis(1469918176385)).substr(0, 10) == "01ARYZ6S41");
  BOOST_TEST(gen.next("", atMillis(0)).substr(0, 10) == "0000000000");
  // Times before the epoch are clamped to it, never wrapped.
  BOOST_TEST(gen.next("", atMillis(-5)).substr(0, 10) == "0000000000");
}

BOOST_AUTO_TEST_CASE(time_part_increases_with_time) {
  leadterra::detail::IdGenerator gen;
  std::string previous = gen.next("lead_", atMillis(1749567600000));
  for (std::int64_t ms : {1749567600001LL, 1749567601000LL, 1749654000000LL, 1900000000000LL}) {
    const std::string id = gen.next("lead_", atMillis(ms));
    BOOST_TEST(id.substr(5, 10) > previous.substr(5, 10));
    BOOST_TEST(id > previous);
    previous = id;
  }
}

BOOST_AUTO_TEST_CASE(ids_of_one_millisecond_are_unique_and_ordered) {
  leadterra::detail::IdGenerator gen;
  const auto now = atMillis(1749567600000);
  std::set<std::string> seen;
  std::string previous;
  for (int i = 0; i < 100000; ++i) {
    std::string id = gen.next("msg_", now);
    BOOST_TEST_REQUIRE(id > previous);
    previous = id;
    seen.insert(std::move(id));
  }
  BOOST_TEST(seen.size() == 100000u);
}

BOOST_AUTO_TEST_CASE(two_generators_do_not_collide) {
  leadterra::detail::IdGenerator a;
  leadterra::detail::IdGenerator b;
  const auto now = atMillis(1749567600000);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(a.next("ws_", now));
    seen.insert(b.next("ws_", now));
  }
  BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Timestamps ----

BOOST_AUTO_TEST_SUITE(timestamps)

namespace {

Timestamp epoch(std::int64_t seconds) { return Timestamp{std::chrono::seconds{seconds}}; }

}  // namespace

BOOST_AUTO_TEST_CASE(format_is_utc_with_z) {
  using leadterra::detail::formatIso;
  BOOST_TEST(formatIso(epoch(1749567600)) == "2025-06-10T15:00:00Z");
  BOOST_TEST(formatIso(epoch(0)) == "1970-01-01T00:00:00Z");
  BOOST_TEST(formatIso(epoch(951782400)) == "2000-02-29T00:00:00Z");
  BOOST_TEST(formatIso(epoch(4102444799)) == "2099-12-31T23:59:59Z");
}

BOOST_AUTO_TEST_CASE(round_trip) {
  using leadterra::detail::formatIso;
  using leadterra::detail::parseIso;
  for (std::int64_t s : {0LL, 1LL, 59LL, 86399LL, 951782400LL, 1749567600LL, 1749599999LL, 4102444799LL}) {
    const auto parsed = parseIso(formatIso(epoch(s)));
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->time_since_epoch().count() == s);
  }
}

BOOST_AUTO_TEST_CASE(parse_accepts_fractions_and_offsets) {
  using leadterra::detail::parseIso;
  const auto seed = epoch(1749567600);
  BOOST_TEST((parseIso("2025-06-10T15:00:00Z") == seed));
  BOOST_TEST((parseIso("2025-06-10T15:00:00.999Z") == seed));  // fraction dropped
  BOOST_TEST((parseIso("2025-06-10T15:00:00.5+00:00") == seed));
  BOOST_TEST((parseIso("2025-06-10T17:00:00+02:00") == seed));
  BOOST_TEST((parseIso("2025-06-10T09:30:00-05:30") == seed));
  BOOST_TEST((parseIso("2025-06-11T00:00:00+09:00") == seed));  // crosses midnight
}

BOOST_AUTO_TEST_CASE(parse_rejects_malformed_or_impossible_times) {
  using leadterra::detail::parseIso;
  for (const char* bad : {"", "2025-06-10", "2025-06-10T15:00:00", "2025-06-10 15:00:00Z", "2025-06-10t15:00:00Z",
                          "2025-06-10T15:00:00z", "2025-6-10T15:00:00Z", "2025-06-10T15:00Z", "2025-06-10T15:00:00.Z",
                          "2025-06-10T15:00:00ZZ", "2025-06-10T15:00:00Z ", " 2025-06-10T15:00:00Z",
                          "2025-06-10T15:00:00+0200", "2025-06-10T15:00:00+02", "2025-06-10T15:00:00+24:00",
                          "2025-06-10T15:00:00+02:60", "2025-13-10T15:00:00Z", "2025-00-10T15:00:00Z",
                          "2025-02-29T15:00:00Z", "2025-04-31T15:00:00Z", "2025-06-00T15:00:00Z",
                          "2025-06-10T24:00:00Z", "2025-06-10T15:60:00Z", "2025-06-10T15:00:60Z",
                          "2025-06-10T15:00:0xZ", "+025-06-10T15:00:00Z", "yesterday"}) {
    BOOST_TEST(!parseIso(bad).has_value(), "accepted: '" << bad << "'");
  }
  BOOST_TEST(parseIso("2024-02-29T15:00:00Z").has_value());  // a leap year
}

BOOST_AUTO_TEST_SUITE_END()
