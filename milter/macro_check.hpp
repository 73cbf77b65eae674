// NAME
//	macro_check 3h
// SUMMARY
//	say once which MTA macro is missing, and the line that adds it
// SYNOPSIS
//	#include "milter/macro_check.hpp"
// DESCRIPTION
//	A milter only sees the macros the MTA is told to send. milter503 asks
//	for its own with smfi_setsymlist, which Sendmail 8.14 and later honour
//	over sendmail.mc's lists (tests/integration/sendmail, mc-omits-macros);
//	an MTA that does not offer SMFIF_SETSYMLIST sends what its
//	configuration lists (missing-macro there). Rather than
//	diagnose less without a word, each missing macro the diagnosis needs
//	is reported once per process, with the sendmail.mc and main.cf lines
//	that add it: the stage's whole default list plus the macro, which
//	works whatever the .mc already did to that list (pasted after it).
//
//	A macro counts as missing only where it is always set when listed:
//	{auth_authen} is unset for unauthenticated clients, so it is missing
//	only when {auth_type} came without it.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace milter503::milter {

enum class MacroStage { connect, envfrom, envrcpt };

struct MissingMacro {
    std::string macro;  // "{daemon_port}"
    MacroStage stage;
    std::string effect;  // what the diagnosis loses
};

// The log line for a missing macro:
// `missing-macro: macro=... stage=... effect="..." sendmail_mc="..." postfix_main_cf="..."`.
std::string format_missing_macro(const MissingMacro& missing);

class MacroCheck {
  public:
    // True the first time `macro` is reported missing in this process.
    bool first_report(std::string_view macro);

  private:
    std::mutex mutex_;
    std::set<std::string, std::less<>> reported_;
};

// The macros milter503 asks for with smfi_setsymlist, per stage: exactly
// those milter/connection.cpp reads (none at HELO, so that stage is not
// asked: on Postfix an empty list would mean main.cf's list).
inline constexpr const char* connect_macros =
    "v {daemon_port} {client_addr} {client_port} {client_name}";
inline constexpr const char* envfrom_macros = "i {auth_type} {auth_authen}";
inline constexpr const char* envrcpt_macros = "i {rcpt_mailer} {rcpt_host} {rcpt_addr}";
inline constexpr const char* data_macros = "i";
inline constexpr const char* eom_macros = "i";

}  // namespace milter503::milter
