// NAME
//	syslog_line 3
// SUMMARY
//	syslog header parser (RFC 3164, RFC 3339, short-iso, Exim main log)
// DESCRIPTION
//	Hand-written scanning over string_view: this runs once per input line
//	and must stay far below a microsecond.
#include "report/syslog_line.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

// Splits `rest` = `host tag[pid]: message` (host optional = false when the
// form has no host).
bool split_host_tag(std::string_view rest, bool with_host, LogLine& out) {
    if (with_host) {
        const size_t space = rest.find(' ');
        if (space == std::string_view::npos || space == 0)
            return false;
        out.host = rest.substr(0, space);
        rest.remove_prefix(space + 1);
    }
    // The tag: up to '[' or ':' with no space inside.
    size_t i = 0;
    while (i < rest.size() && rest[i] != '[' && rest[i] != ':' && rest[i] != ' ')
        ++i;
    if (i == rest.size() || rest[i] == ' ' || i == 0) {
        // A line without a tag (`-- MARK --`): keep it, program empty.
        out.program = {};
        out.message = rest;
        return true;
    }
    out.program = rest.substr(0, i);
    if (rest[i] == '[') {
        const size_t close = rest.find(']', i);
        if (close == std::string_view::npos)
            return false;
        out.pid = rest.substr(i + 1, close - i - 1);
        i = close + 1;
        if (i >= rest.size() || rest[i] != ':')
            return false;
    }
    ++i;  // ':'
    if (i < rest.size() && rest[i] == ' ')
        ++i;
    out.message = rest.substr(i);
    // Solaris syslogd's message id: `[ID 801593 mail.notice] `.
    if (out.message.starts_with("[ID ")) {
        const size_t close = out.message.find("] ");
        if (close != std::string_view::npos)
            out.message.remove_prefix(close + 2);
    }
    return true;
}

}  // namespace

std::optional<UnixTime> parse_rfc3339_prefix(std::string_view text, size_t& length) {
    CivilTime civil;
    if (text.size() < 20 || text[10] != 'T' || !parse_ymd(text, civil) ||
        !parse_hms(text.substr(11), civil)) {
        return std::nullopt;
    }
    size_t pos = 19;
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        const size_t digits_start = pos;
        while (pos < text.size() && is_digit(text[pos]))
            ++pos;
        if (pos == digits_start)
            return std::nullopt;
    }
    size_t end = pos;
    while (end < text.size() && text[end] != ' ')
        ++end;
    const auto offset = parse_offset(text.substr(pos, end - pos));
    if (!offset)
        return std::nullopt;
    length = end;
    return unix_from_civil(civil) - *offset;
}

std::optional<UnixTime> parse_exim_prefix(std::string_view text, const LocalZone& zone,
                                          size_t& length, std::string_view* pid) {
    CivilTime civil;
    if (text.size() < 20 || text[10] != ' ' || !parse_ymd(text, civil) ||
        !parse_hms(text.substr(11), civil)) {
        return std::nullopt;
    }
    size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && is_digit(text[pos]))
            ++pos;
    }
    if (pos >= text.size() || text[pos] != ' ')
        return std::nullopt;
    ++pos;
    std::optional<std::int32_t> offset;
    // log_timezone: ` +0100 `.
    if (pos + 5 < text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 5] == ' ') {
        offset = parse_offset(text.substr(pos, 5));
        if (offset)
            pos += 6;
    }
    // log_selector +pid: `[1234] `.
    if (pos < text.size() && text[pos] == '[') {
        const size_t close = text.find(']', pos);
        if (close != std::string_view::npos && close + 1 < text.size() && text[close + 1] == ' ') {
            bool digits = close > pos + 1;
            for (size_t k = pos + 1; k < close; ++k)
                digits = digits && is_digit(text[k]);
            if (digits) {
                if (pid)
                    *pid = text.substr(pos + 1, close - pos - 1);
                pos = close + 2;
            }
        }
    }
    length = pos;
    return offset ? unix_from_civil(civil) - *offset : zone.to_unix(civil);
}

