// The stores: the engine's tables behind one interface per table family.
//
// A store owns its tables, its statements and the mapping of its rows to the
// records below; no other code touches its tables. Services (src/engine/)
// hold the rules and call stores; stores hold no rules. Every method takes
// the open transaction (Tx&): it runs inside the caller's one transaction,
// under the engine's lock. Reads may run in a read or a write transaction;
// writes need a write transaction.
//
// This is the seam for a second backend: SQLite implements these interfaces
// in src/store/sqlite/, and a backend is opened by store::openSqlite. SQL that
// only SQLite understands stays there; nothing here or in the services
// depends on a dialect.
//
// A stored value a store cannot read (an unknown status name, unreadable
// customFields) is Error(storage_error): never a default.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/lead_record.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/event.hpp"
#include "leadterra/listing.hpp"
#include "leadterra/message.hpp"
#include "leadterra/options.hpp"
#include "leadterra/signal.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/workspace.hpp"
#include "store/tx.hpp"

namespace leadterra::store {

// ---- Records ----

// A campaign row as the services need it.
struct CampaignRow {
  std::string id;
  std::string workspaceId;
  std::string name;
  CampaignStatus status = CampaignStatus::draft;
  std::optional<PauseReason> pauseReason;
  Timestamp createdAt{};
  std::optional<Timestamp> startedAt;
  std::int64_t leadCount = 0;
  CampaignSchedule schedule;
  StopRules stopRules;
};

// A lead as a suppression or a report sees it, without its fields.
struct LeadRef {
  std::int64_t seq = 0;
  LeadStatus status = LeadStatus::active;
  std::string email;
};

// A lead of one address somewhere in a workspace, with its campaign's status:
// what the cross-campaign rules look at.
struct AddressLead {
  std::int64_t seq = 0;
  std::string campaignId;
  CampaignStatus campaignStatus = CampaignStatus::draft;
  LeadStatus status = LeadStatus::active;
};

// A message that counts as a recent send: sent (`at` is its sentAt) or
// claimed with a lease still running (`at` is when the lease ends).
struct RecentSend {
  MessageStatus status = MessageStatus::sent;
  Timestamp at{};
};

// A message row to insert, already rendered and scheduled. `seq` orders
// claims within one scheduledAt: a service passes increasing values.
struct NewMessage {
  std::string id;
  std::string campaignId;
  std::int64_t leadSeq = 0;
  std::int64_t step = 0;
  std::string variant = "A";  // the label of the step's variant it renders
  std::string subject;
  std::string body;
  StepFormat format = StepFormat::text;
  Timestamp scheduledAt{};
  // For its message_queued event (insert): whose it is.
  std::string workspaceId;
  std::string leadId;
};

// What an export shows of a lead's message that changed last (of two
// changed at once, as a send queues the next step, the earlier step's): the
// variant it renders, its status and when it changed.
struct LatestMessage {
  std::string variant;
  MessageStatus status = MessageStatus::queued;
  Timestamp updatedAt{};
};

// A place in a campaign's leads: after the lead with this ord and seq
// ({0, 0}: before every lead).
struct LeadKey {
  std::int64_t ord = 0;
  std::int64_t seq = 0;
};

// A lead as an export writes it.
struct ExportedLead {
  LeadRecord lead;
  std::optional<LatestMessage> latest;  // none: the lead never had a message
};

// A stored message with its internal keys.
struct MessageRow {
  std::int64_t seq = 0;
  std::int64_t leadSeq = 0;
  Message message;
};

// The row of a lead's message for one step, or its live message: what the
// services need to decide, without the text.
struct MessageState {
  std::int64_t seq = 0;
  std::int64_t step = 0;
  MessageStatus status = MessageStatus::queued;
  std::int64_t attempts = 0;
  std::string variant;
};

// A queued message as a re-render needs it.
struct QueuedMessage {
  std::int64_t seq = 0;
  std::int64_t leadSeq = 0;
  std::int64_t step = 0;
  std::string variant;
};

// A due message as claimDue ranks it.
struct DueMessage {
  Timestamp scheduledAt{};
  std::int64_t seq = 0;
};

// Where a page of workspaces or campaigns starts: after the row created at
// `createdAt` with this id. They are listed by creation time, then id.
struct CreatedKey {
  Timestamp createdAt{};
  std::string id;
};

// A campaign's leads counted by status, indexed by LeadStatus.
using StatusCounts = decltype(LeadCounts::byStatus);

// Where a suppression entry came from.
struct SuppressionSource {
  SuppressionReason reason = SuppressionReason::manual;
  std::optional<std::string> campaignId;
  std::optional<std::string> messageId;
};

// A signal as recorded. campaignId, leadSeq and messageSeq are empty when it
// named no message (and, for leadSeq, no lead).
struct SignalRow {
  std::string id;
  std::string workspaceId;
  std::optional<std::string> campaignId;
  std::optional<std::int64_t> leadSeq;
  std::optional<std::int64_t> messageSeq;
  std::string email;
  SignalKind kind = SignalKind::reply;
  std::string externalId;  // empty: none
  std::string detail;
};

// A workspace's unsubscribe settings with the secret that signs its links
// (migration 0008). Never leaves the engine: the public UnsubscribeSettings
// has no secret.
struct UnsubscribeRow {
  std::string secret;   // 32 bytes, binary
  std::string baseUrl;  // "" : no one-click link
  std::string mailto;   // "" : no mailto: form
};

// A bulk result kept with its idempotency key.
struct StoredResult {
  std::string fingerprint;
  std::string result;  // the result's JSON text
};

// ---- Stores ----

class WorkspaceStore {
 public:
  virtual ~WorkspaceStore() = default;
  [[nodiscard]] virtual std::optional<Workspace> find(Tx& tx, std::string_view id) = 0;
  virtual void insert(Tx& tx, const Workspace& workspace) = 0;
  // Up to `limit` workspaces after `after` (none: from the first), by
  // creation time, then id.
  [[nodiscard]] virtual std::vector<Workspace> page(Tx& tx, const std::optional<CreatedKey>& after,
                                                    std::int64_t limit) = 0;
  virtual void setRules(Tx& tx, std::string_view id, const WorkspaceRules& rules) = 0;
};

class CampaignStore {
 public:
  virtual ~CampaignStore() = default;
  [[nodiscard]] virtual std::optional<CampaignRow> find(Tx& tx, std::string_view id) = 0;
  [[nodiscard]] virtual bool exists(Tx& tx, std::string_view id) = 0;
  // Inserts the row (status, counts and schedule as given) with its steps.
  virtual void insert(Tx& tx, const CampaignRow& row, const std::vector<Step>& steps) = 0;
  [[nodiscard]] virtual std::vector<std::string> idsInWorkspace(Tx& tx, std::string_view workspaceId) = 0;
  // Up to `limit` campaigns of the workspace after `after` (none: from the
  // first), by creation time, then id.
  [[nodiscard]] virtual std::vector<CampaignRow> page(Tx& tx, std::string_view workspaceId,
                                                      const std::optional<CreatedKey>& after, std::int64_t limit) = 0;
  // Running campaigns, optionally of one workspace only.
  [[nodiscard]] virtual std::vector<CampaignRow> running(Tx& tx, std::string_view workspaceId) = 0;

