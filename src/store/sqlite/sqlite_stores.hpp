// The SQLite stores: each owns its tables' statements (one member per
// statement, compiled on first use) and maps its rows. Stored enum names in
// SQL come from the one table of names (src/enums.cpp): bound as values, or
// spliced in by sqlName() where a partial index must see a constant.
#pragma once

#include <fmt/format.h>

#include "storage/database.hpp"
#include "store/stores.hpp"

namespace leadterra::store::sqlite {

using detail::Database;
using detail::Statement;

// 'name' for an enumerator, to splice into SQL text.
template <typename E>
[[nodiscard]] std::string sqlName(E value) {
  return fmt::format("'{}'", toString(value));
}

// The live statuses, "('queued', 'claimed')", as the partial indexes on
// messages are written.
[[nodiscard]] std::string liveStatuses();

class SqliteWorkspaceStore final : public WorkspaceStore {
 public:
  explicit SqliteWorkspaceStore(Database& db);
  std::optional<Workspace> find(Tx& tx, std::string_view id) override;
  void insert(Tx& tx, const Workspace& workspace) override;
  std::vector<Workspace> page(Tx& tx, const std::optional<CreatedKey>& after, std::int64_t limit) override;
  void setRules(Tx& tx, std::string_view id, const WorkspaceRules& rules) override;

 private:
  Statement find_, insert_, page_, setRules_;
};

class SqliteCampaignStore final : public CampaignStore {
 public:
  explicit SqliteCampaignStore(Database& db);
  std::optional<CampaignRow> find(Tx& tx, std::string_view id) override;
  bool exists(Tx& tx, std::string_view id) override;
  void insert(Tx& tx, const CampaignRow& row, const std::vector<Step>& steps) override;
  std::vector<std::string> idsInWorkspace(Tx& tx, std::string_view workspaceId) override;
  std::vector<CampaignRow> page(Tx& tx, std::string_view workspaceId, const std::optional<CreatedKey>& after,
                                std::int64_t limit) override;
  std::vector<CampaignRow> running(Tx& tx, std::string_view workspaceId) override;
  void setStatus(Tx& tx, std::string_view id, CampaignStatus status, std::optional<Timestamp> startedAt,
                 std::optional<PauseReason> pauseReason) override;
  void setSchedule(Tx& tx, std::string_view id, const CampaignSchedule& schedule) override;
  void setStopRules(Tx& tx, std::string_view id, const StopRules& rules) override;
  void addLeadCount(Tx& tx, std::string_view id, std::int64_t enrolled) override;
  std::vector<Step> steps(Tx& tx, std::string_view campaignId) override;
  void appendStep(Tx& tx, std::string_view campaignId, std::int64_t number, const Step& step) override;
  void replaceStep(Tx& tx, std::string_view campaignId, std::int64_t number, const Step& step) override;
  void removeStep(Tx& tx, std::string_view campaignId, std::int64_t number, std::int64_t count) override;
  std::vector<WinnerDecision> winners(Tx& tx, std::string_view campaignId) override;
  void setWinner(Tx& tx, std::string_view campaignId, std::int64_t step,
                 const std::optional<WinnerDecision>& decision) override;
  std::int64_t handedOut(Tx& tx, std::string_view campaignId, std::string_view day) override;
  void addHandedOut(Tx& tx, std::string_view campaignId, std::string_view day, std::int64_t n) override;

