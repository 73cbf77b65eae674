// NAME
//	options 3
// SUMMARY
//	command-line parsing with Boost.Program_options
#include "milter/options.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "conf/config.hpp"

namespace milter503::milter {
namespace {

namespace po = boost::program_options;

po::options_description describe() {
    po::options_description options("Options");
    options.add_options()(
        "config,c", po::value<std::string>()->value_name("FILE"),
        "configuration file (default /etc/milter503.conf; built-in defaults if absent)")(
        "socket,p", po::value<std::string>()->value_name("SOCKET"),
        "inet:PORT@HOST, inet6:PORT@HOST or unix:/path (overrides Socket)")(
        "foreground,f", "stay in the foreground")(
        "user,u", po::value<std::string>()->value_name("USER[:GROUP]"),
        "user (and group) to run as (overrides UserID)")(
        "pidfile,P", po::value<std::string>()->value_name("FILE"), "write the process id here")(
        "check,n", "check the configuration and exit (0, or 78 with FILE:LINE: message)")(
        "version,V", "print the version and libmilter's version")(
        "log,l", po::value<std::string>()->value_name("TARGET"),
        "syslog (default), stderr or file:PATH")("help,h", "this text");
    return options;
}

}  // namespace

std::string usage_text() {
    std::ostringstream out;
    out << "usage: milter503 [-f] [-n] [-V] [-c FILE] [-p SOCKET] [-u USER[:GROUP]] [-P PIDFILE]\n"
           "                 [-l syslog|stderr|file:PATH]\n\n"
        << describe() << "\nConfiguration keys (milter503.conf(5)):\n";
    for (const auto& key : conf::config_keys()) {
        out << "  " << key.name
            << " (default: " << (key.default_value.empty() ? "none" : key.default_value)
            << ")\n      " << key.description << "\n";
    }
    out << "\nSignals: USR1 reloads the configuration, USR2 logs the per-client summary,\n"
           "TERM and INT stop (the summary is logged).\n";
    return out.str();
}

std::optional<CommandLine> parse_command_line(int argc, const char* const* argv,
                                              std::string* error) {
    po::variables_map values;
    try {
        po::store(po::command_line_parser(argc, argv).options(describe()).run(), values);
        po::notify(values);
    } catch (const po::error& e) {
        if (error)
            *error = e.what();
        return std::nullopt;
    }
    CommandLine line;
    if (values.count("config")) {
        line.config_file = values["config"].as<std::string>();
        line.config_file_given = true;
    }
    if (values.count("socket"))
        line.socket = values["socket"].as<std::string>();
    if (values.count("user"))
        line.user = values["user"].as<std::string>();
    if (values.count("pidfile"))
        line.pid_file = values["pidfile"].as<std::string>();
    if (values.count("log")) {
        auto target = parse_log_target(values["log"].as<std::string>());
        if (!target) {
            if (error)
                *error = "-l takes syslog, stderr or file:PATH";
            return std::nullopt;
        }
        line.log_target = *target;
    }
    line.foreground = values.count("foreground") > 0;
    line.check_only = values.count("check") > 0;
    line.version = values.count("version") > 0;
    line.help = values.count("help") > 0;
    return line;
}

}  // namespace milter503::milter
