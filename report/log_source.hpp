// NAME
//	log_source 3h
// SUMMARY
//	the table of log sources: which program's lines, read by which parser
// SYNOPSIS
//	#include "report/log_source.hpp"
// DESCRIPTION
//	One row per source: its name, the MTA shown with its evidence, the
//	programs (syslog tags) it reads and the parser that turns one line
//	into SessionEvents (session_event.hpp). The analyzer hands each line
//	to the first row that accepts its program; nothing after that knows
//	which MTA wrote it. Adding a source is adding its parser and a row.
//
//	  postfix-smtpd       postfix/smtpd, postfix/submission/smtpd, ...
//	  postfix-postscreen  postfix/postscreen
//	  postfix-cleanup     postfix/cleanup
//	  sendmail            sendmail, sm-mta, sm-acceptingconnections, ...
//	  exim                exim, exim4, and Exim's own main log
//	  milter503           milter503 (findings and summaries)
#pragma once

#include <span>
#include <string_view>

#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

struct LogSource {
    std::string_view name;  // "postfix-smtpd"
    std::string_view mta;   // "postfix": how the evidence names who logged it
    bool (*accepts)(std::string_view program);
    Parsed (*read)(const LogLine& line, EventSink& sink);
};

std::span<const LogSource> log_sources();

// The row that reads `program`'s lines, or nullptr.
const LogSource* source_for(std::string_view program);

// Postfix's syslog names: `postfix/smtpd`, `postfix/submission/smtpd`,
// `postfix-incoming/smtpd` have the daemon `smtpd`.
bool is_postfix_daemon(std::string_view program, std::string_view daemon);

}  // namespace milter503::report
