// NAME
//	postfix_parser 3h
// SUMMARY
//	the Postfix smtpd(8) log lines that tell a 503/554 story
// SYNOPSIS
//	#include "report/postfix_parser.hpp"
// DESCRIPTION
//	parse_postfix_smtpd() reads the message part of a `postfix/smtpd`
//	line (also `postfix/submission/smtpd` and other service names):
//
//	  connect from NAME[ADDR]
//	  disconnect from NAME[ADDR] ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5
//	    (Postfix >= 3.0; `data=0/1`: one DATA sent, none accepted)
//	  QUEUEID|NOQUEUE: reject: RCPT from NAME[ADDR]: 554 5.7.1 <r>: Relay
//	    access denied; from=<s> to=<r> proto=ESMTP helo=<h>
//	    (smtpd_check.c log_whatsup(); also `milter-reject:`; the stage is
//	    CONNECT, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, ...)
//	  improper command pipelining after EHLO from NAME[ADDR]: <input>
//	  QUEUEID: client=NAME[ADDR], sasl_method=PLAIN, sasl_username=alice
//
//	NAME[ADDR] may carry `:PORT` (smtpd_client_port_logging = yes). Every
//	view in the event points into the message.
#pragma once

#include <string_view>

#include "report/parsed.hpp"

namespace milter503::report {

// `NAME[ADDR]` or `NAME[ADDR]:PORT`.
struct ClientRef {
    std::string_view name;
    std::string_view addr;
    std::string_view port;
};

// Parses a ClientRef at the start of `text`; `length` is set past it.
bool parse_client_ref(std::string_view text, ClientRef& out, size_t& length);

namespace postfix {

enum class EventKind { connect, disconnect, reject, pipelining, client };

// `rcpt=0/1`: ok 0 of total 1; `rcpt=1`: ok 1 of 1.
struct CommandCount {
    bool present = false;
    unsigned ok = 0;
    unsigned total = 0;
};

struct Event {
    EventKind kind = EventKind::connect;
    ClientRef client;
    std::string_view queue_id;  // reject, client; "NOQUEUE" as logged
    // disconnect
    CommandCount mail;
    CommandCount rcpt;
    CommandCount data;
    // reject
    bool milter_reject = false;
    std::string_view stage;  // "RCPT", "MAIL", "DATA", ...
    std::string_view reply;  // "554 5.7.1 <r>: Relay access denied"
    std::string_view sender;
    std::string_view recipient;
    std::string_view helo;
    // pipelining
    std::string_view after;  // "EHLO", "CONNECT", ...
    // client
    std::string_view sasl_username;
};

}  // namespace postfix

Parsed parse_postfix_smtpd(std::string_view message, postfix::Event& out);

// True for `postfix/smtpd`, `postfix/submission/smtpd`, `postfix-in/smtpd`.
bool is_postfix_smtpd(std::string_view program);

}  // namespace milter503::report
