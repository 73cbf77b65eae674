// NAME
//	log_sink 3
// SUMMARY
//	Boost.Log back ends for syslog, stderr and a file
// DESCRIPTION
//	One asynchronous sink per process, fed by a bounded queue. The record
//	carries the finished line; formatting happened on the caller's side so
//	the sink never touches client data again.
#include "milter/log_sink.hpp"

#include <syslog.h>
#include <unistd.h>

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/keywords/facility.hpp>
#include <boost/log/keywords/ident.hpp>
#include <boost/log/keywords/use_impl.hpp>
#include <boost/log/sinks/async_frontend.hpp>
#include <boost/log/sinks/bounded_fifo_queue.hpp>
#include <boost/log/sinks/drop_on_overflow.hpp>
#include <boost/log/sinks/syslog_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/smart_ptr/make_shared_object.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace milter503::milter {
namespace {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace keywords = boost::log::keywords;

// Lines a stuck syslog may leave queued before new ones are dropped.
constexpr size_t queue_limit = 65536;
using Queue = sinks::bounded_fifo_queue<queue_limit, sinks::drop_on_overflow>;

sinks::syslog::facility syslog_facility(const std::string& name) {
    if (name == "daemon")
        return sinks::syslog::daemon;
    if (name == "user")
        return sinks::syslog::user;
    if (name.size() == 6 && name.starts_with("local") && name[5] >= '0' && name[5] <= '7') {
        return sinks::syslog::make_facility(LOG_LOCAL0 +
                                            (name[5] - '0') * (LOG_LOCAL1 - LOG_LOCAL0));
    }
    return sinks::syslog::mail;
}

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

class BoostLogSink final : public LogSink {
  public:
    explicit BoostLogSink(boost::shared_ptr<sinks::sink> sink) : sink_(std::move(sink)) {
        logging::core::get()->add_sink(sink_);
    }
    ~BoostLogSink() override {
        flush();
        logging::core::get()->remove_sink(sink_);
    }
    void write(Severity severity, std::string_view line) override {
        BOOST_LOG_SEV(logger_, severity) << line;
    }
    void flush() override { sink_->flush(); }

  private:
    boost::shared_ptr<sinks::sink> sink_;
    logging::sources::severity_logger_mt<Severity> logger_;
};

boost::shared_ptr<sinks::sink> make_syslog_sink(const std::string& facility) {
    using Backend = sinks::syslog_backend;
    auto backend = boost::make_shared<Backend>(keywords::facility = syslog_facility(facility),
                                               keywords::use_impl = sinks::syslog::native,
                                               keywords::ident = std::string("milter503"));
    sinks::syslog::custom_severity_mapping<Severity> mapping("Severity");
    mapping[Severity::debug] = sinks::syslog::debug;
    mapping[Severity::info] = sinks::syslog::info;
    mapping[Severity::warning] = sinks::syslog::warning;
    mapping[Severity::error] = sinks::syslog::error;
    backend->set_severity_mapper(mapping);
    // Boost's native back end opens the log without LOG_PID, once, when the
    // first backend is built; reopen it as mail daemons do, so lines read
    // `milter503[PID]:` like Postfix's (the facility travels with each
    // message). The ident must outlive the process's use of syslog(3).
    static const char* const ident = "milter503";
    ::openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
    auto sink = boost::make_shared<sinks::asynchronous_sink<Backend, Queue>>(backend);
    sink->set_formatter(logging::expressions::stream << logging::expressions::smessage);
    return sink;
}

boost::shared_ptr<sinks::sink> make_stream_sink(const boost::shared_ptr<std::ostream>& stream) {
    using Backend = sinks::text_ostream_backend;
    auto backend = boost::make_shared<Backend>();
    backend->add_stream(stream);
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::asynchronous_sink<Backend, Queue>>(backend);
    const std::string host = host_name();
    sink->set_formatter(
        [host](const logging::record_view& record, logging::formatting_ostream& out) {
            out << stream_prefix(host) << record[logging::expressions::smessage];
        });
    return sink;
}

}  // namespace

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

std::unique_ptr<LogSink> make_boost_log_sink(const LogTarget& target, const std::string& facility) {
    switch (target.kind) {
        case LogTarget::Kind::syslog:
            return std::make_unique<BoostLogSink>(make_syslog_sink(facility));
        case LogTarget::Kind::stderr_stream:
            return std::make_unique<BoostLogSink>(make_stream_sink(
                boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter())));
        case LogTarget::Kind::file: {
            auto file = boost::make_shared<std::ofstream>(target.path, std::ios::app);
            if (!*file)
                throw std::runtime_error("cannot open log file " + target.path);
            return std::make_unique<BoostLogSink>(make_stream_sink(file));
        }
    }
    throw std::logic_error("unknown log target");
}

}  // namespace milter503::milter
