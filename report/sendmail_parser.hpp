// NAME
//	sendmail_parser 3h
// SUMMARY
//	Sendmail log lines as session events
// SYNOPSIS
//	#include "report/sendmail_parser.hpp"
// DESCRIPTION
//	read_sendmail() reads an `sm-mta`, `sendmail` (or other `sm-`) line.
//	Sendmail forks one process per SMTP connection, and its transactions'
//	queue ids are logged under that pid: a session is the pid. Sendmail
//	writes `QUEUEID: key=value, key=value, ...`:
//
//	  6AP4XYY3010021: ruleset=check_rcpt, arg1=<someone@remote.test>,
//	    relay=[127.0.0.5], reject=550 5.7.1 <someone@remote.test>...
//	    Relaying denied. IP name lookup failed [127.0.0.5]       reject
//	    (check_relay: CONNECT, check_mail: MAIL, check_rcpt: RCPT,
//	    check_data: DATA; check_eoh and check_eom refuse the message)
//	  6AP4XYY3010021: <nobody@example.test>... User unknown      reject RCPT
//	  6AP4XYY3010021: from=<bob@example.test>, size=0, class=0, nrcpts=0,
//	    proto=ESMTP, daemon=MTA, relay=[127.0.0.5]           transaction_end
//	  [QUEUEID: ]AUTH=server, relay=localhost [127.0.0.1], authid=alice,
//	    mech=PLAIN, bits=0                                        info
//
//	`reject=` is last and taken to the end of the line (its text has
//	commas). relay= is `[ADDR]`, `NAME [ADDR]`, `NAME [ADDR] (may be
//	forged)` or `user@NAME [ADDR]`; IPv6 addresses carry `IPv6:`, which
//	is removed. A relay= without `[ADDR]` (`root@localhost`) is a local
//	submission, not an SMTP client.
//
//	The from= line is written whenever a transaction with an accepted
//	MAIL ends without a message: at RSET and QUIT too, not only after a
//	refused DATA. Sendmail does not log the `503 5.0.0 Need RCPT
//	(recipient)` it gives such a DATA (srvrsmtp.c smtp_data(), usrerr):
//	its log never proves a 503, only that no recipient was accepted.
//
//	Text published with Markdown escapes (`check\_rcpt`, `\[ADDR\]`) is
//	read as the unescaped text.
#pragma once

#include <string_view>

#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

Parsed read_sendmail(const LogLine& line, EventSink& sink);

// True for `sendmail` and the `sm-` idents (`sm-mta`, `sm-msp-queue`,
// `sm-acceptingconnections`).
bool is_sendmail(std::string_view program);

namespace sendmail {

// `[1.2.3.4]`, `host [1.2.3.4]`, `host [IPv6:::1] (may be forged)`: sets
// the client's name and address; false for a local relay (no address).
bool parse_relay(std::string_view relay, ClientRef& client);

}  // namespace sendmail
}  // namespace milter503::report
