// NAME
//	finding 3
// SUMMARY
//	finding names, the finding log line and its reader
// DESCRIPTION
//	format_finding() writes every value through logfmt::append_field(), so
//	no byte a client controls can end the line or start a field.
//
//	Two values have an inner structure that logfmt does not know about:
//	- The queue id before the colon is written bare. It comes from the MTA
//	  and is alphanumeric in Postfix and Sendmail; any other byte (and the
//	  N of a queue id that reads "NOQUEUE") is written as \xHH, so the
//	  prefix stays one safe token and still reads back exactly.
//	- rejected= holds `<RCPT> STATUS TEXT` entries joined by "; ". Inside
//	  an entry `\` and `;` are written as \x5c and \x3b, and also `>` in
//	  RCPT and space in STATUS, so that the first `;` always separates two
//	  entries and each entry splits unambiguously. logfmt then escapes the
//	  whole value once more; the reader undoes both layers.
//	- client= is NAME[ADDR]:PORT; `[`, `]`, `;` and `\` in ADDR and PORT
//	  (never there when the MTA is sane) are written as \xHH, so the last
//	  `]` always closes ADDR whatever NAME holds.
//
//	Every value a client (or a peer on the milter socket) chooses is capped
//	(Caps below) and what is cut is marked `...[cut N bytes]`; rejected=
//	lists the refused recipients that fit its cap, and rejected_unlisted=
//	counts the others. Should many values be long at once, every cap is
//	halved until the line is within logfmt::max_line_bytes. The capped
//	form is an ordinary line: parse_finding() (and the parser of any
//	earlier version, which skips unknown keys) reads it.
#include "policy/finding.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "policy/text.hpp"

namespace milter503::policy {
namespace {

namespace key = logfmt::key;

constexpr std::array<FindingInfo, 6> finding_rows = {{
    {FindingKind::no_accepted_rcpt, "no-accepted-rcpt",
     "a transaction whose MAIL was accepted ends with no accepted RCPT: the client's DATA got "
     "503/554",
     ""},
    {FindingKind::unauthenticated_sender, "unauthenticated-sender",
     "MAIL FROM in LocalDomains, no SMTP AUTH, client outside TrustedNetworks", ""},
    {FindingKind::sender_login_mismatch, "sender-login-mismatch",
     "the SASL login does not own MAIL FROM (smtpd_sender_login_maps rules)", ""},
    {FindingKind::header_from_mismatch, "header-from-mismatch",
     "the From: header address differs from the envelope sender",
     "The From: address set in the mail client differs from the envelope sender: set the "
     "account's e-mail address (From:) to the mailbox the client logs in with, or remove the "
     "extra sender identity."},
    {FindingKind::display_name_special, "display-name-special",
     "the From: display name holds an apostrophe or other specials (\"Mark's email\")",
     "Remove the apostrophe or other special characters from the sender name (\"Your name\") "
     "in the mail client's account settings; some servers refuse or garble such names."},
    {FindingKind::mailbox_full, "mailbox-full",
     "a RCPT refused because the recipient's "
     "mailbox is over quota",
     ""},
}};

constexpr std::string_view entry_separator = "; ";

// The most bytes of each value a client or a milter peer chooses that a
// finding line keeps. Values from a sane MTA (addresses, ports, queue
// ids, status codes) are far shorter; their caps only stop a peer.
struct Caps {
    size_t queue_id = 64;
    size_t client_name = 255;
    size_t client_addr = 64;
    size_t client_port = 64;
    size_t helo = 255;
    size_t daemon_port = 64;
    size_t auth = 255;
    size_t address = 255;  // from=, header_from=
    size_t detail = 255;
    size_t rejected = 768;  // rejected= before escaping: the entries that fit, at least one
    size_t recipient = 255;
    size_t status = 64;
    size_t reply_text = 255;

