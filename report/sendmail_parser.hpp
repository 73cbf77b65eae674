// NAME
//	sendmail_parser 3h
// SUMMARY
//	the Sendmail log lines of a refused transaction
// SYNOPSIS
//	#include "report/sendmail_parser.hpp"
// DESCRIPTION
//	parse_sendmail() reads the message part of an `sm-mta` or `sendmail`
//	line. Sendmail writes `QUEUEID: key=value, key=value, ...`:
//
//	  6AP4XYY3010021: ruleset=check_rcpt, arg1=<someone@remote.test>,
//	    relay=[127.0.0.5], reject=550 5.7.1 <someone@remote.test>...
//	    Relaying denied. IP name lookup failed [127.0.0.5]
//	  6AP4XYY3010021: from=<bob@example.test>, size=0, class=0, nrcpts=0,
//	    proto=ESMTP, daemon=MTA, relay=[127.0.0.5]
//	  6AP4XYY3010021: <nobody@example.test>... User unknown
//	  [QUEUEID: ]AUTH=server, relay=localhost [127.0.0.1], authid=alice,
//	    mech=PLAIN, bits=0
//
//	`reject=` is always last and taken to the end of the line (its text
//	has commas). relay= is `[ADDR]`, `NAME [ADDR]`, `NAME [ADDR] (may be
//	forged)` or `user@NAME [ADDR]`; IPv6 addresses carry `IPv6:`, which
//	is removed. A transaction whose from= line says nrcpts=0 after its
//	RCPTs were rejected is one whose DATA got `503 5.0.0 Need RCPT
//	(recipient)` (Sendmail does not log the DATA itself).
#pragma once

#include <string_view>

#include "report/parsed.hpp"

namespace milter503::report {

namespace sendmail {

enum class EventKind { reject, from, rcpt_error, auth };

struct Event {
    EventKind kind = EventKind::reject;
    std::string_view queue_id;  // empty for AUTH= without one
    std::string_view relay_name;
    std::string_view relay_addr;
    // reject
    std::string_view ruleset;  // "check_rcpt", "check_mail", ...
    std::string_view arg1;
    std::string_view reply;  // the reject= value, or the rcpt_error text
    // from
    std::string_view sender;
    int nrcpts = -1;
    // rcpt_error
    std::string_view recipient;
    // auth
    std::string_view authid;
};

// `[1.2.3.4]`, `host [1.2.3.4]`, `host [IPv6:::1] (may be forged)`.
void parse_relay(std::string_view relay, std::string_view& name, std::string_view& addr);

}  // namespace sendmail

Parsed parse_sendmail(std::string_view message, sendmail::Event& out);

// True for `sm-mta`, `sendmail`.
bool is_sendmail(std::string_view program);

}  // namespace milter503::report
