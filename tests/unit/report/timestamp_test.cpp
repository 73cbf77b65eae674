// NAME
//	timestamp_test - calendar arithmetic, offsets, --since/--until, year guess
#include "report/timestamp.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

TEST(Timestamp, DaysFromCivilAndBack) {
    EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
    EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
    EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
    for (const UnixTime t : {UnixTime{0}, UnixTime{951782400}, UnixTime{1795667474},
                             UnixTime{-86401}, UnixTime{4102444799}}) {
        EXPECT_EQ(unix_from_civil(civil_from_unix(t)), t) << t;
    }
    const CivilTime c = civil_from_unix(1795667474);  // 2026-11-26T04:31:14Z
    EXPECT_EQ(c.year, 2026);
    EXPECT_EQ(c.month, 11u);
    EXPECT_EQ(c.day, 26u);
    EXPECT_EQ(c.hour, 4u);
    EXPECT_EQ(format_utc(1795667474), "2026-11-26T04:31:14Z");
    EXPECT_EQ(format_utc_hour(1795667474), "2026-11-26 04:00");
}

TEST(Timestamp, FormatUtcPadsEveryField) {
    EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(951782400 + 9 * 3600 + 8 * 60 + 7), "2000-02-29T09:08:07Z");
    EXPECT_EQ(format_utc(253402300799), "9999-12-31T23:59:59Z");
    EXPECT_EQ(format_utc(253402300800), "10000-01-01T00:00:00Z");
    EXPECT_EQ(format_utc(-86400), "1969-12-31T00:00:00Z");
}

TEST(Timestamp, ValidCivilChecksMonthLengthAndLeapYears) {
    EXPECT_TRUE(valid_civil(CivilTime{2024, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(valid_civil(CivilTime{2026, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(valid_civil(CivilTime{1900, 2, 29, 0, 0, 0}));
    EXPECT_TRUE(valid_civil(CivilTime{2000, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(valid_civil(CivilTime{2026, 4, 31, 0, 0, 0}));
    EXPECT_FALSE(valid_civil(CivilTime{2026, 13, 1, 0, 0, 0}));
    EXPECT_FALSE(valid_civil(CivilTime{2026, 1, 1, 24, 0, 0}));
}

TEST(Timestamp, Offsets) {
    EXPECT_EQ(parse_offset("Z"), 0);
    EXPECT_EQ(parse_offset("+00:00"), 0);
    EXPECT_EQ(parse_offset("+0100"), 3600);
    EXPECT_EQ(parse_offset("-05"), -5 * 3600);
    EXPECT_EQ(parse_offset("+05:30"), 5 * 3600 + 1800);
    EXPECT_FALSE(parse_offset(""));
    EXPECT_FALSE(parse_offset("+1"));
    EXPECT_FALSE(parse_offset("+25:00"));
    EXPECT_FALSE(parse_offset("+01:60"));
    EXPECT_FALSE(parse_offset("0100"));
}

TEST(Timestamp, MonthAbbreviations) {
    const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (unsigned i = 0; i < 12; ++i)
        EXPECT_EQ(month_from_abbrev(names[i]), i + 1);
    EXPECT_EQ(month_from_abbrev("nov"), 0u);
    EXPECT_EQ(month_from_abbrev("Novem"), 0u);
    EXPECT_EQ(month_from_abbrev(""), 0u);
}

TEST(Timestamp, TimeArguments) {
    const LocalZone utc = LocalZone::fixed(0);
    const LocalZone cet = LocalZone::fixed(3600);
    const UnixTime midnight = unix_from_civil(CivilTime{2026, 11, 25, 0, 0, 0});
    EXPECT_EQ(parse_time_arg("2026-11-25", utc), midnight);
    EXPECT_EQ(parse_time_arg("2026-11-25", cet), midnight - 3600);         // local midnight
    EXPECT_EQ(parse_time_arg("2026-11-25T04:31", utc), midnight + 16260);  // 04:31
    EXPECT_EQ(parse_time_arg("2026-11-25 04:31:14", utc), midnight + 16274);
    EXPECT_EQ(parse_time_arg("2026-11-25T04:31:14.5Z", cet), midnight + 16274);
    EXPECT_EQ(parse_time_arg("2026-11-25T05:31:14+01:00", utc), midnight + 16274);
    EXPECT_FALSE(parse_time_arg("yesterday", utc));
    EXPECT_FALSE(parse_time_arg("2026-11-25T4:31", utc));
    EXPECT_FALSE(parse_time_arg("2026-02-30", utc));
    EXPECT_FALSE(parse_time_arg("2026-11-25T04:31:14 junk", utc));
}

TEST(Timestamp, LocalZoneFixedOffset) {
    const LocalZone zone = LocalZone::fixed(-5 * 3600);
    EXPECT_EQ(zone.to_unix(CivilTime{2026, 11, 25, 23, 0, 0}),
              unix_from_civil(CivilTime{2026, 11, 26, 4, 0, 0}));
}

TEST(Timestamp, YearGuessFollowsTheMonths) {
    const CivilTime latest{2027, 1, 3, 0, 0, 0};
    YearGuess guess(std::nullopt, latest);
    EXPECT_EQ(guess.year_for(CivilTime{0, 12, 31, 12, 0, 0}), 2026);  // December read in January
    EXPECT_EQ(guess.year_for(CivilTime{0, 12, 31, 12, 0, 1}), 2026);
    EXPECT_EQ(guess.year_for(CivilTime{0, 1, 1, 0, 0, 0}), 2027);       // across New Year
    EXPECT_EQ(guess.year_for(CivilTime{0, 12, 31, 23, 59, 59}), 2026);  // out of order at midnight
    YearGuess fixed(2020, latest);
    EXPECT_EQ(fixed.year_for(CivilTime{0, 11, 1, 0, 0, 0}), 2020);
    YearGuess same(std::nullopt, CivilTime{2026, 11, 26, 10, 0, 0});
    EXPECT_EQ(same.year_for(CivilTime{0, 11, 26, 9, 59, 59}), 2026);
}

TEST(Timestamp, YearGuessPutsNoLineInTheFuture) {
    // Issue 9: late-December lines of a file last written on 1 December
    // are last year's, though December is this month.
    YearGuess first_of_december(std::nullopt, CivilTime{2026, 12, 1, 6, 25, 0});
    EXPECT_EQ(first_of_december.year_for(CivilTime{0, 12, 24, 10, 0, 0}), 2025);
    EXPECT_EQ(first_of_december.year_for(CivilTime{0, 12, 31, 23, 0, 0}), 2025);
    EXPECT_EQ(first_of_december.year_for(CivilTime{0, 1, 2, 0, 0, 0}), 2026);
    YearGuess same_morning(std::nullopt, CivilTime{2026, 12, 1, 6, 25, 0});
    EXPECT_EQ(same_morning.year_for(CivilTime{0, 12, 1, 6, 24, 0}), 2026);
    // Later lines too: one past `latest` goes a year back.
    YearGuess november(std::nullopt, CivilTime{2026, 11, 26, 0, 0, 0});
    EXPECT_EQ(november.year_for(CivilTime{0, 2, 21, 9, 21, 54}), 2026);
    EXPECT_EQ(november.year_for(CivilTime{0, 12, 25, 2, 35, 54}), 2025);
}

}  // namespace
}  // namespace milter503::report
