// NAME
//	exim_parser 3h
// SUMMARY
//	the Exim main log lines of refused recipients and the refused DATA
// SYNOPSIS
//	#include "report/exim_parser.hpp"
// DESCRIPTION
//	Exim cannot load a milter; its own log is the whole story. The
//	message part (after Exim's timestamp, or after the syslog header when
//	Exim logs to syslog) is one of:
//
//	  H=(outlook.test) [127.0.0.5] F=<bob@example.test> rejected RCPT
//	    <someone@remote.test>: relay not permitted      (acl.c)
//	  H=... F=<...> temporarily rejected RCPT <...>: ...
//	  H=... rejected MAIL <bob@example.test>: ...
//	  SMTP protocol error in "DATA" H=(outlook.test) [127.0.0.5] valid RCPT
//	    command must precede DATA                       (smtp_in.c)
//	  1qXYZ9-000abc-Cd <= bob@example.test H=... P=esmtpa A=plain:alice ...
//
//	H= is `name (helo) [addr]`, `(helo) [addr]`, `name [addr]` or
//	`[addr]`, with `:port` after the address under +incoming_port and
//	` I=[addr]:port`, ` U=ident` after it under other log selectors.
//
//	Exim logs the 503 only when it did not advertise PIPELINING or the
//	command before DATA was not a RCPT: with a pipelining client that got
//	`503 Valid RCPT command must precede DATA` there is no line, and the
//	rejected RCPT lines are the only trace.
#pragma once

#include <string_view>

#include "report/parsed.hpp"

namespace milter503::report {

namespace exim {

enum class EventKind { reject_rcpt, reject_mail, no_valid_rcpt, arrival };

struct Event {
    EventKind kind = EventKind::reject_rcpt;
    std::string_view host_name;
    std::string_view helo;
    std::string_view addr;
    std::string_view port;
    std::string_view sender;
    std::string_view recipient;
    std::string_view text;  // the ACL message / the protocol error text
    bool temporary = false;
    std::string_view login;  // arrival: the part after ':' of A=
};

// Parses an H= value (without `H=`): `name (helo) [addr]:port ...`.
bool parse_host(std::string_view host, Event& out);

}  // namespace exim

Parsed parse_exim(std::string_view message, exim::Event& out);

// True for `exim`, `exim4`.
bool is_exim(std::string_view program);

}  // namespace milter503::report
