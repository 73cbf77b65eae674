// NAME
//	config 3
// SUMMARY
//	milter503.conf parser driven by one key table
// DESCRIPTION
//	Each key has one row in key_table(): its name, default (as text, for
//	--help and the sample file), a description and the function that
//	applies a value. Parsing is two passes over nothing more than lines:
//	split, look the key up, apply; the first error stops the parse with
//	the file and line, as `postconf`/`opendkim -n` report them.
#include "conf/config.hpp"

#include "policy/text.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "policy/address.hpp"

namespace milter503::conf {
namespace {

using text::to_lower_ascii;
using text::trim;

// Where a value came from, for errors raised while applying it.
struct Source {
    const std::string& file;
    unsigned line;
};

// The Settings under construction; Config holds a shared_ptr<const ...>.
struct Building {
    Config config;
    std::shared_ptr<policy::Settings> settings = std::make_shared<policy::Settings>();
};

// Applies a value; returns an error message, empty on success.
using Apply = std::function<std::string(Building&, const std::string& value, const Source&)>;

struct KeyRow {
    KeyInfo info;
    Apply apply;
};

std::vector<std::string> split_list(std::string_view value) {
    std::vector<std::string> items;
    std::string current;
    for (char c : value) {
        if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
            if (!current.empty())
                items.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty())
        items.push_back(std::move(current));
    return items;
}

std::string parse_bool(const std::string& value, bool& out) {
    const std::string v = to_lower_ascii(value);
    if (v == "yes" || v == "true" || v == "on" || v == "1") {
        out = true;
    } else if (v == "no" || v == "false" || v == "off" || v == "0") {
        out = false;
    } else {
        return "expected yes or no, got \"" + value + "\"";
    }
    return {};
}

// Digits only (no sign, no spaces), within [min, max]; a number too large
// for any integer is out of range, not a crash.
template <typename Number>
std::string parse_number(const std::string& value, Number min, Number max, Number& out,
                         int base = 10) {
    const char* kind = base == 8 ? "an octal number" : "a number";
    const bool digits_only =
        !value.empty() && std::all_of(value.begin(), value.end(), [base](char c) {
            return base == 8 ? (c >= '0' && c <= '7')
                             : std::isdigit(static_cast<unsigned char>(c)) != 0;
        });
    if (!digits_only)
        return "expected " + std::string(kind) + ", got \"" + value + "\"";
    unsigned long long parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed, base);
    if (ec != std::errc() || end != value.data() + value.size() ||
        parsed < static_cast<unsigned long long>(min) ||
        parsed > static_cast<unsigned long long>(max)) {
        return "value " + value + " out of range " + std::to_string(min) + ".." +
               std::to_string(max);
    }
    out = static_cast<Number>(parsed);
    return {};
}

bool valid_domain(std::string_view domain) {
    if (domain.empty() || domain.size() > 253)
        return false;
    return std::all_of(domain.begin(), domain.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
    });
}

// libmilter's forms: inet:PORT@HOST, inet6:PORT@HOST, unix:PATH, local:PATH
// or a bare absolute path (a unix socket).
std::string check_socket(const std::string& value) {
    if (value.starts_with("/"))
        return {};
    const auto colon = value.find(':');
    if (colon == std::string::npos)
        return "expected inet:PORT@HOST, inet6:PORT@HOST or unix:/path";
    const std::string proto = to_lower_ascii(value.substr(0, colon));
    const std::string rest = value.substr(colon + 1);
    if (proto == "unix" || proto == "local") {
        return rest.starts_with("/") ? std::string() : "socket path must be absolute";
    }
    if (proto != "inet" && proto != "inet6")
        return "unknown socket type \"" + proto + "\"";
    const std::string port = rest.substr(0, rest.find('@'));
    unsigned number = 0;
    if (auto error = parse_number(port, 1U, 65535U, number); !error.empty()) {
        return "socket port: " + error;
    }
    return {};
}

std::string check_facility(const std::string& value) {
    static const std::set<std::string> facilities = {"mail",   "daemon", "user",   "local0",
                                                     "local1", "local2", "local3", "local4",
                                                     "local5", "local6", "local7"};
    return facilities.contains(to_lower_ascii(value))
               ? std::string()
               : "unknown syslog facility \"" + value + "\" (mail, daemon, user, local0-local7)";
}