    // Every cap halved `times` times, none under what a cut value needs
    // to say how much was cut.
    Caps halved(unsigned times) const {
        Caps out = *this;
        for (size_t* cap : {&out.queue_id, &out.client_name, &out.client_addr, &out.client_port,
                            &out.helo, &out.daemon_port, &out.auth, &out.address, &out.detail,
                            &out.rejected, &out.recipient, &out.status, &out.reply_text}) {
            *cap = std::max(*cap >> times, min_cap);
        }
        return out;
    }
    static constexpr size_t min_cap = 24;
};
// Escaping makes a byte up to 5 long (\\x5c inside rejected=): halving
// every cap 4 times (255 -> 24) brings the worst line under max_line_bytes.
constexpr unsigned max_halvings = 4;

// Undoes logfmt::append_hex_escape(); every other byte is literal. nullopt on a `\` that
// does not start a \xHH escape.
std::optional<std::string> unescape_hex(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (i + 3 >= text.size() || text[i + 1] != 'x')
            return std::nullopt;
        const int hi = logfmt::hex_digit_value(text[i + 2]);
        const int lo = logfmt::hex_digit_value(text[i + 3]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 3;
    }
    return out;
}

std::string format_queue_id(std::string_view queue_id) {
    if (queue_id.empty())
        return std::string(logfmt::no_queue_id);
    std::string out;
    for (size_t i = 0; i < queue_id.size(); ++i) {
        const bool reserved = i == 0 && queue_id == logfmt::no_queue_id;
        if (text::is_alnum(queue_id[i]) && !reserved) {
            out += queue_id[i];
        } else {
            logfmt::append_hex_escape(out, static_cast<unsigned char>(queue_id[i]));
        }
    }
    return out;
}

std::optional<std::string> parse_queue_id(std::string_view text) {
    if (text.empty())
        return std::nullopt;
    if (text == logfmt::no_queue_id)
        return std::string();
    for (char c : text) {
        if (!text::is_alnum(c) && c != '\\')
            return std::nullopt;
    }
    return unescape_hex(text);
}

// Escapes `\`, `;` and the bytes in `also` as \xHH.
std::string escape_part(std::string_view text, std::string_view also) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == ';' || also.find(c) != std::string_view::npos) {
            logfmt::append_hex_escape(out, static_cast<unsigned char>(c));
        } else {
            out += c;
        }
    }
    return out;
}

std::string capped_part(std::string_view text, std::string_view also, size_t cap) {
    return escape_part(logfmt::cap_value(text, cap), also);
}

std::string format_entry(const RejectedRcpt& rcpt, const Caps& caps) {
    std::string out = "<";
    out += capped_part(rcpt.recipient, ">", caps.recipient);
    out += "> ";
    out += capped_part(rcpt.status, " ", caps.status);
    out += ' ';
    out += capped_part(rcpt.text, "", caps.reply_text);
    return out;
}

// The refused recipients that fit caps.rejected, the first always.
std::string format_rejected_within(const Finding& finding, const Caps& caps, size_t* listed) {
    *listed = 0;
    if (finding.rejected_unreported)
        return std::string(logfmt::unreported);
    if (finding.rejected.empty())
        return std::string(logfmt::none);
    std::string out;
    for (const auto& rcpt : finding.rejected) {
        std::string longer = out;
        if (!longer.empty())
            longer += entry_separator;
        longer += format_entry(rcpt, caps);
        if (*listed > 0 && longer.size() > caps.rejected)
            break;
        out = std::move(longer);
        ++*listed;
    }
    return out;
}

}  // namespace

// Half a line, so that a line quoting it (an admin alert) stays within
// logfmt::max_line_bytes too.
constexpr size_t max_rejected_bytes = logfmt::max_line_bytes / 2;

std::string format_rejected(const Finding& finding) {
    std::string value;
    for (unsigned halvings = 0; halvings <= max_halvings; ++halvings) {
        size_t listed = 0;
        value = format_rejected_within(finding, Caps{}.halved(halvings), &listed);
        if (logfmt::escape_value(value).size() <= max_rejected_bytes)
            break;
    }
    return value;
}

