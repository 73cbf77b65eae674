// NAME
//	cause 3
// SUMMARY
//	the cause table and the rejection classifier
// DESCRIPTION
//	The table is in matching order, most specific first, because real
//	refusals nest texts: a policy service's answer comes wrapped in
//	Postfix's "Recipient address rejected:" or "Client host rejected:"
//	(whichever restriction called it), a callout failure quotes the
//	remote "User unknown", a DNSBL reply quotes the list's URL, and
//	"Sender quota limit reached" is a rate limit, not a full mailbox. So
//	the rows whose phrases can only mean one thing (DNSBL, SPF,
//	greylisting, rate limits, verification, server faults) come before
//	the generic restriction prefixes (helo, client), and enhanced status
//	codes are tried only when no phrase matched: policy services send
//	5.7.1 for everything.
//
//	Phrases match whole, case-insensitively (text::contains_phrase), so
//	"quota" never matches "quotas" and no row selects on a bare word that
//	ordinary replies contain.
#include "policy/cause.hpp"

#include <array>

#include "policy/reply.hpp"
#include "policy/text.hpp"

namespace milter503::policy {
namespace {

// clang-format off
constexpr std::array<CauseInfo, cause_count> table = {{
    {Cause::dnsbl_unusable, "dnsbl-unusable", Actor::admin,
     "the DNS blocklist refuses this server's own queries (open/public resolver, query limit): "
     "every client is refused",
     "open resolver|public resolver|returnc/pub|returnc/vol|excessive number of queries|"
     "dnsbl+query refused",
     "",
     "Nothing to change in the mail client: the server's blocklist check is broken and refuses "
     "everyone. The mail admin has to fix it; try again later.",
     "The DNSBL refused this server's queries (Spamhaus answers 127.255.255.254 for queries via "
     "public or open resolvers, 127.255.255.255 over the query limit): use a local recursive "
     "resolver or the list's paid service, or drop the list from smtpd_*_restrictions.",
     false, true},
    {Cause::verify_failed, "verify-failed", Actor::admin,
     "sender or recipient address verification (a callout) failed",
     "unverified address|undeliverable address|address verification|sender verify failed|"
     "recipient verify failed|verify callout|callout verification|sender verify defer|"
     "could not verify",
     "",
     "The server could not verify an address of this message. Check the sender and "
     "recipient addresses; if they are right, give this log line to the mail admin.",
     "Address verification (reject_unverified_sender/recipient, an Exim callout) failed. It "
     "is often this server's own fault: DNS, a missing local account, or the remote server "
     "refusing probes. Read the verify result quoted in the reply.",
     false, false},
    {Cause::server_fault, "server-fault", Actor::admin,
     "a fault of this server: lookup failure, configuration problem, a policy service down",
     "temporary lookup failure|server configuration problem|server configuration error|"
     "local configuration error|insufficient system storage|insufficient system resources|"
     "internal error|internal server error|recipient address lookup failed|"
     "address lookup failure|local error in processing|temporary local problem|"
     "insufficient disk space|no working nameservers",
     "x.3.0|x.3.5|x.3.1",
     "Nothing to change in the mail client: the mail server has a fault. The mail admin has "
     "been told; try again later.",
     "This server failed: a table or DNS lookup, a policy service (check_policy_service) that "
     "is down, a configuration error or a full queue file system. Postfix logs the cause as a "
     "warning or fatal line just before the refusal.",
     false, true},
    {Cause::dnsbl_listed, "dnsbl-listed", Actor::sender,
     "the client's address (or its HELO or sender domain) is on a DNS blocklist",
     "blocked using|listed at|is listed in|are listed in|listed by|is in a black list|is in an rbl|"
     "is blacklisted|spamhaus|spamcop|barracuda|rbl|dnsbl",
     "",
     "The network you send from is on a spam blocklist. Send through the submission port 587 "
     "(or 465) with authentication, which blocklist checks do not apply to, or ask your "
     "provider to get the address delisted.",
     "The client's address is on a DNSBL. A real user on a dynamic or shared address should "
     "submit on 587/465 with SMTP AUTH (exempt from blocklists); a server must get delisted.",
     false, false},
    {Cause::spf_fail, "spf-fail", Actor::sender,
     "the sender domain's SPF record does not authorise the client's address",
     "spf fail|spf softfail|spf permerror|spf temperror|spf check failed|spf validation|"
     "failed spf|rejected due to spf|openspf|receiver policy for spf|sender policy framework|"
     "spf+not authorized|spf+not permitted|spf record|spf records|fails to pass spf|"
     "prohibited by spf|is not allowed to send mail from",
     "x.7.23|x.7.24",
     "The sender address's domain does not list the address you send from as allowed (SPF). "
     "Send through your own provider's server for that address, with authentication.",
     "The sender domain's SPF record does not cover the client's address. If the client is "
     "ours, check that SPF is not evaluated for authenticated or NATed clients (a NAT gateway "
     "makes every client look foreign); otherwise the domain's owner must fix the record.",
     false, false},
    {Cause::greylisted, "greylisted", Actor::user,
     "greylisting: a first delivery attempt is deferred, the client must retry",
     "greylisted|greylisting|graylisted|graylisting|grey listed|gray listed|"
     "delayed by postgrey",
     "",
     "The server asks new senders to retry (greylisting): let the mail client retry in a few "
     "minutes. Scripts and devices that never retry must send through the submission port "
     "587 with authentication.",
     "Greylisting deferred the first attempt. Authenticated and trusted clients should be "
     "exempt (permit_sasl_authenticated before the greylisting check); apps that never retry "
     "will fail every time.",
     false, false},
    {Cause::rate_limited, "rate-limited", Actor::user,
     "a sending rate limit or sender quota (not a full mailbox)",
     "rate limit|ratelimit|rate exceeded|sender quota|quota limit|sending limit|sending quota|"
     "message limit|too many recipients this|too many recipients from|"
     "too many recipient attempts|too many messages|too many connections|rate limited|"
     "frequency limited|daily limit|relay quota|"
     "max emails per hour|exceeded the max",
     "",
     "You have sent more mail than your account may send in this period (a rate limit, not a "
     "full mailbox). Wait and send again later, or ask the mail admin for a higher limit.",
     "A rate limit or sender quota refused the client. Check that the limit fits the user "
     "(bulk senders, scanners) and that it is not hit by a compromised account.",
     false, false},
    {Cause::improper_pipelining, "improper-pipelining", Actor::user,
     "the client pipelined commands where the server does not allow it",
     "improper use of smtp command pipelining|smtp protocol synchronization|"
     "synchronization error|command pipelining",
     "",
     "The mail program sends several SMTP commands at once where the server does not allow "
     "it (before the server's greeting or reply): turn off pipelining in the program, update "
     "it, or send through the submission port 587.",
     "reject_unauth_pipelining or smtpd_forbid_unauth_pipelining (on by default from Postfix "
     "3.9: \"554 5.5.0 Error: SMTP protocol synchronization\", then a hang-up) refused a client "
     "that sent commands before the server's reply; the log quotes what it sent. Usually a "
     "script or device, sometimes a proxy or antivirus on the client.",
     false, false},
    {Cause::tls_required, "tls-required", Actor::user,
     "the server requires STARTTLS before MAIL and the client never sent it",
     "must issue a starttls command first|encryption required for requested|"
     "encryption needed|starttls required",
     "x.7.10|x.7.11",
     "The server accepts mail only over an encrypted connection: set the outgoing server's "
     "security to STARTTLS (port 587) or SSL/TLS (port 465) in the mail program.",
     "smtpd_tls_security_level = encrypt (or smtpd_enforce_tls) answers every command but "
     "EHLO, STARTTLS and QUIT with \"530 5.7.0 Must issue a STARTTLS command first\" and logs "
     "no reject line. Postfix's log shows only the counters (mail=0/1 and no starttls=), so "
     "milter503-report infers this cause from them: confirm it with the client.",
     false, false},
    {Cause::too_many_errors, "too-many-errors", Actor::user,
     "the server hung up after too many refused or bad commands",
     "too many errors", "",
     "The server hung up after too many refused commands. The first refusal is the one to "
     "fix; if none is shown, check the program's server, port and login settings.",
     "smtpd_hard_error_limit was reached (\"421 4.7.0 Error: too many errors\", logged as "
     "\"too many errors after CMD\"): the client's earlier refusals, or unlogged ones such as "
     "syntax errors and \"530 Must issue a STARTTLS command first\", are the cause.",
     false, false},
    {Cause::bare_lf, "bare-lf", Actor::user,
     "the client ended a line with a bare LF (not CRLF), refused as SMTP smuggling",
     "bare <lf> received|bare <cr> received", "",
     "The program ends lines with a bare LF instead of CR LF, which the server refuses "
     "(protection against SMTP smuggling): update the program or ask its vendor to send CR LF.",
     "smtpd_forbid_bare_newline refused a client that sent a bare <LF> (\"bare <LF> "
     "received\"). For an old device or script, list it in "
     "smtpd_forbid_bare_newline_exclusions (default $mynetworks) instead of turning the "
     "protection off.",
     false, false},
    {Cause::relay_denied, "relay-denied", Actor::user,
     "relaying refused: the client did not authenticate and the recipient is not local",
     "relay access denied|relaying denied|relay not permitted|unable to relay|"
     "relaying not allowed|relay access not allowed|not permitted to relay|"
     "allowed rcpthosts|we do not relay|relay denied|relaying disallowed|"
     "client was not authenticated|must authenticate|relaying temporarily denied|"
     "smtp auth is required",
     "",
     "Turn on \"My outgoing server (SMTP) requires authentication\" in the mail client and log "
     "in with the mailbox's user name and password.",
     "An unauthenticated client outside mynetworks tried to send to a remote domain. A real "
     "user needs SMTP AUTH on 587/465; a stranger is a relay attempt.",
     true, false},
    {Cause::domain_not_served, "domain-not-served", Actor::admin,
     "relaying refused for a recipient in one of this server's own domains (LocalDomains)",
     "", "",
     "Nothing to change in the mail client: the server does not accept mail for its own "
     "domain. The mail admin must fix it.",
     "Relaying was refused for a recipient in a domain milter503 lists as local: add the "
     "domain to Postfix's mydestination, virtual_mailbox_domains or relay_domains (Sendmail: "
     "local-host-names or relay-domains).",
     false, true},
    {Cause::sender_not_logged_in, "sender-not-logged-in", Actor::user,
     "the sender address is ours but the client did not log in",
     "sender address rejected: not logged in|not logged in",
     "",
     "The sender address belongs to a mailbox on this server: turn on \"My outgoing server "
     "(SMTP) requires authentication\" in the mail client and log in with that mailbox.",
     "reject_sender_login_mismatch: a sender in a local domain without SMTP AUTH.",
     true, false},
    {Cause::sender_not_owned, "sender-not-owned", Actor::user,
     "the login does not own the sender address",
     "not owned by user|not owned by|client does not have permissions to send as this sender|"
     "sender address does not match|not authorized to send as|"
     "from/sender name is not valid",
     "x.7.60",
     "The login used for sending does not own the sender address: set the account's e-mail "
     "address to the mailbox it logs in with, or ask the mail admin to allow this login to "
     "send as that address.",
     "The SASL login does not own MAIL FROM (smtpd_sender_login_maps): add the address for "
     "that login if the user may send as it (shared mailbox, alias).",
     false, false},
    {Cause::sender_unknown, "sender-unknown", Actor::user,
     "the sender address claims one of this server's domains but no such address exists there",
     "sender address rejected: user unknown|sender address rejected: unknown user",
     "",
     "The sender address is in this server's domain but no such mailbox exists (often a "
     "program's default like noreply@ or www-data@): set the sender to an existing mailbox, "
     "or ask the mail admin to create that address.",
     "reject_unlisted_sender (or the like) refused a sender in a local domain that is not in "
     "the recipient tables: create the address if a program must send as it.",
     false, false},
    {Cause::sender_domain_unresolvable, "sender-domain-unresolvable", Actor::user,
     "the sender address's domain does not exist in DNS",
     "sender address rejected: domain not found|domain of sender address+does not exist|"
     "valid mx for sender domain|sender domain+not found|sender domain+does not exist|"
     "sender domain must exist|unresolvable sender domain|unresolvable+from domain|"
     "sender address rejected+does not accept mail",
     "x.1.8|x.7.27",
     "The sender address's domain does not exist (often a default like www-data@localhost or "
     "a host name): set a real sender address in the program's mail settings.",
     "reject_unknown_sender_domain: the sender domain has no A/AAAA/MX record. Postfix's "
     "default unknown_address_reject_code is 450, so the client retries for days.",
     false, false},
    {Cause::non_fqdn_address, "non-fqdn-address", Actor::user,
     "an address without a fully-qualified domain (root@host)",
     "need fully-qualified address|domain name required|fully qualified domain name required|"
     "address must contain a domain",
     "",
     "An address has no full domain (like root@server): set full addresses (name@example.org) "
     "in the program's mail settings.",
     "reject_non_fqdn_sender/recipient refused an address without a dotted domain.",
     false, false},
    {Cause::helo_rejected, "helo-rejected", Actor::user,
     "the client's HELO/EHLO name was refused (not a fully-qualified or resolvable name)",
     "helo command rejected|ehlo command rejected|invalid helo|bad helo|helo name|"
     "need fully-qualified hostname|helo argument does not match|"
     "ehlo argument does not match",
     "",
     "The program introduces itself with an invalid name (HELO, like a container id or "
     "\"localhost\"): set a fully-qualified host name in its SMTP settings, or log in "
     "(authenticated clients should be exempt).",
     "A HELO restriction refused the client. Put permit_sasl_authenticated before "
     "reject_non_fqdn_helo_hostname and friends so that logged-in users are not refused.",
     false, false},
    {Cause::client_rejected, "client-rejected", Actor::admin,
     "the client host was refused: no reverse DNS, or an access list",
     "client host rejected|cannot find your hostname|cannot find your reverse hostname|"
     "reverse dns|no ptr record|ptr record|ip name lookup failed",
     "x.7.25",
     "The server refuses the address you connect from. Give this log line to the mail admin.",
     "The client's address was refused (reject_unknown_client_hostname or "
     "reverse_client_hostname, check_client_access). If many clients share one private "
     "address, a NAT gateway (Docker's proxy) is hiding them: fix the network, not the "
     "clients.",
     false, false},
    {Cause::mailbox_full, "mailbox-full", Actor::user,
     "the recipient's mailbox is over its quota",
     "mailbox full|mailbox is full|mailbox for user is full|over quota|overquota|"
     "mailbox size limit|"
     "exceeded storage allocation|user is over|insufficient storage",
     "x.2.2",
     "The recipient's mailbox is full: tell the recipient by other means; mail can be "
     "delivered once they delete or archive mail.",
     "A recipient is over quota (Dovecot quota-status or the mailbox store). Raise the quota "
     "if it is one of ours.",
     false, false},
    {Cause::unknown_recipient, "unknown-recipient", Actor::user,
     "the recipient address does not exist",
     "user unknown|unknown user|no such user|recipient unknown|unknown recipient|"
     "no mailbox here by that name|recipient not found|recipientnotfound|no such recipient|"
     "mailbox not found|invalid recipient|unrouteable address|does not exist|"
     "recipient address rejected: domain not found|user doesn't have a|"
     "@x.4.1+recipient address rejected: access denied",
     "x.1.1|x.1.10",
     "A recipient address does not exist: check it for typing errors and delete the stale "
     "entry from the mail client's address autocomplete list.",
     "The recipient is not in the local, virtual or relay recipient tables. If every address "
     "of a local domain is refused, the domain's mailboxes are missing.",
     false, false},
    {Cause::deferred, "deferred", Actor::user,
     "any other temporary refusal",
     // A sender domain whose DNS lookup failed for now (Sendmail proto.m4
     // "does not resolve" on TEMP, Postfix's resolver error text): not
     // proven missing, unlike sender-domain-unresolvable.
     "@x.1.8+does not resolve|@x.1.8+malformed dns server reply", "",
     "The server refused the recipients only for now: let the mail client retry in a few "
     "minutes.",
     "A temporary refusal no other cause names: read the reply text.",
     false, false},
    {Cause::policy_reject, "policy-reject", Actor::admin,
     "any other permanent refusal",
     "", "",
     "A server policy refused the recipients: give this log line to the mail admin.",
     "A permanent refusal no other cause names: the MTA log names the rule.",
     false, false},
    {Cause::rejected_unreported, "rejected-unreported", Actor::admin,
     "the MTA refused every recipient but did not tell the milter why",
     "", "",
     "The server refused the recipients: give this log line to the mail admin.",
     "The MTA hid the refusal from milters (Sendmail's check_rcpt; Sendmail 8.18 passes a "
     "refused local recipient without its reply): grep the queue id in the MTA log and read "
     "the refusal (\"ruleset=check_rcpt ... reject=\" or \"<rcpt>... User unknown\").",
     false, false},
    {Cause::left_trusted_network, "left-trusted-network", Actor::user,
     "a sender seen before from inside (trusted network or logged in) now sends unauthenticated "
     "from outside",
     "", "",
     "This sender used to send from the office network or after logging in, but now connects "
     "from outside (VPN off, travelling): turn on SMTP authentication in the mail client so "
     "that sending works from anywhere.",
     "A user who relied on mynetworks (office, VPN) now sends from outside without SMTP AUTH.",
     true, false},
    {Cause::no_recipient_sent, "no-recipient-sent", Actor::user,
     "the client sent MAIL and DATA but no recipient at all",
     "", "",
     "The program sent the message without any recipient (an empty To: field in a web form "
     "or script): fill in the recipient.",
     "The client sent no RCPT (the MTA passes every refused recipient to the milter, and none "
     "came): an application bug, not a server refusal.",
     false, false},
    {Cause::auth_failed, "auth-failed", Actor::user,
     "the client's login (SMTP AUTH) failed and it sent anyway: its recipients were refused "
     "as if it had not logged in",
     "", "",
     "The mail program tried to log in and the server refused the password or login name: "
     "enter the current password (and the full login, often the whole address) in the "
     "outgoing server (SMTP) settings.",
     "SMTP AUTH failed (Postfix: \"SASL LOGIN authentication failed\") and the client sent "
     "anyway, so its recipients were refused as unauthenticated. If many clients fail at "
     "once, check the SASL backend (\"Connection lost to authentication server\": the Dovecot "
     "auth socket or saslauthd).",
     false, false},
    {Cause::tls_on_plaintext_port, "tls-on-plaintext-port", Actor::user,
     "the client started TLS at once (implicit TLS) on a port that expects plain SMTP first",
     "", "",
     "The mail program starts an encrypted connection at once (SSL/TLS) on a port that "
     "expects STARTTLS: use port 465 for SSL/TLS, or set STARTTLS for port 587.",
     "The client sent a TLS handshake (\\026\\003...) right after connecting to a plain SMTP "
     "port, logged as improper pipelining after CONNECT: its security setting is SSL/TLS "
     "where the port wants STARTTLS. A port 465 service (smtpd_tls_wrappermode = yes) serves "
     "such clients.",
     false, false},
    {Cause::refused_at_connect, "refused-at-connect", Actor::admin,
     "the client was refused at connect by a rule whose text names no other cause",
     "", "",
     "The server refuses the address you connect from. Give this log line to the mail admin.",
     "smtpd_client_restrictions refused the client at CONNECT (smtpd_delay_reject = no); a "
     "pipelining client then gets 503 for everything it sends. The refusal quoted is the "
     "cause.",
     false, false},
    {Cause::refused_at_helo, "refused-at-helo", Actor::user,
     "the client's HELO/EHLO was refused by a rule whose text names no other cause",
     "", "",
     "The server refused the name the program introduces itself with (HELO): set a "
     "fully-qualified host name in its SMTP settings, or log in.",
     "smtpd_helo_restrictions refused the client at HELO (smtpd_delay_reject = no); its MAIL, "
     "RCPT and DATA then get 503. The refusal quoted is the cause.",
     false, false},
    {Cause::refused_at_mail, "refused-at-mail", Actor::user,
     "the sender (MAIL FROM) was refused by a rule whose text names no other cause",
     "", "",
     "The server refused the sender address: check the From address set in the program's "
     "account settings, and log in if the server requires it.",
     "A sender restriction answered MAIL itself (smtpd_delay_reject = no, or Sendmail's "
     "check_mail): RCPT then gets \"503 5.5.1 Error: need MAIL command\" and DATA \"503 5.5.1 "
     "Error: need RCPT command\". The refusal quoted is the cause.",
     false, false},
}};
// clang-format on

// Splits `list` at `separator`, calling `each` until it returns true.
template <typename Each>
bool any_of_split(std::string_view list, char separator, Each each) {
    while (!list.empty()) {
        const size_t end = list.find(separator);
        if (each(list.substr(0, end)))
            return true;
        if (end == std::string_view::npos)
            break;
        list.remove_prefix(end + 1);
    }
    return false;
}

bool status_matches(std::string_view patterns, std::string_view status);

// A term holds when its phrase occurs whole in the text or, for `@x.4.1`,
// when the reply's enhanced status is that status.
bool term_holds(std::string_view term, std::string_view text, std::string_view status) {
    if (term.starts_with('@'))
        return status_matches(term.substr(1), status);
    return text::contains_phrase(text, term);
}

bool phrases_match(std::string_view phrases, std::string_view text, std::string_view status) {
    return any_of_split(phrases, '|', [&](std::string_view alternative) {
        return !any_of_split(alternative, '+', [&](std::string_view term) {
            return !term_holds(term, text, status);
        });
    });
}

bool status_matches(std::string_view patterns, std::string_view status) {
    return any_of_split(patterns, '|', [&](std::string_view pattern) {
        if (pattern.size() != status.size())
            return false;
        for (size_t i = 0; i < pattern.size(); ++i) {
            const bool any_class = i == 0 && pattern[0] == 'x';
            if (!(any_class ? status[0] == '4' || status[0] == '5' : pattern[i] == status[i]))
                return false;
        }
        return true;
    });
}

// The reply class, 4 or 5 (0 when unknown): the enhanced status's, else
// the reply code's, else that of a malformed status such as "4" or "4.x".
char reply_class(std::string_view status, const Reply& reply) {
    const auto klass = [](std::string_view s) { return s.empty() ? '\0' : s[0]; };
    if (is_enhanced_status(status))
        return klass(status);
    if (!reply.status.empty())
        return klass(reply.status);
    if (!reply.code.empty())
        return klass(reply.code);
    if (status.size() == 1 || (status.size() > 1 && status[1] == '.'))
        return klass(status);
    return 0;
}

}  // namespace

std::string_view actor_name(Actor actor) {
    switch (actor) {
        case Actor::user:
            return "user";
        case Actor::admin:
            return "admin";
        case Actor::sender:
            return "sender";
    }
    return "admin";
}

std::optional<Actor> actor_from_name(std::string_view name) {
    for (Actor actor : {Actor::user, Actor::admin, Actor::sender}) {
        if (actor_name(actor) == name)
            return actor;
    }
    return std::nullopt;
}

std::span<const CauseInfo> cause_table() {
    return table;
}

const CauseInfo& cause_info(Cause cause) {
    for (const auto& row : table) {
        if (row.cause == cause)
            return row;
    }
    return cause_info(Cause::policy_reject);
}

std::string_view cause_name(Cause cause) {
    return cause_info(cause).name;
}

std::optional<Cause> cause_from_name(std::string_view name) {
    for (const auto& row : table) {
        if (row.name == name)
            return row.cause;
    }
    // The name logged before it became improper-pipelining: old logs still read.
    if (name == "pipelining")
        return Cause::improper_pipelining;
    return std::nullopt;
}

Actor cause_fix(Cause cause) {
    return cause_info(cause).fix;
}

std::string_view cause_advice(Cause cause) {
    const CauseInfo& row = cause_info(cause);
    return row.fix == Actor::user ? row.user_advice : row.admin_advice;
}

Cause classify_rejection(std::string_view status, std::string_view text) {
    const Reply reply = split_reply(text);
    const std::string_view enhanced = is_enhanced_status(status) ? status : reply.status;
    for (const auto& row : table) {
        if (!row.phrases.empty() && phrases_match(row.phrases, reply.text, enhanced))
            return row.cause;
    }
    for (const auto& row : table) {
        if (!enhanced.empty() && !row.statuses.empty() && status_matches(row.statuses, enhanced))
            return row.cause;
    }
    return reply_class(status, reply) == '4' ? Cause::deferred : Cause::policy_reject;
}

}  // namespace milter503::policy
