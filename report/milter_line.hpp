// NAME
//	milter_line 3h
// SUMMARY
//	milter503's own log lines, read back through policy/
// SYNOPSIS
//	#include "report/milter_line.hpp"
// DESCRIPTION
//	The milter writes two kinds of lines (program `milter503`):
//	  `QUEUEID|NOQUEUE: finding=... cause=... client=NAME[ADDR]:PORT ...`
//	  `summary: client=ADDR sessions=N ... advice="..."`
//	The format has one definition, in policy/finding.hpp,
//	policy/client_table.hpp and policy/log_format.hpp; this module only
//	tells the two apart and calls policy::parse_finding() or
//	policy::parse_summary(). Other milter lines (start-up, warnings) are
//	ignored; a line that starts like a finding or summary but does not
//	parse (truncated by syslog's line limit) is malformed.
#pragma once

#include <optional>
#include <string_view>

#include "policy/alerts.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

struct MilterLine {
    std::optional<policy::Finding> finding;
    std::optional<policy::ClientSummary> summary;
    std::optional<policy::AlertLine> alert;
};

Parsed parse_milter_line(std::string_view message, MilterLine& out);

// The log source: a finding, a summary or an alert to the sink.
Parsed read_milter(const LogLine& line, EventSink& sink);

// True for `milter503` (also `milter503/...` sub-tags).
bool is_milter(std::string_view program);

}  // namespace milter503::report
