// NAME
//	analyzer 3h
// SUMMARY
//	read log lines, dispatch them to the parsers, build the Report
// SYNOPSIS
//	#include "report/analyzer.hpp"
// DESCRIPTION
//	For every line: the syslog header (syslog_line), the --since/--until
//	window, then by program: postfix/*smtpd, sm-mta/sendmail, exim/exim4
//	(or Exim's own main log), milter503. Events go to the Joiner, whose
//	finished sessions go to the Aggregator. Every line is counted as
//	used, ignored, malformed or outside the period; none stops the run.
//
//	Each input stream gets its own SyslogParser (its own YearGuess).
//	order_inputs() sorts files by the time of their first line, so a
//	rotated set (mail.log, mail.log.1, mail.log.2.gz) given in any order
//	is read oldest first and a session that spans a rotation stays whole.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/aggregate.hpp"
#include "report/input.hpp"
#include "report/joiner.hpp"
#include "report/report_model.hpp"
#include "report/syslog_line.hpp"
#include "report/timestamp.hpp"

namespace milter503::report {

struct AnalyzerOptions {
    std::optional<int> year;  // of RFC 3164 lines (--year)
    CivilTime now;            // for the year guess; the local date of today
    Filters filters;
    JoinerLimits limits;
};

class Analyzer {
public:
    Analyzer(AnalyzerOptions options, const LocalZone& zone);
    ~Analyzer();

    // A parser for one new input stream.
    SyslogParser stream_parser() const;

    // Reads `source` to its end.
    void read(LineSource& source);
    void add_line(std::string_view line, SyslogParser& parser);
    // Records a file that could not be opened.
    void add_unreadable(const std::string& name, const std::string& error);

    // Ends every session and builds the report. Call once.
    Report finish();

    size_t held_sessions() const { return joiner_.held_sessions(); }

private:
    AnalyzerOptions options_;
    const LocalZone& zone_;
    Aggregator aggregator_;
    Joiner joiner_;
    InputReport input_;
    bool has_period_ = false;
    UnixTime first_ = 0;
    UnixTime last_ = 0;
};

// Time of the first line of `path` that has a syslog header (looking at
// most at 1000 lines); nullopt for "-" and unreadable or headerless files.
std::optional<UnixTime> first_line_time(const std::string& path, const AnalyzerOptions& options,
                                        const LocalZone& zone);

// Files with a first-line time, oldest first; then the others (and "-")
// in the order given.
std::vector<std::string> order_inputs(const std::vector<std::string>& paths,
                                      const AnalyzerOptions& options, const LocalZone& zone);

}  // namespace milter503::report
