// NAME
//	timestamp 3
// SUMMARY
//	calendar arithmetic, local time, ISO 8601
// DESCRIPTION
//	days_from_civil() and its inverse follow Howard Hinnant's public
//	domain algorithms (era of 400 years, March-based years).
#include "report/timestamp.hpp"

#include <algorithm>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

bool read_number(std::string_view text, size_t pos, size_t len, unsigned& out) {
    if (pos + len > text.size())
        return false;
    unsigned value = 0;
    for (size_t i = pos; i < pos + len; ++i) {
        if (!is_digit(text[i]))
            return false;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    out = value;
    return true;
}

bool leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(int year, unsigned month) {
    static constexpr unsigned lengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && leap(year))
        return 29;
    return lengths[month - 1];
}

}  // namespace

std::int64_t days_from_civil(int year, unsigned month, unsigned day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilTime civil_from_unix(UnixTime t) {
    std::int64_t days = t / 86400;
    std::int64_t secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        --days;
    }
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    CivilTime civil;
    civil.day = doy - (153 * mp + 2) / 5 + 1;
    civil.month = mp < 10 ? mp + 3 : mp - 9;
    civil.year =
        static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (civil.month <= 2 ? 1 : 0));
    civil.hour = static_cast<unsigned>(secs / 3600);
    civil.minute = static_cast<unsigned>(secs % 3600 / 60);
    civil.second = static_cast<unsigned>(secs % 60);
    return civil;
}

bool valid_civil(const CivilTime& c) {
    return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= days_in_month(c.year, c.month) &&
           c.hour < 24 && c.minute < 60 && c.second <= 60;
}

UnixTime unix_from_civil(const CivilTime& c) {
    return days_from_civil(c.year, c.month, c.day) * 86400 + UnixTime{c.hour} * 3600 +
           UnixTime{c.minute} * 60 + c.second;
}

// By hand, not fmt::format: the text report writes one per evidence line,
// and a format string parsed each time was a tenth of the whole run.
void append_utc(std::string& out, UnixTime t) {
    const CivilTime c = civil_from_unix(t);
    if (c.year < 0 || c.year > 9999) {
        fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year,
                       c.month, c.day, c.hour, c.minute, c.second);
        return;
    }
    const size_t start = out.size();
    out += "0000-00-00T00:00:00Z";
    const auto put = [&out, start](size_t at, unsigned value, size_t width) {
        for (size_t i = width; i-- > 0; value /= 10)
            out[start + at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(c.year), 4);
    put(5, static_cast<unsigned>(c.month), 2);
    put(8, static_cast<unsigned>(c.day), 2);
    put(11, static_cast<unsigned>(c.hour), 2);
    put(14, static_cast<unsigned>(c.minute), 2);
    put(17, static_cast<unsigned>(c.second), 2);
}

std::string format_utc(UnixTime t) {
    std::string out;
    append_utc(out, t);
    return out;
}

std::string format_utc_hour(UnixTime t) {
    const CivilTime c = civil_from_unix(t);
    return fmt::format("{:04}-{:02}-{:02} {:02}:00", c.year, c.month, c.day, c.hour);
}

LocalZone LocalZone::fixed(std::int32_t offset_seconds) {
    LocalZone zone;
    zone.fixed_ = true;
    zone.offset_ = offset_seconds;
    return zone;
}

UnixTime LocalZone::to_unix(const CivilTime& civil) const {
    const UnixTime as_utc = unix_from_civil(civil);
    if (fixed_)
        return as_utc - offset_;
    const std::int64_t hour_key = as_utc / 3600;
    if (hour_key != cached_hour_key_) {
        std::tm tm{};
        tm.tm_year = civil.year - 1900;
        tm.tm_mon = static_cast<int>(civil.month) - 1;
        tm.tm_mday = static_cast<int>(civil.day);
        tm.tm_hour = static_cast<int>(civil.hour);
        tm.tm_isdst = -1;
        const std::time_t start = std::mktime(&tm);
        cached_hour_key_ = hour_key;
        cached_hour_start_ = start == static_cast<std::time_t>(-1) ? hour_key * 3600 : start;
    }
    return cached_hour_start_ + static_cast<UnixTime>(civil.minute) * 60 + civil.second;
}

CivilTime LocalZone::to_civil(UnixTime t) const {
    if (fixed_)
        return civil_from_unix(t + offset_);
    const auto seconds = static_cast<std::time_t>(t);
    std::tm tm{};
    if (localtime_r(&seconds, &tm) == nullptr)
        return civil_from_unix(t);
    CivilTime civil;
    civil.year = tm.tm_year + 1900;
    civil.month = static_cast<unsigned>(tm.tm_mon + 1);
    civil.day = static_cast<unsigned>(tm.tm_mday);
    civil.hour = static_cast<unsigned>(tm.tm_hour);
    civil.minute = static_cast<unsigned>(tm.tm_min);
    civil.second = static_cast<unsigned>(std::min(tm.tm_sec, 59));
    return civil;
}

