// NAME
//	finding 3h
// SUMMARY
//	one diagnosis about one SMTP transaction, and its log line
// SYNOPSIS
//	#include "policy/finding.hpp"
// DESCRIPTION
//	A Finding is produced by Session at the moment it is known and is
//	turned into exactly one log line by format_finding(). The report tool
//	reads that line back with parse_finding(); both use log_format.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cause.hpp"
#include "policy/log_format.hpp"

namespace milter503::policy {

enum class FindingKind {
    no_accepted_rcpt,
    unauthenticated_sender,
    sender_login_mismatch,
    header_from_mismatch,
    display_name_special,
    mailbox_full,
};

inline constexpr size_t finding_kind_count = static_cast<size_t>(FindingKind::mailbox_full) + 1;
inline constexpr auto all_finding_kinds = [] {
    std::array<FindingKind, finding_kind_count> out{};
    for (size_t i = 0; i < finding_kind_count; ++i)
        out[i] = static_cast<FindingKind>(i);
    return out;
}();

// One row per kind of finding: its log name, when it is made (for the
// docs) and its own advice, when the cause's advice does not fit it.
struct FindingInfo {
    FindingKind kind;
    std::string_view name;  // "no-accepted-rcpt", as written in the log
    std::string_view when;
    std::string_view advice;  // empty: the cause's advice
};

std::span<const FindingInfo> finding_table();
const FindingInfo& finding_info(FindingKind kind);
std::string_view finding_name(FindingKind kind);
std::optional<FindingKind> finding_from_name(std::string_view name);

// A recipient the MTA refused, as the milter saw it.
struct RejectedRcpt {
    std::string recipient;  // as given in RCPT TO, without <>
    std::string status;     // enhanced status code, "5.7.1"
    std::string text;       // reply text, "Relay access denied"
};

struct Finding {
    FindingKind kind{};
    Cause cause{};
    Actor fix{};              // who must act; written fix=
    std::string queue_id;     // empty: NOQUEUE
    std::string conn_id;      // the milter's own connection id
    std::string client_name;  // "unknown" when the MTA did not resolve it
    std::string client_addr;  // "127.0.0.5", "::1"
    std::string client_port;  // "40312"
    std::string helo;
    std::string daemon_port;  // "25", "587"
    std::string auth_login;   // empty: not authenticated
    std::string sender;       // envelope sender without <>
    std::string header_from;  // From: address, for the header findings
    unsigned rcpt_ok = 0;
    unsigned rcpt_rejected = 0;
    // Empty and rejected_unreported == true: the MTA refused recipients it
    // did not pass to milters (Sendmail check_rcpt), written `unreported`.
    std::vector<RejectedRcpt> rejected;
    bool rejected_unreported = false;
    std::string detail;  // short machine-made explanation, may be empty
    std::string advice;  // sentence for the user
};

// `QUEUEID|NOQUEUE: finding=... cause=... fix=user|admin|sender conn=... client=NAME[ADDR]:PORT
//  helo=... port=... auth=LOGIN|- from=<SENDER> rcpt_ok=N rcpt_rejected=N
//  rejected="RCPT DSN TEXT; ..." advice="..."`.
// header_from= and detail= are added only when non-empty, rejected_unlisted=N
// when not every refused recipient is listed. Values a client chooses are
// capped (`...[cut N bytes]`): the line is at most logfmt::max_line_bytes.
std::string format_finding(const Finding& finding);
// The rejected= value alone: `<RCPT> DSN TEXT; ...`, `unreported` or `-`,
// capped as in a finding line.
std::string format_rejected(const Finding& finding);

// Inverse of format_finding() for the fields it writes; nullopt when the
// line is not a finding line. `line` starts at the queue id.
std::optional<Finding> parse_finding(std::string_view line);

}  // namespace milter503::policy