std::optional<LogLine> SyslogParser::parse(std::string_view line) {
    LogLine out;
    if (!parse(line, out))
        return std::nullopt;
    return out;
}

bool SyslogParser::parse(std::string_view line, LogLine& out) {
    out = LogLine{};
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    if (line.size() < 16)
        return false;
    if (is_digit(line[0])) {
        if (line.size() > 10 && line[10] == 'T')
            return parse_3339(line, out);
        if (line.size() > 10 && line[10] == ' ')
            return parse_exim(line, out);
        return false;
    }
    return parse_3164(line, out);
}

bool SyslogParser::parse_3164(std::string_view line, LogLine& out) {
    // "Nov 25 04:31:14 ", "Nov  5 04:31:14 ", "Nov 05 04:31:14.123456 ",
    // and the unpadded day some syslog daemons write: "Mar 7 02:09:33 "
    if (line.size() < 16 || line[3] != ' ')
        return false;
    const size_t time_at = is_digit(line[4]) && line[5] == ' ' ? 6 : 7;
    size_t host_at = time_at + 8;
    if (host_at < line.size() && line[host_at] == '.') {
        ++host_at;
        while (host_at < line.size() && is_digit(line[host_at]))
            ++host_at;
    }
    if (host_at >= line.size() || line[host_at] != ' ')
        return false;
    const std::string_view stamp = line.substr(0, host_at);
    std::string_view rest = line.substr(host_at + 1);
    // BSD syslogd's `<facility.priority>` before the host.
    if (rest.starts_with('<')) {
        const size_t close = rest.find("> ");
        if (close != std::string_view::npos &&
            rest.substr(1, close).find(' ') == std::string_view::npos)
            rest.remove_prefix(close + 2);
    }
    out.form = LineForm::rfc3164;
    // year_for() is still asked, so that the year guess sees every line.
    if (stamp == last_3164_.text && years_.year_for(last_3164_.civil) == last_3164_.civil.year) {
        out.time = last_3164_.time;
        return split_host_tag(rest, true, out);
    }
    CivilTime civil;
    civil.month = month_from_abbrev(line.substr(0, 3));
    if (civil.month == 0)
        return false;
    const char d1 = line[4];
    const char d2 = line[5];
    if (time_at == 6) {
        civil.day = static_cast<unsigned>(d1 - '0');
    } else if (is_digit(d2) && (d1 == ' ' || is_digit(d1))) {
        civil.day = (d1 == ' ' ? 0u : static_cast<unsigned>(d1 - '0') * 10) +
                    static_cast<unsigned>(d2 - '0');
    } else {
        return false;
    }
    if (line[time_at - 1] != ' ' || !parse_hms(line.substr(time_at, 8), civil))
        return false;
    civil.year = years_.year_for(civil);
    if (!valid_civil(civil))
        return false;
    out.time = zone_.to_unix(civil);
    last_3164_ = {std::string(stamp), civil, out.time};
    return split_host_tag(rest, true, out);
}

bool SyslogParser::parse_3339(std::string_view line, LogLine& out) {
    size_t length = 0;
    const auto time = parse_rfc3339_prefix(line, length);
    if (!time || length + 1 >= line.size())
        return false;
    out.form = LineForm::rfc3339;
    out.time = *time;
    return split_host_tag(line.substr(length + 1), true, out);
}

bool SyslogParser::parse_exim(std::string_view line, LogLine& out) {
    size_t length = 0;
    const auto time = parse_exim_prefix(line, zone_, length, &out.pid);
    if (!time)
        return false;
    out.form = LineForm::exim_mainlog;
    out.time = *time;
    out.program = "exim";
    out.message = line.substr(length);
    return true;
}

}  // namespace milter503::report
