// NAME
//	exim_parser 3
// SUMMARY
//	Exim main log message parser
#include "report/exim_parser.hpp"

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

// Exim's smtp_receive_timeout (5 minutes by default): a connection that
// said nothing for longer has been dropped by Exim itself.
constexpr long connection_idle = 300;
// A client address alone may name several connections.
constexpr long address_idle = 60;

std::string_view strip_angles(std::string_view s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>')
        return s.substr(1, s.size() - 2);
    return s;
}

// `10HmaX-0005vi-00` (Exim < 4.97) or `10HmaX-000000005vi-0000`.
bool is_message_id(std::string_view token) {
    if (token.size() != 16 && token.size() != 23)
        return false;
    unsigned dashes = 0;
    for (const char c : token) {
        if (c == '-') {
            ++dashes;
        } else if (!text::is_alnum(c)) {
            return false;
        }
    }
    return dashes == 2 && token[6] == '-';
}

// The value of ` NAME=` in `fields`, up to the next space.
std::string_view field(std::string_view fields, std::string_view name) {
    const size_t at = fields.find(name);
    if (at == std::string_view::npos)
        return {};
    const std::string_view value = fields.substr(at + name.size());
    return value.substr(0, value.find(' '));
}

// Names the session after the client: see exim_parser.hpp.
void set_key(SessionEvent& e, std::string_view fields, std::string_view pid) {
    const std::string_view ci = field(fields, " Ci=");
    if (!ci.empty()) {
        e.key = ci;
    } else if (!e.client.port.empty()) {
        const char* begin = e.client.addr.data();
        e.key = std::string_view(
            begin, static_cast<size_t>(e.client.port.data() + e.client.port.size() - begin));
    } else if (!pid.empty()) {
        e.key = pid;
    } else {
        e.key = e.client.addr;
        e.idle_seconds = address_idle;
    }
}

// `H=HOST FIELDS` at the start of `text` (after "H="); `rest` is what
// follows the host's fields up to `end`.
bool read_host(std::string_view text, SessionEvent& e, std::string_view& fields) {
    size_t length = 0;
    if (!exim::parse_host(text, e.client, e.helo, length))
        return false;
    fields = text.substr(length);
    return true;
}

Stage stage_of(std::string_view what) {
    if (what.starts_with("RCPT"))
        return Stage::rcpt;
    if (what.starts_with("MAIL"))
        return Stage::mail;
    if (what.starts_with("DATA"))
        return Stage::data;
    if (what.starts_with("after DATA"))
        return Stage::content;
    if (what.starts_with("connection"))
        return Stage::connect;
    if (what.starts_with("EHLO") || what.starts_with("HELO"))
        return Stage::helo;
    return Stage::other;
}

// `H=HOST FIELDS [F=<sender>] [temporarily ]rejected WHAT[: MESSAGE]`
Parsed read_acl_reject(std::string_view message, std::string_view pid, SessionEvent& e) {
    std::string_view fields;
    if (!read_host(message.substr(2), e, fields))
        return Parsed::malformed;
    size_t marker = fields.find(" rejected ");
    if (marker == std::string_view::npos)
        return Parsed::ignored;  // sender verify fail, dropped by ACL, ...
    const std::string_view head = fields.substr(0, marker);
    std::string_view what = fields.substr(marker + 10);
    if (head.ends_with(" temporarily")) {
        e.temporary = true;
        fields = head.substr(0, head.size() - 12);
    } else {
        fields = head;
    }
    if (const size_t from = fields.find(" F="); from != std::string_view::npos) {
        std::string_view sender = fields.substr(from + 3);
        sender = sender.substr(0, sender.find(" A="));
        e.sender = strip_angles(sender);
        fields = fields.substr(0, from);
    }
    set_key(e, fields, pid);
    e.stage = stage_of(what);
    const size_t colon = what.find(": ");
    e.reply = colon == std::string_view::npos ? std::string_view{} : what.substr(colon + 2);
    what = what.substr(0, colon);
    if (e.stage == Stage::rcpt || e.stage == Stage::mail) {
        e.stage_text = what.substr(0, 4);
        // The argument as the client sent it: `<a@b>`, `a@b`, `<a@b> NOTIFY=NEVER`.
        std::string_view address = text::trim(what.substr(4));
        address = strip_angles(address.substr(0, address.find(' ')));
        (e.stage == Stage::rcpt ? e.recipient : e.sender) = address;
    } else {
        e.stage_text = what;
    }
    if (e.reply.empty())
        e.reply = e.temporary ? "temporarily rejected" : "rejected";  // no message: all there is
    e.kind = e.stage == Stage::content ? EventKind::message_refused : EventKind::reject;
    return Parsed::used;
}

