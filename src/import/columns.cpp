// planCsvColumns: a CSV header row read as lead fields and customFields keys.
//
// In order: the column map's entries find their columns; every other column
// is a standard field when its header is one of kAliases, else a custom
// field; a field named by the map takes precedence over an alias of it; and
// custom keys are made template-safe and unique.
#include "import/columns.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include "leadterra/error.hpp"

namespace leadterra::detail {

void failFile(std::string_view where, std::string_view problem) {
  throw Error(ErrorCode::invalid_argument, fmt::format("{}: {}", where, problem));
}

namespace {

struct Alias {
  std::string_view name;
  CsvTarget target;
};

// The header names read as standard fields, as docs/import.md lists them.
// Compared by matchKey, so each stands for all its spellings.
constexpr Alias kAliases[] = {
    {"email", CsvTarget::email},
    {"E-mail", CsvTarget::email},
    {"Email Address", CsvTarget::email},
    {"Work Email", CsvTarget::email},
    {"Work Email Address", CsvTarget::email},
    {"Business Email", CsvTarget::email},
    {"Primary Email", CsvTarget::email},
    {"Contact Email", CsvTarget::email},
    {"firstName", CsvTarget::firstName},
    {"First", CsvTarget::firstName},
    {"Given Name", CsvTarget::firstName},
    {"Forename", CsvTarget::firstName},
    {"FName", CsvTarget::firstName},
    {"lastName", CsvTarget::lastName},
    {"Last", CsvTarget::lastName},
    {"Surname", CsvTarget::lastName},
    {"Family Name", CsvTarget::lastName},
    {"LName", CsvTarget::lastName},
    {"company", CsvTarget::company},
    {"Company Name", CsvTarget::company},
    {"Organization", CsvTarget::company},
    {"Organisation", CsvTarget::company},
    {"Organization Name", CsvTarget::company},
    {"Organisation Name", CsvTarget::company},
    {"Account Name", CsvTarget::company},
    {"Employer", CsvTarget::company},
    {"jobTitle", CsvTarget::jobTitle},
    {"Title", CsvTarget::jobTitle},
    {"Position", CsvTarget::jobTitle},
    {"Job Position", CsvTarget::jobTitle},
    {"Designation", CsvTarget::jobTitle},
};

constexpr bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// What names are compared by: ASCII lowercase, without whitespace, '-', '_'
// and '.'. "E-mail" and "EMAIL" give "email"; "First Name" "firstname".
std::string matchKey(std::string_view name) {
  std::string key;
  for (const char c : name) {
    if (isSpace(c) || c == '-' || c == '_' || c == '.') continue;
    key.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return key;
}

std::optional<CsvTarget> aliasOf(std::string_view header) {
  const std::string key = matchKey(header);
  for (const Alias& alias : kAliases) {
    if (matchKey(alias.name) == key) return alias.target;
  }
  return std::nullopt;
}

// The standard field spelled `name` (the field's own name, compared by
// matchKey), if any.
std::optional<CsvTarget> standardField(std::string_view name) {
  const std::string key = matchKey(name);
  for (std::size_t i = 0; i < std::size(kStandardFields); ++i) {
    if (matchKey(kStandardFields[i]) == key) return static_cast<CsvTarget>(i);
  }
  return std::nullopt;
}

// A byte a template name may hold (docs/personalize.md): not whitespace or
// a control character, not one of { } < > | . (the dot walks into objects).
constexpr bool isKeyByte(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7F) return false;
  return c != ' ' && c != '{' && c != '}' && c != '<' && c != '>' && c != '|' && c != '.';
}

// The header as a customFields key a template can name: each run of bytes a
// name cannot hold becomes one '_', none at either end, and the Mustache
// sigils # / ^ ! = & are dropped from the front. "Lead Score" -> "Lead_Score",
// "# of seats" -> "of_seats". May be empty.
std::string safeKey(std::string_view header) {
  std::string key;
  bool gap = false;
  for (const char c : header) {
    if (!isKeyByte(c)) {
      gap = !key.empty();
      continue;
    }
    if (key.empty() && (c == '#' || c == '/' || c == '^' || c == '!' || c == '=' || c == '&')) continue;
    if (gap) key.push_back('_');
    gap = false;
    key.push_back(c);
  }
  return key;
}

// A column on its way to a target.
struct Draft {
  CsvTarget target = CsvTarget::custom;
  std::string key;      // custom: the key, empty until generated
  bool mapped = false;  // the target comes from the column map
};

std::string quotedList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 30; ++i) out += fmt::format("{}\"{}\"", i ? ", " : "", names[i]);
  if (names.size() > 30) out += ", ...";
  return out;
}

