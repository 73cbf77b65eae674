// NAME
//	cause 3h
// SUMMARY
//	the one table of reasons behind a 503: name, who acts, texts, advice
// SYNOPSIS
//	#include "policy/cause.hpp"
// DESCRIPTION
//	A Cause says why every recipient of a transaction was refused. Each
//	cause is one row of cause_table(): its log name (part of the log
//	format: admins grep for it, the report reads it), who must act (the
//	mail client's user, this server's admin, or the sending server), the
//	reply texts and status codes that select it, and the advice for the
//	user and for the admin. The milter and milter503-report both classify
//	through classify_rejection(), so both name a refusal alike.
//
//	Some causes are never selected by a reply text, only by context the
//	caller knows: domain-not-served (a relay refusal for one of our own
//	domains), left-trusted-network (a sender seen inside before),
//	rejected-unreported (the MTA hid the refusal), no-recipient-sent (the
//	client sent no RCPT at all); and, from the MTA's log alone (the
//	report): auth-failed (a failed AUTH before the refusal),
//	tls-on-plaintext-port (a TLS handshake where SMTP was due),
//	refused-at-connect/-helo/-mail (a refusal before RCPT whose text names
//	no cause), tls-required when inferred from the command counters.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace milter503::policy {

enum class Cause {
    relay_denied,
    domain_not_served,
    sender_not_logged_in,
    sender_not_owned,
    sender_unknown,
    sender_domain_unresolvable,
    non_fqdn_address,
    helo_rejected,
    client_rejected,
    dnsbl_listed,
    dnsbl_unusable,
    spf_fail,
    verify_failed,
    rate_limited,
    server_fault,
    greylisted,
    deferred,
    improper_pipelining,
    unknown_recipient,
    mailbox_full,
    policy_reject,
    rejected_unreported,
    left_trusted_network,
    no_recipient_sent,
    auth_failed,
    tls_required,
    too_many_errors,
    bare_lf,
    tls_on_plaintext_port,
    refused_at_connect,
    refused_at_helo,
    refused_at_mail,
};

// Causes are numbered 0 .. cause_count - 1 (counters index arrays by them).
inline constexpr size_t cause_count = static_cast<size_t>(Cause::refused_at_mail) + 1;
// Every cause in enum order (for arrays indexed by cause).
inline constexpr auto all_causes = [] {
    std::array<Cause, cause_count> out{};
    for (size_t i = 0; i < cause_count; ++i)
        out[i] = static_cast<Cause>(i);
    return out;
}();

// Who must act on a cause.
enum class Actor {
    user,    // the mail client's user (or whoever configured the client)
    admin,   // this server's admin
    sender,  // the sending server or its owner
};

std::string_view actor_name(Actor actor);  // "user", "admin", "sender"
std::optional<Actor> actor_from_name(std::string_view name);

struct CauseInfo {
    Cause cause;
    std::string_view name;  // "relay-denied", as written in the log
    Actor fix;
    std::string_view what;  // what it is, one line, for the docs
    // Selectors, tried in table order. `phrases`: alternatives separated
    // by `|`, each one or more lower-case terms joined by `+` that must all
    // hold: a phrase occurs whole in the text (text::contains_phrase), or a
    // term `@x.4.1` is the reply's enhanced status. `statuses`: enhanced
    // status codes separated by `|`, `x` standing for 4 or 5, tried only
    // when no row's phrases matched.
    std::string_view phrases;
    std::string_view statuses;
    std::string_view user_advice;   // what to tell the user
    std::string_view admin_advice;  // what the admin must do or know
    // The fix is logging in: the advice then also says which port to use
    // (the submission port with authentication, not port 25).
    bool login_fixes = false;
    // A fault of the whole server, not of one client: worth an alert.
    bool server_wide = false;
};

std::span<const CauseInfo> cause_table();
const CauseInfo& cause_info(Cause cause);

// "relay-denied", "sender-not-logged-in", ... as written in the log.
std::string_view cause_name(Cause cause);
// Also reads the names older releases logged ("pipelining").
std::optional<Cause> cause_from_name(std::string_view name);
Actor cause_fix(Cause cause);
// The advice for the reader cause_fix() names: the user's advice for
// `user`, the admin's otherwise.
std::string_view cause_advice(Cause cause);

// `status` is the enhanced status code ("5.7.1", may be empty or
// garbage), `text` the reply text, with or without its code, status and
// `<address>: ` prefix. Whole phrases of the text decide first, in table
// order (most specific first), then the status code, then the class
// (4xx deferred, else policy-reject). Never throws.
Cause classify_rejection(std::string_view status, std::string_view text);

}  // namespace milter503::policy
