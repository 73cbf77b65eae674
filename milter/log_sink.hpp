// NAME
//	log_sink 3h
// SUMMARY
//	where milter503's lines go: syslog, stderr or a file, never blocking
// SYNOPSIS
//	#include "milter/log_sink.hpp"
// DESCRIPTION
//	LogSink is the seam the service writes to. make_boost_log_sink()
//	builds the real one on Boost.Log with an asynchronous frontend: the
//	MTA's callback thread only queues the line; a feeding thread does the
//	syslog(3) or write(2). The queue is bounded: when syslog is stuck for
//	long, lines are dropped rather than memory growing or the MTA waiting.
//
//	stderr and file targets write syslog-like lines,
//	`2026-11-25T04:31:14.619131+00:00 HOST milter503[PID]: MESSAGE`, so
//	milter503-report reads them like any mail log.
#pragma once

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
    // Waits until queued lines are written.
    virtual void flush() {}
};

struct LogTarget {
    enum class Kind { syslog, stderr_stream, file } kind = Kind::syslog;
    std::string path;  // Kind::file
};

// "syslog", "stderr" or "file:PATH"; nullopt when not one of these.
std::optional<LogTarget> parse_log_target(std::string_view text);

// Throws std::runtime_error when the target cannot be opened.
std::unique_ptr<LogSink> make_boost_log_sink(const LogTarget& target, const std::string& facility);

}  // namespace milter503::milter
