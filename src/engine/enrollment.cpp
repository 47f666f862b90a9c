// Enrollment: bulk upsert of leads by email (SPEC sections 3 and 11), and
// lead reads.
//
// Rows are applied one by one in array order inside one transaction, so the
// result is exactly that of sending them one at a time: a second row with the
// same email updates the lead the first one created.
//
// This is the engine's hot path. A new lead costs one INSERT; customFields of
// the usual flat shape are validated, stored and merged as text (see
// util/flat_json.hpp) without building a JSON document; statements are
// prepared once and bound without copies.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "engine/engine_impl.hpp"
#include "engine/idempotency.hpp"
#include "storage/row.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::Json;
using detail::seconds;

// ---- Lead reads and writes ----

std::optional<LeadRecord> EngineImpl::findLead(const std::string& campaignId, const std::string& email) {
  auto& s = db.statement("SELECT " LEADTERRA_LEAD_COLUMNS " FROM leads WHERE campaign_id = ? AND email = ?");
  detail::bindView(s, 1, campaignId);
  detail::bindView(s, 2, email);
  if (!s.executeStep()) return std::nullopt;
  return readLeadRecord(s);
}

Lead EngineImpl::leadView(const LeadRecord& r, std::string_view campaignId) const {
  Lead lead;
  lead.id = r.id;
  lead.campaignId = std::string(campaignId);
  lead.email = r.email;
  lead.firstName = r.firstName;
  lead.lastName = r.lastName;
  lead.company = r.company;
  lead.jobTitle = r.jobTitle;
  lead.customFields = r.customFields.text();
  lead.position = r.position;
  lead.status = r.status;
  lead.createdAt = r.createdAt;
  lead.updatedAt = r.updatedAt;
  return lead;
}

void EngineImpl::setLeadStatus(std::int64_t leadSeq, LeadStatus status) {
  auto& s = db.statement("UPDATE leads SET status = ?, updated_at = ? WHERE seq = ?");
  s.bindNoCopy(1, toString(status).data());
  s.bind(2, seconds(now()));
  s.bind(3, leadSeq);
  s.exec();
}

