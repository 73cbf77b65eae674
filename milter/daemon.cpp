// NAME
//	daemon 3
// SUMMARY
//	start-up, reload, summary timer and shutdown of the milter daemon
// DESCRIPTION
//	Order matters: everything that can fail with a message for the admin
//	(options, configuration, log file, user) is checked while stderr is
//	still the terminal; then the process forks, creates the log sink (its
//	thread would not survive a fork), drops privileges and opens the
//	socket, so a unix socket belongs to the unprivileged user.
#include "milter/daemon.hpp"

#include <libmilter/mfapi.h>
#include <signal.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "milter/callbacks.hpp"
#include "milter/listener_wake.hpp"
#include "milter/milter_api.hpp"
#include "milter/options.hpp"
#include "milter/process.hpp"
#include "milter/service.hpp"
#include "policy/log_format.hpp"
#include "version.hpp"

namespace milter503::milter {
namespace {

// The configuration file, or the built-in defaults when the default file
// is absent (an explicit -c must exist).
std::optional<conf::Config> read_config(const CommandLine& line, conf::ConfigError* error) {
    if (!line.config_file_given && !std::filesystem::exists(line.config_file)) {
        return conf::parse_config("", "(built-in defaults)", error);
    }
    return conf::load_config(line.config_file, error);
}

// Command-line values win over the file, also after a reload.
void apply_command_line(conf::Config& config, const CommandLine& line) {
    if (line.socket)
        config.socket = *line.socket;
    if (line.user)
        config.user_id = *line.user;
    if (line.pid_file)
        config.pid_file = *line.pid_file;
}

std::string key_value_line(std::string_view prefix,
                           std::initializer_list<std::pair<std::string_view, std::string>> fields) {
    std::string line(prefix);
    for (const auto& [key, value] : fields)
        logfmt::append_field(line, key, value);
    return line;
}

// Waits for SIGUSR1/SIGUSR2 and runs the summary timer until stopped.
// It also takes the stop signals (SIGTERM, SIGINT, SIGHUP, which
// libmilter's own signal thread waits for too; on Linux this thread,
// started first, gets them): stop_now() wakes the listener on the socket
// it opened until the stop took, so the stop does not wait for
// libmilter's five-second poll. Should libmilter's thread get one, it
// stops the milter as before, only later.
class SignalThread {
  public:
    SignalThread(Service& service, const CommandLine& line, std::string socket)
        : service_(service), line_(line), socket_(std::move(socket)) {
        thread_ = std::thread([this] { run(); });
    }
    ~SignalThread() {
        stop_ = true;
        thread_.join();
    }

  private:
    void run() {
        sigset_t wanted;
        sigemptyset(&wanted);
        for (int signal : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP})
            sigaddset(&wanted, signal);
        auto next_summary = next_summary_time();
        while (!stop_) {
            const timespec poll{1, 0};
            const int signal = sigtimedwait(&wanted, nullptr, &poll);
            if (signal == SIGUSR1)
                reload();
            if (signal == SIGUSR2)
                service_.log_summary();
            if (signal == SIGTERM || signal == SIGINT || signal == SIGHUP)
                stop_now();
            if (next_summary && std::chrono::steady_clock::now() >= *next_summary) {
                service_.log_summary();
                next_summary = next_summary_time();
            }
        }
    }