 private:
  Statement find_, exists_, insert_, byWorkspace_, page_, running_, runningIn_, setStatus_, setSchedule_,
      setStopRules_, addLeads_;
  Statement steps_, insertStep_, updateStep_, deleteStep_, shiftStep_, winners_, setWinner_, handed_, addHanded_;
};

class SqliteLeadStore final : public LeadStore {
 public:
  explicit SqliteLeadStore(Database& db);
  std::int64_t nextSeq(Tx& tx, std::string_view campaignId) override;
  bool insert(Tx& tx, const std::string& campaignId, const LeadRecord& lead) override;
  std::optional<LeadRecord> find(Tx& tx, const std::string& campaignId, const std::string& email) override;
  LeadRecord get(Tx& tx, std::int64_t seq) override;
  void update(Tx& tx, const LeadRecord& lead) override;
  void setStatus(Tx& tx, std::int64_t seq, LeadStatus status, Timestamp now) override;
  void pause(Tx& tx, std::int64_t seq, Timestamp until, Timestamp now) override;
  std::int64_t resumePaused(Tx& tx, Timestamp now) override;
  void setPosition(Tx& tx, std::int64_t seq, std::int64_t position, Timestamp now) override;
  std::int64_t countAtOrPast(Tx& tx, std::string_view campaignId, std::int64_t position) override;
  void forEachAwaitingNextStep(Tx& tx, std::string_view campaignId, std::int64_t stepCount,
                               const std::function<void(const LeadRecord&)>& fn) override;
  std::optional<LeadRef> findRef(Tx& tx, std::string_view campaignId, std::string_view email) override;
  std::vector<AddressLead> inWorkspace(Tx& tx, std::string_view workspaceId, std::string_view email) override;
  void forEachRef(Tx& tx, std::string_view campaignId, const std::function<void(const LeadRef&)>& fn) override;
  std::vector<LeadRecord> page(Tx& tx, std::string_view campaignId, const LeadFilter& filter, std::int64_t afterOrd,
                               std::int64_t limit) override;
  StatusCounts countByStatus(Tx& tx, std::string_view campaignId) override;
  std::vector<ExportedLead> exportPage(Tx& tx, std::string_view campaignId, const LeadFilter& filter,
                                       const LeadKey& after, std::int64_t limit) override;
  std::vector<std::string> customKeys(Tx& tx, std::string_view campaignId) override;
  std::map<std::string, std::int64_t, std::less<>> longestValues(
      Tx& tx, std::string_view campaignId, std::map<std::string, std::int64_t, std::less<>>& custom) override;

 private:
  Database& db_;
  Statement nextSeq_, insert_, find_, get_, update_, setStatus_, pause_, resume_, setPosition_, countPast_,
      awaiting_, findRef_, inWorkspace_, refs_, page_, exportPage_, customKeys_, counts_, longest_, longestCustom_;
};

class SqliteOutboxStore final : public OutboxStore {
 public:
  // `events`: record each inserted message's message_queued event.
  SqliteOutboxStore(Database& db, bool events);
  std::int64_t nextSeq(Tx& tx) override;
  void insert(Tx& tx, std::optional<std::int64_t> seq, const NewMessage& message, Timestamp now) override;
  std::optional<MessageState> live(Tx& tx, std::int64_t leadSeq) override;
  std::optional<MessageState> forStep(Tx& tx, std::int64_t leadSeq, std::int64_t step) override;
  void requeue(Tx& tx, std::int64_t seq, const NewMessage& message, Timestamp now) override;
  void setText(Tx& tx, std::int64_t seq, std::string_view variant, std::string_view subject, std::string_view body,
               StepFormat format, Timestamp now) override;
  std::int64_t cancelLive(Tx& tx, std::int64_t leadSeq, Timestamp now) override;
  std::int64_t cancelLiveOfStep(Tx& tx, std::string_view campaignId, std::int64_t step, Timestamp now) override;
  std::vector<QueuedMessage> queued(Tx& tx, std::string_view campaignId, std::int64_t step) override;
  std::optional<Timestamp> firstSent(Tx& tx, std::string_view campaignId, std::int64_t step) override;
  std::vector<VariantFigures> variantFigures(Tx& tx, std::string_view campaignId, std::int64_t step) override;
  std::vector<std::pair<std::int64_t, Timestamp>> queuedTimes(Tx& tx, std::string_view campaignId) override;
  void reschedule(Tx& tx, std::int64_t seq, Timestamp at, Timestamp now) override;
  std::int64_t countQueued(Tx& tx, std::string_view campaignId) override;
  std::vector<Message> list(Tx& tx, std::string_view campaignId, std::optional<MessageStatus> status) override;
  std::vector<MessageRow> page(Tx& tx, std::string_view campaignId, const MessageFilter& filter, std::int64_t afterSeq,
                               std::int64_t limit) override;
  std::vector<DueMessage> due(Tx& tx, std::string_view campaignId, Timestamp now, std::int64_t limit) override;
  void claim(Tx& tx, std::int64_t seq, Timestamp leaseUntil, Timestamp now) override;
  std::optional<MessageRow> find(Tx& tx, std::string_view id) override;
  MessageRow get(Tx& tx, std::int64_t seq) override;
  void markSent(Tx& tx, std::int64_t seq, Timestamp now) override;
  void retryAt(Tx& tx, std::int64_t seq, Timestamp at, std::string_view reason, Timestamp now) override;
  void markFailed(Tx& tx, std::int64_t seq, std::string_view reason, Timestamp now) override;
  std::vector<std::int64_t> recentSent(Tx& tx, std::string_view campaignId, std::int64_t limit) override;
  std::vector<RecentSend> recentSends(Tx& tx, std::int64_t leadSeq, Timestamp since, Timestamp now) override;

