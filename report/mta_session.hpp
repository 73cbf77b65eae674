// NAME
//	mta_session 3h
// SUMMARY
//	one SMTP session as the logs tell it, and what its log proves
// SYNOPSIS
//	#include "report/mta_session.hpp"
// DESCRIPTION
//	The joiner builds an MtaSession from the session events of one
//	session (session_event.hpp) and the milter's findings for the same
//	connection, and hands it over once it ended. A session made of
//	findings alone (no MTA line was found for them) is `milter_only`.
//	Everything is bounded: at most max_evidence reject lines, findings
//	and queue ids are kept per session (the rest only counted).
//
//	session_outcome() says what the log proves about the session, from
//	its counts alone, in this order:
//	  no_rcpt_data_refused     DATA or BDAT was refused for want of an
//	                           accepted recipient: the 503/554. Proven by
//	                           the refusal's own line; or by the counters
//	                           of the session's end: more DATA/BDAT
//	                           refused than a logged rule (a DATA-stage
//	                           reject, a refused message) explains and
//	                           than transactions with an accepted
//	                           recipient could hold (each holds at most
//	                           one more refusal than messages it passed:
//	                           none, as smtpd.c data_cmd() tests for a
//	                           recipient first); or, without counters, by
//	                           a refused DATA ("lost connection after
//	                           DATA") in a session that refused a
//	                           recipient and accepted none
//	  data_refused_with_rcpts  a rule refused the DATA command itself
//	                           although recipients were accepted
//	  refused_after_data       the message was refused after its content
//	  rcpt_refused_no_data     every RCPT was refused and the log proves
//	                           that no DATA came (counters without data=,
//	                           a source that logs every DATA)
//	  no_rcpt_data_unlogged    every RCPT was refused and the log cannot
//	                           say whether DATA came (Sendmail; Exim with
//	                           PIPELINING; a Postfix log without the
//	                           session's end)
//	  none                     anything else
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/finding.hpp"
#include "report/session_event.hpp"
#include "report/timestamp.hpp"

namespace milter503::report {

enum class Outcome {
    none,
    no_rcpt_data_refused,
    data_refused_with_rcpts,
    refused_after_data,
    rcpt_refused_no_data,
    no_rcpt_data_unlogged,
};

struct RejectLine {
    UnixTime time = 0;
    std::string stage;        // as logged: "RCPT", "check_rcpt", "END-OF-MESSAGE", ...
    Stage at = Stage::other;  // the same, in no MTA's terms
    std::string reply;        // "554 5.7.1 <r>: Relay access denied"
    bool temporary = false;   // 4xx, though the reply has no code (Exim)
    std::string sender;
    std::string recipient;
};

// One step of a session as its log shows it, recorded only for --user
// (user_trace.hpp).
struct SessionStep {
    UnixTime time = 0;
    std::string_view what;  // "connect", "login", "rcpt", ... (static text)
    bool refused = false;
    std::string text;  // the reply as logged, what was accepted, the counters
    std::string sender;
    std::string recipient;
    std::string login;  // a login, or the one a refused AUTH tried
};

struct MtaSession {
    static constexpr size_t max_evidence = 4;

    std::string_view mta = "milter";  // who logged it (the log source's table row)
    bool milter_only = false;         // findings without MTA lines
    bool local = false;               // a local submission, not an SMTP client
    std::string host;
    UnixTime start = 0;
    UnixTime end = 0;
    UnixTime last_activity = 0;
    std::string client_addr;
    std::string client_name;
    std::string client_port;
    std::string helo;
    std::string login;
    std::vector<std::string> queue_ids;  // at most max_evidence

    std::vector<RejectLine> rejects;
    unsigned rejects_total = 0;
    std::vector<std::pair<UnixTime, policy::Finding>> findings;
    unsigned findings_total = 0;

    // What the log proves (session_outcome()).
    unsigned rcpt_refused = 0;        // RCPT commands refused
    bool rcpt_accepted = false;       // some recipient was accepted
    bool counted = false;             // an end line counted the commands (then:)
    unsigned mail_ok = 0;             //   MAIL commands accepted
    unsigned rcpt_ok = 0;             //   RCPT commands accepted
    unsigned rcpt_sent = 0;           //   RCPT commands sent
    unsigned data_ok = 0;             //   messages accepted by DATA or BDAT
    bool data_sent_known = false;     // the log tells how many DATA/BDAT came
    unsigned data_sent = 0;           // DATA and BDAT commands, when known
    unsigned data_refused = 0;        // DATA/BDAT refused, the line does not say why
    unsigned data_no_rcpt = 0;        // DATA/BDAT refused for want of a recipient
    unsigned data_stage_rejects = 0;  // DATA/BDAT refused by a logged rule
    unsigned messages_refused = 0;    // refused after the content
    bool pipelining = false;          // improper command pipelining
    UnixTime pipelining_time = 0;
    std::string pipelining_after;  // the command, as logged
    std::string pipelining_input;  // what the client had sent, as logged
    bool pipelining_tls = false;   // the input was a TLS handshake
    // The first cause a source's own lines gave (SessionEvent::cause_hint).
    std::optional<policy::Cause> source_cause;

    // Before and around the transaction.
    unsigned auth_failures = 0;  // AUTH commands refused
    std::string auth_failure;    // the first one's reason, as logged
    bool error_limit = false;    // hung up after too many errors
    bool greeted = false;        // counted: a HELO or EHLO was accepted
    bool starttls_sent = false;  // counted: the client sent STARTTLS
    unsigned mail_sent = 0;      // counted: MAIL commands sent

    bool ended = false;               // its end line was read (or its source logs none)
    bool handed_over = false;         // it ended by passing the connection on
    bool end_logged = true;           // its source logs the end of a session
    long idle_seconds = 0;            // silence that ends it (0: the joiner's default)
    Outcome outcome = Outcome::none;  // set when handed over
    unsigned steps_total = 0;         // steps seen (recorded: steps)
    std::uint32_t idle_slot = 0;      // the joiner's own, while the session is open
    std::vector<SessionStep> steps;   // only with JoinerLimits::record_steps

    void add_reject(RejectLine line);
    void add_finding(UnixTime time, policy::Finding finding);
    // Takes over the findings of a milter-only session found to be this one.
    void absorb_findings(MtaSession&& other);
    // False when the id is NOQUEUE, known, or past max_evidence.
    bool add_queue_id(std::string_view queue_id);
    bool has_queue_id(std::string_view queue_id) const;
    // It passed its connection on and saw nothing itself: the session the
    // connection goes on as is the one that counts.
    bool only_handed_over() const {
        return handed_over && !pipelining && rejects_total == 0 && findings_total == 0 &&
               data_no_rcpt == 0 && data_refused == 0;
    }
};

Outcome session_outcome(const MtaSession& session);

// "no_rcpt_data_refused", ... (the names of the JSON counters without
// their `sessions_` prefix).
std::string_view outcome_name(Outcome outcome);

}  // namespace milter503::report
