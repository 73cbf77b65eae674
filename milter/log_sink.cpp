// NAME
//	log_sink 3
// SUMMARY
//	the bounded log queue, its writer thread, and the syslog, stderr and
//	file writers
// DESCRIPTION
//	Our own queue rather than Boost.Log's asynchronous frontend, whose
//	bounded queue counts records, not bytes, drops without counting,
//	flushes without a time limit and joins, when destroyed, a feeding
//	thread that may be stuck in syslog(3) for good.
//
//	The queue's state lives in a shared_ptr that the writer thread holds
//	too: when the target is stuck at exit, the sink detaches the thread
//	instead of joining it, and the thread never touches freed memory
//	should the target wake up while the process ends.
#include "milter/log_sink.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "policy/log_format.hpp"

namespace milter503::milter {
namespace {

struct QueuedLine {
    Severity severity;
    std::string text;
};

// What a queued line costs: its text and the queue's bookkeeping.
size_t cost_of(std::string_view line) {
    return line.size() + sizeof(QueuedLine);
}

std::string dropped_line(uint64_t lines, uint64_t bytes) {
    std::string line = "log-dropped:";
    logfmt::append_field(line, "lines", std::to_string(lines));
    logfmt::append_field(line, "bytes", std::to_string(bytes));
    logfmt::append_field(line, logfmt::key::detail,
                         "the log target did not keep up and the queue was full");
    return line;
}

struct QueueState {
    explicit QueueState(std::unique_ptr<LineWriter> w, QueueLimits l)
        : writer(std::move(w)), limits(l) {}

    std::unique_ptr<LineWriter> writer;
    const QueueLimits limits;
    mutable std::mutex mutex;
    std::condition_variable wake_writer;
    std::condition_variable drained;
    std::condition_variable room;  // a line left the queue
    size_t waiting_for_room = 0;
    std::deque<QueuedLine> lines;
    size_t bytes = 0;
    bool writing = false;         // the writer holds a line taken off the queue
    bool writer_waiting = false;  // the writer sleeps on wake_writer
    bool stop = false;
    uint64_t dropped_lines = 0;  // since start
    uint64_t unreported_lines = 0;
    uint64_t unreported_bytes = 0;

    bool idle() const { return lines.empty() && !writing; }
    // Room for a line in the queue, or in its first half: lines written
    // off the MTA's path (write_by) leave the other half to findings.
    bool fits(size_t cost, bool first_half = false) const {
        const size_t divisor = first_half ? 2 : 1;
        return lines.size() < limits.max_lines / divisor &&
               bytes + cost <= limits.max_bytes / divisor;
    }
    void drop(std::string_view line) {
        ++dropped_lines;
        ++unreported_lines;
        unreported_bytes += line.size();
    }
    void push(Severity severity, std::string_view line) {
        lines.push_back({severity, std::string(line)});
        bytes += cost_of(line);
        if (writer_waiting)
            wake_writer.notify_one();
    }
};

// The writer thread: takes one line at a time and writes it outside the
// lock; once the queue is empty, reports what was dropped meanwhile.
void write_lines(const std::shared_ptr<QueueState>& state) {
    std::unique_lock lock(state->mutex);
    while (true) {
        if (state->lines.empty() && state->unreported_lines > 0) {
            const std::string report =
                dropped_line(state->unreported_lines, state->unreported_bytes);
            state->unreported_lines = 0;
            state->unreported_bytes = 0;
            state->writing = true;
            lock.unlock();
            state->writer->write(Severity::warning, report);
            lock.lock();
            state->writing = false;
            continue;
        }
        if (state->lines.empty()) {
            state->drained.notify_all();
            if (state->stop)
                return;
            state->writer_waiting = true;
            state->wake_writer.wait(lock);
            state->writer_waiting = false;
            continue;
        }
        QueuedLine line = std::move(state->lines.front());
        state->lines.pop_front();
        state->bytes -= cost_of(line.text);
        if (state->waiting_for_room > 0)
            state->room.notify_all();
        state->writing = true;
        lock.unlock();
        state->writer->write(line.severity, line.text);
        lock.lock();
        state->writing = false;
    }
}

class AsyncSink final : public LogSink {
  public:
    AsyncSink(std::unique_ptr<LineWriter> writer, QueueLimits limits)
        : state_(std::make_shared<QueueState>(std::move(writer), limits)),
          thread_([state = state_] { write_lines(state); }) {}

    ~AsyncSink() override {
        bool idle = false;
        {
            std::lock_guard lock(state_->mutex);
            state_->stop = true;
            idle = state_->idle() && state_->unreported_lines == 0;
            state_->wake_writer.notify_one();
        }
        // A writer stuck in the target would make join() wait for good.
        if (idle) {
            thread_.join();
        } else {
            thread_.detach();
        }
    }

    void write(Severity severity, std::string_view line) override {
        std::lock_guard lock(state_->mutex);
        // After stop, nothing new: the writer may be about to be joined.
        if (!state_->stop && state_->fits(cost_of(line))) {
            state_->push(severity, line);
        } else {
            state_->drop(line);
        }
    }

