// Enrollment: bulk upsert of leads by email (SPEC section 3), and lead reads.
//
// Rows are applied one by one in array order inside one transaction, so the
// result is exactly that of sending them one at a time: a second row with the
// same email updates the lead the first one created.
#include <fmt/format.h>

#include <unordered_map>

#include "engine/engine_impl.hpp"
#include "engine/idempotency.hpp"
#include "storage/row.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::optText;
using detail::seconds;
using detail::timeAt;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxFieldBytes = 1024;
constexpr std::size_t kMaxCustomBytes = 16 * 1024;
constexpr std::size_t kMaxCustomKeys = 128;

const std::string* standardField(const LeadRecord& lead, std::string_view name, bool& isStandard) {
  isStandard = true;
  if (name == "email") return &lead.email;
  if (name == "firstName") return lead.firstName ? &*lead.firstName : nullptr;
  if (name == "lastName") return lead.lastName ? &*lead.lastName : nullptr;
  if (name == "company") return lead.company ? &*lead.company : nullptr;
  if (name == "jobTitle") return lead.jobTitle ? &*lead.jobTitle : nullptr;
  isStandard = false;
  return nullptr;
}

}  // namespace

// ---- Lead records ----

LeadRecord readLeadRecord(SQLite::Statement& s, int first) {
  LeadRecord r;
  r.seq = s.getColumn(first).getInt64();
  r.id = s.getColumn(first + 1).getString();
  r.email = s.getColumn(first + 2).getString();
  r.firstName = optText(s, first + 3);
  r.lastName = optText(s, first + 4);
  r.company = optText(s, first + 5);
  r.jobTitle = optText(s, first + 6);
  r.customFields = json::parse(s.getColumn(first + 7).getString(), nullptr, /*allow_exceptions=*/false);
  if (!r.customFields.is_object()) r.customFields = json::object();
  r.position = s.getColumn(first + 8).getInt64();
  r.status = parseLeadStatus(s.getColumn(first + 9).getString()).value_or(LeadStatus::active);
  r.createdAt = timeAt(s, first + 10);
  r.updatedAt = timeAt(s, first + 11);
  return r;
}

detail::Value resolveLeadTag(const LeadRecord& lead, const detail::Tag& tag) {
  if (tag.path.empty()) return {};
  bool isStandard = false;
  const std::string* field = standardField(lead, tag.path[0], isStandard);
  if (isStandard) {
    // A standard field wins over a custom key of the same name, even when null;
    // a string has no members, so a longer path finds nothing.
    return tag.path.size() == 1 && field ? detail::Value{field, nullptr} : detail::Value{};
  }
  const json* node = &lead.customFields;
  std::size_t i = tag.path[0] == "customFields" ? 1 : 0;
  for (; i < tag.path.size(); ++i) {
    if (!node->is_object()) return {};
    auto it = node->find(tag.path[i]);
    if (it == node->end()) return {};
    node = &*it;
  }
  if (node->is_null()) return {};
  if (node->is_string()) return {node->get_ptr<const std::string*>(), nullptr};
  return {nullptr, node};
}

std::optional<LeadRecord> EngineImpl::findLead(std::string_view campaignId, std::string_view email) {
  auto& s = db.statement("SELECT " LEADTERRA_LEAD_COLUMNS " FROM leads WHERE campaign_id = ? AND email = ?");
  s.bind(1, std::string(campaignId));
  s.bind(2, std::string(email));
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
  lead.customFields = r.customFields.dump();
  lead.position = r.position;
  lead.status = r.status;
  lead.createdAt = r.createdAt;
  lead.updatedAt = r.updatedAt;
  return lead;
}

void EngineImpl::setLeadStatus(std::int64_t leadSeq, LeadStatus status) {
  auto& s = db.statement("UPDATE leads SET status = ?, updated_at = ? WHERE seq = ?");
  s.bind(1, std::string(toString(status)));
  s.bind(2, seconds(now()));
  s.bind(3, leadSeq);
  s.exec();
}

// ---- Row validation ----