namespace {

std::optional<RejectedRcpt> parse_entry(std::string_view entry) {
    if (entry.empty() || entry.front() != '<')
        return std::nullopt;
    const size_t close = entry.find("> ");
    if (close == std::string_view::npos)
        return std::nullopt;
    const size_t status_end = entry.find(' ', close + 2);
    if (status_end == std::string_view::npos)
        return std::nullopt;
    auto recipient = unescape_hex(entry.substr(1, close - 1));
    auto status = unescape_hex(entry.substr(close + 2, status_end - close - 2));
    auto text = unescape_hex(entry.substr(status_end + 1));
    if (!recipient || !status || !text)
        return std::nullopt;
    return RejectedRcpt{std::move(*recipient), std::move(*status), std::move(*text)};
}

// Fills rejected / rejected_unreported; false when malformed.
bool parse_rejected(std::string_view value, Finding& finding) {
    if (value == logfmt::none)
        return true;
    if (value == logfmt::unreported) {
        finding.rejected_unreported = true;
        return true;
    }
    while (true) {
        const size_t sep = value.find(entry_separator);
        auto entry = parse_entry(value.substr(0, sep));
        if (!entry)
            return false;
        finding.rejected.push_back(std::move(*entry));
        if (sep == std::string_view::npos)
            return true;
        value.remove_prefix(sep + entry_separator.size());
    }
}

// "NAME[ADDR]:PORT": ADDR and PORT never hold a bracket (escaped by
// client_field()), so the last `]` closes ADDR and the `[` before it opens
// it; NAME may contain anything.
bool parse_client(std::string_view value, Finding& finding) {
    const size_t close = value.rfind(']');
    if (close == std::string_view::npos || close + 1 >= value.size() || value[close + 1] != ':') {
        return false;
    }
    const size_t open = value.rfind('[', close);
    if (open == std::string_view::npos)
        return false;
    auto addr = unescape_hex(value.substr(open + 1, close - open - 1));
    auto port = unescape_hex(value.substr(close + 2));
    if (!addr || !port)
        return false;
    finding.client_name = value.substr(0, open);
    finding.client_addr = std::move(*addr);
    finding.client_port = std::move(*port);
    return true;
}

std::optional<unsigned> parse_count(std::string_view text) {
    unsigned value = 0;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end)
        return std::nullopt;
    return value;
}

// "<addr>" -> "addr"
std::optional<std::string> unangle(std::string_view value) {
    if (value.size() < 2 || value.front() != '<' || value.back() != '>')
        return std::nullopt;
    return std::string(value.substr(1, value.size() - 2));
}

// Address and port come from the MTA (an IP literal, digits); brackets
// and `\` in them are escaped anyway so that parse_client() can find the
// structure whatever the client name holds.
std::string client_field(const Finding& finding, const Caps& caps) {
    std::string out = logfmt::cap_value(finding.client_name, caps.client_name);
    out += '[';
    out += capped_part(finding.client_addr, "[]", caps.client_addr);
    out += "]:";
    out += capped_part(finding.client_port, "[]", caps.client_port);
    return out;
}

std::string angled(std::string_view address, size_t cap) {
    return "<" + logfmt::cap_value(address, cap) + ">";
}

// The fields of a finding line, in the order format_finding() writes
// them; those before header_from are the ones every finding line has.
enum class Slot : unsigned {
    finding,
    cause,
    conn,
    client,
    helo,
    port,
    auth,
    from,
    rcpt_ok,
    rcpt_rejected,
    rejected,
    advice,
    header_from,
    detail,
    fix,
    count
};
constexpr unsigned required_slots = (1U << static_cast<unsigned>(Slot::header_from)) - 1;

std::optional<Slot> slot_of(std::string_view name) {
    static constexpr std::array<std::string_view, static_cast<size_t>(Slot::count)> names = {
        key::finding,  key::cause,  key::conn,        key::client,  key::helo,
        key::port,     key::auth,   key::from,        key::rcpt_ok, key::rcpt_rejected,
        key::rejected, key::advice, key::header_from, key::detail,  key::fix};
    for (size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name)
            return static_cast<Slot>(i);
    }
    return std::nullopt;
}

// Stores one field's value; false when the value is not what that field
// holds. Unknown keys are allowed (a newer milter may add some).
bool read_field(Slot slot, std::string_view value, Finding& finding) {
    switch (slot) {
        case Slot::finding: {
            const auto kind = finding_from_name(value);
            finding.kind = kind.value_or(FindingKind{});
            return kind.has_value();
        }
        case Slot::cause: {
            const auto cause = cause_from_name(value);
            finding.cause = cause.value_or(Cause{});
            return cause.has_value();
        }
        case Slot::conn:
            finding.conn_id = value;
            return true;
        case Slot::client:
            return parse_client(value, finding);
        case Slot::helo:
            finding.helo = value;
            return true;
        case Slot::port:
            finding.daemon_port = value;
            return true;
        case Slot::auth:
            finding.auth_login = value == logfmt::none ? std::string_view() : value;
            return true;
        case Slot::from: {
            auto sender = unangle(value);
            finding.sender = sender.value_or(std::string());
            return sender.has_value();
        }
        case Slot::rcpt_ok: {
            const auto count = parse_count(value);
            finding.rcpt_ok = count.value_or(0);
            return count.has_value();
        }
        case Slot::rcpt_rejected: {
            const auto count = parse_count(value);
            finding.rcpt_rejected = count.value_or(0);
            return count.has_value();
        }
        case Slot::rejected:
            return parse_rejected(value, finding);
        case Slot::advice:
            finding.advice = value;
            return true;
        case Slot::header_from: {
            auto address = unangle(value);
            finding.header_from = address.value_or(std::string());
            return address.has_value();
        }
        case Slot::detail:
            finding.detail = value;
            return true;
        case Slot::fix: {
            const auto actor = actor_from_name(value);
            finding.fix = actor.value_or(Actor{});
            return actor.has_value();
        }
        case Slot::count:
            break;
    }
    return false;
}

}  // namespace

