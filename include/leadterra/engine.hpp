// leadterra/engine.hpp: CampaignEngine, the library's one entry point.
//
// A CampaignEngine owns one connection to one SQLite file. Every public call
// that writes is exactly one transaction (BEGIN IMMEDIATE): it happens whole
// or not at all, and a storage failure rolls the whole call back. Calls throw
// leadterra::Error (error.hpp) and nothing else from the storage layer.
//
// Thread safety: a CampaignEngine may be shared between threads; its calls
// are serialized by an internal mutex. For parallel work open one engine per
// thread or process on the same file: SQLite's WAL mode lets readers run
// beside the one writer, writers wait up to Options::busyTimeout, and the
// engine's invariants (no duplicate lead, no message handed out twice under a
// live lease) hold across all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/event.hpp"
#include "leadterra/export.hpp"
#include "leadterra/export_leads.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/lead_row.hpp"
#include "leadterra/listing.hpp"
#include "leadterra/message.hpp"
#include "leadterra/options.hpp"
#include "leadterra/render.hpp"
#include "leadterra/signal.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/unsubscribe.hpp"
#include "leadterra/workspace.hpp"

namespace leadterra {

class EngineImpl;

class LEADTERRA_EXPORT CampaignEngine {
 public:
  // Opens (or, with Options::createIfMissing, creates) the file at `path` and
  // brings its schema up to date. Throws Error: not_found when the file does
  // not exist and createIfMissing is false (nothing is created),
  // schema_too_new when the file was written by a newer library (it is left
  // untouched), storage_error when it cannot be opened or is not a database,
  // busy when another connection holds the lock past the timeout.
  [[nodiscard]] static std::unique_ptr<CampaignEngine> open(const std::string& path, Options options = {});

  ~CampaignEngine();
  CampaignEngine(const CampaignEngine&) = delete;
  CampaignEngine& operator=(const CampaignEngine&) = delete;

  // ---- Workspaces and campaigns ----

  // conflict when the id is taken; invalid_argument for a malformed id.
  Workspace createWorkspace(const WorkspaceSpec& spec);
  [[nodiscard]] std::optional<Workspace> getWorkspace(std::string_view id);
  // Replaces the workspace's rules (workspace.hpp). not_found for an unknown workspace.
  Workspace setWorkspaceRules(std::string_view workspaceId, const WorkspaceRules& rules);

  // not_found for an unknown workspace; conflict when the id is taken;
  // invalid_argument for a malformed id or step.
  Campaign createCampaign(const CampaignSpec& spec);
  [[nodiscard]] std::optional<Campaign> getCampaign(std::string_view id, const Scope& scope = {});

  // Step editing, allowed while the campaign is not running (else conflict).
  // Step numbers are 1-based.
  Campaign addStep(std::string_view campaignId, const Step& step, const Scope& scope = {});
  // Re-renders the step's queued messages.
  Campaign replaceStep(std::string_view campaignId, std::int64_t stepNumber, const Step& step,
                       const Scope& scope = {});
  // Replaces the variants and the winner rule of one step, at any status
  // (docs/variants.md); its format and delay stay, and a step without
  // variants gets them in place of its subject and body. Queued messages of
  // a variant whose text changed are rendered again; those of a removed
  // variant move to the remaining ones by weight; the others keep their
  // text. A recorded winner that is removed is forgotten. invalid_argument
  // for no variants, more than 26, a label that is not one letter A-Z or is
  // used twice, a weight <= 0, a winner rule with fewer than two variants,
  // or a template the step could not save.
  Campaign setStepVariants(std::string_view campaignId, std::int64_t stepNumber,
                           std::span<const StepVariant> variants, const std::optional<WinnerRule>& winnerRule = {},
                           const Scope& scope = {});
  // The winners the campaign's winner rules picked, by step, with the
  // figures each decision was based on.
  [[nodiscard]] std::vector<WinnerDecision> stepWinners(std::string_view campaignId, const Scope& scope = {});
  // The step rendered for the campaign's lead with this email as the engine
  // queues it: its variant (the one stored with its message for the step,
  // else the winner, else by weight), its spintax options and its
  // unsubscribe link. Writes nothing. not_found for a step, campaign or lead
  // that does not exist.
  [[nodiscard]] RenderedStep previewStep(std::string_view campaignId, std::int64_t stepNumber,
                                         std::string_view email, const Scope& scope = {});
  // What in the campaign's steps is probably a mistake (docs/variants.md#lint),
  // in step, variant and field order: tokens that name neither a standard
  // field nor a custom key of the campaign's leads, spins whose options use
  // different tokens, subjects over 255 bytes rendered with the longest
  // values of its leads. Reads every lead of the campaign; writes nothing.
  [[nodiscard]] std::vector<LintFinding> lintSteps(std::string_view campaignId, const Scope& scope = {});
  // Cancels the step's queued messages; later steps move up by one. conflict
  // when any lead has already been sent this step or a later one.
  Campaign removeStep(std::string_view campaignId, std::int64_t stepNumber, const Scope& scope = {});

