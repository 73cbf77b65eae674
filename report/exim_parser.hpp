// NAME
//	exim_parser 3h
// SUMMARY
//	Exim main log lines as session events
// SYNOPSIS
//	#include "report/exim_parser.hpp"
// DESCRIPTION
//	Exim cannot load a milter; its own log is the whole story. The
//	message part (after Exim's timestamp and `[pid]`, or after the syslog
//	header, with or without Exim's timestamp after it; an optional message
//	id first) is one of:
//
//	  H=(outlook.test) [127.0.0.5] F=<bob@example.test> rejected RCPT
//	    <someone@remote.test>: relay not permitted     (smtp_in.c: the
//	    argument as the client sent it, with or without `<>`, with any
//	    DSN parameters; `temporarily rejected` for 4xx)           reject
//	  H=... rejected MAIL <bob@example.test>: ...                 reject
//	  H=... F=<...> rejected DATA: ...  (acl_smtp_predata: recipients
//	    were accepted)                                            reject
//	  H=... F=<...> rejected after DATA: ...  (acl_smtp_data) message_refused
//	  rejected from <bob@example.test> H=...: Non-CRLF-terminated header,
//	    under CHUNKING: message abandoned  (receive.c)    message_refused
//	  SMTP protocol error in "DATA" H=(outlook.test) [127.0.0.5] valid
//	    RCPT command must precede DATA  (also BDAT)          no_valid_rcpt
//	  SMTP protocol synchronization error (next input sent too soon:
//	    pipelining was not advertised): rejected "RSET" H=... next
//	    input="QUIT\r\n"                                       pipelining
//	  1qXYZ9-000abc-Cd <= bob@example.test H=... P=esmtpa A=plain:alice
//	                                                             accepted
//
//	H= is `name (helo) [addr]`, `(helo) [addr]`, `name [addr]` or
//	`[addr]`, with `:port` under +incoming_port, then ` I=[addr]:port`,
//	` U=ident`, ` Ci=id` (+connection_id), ` X=...` as log selectors add
//	them. A session is the connection id, else the client's address and
//	port, else the process id, else the address alone (then a minute of
//	silence starts a new one). Exim logs no end of a connection.
//
//	Exim logs the 503 only when it did not advertise PIPELINING or the
//	command before DATA was not a RCPT (smtp_in.c): a pipelining client
//	that got `503 Valid RCPT command must precede DATA` leaves no line,
//	and its refused RCPTs are all the log shows.
#pragma once

#include <string_view>

#include "report/parsed.hpp"
#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

Parsed read_exim(const LogLine& line, EventSink& sink);

// True for `exim`, `exim4`.
bool is_exim(std::string_view program);

namespace exim {

// The value of H= (without `H=`) at the start of `text`: `name (helo)
// [addr]:port`. `length` is set past the address and port.
bool parse_host(std::string_view text, ClientRef& client, std::string_view& helo, size_t& length);

}  // namespace exim
}  // namespace milter503::report
