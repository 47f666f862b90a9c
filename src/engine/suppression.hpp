// The suppression service: which entries block an email, the check made for
// every upserted row, and the effect of new entries on enrolled leads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "engine/engine_impl.hpp"
#include "util/text.hpp"

namespace leadterra {

// Calls `fn(entry)` for each entry that would block the normalized `email`:
// the email itself, its domain, then each parent domain of at least two
// labels (mail.acme.com, acme.com). Returns true at the first `fn` that does.
template <typename Fn>
bool anyBlockingEntry(std::string_view email, Fn&& fn) {
  if (fn(email)) return true;
  std::string_view domain = detail::emailDomain(email);
  while (domain.find('.') != std::string_view::npos) {
    if (fn(domain)) return true;
    domain.remove_prefix(domain.find('.') + 1);
  }
  return false;
}

// What stopMatchingLeads changed.
struct StopCounts {
  std::int64_t leads = 0;     // leads whose status it set
  std::int64_t messages = 0;  // live messages it cancelled
};

// Stops the leads of the workspace, in every campaign, that the entries
// match (normalized emails, and domains without '@' with their subdomains):
// each active or paused one becomes `status` (stopped leads keep theirs),
// and every live message of a matching lead is cancelled. New suppression entries and a reply's address both stop leads
// this way.
StopCounts stopMatchingLeads(Call& call, std::string_view workspaceId, const std::vector<std::string>& emails,
                             const std::unordered_set<std::string_view>& domains, LeadStatus status);

// How the rows of one call are checked against the workspace's list: in
// memory when the list is no longer than the call (loading it costs less
// than a lookup per row), else with a lookup per candidate entry.
class SuppressionCheck {
 public:
  SuppressionCheck(Call& call, const std::string& workspaceId, std::size_t rows);
  [[nodiscard]] bool matches(std::string_view email);

 private:
  Call& call_;
  std::string workspaceId_;
  bool any_ = false;
  bool inMemory_ = false;
  std::unordered_set<std::string_view> entries_;  // views into held_
  std::vector<std::string> held_;
};

}  // namespace leadterra
