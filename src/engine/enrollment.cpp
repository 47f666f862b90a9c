// Enrollment: bulk upsert of leads by email (docs/enroll.md).
//
// The result is exactly that of applying the rows one by one in the caller's
// order, inside one transaction: a second row with the same email updates the
// lead the first one created.
//
// This is the engine's hot path. Rows are applied in key order (RowKeys), so
// the lead index is read front to back; what a user can see still follows
// the caller's order: a new lead's ord (its creation order) and id, and a
// queued message's seq and id, are taken from blocks reserved at the start of
// the call and indexed by the row's position. The leads a call creates are
// written in key order with seqs growing in that order, so the leads table
// and its email index are both written front to back. In a running campaign
// they are kept until the last row and then written (insertNew) followed by
// their step-1 messages in the caller's order, so the outbox grows at its
// end; otherwise each is written as soon as the rows of its email are done,
// and the call holds one new lead in memory at a time. A new lead costs one
// INSERT (and one index lookup when the campaign has leads); customFields of
// the usual flat shape are validated, stored and merged as text
// (util/flat_json.hpp).
#include "engine/enrollment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <optional>
#include <vector>

#include "engine/events.hpp"
#include "engine/idempotency.hpp"
#include "engine/merge.hpp"
#include "engine/sequence.hpp"
#include "engine/suppression.hpp"

namespace leadterra {

namespace {

// ---- missingTokens ----

// The tokens of the campaign's steps used without a fallback, by name as
// written, and which of them each enrolled or updated lead renders empty.
class MissingTokens {
 public:
  explicit MissingTokens(const std::vector<CompiledStep>& steps) : tags_(tagsWithoutFallback(steps)) {}

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
  explicit RowKeys(const detail::RowSource& rows) : at_(rows.size()), checks_(rows.size()) {
    std::string email;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      email.clear();
      const FieldPatch& given = rows.lead(i).email;
      checks_[i] = given.hasValue() ? detail::normalizeEmail(given.value(), email) : detail::EmailCheck::missing;
      at_[i] = {static_cast<std::uint32_t>(keys_.size()), static_cast<std::uint32_t>(email.size())};
      keys_ += email;
    }
    // (key, index) pairs sort into key order with equal keys in row order.
    order_.resize(rows.size());
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


// The cross-campaign rules (docs/enroll.md): whether they keep a new email
// out of the campaign, and with which outcome. Asked only for a row that
// would create a lead; with the rules off it reads nothing. With them on, one
// lookup of the address's leads in the workspace (the (campaign_id, email)
// key once per campaign that has leads), then, for the recent-contact rule,
// the messages of each lead found.
class CrossCampaignCheck {
 public:
  CrossCampaignCheck(Call& call, const store::CampaignRow& campaign, const CrossCampaignRules& rules)
      : call_(call),
        campaign_(campaign),
        rules_(rules),
        contactedSince_(call.now - std::chrono::days{rules.skipContactedWithinDays}) {}

  // skippedActiveElsewhere before skippedRecentlyContacted when both hold.
  [[nodiscard]] std::optional<RowOutcome> keepsOut(const std::string& email) {
    if (!rules_.any()) return std::nullopt;
    const std::vector<store::AddressLead> leads = call_.db.leads().inWorkspace(call_.tx, campaign_.workspaceId, email);
    if (rules_.skipActiveElsewhere && std::any_of(leads.begin(), leads.end(), [&](const store::AddressLead& l) {
          return activeElsewhere(l);
        })) {
      return RowOutcome::skippedActiveElsewhere;
    }
    if (rules_.skipContactedWithinDays > 0 && std::any_of(leads.begin(), leads.end(), [&](const store::AddressLead& l) {
          return sentSince(l.seq);
        })) {
      return RowOutcome::skippedRecentlyContacted;
    }
    return std::nullopt;
  }

 private:
  // A draft's leads are in no sequence yet; a paused campaign's resume.
  bool activeElsewhere(const store::AddressLead& l) const {
    return l.campaignId != campaign_.id && l.campaignStatus != CampaignStatus::draft && getsMail(l.status);
  }
  // Sent only: a claimed message may still fail.
  bool sentSince(std::int64_t leadSeq) {
    const std::vector<store::RecentSend> sends =
        call_.db.outbox().recentSends(call_.tx, leadSeq, contactedSince_, call_.now);
    return std::any_of(sends.begin(), sends.end(),
                       [](const store::RecentSend& s) { return s.status == MessageStatus::sent; });
  }

