// NAME
//	postfix_parser 3
// SUMMARY
//	Postfix smtpd(8) and cleanup(8) message parsers
// DESCRIPTION
//	Prefix tests first (cheap), then field scanning with find().
#include "report/postfix_parser.hpp"

#include <algorithm>

#include "policy/text.hpp"

namespace milter503::report {
namespace {

using text::is_digit;

bool parse_uint(std::string_view s, unsigned& out) {
    if (s.empty() || s.size() > 9 || !text::all_digits(s))
        return false;
    unsigned value = 0;
    for (const char c : s)
        value = value * 10 + static_cast<unsigned>(c - '0');
    out = value;
    return true;
}

// "N" or "OK/TOTAL"
void parse_count(std::string_view value, CommandCount& out) {
    const size_t slash = value.find('/');
    if (slash == std::string_view::npos) {
        if (!parse_uint(value, out.ok))
            return;
        out.total = out.ok;
    } else if (!parse_uint(value.substr(0, slash), out.ok) ||
               !parse_uint(value.substr(slash + 1), out.total)) {
        return;
    }
    out.present = true;
}

// The value of `key<value>` in `attrs`: up to the `>` that is followed by
// a space, a comma or the end (the value itself may hold `>`).
std::string_view angle_value(std::string_view attrs, std::string_view key) {
    const size_t at = attrs.find(key);
    if (at == std::string_view::npos)
        return {};
    const size_t start = at + key.size();
    for (size_t end = start;; ++end) {
        end = attrs.find('>', end);
        if (end == std::string_view::npos)
            return attrs.substr(start);
        if (end + 1 == attrs.size() || attrs[end + 1] == ' ' || attrs[end + 1] == ',')
            return attrs.substr(start, end - start);
    }
}

bool is_queue_id(std::string_view id) {
    if (id.empty() || id.size() > 32)
        return false;
    for (const char c : id) {
        if (!text::is_alnum(c))
            return false;
    }
    return true;
}

// Splits `QUEUEID: rest`; false when the message does not start so.
bool split_queue_id(std::string_view message, std::string_view& queue_id, std::string_view& rest) {
    const size_t colon = message.find(": ");
    if (colon == std::string_view::npos || !is_queue_id(message.substr(0, colon)))
        return false;
    queue_id = message.substr(0, colon);
    rest = message.substr(colon + 2);
    return true;
}

SessionEvent process_event(const LogLine& line) {
    SessionEvent e;
    e.scope = line.program;
    e.key = line.pid;
    return e;
}

void set_queue_id(SessionEvent& e, std::string_view queue_id) {
    if (queue_id == "NOQUEUE")
        return;
    e.queue_id = queue_id;
    e.recipient_accepted = true;
}

// `CLIENT COUNTERS` after "disconnect from ".
Parsed read_disconnect(std::string_view rest, SessionEvent& e) {
    size_t length = 0;
    if (!parse_client_ref(rest, e.client, length))
        return Parsed::malformed;
    e.kind = EventKind::close;
    std::string_view stats = rest.substr(length);
    while (!stats.empty()) {
        if (stats[0] == ' ') {
            stats.remove_prefix(1);
            continue;
        }
        const size_t end = std::min(stats.find(' '), stats.size());
        const std::string_view token = stats.substr(0, end);
        stats.remove_prefix(end);
        const size_t eq = token.find('=');
        if (eq == std::string_view::npos)
            continue;
        e.counters.present = true;
        const std::string_view name = token.substr(0, eq);
        const std::string_view value = token.substr(eq + 1);
        if (name == "ehlo" || name == "helo") {
            CommandCount greeting;
            parse_count(value, greeting);
            e.counters.greeting.present = e.counters.greeting.present || greeting.present;
            e.counters.greeting.ok += greeting.ok;
            e.counters.greeting.total += greeting.total;
        } else if (name == "starttls") {
            parse_count(value, e.counters.starttls);
        } else if (name == "mail") {
            parse_count(value, e.counters.mail);
        } else if (name == "rcpt") {
            parse_count(value, e.counters.rcpt);
        } else if (name == "data") {
            parse_count(value, e.counters.data);
        } else if (name == "bdat") {
            parse_count(value, e.counters.bdat);
        }
    }
    return Parsed::used;
}

// `WHAT from CLIENT` at the start of `rest`: sets `what` and e.client and
// leaves `rest` after the client; false when either is missing.
bool read_what_from_client(std::string_view& rest, std::string_view& what, SessionEvent& e) {
    const size_t from = rest.find(" from ");
    if (from == std::string_view::npos || from == 0)
        return false;
    what = rest.substr(0, from);
    rest.remove_prefix(from + 6);
    size_t length = 0;
    if (!parse_client_ref(rest, e.client, length))
        return false;
    rest.remove_prefix(length);
    return true;
}

// `STAGE from CLIENT: REPLY; ATTRIBUTES` after "reject: ".
Parsed read_reject(std::string_view rest, SessionEvent& e) {
    if (!read_what_from_client(rest, e.stage_text, e) || !rest.starts_with(": "))
        return Parsed::malformed;
    e.stage = postfix::stage_of(e.stage_text);
    postfix::split_reply_attributes(rest.substr(2), e);
    e.kind = e.stage == Stage::content ? EventKind::message_refused : EventKind::reject;
    return e.reply.empty() ? Parsed::malformed : Parsed::used;
}

// `improper command pipelining after CMD from CLIENT[: INPUT]`
Parsed read_pipelining(std::string_view rest, SessionEvent& e) {
    if (!read_what_from_client(rest, e.after, e))
        return Parsed::malformed;
    if (rest.starts_with(":"))
        e.input = text::trim(rest.substr(1));
    e.tls_handshake = e.after == "CONNECT" && postfix::is_escaped_tls_handshake(e.input);
    e.kind = EventKind::pipelining;
    return Parsed::used;
}

// `CLIENT: SASL MECH authentication failed: REASON[, sasl_username=NAME]`
// after "warning: " (smtpd_sasl_glue.c; the user name from Postfix 3.8).
Parsed read_auth_failure(std::string_view rest, SessionEvent& e) {
    size_t length = 0;
    if (!parse_client_ref(rest, e.client, length))
        return Parsed::ignored;
    rest.remove_prefix(length);
    if (!rest.starts_with(": SASL "))
        return Parsed::ignored;
    constexpr std::string_view failed = " authentication failed:";
    const size_t at = rest.find(failed);
    if (at == std::string_view::npos)
        return Parsed::ignored;  // "authentication aborted", ...
    std::string_view reason = text::trim(rest.substr(at + failed.size()));
    constexpr std::string_view user = ", sasl_username=";
    if (const size_t u = reason.rfind(user); u != std::string_view::npos) {
        e.login = reason.substr(u + user.size());
        reason = reason.substr(0, u);
    }
    if (e.login == "(unavailable)")
        e.login = {};
    e.reply = reason;
    e.kind = EventKind::auth_failed;
    return Parsed::used;
}

// `too many errors after CMD from CLIENT` (smtpd.c, the session's
// abnormal end; a queue id or NOQUEUE before it in newer versions).
Parsed read_error_limit(std::string_view rest, SessionEvent& e) {
    constexpr std::string_view reason = "too many errors after ";
    if (!rest.starts_with(reason))
        return Parsed::ignored;
    rest.remove_prefix(reason.size());
    if (!read_what_from_client(rest, e.after, e))
        return Parsed::malformed;
    e.kind = EventKind::error_limit;
    return Parsed::used;
}

// The lines of a session's abnormal end: `too many errors after CMD from
// CLIENT`, and `lost connection after DATA from CLIENT` (no byte count:
// the DATA or BDAT command was refused; with one the content was being
// received).
Parsed read_abnormal_end(std::string_view rest, SessionEvent& e) {
    if (rest.starts_with("too many errors after "))
        return read_error_limit(rest, e);
    for (const std::string_view reason : {"lost connection after ", "timeout after "}) {
        if (!rest.starts_with(reason))
            continue;
        rest.remove_prefix(reason.size());
        for (const std::string_view command : {"DATA from ", "BDAT from "}) {
            if (!rest.starts_with(command))
                continue;
            size_t length = 0;
            if (!parse_client_ref(rest.substr(command.size()), e.client, length))
                return Parsed::malformed;
            e.kind = EventKind::data_refused;
            e.stage = Stage::data;
            return Parsed::used;
        }
        return Parsed::ignored;  // after another command, or after DATA with bytes
    }
    return Parsed::ignored;
}

constexpr std::string_view size_exceeded = "queue file size limit exceeded";

// `warning: QUEUEID: queue file size limit exceeded`
Parsed read_size_warning(std::string_view message, SessionEvent& e) {
    std::string_view queue_id;
    std::string_view rest;
    if (!message.starts_with("warning: ") || !split_queue_id(message.substr(9), queue_id, rest) ||
        rest != size_exceeded) {
        return Parsed::ignored;
    }
    set_queue_id(e, queue_id);
    e.kind = EventKind::message_refused;
    e.stage = Stage::content;
    e.stage_text = "size";
    e.reply = size_exceeded;
    return Parsed::used;
}

Parsed read_smtpd(std::string_view message, SessionEvent& e) {
    if (message.starts_with("connect from ")) {
        size_t length = 0;
        if (!parse_client_ref(message.substr(13), e.client, length))
            return Parsed::malformed;
        e.kind = EventKind::open;
        return Parsed::used;
    }
    if (message.starts_with("disconnect from "))
        return read_disconnect(message.substr(16), e);
    if (message.starts_with("connect from") || message.starts_with("disconnect from"))
        return Parsed::malformed;  // cut right after "from"
    constexpr std::string_view pipelining = "improper command pipelining after ";
    if (message.starts_with("warning: ") && message.substr(9).starts_with(pipelining))
        message.remove_prefix(9);  // so some versions logged it
    if (message.starts_with(pipelining))
        return read_pipelining(message.substr(pipelining.size()), e);
    if (message.starts_with("warning: ")) {
        const Parsed parsed = read_auth_failure(message.substr(9), e);
        return parsed == Parsed::used ? parsed : read_size_warning(message, e);
    }
    std::string_view queue_id;
    std::string_view rest;
    if (!split_queue_id(message, queue_id, rest))
        return read_abnormal_end(message, e);  // before Postfix 3.x: no queue id
    set_queue_id(e, queue_id);
    if (rest.starts_with("reject: "))
        return read_reject(rest.substr(8), e);
    if (rest.starts_with("milter-reject: "))
        return read_reject(rest.substr(15), e);
    if (rest.starts_with("client=")) {
        size_t length = 0;
        if (!parse_client_ref(rest.substr(7), e.client, length))
            return Parsed::malformed;
        constexpr std::string_view user = "sasl_username=";
        if (const size_t at = rest.find(user); at != std::string_view::npos) {
            const std::string_view login = rest.substr(at + user.size());
            e.login = login.substr(0, login.find(", "));
        }
        e.kind = EventKind::accepted;
        return Parsed::used;
    }
    return read_abnormal_end(rest, e);
}

// `CLASS CONTENT from CLIENT; ATTRIBUTES: TEXT` after "reject: " (the
// content is the client's header or body line and may hold anything: the
// client is the one right before the attributes).
Parsed read_content_reject(std::string_view rest, SessionEvent& e) {
    e.stage_text = rest.substr(0, rest.find(' '));
    size_t attrs = std::string_view::npos;
    for (const std::string_view key : {"; from=<", "; to=<", "; proto=", "; helo=<"}) {
        attrs = rest.find(key);
        if (attrs != std::string_view::npos)
            break;
    }
    const std::string_view head =
        rest.substr(0, attrs == std::string_view::npos ? rest.size() - 1 : attrs);
    const size_t from = head.rfind(" from ");
    size_t length = 0;
    if (from == std::string_view::npos ||
        !parse_client_ref(head.substr(from + 6), e.client, length))
        return Parsed::malformed;
    if (attrs != std::string_view::npos) {
        const std::string_view tail = rest.substr(attrs + 1);
        e.sender = angle_value(tail, " from=<");
        e.recipient = angle_value(tail, " to=<");
        e.helo = angle_value(tail, " helo=<");
        size_t text_at = tail.find(">: ", tail.find(" helo=<"));
        if (text_at != std::string_view::npos) {
            text_at += 3;
        } else if ((text_at = tail.find(": ")) != std::string_view::npos) {
            text_at += 2;
        }
        if (text_at != std::string_view::npos)
            e.reply = tail.substr(text_at);
    }
    if (e.reply.empty())
        e.reply = e.stage_text;  // no text configured: the action is all there is
    e.kind = EventKind::message_refused;
    e.stage = Stage::content;
    return Parsed::used;
}

}  // namespace

Stage postfix::stage_of(std::string_view logged) {
    if (logged == "RCPT")
        return Stage::rcpt;
    if (logged == "MAIL")
        return Stage::mail;
    if (logged == "DATA" || logged == "BDAT")
        return Stage::data;
    if (logged == "END-OF-MESSAGE")
        return Stage::content;
    if (logged == "CONNECT")
        return Stage::connect;
    if (logged == "HELO" || logged == "EHLO")
        return Stage::helo;
    return Stage::other;
}

bool postfix::is_escaped_tls_handshake(std::string_view input) {
    return input.starts_with("\\026\\003");
}

void postfix::split_reply_attributes(std::string_view rest, SessionEvent& out) {
    // The reply may itself contain "; ": the attributes are after the last
    // "; " that starts one of them (log_whatsup ends the reply with ';'
    // and adds from=, to=, proto=, helo= in that order when known).
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
        out.reply = rest;  // cut short: keep what there is
    }
    out.sender = angle_value(attrs, " from=<");
    out.recipient = angle_value(attrs, " to=<");
    out.helo = angle_value(attrs, " helo=<");
}

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
    if (end + 1 < text.size() && text[end] == ':' && is_digit(text[end + 1])) {
        size_t p = end + 1;
        while (p < text.size() && is_digit(text[p]))
            ++p;
        out.port = text.substr(end + 1, p - end - 1);
        end = p;
    }
    length = end;
    return true;
}

