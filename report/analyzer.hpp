// NAME
//	analyzer 3h
// SUMMARY
//	read log lines, dispatch them to the parsers, build the Report
// SYNOPSIS
//	#include "report/analyzer.hpp"
// DESCRIPTION
//	For every line: the syslog header (syslog_line), the --since/--until
//	window, then the log source that reads its program (log_source.hpp:
//	Postfix smtpd, postscreen and cleanup, Sendmail, Exim or its own main
//	log, milter503). Its events go to the Joiner, whose finished sessions
//	go to the Aggregator. Every line is counted as used, ignored,
//	malformed or outside the period; none stops the run.
//
//	Each input stream gets its own SyslogParser (its own YearGuess).
//	read_files() merges the files by line time, so that the milter's
//	file and the MTA's file (or the logs of several hosts) are read as
//	one stream and a finding meets its session while the joiner still
//	holds it. A file is opened only when the merge reaches the time of
//	its first line (order_inputs()), so a rotated set (mail.log,
//	mail.log.1, mail.log.2.gz) given in any order is read oldest first
//	with one file open at a time, and a session that spans a rotation
//	stays whole. Lines of the same second go in the order the files were
//	given; lines without a header are counted where they stand.
//
//	The events of the lines go to the joiner in batches (event_batch.hpp);
//	with `join_thread`, read() and read_files() replay them on a second
//	thread (join_thread.hpp) while the next lines are read. The joiner
//	hears the same events in the same order either way.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/aggregate.hpp"
#include "report/event_batch.hpp"
#include "report/input.hpp"
#include "report/joiner.hpp"
#include "report/report_model.hpp"
#include "report/server_alerts.hpp"
#include "report/syslog_line.hpp"
#include "report/timestamp.hpp"
#include "report/user_trace.hpp"

namespace milter503::report {

class JoinThread;

struct AnalyzerOptions {
    std::optional<int> year;  // of RFC 3164 lines (--year)
    // The newest local time a line of standard input can have (now): the
    // year guess puts no line after it; a file's own is its modification
    // time.
    CivilTime now;
    Filters filters;
    JoinerLimits limits;
    // The report's clients are made as the renderer reads them
    // (Report::client_source), not all at once: the Analyzer must then
    // outlive the Report. milter503-report's own run.
    bool clients_on_demand = false;
    // Join and count on a second thread while reading (join_thread.hpp):
    // milter503-report's own run on a machine of two cores or more.
    bool join_thread = false;
    // The text room of an event batch (event_batch.hpp).
    size_t batch_text_room = EventBatch::default_text_room;
};

class Analyzer {
  public:
    Analyzer(AnalyzerOptions options, const LocalZone& zone);
    ~Analyzer();

    // A parser for one new input stream, last modified at `modified` (a
    // file), or now.
    SyslogParser stream_parser(std::optional<UnixTime> modified = std::nullopt) const;

    // Reads `source` to its end.
    void read(LineSource& source);
    // Reads every path ("-": standard input), merged by time as above.
    // `on_error` hears of each file that could not be read to its end;
    // the others are still read.
    void read_files(
        const std::vector<std::string>& paths,
        const std::function<void(const std::string& path, const std::string& error)>& on_error);
    // One line; its events reach the joiner by finish() at the latest.
    void add_line(std::string_view line, SyslogParser& parser);
    // Records a file that could not be opened.
    void add_unreadable(const std::string& name, const std::string& error);

    // Ends every session and builds the report. Call once.
    Report finish();

    size_t held_sessions() const { return joiner_.held_sessions(); }

  private:
    struct Stream;
    class Dispatch;

    void dispatch(const LogLine& log);
    // The batch's events go to the joiner: replayed here, or queued for
    // the join thread.
    void hand_over();
    void start_join_thread();
    void stop_join_thread();
    // The next line of `stream` with a header; false at its end.
    bool advance(Stream& stream);
    void end_stream(Stream& stream);

    AnalyzerOptions options_;
    const LocalZone& zone_;
    Aggregator aggregator_;
    std::unique_ptr<UserTracer> tracer_;  // --user: between the joiner and the aggregator
    ServerAlerts alerts_;                 // first after the joiner
    Joiner joiner_;
    std::unique_ptr<Dispatch> dispatch_;
    EventBatch batch_;
    std::unique_ptr<JoinThread> join_thread_;  // while reading, with options_.join_thread
    InputReport input_;
    bool has_period_ = false;
    UnixTime first_ = 0;
    UnixTime last_ = 0;
};

// Time of the first line of `path` that has a syslog header (looking at
// most at 1000 lines); nullopt for "-" and unreadable or headerless files.
std::optional<UnixTime> first_line_time(const std::string& path, const AnalyzerOptions& options,
                                        const LocalZone& zone);

// A path and the time of its first line with a header, if known.
using TimedInput = std::pair<std::optional<UnixTime>, std::string>;

// Files without a known first-line time (standard input) first, in the
// order given; then the others, oldest first.
std::vector<TimedInput> order_inputs(const std::vector<std::string>& paths,
                                     const AnalyzerOptions& options, const LocalZone& zone);

}  // namespace milter503::report
