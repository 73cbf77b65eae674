// NAME
//	exim_parser 3
// SUMMARY
//	Exim main log message parser
#include "report/exim_parser.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string_view strip_angles(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>')
        return s.substr(1, s.size() - 2);
    return s;
}

// "<addr>: text" → addr, text
bool split_address_text(std::string_view rest, std::string_view& address, std::string_view& text) {
    if (rest.empty() || rest[0] != '<')
        return false;
    const size_t close = rest.find(">: ");
    if (close != std::string_view::npos) {
        address = rest.substr(1, close - 1);
        text = rest.substr(close + 3);
        return true;
    }
    if (rest.back() == '>') {  // no reason given
        address = rest.substr(1, rest.size() - 2);
        text = {};
        return true;
    }
    return false;
}

Parsed parse_rejected(std::string_view message, exim::Event& out) {
    // H=... [F=<...>] [temporarily ]rejected (RCPT|MAIL) <...>: text
    static constexpr std::string_view markers[] = {" temporarily rejected RCPT ", " rejected RCPT ",
                                                   " temporarily rejected MAIL ",
                                                   " rejected MAIL "};
    for (const std::string_view marker : markers) {
        const size_t at = message.find(marker);
        if (at == std::string_view::npos)
            continue;
        std::string_view head = message.substr(2, at - 2);  // after "H="
        const size_t sender = head.find(" F=<");
        if (sender != std::string_view::npos) {
            out.sender = strip_angles(head.substr(sender + 3));
            head = head.substr(0, sender);
        }
        if (!exim::parse_host(head, out))
            return Parsed::malformed;
        const bool rcpt = marker.find("RCPT") != std::string_view::npos;
        out.temporary = marker.find("temporarily") != std::string_view::npos;
        std::string_view address;
        if (!split_address_text(message.substr(at + marker.size()), address, out.text)) {
            return Parsed::malformed;
        }
        if (rcpt) {
            out.recipient = address;
            out.kind = exim::EventKind::reject_rcpt;
        } else {
            out.sender = address;
            out.kind = exim::EventKind::reject_mail;
        }
        return Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace

bool exim::parse_host(std::string_view host, Event& out) {
    // Drop trailing ` U=ident` and ` I=[addr]:port`.
    for (const std::string_view key : {" U=", " I=["}) {
        const size_t at = host.rfind(key);
        if (at != std::string_view::npos)
            host = host.substr(0, at);
    }
    const size_t open = host.rfind('[');
    if (open == std::string_view::npos)
        return false;
    const size_t close = host.find(']', open);
    if (close == std::string_view::npos || close == open + 1)
        return false;
    out.addr = host.substr(open + 1, close - open - 1);
    out.port = {};
    if (close + 1 < host.size() && host[close + 1] == ':') {
        size_t p = close + 2;
        while (p < host.size() && is_digit(host[p]))
            ++p;
        out.port = host.substr(close + 2, p - close - 2);
    }
    std::string_view names = host.substr(0, open);
    while (!names.empty() && names.back() == ' ')
        names.remove_suffix(1);
    out.host_name = {};
    out.helo = {};
    if (names.empty())
        return true;
    if (names.front() == '(') {
        if (names.back() != ')')
            return false;
        out.helo = names.substr(1, names.size() - 2);
        return true;
    }
    const size_t space = names.find(' ');
    out.host_name = names.substr(0, space);
    if (space != std::string_view::npos) {
        std::string_view helo = names.substr(space + 1);
        if (helo.size() >= 2 && helo.front() == '(' && helo.back() == ')') {
            out.helo = helo.substr(1, helo.size() - 2);
        }
    }
    return true;
}

bool is_exim(std::string_view program) {
    return program == "exim" || program == "exim4";
}

Parsed parse_exim(std::string_view message, exim::Event& out) {
    out = exim::Event{};
    if (starts_with(message, "H="))
        return parse_rejected(message, out);
    if (starts_with(message, "SMTP protocol error in \"")) {
        static constexpr std::string_view must_precede = " valid RCPT command must precede ";
        const size_t text = message.find(must_precede);
        if (text == std::string_view::npos)
            return Parsed::ignored;
        const size_t host = message.find(" H=");
        if (host == std::string_view::npos || host > text)
            return Parsed::malformed;
        if (!exim::parse_host(message.substr(host + 3, text - host - 3), out)) {
            return Parsed::malformed;
        }
        out.text = message.substr(text + 1);
        out.kind = exim::EventKind::no_valid_rcpt;
        return Parsed::used;
    }
    // `ID <= sender H=... P=... [A=mech:login] ...`
    const size_t arrow = message.find(" <= ");
    if (arrow != std::string_view::npos && arrow > 0 && arrow < 32 &&
        message.substr(0, arrow).find(' ') == std::string_view::npos) {
        std::string_view rest = message.substr(arrow + 4);
        const size_t sender_end = rest.find(' ');
        out.sender = rest.substr(0, sender_end);
        const size_t host = rest.find(" H=");
        if (host == std::string_view::npos)
            return Parsed::ignored;  // local submission
        std::string_view after = rest.substr(host + 3);
        const size_t proto = after.find(" P=");
        if (proto == std::string_view::npos)
            return Parsed::malformed;
        if (!exim::parse_host(after.substr(0, proto), out))
            return Parsed::malformed;
        const size_t auth = after.find(" A=", proto);
        if (auth != std::string_view::npos) {
            std::string_view value = after.substr(auth + 3);
            value = value.substr(0, value.find(' '));
            const size_t colon = value.find(':');
            if (colon != std::string_view::npos)
                out.login = value.substr(colon + 1);
        }
        out.kind = exim::EventKind::arrival;
        return Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace milter503::report