    // smfi_stop() sets libmilter's stop flag, then waits for a lock that
    // the listener holds while it waits in select() (up to five seconds).
    // Each wake-up makes the listener loop: once the flag is set it sees
    // it, returns and lets go of the lock.
    void stop_now() {
        std::atomic<bool> stopped{false};
        std::thread stopper([&stopped] {
            smfi_stop();
            stopped = true;
        });
        for (int tries = 0; tries < 100 && !stopped; ++tries) {
            wake_listener(socket_);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stopper.join();
    }

    std::optional<std::chrono::steady_clock::time_point> next_summary_time() const {
        const unsigned interval = service_.config()->summary_interval;
        if (interval == 0)
            return std::nullopt;
        return std::chrono::steady_clock::now() + std::chrono::seconds(interval);
    }

    void reload() {
        conf::ConfigError error;
        auto config = read_config(line_, &error);
        if (!config) {
            service_.log(
                Severity::error,
                key_value_line("reload-failed:", {{"detail", error.to_string()},
                                                  {"action", "kept the old configuration"}}));
            return;
        }
        apply_command_line(*config, line_);
        const auto old = service_.config();
        if (config->socket != old->socket || config->user_id != old->user_id) {
            service_.log(
                Severity::warning,
                key_value_line("reload:", {{"detail", "Socket and UserID change at restart"}}));
        }
        service_.replace_config(std::move(*config));
        service_.log(Severity::info, key_value_line("reloaded:", {{"config", line_.config_file}}));
    }

    Service& service_;
    const CommandLine& line_;
    const std::string socket_;  // the one the listener opened (a reload keeps it)
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Called before any thread starts, so every thread inherits the mask: a
// signal must reach the thread that waits for it. SIGUSR1/SIGUSR2 go to
// SignalThread; SIGTERM, SIGINT and SIGHUP to libmilter's own signal
// thread (which blocks them only in the threads smfi_main starts: the
// log sink's thread would otherwise take SIGTERM and die with it).
void block_signals_for_all_threads() {
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int signal : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP})
        sigaddset(&blocked, signal);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

std::string libmilter_version() {
    unsigned int major = 0, minor = 0, patch = 0;
    smfi_version(&major, &minor, &patch);
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// Checks what would fail after the fork, while stderr still reaches a person.
std::string preflight(const conf::Config& config, const CommandLine& line) {
    if (geteuid() == 0 && config.user_id.empty()) {
        return "refusing to run as root: give a user with -u USER or UserID";
    }
    if (line.log_target.kind == LogTarget::Kind::file) {
        std::ofstream probe(line.log_target.path, std::ios::app);
        if (!probe)
            return "cannot open log file " + line.log_target.path;
    }
    return {};
}

// When LogFlushTimeout, from now, is up for the last lines at a stop.
std::chrono::steady_clock::time_point stop_deadline(const Service& service) {
    return std::chrono::steady_clock::now() +
           std::chrono::seconds(service.config()->log_flush_timeout);
}

// Waits until `deadline` for the queued lines; when the log target is
// stuck, says on stderr (the journal under systemd) what is lost.
void flush_log(LogSink& sink, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (sink.flush_for(std::max(left, std::chrono::milliseconds(0))))
        return;
    std::cerr << "milter503: the log target is stuck: " << sink.unwritten()
              << " lines not written at exit, " << sink.dropped() << " dropped before (queue full)"
              << std::endl;
}

int serve(const conf::Config& config, const CommandLine& line, LogSink& sink) {
    const std::string socket = config.socket;
    const std::string user = config.user_id;
    const std::string pid_file = config.pid_file;
    Service service(config, sink);
    const auto fail = [&](const std::string& why, int code) {
        service.log(Severity::error, key_value_line("fatal:", {{"detail", why}}));
        flush_log(sink, stop_deadline(service));
        return code;
    };
    if (!pid_file.empty()) {
        if (auto error = write_pid_file(pid_file); !error.empty())
            return fail(error, EX_CANTCREAT);
    }
    if (!user.empty()) {
        if (auto error = become_user(user); !error.empty())
            return fail(error, EX_NOPERM);
    }
    LibMilterApi api;
    bind_callbacks(&service, &api);
    if (smfi_setconn(const_cast<char*>(socket.c_str())) != MI_SUCCESS ||
        smfi_register(filter_description()) != MI_SUCCESS || smfi_opensocket(true) != MI_SUCCESS) {
        return fail("cannot open milter socket " + socket, EX_UNAVAILABLE);
    }
    // A peer that stalls, or sends half a packet, frees its thread after this.
    if (smfi_settimeout(static_cast<int>(config.mta_timeout)) != MI_SUCCESS)
        return fail("cannot set the MTA timeout", EX_SOFTWARE);
    service.log(Severity::info,
                key_value_line("starting:", {{"version", milter503::version},
                                             {"socket", socket},
                                             {"config", line.config_file},
                                             {"mta_timeout", std::to_string(config.mta_timeout)}}));
    int status = MI_SUCCESS;
    {
        SignalThread signals(service, line, socket);
        status = smfi_main();
    }
    // The summary, the stopping line and the flush share LogFlushTimeout.
    const auto deadline = stop_deadline(service);
    service.log_summary(deadline);
    sink.write_by(Severity::info,
                  key_value_line("stopping:", {{"status", std::to_string(status)},
                                               {"dropped", std::to_string(sink.dropped())}}),
                  deadline);
    flush_log(sink, deadline);
    if (!pid_file.empty())
        unlink(pid_file.c_str());
    return status == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}

}  // namespace

int run_daemon(int argc, const char* const* argv) {
    std::string usage_error;
    auto line = parse_command_line(argc, argv, &usage_error);
    if (!line) {
        std::cerr << "milter503: " << usage_error << "\n" << usage_text();
        return EX_USAGE;
    }
    if (line->help) {
        std::cout << usage_text();
        return EX_OK;
    }
    if (line->version) {
        std::cout << "milter503 " << milter503::version << " (libmilter " << libmilter_version()
                  << ")\n";
        return EX_OK;
    }
    conf::ConfigError error;
    auto config = read_config(*line, &error);
    if (!config) {
        std::cerr << error.to_string() << "\n";
        return EX_CONFIG;
    }
    apply_command_line(*config, *line);
    if (line->check_only)
        return EX_OK;
    if (auto why = preflight(*config, *line); !why.empty()) {
        std::cerr << "milter503: " << why << "\n";
        return EX_USAGE;
    }
    if (config->umask)
        umask(*config->umask);
    if (!line->foreground) {
        if (auto why = daemonize(); !why.empty()) {
            std::cerr << "milter503: " << why << "\n";
            return EX_OSERR;
        }
    }
    block_signals_for_all_threads();
    std::unique_ptr<LogSink> sink;
    try {
        sink = make_async_sink(make_line_writer(line->log_target, config->syslog_facility),
                               QueueLimits{.max_bytes = config->log_queue_bytes});
    } catch (const std::exception& e) {
        std::cerr << "milter503: " << e.what() << "\n";
        return EX_CANTCREAT;
    }
    return serve(*config, *line, *sink);
}

}  // namespace milter503::milter
