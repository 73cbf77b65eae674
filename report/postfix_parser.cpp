// NAME
//	postfix_parser 3
// SUMMARY
//	Postfix smtpd(8) message parser
// DESCRIPTION
//	Prefix tests first (cheap), then field scanning with find().
#include "report/postfix_parser.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool parse_uint(std::string_view s, unsigned& out) {
    if (s.empty() || s.size() > 9)
        return false;
    unsigned value = 0;
    for (const char c : s) {
        if (!is_digit(c))
            return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    out = value;
    return true;
}

// "N" or "OK/TOTAL"
bool parse_count(std::string_view value, postfix::CommandCount& out) {
    const size_t slash = value.find('/');
    if (slash == std::string_view::npos) {
        if (!parse_uint(value, out.ok))
            return false;
        out.total = out.ok;
    } else if (!parse_uint(value.substr(0, slash), out.ok) ||
               !parse_uint(value.substr(slash + 1), out.total)) {
        return false;
    }
    out.present = true;
    return true;
}

// The value of `key=<value>` at `pos` ... up to the `>` that ends it
// before the next ` key=` or the end.
std::string_view angle_value(std::string_view attrs, std::string_view key) {
    const size_t at = attrs.find(key);
    if (at == std::string_view::npos)
        return {};
    const size_t start = at + key.size();
    // The value ends at the '>' followed by a space or the end.
    size_t end = start;
    for (;;) {
        end = attrs.find('>', end);
        if (end == std::string_view::npos)
            return attrs.substr(start);
        if (end + 1 == attrs.size() || attrs[end + 1] == ' ')
            return attrs.substr(start, end - start);
        ++end;
    }
}

Parsed parse_disconnect(std::string_view rest, postfix::Event& out) {
    size_t length = 0;
    if (!parse_client_ref(rest, out.client, length))
        return Parsed::malformed;
    out.kind = postfix::EventKind::disconnect;
    std::string_view stats = rest.substr(length);
    while (!stats.empty()) {
        if (stats[0] == ' ') {
            stats.remove_prefix(1);
            continue;
        }
        size_t end = stats.find(' ');
        if (end == std::string_view::npos)
            end = stats.size();
        const std::string_view token = stats.substr(0, end);
        stats.remove_prefix(end);
        const size_t eq = token.find('=');
        if (eq == std::string_view::npos)
            continue;
        const std::string_view name = token.substr(0, eq);
        const std::string_view value = token.substr(eq + 1);
        if (name == "mail") {
            parse_count(value, out.mail);
        } else if (name == "rcpt") {
            parse_count(value, out.rcpt);
        } else if (name == "data") {
            parse_count(value, out.data);
        }
    }
    return Parsed::used;
}

// `QUEUEID: reject: STAGE from CLIENT: REPLY; from=<s> to=<r> proto=P helo=<h>`
Parsed parse_reject(std::string_view rest, postfix::Event& out) {
    // rest starts at STAGE
    const size_t from = rest.find(" from ");
    if (from == std::string_view::npos || from == 0)
        return Parsed::malformed;
    out.stage = rest.substr(0, from);
    rest.remove_prefix(from + 6);
    size_t length = 0;
    if (!parse_client_ref(rest, out.client, length))
        return Parsed::malformed;
    rest.remove_prefix(length);
    if (!starts_with(rest, ": "))
        return Parsed::malformed;
    rest.remove_prefix(2);
    // The reply may itself contain "; ": the attributes are after the last
    // "; " that starts one of them (log_whatsup always ends the reply with
    // ';' and adds from=, to=, proto=, helo= in that order when known).
    size_t split = std::string_view::npos;
    for (const std::string_view key : {"; from=<", "; to=<", "; proto=", "; helo=<"}) {
        split = rest.rfind(key);
        if (split != std::string_view::npos)
            break;
    }
    std::string_view attrs;
    if (split != std::string_view::npos) {
        out.reply = rest.substr(0, split);
        attrs = rest.substr(split + 1);
    } else if (!rest.empty() && rest.back() == ';') {
        out.reply = rest.substr(0, rest.size() - 1);
    } else {
        out.reply = rest;  // truncated line: keep what there is
    }
    out.sender = angle_value(attrs, " from=<");
    out.recipient = angle_value(attrs, " to=<");
    out.helo = angle_value(attrs, " helo=<");
    out.kind = postfix::EventKind::reject;
    return out.reply.empty() ? Parsed::malformed : Parsed::used;
}

}  // namespace