 private:
  Statement nextSeq_, insert_, live_, forStep_, requeue_, setText_, cancelLive_, cancelStep_, queued_, queuedStep_,
      queuedTimes_, reschedule_, countQueued_, list_, page_, pageStatus_, due_, claim_, find_, get_, sent_, retry_, failed_,
      recentSent_, recentSends_, firstSent_, figures_, queuedEvent_;
  bool events_;
};

class SqliteSuppressionStore final : public SuppressionStore {
 public:
  explicit SqliteSuppressionStore(Database& db);
  bool add(Tx& tx, std::string_view workspaceId, std::string_view entry, SuppressionKind kind,
           const SuppressionSource& source, Timestamp now) override;
  bool remove(Tx& tx, std::string_view workspaceId, std::string_view entry) override;
  bool contains(Tx& tx, std::string_view workspaceId, std::string_view entry) override;
  std::vector<std::string> entries(Tx& tx, std::string_view workspaceId, std::int64_t limit) override;
  std::vector<SuppressionEntry> list(Tx& tx, std::string_view workspaceId, const SuppressionFilter& filter) override;
  std::int64_t removeWhere(Tx& tx, std::string_view workspaceId, const SuppressionFilter& filter) override;

 private:
  Statement add_, remove_, contains_, entries_, list_, removeWhere_;
};

class SqliteSignalStore final : public SignalStore {
 public:
  explicit SqliteSignalStore(Database& db);
  std::optional<std::string> findExternal(Tx& tx, std::string_view workspaceId, std::string_view externalId) override;
  void insert(Tx& tx, const SignalRow& signal, Timestamp now) override;
  std::int64_t countSince(Tx& tx, std::string_view workspaceId, std::string_view email, SignalKind kind,
                          Timestamp since) override;
  bool onMessage(Tx& tx, std::int64_t messageSeq, SignalKind kind) override;
  bool isFreeMail(Tx& tx, std::string_view domain) override;

 private:
  Statement findExternal_, insert_, countSince_, onMessage_, freeMail_;
};

class SqliteUnsubscribeStore final : public UnsubscribeStore {
 public:
  explicit SqliteUnsubscribeStore(Database& db);
  std::optional<UnsubscribeRow> find(Tx& tx, std::string_view workspaceId) override;
  void put(Tx& tx, std::string_view workspaceId, const UnsubscribeRow& row, Timestamp now) override;

 private:
  Statement find_, put_;
};

class SqliteIdempotencyStore final : public IdempotencyStore {
 public:
  explicit SqliteIdempotencyStore(Database& db);
  std::optional<StoredResult> find(Tx& tx, std::string_view campaignId, std::string_view key,
                                   Timestamp notBefore) override;
  void purge(Tx& tx, Timestamp cutoff) override;
  void put(Tx& tx, std::string_view campaignId, std::string_view key, const StoredResult& stored,
           Timestamp now) override;

 private:
  Statement find_, purge_, put_;
};

// Creates this connection's TEMP triggers that record message and lead
// status changes (schema/0010_events.sql says why).
void installEventTriggers(Database& db);

class SqliteEventStore final : public EventStore {
 public:
  explicit SqliteEventStore(Database& db);
  void append(Tx& tx, const Event& event) override;
  std::vector<Event> page(Tx& tx, std::string_view workspaceId, const EventQuery& query) override;
  std::int64_t lastCursor(Tx& tx, std::string_view workspaceId) override;
  std::int64_t prune(Tx& tx, std::optional<Timestamp> cutoff, std::int64_t keep, std::int64_t batch) override;

 private:
  Statement append_, page_, last_, oldest_, newest_, prune_;
};

}  // namespace leadterra::store::sqlite
