// NAME
//	nat_detector 3
// SUMMARY
//	many HELO names and sender domains behind one private address
#include "policy/nat_detector.hpp"

#include "policy/address.hpp"
#include "policy/log_format.hpp"
#include "policy/network.hpp"
#include "policy/text.hpp"

namespace milter503::policy {
namespace {

namespace key = logfmt::key;

constexpr std::string_view condition_name = "nat-gateway";
constexpr std::string_view advice =
    "One private address sends for many unrelated clients (distinct HELO names and sender "
    "domains): a NAT gateway or proxy (Docker's userland proxy, a load balancer) hides the "
    "real clients, so per-client findings, mynetworks, reverse DNS and SPF checks judge the "
    "gateway. Pass the client's address on (Docker: publish the port without the userland "
    "proxy, or run the MTA with host networking; a proxy: the PROXY protocol, Postfix's "
    "smtpd_upstream_proxy_protocol).";

// Adds `value` (lower-cased) while the set is below the cap.
void remember(std::set<std::string>& values, std::string_view value) {
    if (value.empty() || values.size() >= NatDetector::distinct_needed)
        return;
    values.insert(text::to_lower_ascii(value));
}

}  // namespace

std::string format_nat_alert(const NatAlert& alert) {
    std::string out(logfmt::alert_prefix);
    out += ':';
    logfmt::append_field(out, key::condition, condition_name);
    logfmt::append_field(out, key::fix, actor_name(Actor::admin));
    logfmt::append_field(out, key::client, alert.client);
    logfmt::append_field(out, key::helos, std::to_string(alert.helos));
    logfmt::append_field(out, key::sender_domains, std::to_string(alert.sender_domains));
    logfmt::append_field(out, key::first, format_iso8601(alert.first));
    logfmt::append_field(out, key::advice, advice);
    return out;
}

bool is_private_address(std::string_view address_text) {
    return non_public_networks().contains(address_text);
}

void NatDetector::set_interval(std::chrono::seconds interval) {
    std::lock_guard lock(mutex_);
    interval_ = interval;
}

void NatDetector::restart_window(Watch& watch, Clock::time_point now) const {
    watch.window_start = now;
    watch.helos.clear();
    watch.domains.clear();
}

std::optional<NatAlert> NatDetector::on_transaction(std::string_view client, std::string_view helo,
                                                    std::string_view sender,
                                                    Clock::time_point now) {
    if (!is_private_address(client))
        return std::nullopt;
    std::lock_guard lock(mutex_);
    if (interval_.count() == 0)
        return std::nullopt;
    auto it = watches_.find(client);
    if (it == watches_.end()) {
        if (watches_.size() >= max_addresses)
            return std::nullopt;
        it = watches_.emplace(std::string(client), Watch{}).first;
        restart_window(it->second, now);
    }
    Watch& watch = it->second;
    if (now >= watch.window_start + interval_)
        restart_window(watch, now);
    remember(watch.helos, helo);
    remember(watch.domains, split_address(strip_angle(sender)).domain);
    const bool many =
        watch.helos.size() >= distinct_needed && watch.domains.size() >= distinct_needed;
    const bool due = !watch.last_alert || now >= *watch.last_alert + interval_;
    if (!many || !due)
        return std::nullopt;
    watch.last_alert = now;
    return NatAlert{std::string(client), watch.helos.size(), watch.domains.size(),
                    watch.window_start};
}

}  // namespace milter503::policy
