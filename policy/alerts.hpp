// NAME
//	alerts 3h
// SUMMARY
//	admin alerts for faults that are the server's, not one client's
// SYNOPSIS
//	#include "policy/alerts.hpp"
// DESCRIPTION
//	Some findings are the admin's whatever client hit them: a cause
//	whose row says server_wide (dnsbl-unusable, server-fault,
//	domain-not-served), and one local domain whose recipients are refused
//	as unknown to several distinct clients (its mailboxes are missing).
//	Per-client finding lines bury them among strangers' relay attempts,
//	so AlertTracker turns them into `alert:` lines: the first at once,
//	then at most one per subject and interval, counting the findings and
//	distinct clients since the previous alert. It adds lines; it never
//	holds back a finding line.
// DIAGNOSTICS
//	None: bounded memory (subjects and clients per subject are capped;
//	past the cap a subject counts findings but no new clients).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "policy/cause.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "policy/settings.hpp"

namespace milter503::policy {

struct Alert {
    Cause cause{};
    std::string domain;  // the local domain, for unknown-recipient; else empty
    unsigned long findings = 0;
    unsigned long clients = 0;  // distinct client addresses
    Clock::time_point first{};  // first finding counted in this alert
    Finding example;            // the finding that raised the alert
};

// `alert: cause=C fix=admin [domain=D] findings=N clients=N first=ISO
//  client=ADDR rejected="..." advice="..."`
std::string format_alert(const Alert& alert);

// What milter503-report reads back of an alert line, this one's or a
// condition's (nat_detector.hpp: `alert: condition=nat-gateway ...`).
struct AlertLine {
    std::string subject;  // the cause or condition: "server-fault", "nat-gateway"
    std::string domain;   // for unknown-recipient alerts
    std::string client;   // the example client
    unsigned long findings = 1;
    unsigned long clients = 1;
    std::string advice;
};

// nullopt when `line` (from `alert:` on) is no alert line in either form.
std::optional<AlertLine> parse_alert(std::string_view line);

class AlertTracker {
  public:
    // Distinct clients whose unknown recipients at one local domain make
    // the domain an admin matter rather than typing errors.
    static constexpr unsigned long unknown_domain_clients = 3;

    // `interval` 0 turns alerts off.
    explicit AlertTracker(std::chrono::seconds interval) : interval_(interval) {}
    void set_interval(std::chrono::seconds interval);

    // The alert to log for this finding, if one is due.
    std::optional<Alert> on_finding(const Finding& finding, const DomainSet& local_domains,
                                    Clock::time_point now);
    // An accepted recipient (the RCPT argument as the client sent it). In
    // a local domain it shows the domain works, so unknown recipients there
    // are typing errors or dictionary attacks, not missing mailboxes.
    void on_accepted_recipient(std::string_view recipient, const DomainSet& local_domains,
                               Clock::time_point now);

  private:
    // Caps that bound memory whatever clients send.
    static constexpr size_t max_subjects = 256;
    static constexpr size_t max_clients = 1024;

    struct Subject {
        Alert pending;                  // counts since the last alert
        std::set<std::string> clients;  // distinct clients since the last alert
        std::optional<Clock::time_point> last_alert;
    };
    static std::optional<std::string> unknown_domain_of(const Finding& finding,
                                                        const DomainSet& local_domains);
    bool domain_works(const std::string& domain, Clock::time_point now) const;
    bool due(const Subject& subject, Clock::time_point now) const;

    std::mutex mutex_;
    std::chrono::seconds interval_;
    std::map<std::string, Subject> subjects_;  // key: cause name or "unknown-recipient@DOMAIN"
    std::map<std::string, Clock::time_point> accepted_;  // local domain -> last accepted RCPT
};

}  // namespace milter503::policy