  // Sets the time zone, send window and daily cap. Queued messages that fall
  // outside the new window move to its next opening. invalid_argument for an
  // unknown time zone, hours out of range, a window without days, or a cap < 1.
  Campaign setSchedule(std::string_view campaignId, const CampaignSchedule& schedule, const Scope& scope = {});

  // Replaces what the signals on the campaign's messages do (campaign.hpp,
  // docs/signals.md), at any status; signals reported from then on follow
  // them. invalid_argument for a count or a number of days below 1, a
  // percentage out of 0..100, or protectionMinSends above protectionWindow.
  Campaign setStopRules(std::string_view campaignId, const StopRules& rules, const Scope& scope = {});

  // draft or paused -> running, queueing the next step of every active lead
  // that has none live. Starting a running campaign changes nothing.
  // no_steps for a campaign without steps.
  StartResult startCampaign(std::string_view campaignId, const Scope& scope = {});
  // running -> paused: queued messages stay but are not handed out. Pausing a
  // paused campaign changes nothing; pausing a draft is a conflict.
  Campaign pauseCampaign(std::string_view campaignId, const Scope& scope = {});

  // ---- Leads ----

  // Upserts `leads` by email into the campaign, in order, in one transaction
  // (see bulk.hpp and docs/enroll.md). Row problems are results; the call
  // throws only for the campaign (not_found) or the storage.
  [[nodiscard]] BulkResult bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const Scope& scope = {});
  // The same with a merge mode, dry run, idempotency key or per-row outcomes.
  [[nodiscard]] BulkResult bulkUpsert(std::string_view campaignId, std::span<const LeadInput> leads,
                                      const BulkOptions& options, const Scope& scope = {});
  // The rows of a reader (json::parseLeads, LeadFileReader, or your own; see
  // lead_row.hpp): a row's defect fails that row (malformed_row or
  // invalid_field) and its unknown fields are counted in the result's
  // unknownFields; otherwise exactly the upsert of the rows' leads.
  [[nodiscard]] BulkResult bulkUpsert(std::string_view campaignId, std::span<const LeadRow> rows,
                                      const Scope& scope = {});
  [[nodiscard]] BulkResult bulkUpsert(std::string_view campaignId, std::span<const LeadRow> rows,
                                      const BulkOptions& options, const Scope& scope = {});

  // The lead with this email (normalized before lookup), if enrolled.
  [[nodiscard]] std::optional<Lead> getLead(std::string_view campaignId, std::string_view email,
                                            const Scope& scope = {});

  // ---- Listing (listing.hpp, docs/listing.md) ----
  //
  // Each call reads one page in one read transaction, in creation order.
  // invalid_argument for a limit out of 1..kMaxPageLimit, a cursor that this
  // kind of listing did not give, or a filter's status out of range.

  // Workspaces, oldest first (by creation time, then id).
  [[nodiscard]] Page<Workspace> listWorkspaces(const PageRequest& page = {});
  // The workspace's campaigns, oldest first (by creation time, then id), each
  // with its status, leadsEnrolled and queuedMessages. not_found for an
  // unknown workspace or one outside the scope.
  [[nodiscard]] Page<Campaign> listCampaigns(std::string_view workspaceId, const PageRequest& page = {},
                                             const Scope& scope = {});
  // The campaign's leads matching `filter`, in the order they were enrolled.
  [[nodiscard]] Page<Lead> listLeads(std::string_view campaignId, const LeadFilter& filter = {},
                                     const PageRequest& page = {}, const Scope& scope = {});
  // The campaign's leads counted by status, from an index: the leads' rows
  // are not read.
  [[nodiscard]] LeadCounts countLeads(std::string_view campaignId, const Scope& scope = {});

  // ---- Export (export_leads.hpp, docs/export.md) ----

  // Writes the campaign's leads matching options.filter, in the order they
  // were enrolled, as CSV or JSON Lines to `sink`, a page at a time inside
  // one read transaction: memory does not grow with the campaign. Returns
  // how many leads it wrote. Writes nothing to the database. The engine's
  // lock is held throughout: the sink must not call this engine. not_found
  // for an unknown campaign or one outside the scope; invalid_argument for a
  // format or a filter's status out of range (before the sink is called). An
  // exception thrown by the sink ends the export and propagates as it is.
  std::int64_t exportLeads(std::string_view campaignId, ExportFormat format, const ExportSink& sink,
                   const ExportOptions& options = {}, const Scope& scope = {});

  // ---- Suppression ----

  // invalid_argument (nothing written) when an entry is neither an email nor
  // a domain. Adding an existing entry is a no-op.
  SuppressionResult addSuppressions(std::string_view workspaceId, std::span<const std::string> entries);
  SuppressionResult removeSuppressions(std::string_view workspaceId, std::span<const std::string> entries);
  // Removes the entries the filter matches; its reason is required (else
  // invalid_argument), so that no call empties the list by accident: "undo
  // yesterday's automatic hard-bounce entries". Resumes nobody, as above.
  SuppressionResult removeSuppressionsBy(std::string_view workspaceId, const SuppressionFilter& filter);
  // The entries the filter matches (all by default), oldest first.
  [[nodiscard]] std::vector<SuppressionEntry> listSuppressions(std::string_view workspaceId,
                                                               const SuppressionFilter& filter = {});

