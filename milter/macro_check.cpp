// NAME
//	macro_check 3
// SUMMARY
//	missing-macro lines with the configuration that fixes them
#include "milter/macro_check.hpp"

#include "policy/log_format.hpp"

namespace milter503::milter {
namespace {

struct StageConfig {
    const char* name;
    const char* sendmail_define;
    const char* sendmail_defaults;  // Sendmail 8.17's cf/m4 defaults
    const char* postfix_parameter;
    const char* postfix_defaults;  // Postfix 3.7's defaults
};

StageConfig stage_config(MacroStage stage) {
    switch (stage) {
        case MacroStage::connect:
            return {"connect", "confMILTER_MACROS_CONNECT",
                    "j, _, {daemon_name}, {if_name}, {if_addr}", "milter_connect_macros",
                    "j {daemon_name} {daemon_addr} v _"};
        case MacroStage::envfrom:
            return {
                "envfrom", "confMILTER_MACROS_ENVFROM",
                "i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, "
                "{mail_host}, {mail_addr}",
                "milter_mail_macros",
                "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}"};
        case MacroStage::envrcpt:
            break;
    }
    return {"envrcpt", "confMILTER_MACROS_ENVRCPT", "{rcpt_mailer}, {rcpt_host}, {rcpt_addr}",
            "milter_rcpt_macros", "i {rcpt_addr} {rcpt_host} {rcpt_mailer}"};
}

// The default list with `macro` added unless already in it.
std::string with_macro(std::string list, const std::string& macro, const char* separator) {
    if (list.find(macro) == std::string::npos)
        list += separator + macro;
    return list;
}

}  // namespace

std::string format_missing_macro(const MissingMacro& missing) {
    const StageConfig stage = stage_config(missing.stage);
    const std::string sendmail = std::string("define(`") + stage.sendmail_define + "', `" +
                                 with_macro(stage.sendmail_defaults, missing.macro, ", ") + "')dnl";
    const std::string postfix = std::string(stage.postfix_parameter) + " = " +
                                with_macro(stage.postfix_defaults, missing.macro, " ");
    std::string line = "missing-macro:";
    logfmt::append_field(line, logfmt::key::macro, missing.macro);
    logfmt::append_field(line, "stage", stage.name);
    logfmt::append_field(line, "effect", missing.effect);
    logfmt::append_field(line, "sendmail_mc", sendmail);
    logfmt::append_field(line, "postfix_main_cf", postfix);
    return line;
}

bool MacroCheck::first_report(std::string_view macro) {
    std::lock_guard lock(mutex_);
    return reported_.emplace(macro).second;
}

}  // namespace milter503::milter
