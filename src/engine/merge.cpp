#include "engine/merge.hpp"

#include <fmt/format.h>

namespace leadterra {

using detail::Json;

namespace {

constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kMaxCustomBytes = 16 * 1024;
constexpr std::size_t kMaxCustomKeys = 128;


// ---- Validation ----

bool hasNulInStrings(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return j.get_ref<const std::string&>().find('\0') != std::string::npos;
    case Json::value_t::object:
      for (const auto& [key, value] : j.items()) {
        if (key.find('\0') != std::string::npos || hasNulInStrings(value)) return true;
      }
      return false;
    case Json::value_t::array:
      for (const auto& value : j) {
        if (hasNulInStrings(value)) return true;
      }
      return false;
    default:
      return false;
  }
}

std::optional<RowFailure> checkCustomLimits(std::size_t keys, std::size_t bytes) {
  if (keys > kMaxCustomKeys) {
    return RowFailure{RowCode::field_too_long,
                      fmt::format("customFields has {} keys; at most {} are kept", keys, kMaxCustomKeys)};
  }
  if (bytes > kMaxCustomBytes) return RowFailure{RowCode::field_too_long, "customFields is over 16 KiB serialized"};
  return std::nullopt;
}

// Reads a row's customFields text into the patch.
std::optional<RowFailure> validateCustom(const std::string& text, Patch& p) {
  if (p.index.parse(text)) {  // the fast path: flat and already compact
    p.kind = Patch::Kind::flat;
    p.text = text;
    return std::nullopt;
  }
  if (text.size() > 4 * kMaxCustomBytes) {  // too long whatever its spacing
    return RowFailure{RowCode::field_too_long, "customFields is over 16 KiB serialized"};
  }
  // Before parsing: the checks below recurse once per level of the document.
  if (detail::jsonNestingDepth(text) > detail::kMaxJsonDepth) {
    return RowFailure{RowCode::field_too_long,
                      fmt::format("customFields is nested deeper than {} levels", detail::kMaxJsonDepth)};
  }
  Json patch = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    return RowFailure{RowCode::invalid_field, "customFields is not valid JSON (or has invalid UTF-8)"};
  }
  if (patch.is_null()) {
    p.kind = Patch::Kind::clear;
    return std::nullopt;
  }
  if (!patch.is_object()) return RowFailure{RowCode::invalid_field, "customFields must be an object or null"};
  if (hasNulInStrings(patch)) return RowFailure{RowCode::invalid_field, "customFields has a NUL byte"};
  if (auto failure = checkCustomLimits(patch.size(), patch.dump(-1, ' ', false).size())) return failure;
  p.kind = Patch::Kind::document;
  p.document = std::move(patch);
  return std::nullopt;
}

}  // namespace

std::optional<RowFailure> validateRow(const LeadInput& in, const LeadRow* report, std::string_view key,
                                     detail::EmailCheck check, CleanRow& out) {
  out.custom.kind = Patch::Kind::absent;
  const RowDefect defect = report ? report->defect : RowDefect::none;
  // A defect's message: the reader's own when it gave one.
  const auto defectFailure = [report](RowCode code, std::string message) {
    return RowFailure{code, report->defectMessage.empty() ? std::move(message) : report->defectMessage};
  };
  if (defect == RowDefect::malformed) return defectFailure(RowCode::malformed_row, "the row is not a lead object");
  // Email problems are reported before any other field's.
  if (defect == RowDefect::wrongType && report->defectField == "email") {
    return defectFailure(RowCode::invalid_field, "email must be a string");
  }
  if (!in.email.hasValue()) return RowFailure{RowCode::missing_email, "email is required"};
  out.email.assign(key);
  switch (check) {
    case detail::EmailCheck::ok:
      break;
    case detail::EmailCheck::missing:
      return RowFailure{RowCode::missing_email, "email is required"};
    case detail::EmailCheck::invalid_text:
      return RowFailure{RowCode::invalid_field, "email has invalid UTF-8 or a NUL byte"};
    case detail::EmailCheck::invalid:
      return RowFailure{RowCode::invalid_email, fmt::format("'{}' is not a valid email address", out.email)};
  }
  if (defect == RowDefect::wrongType) {
    return defectFailure(RowCode::invalid_field, report->defectField == "customFields"
                                                     ? std::string("customFields must be an object or null")
                                                     : fmt::format("{} must be a string or null", report->defectField));
  }
  const std::pair<const char*, const FieldPatch*> fields[] = {
      {"firstName", &in.firstName}, {"lastName", &in.lastName}, {"company", &in.company}, {"jobTitle", &in.jobTitle}};
  for (const auto& [name, field] : fields) {
    if (!field->hasValue()) continue;
    if (!detail::isCleanUtf8(field->value())) {
      return RowFailure{RowCode::invalid_field, fmt::format("{} has invalid UTF-8 or a NUL byte", name)};
    }
    if (field->value().size() > kMaxFieldBytes) {
      return RowFailure{RowCode::field_too_long, fmt::format("{} is over {} bytes", name, kMaxFieldBytes)};
    }
  }
  if (!in.customFields) return std::nullopt;
  return validateCustom(*in.customFields, out.custom);
}

// ---- Merging ----

