// NAME
//	cause 3h
// SUMMARY
//	the fixed set of reasons behind a 503, and what to tell the user
// SYNOPSIS
//	#include "policy/cause.hpp"
// DESCRIPTION
//	classify_rejection() maps what the MTA passed for a refused recipient
//	(Postfix: {rcpt_host} = enhanced status, {rcpt_addr} = reply text;
//	Sendmail: the same macros with {rcpt_mailer}=error) to a Cause. It is
//	table-driven: the texts Postfix and Sendmail really send are matched
//	first, then the enhanced status code, then the reply class.
#pragma once

#include <optional>
#include <string_view>

namespace milter503::policy {

enum class Cause {
    relay_denied,
    sender_not_logged_in,
    sender_not_owned,
    unknown_recipient,
    mailbox_full,
    deferred,
    policy_reject,
    rejected_unreported,
    left_trusted_network,
};

inline constexpr Cause all_causes[] = {
    Cause::relay_denied,      Cause::sender_not_logged_in, Cause::sender_not_owned,
    Cause::unknown_recipient, Cause::mailbox_full,         Cause::deferred,
    Cause::policy_reject,     Cause::rejected_unreported,  Cause::left_trusted_network,
};

// "relay-denied", "sender-not-logged-in", ... as written in the log.
std::string_view cause_name(Cause cause);
std::optional<Cause> cause_from_name(std::string_view name);

// One sentence an admin can pass to the user.
std::string_view cause_advice(Cause cause);

// `status` is the enhanced status code ("5.7.1", may be empty or garbage),
// `text` the reply text. Never throws; unknown input is policy_reject.
Cause classify_rejection(std::string_view status, std::string_view text);

}  // namespace milter503::policy