    void write_by(Severity severity, std::string_view line,
                  std::chrono::steady_clock::time_point deadline) override {
        std::unique_lock lock(state_->mutex);
        ++state_->waiting_for_room;
        const bool fits = state_->room.wait_until(
            lock, deadline, [&] { return state_->fits(cost_of(line), true); });
        --state_->waiting_for_room;
        if (fits && !state_->stop) {
            state_->push(severity, line);
        } else {
            state_->drop(line);
        }
    }

    bool flush_for(std::chrono::milliseconds limit) override {
        std::unique_lock lock(state_->mutex);
        return state_->drained.wait_for(
            lock, limit, [&] { return state_->idle() && state_->unreported_lines == 0; });
    }

    uint64_t dropped() const override {
        std::lock_guard lock(state_->mutex);
        return state_->dropped_lines;
    }

    uint64_t unwritten() const override {
        std::lock_guard lock(state_->mutex);
        return state_->lines.size() + (state_->writing ? 1 : 0);
    }

  private:
    std::shared_ptr<QueueState> state_;
    std::thread thread_;
};

int syslog_priority(Severity severity) {
    switch (severity) {
        case Severity::debug:
            return LOG_DEBUG;
        case Severity::info:
            return LOG_INFO;
        case Severity::warning:
            return LOG_WARNING;
        case Severity::error:
            return LOG_ERR;
    }
    return LOG_INFO;
}

struct FacilityName {
    std::string_view name;
    int facility;
};
constexpr std::array<FacilityName, 11> facilities = {{
    {"mail", LOG_MAIL},
    {"daemon", LOG_DAEMON},
    {"user", LOG_USER},
    {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1},
    {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
}};

int syslog_facility(std::string_view name) {
    for (const auto& row : facilities) {
        if (row.name == name)
            return row.facility;
    }
    return LOG_MAIL;
}

// syslog(3) as mail daemons use it: `milter503[PID]:`, like Postfix's
// lines, the facility given once to openlog(3).
class SyslogWriter final : public LineWriter {
  public:
    explicit SyslogWriter(const std::string& facility) {
        ::openlog("milter503", LOG_PID | LOG_NDELAY, syslog_facility(facility));
    }
    void write(Severity severity, std::string_view line) override {
        buffer_.assign(line);
        ::syslog(syslog_priority(severity), "%s", buffer_.c_str());
    }

  private:
    std::string buffer_;  // NUL-terminated copy; only the writer thread writes
};

// The short name, as rsyslog and Postfix's maillog_file write it, so that
// milter503-report can put our lines and the MTA's on the same host.
std::string host_name() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
        return "localhost";
    const std::string full = name;
    return full.substr(0, full.find('.'));
}

// `2026-11-25T04:31:14.619131+00:00 HOST milter503[PID]: ` as rsyslog writes.
std::string stream_prefix(const std::string& host) {
    const auto now = std::chrono::system_clock::now();
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
        1000000;
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}+00:00 {} milter503[{}]: ",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(now)), micros, host,
                       getpid());
}

// One write(2) per line on an O_APPEND descriptor: lines from several
// processes appending to one file do not interleave.
class StreamWriter final : public LineWriter {
  public:
    StreamWriter(int fd, bool owned) : fd_(fd), owned_(owned), host_(host_name()) {}
    ~StreamWriter() override {
        if (owned_)
            ::close(fd_);
    }
    void write(Severity /*severity*/, std::string_view line) override {
        std::string record = stream_prefix(host_);
        record.append(line);
        record += '\n';
        std::string_view rest = record;
        while (!rest.empty()) {
            const ssize_t n = ::write(fd_, rest.data(), rest.size());
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return;  // nowhere to report it; the next line tries again
            rest.remove_prefix(static_cast<size_t>(n));
        }
    }

  private:
    int fd_;
    bool owned_;
    std::string host_;
};

}  // namespace

std::unique_ptr<LogSink> make_async_sink(std::unique_ptr<LineWriter> writer, QueueLimits limits) {
    return std::make_unique<AsyncSink>(std::move(writer), limits);
}

std::optional<LogTarget> parse_log_target(std::string_view text) {
    if (text == "syslog")
        return LogTarget{LogTarget::Kind::syslog, {}};
    if (text == "stderr")
        return LogTarget{LogTarget::Kind::stderr_stream, {}};
    if (text.starts_with("file:") && text.size() > 5) {
        return LogTarget{LogTarget::Kind::file, std::string(text.substr(5))};
    }
    return std::nullopt;
}

std::unique_ptr<LineWriter> make_line_writer(const LogTarget& target, const std::string& facility) {
    switch (target.kind) {
        case LogTarget::Kind::syslog:
            return std::make_unique<SyslogWriter>(facility);
        case LogTarget::Kind::stderr_stream:
            return std::make_unique<StreamWriter>(STDERR_FILENO, false);
        case LogTarget::Kind::file: {
            const int fd =
                ::open(target.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
            if (fd < 0) {
                throw std::runtime_error("cannot open log file " + target.path + ": " +
                                         std::strerror(errno));
            }
            return std::make_unique<StreamWriter>(fd, true);
        }
    }
    throw std::logic_error("unknown log target");
}

}  // namespace milter503::milter
