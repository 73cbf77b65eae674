// NAME
//	service 3h
// SUMMARY
//	process-wide state shared by every connection
// SYNOPSIS
//	#include "milter/service.hpp"
// DESCRIPTION
//	Service holds the current configuration (swapped whole on reload;
//	connections keep the snapshot they started with), the per-client
//	table, the admin alerts, the missing-macro memory, the log sink and the
//	clock. It turns findings into log lines, honouring the per-client rate
//	limit, and server-wide faults into alert lines (warning priority).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "milter/log_sink.hpp"
#include "milter/macro_check.hpp"
#include "policy/alerts.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "policy/nat_detector.hpp"

namespace milter503::milter {

using Clock = policy::Clock;

class Service {
  public:
    Service(
        conf::Config config, LogSink& log,
        std::function<Clock::time_point()> now = [] { return Clock::now(); });

    std::shared_ptr<const conf::Config> config() const { return config_.load(); }
    // Applies a new configuration to new connections (SIGUSR1).
    void replace_config(conf::Config config);

    std::string next_connection_id() { return std::to_string(++connection_count_); }
    Clock::time_point now() const { return now_(); }

    void record_session(const std::string& client_addr);
    // A MAIL command; also watches private addresses for a NAT gateway
    // (an alert line when one shows).
    void record_transaction(const std::string& client_addr, std::string_view helo,
                            std::string_view sender);
    // Counts each finding and writes its line unless rate-limited, and
    // an admin alert line when the finding is a server-wide fault.
    void report(const std::vector<policy::Finding>& findings);
    // An RCPT the MTA accepted (its argument as sent), for the alerts.
    void record_accepted_recipient(std::string_view recipient);
    // One `summary:` line per client (SIGUSR2, periodic, shutdown). Off
    // the MTA's path, so it waits for room in the log queue, until
    // `deadline` (by default LogFlushTimeout from now).
    void log_summary();
    void log_summary(std::chrono::steady_clock::time_point deadline);
    void report_missing_macro(const MissingMacro& missing);

    void log(Severity severity, std::string_view line) { log_.write(severity, line); }
    policy::ClientTable& clients() { return clients_; }

  private:
    std::atomic<std::shared_ptr<const conf::Config>> config_;
    LogSink& log_;
    std::function<Clock::time_point()> now_;
    policy::ClientTable clients_;
    policy::AlertTracker alerts_;
    policy::NatDetector nat_;
    MacroCheck macros_;
    std::atomic<unsigned long> connection_count_{0};
};

}  // namespace milter503::milter
