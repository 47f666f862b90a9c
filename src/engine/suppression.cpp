// Suppression (docs/suppress.md): entries, the check made for every upserted
// row, and the effect of new entries on enrolled leads.
#include "engine/suppression.hpp"

#include <fmt/format.h>

#include <set>

#include "engine/events.hpp"
#include "engine/sequence.hpp"

namespace leadterra {

namespace {

struct ParsedEntry {
  std::string entry;  // normalized email or domain
  SuppressionKind kind;
};

// "ava@acme.com" is an email; "@acme.com" and "acme.com" are domains.
ParsedEntry parseEntry(const std::string& raw) {
  ParsedEntry p;
  std::string_view text = raw;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  const auto at = text.find('@');
  if (at != std::string_view::npos && at != 0) {
    if (detail::normalizeEmail(raw, p.entry) != detail::EmailCheck::ok) {
      throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a valid email or domain", raw));
    }
    p.kind = SuppressionKind::email;
    return p;
  }
  if (!detail::normalizeDomain(text, p.entry)) {  // drops one leading '@'
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a valid email or domain", raw));
  }
  p.kind = SuppressionKind::domain;
  return p;
}

std::vector<ParsedEntry> parseEntries(std::span<const std::string> entries) {
  std::vector<ParsedEntry> out;
  out.reserve(entries.size());
  for (const std::string& raw : entries) out.push_back(parseEntry(raw));
  return out;
}

// The leads of the workspace, in every campaign, that the entries match, each once.
std::vector<store::LeadRef> leadsMatching(Call& call, std::string_view workspaceId,
                                          const std::vector<std::string>& emails,
                                          const std::unordered_set<std::string_view>& domains) {
  std::vector<store::LeadRef> refs;
  std::set<std::int64_t> seqs;
  auto add = [&](const store::LeadRef& ref) {
    if (seqs.insert(ref.seq).second) refs.push_back(ref);
  };
  for (const std::string& campaign : call.db.campaigns().idsInWorkspace(call.tx, workspaceId)) {
    for (const std::string& email : emails) {
      if (auto ref = call.db.leads().findRef(call.tx, campaign, email)) add(*ref);
    }
    if (domains.empty()) continue;
    // A domain entry scans the campaign's leads once for all new domains.
    call.db.leads().forEachRef(call.tx, campaign, [&](const store::LeadRef& ref) {
      if (anyBlockingEntry(detail::emailDomain(ref.email), [&](std::string_view d) { return domains.count(d) > 0; })) {
        add(ref);
      }
    });
  }
  return refs;
}

}  // namespace

// ---- Effects of new entries ----

StopCounts stopMatchingLeads(Call& call, std::string_view workspaceId, const std::vector<std::string>& emails,
                             const std::unordered_set<std::string_view>& domains, LeadStatus status) {
  StopCounts counts;
  if (emails.empty() && domains.empty()) return counts;
  for (const store::LeadRef& ref : leadsMatching(call, workspaceId, emails, domains)) {
    if (getsMail(ref.status)) {
      call.db.leads().setStatus(call.tx, ref.seq, status, call.now);
      ++counts.leads;
    }
    counts.messages += stopMessages(call, ref.seq);
  }
  return counts;
}

// ---- SuppressionCheck ----

SuppressionCheck::SuppressionCheck(Call& call, const std::string& workspaceId, std::size_t rows)
    : call_(call), workspaceId_(workspaceId) {
  held_ = call.db.suppressions().entries(call.tx, workspaceId, static_cast<std::int64_t>(rows) + 1);
  any_ = !held_.empty();
  inMemory_ = held_.size() <= rows;
  if (!inMemory_) return;
  for (const std::string& entry : held_) entries_.insert(entry);
}

bool SuppressionCheck::matches(std::string_view email) {
  if (!any_) return false;
  return anyBlockingEntry(email, [this](std::string_view entry) {
    return inMemory_ ? entries_.count(entry) > 0 : call_.db.suppressions().contains(call_.tx, workspaceId_, entry);
  });
}

// ---- Public ----

SuppressionResult CampaignEngine::addSuppressions(std::string_view workspaceId,
                                                  std::span<const std::string> entries) {
  const std::vector<ParsedEntry> parsed = parseEntries(entries);  // all or nothing
  return impl_->write([&](Call& call) {
    requireWorkspace(call, workspaceId);
    SuppressionResult result;
    std::vector<std::string> emails;
    std::unordered_set<std::string_view> domains;
    for (const ParsedEntry& p : parsed) {
      if (!call.db.suppressions().add(call.tx, workspaceId, p.entry, p.kind, {}, call.now)) continue;  // a no-op
      ++result.added;
      if (p.kind == SuppressionKind::email) {
        emails.push_back(p.entry);
      } else {
        domains.insert(p.entry);
      }
    }
    // Before its consequences (leads suppressed, messages cancelled) in the log.
    if (result.added > 0) {
      recordWorkspaceEvent(call, workspaceId, EventKind::suppression_added, "manual", {{"entries", result.added}});
    }
    const StopCounts stopped = stopMatchingLeads(call, workspaceId, emails, domains, LeadStatus::suppressed);
    result.leadsSuppressed = stopped.leads;
    result.messagesCancelled = stopped.messages;
    return result;
  });
}

SuppressionResult CampaignEngine::removeSuppressions(std::string_view workspaceId,
                                                     std::span<const std::string> entries) {
  const std::vector<ParsedEntry> parsed = parseEntries(entries);
  return impl_->write([&](Call& call) {
    requireWorkspace(call, workspaceId);
    SuppressionResult result;
    for (const ParsedEntry& p : parsed) result.removed += call.db.suppressions().remove(call.tx, workspaceId, p.entry);
    if (result.removed > 0) {
      recordWorkspaceEvent(call, workspaceId, EventKind::suppression_removed, {}, {{"entries", result.removed}});
    }
    // Removal resumes nobody: a lead becomes active again at its next upsert.
    return result;
  });
}

SuppressionResult CampaignEngine::removeSuppressionsBy(std::string_view workspaceId, const SuppressionFilter& filter) {
  if (!filter.reason) {
    throw Error(ErrorCode::invalid_argument, "removing entries by filter needs a reason (manual, hardBounce, ...)");
  }
  return impl_->write([&](Call& call) {
    requireWorkspace(call, workspaceId);
    SuppressionResult result;
    result.removed = call.db.suppressions().removeWhere(call.tx, workspaceId, filter);
    if (result.removed > 0) {
      recordWorkspaceEvent(call, workspaceId, EventKind::suppression_removed, std::string(toString(*filter.reason)),
                           {{"entries", result.removed}});
    }
    return result;  // resumes nobody, as removeSuppressions
  });
}

std::vector<SuppressionEntry> CampaignEngine::listSuppressions(std::string_view workspaceId,
                                                               const SuppressionFilter& filter) {
  return impl_->read([&](Call& call) {
    requireWorkspace(call, workspaceId);
    return call.db.suppressions().list(call.tx, workspaceId, filter);
  });
}

}  // namespace leadterra
