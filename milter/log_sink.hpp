// NAME
//	log_sink 3h
// SUMMARY
//	where milter503's lines go: syslog, stderr or a file, never blocking
// SYNOPSIS
//	#include "milter/log_sink.hpp"
// DESCRIPTION
//	LogSink is the seam the service writes to. make_async_sink() puts a
//	bounded queue and one writer thread in front of a LineWriter, which
//	may block (syslog(3) does while syslogd is stuck): the MTA's callback
//	thread only queues the line.
//
//	The queue is bounded in lines and in bytes: a stuck log target with
//	long lines must not grow memory without end. A line that does not fit
//	is dropped and counted; once the queue has drained, the writer writes
//	one `log-dropped: lines=N bytes=M` line. flush_for() waits a bounded
//	time, so that a stop does not hang on a stuck target; what is still
//	queued then is lost, and unwritten() says how much.
//
//	stderr and file targets write syslog-like lines,
//	`2026-11-25T04:31:14.619131+00:00 HOST milter503[PID]: MESSAGE`, so
//	milter503-report reads them like any mail log.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace milter503::milter {

enum class Severity { debug, info, warning, error };

class LogSink {
  public:
    virtual ~LogSink() = default;
    virtual void write(Severity severity, std::string_view line) = 0;
    // write(), but waits for room until `deadline` before dropping the
    // line, and fills at most half the queue: for bursts off the MTA's
    // path (a summary of 100000 clients is more than the queue holds)
    // that must not crowd out findings meanwhile.
    virtual void write_by(Severity severity, std::string_view line,
                          std::chrono::steady_clock::time_point /*deadline*/) {
        write(severity, line);
    }
    // Waits until every queued line is written, at most `limit`; false
    // when lines were still queued (the log target is stuck).
    virtual bool flush_for(std::chrono::milliseconds /*limit*/) { return true; }
    // Lines dropped because the queue was full, and lines queued but not
    // yet written: what a stop now would lose.
    virtual uint64_t dropped() const { return 0; }
    virtual uint64_t unwritten() const { return 0; }
};

// Writes one line and returns when it is written; may block.
class LineWriter {
  public:
    virtual ~LineWriter() = default;
    virtual void write(Severity severity, std::string_view line) = 0;
};

struct QueueLimits {
    size_t max_lines = 65536;
    size_t max_bytes = size_t{4} * 1024 * 1024;  // the lines and their bookkeeping
};

std::unique_ptr<LogSink> make_async_sink(std::unique_ptr<LineWriter> writer, QueueLimits limits);

struct LogTarget {
    enum class Kind { syslog, stderr_stream, file } kind = Kind::syslog;
    std::string path;  // Kind::file
};

// "syslog", "stderr" or "file:PATH"; nullopt when not one of these.
std::optional<LogTarget> parse_log_target(std::string_view text);

// syslog(3) under ident milter503 with LOG_PID and `facility` (mail,
// daemon, user, local0-local7), or syslog-like lines on stderr or
// appended to a file. Throws std::runtime_error when the file cannot be
// opened.
std::unique_ptr<LineWriter> make_line_writer(const LogTarget& target, const std::string& facility);

}  // namespace milter503::milter
