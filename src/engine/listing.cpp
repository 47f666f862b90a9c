// Listing: pages of workspaces, campaigns, leads and messages in creation
// order, and a campaign's leads counted by status (docs/listing.md).
//
// A cursor names the last item of a page: "<kind>:<n>" for leads (their ord)
// and messages (their seq), "<kind>:<createdAt>:<id>" for workspaces and
// campaigns. The next page starts after it, so items added meanwhile never shift a page (keyset
// paging). The text is the API's only promise about it: callers treat it as
// opaque, and anything this code did not write is refused.
#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine_impl.hpp"
#include "engine/unsubscribe.hpp"
#include "util/text.hpp"

namespace leadterra {

namespace {

constexpr std::string_view kWorkspaceCursor = "ws";
constexpr std::string_view kCampaignCursor = "camp";
constexpr std::string_view kLeadCursor = "lead";
constexpr std::string_view kMessageCursor = "msg";

[[noreturn]] void badCursor(std::string_view cursor) {
  throw Error(ErrorCode::invalid_argument,
              fmt::format("cursor '{}' is malformed: pass a nextCursor of the same listing as it was given", cursor));
}

void checkLimit(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageLimit) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("a page's limit must be 1 to {}, not {}", kMaxPageLimit, page.limit));
  }
}

template <typename E>
void checkStatus(const std::optional<E>& status, std::optional<E> (*parse)(std::string_view) noexcept) {
  if (status && !parse(toString(*status))) {
    throw Error(ErrorCode::invalid_argument, "a filter's status is not one of the enumeration's values");
  }
}

// The whole of `text` as a decimal integer written as fmt writes it (no
// sign but '-', no leading zero), or nullopt.
std::optional<std::int64_t> wholeNumber(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || fmt::format("{}", value) != text) return std::nullopt;
  return value;
}

// The text after "<kind>:" in `cursor`; badCursor when it is not there.
std::string_view fieldsOf(std::string_view kind, std::string_view cursor) {
  if (cursor.size() <= kind.size() || cursor.substr(0, kind.size()) != kind || cursor[kind.size()] != ':') {
    badCursor(cursor);
  }
  return cursor.substr(kind.size() + 1);
}

std::string seqCursor(std::string_view kind, std::int64_t seq) { return fmt::format("{}:{}", kind, seq); }

// The seq a page starts after: 0 (before every item) without a cursor.
std::int64_t seqAfter(std::string_view kind, std::string_view cursor) {
  if (cursor.empty()) return 0;
  const auto seq = wholeNumber(fieldsOf(kind, cursor));
  if (!seq || *seq < 1) badCursor(cursor);
  return *seq;
}

std::string keyCursor(std::string_view kind, Timestamp createdAt, std::string_view id) {
  return fmt::format("{}:{}:{}", kind, createdAt.time_since_epoch().count(), id);
}

std::optional<store::CreatedKey> keyAfter(std::string_view kind, std::string_view cursor) {
  if (cursor.empty()) return std::nullopt;
  const std::string_view fields = fieldsOf(kind, cursor);
  const std::size_t colon = fields.find(':');
  if (colon == std::string_view::npos) badCursor(cursor);
  const auto createdAt = wholeNumber(fields.substr(0, colon));
  const std::string_view id = fields.substr(colon + 1);
  if (!createdAt || !detail::isValidId(id)) badCursor(cursor);
  return store::CreatedKey{Timestamp{std::chrono::seconds{*createdAt}}, std::string(id)};
}

// The page of the first `limit` rows, each made public by `view`. The store
// was asked for limit + 1 rows: one more means another page follows, which
// starts after the last row kept.
template <typename T, typename Row, typename View, typename CursorOf>
Page<T> pageOf(std::vector<Row>& rows, std::int64_t limit, View view, CursorOf cursorOf) {
  Page<T> page;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    rows.resize(static_cast<std::size_t>(limit));
    page.nextCursor = cursorOf(rows.back());
  }
  page.items.reserve(rows.size());
  for (Row& row : rows) page.items.push_back(view(row));
  return page;
}

}  // namespace

Page<Workspace> CampaignEngine::listWorkspaces(const PageRequest& page) {
  checkLimit(page);
  const auto after = keyAfter(kWorkspaceCursor, page.after);
  return impl_->read([&](Call& call) {
    std::vector<Workspace> rows = call.db.workspaces().page(call.tx, after, page.limit + 1);
    return pageOf<Workspace>(
        rows, page.limit, [](Workspace& w) { return std::move(w); },
        [](const Workspace& w) { return keyCursor(kWorkspaceCursor, w.createdAt, w.id); });
  });
}

Page<Campaign> CampaignEngine::listCampaigns(std::string_view workspaceId, const PageRequest& page,
                                             const Scope& scope) {
  checkLimit(page);
  const auto after = keyAfter(kCampaignCursor, page.after);
  return impl_->read([&](Call& call) {
    requireWorkspaceInScope(call, workspaceId, scope);
    std::vector<store::CampaignRow> rows = call.db.campaigns().page(call.tx, workspaceId, after, page.limit + 1);
    return pageOf<Campaign>(
        rows, page.limit, [&](const store::CampaignRow& c) { return campaignView(call, c); },
        [](const store::CampaignRow& c) { return keyCursor(kCampaignCursor, c.createdAt, c.id); });
  });
}

Page<Lead> CampaignEngine::listLeads(std::string_view campaignId, const LeadFilter& filter, const PageRequest& page,
                                     const Scope& scope) {
  checkLimit(page);
  checkStatus(filter.status, parseLeadStatus);
  const std::int64_t after = seqAfter(kLeadCursor, page.after);
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::vector<LeadRecord> rows = call.db.leads().page(call.tx, c.id, filter, after, page.limit + 1);
    return pageOf<Lead>(
        rows, page.limit, [&](const LeadRecord& r) { return leadView(r, c.id); },
        [](const LeadRecord& r) { return seqCursor(kLeadCursor, r.ord); });
  });
}

LeadCounts CampaignEngine::countLeads(std::string_view campaignId, const Scope& scope) {
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    LeadCounts counts;
    counts.campaignId = c.id;
    counts.byStatus = call.db.leads().countByStatus(call.tx, c.id);
    for (const std::int64_t n : counts.byStatus) counts.total += n;
    return counts;
  });
}

Page<Message> CampaignEngine::listMessages(std::string_view campaignId, const MessageFilter& filter,
                                           const PageRequest& page, const Scope& scope) {
  checkLimit(page);
  checkStatus(filter.status, parseMessageStatus);
  const std::int64_t after = seqAfter(kMessageCursor, page.after);
  return impl_->read([&](Call& call) {
    const store::CampaignRow c = campaignInScope(call, campaignId, scope);
    std::vector<store::MessageRow> rows = call.db.outbox().page(call.tx, c.id, filter, after, page.limit + 1);
    Page<Message> out = pageOf<Message>(
        rows, page.limit, [](store::MessageRow& r) { return std::move(r.message); },
        [](const store::MessageRow& r) { return seqCursor(kMessageCursor, r.seq); });
    addUnsubscribeHeaders(call, out.items);
    return out;
  });
}

}  // namespace leadterra
