// NAME
//	alerts 3
// SUMMARY
//	admin alerts for server-wide faults, rate limited per subject
#include "policy/alerts.hpp"

#include "policy/address.hpp"
#include "policy/log_format.hpp"
#include "policy/text.hpp"

namespace milter503::policy {

namespace key = logfmt::key;

std::string format_alert(const Alert& alert) {
    std::string out(logfmt::alert_prefix);
    out += ':';
    logfmt::append_field(out, key::cause, cause_name(alert.cause));
    logfmt::append_field(out, key::fix, actor_name(Actor::admin));
    if (!alert.domain.empty())
        logfmt::append_field(out, key::domain, alert.domain);
    logfmt::append_field(out, key::findings, std::to_string(alert.findings));
    logfmt::append_field(out, key::clients, std::to_string(alert.clients));
    logfmt::append_field(out, key::first, format_iso8601(alert.first));
    logfmt::append_field(out, key::client, alert.example.client_addr);
    logfmt::append_field(out, key::rejected, format_rejected(alert.example));
    logfmt::append_field(out, key::advice, cause_info(alert.cause).admin_advice);
    return out;
}

namespace {

// A count field, 1 when absent or garbled (the line still is one alert).
unsigned long count_field(const logfmt::Fields& fields, std::string_view key) {
    const std::string* value = logfmt::find_field(fields, key);
    if (value == nullptr || value->empty() || value->size() > 9 || !text::all_digits(*value))
        return 1;
    return std::stoul(*value);
}

}  // namespace

std::optional<AlertLine> parse_alert(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (!line.starts_with(logfmt::alert_prefix) ||
        !line.substr(logfmt::alert_prefix.size()).starts_with(": "))
        return std::nullopt;
    const auto fields = logfmt::parse_fields(line.substr(logfmt::alert_prefix.size() + 2));
    if (!fields)
        return std::nullopt;
    const std::string* subject = logfmt::find_field(*fields, key::cause);
    if (subject == nullptr)
        subject = logfmt::find_field(*fields, key::condition);
    if (subject == nullptr || subject->empty())
        return std::nullopt;
    AlertLine alert;
    alert.subject = *subject;
    for (auto [out, name] :
         {std::pair{&alert.domain, key::domain}, std::pair{&alert.client, key::client},
          std::pair{&alert.advice, key::advice}}) {
        if (const std::string* value = logfmt::find_field(*fields, name))
            *out = *value;
    }
    alert.findings = count_field(*fields, key::findings);
    alert.clients = count_field(*fields, key::clients);
    return alert;
}

void AlertTracker::set_interval(std::chrono::seconds interval) {
    std::lock_guard lock(mutex_);
    interval_ = interval;
}

// The one local domain of every refused recipient of an unknown-recipient
// finding; nullopt when they are not all in one local domain.
std::optional<std::string> AlertTracker::unknown_domain_of(const Finding& finding,
                                                           const DomainSet& local_domains) {
    if (finding.cause != Cause::unknown_recipient || finding.rejected.empty())
        return std::nullopt;
    std::string domain;
    for (const auto& rcpt : finding.rejected) {
        const AddressParts parts = split_address(rcpt.recipient);
        if (parts.domain.empty() || (!domain.empty() && parts.domain != domain))
            return std::nullopt;
        domain = parts.domain;
    }
    if (!local_domains.contains(domain))
        return std::nullopt;
    return domain;
}

bool AlertTracker::domain_works(const std::string& domain, Clock::time_point now) const {
    const auto found = accepted_.find(domain);
    return found != accepted_.end() && now - found->second < interval_;
}

bool AlertTracker::due(const Subject& subject, Clock::time_point now) const {
    return !subject.last_alert || now < *subject.last_alert ||
           now - *subject.last_alert >= interval_;
}

void AlertTracker::on_accepted_recipient(std::string_view recipient, const DomainSet& local_domains,
                                         Clock::time_point now) {
    std::string domain = split_address(strip_angle(recipient)).domain;
    if (domain.empty() || !local_domains.contains(domain))
        return;
    std::lock_guard lock(mutex_);
    if (interval_.count() == 0)
        return;
    auto found = accepted_.find(domain);
    if (found != accepted_.end())
        found->second = now;
    else if (accepted_.size() < max_subjects)
        accepted_.emplace(std::move(domain), now);
}

std::optional<Alert> AlertTracker::on_finding(const Finding& finding,
                                              const DomainSet& local_domains,
                                              Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (interval_.count() == 0)
        return std::nullopt;
    const auto domain = unknown_domain_of(finding, local_domains);
    if (!domain && !cause_info(finding.cause).server_wide)
        return std::nullopt;
    std::string name(cause_name(finding.cause));
    if (domain)
        name += '@' + *domain;
    auto found = subjects_.find(name);
    if (found == subjects_.end()) {
        // Clients choose domains, not causes: only domains are capped, so
        // endless subdomains cannot crowd out a server-wide cause.
        if (domain && subjects_.size() >= max_subjects)
            return std::nullopt;
        found = subjects_.emplace(name, Subject{}).first;
    }
    Subject& subject = found->second;
    // A domain's evidence is the clients of one interval, not a slow
    // trickle of typing errors over weeks.
    if (domain && subject.pending.findings > 0 && now - subject.pending.first >= interval_) {
        subject.pending = Alert{};
        subject.clients.clear();
    }
    if (subject.pending.findings++ == 0)
        subject.pending.first = now;
    if (subject.clients.size() < max_clients)
        subject.clients.insert(finding.client_addr);
    if (!due(subject, now))
        return std::nullopt;
    if (domain && (subject.clients.size() < unknown_domain_clients || domain_works(*domain, now)))
        return std::nullopt;

    Alert alert = subject.pending;
    alert.cause = finding.cause;
    alert.domain = domain.value_or(std::string());
    alert.clients = subject.clients.size();
    alert.example = finding;
    subject.pending = Alert{};
    subject.clients.clear();
    subject.last_alert = now;
    return alert;
}

}  // namespace milter503::policy
