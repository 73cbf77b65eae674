// NAME
//	joiner 3h
// SUMMARY
//	join session events and milter findings into sessions, bounded memory
// SYNOPSIS
//	#include "report/joiner.hpp"
// DESCRIPTION
//	The joiner knows no MTA: it reads SessionEvents (session_event.hpp)
//	and keeps, per log host:
//	  open sessions, by the event's scope and key. An `open` event, or an
//	      event naming another client, on a key whose session is still
//	      open ends that session first (a process serves one client at a
//	      time, and its pid comes back); so does silence longer than the
//	      session's idle time. A `close` event ends it.
//	  an index of the queue ids the open sessions logged: an event with
//	      no key (Postfix's cleanup) joins the session of its queue id,
//	      open or ended, else starts one of its own.
//	  Milter findings: a finding with a queue id joins the session that
//	      logged that queue id. Otherwise it joins a session of the same
//	      client address (and port, when both sides logged one) that was
//	      open at the finding's time or ended at most `grace` seconds
//	      before; a session whose rejected lines name the finding's sender
//	      is preferred, and one that already holds a finding of another
//	      milter connection (conn=) is never taken. A finding nothing
//	      matches waits `grace` seconds as a milter-only session: an MTA
//	      session that ends, or logs the same queue id, in that time takes
//	      it over (the milter's and the MTA's files are merged by time,
//	      and lines of the same second can come in either order). Findings
//	      of one milter connection stay together. The milter's own host is
//	      searched first, then the other hosts: the milter may run (and
//	      log) on another machine or under another name than its MTA.
//
//	An ended session waits `grace` seconds of log time for late milter
//	lines, then goes to the sink with its outcome (session_outcome()). A
//	session whose source logs its end but whose end line never came is
//	handed over after `idle_timeout` of silence (counted as expired; one
//	that passed its connection on, after `handover_wait`), so
//	a log that lost its end lines cannot make memory grow; nor can a
//	flood of connections: past `max_open` open sessions on a host, the
//	least recently active tenth is handed over early (counted as
//	evicted). The clock of a host is the newest time seen in its lines.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "report/mta_session.hpp"
#include "report/session_event.hpp"

namespace milter503::report {

class JoinSink {
  public:
    virtual ~JoinSink() = default;
    virtual void on_session(MtaSession&& session) = 0;
    virtual void on_summary(std::string_view host, UnixTime time,
                            policy::ClientSummary&& summary) = 0;
};

struct JoinerLimits {
    UnixTime idle_timeout = 3600;
    UnixTime grace = 30;
    UnixTime sweep_interval = 10;
    // Open sessions are scanned for silence at most this often (the
    // shortest idle time of a source is a minute).
    UnixTime idle_scan_interval = 60;
    // A finding may carry a time up to this much before its session's
    // first MTA line (the MTA logs whole seconds, the milter fractions).
    UnixTime slack = 2;
    // A session that passed its connection on (SessionEvent::handed_over)
    // is over after this much silence: when a close follows at all, it
    // follows at once (postscreen logs DISCONNECT in the same call as
    // PASS when it keeps the connection, postscreen_misc.c). Held for the
    // idle hour, these halves were most of the open sessions behind
    // postscreen.
    UnixTime handover_wait = 60;
    // Open sessions per host before the least recently active are handed
    // over.
    size_t max_open = 100000;
    // Keep each session's steps (--user: user_trace.hpp), up to this many
    // bytes over all open sessions (past it, steps are only counted).
    bool record_steps = false;
    size_t max_step_bytes = size_t{64} << 20;
};

struct JoinStats {
    std::uint64_t sessions = 0;
    std::uint64_t expired = 0;              // handed over without their end line
    std::uint64_t evicted = 0;              // of those, early because of max_open
    std::uint64_t findings_joined = 0;      // to an MTA session
    std::uint64_t findings_standalone = 0;  // no MTA session found
};

class Joiner {
  public:
    explicit Joiner(JoinSink& sink, JoinerLimits limits = {});
    ~Joiner();
    Joiner(const Joiner&) = delete;
    Joiner& operator=(const Joiner&) = delete;

    // `mta` names who logged the event (static text: the source's row).
    void event(std::string_view mta, std::string_view host, UnixTime time,
               const SessionEvent& event);
    void finding(std::string_view host, UnixTime time, policy::Finding&& finding);
    void summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary);

    // Hands every remaining session to the sink.
    void finish();

    const JoinStats& stats() const { return stats_; }
    // Sessions held (open and waiting for late lines), all hosts.
    size_t held_sessions() const;

  private:
    struct HostState;

    HostState& host_state(std::string_view host, UnixTime time);
    void sweep(HostState& state);
    void expire_idle(HostState& state, UnixTime now);
    static UnixTime later(UnixTime time, UnixTime delay);
    void evict_oldest(HostState& state);
    void emit(MtaSession&& session);
    void record_step_within_budget(MtaSession& session, UnixTime time, const SessionEvent& event);
    void close(HostState& state, MtaSession&& session);
    MtaSession& open_session(HostState& state, std::string_view mta, UnixTime time,
                             const SessionEvent& event, std::string_view key);
    void apply(HostState& state, MtaSession& session, UnixTime time, const SessionEvent& event);
    void end_session(HostState& state, MtaSession& session);
    void wait_briefly(HostState& state, MtaSession& session);
    void take_milter_by_queue_id(HostState& state, MtaSession& session, std::string_view qid);
    void take_milter_by_client(HostState& state, MtaSession& session);
    void take_milter_by_client_from(HostState& state, MtaSession& session);
    MtaSession* finding_target(HostState& state, const policy::Finding& finding, UnixTime time);

    JoinSink& sink_;
    JoinerLimits limits_;
    JoinStats stats_;
    size_t step_bytes_ = 0;   // of the steps recorded in open sessions
    std::string key_buffer_;  // scope and key of the event at hand
    // By name, in order: what is searched across hosts (a milter logging
    // under another host name) is searched in the same order on every
    // platform.
    std::map<std::string, std::unique_ptr<HostState>, std::less<>> hosts_;
    HostState* last_host_ = nullptr;
};

}  // namespace milter503::report