namespace {

struct RowFailure {
  RowCode code;
  std::string message;
};

bool hasNulInStrings(const json& j) {
  switch (j.type()) {
    case json::value_t::string:
      return j.get_ref<const std::string&>().find('\0') != std::string::npos;
    case json::value_t::object:
      for (const auto& [key, value] : j.items()) {
        if (key.find('\0') != std::string::npos || hasNulInStrings(value)) return true;
      }
      return false;
    case json::value_t::array:
      for (const auto& value : j) {
        if (hasNulInStrings(value)) return true;
      }
      return false;
    default:
      return false;
  }
}

std::optional<RowFailure> checkCustomSize(const json& custom) {
  if (custom.size() > kMaxCustomKeys) {
    return RowFailure{RowCode::field_too_long,
                      fmt::format("customFields has {} keys; at most {} are kept", custom.size(), kMaxCustomKeys)};
  }
  if (custom.dump().size() > kMaxCustomBytes) {
    return RowFailure{RowCode::field_too_long, "customFields is over 16 KiB serialized"};
  }
  return std::nullopt;
}

// A validated row: its normalized email and parsed customFields patch.
struct CleanRow {
  std::string email;
  std::optional<json> customPatch;  // nullopt: absent; null: clear; object: merge
};

std::optional<RowFailure> validate(const LeadInput& in, CleanRow& out) {
  if (in.defect == RowDefect::malformed) return RowFailure{RowCode::malformed_row, "the row is not a lead object"};
  // Email problems are reported before any other field's.
  if (in.defect == RowDefect::wrongType && in.defectField == "email") {
    return RowFailure{RowCode::invalid_field, "email must be a string"};
  }
  if (!in.email.hasValue()) return RowFailure{RowCode::missing_email, "email is required"};
  switch (detail::normalizeEmail(in.email.value(), out.email)) {
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
  if (in.customFields) {
    if (in.customFields->size() > 4 * kMaxCustomBytes) {
      return RowFailure{RowCode::field_too_long, "customFields is over 16 KiB serialized"};
    }
    json patch = json::parse(*in.customFields, nullptr, /*allow_exceptions=*/false);
    if (patch.is_discarded()) {
      return RowFailure{RowCode::invalid_field, "customFields is not valid JSON (or has invalid UTF-8)"};
    }
    if (!patch.is_object() && !patch.is_null()) {
      return RowFailure{RowCode::invalid_field, "customFields must be an object or null"};
    }
    if (hasNulInStrings(patch)) return RowFailure{RowCode::invalid_field, "customFields has a NUL byte"};
    if (auto failure = checkCustomSize(patch)) return failure;
    out.customPatch = std::move(patch);
  }
  return std::nullopt;
}

// Applies the patch: absent keeps, null clears, a string replaces. Returns
// whether the stored value changed.
bool mergeField(std::optional<std::string>& stored, const FieldPatch& patch) {
  if (patch.isAbsent()) return false;
  std::optional<std::string> next = patch.isNull() ? std::nullopt : std::optional<std::string>(patch.value());
  if (next == stored) return false;
  stored = std::move(next);
  return true;
}

// fillEmpty: only a field that is null or "" takes the row's string.
bool fillField(std::optional<std::string>& stored, const FieldPatch& patch) {
  if (!patch.hasValue() || (stored && !stored->empty())) return false;
  if (stored == patch.value()) return false;
  stored = patch.value();
  return true;
}

// replace: the row is the record; absent and null both clear.
bool replaceField(std::optional<std::string>& stored, const FieldPatch& patch) {
  std::optional<std::string> next = patch.hasValue() ? std::optional<std::string>(patch.value()) : std::nullopt;
  if (next == stored) return false;
  stored = std::move(next);
  return true;
}

// Writes the row into the lead by the mode. Returns whether anything changed.
// Sequence state (position, status) is not the mode's business.
bool mergeLead(LeadRecord& lead, const LeadInput& in, const CleanRow& row, MergeMode mode) {
  auto field = mode == MergeMode::merge ? mergeField : mode == MergeMode::fillEmpty ? fillField : replaceField;
  bool changed = field(lead.firstName, in.firstName);
  changed |= field(lead.lastName, in.lastName);
  changed |= field(lead.company, in.company);
  changed |= field(lead.jobTitle, in.jobTitle);

  json merged = mode == MergeMode::replace ? json::object() : lead.customFields;
  if (row.customPatch) {
    const json& patch = *row.customPatch;
    if (mode == MergeMode::fillEmpty) {
      // Only keys the lead does not have yet; nulls in the patch add nothing.
      if (patch.is_object()) {
        for (const auto& [key, value] : patch.items()) {
          if (!value.is_null() && !merged.contains(key)) merged[key] = value;
        }
      }
    } else {
      merged.merge_patch(patch);  // RFC 7396; a null patch clears all
    }
  }
  if (!merged.is_object()) merged = json::object();
  if (merged != lead.customFields) {
    lead.customFields = std::move(merged);
    changed = true;
  }
  return changed;
}

// The tokens of the campaign's steps used without a fallback, by name as written.
struct TokenSet {
  std::vector<const detail::Tag*> tags;  // one per distinct name

  explicit TokenSet(const std::vector<CompiledStep>& steps) {
    std::unordered_map<std::string_view, bool> seen;
    auto add = [&](const detail::Template& t) {
      for (const detail::Tag& tag : t.tags()) {
        if (tag.fallback || seen[tag.name]) continue;
        seen[tag.name] = true;
        tags.push_back(&tag);
      }
    };
    for (const CompiledStep& step : steps) {
      add(step.subject);
      add(step.body);
    }
  }

  // Bit i set: token i renders empty for this lead.
  [[nodiscard]] std::vector<bool> missing(const LeadRecord& lead) const {
    std::vector<bool> out(tags.size());
    for (std::size_t i = 0; i < tags.size(); ++i) out[i] = detail::isEmptyValue(resolveLeadTag(lead, *tags[i]));
    return out;
  }
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
  EngineImpl& e = *this;
  const std::vector<CompiledStep> steps = EngineImpl::compile(e.loadSteps(campaign.id));
  const bool running = campaign.status == CampaignStatus::running;
  const bool anySuppressed = e.hasSuppressions(campaign.workspaceId);
  const TokenSet tokens(steps);
  const Timestamp now = e.now();

  BulkResult result;
  if (details) result.rows.reserve(leads.size());
  std::unordered_map<std::int64_t, std::vector<bool>> missingByLead;  // the lead's state after its last row
  CleanRow row;
  for (std::size_t index = 0; index < leads.size(); ++index) {
    const LeadInput& in = leads[index];
    for (const std::string& key : in.unknownFields) ++result.unknownFields[key];
    row = CleanRow{};
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
    if (auto failure = validate(in, row)) {
      fail(std::move(*failure));
      continue;
    }
    if (anySuppressed && e.isSuppressed(campaign.workspaceId, row.email)) {
      ++result.skipped;
      outcome(RowOutcome::skipped);
      continue;
    }
    if (std::optional<LeadRecord> lead = e.findLead(campaign.id, row.email)) {
      bool changed = mergeLead(*lead, in, row, mode);
      if (auto failure = checkCustomSize(lead->customFields)) {
        fail(std::move(*failure));
        continue;
      }
      // Not suppressed now (checked above): a lead suppressed earlier resumes.
      const bool resumed = lead->status == LeadStatus::suppressed;
      if (resumed) lead->status = LeadStatus::active;
      if (changed || resumed) {
        auto& u = e.db.statement(
            "UPDATE leads SET first_name = ?, last_name = ?, company = ?, job_title = ?, custom_fields = ?, "
            "status = ?, updated_at = ? WHERE seq = ?");
        detail::bindOpt(u, 1, lead->firstName);
        detail::bindOpt(u, 2, lead->lastName);
        detail::bindOpt(u, 3, lead->company);
        detail::bindOpt(u, 4, lead->jobTitle);
        u.bind(5, lead->customFields.dump());
        u.bind(6, std::string(toString(lead->status)));
        u.bind(7, seconds(now));
        u.bind(8, lead->seq);
        u.exec();
      }
      if (running) {
        if (auto live = e.liveMessage(lead->seq)) {
          if (changed && live->status == MessageStatus::queued) {
            e.rerenderMessage(live->seq, steps[static_cast<std::size_t>(live->step - 1)], *lead);
          }
        } else if (e.ensureQueued(campaign, steps, *lead, now)) {
          ++result.queued;
        }
      }
      ++result.updated;
      outcome(RowOutcome::updated);
      missingByLead[lead->seq] = tokens.missing(*lead);
      continue;
    }
    LeadRecord lead;
    lead.id = e.newId("lead_");
    lead.email = row.email;
    mergeLead(lead, in, row, mode);
    lead.createdAt = lead.updatedAt = now;
    auto& s = e.db.statement(
        "INSERT INTO leads (id, campaign_id, email, first_name, last_name, company, job_title, custom_fields, "
        "position, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 'active', ?, ?)");
    s.bind(1, lead.id);
    s.bind(2, campaign.id);
    s.bind(3, lead.email);
    detail::bindOpt(s, 4, lead.firstName);
    detail::bindOpt(s, 5, lead.lastName);
    detail::bindOpt(s, 6, lead.company);
    detail::bindOpt(s, 7, lead.jobTitle);
    s.bind(8, lead.customFields.dump());
    s.bind(9, seconds(now));
    s.bind(10, seconds(now));
    s.exec();
    lead.seq = e.db.raw().getLastInsertRowid();
    ++result.enrolled;
    outcome(RowOutcome::enrolled);
    if (running && !steps.empty()) {
      e.queueStep(campaign, steps, lead, 1, now);
      ++result.queued;
    }
    missingByLead[lead.seq] = tokens.missing(lead);
  }

  if (result.enrolled > 0) {
    auto& s = e.db.statement("UPDATE campaigns SET lead_count = lead_count + ? WHERE id = ?");
    s.bind(1, result.enrolled);
    s.bind(2, campaign.id);
    s.exec();
  }
  result.totalInCampaign = campaign.leadCount + result.enrolled;
  for (const auto& [seq, missing] : missingByLead) {
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if (missing[i]) ++result.missingTokens[tokens.tags[i]->name];
    }
  }
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