std::span<const FindingInfo> finding_table() {
    return finding_rows;
}

const FindingInfo& finding_info(FindingKind kind) {
    for (const auto& row : finding_rows) {
        if (row.kind == kind)
            return row;
    }
    return finding_rows.front();
}

std::string_view finding_name(FindingKind kind) {
    return finding_info(kind).name;
}

std::optional<FindingKind> finding_from_name(std::string_view name) {
    for (const auto& row : finding_rows) {
        if (row.name == name)
            return row.kind;
    }
    return std::nullopt;
}

namespace {

std::string format_finding_within(const Finding& finding, const Caps& caps) {
    std::string fields;
    logfmt::append_field(fields, key::finding, finding_name(finding.kind));
    logfmt::append_field(fields, key::cause, cause_name(finding.cause));
    logfmt::append_field(fields, key::fix, actor_name(finding.fix));
    logfmt::append_field(fields, key::conn, finding.conn_id);
    logfmt::append_field(fields, key::client, client_field(finding, caps));
    logfmt::append_capped_field(fields, key::helo, finding.helo, caps.helo);
    logfmt::append_capped_field(fields, key::port, finding.daemon_port, caps.daemon_port);
    logfmt::append_capped_field(fields, key::auth,
                                finding.auth_login.empty() ? logfmt::none : finding.auth_login,
                                caps.auth);
    logfmt::append_field(fields, key::from, angled(finding.sender, caps.address));
    if (!finding.header_from.empty())
        logfmt::append_field(fields, key::header_from, angled(finding.header_from, caps.address));
    logfmt::append_field(fields, key::rcpt_ok, std::to_string(finding.rcpt_ok));
    logfmt::append_field(fields, key::rcpt_rejected, std::to_string(finding.rcpt_rejected));
    size_t listed = 0;
    logfmt::append_field(fields, key::rejected, format_rejected_within(finding, caps, &listed));
    if (finding.rcpt_rejected > listed && !finding.rejected.empty()) {
        logfmt::append_field(fields, key::rejected_unlisted,
                             std::to_string(finding.rcpt_rejected - listed));
    }
    if (!finding.detail.empty())
        logfmt::append_capped_field(fields, key::detail, finding.detail, caps.detail);
    logfmt::append_field(fields, key::advice, finding.advice);
    return format_queue_id(logfmt::cap_value(finding.queue_id, caps.queue_id)) + ": " + fields;
}

}  // namespace

std::string format_finding(const Finding& finding) {
    std::string line;
    for (unsigned halvings = 0; halvings <= max_halvings; ++halvings) {
        line = format_finding_within(finding, Caps{}.halved(halvings));
        if (line.size() <= logfmt::max_line_bytes)
            break;
    }
    return line;
}

std::optional<Finding> parse_finding(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos)
        return std::nullopt;
    auto queue_id = parse_queue_id(line.substr(0, colon));
    if (!queue_id)
        return std::nullopt;
    Finding finding;
    finding.queue_id = std::move(*queue_id);
    // The first of repeated keys counts, as it would for a reader that
    // looks a key up.
    unsigned seen = 0;
    logfmt::FieldScanner scanner(line.substr(colon + 2));
    std::string_view name;
    std::string_view value;
    while (scanner.next(name, value)) {
        const auto slot = slot_of(name);
        if (!slot)
            continue;
        const unsigned bit = 1U << static_cast<unsigned>(*slot);
        if ((seen & bit) != 0)
            continue;
        seen |= bit;
        if (!read_field(*slot, value, finding))
            return std::nullopt;
    }
    if (scanner.malformed() || (seen & required_slots) != required_slots)
        return std::nullopt;
    // Lines written before fix= existed: the cause's reader.
    if ((seen & (1U << static_cast<unsigned>(Slot::fix))) == 0)
        finding.fix = cause_fix(finding.cause);
    return finding;
}

}  // namespace milter503::policy
