// NAME
//	config 3h
// SUMMARY
//	milter503.conf: the key table, the parser and the `-n` check
// SYNOPSIS
//	#include "conf/config.hpp"
// DESCRIPTION
//	The file is `Key Value` lines; `#` starts a comment; keys are
//	case-insensitive; list values are separated by commas and/or spaces.
//	Every key is described once in the key table (config.cpp), which also
//	gives its default and its parser. An unknown key, a bad value or a
//	repeated key is an error naming the file and line.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/settings.hpp"

namespace milter503::conf {

struct ConfigError {
    std::string file;
    unsigned line = 0;  // 0: the file itself (cannot open)
    std::string message;

    // "FILE:LINE: message", or "FILE: message" when line is 0.
    std::string to_string() const;
};

// Filled by parse_config() from the key table, which alone holds the
// defaults: a default-constructed Config is empty, not the defaults.
struct Config {
    // Daemon settings (read at start; a reload reports changes it cannot apply).
    std::string socket;
    std::string pid_file;
    std::string user_id;
    std::optional<unsigned> umask;
    std::string syslog_facility;
    size_t log_queue_bytes = 0;      // lines waiting for a slow log target
    unsigned log_flush_timeout = 0;  // seconds a stop waits for queued lines
    unsigned mta_timeout = 0;        // seconds to wait for the MTA's next bytes (smfi_settimeout)

    // Diagnosis settings (a reload applies them to new sessions).
    std::shared_ptr<const policy::Settings> settings = std::make_shared<policy::Settings>();

    unsigned summary_interval = 0;  // seconds, 0 = off
    size_t max_clients = 0;
    unsigned log_rate_limit = 0;  // finding lines per client per minute, 0 = no limit
    bool log_why = false;
    unsigned alert_interval = 0;  // seconds between admin alerts of one kind, 0 = off

    std::vector<std::string> local_domains;  // as written, for display
    std::string sender_login_map_path;
};

// Parses `text` as if read from `file` (used by tests and by load_config).
// Relative map paths are resolved against the directory of `file`.
std::optional<Config> parse_config(std::string_view text, const std::string& file,
                                   ConfigError* error);

// Reads and parses a file. A missing file is an error (the daemon decides
// whether the built-in defaults apply).
std::optional<Config> load_config(const std::string& file, ConfigError* error);

// The keys, their defaults and one-line descriptions, for `--help` and
// the sample file's test.
struct KeyInfo {
    std::string_view name;
    std::string_view default_value;
    std::string_view description;
};
const std::vector<KeyInfo>& config_keys();

}  // namespace milter503::conf
