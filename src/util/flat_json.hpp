// The fast path for the usual shape of customFields: a compact JSON object
// whose values are plain strings (no escapes), canonical integers, true or
// false. Such text is exactly what a JSON library would write for it, so the
// engine can validate, store, merge and look it up without building a JSON
// document. Anything else (whitespace, escapes, nested values, null,
// decimals, duplicate keys, over 128 keys) is left to the general path
// (nlohmann::ordered_json), which gives the same results, only slower.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leadterra::detail {

// How FlatObject::merge writes a patch into a stored object.
enum class FlatMerge {
  patch,       // the patch's keys replace or join the stored ones (RFC 7396; flat objects hold no null)
  addMissing,  // only the patch's keys that the stored object lacks join it
  replace,     // the patch becomes the object
};

class FlatObject {
 public:
  // Indexes `text` if it has the flat shape; false (and nothing kept) if not.
  // The offsets refer to `text`, which the caller keeps.
  bool parse(std::string_view text);

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }

  // The member's text as it renders (a string's content, a number's or
  // boolean's JSON text), if the key is present.
  [[nodiscard]] std::optional<std::string_view> find(std::string_view text, std::string_view key) const;
  // The same, and whether the member is the literal false (a section over it
  // is skipped, where the text "false" is a value).
  [[nodiscard]] std::optional<std::string_view> find(std::string_view text, std::string_view key,
                                                     bool& isFalse) const;

  // The patch written into `stored` by the rule. Stored keys keep their
  // place; new keys follow in the patch's order. `out` receives the result's
  // compact text, `count` its number of keys.
  static void merge(std::string_view stored, const FlatObject& storedIndex, std::string_view patch,
                    const FlatObject& patchIndex, FlatMerge rule, std::string& out, std::size_t& count);

 private:
  struct Member {
    std::uint32_t keyAt, keyLen;      // the key's bytes, without quotes
    std::uint32_t valueAt, valueLen;  // the value as written (with quotes for strings)
    bool isString;
  };
  [[nodiscard]] const Member* lookup(std::string_view text, std::string_view key) const;
  std::vector<Member> members_;
};

}  // namespace leadterra::detail
