// NAME
//	options 3h
// SUMMARY
//	milter503's command line, in the style of OpenDKIM
// SYNOPSIS
//	#include "milter/options.hpp"
// DESCRIPTION
//	-c FILE, -p SOCKET, -f, -u USER[:GROUP], -P PIDFILE, -n, -V, -l TARGET,
//	--help. Values given here override the configuration file and survive
//	a reload.
#pragma once

#include <optional>
#include <string>

#include "milter/log_sink.hpp"

namespace milter503::milter {

inline constexpr const char* default_config_file = "/etc/milter503.conf";

struct CommandLine {
    std::string config_file = default_config_file;
    bool config_file_given = false;
    std::optional<std::string> socket;
    std::optional<std::string> user;
    std::optional<std::string> pid_file;
    LogTarget log_target;
    bool foreground = false;
    bool check_only = false;
    bool version = false;
    bool help = false;
};

// nullopt and `error` set on a usage error.
std::optional<CommandLine> parse_command_line(int argc, const char* const* argv,
                                              std::string* error);
std::string usage_text();

}  // namespace milter503::milter