  virtual void setStatus(Tx& tx, std::string_view id, CampaignStatus status, std::optional<Timestamp> startedAt,
                         std::optional<PauseReason> pauseReason) = 0;
  virtual void setSchedule(Tx& tx, std::string_view id, const CampaignSchedule& schedule) = 0;
  virtual void setStopRules(Tx& tx, std::string_view id, const StopRules& rules) = 0;
  virtual void addLeadCount(Tx& tx, std::string_view id, std::int64_t enrolled) = 0;

  // Steps, numbered from 1 in order.
  [[nodiscard]] virtual std::vector<Step> steps(Tx& tx, std::string_view campaignId) = 0;
  virtual void appendStep(Tx& tx, std::string_view campaignId, std::int64_t number, const Step& step) = 0;
  virtual void replaceStep(Tx& tx, std::string_view campaignId, std::int64_t number, const Step& step) = 0;
  // Deletes step `number` of `count`; the later steps move up by one.
  virtual void removeStep(Tx& tx, std::string_view campaignId, std::int64_t number, std::int64_t count) = 0;
  // The winners recorded for the campaign's steps, by step.
  [[nodiscard]] virtual std::vector<WinnerDecision> winners(Tx& tx, std::string_view campaignId) = 0;
  // Records the step's winner (none: clears it).
  virtual void setWinner(Tx& tx, std::string_view campaignId, std::int64_t step,
                         const std::optional<WinnerDecision>& decision) = 0;

