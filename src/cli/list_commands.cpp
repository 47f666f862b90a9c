// The listing commands: `workspace list`, `campaign list`, `leads list`,
// `leads count` and `messages list` (docs/cli.md, docs/listing.md).
//
// A listing is printed as it is read, one library page at a time, so that
// listing a million leads holds one page in memory, never the document. The
// text is exactly what Context::print would write for the whole document.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cli.hpp"
#include "commands.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"
#include "leadterra/listing.hpp"

namespace leadterra::cli {
namespace {

// Appends `compact` (one JSON value as json::toJson writes it: no whitespace
// between tokens) laid out as dump(value, 2) lays it out, every line after
// the first indented by `base` more spaces. A walk over the text that knows
// its strings, not a parse: the listing writes every item through it.
void appendIndented(std::string& out, std::string_view compact, std::size_t base) {
  std::size_t depth = 0;
  const auto newline = [&] {
    out += '\n';
    out.append(base + 2 * depth, ' ');
  };
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[i];
    switch (c) {
      case '"': {  // a string, whole, through its closing quote
        std::size_t close = i + 1;
        while (compact[close] != '"') close += compact[close] == '\\' ? 2 : 1;
        out.append(compact.substr(i, close + 1 - i));
        i = close;
        break;
      }
      case '{':
      case '[':
        out += c;
        if (i + 1 < compact.size() && (compact[i + 1] == '}' || compact[i + 1] == ']')) {
          out += compact[++i];  // {} and [] stay on one line
        } else {
          ++depth;
          newline();
        }
        break;
      case '}':
      case ']':
        --depth;
        newline();
        out += c;
        break;
      case ',':
        out += ',';
        newline();
        break;
      case ':': out += ": "; break;
      default: out += c;
    }
  }
}

// Writes {"<key>": [item, ...], "nextCursor": ...} to stdout item by item,
// indented as Context::print indents. Nothing is written before the first
// item or the end, so a listing that fails at once prints only its error.
class ListPrinter {
 public:
  explicit ListPrinter(std::string_view key) : key_(key) {}

  template <typename T>
  void item(const T& value) {
    open();
    // An item one level deeper: every line of it indented by four more spaces.
    std::string text = items_++ == 0 ? "\n    " : ",\n    ";
    appendIndented(text, json::toJson(value), 4);
    std::cout << text;
  }

  // Closes the document; with `withCursor`, "nextCursor" follows the list.
  void end(bool withCursor, const std::optional<std::string>& nextCursor) {
    open();
    std::cout << (items_ == 0 ? "]" : "\n  ]");
    if (withCursor) std::cout << ",\n  \"nextCursor\": " << (nextCursor ? dump(Json(*nextCursor)) : "null");
    std::cout << "\n}\n";
  }

 private:
  void open() {
    if (opened_) return;
    opened_ = true;
    std::cout << "{\n  " << dump(Json(key_)) << ": [";
  }

  std::string key_;
  bool opened_ = false;
  std::int64_t items_ = 0;
};

struct PageArgs {
  std::int64_t limit = 0;  // 0: all
  std::string after;
};

void addPageOptions(CLI::App* sub, PageArgs& a) {
  sub->add_option("--limit", a.limit, "At most this many, then nextCursor names the next page (default: all)")
      ->check(kPositiveInteger);
  sub->add_option("--after", a.after, "Start after this nextCursor of an earlier page")->check(kNotEmpty);
}

// Prints every item `fetch` gives from a.after on, at most a.limit of them,
// asking for pages of up to kMaxPageLimit and printing each as it comes.
template <typename T, typename Fetch>
void printPages(std::string_view key, const PageArgs& a, bool withCursor, Fetch fetch) {
  ListPrinter out(key);
  PageRequest request{kMaxPageLimit, a.after};
  std::int64_t left = a.limit;
  std::optional<std::string> next;
  while (true) {
    if (a.limit > 0) request.limit = std::min(left, kMaxPageLimit);
    const Page<T> page = fetch(request);
    for (const T& item : page.items) out.item(item);
    left -= static_cast<std::int64_t>(page.items.size());
    next = page.nextCursor;
    if (!next || (a.limit > 0 && left == 0)) break;
    request.after = *next;
  }
  out.end(withCursor, next);
}

struct LeadsListArgs {
  std::string campaign;
  std::string status;
  std::string updatedSince;
  PageArgs page;
};

struct MessagesListArgs {
  std::string workspace;  // the scope: empty, any workspace
  std::string campaign;
  std::string status;
  std::string updatedSince;
  PageArgs page;
};

}  // namespace