namespace {

constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kMaxCustomBytes = 16 * 1024;
constexpr std::size_t kMaxCustomKeys = 128;

struct RowFailure {
  RowCode code;
  std::string message;
};

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

// The customFields of a validated row.
struct Patch {
  enum class Kind { absent, clear, flat, document };
  Kind kind = Kind::absent;
  std::string_view text;       // flat: the row's own text
  detail::FlatObject index;    // flat
  Json document;               // document: the parsed object
};

// A validated row: its normalized email and customFields patch. Reused from
// row to row so that its buffers are allocated once per call.
struct CleanRow {
  std::string email;
  Patch custom;
};

// `key` is the row's email as normalizeEmail left it, `check` its verdict
// (worked out once per row, by keyOrder).
std::optional<RowFailure> validate(const LeadInput& in, std::string_view key, detail::EmailCheck check,
                                   CleanRow& out) {
  out.custom.kind = Patch::Kind::absent;
  if (in.defect == RowDefect::malformed) return RowFailure{RowCode::malformed_row, "the row is not a lead object"};
  // Email problems are reported before any other field's.
  if (in.defect == RowDefect::wrongType && in.defectField == "email") {
    return RowFailure{RowCode::invalid_field, "email must be a string"};
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
  if (in.defect == RowDefect::wrongType) {
    return RowFailure{RowCode::invalid_field, in.defectField == "customFields"
                                                  ? std::string("customFields must be an object or null")
                                                  : fmt::format("{} must be a string or null", in.defectField)};
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
  Patch& p = out.custom;
  if (p.index.parse(*in.customFields)) {  // the fast path: flat and already compact
    p.kind = Patch::Kind::flat;
    p.text = *in.customFields;
    return std::nullopt;
  }
  if (in.customFields->size() > 4 * kMaxCustomBytes) {  // too long whatever its spacing
    return RowFailure{RowCode::field_too_long, "customFields is over 16 KiB serialized"};
  }
  // Before parsing: the checks below recurse once per level of the document.
  if (detail::jsonNestingDepth(*in.customFields) > detail::kMaxJsonDepth) {
    return RowFailure{RowCode::field_too_long,
                      fmt::format("customFields is nested deeper than {} levels", detail::kMaxJsonDepth)};
  }
  Json patch = Json::parse(*in.customFields, nullptr, /*allow_exceptions=*/false);
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

// ---- Merging ----

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
    Json merged = stored;
    for (const auto& [key, value] : patch.items()) {
      if (!value.is_null() && !merged.contains(key)) merged[key] = value;
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

// Writes the row into an existing lead by the mode. Returns whether anything
// changed. Sequence state (position, status) is not the mode's business.
std::optional<RowFailure> mergeLead(LeadRecord& lead, const LeadInput& in, const CleanRow& row, MergeMode mode,
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

// ---- missingTokens ----

// The tokens of the campaign's steps used without a fallback, by name as
// written, and which of them each enrolled or updated lead renders empty.
class MissingTokens {
 public:
  explicit MissingTokens(const std::vector<CompiledStep>& steps) {
    std::unordered_map<std::string_view, bool> seen;
    auto add = [&](const detail::Template& t) {
      for (const detail::Tag& tag : t.tags()) {
        if (tag.fallback || seen[tag.name]) continue;
        seen[tag.name] = true;
        tags_.push_back(&tag);
      }
    };
    for (const CompiledStep& step : steps) {
      add(step.subject);
      add(step.body);
    }
  }

  // The lead's state after this row; a later row of the same lead replaces it.
  void record(const LeadRecord& lead) {
    if (tags_.empty()) return;
    seqs_.push_back(lead.seq);
    for (const detail::Tag* tag : tags_) empty_.push_back(detail::isEmptyValue(resolveLeadTag(lead, *tag)));
  }

  // Counts distinct leads by their last recorded state.
  void sumInto(std::map<std::string, std::int64_t>& out) const {
    std::vector<std::size_t> order(seqs_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seqs_[a] < seqs_[b]; });
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size() && seqs_[order[k + 1]] == seqs_[order[k]]) continue;  // not the lead's last row
      const std::size_t base = order[k] * tags_.size();
      for (std::size_t t = 0; t < tags_.size(); ++t) {
        if (empty_[base + t]) ++out[tags_[t]->name];
      }
    }
  }

 private:
  std::vector<const detail::Tag*> tags_;  // one per distinct name
  std::vector<std::int64_t> seqs_;
  std::vector<bool> empty_;  // tags_.size() entries per recorded row
};

// The rows' normalized emails, and the order in which a call's rows are
// applied: by normalized email, rows of one email in the caller's order.
// Rows of different emails never affect one another, so the result is the
// one of applying them in the caller's order, while the lead index is
// written front to back: far fewer pages are visited than with random keys,
// which is what keeps big campaigns fast.
class RowKeys {
 public:
  explicit RowKeys(std::span<const LeadInput> leads) : at_(leads.size()), checks_(leads.size()) {
    std::string email;
    for (std::size_t i = 0; i < leads.size(); ++i) {
      email.clear();
      checks_[i] = leads[i].email.hasValue() ? detail::normalizeEmail(leads[i].email.value(), email)
                                             : detail::EmailCheck::missing;
      at_[i] = {static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(email.size())};
      keys_ += email;
    }
    // (key, index) pairs sort into key order with equal keys in row order.
    order_.resize(leads.size());
    std::iota(order_.begin(), order_.end(), std::size_t{0});
    std::sort(order_.begin(), order_.end(), [this](std::size_t a, std::size_t b) {
      const std::string_view ka = key(a), kb = key(b);
      return ka < kb || (ka == kb && a < b);
    });
  }

  [[nodiscard]] const std::vector<std::size_t>& order() const noexcept { return order_; }
  [[nodiscard]] std::string_view key(std::size_t row) const noexcept {
    return std::string_view(keys_).substr(at_[row].first, at_[row].second);
  }
  [[nodiscard]] detail::EmailCheck check(std::size_t row) const noexcept { return checks_[row]; }

 private:
  std::string keys_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> at_;
  std::vector<detail::EmailCheck> checks_;
  std::vector<std::size_t> order_;
};

}  // namespace

// ---- Public ----

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const Scope& scope) {
  return bulkUpsert(campaignId, leads, BulkOptions{}, scope);
}

BulkResult CampaignEngine::bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const BulkOptions& options, const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  // A dry run runs the real call and rolls it back: its result is, by
  // construction, the one the real call would return.
  BulkResult result = impl_->db.write(
      [&] {
        const CampaignRow campaign = impl_->loadCampaign(campaignId, scope);
        if (options.idempotencyKey.empty()) return impl_->upsertRows(campaign, leads, options.mode, options.details);
        return impl_->upsertIdempotent(campaign, leads, options);
      },
      /*commit=*/!options.dryRun);
  result.dryRun = options.dryRun;
  if (!options.details) result.rows.clear();
  return result;
}

