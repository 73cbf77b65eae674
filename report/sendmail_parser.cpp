// NAME
//	sendmail_parser 3
// SUMMARY
//	Sendmail message parser
#include "report/sendmail_parser.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

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

// `check_rcpt` (also `check\_rcpt` as Markdown publishes it) -> rcpt.
Stage ruleset_stage(std::string_view ruleset) {
    std::string_view name = ruleset;
    std::string plain;
    if (name.find('\\') != std::string_view::npos) {
        for (const char c : name) {
            if (c != '\\')
                plain += c;
        }
        name = plain;
    }
    if (name == "check_rcpt")
        return Stage::rcpt;
    if (name == "check_mail")
        return Stage::mail;
    if (name == "check_relay")
        return Stage::connect;
    if (name == "check_data")
        return Stage::data;
    if (name == "check_eoh" || name == "check_eom")
        return Stage::content;
    return Stage::other;
}

std::string_view without_trailing(std::string_view s, char c) {
    while (!s.empty() && (s.back() == c || s.back() == ' '))
        s.remove_suffix(1);
    return s;
}

Parsed read_ruleset(std::string_view rest, SessionEvent& e) {
    const size_t reject = rest.find(", reject=");
    if (reject == std::string_view::npos)
        return Parsed::ignored;  // e.g. discard=, quarantine=
    const std::string_view fields = rest.substr(0, reject);
    e.reply = rest.substr(reject + 9);
    e.stage_text = field(fields, "ruleset");
    e.stage = ruleset_stage(e.stage_text);
    const std::string_view arg1 = strip_angles(field(fields, "arg1"));
    if (e.stage == Stage::mail) {
        e.sender = arg1;
    } else if (e.stage == Stage::rcpt) {
        e.recipient = arg1;
    }
    e.local = !sendmail::parse_relay(field(fields, "relay"), e.client);
    e.kind = e.stage == Stage::content ? EventKind::message_refused : EventKind::reject;
    return e.reply.empty() ? Parsed::malformed : Parsed::used;
}

Parsed read_from(std::string_view rest, SessionEvent& e) {
    bool has_nrcpts = false;
    const std::string_view nrcpts = field(rest, "nrcpts", &has_nrcpts);
    if (!has_nrcpts || nrcpts.empty() || nrcpts.size() > 6 || !text::all_digits(nrcpts))
        return Parsed::malformed;
    for (const char c : nrcpts)
        e.recipients_accepted = e.recipients_accepted * 10 + static_cast<unsigned>(c - '0');
    e.sender = strip_angles(field(rest, "from"));
    e.local = !sendmail::parse_relay(field(rest, "relay"), e.client);
    e.kind = EventKind::transaction_end;
    return Parsed::used;
}

// `AUTH failure (MECH): REASON, relay=RELAY` (srvrsmtp.c, at LogLevel 9
// and up, Debian's default): a refused login. The reason is SASL's and
// may hold `user=NAME`.
Parsed read_auth_failure(std::string_view rest, SessionEvent& e) {
    const size_t reason = rest.find("): ");
    const size_t relay = rest.rfind(", relay=");
    if (reason == std::string_view::npos || relay == std::string_view::npos || relay < reason)
        return Parsed::malformed;
    e.reply = rest.substr(reason + 3, relay - reason - 3);
    e.login = field(e.reply, "user");
    e.local = !sendmail::parse_relay(rest.substr(relay + 8), e.client);
    e.kind = EventKind::auth_failed;
    return Parsed::used;
}

Parsed read_line(std::string_view rest, SessionEvent& e) {
    if (rest.starts_with("AUTH failure ("))
        return read_auth_failure(rest, e);
    if (!rest.starts_with("AUTH=") && !rest.starts_with("ruleset=")) {
        const size_t colon = rest.find(": ");
        if (colon == std::string_view::npos || colon == 0 || colon > 32)
            return Parsed::ignored;
        for (size_t i = 0; i < colon; ++i) {
            if (!text::is_alnum(rest[i]))
                return Parsed::ignored;
        }
        e.queue_id = rest.substr(0, colon);
        rest.remove_prefix(colon + 2);
    }
    if (rest.starts_with("AUTH failure ("))
        return read_auth_failure(rest, e);
    if (rest.starts_with("ruleset="))
        return read_ruleset(rest, e);
    if (rest.starts_with("from="))
        return read_from(rest, e);
    if (rest.starts_with("AUTH=server, ")) {
        e.login = field(rest, "authid");
        e.local = !sendmail::parse_relay(field(rest, "relay"), e.client);
        e.kind = EventKind::info;
        return e.login.empty() ? Parsed::malformed : Parsed::used;
    }
    if (!e.queue_id.empty() && rest.starts_with('<')) {
        // `<rcpt>... User unknown` (also `&#8230;` where a blog turned the
        // three dots into an ellipsis entity)
        size_t dots = rest.find(">... ");
        size_t skip = 5;
        if (dots == std::string_view::npos) {
            dots = rest.find(">&#8230; ");
            skip = 9;
        }
        if (dots == std::string_view::npos)
            return Parsed::ignored;
        e.recipient = rest.substr(1, dots - 1);
        e.reply = rest.substr(dots + skip);
        e.stage = Stage::rcpt;
        e.stage_text = "RCPT";
        e.kind = EventKind::reject;
        return Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace

bool sendmail::parse_relay(std::string_view relay, ClientRef& client) {
    const size_t open = relay.find('[');
    if (open == std::string_view::npos)
        return relay.empty();  // `root@localhost`: a local submission
    const size_t close = relay.find(']', open);
    if (close == std::string_view::npos)
        return true;
    std::string_view addr = without_trailing(relay.substr(open + 1, close - open - 1), '\\');
    if (addr.starts_with("IPv6:"))
        addr.remove_prefix(5);
    client.addr = addr;
    std::string_view name = without_trailing(relay.substr(0, open), '\\');
    const size_t at = name.rfind('@');  // ident: `user@host`
    if (at != std::string_view::npos)
        name.remove_prefix(at + 1);
    client.name = name;
    return true;
}

bool is_sendmail(std::string_view program) {
    return program == "sendmail" || program.starts_with("sm-");
}

Parsed read_sendmail(const LogLine& line, EventSink& sink) {
    SessionEvent e;
    // One scope for every ident: Sendmail's pid names the connection.
    e.scope = "sendmail";
    e.key = line.pid;
    e.end_unlogged = true;
    const Parsed parsed = read_line(line.message, e);
    if (parsed == Parsed::used)
        sink.event(e);
    return parsed;
}

}  // namespace milter503::report