  // ---- Outbox ----

  // Messages of the campaign, oldest first; all statuses unless `status`.
  [[nodiscard]] std::vector<Message> listMessages(std::string_view campaignId,
                                                  std::optional<MessageStatus> status = std::nullopt,
                                                  const Scope& scope = {});
  // One page of them, in the order they were queued (see Listing above).
  [[nodiscard]] Page<Message> listMessages(std::string_view campaignId, const MessageFilter& filter,
                                           const PageRequest& page, const Scope& scope = {});

  // Hands out up to `limit` due messages of running campaigns (of the scope's
  // workspace only, when it names one), marking them claimed until now +
  // leaseSeconds. A message is never handed to two callers while its lease
  // holds. A campaign outside its send window hands out nothing, and none
  // hands out more than its daily cap per calendar day. Within one
  // scheduledAt, messages come in the order they were queued. A message past
  // its workspace's frequency cap (WorkspaceRules::frequencyCap) is held back:
  // it stays queued, due again when the cap could let it go, and the batch
  // is that much shorter (docs/dispatch.md). It also deletes events past the
  // retention of Options::eventMaxAge and eventMaxCount (at most 10,000 a
  // call, once a minute).
  [[nodiscard]] std::vector<Message> claimDue(std::int64_t limit = 100, std::int64_t leaseSeconds = 300,
                                              const Scope& scope = {});
  // The message was sent: the lead's position advances and its next step is
  // queued, or it completes. Repeating it changes nothing. conflict when the
  // message was never claimed; not_found for a message of another workspace
  // than the scope's.
  Message markSent(std::string_view messageId, const Scope& scope = {});
  // Retryable: queued again with backoff, failed after 5 attempts. Permanent:
  // failed, and the lead bounces. conflict when the message was never claimed
  // or was sent; not_found for a message of another workspace.
  Message markFailed(std::string_view messageId, std::string_view reason, bool retryable, const Scope& scope = {});
  // The lead replied: it stops, its live messages are cancelled, and later
  // upserts never reactivate it.
  ReplyResult markReplied(std::string_view campaignId, std::string_view email, const Scope& scope = {});

  // ---- Signals (signal.hpp, docs/signals.md) ----

  // Records what happened after a send and applies its kind's rule in the
  // same transaction. not_found for a message, workspace, campaign or lead
  // outside the scope; invalid_argument for a signal that names both a
  // message and an address, or neither, or an address that is not an email.
  SignalResult reportSignal(const SignalInput& signal, const Scope& scope = {});

  // ---- Events (event.hpp, docs/events.md) ----

  // The workspace's events after query.afterCursor, oldest first, read in
  // one read transaction. Every write records its events in its own
  // transaction: a reader never sees an event of a call that rolled back,
  // and never later finds a new event below a cursor it has seen. not_found
  // for a workspace outside the scope; invalid_argument for a limit out of
  // 1..1000 or a negative cursor.
  [[nodiscard]] EventPage events(std::string_view workspaceId, const EventQuery& query = {},
                                 const Scope& scope = {});

  // ---- Unsubscribe links (unsubscribe.hpp, docs/signals.md#unsubscribe-links) ----

  // Sets the workspace's link settings. The first call also makes the
  // workspace's secret (32 random bytes), which later calls keep. Returns the
  // settings as stored (mailto normalized). not_found for a workspace outside
  // the scope; invalid_argument for a baseUrl that is not an https URL a
  // header can carry, or a mailto that is not an email.
  UnsubscribeSettings setUnsubscribeSettings(std::string_view workspaceId, const UnsubscribeSettings& settings,
                                             const Scope& scope = {});
  // The workspace's settings; empty ones when never set.
  [[nodiscard]] UnsubscribeSettings getUnsubscribeSettings(std::string_view workspaceId, const Scope& scope = {});
  // Replaces the workspace's secret: every link made before, in mail already
  // sent or queued, then fails with invalid_token. Queued messages are not
  // rendered again. For a secret that leaked.
  void rotateUnsubscribeSecret(std::string_view workspaceId, const Scope& scope = {});
  // The link of the campaign's lead with this email, as its messages carry
  // it. not_found for a campaign or lead outside the scope.
  [[nodiscard]] UnsubscribeLink unsubscribeLink(std::string_view campaignId, std::string_view email,
                                                const Scope& scope = {});
  // Checks a link's token and reports an unsubscribe signal for its
  // workspace, campaign and address, with the rule of reportSignal. Once per
  // campaign and address: a second click returns the first signal's id with
  // duplicate = true and changes nothing. invalid_token (nothing written) for
  // a token that is malformed, altered, signed with another or a rotated
  // secret, or of another workspace than the scope's; not_found when its
  // campaign or lead no longer exists.
  SignalResult applyUnsubscribe(std::string_view token, const Scope& scope = {});

 private:
  explicit CampaignEngine(std::unique_ptr<EngineImpl> impl);
  std::unique_ptr<EngineImpl> impl_;
};

}  // namespace leadterra
