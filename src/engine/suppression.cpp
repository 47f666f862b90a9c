// The workspace suppression list (SPEC section 4): entries, the check made
// for every upserted row, and the effect of new entries on enrolled leads.
#include <fmt/format.h>

#include <unordered_set>

#include "engine/engine_impl.hpp"
#include "storage/row.hpp"
#include "util/text.hpp"

namespace leadterra {

using detail::seconds;
using detail::timeAt;

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

// Whether the domain is `blocked` itself or one of its subdomains.
bool domainMatches(std::string_view domain, const std::unordered_set<std::string>& blocked) {
  while (true) {
    if (blocked.count(std::string(domain))) return true;
    const auto dot = domain.find('.');
    if (dot == std::string_view::npos) return false;
    domain.remove_prefix(dot + 1);
  }
}

}  // namespace

bool EngineImpl::isSuppressed(std::string_view workspaceId, std::string_view email) {
  auto& s = db.statement("SELECT 1 FROM suppressions WHERE workspace_id = ? AND entry = ?");
  auto probe = [&](std::string_view entry) {
    s.reset();
    s.bind(1, std::string(workspaceId));
    s.bind(2, std::string(entry));
    return s.executeStep();
  };
  if (probe(email)) return true;
  // The domain and each parent of at least two labels: mail.acme.com, acme.com.
  std::string_view domain = detail::emailDomain(email);
  while (domain.find('.') != std::string_view::npos) {
    if (probe(domain)) return true;
    domain.remove_prefix(domain.find('.') + 1);
  }
  return false;
}

EngineImpl::SuppressionCheck EngineImpl::suppressionCheck(const std::string& workspaceId, std::size_t rows) {
  SuppressionCheck check;
  check.workspaceId_ = workspaceId;
  auto& s = db.statement("SELECT entry FROM suppressions WHERE workspace_id = ? LIMIT ?");
  s.bind(1, workspaceId);
  s.bind(2, static_cast<std::int64_t>(rows) + 1);
  while (s.executeStep()) check.entries_.insert(s.getColumn(0).getString());
  check.any_ = !check.entries_.empty();
  check.inMemory_ = check.entries_.size() <= rows;
  if (!check.inMemory_) check.entries_.clear();
  return check;
}

bool EngineImpl::SuppressionCheck::matches(EngineImpl& engine, std::string_view email) const {
  if (!any_) return false;
  if (!inMemory_) return engine.isSuppressed(workspaceId_, email);
  // The email, its domain and each parent domain of at least two labels.
  std::string candidate(email);
  if (entries_.count(candidate)) return true;
  std::string_view domain = detail::emailDomain(email);
  while (domain.find('.') != std::string_view::npos) {
    candidate.assign(domain);
    if (entries_.count(candidate)) return true;
    domain.remove_prefix(domain.find('.') + 1);
  }
  return false;
}

SuppressionResult CampaignEngine::addSuppressions(std::string_view workspaceId,
                                                  std::span<const std::string> entries) {
  std::scoped_lock lock(impl_->mutex);
  const std::vector<ParsedEntry> parsed = parseEntries(entries);  // all or nothing
  return impl_->db.write([&] {
    EngineImpl& e = *impl_;
    e.requireWorkspace(workspaceId);
    const Timestamp now = e.now();
    SuppressionResult result;
    std::vector<std::string> emails;
    std::unordered_set<std::string> domains;
    auto& insert = e.db.statement(
        "INSERT OR IGNORE INTO suppressions (workspace_id, entry, kind, created_at) VALUES (?, ?, ?, ?)");
    for (const ParsedEntry& p : parsed) {
      insert.reset();
      insert.bind(1, std::string(workspaceId));
      insert.bind(2, p.entry);
      insert.bind(3, std::string(toString(p.kind)));
      insert.bind(4, seconds(now));
      if (insert.exec() == 0) continue;  // already there: a no-op
      ++result.added;
      if (p.kind == SuppressionKind::email) {
        emails.push_back(p.entry);
      } else {
        domains.insert(p.entry);
      }
    }
    if (emails.empty() && domains.empty()) return result;

    // The leads the new entries match, in every campaign of the workspace.
    std::vector<std::pair<std::int64_t, LeadStatus>> matches;
    std::vector<std::string> campaigns;
    auto& list = e.db.statement("SELECT id FROM campaigns WHERE workspace_id = ?");
    list.bind(1, std::string(workspaceId));
    while (list.executeStep()) campaigns.push_back(list.getColumn(0).getString());
    for (const std::string& campaign : campaigns) {
      auto& byEmail = e.db.statement("SELECT seq, status FROM leads WHERE campaign_id = ? AND email = ?");
      for (const std::string& email : emails) {
        byEmail.reset();
        byEmail.bind(1, campaign);
        byEmail.bind(2, email);
        if (byEmail.executeStep()) {
          matches.emplace_back(byEmail.getColumn(0).getInt64(),
                               parseLeadStatus(byEmail.getColumn(1).getString()).value_or(LeadStatus::active));
        }
      }
      if (domains.empty()) continue;
      // A domain entry scans the campaign's leads once for all new domains.
      auto& all = e.db.statement("SELECT seq, status, email FROM leads WHERE campaign_id = ?");
      all.bind(1, campaign);
      while (all.executeStep()) {
        const std::string email = all.getColumn(2).getString();
        if (domainMatches(detail::emailDomain(email), domains)) {
          matches.emplace_back(all.getColumn(0).getInt64(),
                               parseLeadStatus(all.getColumn(1).getString()).value_or(LeadStatus::active));
        }
      }
    }
    for (const auto& [seq, status] : matches) {
      // Only active leads become suppressed: completed, replied and bounced
      // keep their status. Every live message of a matching lead is cancelled.
      if (status == LeadStatus::active) {
        e.setLeadStatus(seq, LeadStatus::suppressed);
        ++result.leadsSuppressed;
      }
      result.messagesCancelled += e.cancelLive(seq);
    }
    return result;
  });
}

SuppressionResult CampaignEngine::removeSuppressions(std::string_view workspaceId,
                                                     std::span<const std::string> entries) {
  std::scoped_lock lock(impl_->mutex);
  const std::vector<ParsedEntry> parsed = parseEntries(entries);
  return impl_->db.write([&] {
    impl_->requireWorkspace(workspaceId);
    SuppressionResult result;
    auto& del = impl_->db.statement("DELETE FROM suppressions WHERE workspace_id = ? AND entry = ?");
    for (const ParsedEntry& p : parsed) {
      del.reset();
      del.bind(1, std::string(workspaceId));
      del.bind(2, p.entry);
      result.removed += del.exec();
    }
    // Removal resumes nobody: a lead becomes active again at its next upsert.
    return result;
  });
}

std::vector<SuppressionEntry> CampaignEngine::listSuppressions(std::string_view workspaceId) {
  std::scoped_lock lock(impl_->mutex);
  return impl_->db.read([&] {
    impl_->requireWorkspace(workspaceId);
    auto& s = impl_->db.statement(
        "SELECT entry, kind, created_at FROM suppressions WHERE workspace_id = ? ORDER BY created_at, entry");
    s.bind(1, std::string(workspaceId));
    std::vector<SuppressionEntry> out;
    while (s.executeStep()) {
      out.push_back({s.getColumn(0).getString(),
                     s.getColumn(1).getString() == "domain" ? SuppressionKind::domain : SuppressionKind::email,
                     timeAt(s, 2)});
    }
    return out;
  });
}

}  // namespace leadterra
