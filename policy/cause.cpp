// NAME
//	cause 3
// SUMMARY
//	cause names, advice sentences and the rejection classifier
// DESCRIPTION
//	classify_rejection() tries, in this order: the reply texts Postfix,
//	Sendmail (and a few other MTAs) really send, as case-insensitive
//	substrings; then the enhanced status code detail (X.2.2 quota, X.1.1
//	unknown mailbox); then the class (4 = deferred). A text is more
//	precise than a status: Postfix answers "Relay access denied" with 4.7.1
//	under soft_bounce and "User unknown" with 4.1.1 or 5.1.1, and both
//	must still be told apart from greylisting.
//
//	When {rcpt_host} is not an enhanced status code, the status is taken
//	from the start of the text if the MTA put the whole reply there
//	("550 5.7.1 <x>... Relaying denied").
#include "policy/cause.hpp"

#include <array>
#include <string>

#include "policy/address.hpp"

namespace milter503::policy {
namespace {

struct CauseInfo {
    Cause cause;
    std::string_view name;
    std::string_view advice;
};

constexpr std::array<CauseInfo, 9> cause_table = {{
    {Cause::relay_denied, "relay-denied",
     "Turn on \"My outgoing server (SMTP) requires authentication\" in the mail client and send "
     "through the submission port 587 (or 465) with the mailbox login."},
    {Cause::sender_not_logged_in, "sender-not-logged-in",
     "The sender address belongs to a mailbox on this server: turn on \"My outgoing server (SMTP) "
     "requires authentication\" in the mail client and log in with that mailbox (port 587 or "
     "465)."},
    {Cause::sender_not_owned, "sender-not-owned",
     "The login used for sending does not own the sender address: set the account's e-mail "
     "address to the mailbox it logs in with, or ask the mail admin to allow this login to send "
     "as that address."},
    {Cause::unknown_recipient, "unknown-recipient",
     "A recipient address does not exist: check it for typing errors and delete the stale entry "
     "from the mail client's address autocomplete list."},
    {Cause::mailbox_full, "mailbox-full",
     "The recipient's mailbox is over its quota: the recipient must delete or archive mail (or "
     "the mail admin raise the quota) before new mail can be delivered."},
    {Cause::deferred, "deferred",
     "The server refused the recipients only for now (greylisting or a lookup failure): let the "
     "mail client retry in a few minutes; if it keeps failing, give the queue id to the mail "
     "admin."},
    {Cause::policy_reject, "policy-reject",
     "A server policy refused the recipients: give this log line to the mail admin, whose MTA "
     "log names the rule that rejected them."},
    {Cause::rejected_unreported, "rejected-unreported",
     "The MTA refused every recipient but did not pass the reason to the milter: look up the "
     "queue id or the client in the MTA's log (Sendmail: grep the queue id for "
     "\"ruleset=check_rcpt\" "
     "and read its reject= text)."},
    {Cause::left_trusted_network, "left-trusted-network",
     "This sender used to send from a trusted network or after logging in, but now connects from "
     "outside (VPN off, travelling): turn on SMTP authentication in the mail client (port 587 or "
     "465) so that sending works from anywhere."},
}};

const CauseInfo& info(Cause cause) {
    for (const auto& entry : cause_table) {
        if (entry.cause == cause)
            return entry;
    }
    return cause_table[static_cast<size_t>(Cause::policy_reject)];
}

struct TextPattern {
    std::string_view needle;  // lower case
    Cause cause;
};

// Most specific first: the sender texts contain "Sender address rejected",
// the recipient texts "Recipient address rejected".
constexpr std::array<TextPattern, 21> text_patterns = {{
    {"relay access denied", Cause::relay_denied},       // Postfix
    {"relaying denied", Cause::relay_denied},           // Sendmail
    {"relay not permitted", Cause::relay_denied},       // Exim
    {"unable to relay", Cause::relay_denied},           // Exchange
    {"relaying not allowed", Cause::relay_denied},      // various
    {"relay access not allowed", Cause::relay_denied},  // various
    {"sender address rejected: not logged in", Cause::sender_not_logged_in},
    {"sender address rejected: not owned by user", Cause::sender_not_owned},
    {"not owned by user", Cause::sender_not_owned},
    {"mailbox full", Cause::mailbox_full},
    {"mailbox is full", Cause::mailbox_full},
    {"over quota", Cause::mailbox_full},
    {"quota", Cause::mailbox_full},
    {"insufficient storage", Cause::mailbox_full},
    {"insufficient system storage", Cause::mailbox_full},  // Postfix 452 4.3.1
    {"user unknown", Cause::unknown_recipient},            // Postfix, Sendmail
    {"unknown user", Cause::unknown_recipient},
    {"no such user", Cause::unknown_recipient},
    {"recipient unknown", Cause::unknown_recipient},
    {"unknown recipient", Cause::unknown_recipient},
    {"no mailbox here by that name", Cause::unknown_recipient},
}};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

struct Status {
    char klass = 0;                   // '2', '4', '5', or 0 when unknown
    std::string_view subject_detail;  // "2.2" of "5.2.2", empty when unknown
};

// Digits then '.', between `min` and `max` digits; advances `pos`.
bool read_digits(std::string_view text, size_t& pos, size_t min, size_t max) {
    size_t count = 0;
    while (pos < text.size() && is_digit(text[pos]) && count < max) {
        ++pos;
        ++count;
    }
    return count >= min && (pos == text.size() || !is_digit(text[pos]));
}

// RFC 3463 "class.subject.detail" at the start of `text`, followed by the
// end or a space.
std::optional<Status> parse_enhanced(std::string_view text) {
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5')) {
        return std::nullopt;
    }
    if (text[1] != '.')
        return std::nullopt;
    size_t pos = 2;
    if (!read_digits(text, pos, 1, 3) || pos >= text.size() || text[pos] != '.') {
        return std::nullopt;
    }
    ++pos;
    if (!read_digits(text, pos, 1, 3))
        return std::nullopt;
    if (pos < text.size() && text[pos] != ' ')
        return std::nullopt;
    return Status{text[0], text.substr(2, pos - 2)};
}

// "550 5.7.1 ..." or "550-5.7.1 ..." at the start of a reply text.
std::optional<Status> status_in_text(std::string_view text) {
    if (text.size() < 4 || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[2]) ||
        (text[3] != ' ' && text[3] != '-')) {
        return std::nullopt;
    }
    if (auto status = parse_enhanced(text.substr(4)))
        return status;
    if (text[0] == '4' || text[0] == '5')
        return Status{text[0], {}};
    return std::nullopt;
}

