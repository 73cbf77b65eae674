// NAME
//	options 3
// SUMMARY
//	command line parsing with Boost.Program_options
#include "report/options.hpp"

#include <sstream>

#include <boost/program_options.hpp>

#include "policy/text.hpp"

namespace milter503::report {
namespace po = boost::program_options;
namespace {

po::options_description visible_options() {
    po::options_description options("Options");
    // clang-format off
    options.add_options()
        ("format", po::value<std::string>()->value_name("text|json|html"),
         "output format (default text)")
        ("top", po::value<std::string>()->value_name("N"),
         "only the N clients with the most 503s")
        ("since", po::value<std::string>()->value_name("TIME"),
         "only log lines from TIME on (ISO 8601 date or date-time)")
        ("until", po::value<std::string>()->value_name("TIME"),
         "only log lines up to TIME (a date alone: to the end of that day)")
        ("client", po::value<std::string>()->value_name("ADDR"),
         "only this client address")
        ("kind", po::value<std::string>()->value_name("user|stranger|unknown|all"),
         "only clients of this kind (default all)")
        ("user", po::value<std::string>()->value_name("LOGIN-OR-ADDRESS"),
         "every session of this SASL login or envelope sender, step by step")
        ("year", po::value<std::string>()->value_name("YYYY"),
         "year of the first undated (RFC 3164) line (default: so that it is not in the future)")
        ("help", "print this summary and exit")
        ("version", "print the version and exit");
    // clang-format on
    return options;
}

std::optional<unsigned long> parse_count(const std::string& text, unsigned long max) {
    if (text.empty() || text.size() > 9)
        return std::nullopt;
    unsigned long value = 0;
    for (const char c : text) {
        if (!text::is_digit(c))
            return std::nullopt;
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value > max)
        return std::nullopt;
    return value;
}

}  // namespace

std::string usage_text() {
    std::ostringstream out;
    out << "usage: milter503-report [--format text|json|html] [--top N] [--since TIME]\n"
           "                        [--until TIME] [--client ADDR] [--kind KIND]\n"
           "                        [--user LOGIN-OR-ADDRESS] [--year YYYY] [FILE...]\n"
           "Reads mail logs (plain or gzip; standard input without FILE or for -) and reports\n"
           "per client the SMTP sessions whose DATA got 503/554, their cause and the advice.\n\n"
        << visible_options();
    return out.str();
}

std::variant<Options, UsageError> parse_options(const std::vector<std::string>& args,
                                                const LocalZone& zone) {
    po::options_description all = visible_options();
    all.add_options()("file", po::value<std::vector<std::string>>(), "input");
    po::positional_options_description positional;
    positional.add("file", -1);
    po::variables_map vm;
    try {
        po::store(
            po::command_line_parser(args)
                .options(all)
                .positional(positional)
                .style(po::command_line_style::unix_style ^ po::command_line_style::allow_guessing)
                .run(),
            vm);
        po::notify(vm);
    } catch (const po::error& e) {
        return UsageError{e.what()};
    }
    Options options;
    options.help = vm.count("help") > 0;
    options.version = vm.count("version") > 0;
    if (vm.count("format")) {
        const auto& format = vm["format"].as<std::string>();
        if (format == "text") {
            options.format = Format::text;
        } else if (format == "json") {
            options.format = Format::json;
        } else if (format == "html") {
            options.format = Format::html;
        } else {
            return UsageError{"--format must be text, json or html, not '" + format + "'"};
        }
    }
    if (vm.count("top")) {
        const auto top = parse_count(vm["top"].as<std::string>(), 100000000);
        if (!top)
            return UsageError{"--top needs a whole number"};
        options.filters.top = *top;
    }
    for (const char* name : {"since", "until"}) {
        if (!vm.count(name))
            continue;
        const auto& text = vm[name].as<std::string>();
        auto time = parse_time_arg(text, zone);
        if (!time) {
            return UsageError{std::string("--") + name +
                              " needs an ISO 8601 date or date-time such as 2026-11-25 or "
                              "2026-11-25T04:00:00, not '" +
                              text + "'"};
        }
        if (std::string_view(name) == "since") {
            options.filters.since = time;
        } else {
            if (text.size() == 10) {
                // A whole day: up to the last second before the next midnight.
                const CivilTime day = civil_from_unix(unix_from_civil([&] {
                                                          CivilTime c;
                                                          parse_ymd(text, c);
                                                          return c;
                                                      }()) +
                                                      86400);
                time = zone.to_unix(CivilTime{day.year, day.month, day.day, 0, 0, 0}) - 1;
            }
            options.filters.until = time;
        }
    }
    if (vm.count("client")) {
        std::string client = vm["client"].as<std::string>();
        if (client.rfind("IPv6:", 0) == 0)
            client.erase(0, 5);
        if (client.empty())
            return UsageError{"--client needs an address"};
        options.filters.client = client;
    }
    if (vm.count("kind")) {
        const auto& kind = vm["kind"].as<std::string>();
        if (kind != "all") {
            options.filters.kind = parse_kind(kind);
            if (!options.filters.kind)
                return UsageError{"--kind must be user, stranger, unknown or all, not '" + kind +
                                  "'"};
        }
    }
    if (vm.count("user")) {
        std::string_view user = text::trim(vm["user"].as<std::string>());
        if (user.size() >= 2 && user.front() == '<' && user.back() == '>')
            user = text::trim(user.substr(1, user.size() - 2));
        if (user.empty())
            return UsageError{"--user needs a login or an address"};
        options.filters.user = std::string(user);
    }
    if (vm.count("year")) {
        const auto year = parse_count(vm["year"].as<std::string>(), 9999);
        if (!year || *year < 1970)
            return UsageError{"--year needs a year such as 2026"};
        options.year = static_cast<int>(*year);
    }
    if (vm.count("file"))
        options.files = vm["file"].as<std::vector<std::string>>();
    return options;
}

}  // namespace milter503::report
