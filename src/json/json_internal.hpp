// The JSON adapter's values, for code inside the project (the CLI) that
// composes several results into one document without re-parsing text.
//
// Objects are nlohmann::ordered_json so keys come out in the documented
// order (the seed's keys first). Pure functions; call them from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/message.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/workspace.hpp"

namespace leadterra::detail {

using Json = nlohmann::ordered_json;

[[nodiscard]] Json toJsonValue(const BulkResult& result);
[[nodiscard]] Json toJsonValue(const Workspace& workspace);
[[nodiscard]] Json toJsonValue(const Step& step);
[[nodiscard]] Json toJsonValue(const Campaign& campaign);
[[nodiscard]] Json toJsonValue(const StartResult& start);
[[nodiscard]] Json toJsonValue(const Lead& lead);
[[nodiscard]] Json toJsonValue(const Message& message);
[[nodiscard]] Json toJsonValue(const SuppressionEntry& entry);
// {"added" | "removed", "leadsSuppressed", "messagesCancelled"}.
enum class SuppressionOp { add, remove };
[[nodiscard]] Json toJsonValue(const SuppressionResult& result, SuppressionOp op);

// A timestamp as its ISO-8601 string.
[[nodiscard]] Json timestampValue(Timestamp t);

// Text of `value`: compact (indent < 0) or indented. Never throws: bytes that
// are not UTF-8 (a rejected row's email as given) print as U+FFFD.
[[nodiscard]] std::string dump(const Json& value, int indent = -1);

}  // namespace leadterra::detail
