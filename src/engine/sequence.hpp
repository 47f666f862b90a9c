// The sequence service: which step a lead gets next and when, rendered and
// queued in the outbox. Enrolling, dispatch, suppression and the campaign
// lifecycle all queue, re-render and stop through it, so the outbox's rules
// live in one place:
//   - a lead has at most one live (queued or claimed) message;
//   - a lead has at most one message row per step: a step queued again (the
//     lead was suppressed, then resumed) reuses its row, with its attempts;
//   - a queued message always holds the current render of its step for the
//     lead as stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine_impl.hpp"
#include "engine/rendering.hpp"
#include "engine/unsubscribe.hpp"

namespace leadterra {

// Where a new message goes: an explicit seq and id keep the order a caller
// chose (a bulk call's rows); none takes the next ones.
struct MessageSlot {
  std::optional<std::int64_t> seq;
  std::string id;
  bool fresh = false;  // the lead was created in this call: it has no message rows to reuse
};

class Sequencer {
 public:
  // For the campaign's steps as stored now.
  Sequencer(Call& call, const store::CampaignRow& campaign);

  [[nodiscard]] const std::vector<CompiledStep>& steps() const noexcept { return steps_; }
  [[nodiscard]] std::int64_t stepCount() const noexcept { return static_cast<std::int64_t>(steps_.size()); }

  // Queues step `step` (1-based) for the lead, scheduled at `base` plus the
  // step's delay, moved into the send window. The caller guarantees the lead
  // has no live message. Returns false when that step was already sent.
  bool queue(const LeadRecord& lead, std::int64_t step, Timestamp base, MessageSlot slot = {});
  // If the lead is active, has a step left and no live message, queues its
  // next step from `base`. Returns whether it queued.
  bool ensureQueued(const LeadRecord& lead, Timestamp base, MessageSlot slot = {});
  // Re-renders the lead's queued message, if it has one.
  void rerenderQueued(const LeadRecord& lead);
  // Re-renders every queued message of one step (the step changed). A
  // message whose variant the step no longer has gets another by weight.
  void rerenderStep(std::int64_t step);
  // Re-renders the step's queued messages of these variants, and moves
  // those of variants the step no longer has to the others by weight;
  // returns how many it rendered again.
  std::int64_t rerenderVariants(std::int64_t step, const std::vector<std::string>& labels);
  // The variant the lead gets for the step now: `stored` when the step still
  // has it (an assignment is kept), else the winner when one was picked
  // (after checking the step's winner rule), else by weight.
  // `decide` false: a read (a preview) that uses a recorded winner only.
  [[nodiscard]] const CompiledVariant& variantFor(const LeadRecord& lead, std::int64_t step,
                                                  std::string_view stored = {}, bool decide = true);
  // The step's variant rendered for the lead, with its unsubscribe link
  // where the variant uses one.
  [[nodiscard]] RenderedStep render(std::int64_t step, const CompiledVariant& variant, const LeadRecord& lead);
  // Queues the next step of every active lead that has none live (a start).
  std::int64_t queueAllAwaiting(Timestamp base);

 private:
  // Records the step's winner if its rule now holds; once per step per call.
  void checkWinner(std::int64_t step);
  void rerender(const store::QueuedMessage& m, const CompiledVariant& variant);

  Call& call_;
  const store::CampaignRow& campaign_;
  std::vector<CompiledStep> steps_;
  std::vector<std::string> winners_;  // per step: the winning label, or ""
  std::vector<bool> winnerChecked_;   // per step
  UnsubscribeLinks links_;  // the workspace's settings, read once, on the first link
};

// Cancels the lead's live messages (it stopped: suppressed, replied, ...).
// Returns how many.
std::int64_t stopMessages(Call& call, std::int64_t leadSeq);

}  // namespace leadterra
