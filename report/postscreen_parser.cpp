// NAME
//	postscreen_parser 3
// SUMMARY
//	Postfix postscreen(8) message parser
#include "report/postscreen_parser.hpp"

#include "policy/text.hpp"
#include "report/postfix_parser.hpp"

namespace milter503::report {
namespace {

// `[ADDR]:PORT` at the start of `text`: the session key is `ADDR]:PORT`.
bool parse_endpoint(std::string_view text, SessionEvent& e, size_t& length) {
    if (!text.starts_with('['))
        return false;
    const size_t close = text.find("]:");
    if (close == std::string_view::npos || close == 1)
        return false;
    size_t end = close + 2;
    while (end < text.size() && text::is_digit(text[end]))
        ++end;
    if (end == close + 2)
        return false;
    e.client.addr = text.substr(1, close - 1);
    e.client.port = text.substr(close + 2, end - close - 2);
    e.key = text.substr(1, end - 1);
    length = end;
    return true;
}

// `[ADDR]:PORT` right after `prefix` at the start of `message`.
Parsed read_after(std::string_view message, std::string_view prefix, SessionEvent& e,
                  std::string_view& rest) {
    size_t length = 0;
    if (!parse_endpoint(message.substr(prefix.size()), e, length))
        return Parsed::malformed;
    rest = message.substr(prefix.size() + length);
    return Parsed::used;
}

// A client that sent commands before their turn: then "550 5.5.1
// Protocol error" means that (postscreen_smtpd.c, postscreen_early.c).
void set_pipelining(SessionEvent& e) {
    e.kind = EventKind::pipelining;
    e.tls_handshake = e.after == "CONNECT" && postfix::is_escaped_tls_handshake(e.input);
    e.cause_hint =
        e.tls_handshake ? policy::Cause::tls_on_plaintext_port : policy::Cause::improper_pipelining;
}

// `PREGREET N after SECONDS from [ADDR]:PORT: INPUT` (postscreen_early.c):
// the client talked before the greeting, as smtpd logs "improper command
// pipelining after CONNECT".
Parsed read_pregreet(std::string_view message, SessionEvent& e) {
    const size_t from = message.find(" from [");
    if (from == std::string_view::npos)
        return Parsed::malformed;
    std::string_view rest;
    if (read_after(message, message.substr(0, from + 6), e, rest) != Parsed::used)
        return Parsed::malformed;
    e.after = "CONNECT";
    if (rest.starts_with(": "))
        e.input = rest.substr(2);
    set_pipelining(e);
    return Parsed::used;
}

Parsed read_line(std::string_view message, SessionEvent& e) {
    std::string_view rest;
    if (message.starts_with("CONNECT from ")) {
        e.kind = EventKind::open;
        return read_after(message, "CONNECT from ", e, rest);
    }
    // postscreen passes the connection to a real smtpd, which logs it as
    // its own session (postscreen_misc.c psc_conclude(): "PASS NEW|OLD";
    // postscreen.c: "ALLOWLISTED", "WHITELISTED" before 3.6), unless its
    // after-220 tests keep it: then "DISCONNECT" follows.
    for (const std::string_view pass : {"PASS NEW ", "PASS OLD ", "ALLOWLISTED ", "WHITELISTED "}) {
        if (message.starts_with(pass)) {
            e.kind = EventKind::info;
            e.handed_over = true;
            return read_after(message, pass, e, rest);
        }
    }
    if (message.starts_with("DISCONNECT ")) {
        e.kind = EventKind::close;
        e.data_always_logged = true;
        return read_after(message, "DISCONNECT ", e, rest);
    }
    for (const std::string_view command :
         {"DATA without valid RCPT from ", "BDAT without valid RCPT from "}) {
        if (message.starts_with(command)) {
            e.kind = EventKind::no_valid_rcpt;
            e.stage = Stage::data;
            e.stage_text = command.substr(0, 4);
            return read_after(message, command, e, rest);
        }
    }
    if (message.starts_with("COMMAND PIPELINING from ")) {
        const Parsed parsed = read_after(message, "COMMAND PIPELINING from ", e, rest);
        if (parsed != Parsed::used || !rest.starts_with(" after "))
            return Parsed::malformed;
        rest.remove_prefix(7);
        const size_t colon = rest.find(": ");
        e.after = rest.substr(0, colon);
        if (colon != std::string_view::npos)
            e.input = rest.substr(colon + 2);
        set_pipelining(e);
        return Parsed::used;
    }
    if (message.starts_with("PREGREET "))
        return read_pregreet(message, e);
    if (message.starts_with("BARE NEWLINE from ")) {
        e.cause_hint = policy::Cause::bare_lf;  // then "550 5.5.1 Protocol error"
        return read_after(message, "BARE NEWLINE from ", e, rest);
    }
    constexpr std::string_view reject = "NOQUEUE: reject: ";
    if (message.starts_with(reject)) {
        const std::string_view stage = message.substr(reject.size());
        const size_t from = stage.find(" from ");
        if (from == std::string_view::npos)
            return Parsed::malformed;
        e.stage_text = stage.substr(0, from);
        e.stage = postfix::stage_of(e.stage_text);
        if (read_after(stage, stage.substr(0, from + 6), e, rest) != Parsed::used ||
            !rest.starts_with(": ")) {
            return Parsed::malformed;
        }
        postfix::split_reply_attributes(rest.substr(2), e);
        e.kind = EventKind::reject;
        // postscreen_state.c's rcpt_reply for a client in its after-220
        // tests: it must reconnect to reach a real smtpd, as greylisting
        // asks.
        if (e.reply.starts_with("450 4.3.2 Service currently unavailable"))
            e.cause_hint = policy::Cause::greylisted;
        return e.reply.empty() ? Parsed::malformed : Parsed::used;
    }
    return Parsed::ignored;
}

}  // namespace

Parsed read_postfix_postscreen(const LogLine& line, EventSink& sink) {
    SessionEvent e;
    e.scope = line.program;
    const Parsed parsed = read_line(line.message, e);
    if (parsed == Parsed::used)
        sink.event(e);
    return parsed;
}

}  // namespace milter503::report