  // Messages handed out by claimDue on a calendar day ("YYYY-MM-DD"), for caps.
  [[nodiscard]] virtual std::int64_t handedOut(Tx& tx, std::string_view campaignId, std::string_view day) = 0;
  virtual void addHandedOut(Tx& tx, std::string_view campaignId, std::string_view day, std::int64_t n) = 0;
};

class LeadStore {
 public:
  virtual ~LeadStore() = default;
  // Where a bulk upsert into the campaign numbers its new leads from. A
  // lead's seq is its internal key; the order a user sees is its ord
  // (LeadRecord::ord), which the call takes from the same range by row,
  // failed and repeated rows included, so a campaign's ords may run past the
  // database's seqs: the number is past both, so that the call's leads come
  // after every earlier lead of the campaign and no two share an ord.
  [[nodiscard]] virtual std::int64_t nextSeq(Tx& tx, std::string_view campaignId) = 0;
  // Inserts the lead with its seq and ord; false (nothing written) when the campaign
  // already has a lead with this email.
  [[nodiscard]] virtual bool insert(Tx& tx, const std::string& campaignId, const LeadRecord& lead) = 0;
  [[nodiscard]] virtual std::optional<LeadRecord> find(Tx& tx, const std::string& campaignId,
                                                       const std::string& email) = 0;
  // storage_error when there is none (a message always has its lead).
  [[nodiscard]] virtual LeadRecord get(Tx& tx, std::int64_t seq) = 0;
  // Writes the fields, customFields, status, pausedUntil and updatedAt.
  virtual void update(Tx& tx, const LeadRecord& lead) = 0;
  // Sets a status other than paused (and clears pausedUntil).
  virtual void setStatus(Tx& tx, std::int64_t seq, LeadStatus status, Timestamp now) = 0;
  // Pauses the lead until `until` (or moves the date of a paused one).
  virtual void pause(Tx& tx, std::int64_t seq, Timestamp until, Timestamp now) = 0;
  // Makes every paused lead whose date is at or before `now` active; how many.
  virtual std::int64_t resumePaused(Tx& tx, Timestamp now) = 0;
  virtual void setPosition(Tx& tx, std::int64_t seq, std::int64_t position, Timestamp now) = 0;
  // Leads of the campaign whose position is at least `position`.
  [[nodiscard]] virtual std::int64_t countAtOrPast(Tx& tx, std::string_view campaignId, std::int64_t position) = 0;
  // Calls `fn` for each active or paused lead of the campaign with a step left
  // (position < stepCount) and no live message, in creation order. `fn` may
  // queue a message for the lead it is given.
  virtual void forEachAwaitingNextStep(Tx& tx, std::string_view campaignId, std::int64_t stepCount,
                                       const std::function<void(const LeadRecord&)>& fn) = 0;
  [[nodiscard]] virtual std::optional<LeadRef> findRef(Tx& tx, std::string_view campaignId,
                                                       std::string_view email) = 0;
  // The leads with this normalized email in the workspace's campaigns that
  // hold leads, through the (campaign_id, email) key once per campaign.
  [[nodiscard]] virtual std::vector<AddressLead> inWorkspace(Tx& tx, std::string_view workspaceId,
                                                             std::string_view email) = 0;
  // Every lead of the campaign (for domain matches).
  virtual void forEachRef(Tx& tx, std::string_view campaignId, const std::function<void(const LeadRef&)>& fn) = 0;
  // Up to `limit` leads of the campaign matching `filter` whose ord is past
  // `afterOrd`, by ord (creation order).
  [[nodiscard]] virtual std::vector<LeadRecord> page(Tx& tx, std::string_view campaignId, const LeadFilter& filter,
                                                     std::int64_t afterOrd, std::int64_t limit) = 0;
  [[nodiscard]] virtual StatusCounts countByStatus(Tx& tx, std::string_view campaignId) = 0;
  // Up to `limit` leads of the campaign matching `filter` past `after`, by
  // (ord, seq), each with its message that changed last. Not by ord alone:
  // a bulk call's ords run over its rows, failed and repeated ones too, so a
  // later call's leads can take the ords it left past its last seq, and two
  // leads can share one.
  [[nodiscard]] virtual std::vector<ExportedLead> exportPage(Tx& tx, std::string_view campaignId,
                                                             const LeadFilter& filter, const LeadKey& after,
                                                             std::int64_t limit) = 0;
  // Every customFields key of the campaign's leads (top level), each once,
  // in the order of the first lead that has it and its place there. Reads
  // every lead of the campaign; holds only the keys.
  [[nodiscard]] virtual std::vector<std::string> customKeys(Tx& tx, std::string_view campaignId) = 0;
  // The longest value in bytes of each field of the campaign's leads: the
  // standard fields by name ("email", "firstName", ...) and each custom key
  // seen (its value as text: a string's own bytes, else its JSON). Reads
  // every lead of the campaign.
  [[nodiscard]] virtual std::map<std::string, std::int64_t, std::less<>> longestValues(
      Tx& tx, std::string_view campaignId, std::map<std::string, std::int64_t, std::less<>>& custom) = 0;
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  [[nodiscard]] virtual std::int64_t nextSeq(Tx& tx) = 0;
  // Inserts a queued message; `seq` none: the next free one.
  virtual void insert(Tx& tx, std::optional<std::int64_t> seq, const NewMessage& message, Timestamp now) = 0;
  // The lead's live (queued or claimed) message.
  [[nodiscard]] virtual std::optional<MessageState> live(Tx& tx, std::int64_t leadSeq) = 0;
  // The lead's message for a step, whatever its status (there is at most one).
  [[nodiscard]] virtual std::optional<MessageState> forStep(Tx& tx, std::int64_t leadSeq, std::int64_t step) = 0;
  // A message that is not live queued again with new text and time; its id
  // and attempts are kept.
  virtual void requeue(Tx& tx, std::int64_t seq, const NewMessage& message, Timestamp now) = 0;
  // New text, and the variant it renders.
  virtual void setText(Tx& tx, std::int64_t seq, std::string_view variant, std::string_view subject,
                       std::string_view body, StepFormat format, Timestamp now) = 0;
  // Cancels the lead's live messages; returns how many.
  virtual std::int64_t cancelLive(Tx& tx, std::int64_t leadSeq, Timestamp now) = 0;
  // Cancels the campaign's live messages of one step; returns how many.
  virtual std::int64_t cancelLiveOfStep(Tx& tx, std::string_view campaignId, std::int64_t step, Timestamp now) = 0;
  // Queued messages of the campaign (of one step when step > 0), in seq order.
  [[nodiscard]] virtual std::vector<QueuedMessage> queued(Tx& tx, std::string_view campaignId, std::int64_t step) = 0;
  // When the campaign first sent the step, if it ever did.
  [[nodiscard]] virtual std::optional<Timestamp> firstSent(Tx& tx, std::string_view campaignId, std::int64_t step) = 0;
  // The step's sent messages per variant, and how many of them were replied
  // to: a reply signal names the message, or the lead replied and the
  // message is its last one sent. Only variants with a send, by label.
  [[nodiscard]] virtual std::vector<VariantFigures> variantFigures(Tx& tx, std::string_view campaignId,
                                                                   std::int64_t step) = 0;
  [[nodiscard]] virtual std::vector<std::pair<std::int64_t, Timestamp>> queuedTimes(Tx& tx,
                                                                                    std::string_view campaignId) = 0;
  virtual void reschedule(Tx& tx, std::int64_t seq, Timestamp at, Timestamp now) = 0;
  [[nodiscard]] virtual std::int64_t countQueued(Tx& tx, std::string_view campaignId) = 0;
  // Oldest first (creation order); all statuses unless `status`.
  [[nodiscard]] virtual std::vector<Message> list(Tx& tx, std::string_view campaignId,
                                                  std::optional<MessageStatus> status) = 0;
  // Up to `limit` messages of the campaign matching `filter` whose seq is
  // past `afterSeq`, by seq (creation order).
  [[nodiscard]] virtual std::vector<MessageRow> page(Tx& tx, std::string_view campaignId, const MessageFilter& filter,
                                                     std::int64_t afterSeq, std::int64_t limit) = 0;
  // Up to `limit` of the campaign's due messages at `now` (queued, or claimed
  // with an expired lease), by (scheduledAt, seq).
  [[nodiscard]] virtual std::vector<DueMessage> due(Tx& tx, std::string_view campaignId, Timestamp now,
                                                    std::int64_t limit) = 0;
  virtual void claim(Tx& tx, std::int64_t seq, Timestamp leaseUntil, Timestamp now) = 0;
  [[nodiscard]] virtual std::optional<MessageRow> find(Tx& tx, std::string_view id) = 0;
  [[nodiscard]] virtual MessageRow get(Tx& tx, std::int64_t seq) = 0;
  virtual void markSent(Tx& tx, std::int64_t seq, Timestamp now) = 0;
  // Back to queued at `at`, with the reason kept.
  virtual void retryAt(Tx& tx, std::int64_t seq, Timestamp at, std::string_view reason, Timestamp now) = 0;
  virtual void markFailed(Tx& tx, std::int64_t seq, std::string_view reason, Timestamp now) = 0;
  // The lead's messages sent at or after `since`, and those claimed with a
  // lease that runs past `now`, through the lead's own messages.
  [[nodiscard]] virtual std::vector<RecentSend> recentSends(Tx& tx, std::int64_t leadSeq, Timestamp since,
                                                            Timestamp now) = 0;
  // The seqs of the campaign's last `limit` sent messages, newest (by seq) first.
  [[nodiscard]] virtual std::vector<std::int64_t> recentSent(Tx& tx, std::string_view campaignId,
                                                             std::int64_t limit) = 0;
};

class SuppressionStore {
 public:
  virtual ~SuppressionStore() = default;
  // False (nothing written) when the entry was already there.
  virtual bool add(Tx& tx, std::string_view workspaceId, std::string_view entry, SuppressionKind kind,
                   const SuppressionSource& source, Timestamp now) = 0;
  virtual bool remove(Tx& tx, std::string_view workspaceId, std::string_view entry) = 0;
  [[nodiscard]] virtual bool contains(Tx& tx, std::string_view workspaceId, std::string_view entry) = 0;
  // At most `limit` entries, in no particular order.
  [[nodiscard]] virtual std::vector<std::string> entries(Tx& tx, std::string_view workspaceId,
                                                         std::int64_t limit) = 0;
  [[nodiscard]] virtual std::vector<SuppressionEntry> list(Tx& tx, std::string_view workspaceId,
                                                         const SuppressionFilter& filter) = 0;
  // Deletes the entries the filter matches; returns how many.
  virtual std::int64_t removeWhere(Tx& tx, std::string_view workspaceId, const SuppressionFilter& filter) = 0;
};

class SignalStore {
 public:
  virtual ~SignalStore() = default;
  // The id of the signal recorded with this external id in the workspace.
  [[nodiscard]] virtual std::optional<std::string> findExternal(Tx& tx, std::string_view workspaceId,
                                                                std::string_view externalId) = 0;
  virtual void insert(Tx& tx, const SignalRow& signal, Timestamp now) = 0;
  // Signals of this kind for the address in the workspace recorded at or after `since`.
  [[nodiscard]] virtual std::int64_t countSince(Tx& tx, std::string_view workspaceId, std::string_view email,
                                                SignalKind kind, Timestamp since) = 0;
  // Whether a signal of this kind names the message.
  [[nodiscard]] virtual bool onMessage(Tx& tx, std::int64_t messageSeq, SignalKind kind) = 0;
  // Whether the domain is a free-mail provider's (gmail.com, ...): one of its
  // addresses says nothing about a company.
  [[nodiscard]] virtual bool isFreeMail(Tx& tx, std::string_view domain) = 0;
};

class UnsubscribeStore {
 public:
  virtual ~UnsubscribeStore() = default;
  // The workspace's row, if its settings were ever set.
  [[nodiscard]] virtual std::optional<UnsubscribeRow> find(Tx& tx, std::string_view workspaceId) = 0;
  // Writes the workspace's row, inserting or replacing it whole.
  virtual void put(Tx& tx, std::string_view workspaceId, const UnsubscribeRow& row, Timestamp now) = 0;
};

class IdempotencyStore {
 public:
  virtual ~IdempotencyStore() = default;
  // The key's result if it was stored after `notBefore`.
  [[nodiscard]] virtual std::optional<StoredResult> find(Tx& tx, std::string_view campaignId, std::string_view key,
                                                         Timestamp notBefore) = 0;
  // Deletes the keys stored at or before `cutoff`.
  virtual void purge(Tx& tx, Timestamp cutoff) = 0;
  virtual void put(Tx& tx, std::string_view campaignId, std::string_view key, const StoredResult& stored,
                   Timestamp now) = 0;
};

// The event log (migration 0010). Message and lead status events are written
// by the backend itself: OutboxStore::insert records message_queued, and the
// statements that change a status record theirs (SQLite: TEMP triggers); the
// services append the others. With Options::eventLog false, none is written.
class EventStore {
 public:
  virtual ~EventStore() = default;
  // Appends the event (its cursor is ignored: the store gives the next one).
  virtual void append(Tx& tx, const Event& event) = 0;
  // Up to `query.limit` of the workspace's events matching the query, after
  // its cursor, oldest first.
  [[nodiscard]] virtual std::vector<Event> page(Tx& tx, std::string_view workspaceId, const EventQuery& query) = 0;
  // The workspace's newest cursor, 0 when it has no event.
  [[nodiscard]] virtual std::int64_t lastCursor(Tx& tx, std::string_view workspaceId) = 0;
  // Deletes up to `batch` of the oldest events that are older than `cutoff`
  // (none: no age limit) or not among the newest `keep` (0: no count limit),
  // of every workspace, never the newest one (the next cursor is one past
  // it). Returns how many.
  virtual std::int64_t prune(Tx& tx, std::optional<Timestamp> cutoff, std::int64_t keep, std::int64_t batch) = 0;
};

// One open database with its stores. Not thread-safe: the engine serializes
// calls (EngineImpl::mutex).
class Backend {
 public:
  virtual ~Backend() = default;
  // Opens a transaction: a write one takes the database's write lock (waiting
  // up to Options::busyTimeout), a read one sees one consistent snapshot.
  [[nodiscard]] virtual std::unique_ptr<Tx> begin(Tx::Mode mode) = 0;
  // Rethrows the exception in flight as a leadterra::Error (busy,
  // storage_error, ...): the backend's own exceptions never leave the engine.
  [[noreturn]] virtual void rethrowAsError(std::string_view context) = 0;

  virtual WorkspaceStore& workspaces() = 0;
  virtual CampaignStore& campaigns() = 0;
  virtual LeadStore& leads() = 0;
  virtual OutboxStore& outbox() = 0;
  virtual SuppressionStore& suppressions() = 0;
  virtual SignalStore& signals() = 0;
  virtual UnsubscribeStore& unsubscribe() = 0;
  virtual IdempotencyStore& idempotency() = 0;
  virtual EventStore& events() = 0;
};

// The SQLite backend on the file at `path` (created, migrated and set up as
// Options say). Throws Error.
[[nodiscard]] std::unique_ptr<Backend> openSqlite(const std::string& path, const Options& options);

}  // namespace leadterra::store