Parsed read_postfix_smtpd(const LogLine& line, EventSink& sink) {
    SessionEvent e = process_event(line);
    const Parsed parsed = read_smtpd(line.message, e);
    if (parsed == Parsed::used)
        sink.event(e);
    return parsed;
}

Parsed read_postfix_cleanup(const LogLine& line, EventSink& sink) {
    SessionEvent e;
    e.scope = line.program;
    e.end_unlogged = true;  // for a session known by its queue id alone
    Parsed parsed = Parsed::ignored;
    std::string_view queue_id;
    std::string_view rest;
    if (line.message.starts_with("warning: ")) {
        parsed = read_size_warning(line.message, e);
    } else if (split_queue_id(line.message, queue_id, rest)) {
        set_queue_id(e, queue_id);
        if (rest.starts_with("milter-reject: ")) {
            parsed = read_reject(rest.substr(15), e);
        } else {
            for (const std::string_view action :
                 {"reject: ", "milter-header-reject: ", "milter-body-reject: "}) {
                if (rest.starts_with(action)) {
                    parsed = read_content_reject(rest.substr(action.size()), e);
                    break;
                }
            }
        }
    }
    if (parsed == Parsed::used) {
        // Whatever the stage, cleanup refuses a message it was receiving.
        e.kind = EventKind::message_refused;
        sink.event(e);
    }
    return parsed;
}

}  // namespace milter503::report
