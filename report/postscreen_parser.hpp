// NAME
//	postscreen_parser 3h
// SUMMARY
//	Postfix postscreen(8) lines as session events
// SYNOPSIS
//	#include "report/postscreen_parser.hpp"
// DESCRIPTION
//	postscreen runs before smtpd, so no smtpd and no milter sees its
//	sessions. With its after-220 tests on (or a test failed with
//	`enforce`) its own SMTP engine refuses every RCPT and answers DATA
//	with the same `554 5.5.1 Error: no valid recipients` as smtpd. One
//	postscreen process serves every client: a session is the client's
//	address and port. The lines (postscreen.c, postscreen_smtpd.c,
//	postscreen_misc.c):
//
//	  CONNECT from [ADDR]:PORT to [ADDR]:PORT                    open
//	  NOQUEUE: reject: RCPT from [ADDR]:PORT: 550 5.7.1 Service
//	    unavailable; client [ADDR] blocked using zen.example; from=<s>,
//	    to=<r>, proto=ESMTP, helo=<h>                            reject
//	  NOQUEUE: reject: CONNECT from [ADDR]:PORT: too many connections
//	                                                             reject
//	  DATA without valid RCPT from [ADDR]:PORT (also BDAT; logged for every
//	    DATA, which postscreen answers 554, or 503 without MAIL) no_valid_rcpt
//	  COMMAND PIPELINING from [ADDR]:PORT after CMD: INPUT       pipelining
//	  DISCONNECT [ADDR]:PORT                                     close
//
//	Other lines (PASS, PREGREET, DNSBL rank, HANGUP, ...) are ignored.
#pragma once

#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

Parsed read_postfix_postscreen(const LogLine& line, EventSink& sink);

}  // namespace milter503::report