// The class alone from a malformed status such as "4" or "5.x".
Status class_only(std::string_view status) {
    if (!status.empty() && (status[0] == '4' || status[0] == '5') &&
        (status.size() == 1 || status[1] == '.')) {
        return Status{status[0], {}};
    }
    return Status{};
}

Status effective_status(std::string_view status, std::string_view text) {
    if (auto parsed = parse_enhanced(status))
        return *parsed;
    if (auto in_text = status_in_text(text))
        return *in_text;
    return class_only(status);
}

std::optional<Cause> cause_from_text(std::string_view text) {
    const std::string lower = to_lower_ascii(text);
    for (const auto& pattern : text_patterns) {
        if (lower.find(pattern.needle) != std::string::npos)
            return pattern.cause;
    }
    return std::nullopt;
}

}  // namespace

std::string_view cause_name(Cause cause) {
    return info(cause).name;
}

std::optional<Cause> cause_from_name(std::string_view name) {
    for (const auto& entry : cause_table) {
        if (entry.name == name)
            return entry.cause;
    }
    return std::nullopt;
}

std::string_view cause_advice(Cause cause) {
    return info(cause).advice;
}

Cause classify_rejection(std::string_view status, std::string_view text) {
    if (auto cause = cause_from_text(text))
        return *cause;
    const Status parsed = effective_status(status, text);
    if (parsed.subject_detail == "2.2")
        return Cause::mailbox_full;
    if (parsed.subject_detail == "1.1")
        return Cause::unknown_recipient;
    if (parsed.klass == '4')
        return Cause::deferred;
    return Cause::policy_reject;
}

}  // namespace milter503::policy