namespace {

// Sets the stored field to `next` (nullptr: clear it); returns whether it changed.
bool assign(std::optional<std::string>& stored, const std::string* next) {
  if (next == nullptr ? !stored.has_value() : stored == *next) return false;
  if (next == nullptr) {
    stored.reset();
  } else {
    stored = *next;
  }
  return true;
}

const std::string* valueOrNull(const FieldPatch& patch) { return patch.hasValue() ? &patch.value() : nullptr; }

// merge: absent keeps, a string replaces, null clears.
bool mergeField(std::optional<std::string>& stored, const FieldPatch& patch) {
  return !patch.isAbsent() && assign(stored, valueOrNull(patch));
}

// fillEmpty: only a field that is null or "" takes the row's string.
bool fillField(std::optional<std::string>& stored, const FieldPatch& patch) {
  return patch.hasValue() && (!stored || stored->empty()) && assign(stored, &patch.value());
}

// replace: the row is the record; absent and null both clear.
bool replaceField(std::optional<std::string>& stored, const FieldPatch& patch) {
  return assign(stored, valueOrNull(patch));
}

// The patch written into a lead's customFields by the mode, through JSON
// documents: the general path.
Json mergeDocuments(const Json& stored, const Json& patch, MergeMode mode) {
  if (mode == MergeMode::fillEmpty) {
    // Only keys the lead does not have yet; nulls in the patch add nothing.
    // Only keys the lead does not have yet; nulls in the patch add nothing,
    // at any depth (a null is an absent value, as in every mode).
    Json merged = stored;
    for (const auto& [key, value] : patch.items()) {
      if (value.is_null() || merged.contains(key)) continue;
      Json added = value.is_object() ? Json::object() : Json();
      added.merge_patch(value);  // drops nested nulls
      merged[key] = std::move(added);
    }
    return merged;
  }
  Json merged = mode == MergeMode::replace ? Json::object() : stored;
  merged.merge_patch(patch);  // RFC 7396
  if (!merged.is_object()) merged = Json::object();
  return merged;
}

// Writes the row's customFields into the lead by the mode. Sets `changed`;
// fails (changing nothing) when the result would exceed the limits.
std::optional<RowFailure> mergeCustom(CustomFields& custom, const Patch& p, MergeMode mode, bool& changed,
                                      std::string& scratch) {
  changed = false;
  auto become = [&](CustomFields next) {
    if (next == custom) return;
    custom = std::move(next);
    changed = true;
  };
  switch (p.kind) {
    case Patch::Kind::absent:
      if (mode == MergeMode::replace) become(CustomFields{});
      return std::nullopt;
    case Patch::Kind::clear:
      if (mode != MergeMode::fillEmpty) become(CustomFields{});
      return std::nullopt;
    case Patch::Kind::flat:
      if (custom.isFlat()) {
        std::size_t keys = 0;
        const auto rule = mode == MergeMode::merge       ? detail::FlatMerge::patch
                          : mode == MergeMode::fillEmpty ? detail::FlatMerge::addMissing
                                                         : detail::FlatMerge::replace;
        detail::FlatObject::merge(custom.text(), custom.flatIndex(), p.text, p.index, rule, scratch, keys);
        if (auto failure = checkCustomLimits(keys, scratch.size())) return failure;
        if (scratch != custom.text()) become(CustomFields::fromText(scratch));
        return std::nullopt;
      }
      break;  // a flat patch into a nested object: the general path
    case Patch::Kind::document:
      break;
  }
  const Json patch = p.kind == Patch::Kind::flat ? Json::parse(p.text) : p.document;
  Json merged = mergeDocuments(custom.json(), patch, mode);
  if (merged == custom.json()) return std::nullopt;
  CustomFields next = CustomFields::fromJson(std::move(merged));
  if (auto failure = checkCustomLimits(next.size(), next.text().size())) return failure;
  become(std::move(next));
  return std::nullopt;
}

}  // namespace

std::optional<RowFailure> mergeRow(LeadRecord& lead, const LeadInput& in, const CleanRow& row, MergeMode mode,
                                    bool& changed, std::string& scratch) {
  auto field = mode == MergeMode::merge ? mergeField : mode == MergeMode::fillEmpty ? fillField : replaceField;
  LeadRecord next = lead;
  bool fields = field(next.firstName, in.firstName);
  fields |= field(next.lastName, in.lastName);
  fields |= field(next.company, in.company);
  fields |= field(next.jobTitle, in.jobTitle);
  bool custom = false;
  if (auto failure = mergeCustom(next.customFields, row.custom, mode, custom, scratch)) return failure;
  changed = fields || custom;
  if (changed) lead = std::move(next);
  return std::nullopt;
}

namespace {

// A new lead's customFields: in every mode, the patch applied to an empty object.
CustomFields newCustomFields(const Patch& p) {
  switch (p.kind) {
    case Patch::Kind::flat:
      return CustomFields::fromFlat(p.text, p.index);
    case Patch::Kind::document:
      return CustomFields::fromJson(mergeDocuments(Json::object(), p.document, MergeMode::merge));
    default:
      return CustomFields{};
  }
}

std::optional<std::string> newField(const FieldPatch& patch) {
  return patch.hasValue() ? std::optional<std::string>(patch.value()) : std::nullopt;
}

}  // namespace

void fillNewLead(LeadRecord& lead, const LeadInput& in, const CleanRow& row) {
  lead.email = row.email;
  lead.firstName = newField(in.firstName);
  lead.lastName = newField(in.lastName);
  lead.company = newField(in.company);
  lead.jobTitle = newField(in.jobTitle);
  lead.customFields = newCustomFields(row.custom);
}

}  // namespace leadterra
