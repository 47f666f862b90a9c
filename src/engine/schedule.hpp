// Send windows and calendar days in a campaign's time zone
// (docs/send-windows.md), with the system's IANA time zone database through
// Howard Hinnant's date/tz.
#pragma once

#include <string>

#include "leadterra/campaign.hpp"

namespace leadterra::detail {

// Throws Error(invalid_argument) for an unknown time zone, hours out of
// range, a window without days, or a cap below 1. A zone other than "UTC"
// on a system without a time zone database is Error(storage_error), here and
// in the functions below.
void validateSchedule(const CampaignSchedule& schedule);

// The first moment at or after `t` at which the campaign may send: `t`
// itself when no window is set or the window is open. Local times that a
// daylight-saving change skips open at the change; repeated ones open at
// their first occurrence.
[[nodiscard]] Timestamp nextOpen(const CampaignSchedule& schedule, Timestamp t);

[[nodiscard]] inline bool isOpen(const CampaignSchedule& schedule, Timestamp t) {
  return nextOpen(schedule, t) == t;
}

// The calendar day of `t` in the schedule's time zone, "YYYY-MM-DD".
[[nodiscard]] std::string localDay(const CampaignSchedule& schedule, Timestamp t);

}  // namespace leadterra::detail
