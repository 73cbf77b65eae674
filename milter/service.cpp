// NAME
//	service 3
// SUMMARY
//	configuration snapshot, client table and finding lines
#include "milter/service.hpp"

namespace milter503::milter {

Service::Service(conf::Config config, LogSink& log, std::function<Clock::time_point()> now)
    : config_(std::make_shared<const conf::Config>(std::move(config))),
      log_(log),
      now_(std::move(now)),
      clients_(config_.load()->max_clients, config_.load()->log_rate_limit),
      alerts_(std::chrono::seconds(config_.load()->alert_interval)),
      nat_(std::chrono::seconds(config_.load()->alert_interval)) {}

void Service::replace_config(conf::Config config) {
    clients_.set_limits(config.max_clients, config.log_rate_limit);
    alerts_.set_interval(std::chrono::seconds(config.alert_interval));
    nat_.set_interval(std::chrono::seconds(config.alert_interval));
    config_.store(std::make_shared<const conf::Config>(std::move(config)));
}

void Service::record_session(const std::string& client_addr) {
    clients_.record_session(client_addr, now());
}

void Service::record_transaction(const std::string& client_addr, std::string_view helo,
                                 std::string_view sender) {
    const auto when = now();
    clients_.record_transactions(client_addr, 1, when);
    if (auto alert = nat_.on_transaction(client_addr, helo, sender, when))
        log_.write(Severity::warning, policy::format_nat_alert(*alert));
}

void Service::report(const std::vector<policy::Finding>& findings) {
    if (findings.empty())
        return;
    const auto settings = config()->settings;
    for (const auto& finding : findings) {
        const auto when = now();
        if (clients_.record_finding(finding, when)) {
            log_.write(Severity::info, policy::format_finding(finding));
        }
        if (auto alert = alerts_.on_finding(finding, settings->local_domains, when))
            log_.write(Severity::warning, policy::format_alert(*alert));
    }
}

void Service::record_accepted_recipient(std::string_view recipient) {
    alerts_.on_accepted_recipient(recipient, config()->settings->local_domains, now());
}

void Service::log_summary() {
    log_summary(std::chrono::steady_clock::now() +
                std::chrono::seconds(config()->log_flush_timeout));
}

void Service::log_summary(std::chrono::steady_clock::time_point deadline) {
    for (const auto& summary : clients_.snapshot()) {
        log_.write_by(Severity::info, policy::format_summary(summary), deadline);
    }
}

void Service::report_missing_macro(const MissingMacro& missing) {
    if (macros_.first_report(missing.macro)) {
        log_.write(Severity::warning, format_missing_macro(missing));
    }
}

}  // namespace milter503::milter
