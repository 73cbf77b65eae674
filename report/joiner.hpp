// NAME
//	joiner 3h
// SUMMARY
//	join MTA and milter log lines into sessions, with bounded memory
// SYNOPSIS
//	#include "report/joiner.hpp"
// DESCRIPTION
//	State is kept per log host, so files of several hosts can be read in
//	any interleaving. Per host:
//	  Postfix   open sessions keyed by smtpd pid. A connect, or a line
//	            naming another client, on a pid whose session never saw
//	            its disconnect closes that session first (one smtpd
//	            process serves one client at a time).
//	  Sendmail  open transactions keyed by queue id, ended by from=.
//	  Exim      open groups of rejected RCPTs keyed by client address,
//	            ended by the protocol error, an arrival or exim_window of
//	            silence.
//	  Milter    a finding with a queue id joins the session that logged
//	            that queue id. Otherwise it joins a session of the same
//	            client address (and port, when both sides logged one)
//	            that was open at the finding's time or ended at most
//	            `grace` seconds before; a session whose rejected lines
//	            name the finding's sender is preferred, and one that
//	            already holds a finding of another milter connection
//	            (conn=) is never taken. A finding nothing matches waits
//	            `grace` seconds as a milter-only session: an MTA session
//	            that ends, or logs the same queue id, in that time takes
//	            it over (the milter's and the MTA's files are merged by
//	            time, and lines of the same second can come in either
//	            order). Findings of one milter connection stay together.
//	            The milter's own host is searched first, then the other
//	            hosts: the milter may run (and log) on another machine or
//	            under another name than its MTA.
//
//	An ended session waits `grace` seconds of log time for late milter
//	lines, then goes to the sink. A session without any line for
//	`idle_timeout` is handed over as it is (counted as expired), so a log
//	that lost its disconnect lines cannot make memory grow; nor can a
//	flood of connections: past `max_open` open sessions of one kind on a
//	host, the least recently active tenth is handed over early (counted
//	as evicted). The clock of a host is the newest time seen in its lines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "report/exim_parser.hpp"
#include "report/mta_session.hpp"
#include "report/postfix_parser.hpp"
#include "report/sendmail_parser.hpp"

namespace milter503::report {

class JoinSink {
  public:
    virtual ~JoinSink() = default;
    virtual void on_session(MtaSession&& session) = 0;
    virtual void on_summary(std::string_view host, UnixTime time,
                            policy::ClientSummary&& summary) = 0;
    // A login seen outside any session (Sendmail's AUTH=server line).
    virtual void on_login(std::string_view client_addr, std::string_view login) = 0;
};

struct JoinerLimits {
    UnixTime idle_timeout = 3600;
    UnixTime grace = 30;
    UnixTime exim_window = 60;
    UnixTime sweep_interval = 10;
    // A finding may carry a time up to this much before its session's
    // first MTA line (the MTA logs whole seconds, the milter fractions).
    UnixTime slack = 2;
    // Open sessions per host and kind (Postfix pids, Sendmail queue ids,
    // Exim addresses) before the least recently active are handed over.
    size_t max_open = 100000;
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

    void postfix(std::string_view host, std::string_view pid, UnixTime time,
                 const postfix::Event& event);
    void sendmail(std::string_view host, UnixTime time, const sendmail::Event& event);
    void exim(std::string_view host, UnixTime time, const exim::Event& event);
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
    template <typename Map>
    void evict_oldest(Map& map);
    void emit(MtaSession&& session);
    void close(HostState& state, MtaSession&& session);
    void take_milter_by_queue_id(HostState& state, MtaSession& session, std::string_view qid);
    void take_milter_by_client(HostState& state, MtaSession& session);
    void take_milter_by_client_from(HostState& state, MtaSession& session);
    MtaSession* finding_target(HostState& state, const policy::Finding& finding, UnixTime time);
    MtaSession& postfix_session(HostState& state, std::uint32_t pid, UnixTime time,
                                const ClientRef& client);
    MtaSession& sendmail_session(HostState& state, std::string_view queue_id, UnixTime time);
    MtaSession& exim_session(HostState& state, UnixTime time, const exim::Event& event);

    JoinSink& sink_;
    JoinerLimits limits_;
    JoinStats stats_;
    struct ViewHash {
        using is_transparent = void;
        size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    std::unordered_map<std::string, std::unique_ptr<HostState>, ViewHash, std::equal_to<>> hosts_;
    HostState* last_host_ = nullptr;
};

}  // namespace milter503::report
