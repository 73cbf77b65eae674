// NAME
//	sendmail_parser 3
// SUMMARY
//	Sendmail message parser
#include "report/sendmail_parser.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Value of `key=` in `, `-separated fields; the value ends at the next
// `, ` (or the end). Empty when absent.
std::string_view field(std::string_view fields, std::string_view key, bool* found = nullptr) {
    size_t pos = 0;
    while (pos < fields.size()) {
        if (fields.compare(pos, key.size(), key) == 0 && pos + key.size() < fields.size() &&
            fields[pos + key.size()] == '=') {
            const size_t start = pos + key.size() + 1;
            const size_t end = fields.find(", ", start);
            if (found)
                *found = true;
            return fields.substr(start, end == std::string_view::npos ? end : end - start);
        }
        const size_t next = fields.find(", ", pos);
        if (next == std::string_view::npos)
            break;
        pos = next + 2;
    }
    if (found)
        *found = false;
    return {};
}

std::string_view strip_angles(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>')
        return s.substr(1, s.size() - 2);
    return s;
}

}  // namespace

void sendmail::parse_relay(std::string_view relay, std::string_view& name, std::string_view& addr) {
    name = {};
    addr = {};
    const size_t open = relay.find('[');
    if (open == std::string_view::npos) {
        name = relay;  // local submission: `root@localhost`
        return;
    }
    const size_t close = relay.find(']', open);
    if (close == std::string_view::npos)
        return;
    addr = relay.substr(open + 1, close - open - 1);
    if (starts_with(addr, "IPv6:"))
        addr.remove_prefix(5);
    if (open >= 1) {
        name = relay.substr(0, open);
        while (!name.empty() && name.back() == ' ')
            name.remove_suffix(1);
        const size_t at = name.rfind('@');  // ident: `user@host`
        if (at != std::string_view::npos)
            name.remove_prefix(at + 1);
    }
}

bool is_sendmail(std::string_view program) {
    return program == "sm-mta" || program == "sendmail";
}

Parsed parse_sendmail(std::string_view message, sendmail::Event& out) {
    out = sendmail::Event{};
    std::string_view rest = message;
    if (!starts_with(rest, "AUTH=")) {
        const size_t colon = rest.find(": ");
        if (colon == std::string_view::npos || colon == 0 || colon > 32)
            return Parsed::ignored;
        for (size_t i = 0; i < colon; ++i) {
            if (!text::is_alnum(rest[i]))
                return Parsed::ignored;
        }
        out.queue_id = rest.substr(0, colon);
        rest.remove_prefix(colon + 2);
    }
    if (starts_with(rest, "ruleset=")) {
        const size_t reject = rest.find(", reject=");
        if (reject == std::string_view::npos)
            return Parsed::ignored;  // e.g. discard=, quarantine=
        const std::string_view fields = rest.substr(0, reject);
        out.reply = rest.substr(reject + 9);
        out.ruleset = field(fields, "ruleset");
        out.arg1 = strip_angles(field(fields, "arg1"));
        sendmail::parse_relay(field(fields, "relay"), out.relay_name, out.relay_addr);
        out.kind = sendmail::EventKind::reject;
        return out.reply.empty() ? Parsed::malformed : Parsed::used;
    }
    if (starts_with(rest, "from=")) {
        bool has_nrcpts = false;
        const std::string_view nrcpts = field(rest, "nrcpts", &has_nrcpts);
        if (!has_nrcpts)
            return Parsed::malformed;
        int value = 0;
        for (const char c : nrcpts) {
            if (!text::is_digit(c) || value > 100000)
                return Parsed::malformed;
            value = value * 10 + (c - '0');
        }
        if (nrcpts.empty())
            return Parsed::malformed;
        out.nrcpts = value;
        out.sender = strip_angles(field(rest, "from"));
        sendmail::parse_relay(field(rest, "relay"), out.relay_name, out.relay_addr);
        out.kind = sendmail::EventKind::from;
        return Parsed::used;
    }
    if (starts_with(rest, "AUTH=server, ")) {
        out.authid = field(rest, "authid");
        sendmail::parse_relay(field(rest, "relay"), out.relay_name, out.relay_addr);
        out.kind = sendmail::EventKind::auth;
        return out.authid.empty() ? Parsed::malformed : Parsed::used;
    }
    if (!out.queue_id.empty() && starts_with(rest, "<")) {
        const size_t dots = rest.find(">... ");
        if (dots == std::string_view::npos)
            return Parsed::ignored;
        out.recipient = rest.substr(1, dots - 1);
        out.reply = rest.substr(dots + 5);
        out.kind = sendmail::EventKind::rcpt_error;
        return Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace milter503::report