BulkResult EngineImpl::upsertIdempotent(const CampaignRow& campaign, std::span<const LeadInput> leads,
                                        const BulkOptions& options) {
  if (options.idempotencyKey.size() > 255) {
    throw Error(ErrorCode::invalid_argument, "an idempotency key is at most 255 bytes");
  }
  const std::string fingerprint = detail::payloadFingerprint(options.mode, leads);
  const std::int64_t now = seconds(this->now());
  const std::int64_t expired = now - ttl.count();
  auto& find = db.statement(
      "SELECT fingerprint, result FROM idempotency_keys WHERE campaign_id = ? AND key = ? AND created_at > ?");
  find.bind(1, campaign.id);
  find.bind(2, options.idempotencyKey);
  find.bind(3, expired);
  if (find.executeStep()) {
    if (find.getColumn(0).getString() != fingerprint) {
      throw Error(ErrorCode::conflict, fmt::format("idempotency key '{}' was used with a different payload",
                                                   options.idempotencyKey));
    }
    BulkResult stored = detail::deserializeResult(find.getColumn(1).getString());
    stored.replayed = true;
    return stored;
  }
  // Rows are always kept with the key, so a repeat that asks for details gets them.
  BulkResult result = upsertRows(campaign, leads, options.mode, /*details=*/true);
  auto& purge = db.statement("DELETE FROM idempotency_keys WHERE created_at <= ?");
  purge.bind(1, expired);
  purge.exec();
  auto& store = db.statement(
      "INSERT OR REPLACE INTO idempotency_keys (campaign_id, key, fingerprint, result, created_at) "
      "VALUES (?, ?, ?, ?, ?)");
  store.bind(1, campaign.id);
  store.bind(2, options.idempotencyKey);
  store.bind(3, fingerprint);
  store.bind(4, detail::serializeResult(result));
  store.bind(5, now);
  store.exec();
  return result;
}

