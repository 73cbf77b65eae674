// NAME
//	server_alerts 3
// SUMMARY
//	the milter's alert lines and the failed logins of the MTA's log
#include "report/server_alerts.hpp"

#include <algorithm>
#include <utility>

#include "policy/text.hpp"
#include "report/aggregate.hpp"

namespace milter503::report {
namespace {

constexpr std::string_view backend_down = "auth-backend-down";
constexpr std::string_view backend_down_advice =
    "Logins failed because the authentication backend did not answer (Postfix: \"Connection "
    "lost to authentication server\"): check the SASL service (the Dovecot auth socket named "
    "by smtpd_sasl_path, or saslauthd) and its log. Every user's login fails until it is "
    "back.";
constexpr std::string_view many_failing = "many-logins-failing";
constexpr std::string_view many_failing_advice =
    "Several clients failed to log in and then sent anyway within an hour: people whose "
    "password or login stopped working together. Check a recent password change or migration, "
    "the SASL backend (Dovecot auth, saslauthd) and the smtpd_sasl_* settings.";

// Reasons of a failed login that blame the backend, not the password.
bool backend_failed(std::string_view reason) {
    return text::contains_phrase(reason, "connection lost to authentication server");
}

}  // namespace

ServerAlerts::Gathered& ServerAlerts::subject(std::string_view name, std::string_view source,
                                              UnixTime time) {
    auto it = subjects_.find(name);
    if (it == subjects_.end()) {
        it = subjects_.emplace(std::string(name), Gathered{}).first;
        it->second.alert.subject = std::string(name);
        it->second.alert.source = std::string(source);
        it->second.alert.first = time;
    }
    ServerAlert& a = it->second.alert;
    a.first = std::min(a.first, time);
    a.last = std::max(a.last, time);
    return it->second;
}

void ServerAlerts::note_client(Gathered& g, std::string_view client) {
    if (client.empty())
        return;
    if (g.alert.example_client.empty())
        g.alert.example_client = std::string(client);
    if (g.clients.size() < max_clients)
        g.clients.insert(std::string(client));
}

void ServerAlerts::on_milter_alert(UnixTime time, policy::AlertLine&& line) {
    Gathered& g = subject(line.subject, "milter", time);
    ++g.alert.events;
    note_client(g, line.client);
    // The line counts the clients since the previous alert of its subject.
    g.alert.clients = std::max<unsigned long>(g.alert.clients, line.clients);
    if (g.alert.detail.empty() && !line.domain.empty())
        g.alert.detail = "domain " + line.domain;
    if (g.alert.advice.empty())
        g.alert.advice = std::move(line.advice);
}

void ServerAlerts::on_session(MtaSession&& s) {
    if (s.auth_failures > 0 && backend_failed(s.auth_failure)) {
        Gathered& g = subject(backend_down, "log", s.start);
        g.alert.events += s.auth_failures;
        note_client(g, s.client_addr);
        if (g.alert.detail.empty())
            g.alert.detail = s.auth_failure;
        g.alert.advice = std::string(backend_down_advice);
    }
    // session_cause() classifies reply texts; only a failed login can
    // make it auth-failed, so the other sessions skip it.
    if (s.auth_failures > 0 && failures_.size() < max_failures &&
        session_cause(s) == policy::Cause::auth_failed)
        failures_.push_back(Failure{s.start, s.client_addr});
    next_.on_session(std::move(s));
}

void ServerAlerts::on_summary(std::string_view host, UnixTime time,
                              policy::ClientSummary&& summary) {
    next_.on_summary(host, time, std::move(summary));
}

// The busiest hour of auth-failed sessions, when it had enough clients.
std::vector<ServerAlert> ServerAlerts::many_logins_failing() const {
    std::vector<Failure> sorted(failures_.begin(), failures_.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const Failure& a, const Failure& b) { return a.time < b.time; });
    // A window of one hour slides over them, counting each client's
    // sessions inside it.
    std::map<std::string_view, size_t> inside;
    size_t best_from = 0, best_to = 0, best_clients = 0;
    for (size_t from = 0, to = 0; from < sorted.size(); ++from) {
        while (to < sorted.size() && sorted[to].time < sorted[from].time + login_failure_window)
            ++inside[sorted[to++].client];
        if (inside.size() > best_clients) {
            best_clients = inside.size();
            best_from = from;
            best_to = to;
        }
        if (--inside[sorted[from].client] == 0)
            inside.erase(sorted[from].client);
    }
    if (best_clients < login_failures_needed)
        return {};
    ServerAlert a;
    a.subject = std::string(many_failing);
    a.source = "log";
    a.events = best_to - best_from;
    a.clients = best_clients;
    a.first = sorted[best_from].time;
    a.last = sorted[best_to - 1].time;
    a.example_client = sorted[best_from].client;
    a.advice = std::string(many_failing_advice);
    return {a};
}

std::vector<ServerAlert> ServerAlerts::build() {
    std::vector<ServerAlert> out = many_logins_failing();
    for (auto& [name, g] : subjects_) {
        g.alert.clients = std::max<unsigned long>(g.alert.clients, g.clients.size());
        out.push_back(std::move(g.alert));
    }
    std::stable_sort(out.begin(), out.end(), [](const ServerAlert& a, const ServerAlert& b) {
        return a.events > b.events;
    });
    subjects_.clear();
    failures_.clear();
    return out;
}

}  // namespace milter503::report
