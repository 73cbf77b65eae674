// NAME
//	session_event 3h
// SUMMARY
//	what one log line tells about an SMTP session, in no MTA's terms
// SYNOPSIS
//	#include "report/session_event.hpp"
// DESCRIPTION
//	Each log source (log_source.hpp) reads its own lines and says what
//	they mean as SessionEvents; the joiner, the 503 proof and the
//	aggregation read only these. An event names its session by `scope`
//	and `key` (a process: `postfix/smtpd` and its pid; a client address
//	and port), or, with an empty key, by the queue id the session logged
//	(Postfix's cleanup runs in another process than smtpd).
//
//	The kinds:
//	  open             a connection began (a session still open on the
//	                   key ends first)
//	  info             who the client is (a login, a queue id), nothing
//	                   more
//	  reject           a command was refused: stage and reply
//	  accepted         a recipient or a message was accepted
//	  transaction_end  a transaction ended; `recipients_accepted` says
//	                   how many recipients it had
//	  data_refused     a DATA or BDAT command was refused, the log does
//	                   not say why
//	  no_valid_rcpt    DATA or BDAT was refused because no recipient had
//	                   been accepted (the 503/554 itself is logged)
//	  message_refused  the message was refused after its content (a
//	                   milter at end of message, header checks, size)
//	  pipelining       the client sent commands before their turn
//	  auth_failed      a login (AUTH) was refused: `reply` the reason,
//	                   `login` the name tried when logged
//	  error_limit      the server hung up after too many errors; `after`
//	                   the command it was at
//	  close            the connection ended, with the command counters
//	                   when the line has them
//	A `handed_over` info event says the process passed the connection to
//	another that logs it as a session of its own (postscreen's PASS to
//	smtpd): the session ends there unless a close follows.
//
//	Every view points into the log line (or static text) and is valid
//	only during the EventSink call.
#pragma once

#include <optional>
#include <string_view>

#include "policy/alerts.hpp"
#include "policy/cause.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"

namespace milter503::report {

// A client as logged: `NAME[ADDR]:PORT` (Postfix), `NAME [ADDR]`
// (Sendmail), `NAME (HELO) [ADDR]:PORT` (Exim).
struct ClientRef {
    std::string_view name;
    std::string_view addr;
    std::string_view port;
};

// What a refused command was, whatever the MTA calls it.
enum class Stage {
    connect,
    helo,
    mail,
    rcpt,
    data,     // the DATA or BDAT command itself
    content,  // the message, after its content was received
    other,    // VRFY, ETRN, AUTH, ...
};

// `rcpt=0/1`: 0 of 1 accepted. Absent: the command was not sent.
struct CommandCount {
    bool present = false;
    unsigned ok = 0;
    unsigned total = 0;

    unsigned refused() const { return total > ok ? total - ok : 0; }
};

// The per-command counters of an end line (Postfix >= 3.0 disconnect).
struct Counters {
    bool present = false;   // the line has counters: a command not listed was not sent
    CommandCount greeting;  // HELO and EHLO
    CommandCount starttls;
    CommandCount mail;
    CommandCount rcpt;
    CommandCount data;
    CommandCount bdat;
};

enum class EventKind {
    open,
    info,
    reject,
    accepted,
    transaction_end,
    data_refused,
    no_valid_rcpt,
    message_refused,
    pipelining,
    auth_failed,
    error_limit,
    close,
};

struct SessionEvent {
    // The session: `key` within `scope`; an empty key means the session
    // that logged `queue_id`.
    std::string_view scope;
    std::string_view key;
    // A key that may name several connections over time (a client address
    // alone): this many seconds of silence start a new session. 0: the
    // joiner's idle timeout.
    long idle_seconds = 0;

    ClientRef client;
    std::string_view queue_id;
    std::string_view helo;
    std::string_view login;

    // reject, message_refused
    std::string_view stage_text;  // as logged: "RCPT", "check_rcpt", "END-OF-MESSAGE"
    std::string_view reply;       // as logged, with or without code and status
    std::string_view sender;
    std::string_view recipient;

    // pipelining, error_limit
    std::string_view after;  // the command that should have been waited for
    std::string_view input;  // what the client had sent, as logged
    // pipelining: the input is a TLS handshake, sent where SMTP was due
    bool tls_handshake = false;
    // What the source's own lines say the session's refusals were for,
    // where its reply text is generic (postscreen answers "550 5.5.1
    // Protocol error" for every failed test, "450 4.3.2 Service currently
    // unavailable" to a client it wants to reconnect).
    std::optional<policy::Cause> cause_hint;

    // close
    Counters counters;

    // transaction_end: recipients accepted (Sendmail nrcpts=)
    unsigned recipients_accepted = 0;

    EventKind kind = EventKind::info;
    Stage stage = Stage::other;  // reject, message_refused
    // The source never logs a session's end: silence ends it.
    bool end_unlogged = false;
    bool local = false;  // a local submission (a program, not an SMTP client)
    // This line proves that a recipient of the session was accepted
    // (Postfix assigns a queue id only then).
    bool recipient_accepted = false;
    bool temporary = false;  // reject: a 4xx refusal whose reply has no code (Exim)
    // close: every DATA and BDAT of the session is logged as its own
    // event, so a session that logged none sent none (postscreen).
    bool data_always_logged = false;
    // info: the connection goes on as another process's session.
    bool handed_over = false;
};

// Where a log source puts what it read from one line.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void event(const SessionEvent& event) = 0;
    // milter503's own lines.
    virtual void finding(policy::Finding&& finding) = 0;
    virtual void summary(policy::ClientSummary&& summary) = 0;
    // milter503's admin alert lines.
    virtual void alert(policy::AlertLine&& /*alert*/) {}
};

}  // namespace milter503::report
