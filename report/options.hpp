// NAME
//	options 3h
// SUMMARY
//	the command line of milter503-report
// SYNOPSIS
//	#include "report/options.hpp"
// DESCRIPTION
//	milter503-report [--format text|json|html] [--top N] [--since T]
//	    [--until T] [--client ADDR] [--kind user|stranger|unknown|all]
//	    [--user LOGIN-OR-ADDRESS] [--year YYYY] [FILE...]
//
//	parse_options() uses Boost.Program_options. --since/--until take an
//	ISO 8601 date or date-time (parse_time_arg(); local time without an
//	offset). A date alone means the start of that day for --since and its
//	end (the last second) for --until, so `--until 2026-11-25` includes
//	the 25th. --client drops an `IPv6:` prefix, --user the angle brackets
//	around an address. Without FILE, or for `-`, standard input is read.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "report/report_model.hpp"
#include "report/timestamp.hpp"

namespace milter503::report {

enum class Format { text, json, html };

struct Options {
    Format format = Format::text;
    Filters filters;
    std::optional<int> year;
    std::vector<std::string> files;  // empty: standard input
    bool help = false;
    bool version = false;
};

struct UsageError {
    std::string message;
};

std::variant<Options, UsageError> parse_options(const std::vector<std::string>& args,
                                                const LocalZone& zone);

// The option summary printed by --help and after a usage error.
std::string usage_text();

}  // namespace milter503::report
