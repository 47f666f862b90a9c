// EngineImpl: the state behind CampaignEngine and the pieces its operations
// share. Each operation lives in the file of its responsibility:
//   campaigns.cpp   workspaces, campaigns, steps, start/pause
//   enrollment.cpp  bulk upsert (validation, merge, suppression skip)
//   suppression.cpp suppression entries and their effect on leads
//   outbox.cpp      rendering and queueing messages, dispatch
// Every public operation takes `mutex` and runs in one db.write / db.read.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/lead_record.hpp"
#include "leadterra/engine.hpp"
#include "storage/database.hpp"
#include "template/template.hpp"
#include "util/ids.hpp"

namespace leadterra {

// A campaign row as the operations need it.
struct CampaignRow {
  std::string id;
  std::string workspaceId;
  std::string name;
  CampaignStatus status = CampaignStatus::draft;
  Timestamp createdAt{};
  std::optional<Timestamp> startedAt;
  std::int64_t leadCount = 0;
  CampaignSchedule schedule;
};

// A step with its templates parsed once, for rendering many leads.
struct CompiledStep {
  Step step;
  detail::Template subject;
  detail::Template body;
};

// A message as queued for one lead.
struct Rendered {
  std::string subject;
  std::string body;
};

class EngineImpl {
 public:
  EngineImpl(const std::string& path, Options options);

  std::mutex mutex;
  detail::Database db;
  Clock clock;
  detail::IdGenerator ids;
  std::chrono::seconds ttl;  // of idempotency keys

  [[nodiscard]] Timestamp now() const { return clock(); }
  [[nodiscard]] std::string newId(std::string_view prefix);

  // ---- campaigns.cpp ----
  // not_found unless the campaign exists within `scope`.
  [[nodiscard]] CampaignRow loadCampaign(std::string_view id, const Scope& scope);
  [[nodiscard]] std::vector<Step> loadSteps(std::string_view campaignId);
  [[nodiscard]] Campaign campaignView(const CampaignRow& row);
  [[nodiscard]] std::int64_t countQueued(std::string_view campaignId);
  void requireWorkspace(std::string_view workspaceId);

  // ---- outbox.cpp ----
  [[nodiscard]] static std::vector<CompiledStep> compile(const std::vector<Step>& steps);
  [[nodiscard]] static Rendered render(const CompiledStep& step, const LeadRecord& lead);
  // Queues step `stepNumber` (1-based) for the lead, scheduled at
  // base + the step's delay. The caller guarantees the lead has no live message.
  void queueStep(const CampaignRow& campaign, const std::vector<CompiledStep>& steps, const LeadRecord& lead,
                 std::int64_t stepNumber, Timestamp base);
  // If the lead is active, has no live message and steps are left, queues its
  // next step from `base`. Returns whether it queued.
  bool ensureQueued(const CampaignRow& campaign, const std::vector<CompiledStep>& steps, const LeadRecord& lead,
                    Timestamp base);
  // The lead's live (queued or claimed) message: seq, step and status.
  struct LiveMessage {
    std::int64_t seq = 0;
    std::int64_t step = 0;
    MessageStatus status = MessageStatus::queued;
  };
  [[nodiscard]] std::optional<LiveMessage> liveMessage(std::int64_t leadSeq);
  // Re-renders a queued message (the lead's fields or the step changed).
  void rerenderMessage(std::int64_t messageSeq, const CompiledStep& step, const LeadRecord& lead);
  // Re-renders every queued message of step `stepNumber` of the campaign.
  void rerenderStep(const CampaignRow& campaign, const std::vector<CompiledStep>& steps, std::int64_t stepNumber);
  // At start: queues the next step of every eligible lead. Returns how many.
  std::int64_t queueAllEligible(const CampaignRow& campaign, const std::vector<CompiledStep>& steps, Timestamp base);
  // Cancels the lead's queued and claimed messages; returns how many.
  std::int64_t cancelLive(std::int64_t leadSeq);
  [[nodiscard]] Message loadMessage(std::int64_t seq);

  // ---- leads (enrollment.cpp) ----
  [[nodiscard]] std::optional<LeadRecord> findLead(const std::string& campaignId, const std::string& email);
  [[nodiscard]] Lead leadView(const LeadRecord& record, std::string_view campaignId) const;
  void setLeadStatus(std::int64_t leadSeq, LeadStatus status);

  // Applies the rows in order (bulkUpsert's body, inside its transaction).
  [[nodiscard]] BulkResult upsertRows(const CampaignRow& campaign, std::span<const LeadInput> leads, MergeMode mode,
                                      bool details);
  // The same behind an idempotency key: a repeat returns the stored result.
  [[nodiscard]] BulkResult upsertIdempotent(const CampaignRow& campaign, std::span<const LeadInput> leads,
                                            const BulkOptions& options);

  // ---- suppression.cpp ----
  // How the rows of one call are checked against the workspace's list: in
  // memory when the list is no longer than the call (loading it costs less
  // than a lookup per row), else with index lookups.
  class SuppressionCheck {
   public:
    [[nodiscard]] bool matches(EngineImpl& engine, std::string_view email) const;

   private:
    friend class EngineImpl;
    std::string workspaceId_;
    bool any_ = false;
    bool inMemory_ = false;
    std::unordered_set<std::string> entries_;
  };
  [[nodiscard]] SuppressionCheck suppressionCheck(const std::string& workspaceId, std::size_t rows);
  // Whether the normalized email, or its domain or a parent domain, is on the list.
  [[nodiscard]] bool isSuppressed(std::string_view workspaceId, std::string_view email);
};

}  // namespace leadterra
