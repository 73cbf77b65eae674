// NAME
//	user_trace 3h
// SUMMARY
//	--user: every session of one login or sender address, step by step
// SYNOPSIS
//	#include "report/user_trace.hpp"
// DESCRIPTION
//	What a help desk asks when a user calls: what happened to my mail?
//	With --user the joiner keeps, per session, the steps its log shows
//	(record_step(): connect, HELO, login, each refused MAIL/RCPT/DATA with
//	its reply, the accepted recipient or message, improper pipelining, the
//	disconnect with its command counters), at most max_steps per session
//	(the first ones and the latest). UserTracer sits between the joiner
//	and the aggregator: a finished session whose SASL login, or whose
//	envelope sender (a reject line's from=, a transaction's, a milter
//	finding's), equals the user (ASCII case-insensitive) is copied into
//	the trace with its outcome, cause, who must act and the advice (the
//	milter's sentence, else policy::cause_advice()); every session then
//	goes on to the aggregator unchanged.
//
//	Memory stays bounded: the steps are recorded only with --user, and
//	only the latest max_sessions matching sessions are kept (the others
//	are counted in `earlier`).
//
//	What the log cannot show is not invented: Postfix's smtpd logs no
//	accepted MAIL FROM and only the first accepted RCPT (as the queue id
//	line); its disconnect counters say how many of each command were
//	accepted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cause.hpp"
#include "report/joiner.hpp"
#include "report/mta_session.hpp"
#include "report/session_event.hpp"

namespace milter503::report {

// Steps kept per session with --user, and bytes kept of each text of a
// step (then "...").
inline constexpr size_t max_steps = 32;
inline constexpr size_t max_step_text = 1024;

// Adds the step `event` is to the session (only while it has room: the
// first max_steps - 1 and the latest).
void record_step(MtaSession& session, UnixTime time, const SessionEvent& event);
// The bytes its recorded steps hold (for the joiner's budget).
size_t steps_bytes(const MtaSession& session);

// What an outcome means, in a sentence for the help desk.
std::string_view outcome_text(Outcome outcome);

struct TracedSession {
    std::string host;
    std::string_view mta;
    std::string client_addr;
    std::string client_name;
    std::string client_port;
    std::string helo;
    std::string login;
    UnixTime start = 0;
    UnixTime end = 0;
    bool ended = true;  // its end line was read (or its source logs none)
    Outcome outcome = Outcome::none;
    std::optional<policy::Cause> cause;  // nullopt: nothing was refused or found
    policy::Actor fix = policy::Actor::admin;
    std::string advice;
    std::vector<SessionStep> steps;  // in time order, findings included
    unsigned steps_omitted = 0;      // past max_steps
};

struct UserTraceReport {
    std::string user;
    std::vector<TracedSession> sessions;  // by start time
    unsigned long earlier = 0;            // matching sessions not kept (older)
};

class UserTracer : public JoinSink {
  public:
    static constexpr size_t default_max_sessions = 1000;

    UserTracer(std::string user, JoinSink& next, size_t max_sessions = default_max_sessions);

    void on_session(MtaSession&& session) override;
    void on_summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) override;

    bool matches(const MtaSession& session) const;
    // The trace, sorted. Call once, after the joiner finished.
    UserTraceReport take();

  private:
    void trim();

    JoinSink& next_;
    size_t max_sessions_;
    UserTraceReport trace_;
};

}  // namespace milter503::report