std::string apply_local_domains(Building& b, const std::string& value) {
    for (const auto& domain : split_list(value)) {
        const std::string_view bare = std::string_view(domain).substr(domain.starts_with('.'));
        if (!valid_domain(bare))
            return "not a domain name: \"" + domain + "\"";
        b.settings->local_domains.add(domain);
        b.config.local_domains.push_back(domain);
    }
    return {};
}

std::string apply_trusted_networks(Building& b, const std::string& value) {
    policy::NetworkList networks;
    for (const auto& item : split_list(value)) {
        std::string why;
        auto cidr = policy::parse_cidr(item, &why);
        if (!cidr)
            return "bad network \"" + item + "\": " + std::move(why);
        networks.add(*cidr);
    }
    b.settings->trusted_networks = std::move(networks);
    return {};
}

std::string apply_submission_ports(Building& b, const std::string& value) {
    std::vector<std::string> ports;
    for (const auto& item : split_list(value)) {
        unsigned port = 0;
        if (auto error = parse_number(item, 1U, 65535U, port); !error.empty())
            return error;
        ports.push_back(std::to_string(port));
    }
    b.settings->submission_ports = std::move(ports);
    return {};
}

std::string apply_login_map(Building& b, const std::string& value, const Source& src) {
    std::filesystem::path path(value);
    if (path.is_relative())
        path = std::filesystem::path(src.file).parent_path() / path;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return "cannot read SenderLoginMap \"" + path.string() + "\"";
    std::stringstream text;
    text << in.rdbuf();
    policy::MapError map_error;
    auto map = policy::SenderLoginMap::parse(text.str(), path.string(), &map_error);
    if (!map) {
        return "SenderLoginMap " + map_error.file + ":" + std::to_string(map_error.line) + ": " +
               map_error.message;
    }
    b.settings->sender_login_map = std::make_shared<const policy::SenderLoginMap>(std::move(*map));
    b.config.sender_login_map_path = path.string();
    return {};
}

const std::vector<KeyRow>& key_table() {
    static const std::vector<KeyRow> table = {
        {{"Socket", "inet:8894@127.0.0.1", "where the MTA connects: inet:PORT@HOST, unix:/path"},
         [](Building& b, const std::string& v, const Source&) {
             b.config.socket = v;
             return check_socket(v);
         }},
        {{"PidFile", "", "file to write the process id to"},
         [](Building& b, const std::string& v, const Source&) {
             b.config.pid_file = v;
             return std::string();
         }},
        {{"UserID", "", "USER[:GROUP] to run as when started as root"},
         [](Building& b, const std::string& v, const Source&) {
             b.config.user_id = v;
             return std::string();
         }},
        {{"UMask", "", "octal umask for the socket and files, e.g. 007"},
         [](Building& b, const std::string& v, const Source&) {
             unsigned mask = 0;
             auto error = parse_number(v, 0U, 0777U, mask, 8);
             b.config.umask = mask;
             return error;
         }},
        {{"SyslogFacility", "mail", "syslog facility: mail, daemon, user, local0-local7"},
         [](Building& b, const std::string& v, const Source&) {
             b.config.syslog_facility = to_lower_ascii(v);
             return check_facility(v);
         }},
        {{"MtaTimeout", "600",
          "seconds to wait for the MTA's next command on a connection before dropping it"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, 1U, 86400U, b.config.mta_timeout);
         }},
        {{"LogQueueBytes", "4194304",
          "bytes of lines waiting for a slow log target; beyond, lines are dropped and counted"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, size_t{65536}, size_t{1} << 30, b.config.log_queue_bytes);
         }},
        {{"LogFlushTimeout", "5", "seconds a stop waits for queued lines to reach the log target"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, 0U, 3600U, b.config.log_flush_timeout);
         }},
        {{"LocalDomains", "", "domains whose senders must authenticate"},
         [](Building& b, const std::string& v, const Source&) {
             return apply_local_domains(b, v);
         }},
        {{"TrustedNetworks", "127.0.0.0/8 ::1/128",
          "networks that may send without authentication (like Postfix mynetworks)"},
         [](Building& b, const std::string& v, const Source&) {
             return apply_trusted_networks(b, v);
         }},
        {{"SubmissionPorts", "587 465", "ports where clients are expected to authenticate"},
         [](Building& b, const std::string& v, const Source&) {
             return apply_submission_ports(b, v);
         }},
        {{"SenderLoginMap", "", "smtpd_sender_login_maps text file: address -> owning logins"},
         apply_login_map},
        {{"CheckHeaderFrom", "yes", "report a From: header that differs from the envelope sender"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_bool(v, b.settings->check_header_from);
         }},
        {{"CheckDisplayName", "yes", "report From: display names with an apostrophe or specials"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_bool(v, b.settings->check_display_name);
         }},
        {{"SummaryInterval", "3600", "seconds between per-client summaries, 0 = off"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, 0U, 31U * 86400U, b.config.summary_interval);
         }},
        {{"MaxClients", "100000", "clients kept in the summary table (least recent evicted)"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, size_t{1}, size_t{100000000}, b.config.max_clients);
         }},
        {{"LogRateLimit", "30", "finding lines per client per minute, 0 = no limit"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, 0U, 1000000U, b.config.log_rate_limit);
         }},
        {{"AlertInterval", "600",
          "seconds between admin alerts of one kind (server faults, a NAT gateway), 0 = no "
          "alerts"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_number(v, 0U, 7U * 86400U, b.config.alert_interval);
         }},
        {{"LogWhy", "no", "log every SMTP phase of every session (for bug reports)"},
         [](Building& b, const std::string& v, const Source&) {
             return parse_bool(v, b.config.log_why);
         }},
    };
    return table;
}