  Call& call_;
  const store::CampaignRow& campaign_;
  CrossCampaignRules rules_;
  Timestamp contactedSince_;
};

// One bulk call in flight.
class Upsert {
 public:
  Upsert(Call& call, const store::CampaignRow& campaign, const detail::RowSource& rows, const BulkOptions& options,
         bool details)
      : call_(call),
        campaign_(campaign),
        rows_(rows),
        mode_(options.mode),
        details_(details),
        running_(campaign.status == CampaignStatus::running),
        sequencer_(call, campaign),
        suppressed_(call, campaign.workspaceId, rows.size()),
        crossCampaign_(call, campaign, options.crossCampaign),
        missing_(sequencer_.steps()),
        leadIds_(call.ids().reserve(rows.size(), sysTime(call.now))),
        messageIds_(call.ids().reserve(rows.size(), sysTime(call.now))),
        leadSeqs_(call.db.leads().nextSeq(call.tx, campaign.id)),
        messageSeqs_(call.db.outbox().nextSeq(call.tx)),
        queuesNew_(running_ && sequencer_.stepCount() > 0) {}

  BulkResult run();

 private:
  static std::chrono::system_clock::time_point sysTime(Timestamp t) {
    return std::chrono::system_clock::time_point(t.time_since_epoch());
  }
  void apply(std::size_t index, std::string_view key, detail::EmailCheck check);
  void createNew(std::size_t index);
  void updateNew(std::size_t index, LeadRecord& lead);
  void insertNew();
  void writeLead(const LeadRecord& lead);
  void update(std::size_t index, LeadRecord& lead);
  void skip(std::size_t index, RowOutcome o);
  void outcome(std::size_t index, RowOutcome o, std::optional<RowCode> code = std::nullopt);
  void fail(std::size_t index, RowFailure failure);
  // The i-th row's message slot: its place in the caller's order.
  MessageSlot slot(std::size_t index) const {
    return {messageSeqs_ + static_cast<std::int64_t>(index), detail::IdGenerator::at(messageIds_, index, "msg_"),
            false};
  }

  // The same for a lead this call created: it has no message rows yet.
  MessageSlot fresh(std::size_t index) const {
    MessageSlot s = slot(index);
    s.fresh = true;
    return s;
  }

