// LeadRecord: a lead as held in memory while it is merged and rendered, and
// the lookup of template names in it (SPEC section 5): standard fields first,
// even when null, then customFields keys (also as customFields.key), dotted
// names walking nested objects.
#pragma once

#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "leadterra/lead.hpp"
#include "template/template.hpp"

namespace leadterra {

struct LeadRecord {
  std::int64_t seq = 0;
  std::string id;
  std::string email;
  std::optional<std::string> firstName;
  std::optional<std::string> lastName;
  std::optional<std::string> company;
  std::optional<std::string> jobTitle;
  nlohmann::json customFields = nlohmann::json::object();
  std::int64_t position = 0;
  LeadStatus status = LeadStatus::active;
  Timestamp createdAt{};
  Timestamp updatedAt{};
};

// The columns readLeadRecord expects, in order, for "SELECT " kLeadColumns " FROM leads ...".
#define LEADTERRA_LEAD_COLUMNS \
  "leads.seq, leads.id, leads.email, leads.first_name, leads.last_name, leads.company, leads.job_title, " \
  "leads.custom_fields, leads.position, leads.status, leads.created_at, leads.updated_at"

// Reads the LEADTERRA_LEAD_COLUMNS starting at column `first`.
[[nodiscard]] LeadRecord readLeadRecord(SQLite::Statement& s, int first = 0);

// The value a tag names in the lead; missing when nothing is there.
[[nodiscard]] detail::Value resolveLeadTag(const LeadRecord& lead, const detail::Tag& tag);

}  // namespace leadterra