unsigned month_from_abbrev(std::string_view name) {
    if (name.size() != 3)
        return 0;
    switch (name[0]) {
        case 'J':
            if (name == "Jan")
                return 1;
            if (name == "Jun")
                return 6;
            if (name == "Jul")
                return 7;
            return 0;
        case 'F':
            return name == "Feb" ? 2 : 0;
        case 'M':
            if (name == "Mar")
                return 3;
            if (name == "May")
                return 5;
            return 0;
        case 'A':
            if (name == "Apr")
                return 4;
            if (name == "Aug")
                return 8;
            return 0;
        case 'S':
            return name == "Sep" ? 9 : 0;
        case 'O':
            return name == "Oct" ? 10 : 0;
        case 'N':
            return name == "Nov" ? 11 : 0;
        case 'D':
            return name == "Dec" ? 12 : 0;
        default:
            return 0;
    }
}

int YearGuess::year_for(const CivilTime& stamp) {
    const unsigned month = stamp.month;
    if (last_month_ == 0) {
        current_ = fixed_ ? *fixed_ : latest_.year;
    } else if (last_month_ == 12 && month == 1) {
        ++current_;
    } else if (last_month_ == 1 && month == 12) {
        --current_;
    }
    last_month_ = month;
    if (!fixed_) {
        CivilTime dated = stamp;
        dated.year = current_;
        const auto& c = compared_;
        if (dated.year != c.year || dated.month != c.month || dated.day != c.day ||
            dated.hour != c.hour || dated.minute != c.minute || dated.second != c.second) {
            compared_ = dated;
            compared_later_ = unix_from_civil(dated) > latest_time_;
        }
        if (compared_later_)
            --current_;
    }
    return current_;
}

bool parse_hms(std::string_view text, CivilTime& civil) {
    if (text.size() < 8 || text[2] != ':' || text[5] != ':')
        return false;
    return read_number(text, 0, 2, civil.hour) && read_number(text, 3, 2, civil.minute) &&
           read_number(text, 6, 2, civil.second) && civil.hour < 24 && civil.minute < 60 &&
           civil.second <= 60;
}

bool parse_ymd(std::string_view text, CivilTime& civil) {
    if (text.size() < 10 || text[4] != '-' || text[7] != '-')
        return false;
    unsigned year = 0;
    if (!read_number(text, 0, 4, year) || !read_number(text, 5, 2, civil.month) ||
        !read_number(text, 8, 2, civil.day)) {
        return false;
    }
    civil.year = static_cast<int>(year);
    return civil.month >= 1 && civil.month <= 12 && civil.day >= 1 &&
           civil.day <= days_in_month(civil.year, civil.month);
}

std::optional<std::int32_t> parse_offset(std::string_view text) {
    if (text == "Z" || text == "z")
        return 0;
    if (text.size() < 3 || (text[0] != '+' && text[0] != '-'))
        return std::nullopt;
    unsigned hours = 0;
    unsigned minutes = 0;
    if (!read_number(text, 1, 2, hours))
        return std::nullopt;
    if (text.size() == 6 && text[3] == ':') {
        if (!read_number(text, 4, 2, minutes))
            return std::nullopt;
    } else if (text.size() == 5) {
        if (!read_number(text, 3, 2, minutes))
            return std::nullopt;
    } else if (text.size() != 3) {
        return std::nullopt;
    }
    if (hours > 23 || minutes > 59)
        return std::nullopt;
    const auto seconds = static_cast<std::int32_t>(hours * 3600 + minutes * 60);
    return text[0] == '-' ? -seconds : seconds;
}

std::optional<UnixTime> parse_time_arg(std::string_view text, const LocalZone& zone) {
    CivilTime civil;
    if (!parse_ymd(text, civil))
        return std::nullopt;
    std::string_view rest = text.substr(10);
    if (!rest.empty() && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' ')) {
        rest.remove_prefix(1);
        unsigned hour = 0;
        unsigned minute = 0;
        if (!read_number(rest, 0, 2, hour) || rest.size() < 5 || rest[2] != ':' ||
            !read_number(rest, 3, 2, minute) || hour > 23 || minute > 59) {
            return std::nullopt;
        }
        civil.hour = hour;
        civil.minute = minute;
        rest.remove_prefix(5);
        if (!rest.empty() && rest[0] == ':') {
            unsigned second = 0;
            if (!read_number(rest, 1, 2, second) || second > 60)
                return std::nullopt;
            civil.second = second;
            rest.remove_prefix(3);
            if (!rest.empty() && (rest[0] == '.' || rest[0] == ',')) {
                size_t digits = 1;
                while (digits < rest.size() && is_digit(rest[digits]))
                    ++digits;
                if (digits == 1)
                    return std::nullopt;
                rest.remove_prefix(digits);
            }
        }
    }
    if (rest.empty())
        return zone.to_unix(civil);
    const auto offset = parse_offset(rest);
    if (!offset)
        return std::nullopt;
    return unix_from_civil(civil) - *offset;
}

}  // namespace milter503::report
