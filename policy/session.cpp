// NAME
//	session 3
// SUMMARY
//	the per-connection state machine that turns milter events into findings
// DESCRIPTION
//	A transaction opens at MAIL and closes at end of message (delivered),
//	abort, the next MAIL, a new connect or close. Closing one that had an
//	accepted MAIL but no accepted RCPT is the 503/554 the milter cannot
//	see: the client's DATA was refused by the MTA before any milter event.
//
//	The cause of that no-accepted-rcpt finding is the cause of the refused
//	recipients the MTA passed along (the most frequent, ties to the first
//	seen). When it passed none (Sendmail's check_rcpt), it is inferred:
//	an unauthenticated client outside the trusted networks sending as an
//	address of a local domain is almost always refused relaying, so
//	relay-denied, with the inference spelled out in detail=; so is one
//	whose sender was seen before from inside (left-trusted-network).
//	Anything else is rejected-unreported: an outside MTA delivering to us
//	is refused by access db, DNSBL or local rules, not for relaying, and
//	"turn on SMTP AUTH" would be the wrong advice.
//
//	relay-denied and sender-not-logged-in become left-trusted-network when
//	the sender was seen before from a trusted network or authenticated:
//	the same user, now outside (VPN off, travelling).
//
//	Events arriving out of order (RCPT or header without MAIL, abort or
//	close twice, close without connect) are ignored, never an error.
#include "policy/session.hpp"

#include <algorithm>

#include "policy/address.hpp"
#include "policy/header_from.hpp"
#include "policy/text.hpp"

