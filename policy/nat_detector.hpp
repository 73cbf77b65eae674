// NAME
//	nat_detector 3h
// SUMMARY
//	one private address speaking for many clients: a NAT gateway or proxy
// SYNOPSIS
//	#include "policy/nat_detector.hpp"
// DESCRIPTION
//	Behind Docker's userland proxy, or any NAT or proxy that does not pass
//	on the client's address, every client arrives as one private or
//	loopback address. Per-client findings, mynetworks, reverse DNS and
//	SPF are then judged on the gateway, not on the clients. One mail
//	program or server keeps one HELO name and a few sender domains; a
//	gateway shows many of both. NatDetector counts, per private address
//	(RFC 1918, RFC 6598 shared space, loopback, IPv6 ULA and ::1), the
//	distinct HELO names and sender domains of its transactions within
//	an interval; when both reach distinct_needed, it returns a NatAlert,
//	at most once per address and interval. Public addresses cost nothing.
// DIAGNOSTICS
//	None: bounded memory (watched addresses and distinct values per
//	address are capped).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "policy/client_table.hpp"

namespace milter503::policy {

struct NatAlert {
    std::string client;  // the private address
    size_t helos = 0;    // distinct HELO names seen within the interval
    size_t sender_domains = 0;
    Clock::time_point first{};  // the interval's first transaction
};

// `alert: condition=nat-gateway fix=admin client=ADDR helos=N
//  sender_domains=N first=ISO advice="..."`
std::string format_nat_alert(const NatAlert& alert);

// Not on the public Internet: policy::non_public_networks() (RFC 1918,
// RFC 6598, loopback, link-local, IPv6 ULA).
bool is_private_address(std::string_view address_text);

class NatDetector {
  public:
    // One program has one HELO name; a few senders of a few domains are
    // normal for a relay. This many distinct of each is not one client.
    static constexpr size_t distinct_needed = 5;

    // `interval` 0 turns detection off.
    explicit NatDetector(std::chrono::seconds interval) : interval_(interval) {}
    void set_interval(std::chrono::seconds interval);

    // A transaction (MAIL) of `client` after HELO `helo` with envelope
    // sender `sender`: the alert to log, if one is due.
    std::optional<NatAlert> on_transaction(std::string_view client, std::string_view helo,
                                           std::string_view sender, Clock::time_point now);

  private:
    static constexpr size_t max_addresses = 64;

    struct Watch {
        Clock::time_point window_start{};
        std::set<std::string> helos;    // at most distinct_needed
        std::set<std::string> domains;  // at most distinct_needed
        std::optional<Clock::time_point> last_alert;
    };
    void restart_window(Watch& watch, Clock::time_point now) const;

    std::mutex mutex_;
    std::chrono::seconds interval_;
    std::map<std::string, Watch, std::less<>> watches_;
};

}  // namespace milter503::policy
