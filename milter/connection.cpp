// NAME
//	connection 3
// SUMMARY
//	per-connection glue between libmilter's stages and policy::Session
// DESCRIPTION
//	The client address comes from the connect callback's sockaddr, which
//	both MTAs pass, and only falls back to {client_addr}: Sendmail's
//	default macro list does not carry it. A macro is whatever the peer on
//	the milter socket sends, so that fallback is capped where it enters:
//	the address keys the per-client table and every summary line.
#include "milter/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>

#include "policy/log_format.hpp"
#include "policy/reply.hpp"

namespace milter503::milter {
namespace {

struct Endpoint {
    std::string addr;
    std::string port;
};

std::optional<Endpoint> endpoint_of(const sockaddr* address) {
    if (address == nullptr)
        return std::nullopt;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        if (inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size()) == nullptr) {
            return std::nullopt;
        }
        return Endpoint{text.data(), std::to_string(ntohs(in->sin_port))};
    }
    if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        if (inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size()) == nullptr) {
            return std::nullopt;
        }
        return Endpoint{text.data(), std::to_string(ntohs(in6->sin6_port))};
    }
    return std::nullopt;
}

// Longer than any IPv6 literal Sendmail writes (`IPv6:` and 45 bytes).
constexpr size_t max_client_addr_bytes = 64;
// LogWhy details are the client's own words (HELO, addresses).
constexpr size_t max_why_detail_bytes = 255;

std::string or_default(const std::string& value, const char* fallback) {
    return value.empty() ? std::string(fallback) : value;
}

// Sendmail wraps the client name in [] when it could not resolve it.
std::string client_name_of(const char* hostname, const Macros& macros) {
    std::string name = hostname != nullptr ? hostname : macros.get("{client_name}");
    if (name.empty() || name.front() == '[')
        return "unknown";
    return name;
}

}  // namespace

Connection::Connection(Service& service)
    : service_(service),
      config_(service.config()),
      session_(config_->settings, &service.clients()) {}

void Connection::check_macro(const Macros& macros, const char* name, MacroStage stage,
                             const char* effect) {
    if (!macros.has(name))
        service_.report_missing_macro({name, stage, effect});
}

void Connection::log_phase(std::string_view phase, std::string_view detail) {
    if (!config_->log_why)
        return;
    std::string line = "why:";
    logfmt::append_field(line, logfmt::key::phase, phase);
    logfmt::append_field(line, logfmt::key::conn, session_.connection().conn_id);
    logfmt::append_field(line, logfmt::key::client, session_.connection().client_addr);
    if (!detail.empty())
        logfmt::append_capped_field(line, logfmt::key::detail, detail, max_why_detail_bytes);
    service_.log(Severity::debug, line);
}

void Connection::connect(const Macros& macros, const char* hostname, const sockaddr* address) {
    connected_ = true;
    postfix_ = macros.get("v").starts_with("Postfix");
    policy::ConnectEvent event;
    event.conn_id = service_.next_connection_id();
    event.client_name = client_name_of(hostname, macros);
    if (auto endpoint = endpoint_of(address)) {
        event.client_addr = endpoint->addr;
        event.client_port = endpoint->port;
    } else {
        event.client_addr = logfmt::cap_value(or_default(macros.get("{client_addr}"), "unknown"),
                                              max_client_addr_bytes);
        event.client_port = or_default(macros.get("{client_port}"), "0");
    }
    event.daemon_port = or_default(macros.get("{daemon_port}"), "-");
    // Postfix passes every recipient its restrictions refused; Sendmail
    // negotiates the flag too but hides what check_rcpt refuses.
    event.refused_rcpts_reported = postfix_ && rcpt_rej_;
    check_macro(macros, "{daemon_port}", MacroStage::connect,
                "cannot tell the submission port from port 25");
    service_.record_session(event.client_addr);
    report(session_.on_connect(event));
    log_phase("connect", event.client_name);
}

void Connection::helo(const char* helo) {
    report(session_.on_helo(helo != nullptr ? helo : ""));
    log_phase("helo", helo != nullptr ? helo : "");
}

void Connection::mail(const Macros& macros, const char* sender) {
    policy::MailEvent event;
    event.sender = sender != nullptr ? sender : "";
    event.auth_login = macros.get("{auth_authen}");
    event.queue_id = macros.get("i");
    if (!postfix_) {
        check_macro(macros, "i", MacroStage::envfrom,
                    "no queue id in the lines: grep the MTA log by client instead");
    }
    if (macros.has("{auth_type}")) {
        check_macro(macros, "{auth_authen}", MacroStage::envfrom,
                    "authenticated senders look unauthenticated");
    }
    service_.record_transaction(session_.connection().client_addr, session_.helo(), event.sender);
    report(session_.on_mail(event));
    log_phase("mail", event.sender);
}

void Connection::rcpt(const Macros& macros, const char* recipient) {
    policy::RcptEvent event;
    event.recipient = recipient != nullptr ? recipient : "";
    event.mailer = macros.get("{rcpt_mailer}");
    event.host = macros.get("{rcpt_host}");
    event.addr = macros.get("{rcpt_addr}");
    if (event.refused()) {
        // Sendmail passes the whole reply in {rcpt_addr}, Postfix the text.
        const policy::Reply reply = policy::split_refusal(event.host, event.addr);
        event.host = std::string(reply.status);
        event.addr = std::string(reply.text);
    }
    event.queue_id = macros.get("i");
    check_macro(macros, "{rcpt_mailer}", MacroStage::envrcpt,
                "rejected recipients cannot be told from accepted ones");
    if (!event.refused())
        service_.record_accepted_recipient(event.recipient);
    report(session_.on_rcpt(event));
    log_phase("rcpt", event.refused() ? event.host + " " + event.addr : event.recipient);
}

void Connection::data(const Macros& macros) {
    report(session_.on_data(macros.get("i")));
    log_phase("data");
}

void Connection::header(const char* name, const char* value) {
    report(session_.on_header(name != nullptr ? name : "", value != nullptr ? value : ""));
}

void Connection::end_of_message(const Macros& macros) {
    report(session_.on_end_of_message(macros.get("i")));
    log_phase("eom");
}

void Connection::abort() {
    report(session_.on_abort());
    log_phase("abort");
}

void Connection::close() {
    report(session_.on_close());
    if (connected_)
        log_phase("close");
}

}  // namespace milter503::milter