const KeyRow* find_key(std::string_view name) {
    for (const auto& row : key_table()) {
        if (text::equal_nocase(row.info.name, name))
            return &row;
    }
    return nullptr;
}

bool apply_defaults(Building& b, const std::string& file, ConfigError* error) {
    for (const auto& row : key_table()) {
        if (row.info.default_value.empty())
            continue;
        const std::string value(row.info.default_value);
        if (auto why = row.apply(b, value, Source{file, 0}); !why.empty()) {
            if (error)
                *error = {file, 0,
                          "built-in default of " + std::string(row.info.name) + ": " + why};
            return false;
        }
    }
    return true;
}

}  // namespace

std::string ConfigError::to_string() const {
    if (line == 0)
        return file + ": " + message;
    return file + ":" + std::to_string(line) + ": " + message;
}

const std::vector<KeyInfo>& config_keys() {
    static const std::vector<KeyInfo> keys = [] {
        std::vector<KeyInfo> out;
        for (const auto& row : key_table())
            out.push_back(row.info);
        return out;
    }();
    return keys;
}

std::optional<Config> parse_config(std::string_view text, const std::string& file,
                                   ConfigError* error) {
    Building b;
    if (!apply_defaults(b, file, error))
        return std::nullopt;
    std::set<const KeyRow*> seen;
    unsigned line_number = 0;
    const auto fail = [&](std::string message) {
        if (error)
            *error = {file, line_number, std::move(message)};
        return std::nullopt;
    };
    std::istringstream lines{std::string(text)};
    for (std::string raw; std::getline(lines, raw);) {
        ++line_number;
        std::string_view line = raw;
        if (const auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        line = trim(line);
        if (line.empty())
            continue;
        const auto space =
            std::find_if(line.begin(), line.end(), [](char c) { return text::is_space(c); });
        const std::string_view name = line.substr(0, space - line.begin());
        const std::string value(trim(line.substr(name.size())));
        const KeyRow* row = find_key(name);
        if (row == nullptr)
            return fail("unknown key \"" + std::string(name) + "\"");
        if (value.empty())
            return fail(std::string(row->info.name) + ": missing value");
        if (!seen.insert(row).second) {
            return fail(std::string(row->info.name) + ": key given twice");
        }
        if (auto why = row->apply(b, value, Source{file, line_number}); !why.empty()) {
            return fail(std::string(row->info.name) + ": " + why);
        }
    }
    b.config.settings = b.settings;
    return std::move(b.config);
}

std::optional<Config> load_config(const std::string& file, ConfigError* error) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        if (error)
            *error = {file, 0, "cannot open: " + std::string(std::strerror(errno))};
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file, error);
}

}  // namespace milter503::conf
