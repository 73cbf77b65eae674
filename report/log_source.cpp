// NAME
//	log_source 3
// SUMMARY
//	the table of log sources
#include "report/log_source.hpp"

#include <array>

#include "report/exim_parser.hpp"
#include "report/milter_line.hpp"
#include "report/postfix_parser.hpp"
#include "report/postscreen_parser.hpp"
#include "report/sendmail_parser.hpp"

namespace milter503::report {
namespace {

bool is_postfix_smtpd(std::string_view program) {
    return is_postfix_daemon(program, "smtpd");
}
bool is_postfix_postscreen(std::string_view program) {
    return is_postfix_daemon(program, "postscreen");
}
bool is_postfix_cleanup(std::string_view program) {
    return is_postfix_daemon(program, "cleanup");
}

constexpr std::array sources = {
    LogSource{"postfix-smtpd", "postfix", is_postfix_smtpd, read_postfix_smtpd},
    LogSource{"postfix-postscreen", "postfix", is_postfix_postscreen, read_postfix_postscreen},
    LogSource{"postfix-cleanup", "postfix", is_postfix_cleanup, read_postfix_cleanup},
    LogSource{"milter503", "milter", is_milter, read_milter},
    LogSource{"sendmail", "sendmail", is_sendmail, read_sendmail},
    LogSource{"exim", "exim", is_exim, read_exim},
};

}  // namespace

bool is_postfix_daemon(std::string_view program, std::string_view daemon) {
    if (!program.starts_with("postfix") || program.size() < daemon.size() + 1)
        return false;
    const size_t slash = program.size() - daemon.size() - 1;
    return program[slash] == '/' && program.substr(slash + 1) == daemon;
}

std::span<const LogSource> log_sources() {
    return sources;
}

const LogSource* source_for(std::string_view program) {
    for (const LogSource& source : sources) {
        if (source.accepts(program))
            return &source;
    }
    return nullptr;
}

}  // namespace milter503::report