// The column a map entry names: the header as written (trimmed), else the
// one header equal to it by matchKey.
std::size_t findColumn(const std::vector<std::string>& names, std::string_view wanted, std::string_view where) {
  for (const bool exact : {true, false}) {
    std::vector<std::size_t> found;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (exact ? names[i] == wanted : (!wanted.empty() && matchKey(names[i]) == matchKey(wanted))) found.push_back(i);
    }
    if (found.size() > 1) {
      failFile(where, fmt::format("the column map's \"{}\" matches columns {} and {}; a header named twice cannot be "
                                  "mapped",
                                  wanted, found[0] + 1, found[1] + 1));
    }
    if (found.size() == 1) return found[0];
  }
  failFile(where, fmt::format("the column map names \"{}\", which is not a column of the header row ({})", wanted,
                              quotedList(names)));
}

// The prefix of the columns of a lead's state in an exported file
// (docs/export.md): status, position and the like, which an import does not set.
constexpr std::string_view kExportStatePrefix = "leadterra:";

// Each column's draft: from the map, else left out as an export's state
// column, else by alias, else custom.
std::vector<Draft> draftColumns(const std::vector<std::string>& names,
                                const std::map<std::string, std::string>& columnMap, std::string_view where) {
  std::vector<Draft> drafts(names.size());
  std::vector<bool> done(names.size(), false);
  for (const auto& [header, target] : columnMap) {
    const std::size_t i = findColumn(names, trim(header), where);
    if (done[i]) failFile(where, fmt::format("the column map names column {} (\"{}\") twice", i + 1, names[i]));
    done[i] = true;
    Draft& d = drafts[i];
    d.mapped = true;
    const std::string_view to = trim(target);
    if (to.empty()) {
      d.target = CsvTarget::leftOut;
    } else if (const auto field = standardField(to)) {
      d.target = *field;
    } else {
      d.key = std::string(to);  // as the caller wrote it
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (done[i]) continue;
    if (names[i].starts_with(kExportStatePrefix)) {
      drafts[i].target = CsvTarget::leftOut;  // a lead's state belongs to the engine
    } else if (const auto field = aliasOf(names[i])) {
      drafts[i].target = *field;
    } else {
      drafts[i].key = safeKey(names[i]);
    }
  }
  return drafts;
}

std::string emailNames() {
  std::string out;
  for (const Alias& alias : kAliases) {
    if (alias.target == CsvTarget::email) out += fmt::format("{}\"{}\"", out.empty() ? "" : ", ", alias.name);
  }
  return out;
}

// One column per standard field: the mapped one when the map names it (an
// alias column of it becomes a custom field), else the one alias column.
void settleFields(std::vector<Draft>& drafts, const std::vector<std::string>& names, std::string_view where) {
  for (std::size_t f = 0; f < std::size(kStandardFields); ++f) {
    const auto target = static_cast<CsvTarget>(f);
    std::vector<std::size_t> all;
    std::vector<std::size_t> mapped;
    for (std::size_t i = 0; i < drafts.size(); ++i) {
      if (drafts[i].target != target) continue;
      all.push_back(i);
      if (drafts[i].mapped) mapped.push_back(i);
    }
    if (mapped.size() > 1) {
      failFile(where, fmt::format("the column map sends columns {} and {} both to {}", mapped[0] + 1, mapped[1] + 1,
                                  kStandardFields[f]));
    }
    if (mapped.empty() && all.size() > 1) {
      failFile(where, fmt::format("columns {} (\"{}\") and {} (\"{}\") are both read as {}; say which one is with a "
                                  "column map, e.g. --map \"{}={}\" (the other becomes a custom field)",
                                  all[0] + 1, names[all[0]], all[1] + 1, names[all[1]], kStandardFields[f],
                                  names[all[1]], kStandardFields[f]));
    }
    for (const std::size_t i : all) {
      if (!mapped.empty() && i != mapped[0]) drafts[i] = Draft{CsvTarget::custom, safeKey(names[i]), false};
    }
    if (target == CsvTarget::email && all.empty()) {
      failFile(where, fmt::format("the header row has no email column; name it one of {} (case, spaces, '-', '_' and '.' "
                                  "do not matter), or map one, e.g. --map \"Your Header=email\"",
                                  emailNames()));
    }
  }
}

bool isStandardName(std::string_view key) {
  return std::find(std::begin(kStandardFields), std::end(kStandardFields), key) != std::end(kStandardFields);
}

// Unique customFields keys: the map's keys as written (two alike are an
// error), then header keys in column order; a header key that is empty,
// already taken or a standard field's name (as templates spell it, so that
// {{email}} means one thing) becomes column_N (column_N_2, ... when that is
// taken too).
void settleKeys(std::vector<Draft>& drafts, std::string_view where) {
  std::set<std::string> taken;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    if (drafts[i].target != CsvTarget::custom || !drafts[i].mapped) continue;
    if (!taken.insert(drafts[i].key).second) {
      failFile(where, fmt::format("the column map sends two columns to the custom field \"{}\"", drafts[i].key));
    }
  }
  std::vector<std::size_t> unnamed;
  for (std::size_t i = 0; i < drafts.size(); ++i) {
    Draft& d = drafts[i];
    if (d.target != CsvTarget::custom || d.mapped) continue;
    if (d.key.empty() || isStandardName(d.key) || !taken.insert(d.key).second) unnamed.push_back(i);
  }
  for (const std::size_t i : unnamed) {
    std::string key = fmt::format("column_{}", i + 1);
    for (int n = 2; taken.count(key) > 0; ++n) key = fmt::format("column_{}_{}", i + 1, n);
    taken.insert(key);
    drafts[i].key = std::move(key);
  }
}

}  // namespace

CsvColumns planCsvColumns(const std::vector<std::string>& header, const std::map<std::string, std::string>& columnMap,
                          std::string_view where) {
  std::vector<std::string> names;
  names.reserve(header.size());
  for (const std::string& cell : header) names.emplace_back(trim(cell));
  std::vector<Draft> drafts = draftColumns(names, columnMap, where);
  settleFields(drafts, names, where);
  settleKeys(drafts, where);

  CsvColumns out;
  std::multiset<std::string> seen(names.begin(), names.end());
  for (std::size_t i = 0; i < names.size(); ++i) {
    LeadFileColumn column{names[i], {}, {}};
    const CsvTarget target = drafts[i].target;
    if (target == CsvTarget::custom) {
      column.customKey = std::move(drafts[i].key);
    } else if (target != CsvTarget::leftOut) {
      column.field = std::string(kStandardFields[static_cast<std::size_t>(target)]);
    }
    const bool plain = !names[i].empty() && seen.count(names[i]) == 1;
    out.rawNames.push_back(plain ? names[i] : fmt::format("(column {})", i + 1));
    out.columns.push_back(std::move(column));
    out.targets.push_back(target);
  }
  return out;
}

}  // namespace leadterra::detail