// `rejected from <SENDER>[ ]H=HOST: TEXT` (receive.c)
Parsed read_message_reject(std::string_view message, std::string_view pid, SessionEvent& e) {
    std::string_view rest = message.substr(14);  // after "rejected from "
    const size_t close = rest.find('>');
    if (!rest.starts_with('<') || close == std::string_view::npos)
        return Parsed::malformed;
    e.sender = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (rest.starts_with(' '))
        rest.remove_prefix(1);
    if (!rest.starts_with("H="))
        return Parsed::ignored;  // a local message: no SMTP client
    std::string_view fields;
    if (!read_host(rest.substr(2), e, fields))
        return Parsed::malformed;
    const size_t colon = fields.find(": ");
    if (colon == std::string_view::npos)
        return Parsed::malformed;
    set_key(e, fields.substr(0, colon), pid);
    e.reply = fields.substr(colon + 2);
    e.stage = Stage::content;
    e.stage_text = "message";
    e.kind = EventKind::message_refused;
    return Parsed::used;
}

// `F=SENDER H=HOST FIELDS rejected by local_scan()[: TEXT]` (receive.c):
// written after the whole message was received with an accepted
// recipient, then answered 550: a message refused after DATA.
Parsed read_local_scan_reject(std::string_view message, std::string_view pid, SessionEvent& e) {
    constexpr std::string_view marker = " rejected by local_scan()";
    const size_t at = message.find(marker);
    const size_t host = message.find(" H=");
    if (at == std::string_view::npos || host == std::string_view::npos || host > at)
        return Parsed::ignored;
    e.sender = strip_angles(message.substr(2, host - 2));
    std::string_view head = message.substr(host + 3, at - host - 3);
    if (head.ends_with(" temporarily")) {  // 451, LOCAL_SCAN_TEMPREJECT
        e.temporary = true;
        head.remove_suffix(12);
    }
    std::string_view fields;
    if (!read_host(head, e, fields))
        return Parsed::malformed;
    set_key(e, fields, pid);
    std::string_view reply = message.substr(at + marker.size());
    if (reply.starts_with(": "))
        reply.remove_prefix(2);
    e.reply = reply.empty() ? std::string_view("rejected") : reply;
    e.stage = Stage::content;
    e.stage_text = "message";
    e.kind = EventKind::message_refused;
    return Parsed::used;
}

// `SMTP protocol error in "DATA" H=HOST valid RCPT command must precede DATA`
Parsed read_protocol_error(std::string_view message, std::string_view pid, SessionEvent& e) {
    constexpr std::string_view must_precede = " valid RCPT command must precede ";
    const size_t text_at = message.find(must_precede);
    if (text_at == std::string_view::npos)
        return Parsed::ignored;
    // The quoted command is the client's: the host is the last H= before.
    const size_t host = message.rfind(" H=", text_at);
    if (host == std::string_view::npos)
        return Parsed::malformed;
    std::string_view fields;
    if (!read_host(message.substr(host + 3, text_at - host - 3), e, fields))
        return Parsed::malformed;
    set_key(e, fields, pid);
    e.reply = message.substr(text_at + 1);
    e.stage = Stage::data;
    e.stage_text = message.substr(text_at + must_precede.size());
    e.kind = EventKind::no_valid_rcpt;
    return Parsed::used;
}

// `SMTP protocol synchronization error (next input sent too soon: ...):
// rejected "CMD" H=HOST next input="INPUT"[ (N bytes)]`
Parsed read_sync_error(std::string_view message, std::string_view pid, SessionEvent& e) {
    const size_t input_at = message.rfind(" next input=");
    const size_t rejected = message.find("): rejected \"");
    if (input_at == std::string_view::npos || rejected == std::string_view::npos)
        return Parsed::malformed;
    const size_t host = message.rfind(" H=", input_at);
    if (host == std::string_view::npos || host < rejected)
        return Parsed::malformed;
    std::string_view fields;
    if (!read_host(message.substr(host + 3, input_at - host - 3), e, fields))
        return Parsed::malformed;
    set_key(e, fields, pid);
    std::string_view command = message.substr(rejected + 13, host - rejected - 13);
    if (command.ends_with('"'))
        command.remove_suffix(1);
    e.after = command;
    std::string_view input = message.substr(input_at + 12);
    if (const size_t bytes = input.rfind(" (");
        bytes != std::string_view::npos && input.ends_with(" bytes)"))
        input = input.substr(0, bytes);
    if (input.size() >= 2 && input.front() == '"' && input.back() == '"')
        input = input.substr(1, input.size() - 2);
    e.input = input;
    e.kind = EventKind::pipelining;
    return Parsed::used;
}

