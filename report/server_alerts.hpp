// NAME
//	server_alerts 3h
// SUMMARY
//	what the admin must fix whichever client met it, from both logs
// SYNOPSIS
//	#include "report/server_alerts.hpp"
// DESCRIPTION
//	ServerAlerts is a JoinSink between the joiner and the next sink: it
//	sees every finished session, passes it on, and gathers what is the
//	server's problem rather than a client's:
//	  - the milter's `alert:` lines (policy/alerts.hpp: a server fault, a
//	    DNSBL that refuses this server, a local domain without mailboxes,
//	    a NAT gateway), by subject: how many, how many clients, when, an
//	    example client and the advice;
//	  - failed logins in the MTA's log: one whose reason says the
//	    authentication backend did not answer (Postfix: "Connection lost
//	    to authentication server", the Dovecot auth socket gone) is
//	    `auth-backend-down`; login_failures_needed distinct clients whose
//	    login failed and who then sent anyway (cause auth-failed) within
//	    an hour are `many-logins-failing`: a password guesser stops at the
//	    failure, people's mail programs go on.
//	Memory is bounded: subjects are few, clients per subject are counted
//	up to a cap, and at most max_failures auth-failed sessions are kept.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "policy/alerts.hpp"
#include "report/joiner.hpp"
#include "report/report_model.hpp"

namespace milter503::report {

class ServerAlerts : public JoinSink {
  public:
    static constexpr size_t login_failures_needed = 5;
    static constexpr UnixTime login_failure_window = 3600;

    explicit ServerAlerts(JoinSink& next) : next_(next) {}

    void on_session(MtaSession&& session) override;
    void on_summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) override;
    void on_milter_alert(UnixTime time, policy::AlertLine&& alert);

    // The alerts, most events first. Call once, at the end.
    std::vector<ServerAlert> build();

  private:
    static constexpr size_t max_clients = 1024;
    static constexpr size_t max_failures = 10000;

    struct Gathered {
        ServerAlert alert;
        std::set<std::string> clients;
    };
    Gathered& subject(std::string_view name, std::string_view source, UnixTime time);
    void note_client(Gathered& g, std::string_view client);
    std::vector<ServerAlert> many_logins_failing() const;

    JoinSink& next_;
    std::map<std::string, Gathered, std::less<>> subjects_;
    struct Failure {
        UnixTime time;
        std::string client;
    };
    std::deque<Failure> failures_;  // sessions of cause auth-failed, in time order
};

}  // namespace milter503::report
