#include "engine/schedule.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <optional>

#include "leadterra/error.hpp"

namespace leadterra::detail {

namespace {

// A campaign's time zone. "UTC", the default, needs no rules and so no time
// zone database: it is handled without one. Every other name is looked up in
// the system's IANA database (tzdata) through date/tz.
class Zone {
 public:
  explicit Zone(const std::string& name) : tz_(name == "UTC" ? nullptr : locate(name)) {}

  [[nodiscard]] date::local_seconds toLocal(Timestamp t) const {
    return tz_ != nullptr ? tz_->to_local(t) : date::local_seconds{t.time_since_epoch()};
  }
  // Local times that a change skips or repeats resolve to the earliest instant.
  [[nodiscard]] Timestamp toSys(date::local_seconds local) const {
    return tz_ != nullptr ? tz_->to_sys(local, date::choose::earliest) : Timestamp{local.time_since_epoch()};
  }

 private:
  static const date::time_zone* locate(const std::string& name) {
    try {
      return date::locate_zone(name);
    } catch (const std::exception&) {
      // Below: an unknown name, or no database to look it up in.
    }
    bool haveDatabase = false;
    try {
      haveDatabase = !date::get_tzdb().zones.empty();
    } catch (const std::exception&) {
      // The database directory is missing.
    }
    if (!haveDatabase) {
      // The machine's fault, not the caller's: the same call succeeds once
      // the database is installed.
      throw Error(ErrorCode::storage_error,
                  fmt::format("time zone '{}' cannot be looked up: the system's time zone database "
                              "(/usr/share/zoneinfo) is missing or empty; install the tzdata package. "
                              "Only 'UTC' works without it",
                              name));
    }
    throw Error(ErrorCode::invalid_argument, fmt::format("unknown time zone '{}'", name));
  }

  const date::time_zone* tz_;  // nullptr: UTC
};

// Monday = 0 .. Sunday = 6, as SendWindow::days.
unsigned dayIndex(date::local_days day) { return (date::weekday(day).c_encoding() + 6) % 7; }

}  // namespace

void validateSchedule(const CampaignSchedule& schedule) {
  (void)Zone(schedule.timeZone);
  if (schedule.dailyCap && *schedule.dailyCap < 1) {
    throw Error(ErrorCode::invalid_argument, "dailyCap must be at least 1");
  }
  if (const auto& w = schedule.sendWindow) {
    if (w->startHour < 0 || w->startHour > 23 || w->endHour < 0 || w->endHour > 24) {
      throw Error(ErrorCode::invalid_argument, "a send window's startHour must be 0-23 and endHour 0-24");
    }
    bool any = false;
    for (bool d : w->days) any |= d;
    if (!any) throw Error(ErrorCode::invalid_argument, "a send window needs at least one day");
  }
}

Timestamp nextOpen(const CampaignSchedule& schedule, Timestamp t) {
  if (!schedule.sendWindow) return t;
  const SendWindow& w = *schedule.sendWindow;
  const Zone zone(schedule.timeZone);
  const date::local_days today = date::floor<date::days>(zone.toLocal(t));
  // Windows of different days never overlap, so the first window (in day
  // order, starting with yesterday's, which may run past midnight) that ends
  // after t either holds t or is the next opening.
  for (int k = -1; k <= 8; ++k) {
    const date::local_days day = today + date::days{k};
    if (!w.days[dayIndex(day)]) continue;
    const date::local_seconds openLocal = day + std::chrono::hours{w.startHour};
    const date::local_seconds closeLocal =
        (w.endHour > w.startHour ? day : day + date::days{1}) + std::chrono::hours{w.endHour};
    const Timestamp open = zone.toSys(openLocal);
    const Timestamp close = zone.toSys(closeLocal);
    if (t < open) return open;
    if (t < close) return t;
  }
  return t;  // unreachable with at least one day set (validated)
}

std::string localDay(const CampaignSchedule& schedule, Timestamp t) {
  const date::year_month_day ymd{date::floor<date::days>(Zone(schedule.timeZone).toLocal(t))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

}  // namespace leadterra::detail
