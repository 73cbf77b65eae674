// NAME
//	syslog_line 3h
// SUMMARY
//	split a mail log line into time, host, program, pid and message
// SYNOPSIS
//	#include "report/syslog_line.hpp"
// DESCRIPTION
//	Recognised forms (the message is everything after `: `):
//
//	RFC 3164 (rsyslog's traditional format, BSD syslogd):
//	  `Nov 25 04:31:14 mx postfix/smtpd[2345]: connect from ...`
//	  (day padded with a space or a zero, or not at all: `Mar 7`; optional
//	  fractions as Postfix's maillog_file may write); local time, no year:
//	  the year comes from YearGuess. BSD syslogd's `<mail.notice>` before
//	  the host and Solaris' `[ID 801593 mail.notice]` before the message
//	  are skipped.
//	RFC 3339 (rsyslog's default on Debian 12), with or without fractions:
//	  `2026-11-25T04:31:14.619131+00:00 mx postfix/smtpd[2345]: ...`
//	journald short-iso and short-iso-precise:
//	  `2026-11-25T04:31:14+0000 mx postfix/smtpd[2345]: ...`
//	Exim's own main log (no host, no program; local time; optionally
//	fractions, an offset and `[pid]` per log_selector):
//	  `2026-11-25 04:31:14 H=(outlook.test) [127.0.0.5] F=<...> ...`
//	  These come back with program "exim" and an empty host.
//
//	The program is the tag up to `[` or `:`; the pid is optional. Nothing
//	is copied: the views point into the caller's line. A line in none of
//	these forms yields nullopt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "report/timestamp.hpp"

namespace milter503::report {

enum class LineForm { rfc3164, rfc3339, exim_mainlog };

struct LogLine {
    UnixTime time = 0;
    LineForm form = LineForm::rfc3164;
    std::string_view host;
    std::string_view program;
    std::string_view pid;  // digits, may be empty
    std::string_view message;
};

// Parses RFC 3339 / short-iso timestamps: `YYYY-MM-DDTHH:MM:SS[.frac]OFFSET`
// at the start of `text`; sets `length` to the characters consumed.
std::optional<UnixTime> parse_rfc3339_prefix(std::string_view text, size_t& length);

// Exim's `YYYY-MM-DD HH:MM:SS[.mmm][ +ZZZZ]` at the start of `text`, and a
// following `[pid]` if present (then set in `pid`); `length` is set past
// them and the space.
std::optional<UnixTime> parse_exim_prefix(std::string_view text, const LocalZone& zone,
                                          size_t& length, std::string_view* pid = nullptr);

class SyslogParser {
  public:
    SyslogParser(const LocalZone& zone, YearGuess years) : zone_(zone), years_(years) {}

    std::optional<LogLine> parse(std::string_view line);
    // The same into `out` (the analyzer's per-line call: no copy of the
    // header); false and `out` undefined when the line has no header.
    bool parse(std::string_view line, LogLine& out);

  private:
    bool parse_3164(std::string_view line, LogLine& out);
    bool parse_3339(std::string_view line, LogLine& out);
    bool parse_exim(std::string_view line, LogLine& out);

    const LocalZone& zone_;
    YearGuess years_;
    // The last RFC 3164 stamp read: the lines of one second share it, and
    // its conversion (year guess, time zone) was a tenth of the report.
    struct Stamp {
        std::string text;
        CivilTime civil;
        UnixTime time = 0;
    } last_3164_;
};

}  // namespace milter503::report