void addWorkspaceList(CLI::App& workspace, Context& ctx) {
  auto a = std::make_shared<PageArgs>();
  auto* list = workspace.add_subcommand("list", R"(Workspaces, oldest first -> {"workspaces": [...], "nextCursor"})");
  addPageOptions(list, *a);
  onRun(list, ctx, [&ctx, a] {
    CampaignEngine& engine = ctx.engine(Access::read);
    printPages<Workspace>("workspaces", *a, true, [&](const PageRequest& p) { return engine.listWorkspaces(p); });
  });
}

void addCampaignList(CLI::App& campaign, Context& ctx) {
  auto a = std::make_shared<std::pair<std::string, PageArgs>>();
  auto* list = campaign.add_subcommand(
      "list", R"(Campaigns of a workspace, oldest first -> {"campaigns": [...], "nextCursor"})");
  list->add_option("--workspace", a->first, "Workspace id")->required();
  addPageOptions(list, a->second);
  onRun(list, ctx, [&ctx, a] {
    CampaignEngine& engine = ctx.engine(Access::read);
    printPages<Campaign>("campaigns", a->second, true,
                         [&](const PageRequest& p) { return engine.listCampaigns(a->first, p); });
  });
}

void addLeadsList(CLI::App& leads, Context& ctx) {
  auto a = std::make_shared<LeadsListArgs>();
  auto* list = leads.add_subcommand(
      "list", R"(Leads of a campaign in the order they were enrolled -> {"leads": [...], "nextCursor"})");
  list->add_option("--campaign", a->campaign, "Campaign id")->required();
  list->add_option("--status", a->status, "Only this status")->check(kLeadStatusName);
  list->add_option("--updated-since", a->updatedSince, "Only leads updated at or after this time")->check(kTimestamp);
  addPageOptions(list, a->page);
  onRun(list, ctx, [&ctx, a] {
    const LeadFilter filter = leadFilterOf(a->status, a->updatedSince);
    CampaignEngine& engine = ctx.engine(Access::read);
    printPages<Lead>("leads", a->page, true,
                     [&](const PageRequest& p) { return engine.listLeads(a->campaign, filter, p); });
  });

  auto* count = leads.add_subcommand("count", R"(Leads of a campaign counted by status -> {"counts": {...}})");
  count->add_option("--campaign", a->campaign, "Campaign id")->required();
  onRun(count, ctx, [&ctx, a] { ctx.print(wrap("counts", toJsonValue(ctx.engine(Access::read).countLeads(a->campaign)))); });
}

void addMessagesList(CLI::App& messages, Context& ctx) {
  auto a = std::make_shared<MessagesListArgs>();
  auto* list = messages.add_subcommand(
      "list",
      R"(Messages of a campaign, oldest first -> {"messages": [...]}, and "nextCursor" with --limit or --after)");
  list->add_option("--campaign", a->campaign, "Campaign id")->required();
  list->add_option("--status", a->status, "Only this status")
      ->check(CLI::IsMember({"queued", "claimed", "sent", "failed", "cancelled"}));
  list->add_option("--updated-since", a->updatedSince, "Only messages changed at or after this time")
      ->check(kTimestamp);
  addPageOptions(list, a->page);
  list->add_option("--workspace", a->workspace, "Only this workspace's (another's is not_found)");
  onRun(list, ctx, [&ctx, a] {
    MessageFilter filter;
    if (!a->status.empty()) filter.status = parseMessageStatus(a->status);
    filter.updatedSince = timeOption(a->updatedSince);
    const bool paged = a->page.limit > 0 || !a->page.after.empty();
    CampaignEngine& engine = ctx.engine(Access::read);
    printPages<Message>("messages", a->page, paged, [&](const PageRequest& p) {
      return engine.listMessages(a->campaign, filter, p, {a->workspace});
    });
  });
}

}  // namespace leadterra::cli