namespace milter503::policy {
namespace {

// Enough to show the pattern in one log line; rcpt_rejected still counts all.
constexpr size_t max_listed_rejections = 16;

// "587 or 465" from SubmissionPorts.
std::string port_list(const std::vector<std::string>& ports) {
    std::string out;
    for (size_t i = 0; i < ports.size(); ++i) {
        if (i > 0)
            out += i + 1 == ports.size() ? " or " : ", ";
        out += ports[i];
    }
    return out;
}

std::string spaced(std::string_view chars) {
    std::string out;
    for (char c : chars) {
        if (!out.empty())
            out += ' ';
        out += c;
    }
    return out;
}

}  // namespace

Session::Session(std::shared_ptr<const Settings> settings, SenderHistory* history)
    : settings_(settings ? std::move(settings) : std::make_shared<const Settings>()),
      history_(history) {}

std::vector<Finding> Session::on_connect(const ConnectEvent& event) {
    auto findings = end_transaction();
    connect_ = event;
    if (connect_.client_name.empty())
        connect_.client_name = "unknown";
    helo_.clear();
    return findings;
}

std::vector<Finding> Session::on_helo(std::string_view helo) {
    helo_ = std::string(helo);
    return {};
}

std::vector<Finding> Session::on_mail(const MailEvent& event) {
    auto findings = end_transaction();
    txn_ = Transaction{};
    txn_.open = true;
    txn_.sender = strip_angle(event.sender);
    txn_.auth_login = event.auth_login;
    txn_.queue_id = event.queue_id;
    ++transactions_;
    check_sender(findings);
    return findings;
}

bool RcptEvent::refused() const {
    return text::equal_nocase(mailer, "error");
}

std::vector<Finding> Session::on_rcpt(const RcptEvent& event) {
    if (!txn_.open)
        return {};
    if (!event.queue_id.empty())
        txn_.queue_id = event.queue_id;
    std::vector<Finding> findings;
    if (event.refused()) {
        record_rejection({strip_angle(event.recipient), event.host, event.addr}, findings);
    } else {
        ++txn_.rcpt_ok;
    }
    return findings;
}

std::vector<Finding> Session::on_data(std::string_view queue_id) {
    if (txn_.open && !queue_id.empty())
        txn_.queue_id = std::string(queue_id);
    return {};
}

std::vector<Finding> Session::on_header(std::string_view name, std::string_view value) {
    if (!txn_.open || txn_.header_from_seen || !text::equal_nocase(name, "from"))
        return {};
    txn_.header_from_seen = true;
    std::vector<Finding> findings;
    check_header_from(value, findings);
    return findings;
}

// The message reached end of data, so it had recipients: nothing to infer.
std::vector<Finding> Session::on_end_of_message(std::string_view /*queue_id*/) {
    txn_ = Transaction{};
    return {};
}

std::vector<Finding> Session::on_abort() {
    return end_transaction();
}

std::vector<Finding> Session::on_close() {
    return end_transaction();
}

std::vector<Finding> Session::end_transaction() {
    std::vector<Finding> findings;
    if (txn_.open && txn_.rcpt_ok == 0)
        findings.push_back(no_accepted_rcpt());
    txn_ = Transaction{};
    return findings;
}

void Session::check_sender(std::vector<Finding>& findings) {
    const Settings& s = *settings_;
    const std::string& sender = txn_.sender;
    const bool trusted = client_trusted();
    if ((authenticated() || trusted) && history_ && !sender.empty()) {
        history_->remember_trusted(sender);
    }
    const std::string domain = split_address(sender).domain;
    if (!authenticated() && !trusted && !domain.empty() && s.local_domains.contains(domain)) {
        Finding f = make_finding(FindingKind::unauthenticated_sender,
                                 sharpen_cause(Cause::sender_not_logged_in));
        f.detail = "sender domain " + domain +
                   " is local; client neither authenticated nor in the trusted networks";
        findings.push_back(std::move(f));
    }
    if (authenticated() && !login_owns_sender(txn_.auth_login, sender, s.sender_login_map.get(),
                                              s.local_domains, s.recipient_delimiter)) {
        Finding f = make_finding(FindingKind::sender_login_mismatch, Cause::sender_not_owned);
        f.detail = s.sender_login_map ? "the sender login map does not list this login for "
                                        "the sender address"
                                      : "no sender login map: the login is neither the sender "
                                        "address nor its local part in a local domain";
        findings.push_back(std::move(f));
    }
}

void Session::check_header_from(std::string_view value, std::vector<Finding>& findings) {
    const Settings& s = *settings_;
    const HeaderFrom from = parse_header_from(value);
    if (s.check_header_from && !txn_.sender.empty() && !from.address.empty() &&
        !same_address(from.address, txn_.sender)) {
        const bool not_owned =
            authenticated() &&
            !login_owns_sender(txn_.auth_login, from.address, s.sender_login_map.get(),
                               s.local_domains, s.recipient_delimiter);
        Finding f = make_finding(FindingKind::header_from_mismatch,
                                 not_owned ? Cause::sender_not_owned : Cause::policy_reject);
        f.header_from = from.address;
        f.detail = not_owned ? "From: header differs from the envelope sender and the login "
                               "does not own it"
                             : "From: header differs from the envelope sender";
        findings.push_back(std::move(f));
    }
    const std::string special = special_characters(from.display_name, from.display_name_quoted);
    if (s.check_display_name && !special.empty()) {
        Finding f = make_finding(FindingKind::display_name_special, Cause::policy_reject);
        f.header_from = from.address;
        f.detail = std::string(from.display_name_quoted ? "quoted" : "unquoted") +
                   " display name has special characters: " + spaced(special);
        findings.push_back(std::move(f));
    }
}

// A relay refusal for one of our own domains is the server's fault: it
// does not accept mail for a domain the admin told milter503 is local.
// A refusal that carries no reply: no status and, for text, nothing or the
// recipient's own local part. Sendmail 8.18.1 passes a local recipient it
// refused (User unknown) that way: {rcpt_host} empty and {rcpt_addr} the
// parsed user, the status and reply staying on another copy of the
// address (seen with a tracing proxy; 8.17 passes "5.1.1" and the reply).
namespace {
bool carries_no_reply(const RejectedRcpt& rcpt) {
    if (!rcpt.status.empty())
        return false;
    return rcpt.text.empty() || text::equal_nocase(rcpt.text, split_address(rcpt.recipient).local);
}
}  // namespace

Cause Session::classify(const RejectedRcpt& rcpt) const {
    if (carries_no_reply(rcpt))
        return Cause::rejected_unreported;
    const Cause cause = classify_rejection(rcpt.status, rcpt.text);
    if (cause == Cause::relay_denied &&
        settings_->local_domains.contains(split_address(rcpt.recipient).domain)) {
        return Cause::domain_not_served;
    }
    return cause;
}

void Session::record_rejection(RejectedRcpt rcpt, std::vector<Finding>& findings) {
    const Cause cause = classify(rcpt);
    ++txn_.rejected_count;
    bool counted = false;
    for (auto& [seen, count] : txn_.cause_counts) {
        if (seen == cause) {
            ++count;
            counted = true;
        }
    }
    if (!counted)
        txn_.cause_counts.emplace_back(cause, 1);
    if (txn_.rejected.size() < max_listed_rejections)
        txn_.rejected.push_back(std::move(rcpt));
    if (cause == Cause::mailbox_full && !txn_.mailbox_full_reported) {
        txn_.mailbox_full_reported = true;
        Finding f = make_finding(FindingKind::mailbox_full, Cause::mailbox_full);
        f.detail = "recipient refused for its quota";
        findings.push_back(std::move(f));
    }
}

Finding Session::no_accepted_rcpt() const {
    if (txn_.rejected_count == 0 && connect_.refused_rcpts_reported) {
        Finding f = make_finding(FindingKind::no_accepted_rcpt, Cause::no_recipient_sent);
        f.detail =
            "no RCPT event: the MTA passes refused recipients, so the client sent no "
            "RCPT (or only ones refused for syntax or a recipient limit, which the MTA "
            "does not pass; its log shows them)";
        return f;
    }
    if (txn_.rejected_count == 0) {
        const bool outsider = !authenticated() && !client_trusted();
        const Cause relay = sharpen_cause(Cause::relay_denied);
        const bool local_sender =
            settings_->local_domains.contains(split_address(txn_.sender).domain);
        const bool inferred = outsider && (local_sender || relay == Cause::left_trusted_network);
        Finding f = make_finding(FindingKind::no_accepted_rcpt,
                                 inferred ? relay : Cause::rejected_unreported);
        f.rejected_unreported = true;
        f.detail = inferred ? "the MTA passed no refused recipient; inferred: a client neither "
                              "authenticated nor in the trusted networks, sending as one of "
                              "our users, is refused relaying"
                            : "the MTA passed no refused recipient to the milter";
        return f;
    }
    Cause dominant = txn_.cause_counts.front().first;
    unsigned best = 0;
    for (const auto& [cause, count] : txn_.cause_counts) {
        if (count > best) {
            dominant = cause;
            best = count;
        }
    }
    return make_finding(FindingKind::no_accepted_rcpt, sharpen_cause(dominant));
}

Finding Session::make_finding(FindingKind kind, Cause cause) const {
    Finding f;
    f.kind = kind;
    f.cause = cause;
    f.queue_id = txn_.queue_id;
    f.conn_id = connect_.conn_id;
    f.client_name = connect_.client_name.empty() ? "unknown" : connect_.client_name;
    f.client_addr = connect_.client_addr;
    f.client_port = connect_.client_port;
    f.helo = helo_;
    f.daemon_port = connect_.daemon_port;
    f.auth_login = txn_.auth_login;
    f.sender = txn_.sender;
    f.rcpt_ok = txn_.rcpt_ok;
    f.rcpt_rejected = txn_.rejected_count;
    f.rejected = txn_.rejected;
    f.fix = cause_fix(cause);
    const std::string_view own_advice = finding_info(kind).advice;
    f.advice = own_advice.empty() ? advice_for(cause) : std::string(own_advice);
    return f;
}

// For the causes that logging in fixes, the port the client used decides
// the advice: on a submission port only the login is missing; on port 25
// (meant for servers, often behind postscreen and blocklists) the client
// must also move to a submission port.
std::string Session::advice_for(Cause cause) const {
    std::string advice(cause_advice(cause));
    const auto& ports = settings_->submission_ports;
    const std::string& port = connect_.daemon_port;
    if (!cause_info(cause).login_fixes || ports.empty() || !text::all_digits(port))
        return advice;
    if (std::find(ports.begin(), ports.end(), port) != ports.end())
        return advice + " The client already uses the submission port " + port +
               ": only the login is missing.";
    return advice + " The client sends to port " + port +
           ", which is meant for mail between servers: set the outgoing server's port to " +
           port_list(ports) + " (with STARTTLS or SSL/TLS).";
}

// Only for a client that is outside now: one that is authenticated or
// trusted was just remembered as trusted by check_sender().
Cause Session::sharpen_cause(Cause cause) const {
    if (cause != Cause::relay_denied && cause != Cause::sender_not_logged_in)
        return cause;
    if (!history_ || txn_.sender.empty() || authenticated() || client_trusted())
        return cause;
    return history_->was_trusted(txn_.sender) ? Cause::left_trusted_network : cause;
}

bool Session::client_trusted() const {
    return settings_->trusted_networks.contains(std::string_view(connect_.client_addr));
}

}  // namespace milter503::policy