  Call& call_;
  const store::CampaignRow& campaign_;
  const detail::RowSource& rows_;
  MergeMode mode_;
  bool details_;
  bool running_;
  Sequencer sequencer_;
  SuppressionCheck suppressed_;
  CrossCampaignCheck crossCampaign_;
  MissingTokens missing_;
  detail::IdGenerator::Block leadIds_, messageIds_;
  std::int64_t leadSeqs_, messageSeqs_;  // the first of each the call may take
  BulkResult result_;
  CleanRow row_;
  std::string scratch_;
  bool queuesNew_;            // new leads get step 1 queued (a running campaign with steps)
  std::int64_t created_ = 0;  // new leads so far: the next one's seq is leadSeqs_ + created_
  // The leads this call creates and has not written yet, in key order: all of
  // them when their step-1 messages are queued at the end, else the last one.
  struct NewLead {
    std::size_t index;  // of the row that created it
    LeadRecord lead;
  };
  std::vector<NewLead> new_;
};

BulkResult Upsert::run() {
  if (details_) result_.rows.reserve(rows_.size());
  // Into a campaign without leads, every valid row of a new email creates one.
  if (queuesNew_ && campaign_.leadCount == 0) new_.reserve(rows_.size());
  const RowKeys keys(rows_);
  for (const std::size_t index : keys.order()) apply(index, keys.key(index), keys.check(index));
  insertNew();
  // Rows ran in key order; report them in the caller's order.
  std::sort(result_.errors.begin(), result_.errors.end(),
            [](const RowError& a, const RowError& b) { return a.index < b.index; });
  std::sort(result_.rows.begin(), result_.rows.end(),
            [](const RowResult& a, const RowResult& b) { return a.index < b.index; });
  if (result_.enrolled > 0) call_.db.campaigns().addLeadCount(call_.tx, campaign_.id, result_.enrolled);
  result_.totalInCampaign = campaign_.leadCount + result_.enrolled;
  missing_.sumInto(result_.missingTokens);
  return std::move(result_);
}

void Upsert::apply(std::size_t index, std::string_view key, detail::EmailCheck check) {
  const LeadInput& in = rows_.lead(index);
  const LeadRow* report = rows_.report(index);
  if (report) {
    for (const std::string& name : report->unknownFields) ++result_.unknownFields[name];
  }
  if (auto failure = validateRow(in, report, key, check, row_)) return fail(index, std::move(*failure));
  if (suppressed_.matches(row_.email)) return skip(index, RowOutcome::skipped);
  // Rows of one email are adjacent: a later row of a lead this call creates
  // updates it before it is written.
  if (!new_.empty() && new_.back().lead.email == row_.email) return updateNew(index, new_.back().lead);
  // A campaign without leads has none to find.
  std::optional<LeadRecord> existing;
  if (campaign_.leadCount > 0) existing = call_.db.leads().find(call_.tx, campaign_.id, row_.email);
  if (existing) return update(index, *existing);
  // The cross-campaign rules gate new leads only; a later row of the same
  // email meets the same answer.
  if (const auto kept = crossCampaign_.keepsOut(row_.email)) return skip(index, *kept);
  createNew(index);
}

// A row kept out: suppressed (skipped) or by a cross-campaign rule.
void Upsert::skip(std::size_t index, RowOutcome o) {
  ++(o == RowOutcome::skipped                  ? result_.skipped
     : o == RowOutcome::skippedActiveElsewhere ? result_.skippedActiveElsewhere
                                               : result_.skippedRecentlyContacted);
  outcome(index, o);
}

void Upsert::createNew(std::size_t index) {
  // Rows of one email are adjacent: the previous new lead is complete.
  if (!queuesNew_ && !new_.empty()) {
    writeLead(new_.back().lead);
    new_.clear();
  }
  LeadRecord lead;
  // Rows arrive in key order: seqs grow with the key, ords with the row.
  lead.seq = leadSeqs_ + created_++;
  lead.ord = leadSeqs_ + static_cast<std::int64_t>(index);
  lead.id = detail::IdGenerator::at(leadIds_, index, "lead_");
  fillNewLead(lead, rows_.lead(index), row_);
  lead.createdAt = lead.updatedAt = call_.now;
  new_.push_back({index, std::move(lead)});
  ++result_.enrolled;
  outcome(index, RowOutcome::enrolled);
}

void Upsert::updateNew(std::size_t index, LeadRecord& lead) {
  bool changed = false;
  if (auto failure = mergeRow(lead, rows_.lead(index), row_, mode_, changed, scratch_)) {
    return fail(index, std::move(*failure));
  }
  ++result_.updated;
  outcome(index, RowOutcome::updated);
}

void Upsert::writeLead(const LeadRecord& lead) {
  // Nobody else writes inside the call's transaction: a taken email here
  // means the campaign's stored lead count is out of step with its leads.
  if (!call_.db.leads().insert(call_.tx, campaign_.id, lead)) {
    throw Error(ErrorCode::storage_error,
                fmt::format("campaign \"{}\" already holds \"{}\" although it counts {} leads", campaign_.id,
                            lead.email, campaign_.leadCount));
  }
  missing_.record(lead);
}

void Upsert::insertNew() {
  for (const NewLead& n : new_) writeLead(n.lead);
  if (!queuesNew_) return;
  // Step 1 of each, in the caller's order; the records stay where they are.
  std::vector<const NewLead*> order(new_.size());
  for (std::size_t k = 0; k < new_.size(); ++k) order[k] = &new_[k];
  std::sort(order.begin(), order.end(), [](const NewLead* a, const NewLead* b) { return a->index < b->index; });
  for (const NewLead* n : order) {
    if (sequencer_.queue(n->lead, 1, call_.now, fresh(n->index))) ++result_.queued;
  }
}

void Upsert::update(std::size_t index, LeadRecord& lead) {
  bool changed = false;
  if (auto failure = mergeRow(lead, rows_.lead(index), row_, mode_, changed, scratch_)) {
    return fail(index, std::move(*failure));
  }
  // Not suppressed now (checked before): a lead suppressed earlier resumes.
  const bool resumed = lead.status == LeadStatus::suppressed;
  if (resumed) lead.status = LeadStatus::active;
  if (changed || resumed) {
    lead.updatedAt = call_.now;
    call_.db.leads().update(call_.tx, lead);
  }
  // A queued message always holds the current render, whatever the
  // campaign's status; a lead with nothing live gets its next step if the
  // campaign runs.
  if (changed) sequencer_.rerenderQueued(lead);
  if (running_ && sequencer_.ensureQueued(lead, call_.now, slot(index))) ++result_.queued;
  ++result_.updated;
  outcome(index, RowOutcome::updated);
  missing_.record(lead);
}

void Upsert::outcome(std::size_t index, RowOutcome o, std::optional<RowCode> code) {
  if (!details_) return;
  const LeadInput& in = rows_.lead(index);
  // A failed row's email as given (it may not be an email at all), else the normalized one.
  result_.rows.push_back(
      {index, o != RowOutcome::failed ? row_.email : (in.email.hasValue() ? in.email.value() : std::string()), o,
       code});
}

void Upsert::fail(std::size_t index, RowFailure failure) {
  const LeadInput& in = rows_.lead(index);
  ++result_.failed;
  outcome(index, RowOutcome::failed, failure.code);
  result_.errors.push_back(
      {index, in.email.hasValue() ? in.email.value() : std::string(), failure.code, std::move(failure.message)});
}

// The call's one event: counts, not a row per lead. Only the messages it
// queued have events of their own (written with them).
BulkResult recorded(Call& call, const store::CampaignRow& campaign, BulkResult result) {
  // Every row has one outcome (bulk.hpp).
  const std::int64_t rows = result.enrolled + result.updated + result.skipped + result.skippedActiveElsewhere +
                            result.skippedRecentlyContacted + result.failed;
  if (rows == 0) return result;
  recordCampaignEvent(call, campaign, EventKind::leads_upserted, {}, 0,
                      {{"enrolled", result.enrolled},
                       {"updated", result.updated},
                       {"skipped", result.skipped},
                       {"skippedActiveElsewhere", result.skippedActiveElsewhere},
                       {"skippedRecentlyContacted", result.skippedRecentlyContacted},
                       {"failed", result.failed},
                       {"queued", result.queued}});
  return result;
}

// The same behind an idempotency key: a repeat returns the stored result.
BulkResult upsertIdempotent(Call& call, const store::CampaignRow& campaign, const detail::RowSource& rows,
                            const BulkOptions& options) {
  if (options.idempotencyKey.size() > 255) {
    throw Error(ErrorCode::invalid_argument, "an idempotency key is at most 255 bytes");
  }
  store::IdempotencyStore& keys = call.db.idempotency();
  const std::string fingerprint = detail::payloadFingerprint(options.mode, options.crossCampaign, rows);
  const Timestamp expired = call.now - call.idempotencyTtl();
  if (auto stored = keys.find(call.tx, campaign.id, options.idempotencyKey, expired)) {
    if (stored->fingerprint != fingerprint) {
      throw Error(ErrorCode::conflict, fmt::format("idempotency key '{}' was used with a different payload",
                                                   options.idempotencyKey));
    }
    BulkResult result = detail::readStoredResult(stored->result);
    result.replayed = true;
    return result;
  }
  // Rows are always kept with the key, so a repeat that asks for details gets them.
  BulkResult result = recorded(call, campaign, Upsert(call, campaign, rows, options, /*details=*/true).run());
  keys.purge(call.tx, expired);
  keys.put(call.tx, campaign.id, options.idempotencyKey, {fingerprint, detail::storedResult(result)}, call.now);
  return result;
}

}  // namespace

BulkResult bulkUpsert(Call& call, const store::CampaignRow& campaign, const detail::RowSource& rows,
                      const BulkOptions& options) {
  if (options.crossCampaign.skipContactedWithinDays < 0 || options.crossCampaign.skipContactedWithinDays > 3650) {
    throw Error(ErrorCode::invalid_argument, "skipContactedWithinDays must be 0 (off) to 3650");
  }
  if (!options.idempotencyKey.empty()) return upsertIdempotent(call, campaign, rows, options);
  return recorded(call, campaign, Upsert(call, campaign, rows, options, options.details).run());
}

}  // namespace leadterra
