// NAME
//	postfix_parser 3h
// SUMMARY
//	Postfix smtpd(8) and cleanup(8) lines as session events
// SYNOPSIS
//	#include "report/postfix_parser.hpp"
// DESCRIPTION
//	read_postfix_smtpd() reads a `postfix/smtpd` line (also
//	`postfix/submission/smtpd`, `postfix-incoming/smtpd`); its session is
//	the smtpd process (syslog name and pid):
//
//	  connect from NAME[ADDR]                                      open
//	  disconnect from NAME[ADDR] ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1
//	    commands=3/5 (Postfix >= 3.0; without counters before)    close
//	  QUEUEID|NOQUEUE: reject: RCPT from NAME[ADDR]: 554 5.7.1 <r>:
//	    Relay access denied; from=<s> to=<r> proto=ESMTP helo=<h>
//	    (smtpd_check.c log_whatsup(); also `milter-reject:`; stages
//	    CONNECT, HELO, EHLO, MAIL, RCPT, DATA, BDAT, VRFY, ...)    reject
//	  QUEUEID: client=NAME[ADDR], sasl_method=PLAIN, sasl_username=alice
//	                                                               accepted
//	  improper command pipelining after EHLO from NAME[ADDR]: <input>
//	    (smtpd.c smtpd_flag_ill_pipelining(); Postfix >= 3.9 with
//	    smtpd_forbid_unauth_pipelining then disconnects)          pipelining
//	  [QUEUEID|NOQUEUE: ]lost connection after DATA from NAME[ADDR]
//	    (also `timeout after`, BDAT; smtpd.c prints the byte count only
//	    after 354, so without one the DATA command was refused)  data_refused
//	  warning: QUEUEID: queue file size limit exceeded           message_refused
//
//	Postfix assigns a queue id only when it accepted the first recipient
//	of a transaction: a line with one proves an accepted recipient.
//
//	read_postfix_cleanup() reads `postfix/cleanup`, whose lines name their
//	session by queue id:
//
//	  QUEUEID: milter-reject: END-OF-MESSAGE from NAME[ADDR]: 5.7.1 text;
//	    from=<s> to=<r> proto=ESMTP helo=<h>   (cleanup_milter.c)
//	  QUEUEID: reject: header Subject: ... from NAME[ADDR]; from=<s>
//	    to=<r> proto=ESMTP helo=<h>: 5.7.1 text  (cleanup_message.c
//	    cleanup_act_log(); also `body`, `milter-header-reject:`)
//	  warning: QUEUEID: queue file size limit exceeded
//	all message_refused.
//
//	NAME[ADDR] may carry `:PORT` (smtpd_client_port_logging = yes).
#pragma once

#include <string_view>

#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

// Parses `NAME[ADDR]` or `NAME[ADDR]:PORT` at the start of `text`;
// `length` is set past it.
bool parse_client_ref(std::string_view text, ClientRef& out, size_t& length);

Parsed read_postfix_smtpd(const LogLine& line, EventSink& sink);
Parsed read_postfix_cleanup(const LogLine& line, EventSink& sink);

namespace postfix {

// "RCPT" -> rcpt, "END-OF-MESSAGE" -> content, ...
Stage stage_of(std::string_view logged);

// The envelope attributes after a reply: `; from=<s> to=<r> proto=ESMTP
// helo=<h>` (smtpd, cleanup) or `; from=<s>, to=<r>, proto=ESMTP,
// helo=<h>` (postscreen). Splits `rest` into the reply and them; a line
// cut before them keeps the whole rest as the reply.
void split_reply_attributes(std::string_view rest, SessionEvent& out);

// Input as Postfix logs it (escape(): octal for other bytes) that starts
// with a TLS handshake record (content type 22, version 3.x): "\026\003".
bool is_escaped_tls_handshake(std::string_view input);

}  // namespace postfix
}  // namespace milter503::report
