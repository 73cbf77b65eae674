// NAME
//	timestamp 3h
// SUMMARY
//	calendar arithmetic, local time, ISO 8601 for milter503-report
// SYNOPSIS
//	#include "report/timestamp.hpp"
// DESCRIPTION
//	The report keeps every time as whole seconds since the Unix epoch,
//	UTC (UnixTime). Log lines carry three kinds of time: with an offset
//	(RFC 3339, journald short-iso), without one (RFC 3164, Exim's main
//	log: the host's local time), and without a year (RFC 3164).
//
//	days_from_civil()/civil_from_days() are the proleptic Gregorian
//	calendar without libc. LocalZone turns a local civil time into
//	UnixTime, either through the TZ rules of the process (mktime, cached
//	per hour, so a log costs one mktime per hour it covers) or with a
//	fixed offset. YearGuess supplies the missing year of RFC 3164 lines.
//
//	parse_time_arg() reads --since/--until: `2026-11-25`,
//	`2026-11-25T04:31`, `2026-11-25T04:31:14`, `2026-11-25 04:31:14`,
//	each optionally followed by `Z`, `+01:00`, `+0100` or `-05`; without
//	an offset the time is local. format_utc() writes
//	`2026-11-25T04:31:14Z`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace milter503::report {

using UnixTime = std::int64_t;

// `later - earlier`, and `base + difference`, modulo 2^64: whatever two
// times an odd log holds, no signed overflow, and the one undoes the
// other exactly (what is kept as a difference from another time).
inline std::int64_t time_difference(UnixTime later, UnixTime earlier) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(later) -
                                     static_cast<std::uint64_t>(earlier));
}
inline UnixTime time_plus(UnixTime base, std::int64_t difference) {
    return static_cast<UnixTime>(static_cast<std::uint64_t>(base) +
                                 static_cast<std::uint64_t>(difference));
}

struct CivilTime {
    int year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
    unsigned hour = 0;
    unsigned minute = 0;
    unsigned second = 0;
};

std::int64_t days_from_civil(int year, unsigned month, unsigned day);
CivilTime civil_from_unix(UnixTime t);
// Field ranges are checked (day against the month's length, leap years).
bool valid_civil(const CivilTime& civil);
// As if `civil` were UTC.
UnixTime unix_from_civil(const CivilTime& civil);

// "2026-11-25T04:31:14Z"
std::string format_utc(UnixTime t);
void append_utc(std::string& out, UnixTime t);
// "2026-11-25T04:00Z" style used for hour buckets: "2026-11-25 04:00"
std::string format_utc_hour(UnixTime t);

class LocalZone {
  public:
    // The TZ rules of the process.
    LocalZone() = default;
    // A fixed offset east of UTC, in seconds (tests, --utc style use).
    static LocalZone fixed(std::int32_t offset_seconds);

    UnixTime to_unix(const CivilTime& civil) const;
    // The local civil time of `t`.
    CivilTime to_civil(UnixTime t) const;

  private:
    bool fixed_ = false;
    std::int32_t offset_ = 0;
    // Cache: the local hour last converted and its UnixTime.
    mutable std::int64_t cached_hour_key_ = -1;
    mutable UnixTime cached_hour_start_ = 0;
};

// Month number 1..12 for "Jan".."Dec" (exact case), 0 otherwise.
unsigned month_from_abbrev(std::string_view name);

// Supplies the year of RFC 3164 lines of one input stream. With `year`
// (--year) the first line gets it. Otherwise `latest` is the newest local
// time a line of the stream can have (its file's modification time, or
// now for standard input), and no line is put after it: the first line
// gets latest's year, or the year before when its date and time lie after
// latest (late-December lines read on 1 December, or in January). Later
// lines follow the months: December then January moves to the next year,
// January then December (lines slightly out of order at midnight) back;
// and again a line that would lie after `latest` goes a year back.
class YearGuess {
  public:
    YearGuess(std::optional<int> year, const CivilTime& latest)
        : fixed_(year), latest_(latest), latest_time_(unix_from_civil(latest)) {}
    // The year of a stamp without one (only its month, day and time count).
    int year_for(const CivilTime& stamp);

  private:
    std::optional<int> fixed_;
    CivilTime latest_;
    UnixTime latest_time_;
    int current_ = 0;
    unsigned last_month_ = 0;  // 0: no line yet
    // The last stamp (with the year tried) compared with latest_, and the
    // outcome: a log's lines share their second by the dozen.
    CivilTime compared_{0, 0, 0, 0, 0, 0};
    bool compared_later_ = false;
};

// --since/--until argument; nullopt when not ISO 8601 as described above.
std::optional<UnixTime> parse_time_arg(std::string_view text, const LocalZone& zone);

// Parses `HH:MM:SS` at `text` (exactly 8 chars). False when malformed.
bool parse_hms(std::string_view text, CivilTime& civil);
// Parses `YYYY-MM-DD` (exactly 10 chars). False when malformed.
bool parse_ymd(std::string_view text, CivilTime& civil);
// Parses an offset `Z`, `+HH:MM`, `+HHMM` or `+HH` that makes up all of
// `text`. Returns seconds east of UTC.
std::optional<std::int32_t> parse_offset(std::string_view text);

}  // namespace milter503::report