// `<= SENDER H=HOST ... P=PROTO [A=MECH:LOGIN] ...`
Parsed read_arrival(std::string_view message, std::string_view pid, SessionEvent& e) {
    std::string_view rest = message.substr(3);
    const size_t host = rest.find(" H=");
    if (host == std::string_view::npos)
        return Parsed::ignored;  // a local submission
    std::string_view fields;
    if (!read_host(rest.substr(host + 3), e, fields))
        return Parsed::malformed;
    const size_t proto = fields.find(" P=");
    set_key(e, fields.substr(0, proto), pid);
    const std::string_view auth = field(fields, " A=");
    if (const size_t colon = auth.find(':'); colon != std::string_view::npos)
        e.login = auth.substr(colon + 1);
    e.sender = rest.substr(0, rest.find(' '));
    e.recipient_accepted = true;
    e.kind = EventKind::accepted;
    return Parsed::used;
}

}  // namespace

bool exim::parse_host(std::string_view text, ClientRef& client, std::string_view& helo,
                      size_t& length) {
    client = {};
    helo = {};
    size_t pos = 0;
    if (!text.starts_with('[') && !text.starts_with('(')) {
        const size_t space = text.find(' ');
        if (space == std::string_view::npos)
            return false;
        client.name = text.substr(0, space);
        pos = space + 1;
    }
    if (pos < text.size() && text[pos] == '(') {
        const size_t close = text.find(") [", pos);
        if (close == std::string_view::npos)
            return false;
        helo = text.substr(pos + 1, close - pos - 1);
        pos = close + 2;
    }
    if (pos >= text.size() || text[pos] != '[')
        return false;
    const size_t close = text.find(']', pos);
    if (close == std::string_view::npos || close == pos + 1)
        return false;
    client.addr = text.substr(pos + 1, close - pos - 1);
    if (client.addr.starts_with("IPv6:"))
        client.addr.remove_prefix(5);
    pos = close + 1;
    if (pos + 1 < text.size() && text[pos] == ':' && is_digit(text[pos + 1])) {
        size_t end = pos + 1;
        while (end < text.size() && is_digit(text[end]))
            ++end;
        client.port = text.substr(pos + 1, end - pos - 1);
        pos = end;
    }
    length = pos;
    return true;
}

bool is_exim(std::string_view program) {
    return program == "exim" || program == "exim4";
}

Parsed read_exim(const LogLine& line, EventSink& sink) {
    static const LocalZone any_zone = LocalZone::fixed(0);
    std::string_view message = line.message;
    std::string_view pid = line.pid;
    // Exim to syslog keeps its own time stamp and `[pid]` after the tag.
    size_t length = 0;
    if (!message.empty() && is_digit(message[0]) &&
        parse_exim_prefix(message, any_zone, length, &pid)) {
        message.remove_prefix(length);
    }
    if (message.starts_with('[')) {
        const size_t close = message.find("] ");
        if (close != std::string_view::npos && text::all_digits(message.substr(1, close - 1))) {
            pid = message.substr(1, close - 1);
            message.remove_prefix(close + 2);
        }
    }
    SessionEvent e;
    e.scope = "exim";
    e.end_unlogged = true;
    e.idle_seconds = connection_idle;
    const size_t space = message.find(' ');
    if (space != std::string_view::npos && is_message_id(message.substr(0, space))) {
        e.queue_id = message.substr(0, space);
        message.remove_prefix(space + 1);
    }
    Parsed parsed = Parsed::ignored;
    if (message.starts_with("H=")) {
        parsed = read_acl_reject(message, pid, e);
    } else if (message.starts_with("F=")) {
        parsed = read_local_scan_reject(message, pid, e);
    } else if (message.starts_with("rejected from ")) {
        parsed = read_message_reject(message, pid, e);
    } else if (message.starts_with("SMTP protocol error in \"")) {
        parsed = read_protocol_error(message, pid, e);
    } else if (message.starts_with(
                   "SMTP protocol synchronization error (next input sent too soon")) {
        parsed = read_sync_error(message, pid, e);
    } else if (message.starts_with("<= ")) {
        parsed = read_arrival(message, pid, e);
    }
    if (parsed == Parsed::used)
        sink.event(e);
    return parsed;
}

}  // namespace milter503::report