bool parse_client_ref(std::string_view text, ClientRef& out, size_t& length) {
    const size_t open = text.find('[');
    if (open == std::string_view::npos || open == 0)
        return false;
    const std::string_view name = text.substr(0, open);
    if (name.find(' ') != std::string_view::npos)
        return false;
    const size_t close = text.find(']', open);
    if (close == std::string_view::npos || close == open + 1)
        return false;
    out.name = name;
    out.addr = text.substr(open + 1, close - open - 1);
    size_t end = close + 1;
    out.port = {};
    if (end < text.size() && text[end] == ':' && end + 1 < text.size() && is_digit(text[end + 1])) {
        size_t p = end + 1;
        while (p < text.size() && is_digit(text[p]))
            ++p;
        out.port = text.substr(end + 1, p - end - 1);
        end = p;
    }
    length = end;
    return true;
}

bool is_postfix_smtpd(std::string_view program) {
    if (program.size() < 6 || program.substr(program.size() - 6) != "/smtpd")
        return false;
    return starts_with(program, "postfix");
}

Parsed parse_postfix_smtpd(std::string_view message, postfix::Event& out) {
    out = postfix::Event{};
    // A line cut right after "connect from" is still one of ours: malformed.
    for (const bool disconnect : {false, true}) {
        const std::string_view prefix = disconnect ? "disconnect from" : "connect from";
        if (!starts_with(message, prefix))
            continue;
        std::string_view rest = message.substr(prefix.size());
        if (rest.empty() || rest[0] != ' ')
            return Parsed::malformed;
        rest.remove_prefix(1);
        if (disconnect)
            return parse_disconnect(rest, out);
        size_t length = 0;
        if (!parse_client_ref(rest, out.client, length))
            return Parsed::malformed;
        out.kind = postfix::EventKind::connect;
        return Parsed::used;
    }
    std::string_view pipelining = message;
    if (starts_with(pipelining, "warning: "))
        pipelining.remove_prefix(9);
    if (starts_with(pipelining, "improper command pipelining after ")) {
        std::string_view rest = pipelining.substr(34);
        const size_t from = rest.find(" from ");
        if (from == std::string_view::npos)
            return Parsed::malformed;
        out.after = rest.substr(0, from);
        size_t length = 0;
        if (!parse_client_ref(rest.substr(from + 6), out.client, length))
            return Parsed::malformed;
        out.kind = postfix::EventKind::pipelining;
        return Parsed::used;
    }
    // QUEUEID: ...
    const size_t colon = message.find(": ");
    if (colon == std::string_view::npos || colon == 0 || colon > 32)
        return Parsed::ignored;
    const std::string_view queue_id = message.substr(0, colon);
    for (const char c : queue_id) {
        if (!text::is_alnum(c))
            return Parsed::ignored;
    }
    std::string_view rest = message.substr(colon + 2);
    out.queue_id = queue_id;
    if (starts_with(rest, "reject: "))
        return parse_reject(rest.substr(8), out);
    if (starts_with(rest, "milter-reject: ")) {
        out.milter_reject = true;
        return parse_reject(rest.substr(15), out);
    }
    if (starts_with(rest, "client=")) {
        size_t length = 0;
        if (!parse_client_ref(rest.substr(7), out.client, length))
            return Parsed::malformed;
        const size_t user = rest.find("sasl_username=");
        if (user != std::string_view::npos) {
            std::string_view login = rest.substr(user + 14);
            const size_t comma = login.find(", ");
            out.sasl_username = login.substr(0, comma);
        }
        out.kind = postfix::EventKind::client;
        return Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace milter503::report