BulkResult EngineImpl::upsertRows(const CampaignRow& campaign, std::span<const LeadInput> leads, MergeMode mode,
                                  bool details) {
  const std::vector<CompiledStep> steps = compile(loadSteps(campaign.id));
  const bool running = campaign.status == CampaignStatus::running;
  const SuppressionCheck suppressed = suppressionCheck(campaign.workspaceId, leads.size());
  MissingTokens missing(steps);
  const Timestamp now = this->now();
  const std::int64_t nowSeconds = seconds(now);

  auto& insert = db.statement(
      "INSERT INTO leads (id, campaign_id, email, first_name, last_name, company, job_title, custom_fields, "
      "position, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'active', ?, ?) "
      "ON CONFLICT (campaign_id, email) DO NOTHING");
  detail::bindView(insert, 2, campaign.id);
  insert.bind(9, nowSeconds);
  insert.bind(10, nowSeconds);

  BulkResult result;
  if (details) result.rows.reserve(leads.size());
  CleanRow row;
  std::string scratch;
  bool expectExisting = false;
  const RowKeys keys(leads);
  for (const std::size_t index : keys.order()) {
    const LeadInput& in = leads[index];
    for (const std::string& key : in.unknownFields) ++result.unknownFields[key];
    auto outcome = [&](RowOutcome o, std::optional<RowCode> code = std::nullopt) {
      if (!details) return;
      // A failed row's email as given (it may not be an email at all), else the normalized one.
      result.rows.push_back(
          {index, o != RowOutcome::failed ? row.email : (in.email.hasValue() ? in.email.value() : std::string()), o,
           code});
    };
    auto fail = [&](RowFailure f) {
      ++result.failed;
      outcome(RowOutcome::failed, f.code);
      result.errors.push_back({index, in.email.hasValue() ? in.email.value() : std::string(), f.code,
                               std::move(f.message)});
    };
    if (auto failure = validate(in, keys.key(index), keys.check(index), row)) {
      fail(std::move(*failure));
      continue;
    }
    if (suppressed.matches(*this, row.email)) {
      ++result.skipped;
      outcome(RowOutcome::skipped);
      continue;
    }

    // A new lead costs one INSERT, which does nothing when the email is
    // taken; an existing one a SELECT. Which to try first follows the
    // previous row: calls tend to be all new leads or all updates.
    std::optional<LeadRecord> existing;
    if (expectExisting) existing = findLead(campaign.id, row.email);
    if (!existing) {
      LeadRecord lead;
      lead.id = newId("lead_");
      lead.email = row.email;
      lead.firstName = newField(in.firstName);
      lead.lastName = newField(in.lastName);
      lead.company = newField(in.company);
      lead.jobTitle = newField(in.jobTitle);
      lead.customFields = newCustomFields(row.custom);
      lead.createdAt = lead.updatedAt = now;
      insert.reset();
      detail::bindView(insert, 1, lead.id);
      detail::bindView(insert, 3, lead.email);
      detail::bindOptView(insert, 4, lead.firstName);
      detail::bindOptView(insert, 5, lead.lastName);
      detail::bindOptView(insert, 6, lead.company);
      detail::bindOptView(insert, 7, lead.jobTitle);
      detail::bindView(insert, 8, lead.customFields.text());
      if (insert.exec() == 1) {
        lead.seq = db.raw().getLastInsertRowid();
        ++result.enrolled;
        outcome(RowOutcome::enrolled);
        if (running && !steps.empty()) {
          queueStep(campaign, steps, lead, 1, now);
          ++result.queued;
        }
        missing.record(lead);
        expectExisting = false;
        continue;
      }
      existing = findLead(campaign.id, row.email);
      if (!existing) throw Error(ErrorCode::storage_error, "a lead vanished inside its transaction");
    }
    expectExisting = true;

    // The lead exists: merge the row into it.
    bool changed = false;
    if (auto failure = mergeLead(*existing, in, row, mode, changed, scratch)) {
      fail(std::move(*failure));
      continue;
    }
    // Not suppressed now (checked above): a lead suppressed earlier resumes.
    const bool resumed = existing->status == LeadStatus::suppressed;
    if (resumed) existing->status = LeadStatus::active;
    if (changed || resumed) {
      auto& u = db.statement(
          "UPDATE leads SET first_name = ?, last_name = ?, company = ?, job_title = ?, custom_fields = ?, "
          "status = ?, updated_at = ? WHERE seq = ?");
      detail::bindOptView(u, 1, existing->firstName);
      detail::bindOptView(u, 2, existing->lastName);
      detail::bindOptView(u, 3, existing->company);
      detail::bindOptView(u, 4, existing->jobTitle);
      detail::bindView(u, 5, existing->customFields.text());
      u.bindNoCopy(6, toString(existing->status).data());  // a literal: NUL-terminated
      u.bind(7, nowSeconds);
      u.bind(8, existing->seq);
      u.exec();
    }
    if (running) {
      if (auto live = liveMessage(existing->seq)) {
        if (changed && live->status == MessageStatus::queued) {
          rerenderMessage(live->seq, steps[static_cast<std::size_t>(live->step - 1)], *existing);
        }
      } else if (ensureQueued(campaign, steps, *existing, now)) {
        ++result.queued;
      }
    }
    ++result.updated;
    outcome(RowOutcome::updated);
    missing.record(*existing);
  }
  insert.reset();
  // Rows ran in key order; report them in the caller's order.
  std::sort(result.errors.begin(), result.errors.end(),
            [](const RowError& a, const RowError& b) { return a.index < b.index; });
  std::sort(result.rows.begin(), result.rows.end(),
            [](const RowResult& a, const RowResult& b) { return a.index < b.index; });

  if (result.enrolled > 0) {
    auto& s = db.statement("UPDATE campaigns SET lead_count = lead_count + ? WHERE id = ?");
    s.bind(1, result.enrolled);
    s.bind(2, campaign.id);
    s.exec();
  }
  result.totalInCampaign = campaign.leadCount + result.enrolled;
  missing.sumInto(result.missingTokens);
  return result;
}

std::optional<Lead> CampaignEngine::getLead(std::string_view campaignId, std::string_view email,
                                            const Scope& scope) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.read([&]() -> std::optional<Lead> {
    const CampaignRow c = impl_->loadCampaign(campaignId, scope);
    std::string normalized;
    if (detail::normalizeEmail(email, normalized) != detail::EmailCheck::ok) return std::nullopt;
    std::optional<LeadRecord> r = impl_->findLead(c.id, normalized);
    if (!r) return std::nullopt;
    return impl_->leadView(*r, c.id);
  });
}

}  // namespace leadterra
