#include "util/flat_json.hpp"

#include "util/text.hpp"

namespace leadterra::detail {

namespace {

constexpr std::size_t kMaxKeys = 128;
constexpr std::size_t kMaxBytes = 16 * 1024;

// A string's bytes from just after its opening quote to its closing quote:
// no backslash, no control character, well-formed UTF-8. Returns the
// position of the closing quote, or npos.
std::size_t plainString(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  bool ascii = true;
  for (; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') break;
    if (c == '\\' || c < 0x20) return std::string_view::npos;
    ascii &= c < 0x80;
  }
  if (i >= s.size()) return std::string_view::npos;
  if (!ascii && !isCleanUtf8(s.substr(start, i - start))) return std::string_view::npos;
  return i;
}

// -?(0|[1-9][0-9]{0,17}): an integer a JSON library writes back digit for digit.
std::size_t canonicalInteger(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t digits = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  const std::size_t n = i - digits;
  if (n == 0 || n > 18) return std::string_view::npos;
  if (s[digits] == '0' && (n > 1 || digits != start)) return std::string_view::npos;  // 01, -0
  return i;
}

}  // namespace

bool FlatObject::parse(std::string_view s) {
  members_.clear();
  if (s.size() < 2 || s.size() > kMaxBytes || s.front() != '{' || s.back() != '}') return false;
  if (s.size() == 2) return true;
  std::size_t i = 1;
  while (true) {
    if (s[i] != '"') return false;
    const std::size_t keyEnd = plainString(s, i + 1);
    if (keyEnd == std::string_view::npos || keyEnd + 1 >= s.size() || s[keyEnd + 1] != ':') return false;
    Member m{};
    m.keyAt = static_cast<std::uint32_t>(i + 1);
    m.keyLen = static_cast<std::uint32_t>(keyEnd - i - 1);
    if (lookup(s, s.substr(m.keyAt, m.keyLen)) != nullptr) return false;  // duplicate key
    i = keyEnd + 2;
    if (i >= s.size()) return false;
    std::size_t end;
    if (s[i] == '"') {
      end = plainString(s, i + 1);
      if (end != std::string_view::npos) ++end;
      m.isString = true;
    } else if (s.compare(i, 4, "true") == 0) {
      end = i + 4;
    } else if (s.compare(i, 5, "false") == 0) {
      end = i + 5;
    } else {
      end = canonicalInteger(s, i);
    }
    if (end == std::string_view::npos || end >= s.size()) return false;
    m.valueAt = static_cast<std::uint32_t>(i);
    m.valueLen = static_cast<std::uint32_t>(end - i);
    members_.push_back(m);
    if (members_.size() > kMaxKeys) return false;
    if (s[end] == '}') {
      if (end + 1 != s.size()) return false;
      return true;
    }
    if (s[end] != ',') return false;
    i = end + 1;
    if (i >= s.size()) return false;
  }
}

const FlatObject::Member* FlatObject::lookup(std::string_view text, std::string_view key) const {
  for (const Member& m : members_) {
    if (text.substr(m.keyAt, m.keyLen) == key) return &m;
  }
  return nullptr;
}

std::optional<std::string_view> FlatObject::find(std::string_view text, std::string_view key) const {
  const Member* m = lookup(text, key);
  if (m == nullptr) return std::nullopt;
  if (m->isString) return text.substr(m->valueAt + 1, m->valueLen - 2);
  return text.substr(m->valueAt, m->valueLen);
}

std::optional<std::string_view> FlatObject::find(std::string_view text, std::string_view key, bool& isFalse) const {
  const Member* m = lookup(text, key);
  isFalse = false;
  if (m == nullptr) return std::nullopt;
  if (m->isString) return text.substr(m->valueAt + 1, m->valueLen - 2);
  const std::string_view value = text.substr(m->valueAt, m->valueLen);
  isFalse = value == "false";
  return value;
}

void FlatObject::merge(std::string_view stored, const FlatObject& storedIndex, std::string_view patch,
                       const FlatObject& patchIndex, FlatMerge rule, std::string& out, std::size_t& count) {
  out.clear();
  if (rule == FlatMerge::replace) {
    out.assign(patch);
    count = patchIndex.size();
    return;
  }
  out.reserve(stored.size() + patch.size());
  out.push_back('{');
  count = 0;
  auto append = [&](std::string_view text, const Member& m, std::string_view valueText, const Member& v) {
    if (count++ > 0) out.push_back(',');
    out.append(text, m.keyAt - 1, m.keyLen + 2);  // the key with its quotes
    out.push_back(':');
    out.append(valueText, v.valueAt, v.valueLen);
  };
  // Stored keys keep their place; patch takes the patch's value for them.
  for (const Member& m : storedIndex.members_) {
    const Member* p = rule == FlatMerge::patch ? patchIndex.lookup(patch, stored.substr(m.keyAt, m.keyLen)) : nullptr;
    if (p != nullptr) {
      append(stored, m, patch, *p);
    } else {
      append(stored, m, stored, m);
    }
  }
  // New keys follow, in the patch's order.
  for (const Member& p : patchIndex.members_) {
    if (storedIndex.lookup(stored, patch.substr(p.keyAt, p.keyLen)) == nullptr) append(patch, p, patch, p);
  }
  out.push_back('}');
}

}  // namespace leadterra::detail
