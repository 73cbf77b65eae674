// NAME
//	analyzer 3
// SUMMARY
//	the per-line dispatch of milter503-report
// DESCRIPTION
//	This is the hot path: one header parse, the source table's program
//	tests and a few prefix compares per line; the events hold views only.
#include "report/analyzer.hpp"

#include <algorithm>
#include <functional>
#include <queue>

#include "policy/text.hpp"
#include "report/join_thread.hpp"
#include "report/log_source.hpp"

namespace milter503::report {
namespace {

// An empty line (or one of blanks) is no log line, and no broken one.
bool is_blank(std::string_view line) {
    return text::trim(line).empty();
}

// --user needs the steps of every session (user_trace.hpp).
JoinerLimits joiner_limits(const AnalyzerOptions& options) {
    JoinerLimits limits = options.limits;
    limits.record_steps = limits.record_steps || options.filters.user.has_value();
    return limits;
}

}  // namespace

// Where the batches' events go: the joiner, and the milter's alerts.
class Analyzer::Dispatch : public EventTarget {
  public:
    Dispatch(Joiner& joiner, ServerAlerts& alerts) : joiner_(joiner), alerts_(alerts) {}

    void event(const LineOrigin& line, const SessionEvent& event) override {
        joiner_.event(line.mta, line.host, line.time, event);
    }
    void finding(const LineOrigin& line, policy::Finding&& finding) override {
        joiner_.finding(line.host, line.time, std::move(finding));
    }
    void summary(const LineOrigin& line, policy::ClientSummary&& summary) override {
        joiner_.summary(line.host, line.time, std::move(summary));
    }
    void alert(const LineOrigin& line, policy::AlertLine&& alert) override {
        alerts_.on_milter_alert(line.time, std::move(alert));
    }

  private:
    Joiner& joiner_;
    ServerAlerts& alerts_;
};

Analyzer::Analyzer(AnalyzerOptions options, const LocalZone& zone)
    : options_(std::move(options)),
      zone_(zone),
      aggregator_(options_.filters.client),
      tracer_(options_.filters.user
                  ? std::make_unique<UserTracer>(*options_.filters.user, aggregator_)
                  : nullptr),
      alerts_(tracer_ ? static_cast<JoinSink&>(*tracer_) : aggregator_),
      joiner_(alerts_, joiner_limits(options_)),
      dispatch_(std::make_unique<Dispatch>(joiner_, alerts_)),
      batch_(options_.batch_text_room) {}

Analyzer::~Analyzer() = default;

SyslogParser Analyzer::stream_parser(std::optional<UnixTime> modified) const {
    return SyslogParser(
        zone_, YearGuess(options_.year, modified ? zone_.to_civil(*modified) : options_.now));
}

struct Analyzer::Stream {
    std::unique_ptr<LineSource> source;
    SyslogParser parser;
    LogLine log;  // the current line's header; views into source's buffer
    std::uint64_t lines = 0;
};

void Analyzer::read(LineSource& source) {
    SyslogParser parser = stream_parser(source.modified());
    const std::uint64_t before = input_.lines;
    start_join_thread();
    std::string_view line;
    while (source.next(line))
        add_line(line, parser);
    stop_join_thread();
    FileReport file;
    file.name = source.name();
    file.compressed = source.compressed();
    // Over-long lines were read too: the footer's counts add up to these.
    input_.overlong += source.overlong_lines();
    input_.lines += source.overlong_lines();
    file.lines = input_.lines - before;
    file.error = source.error();
    input_.files.push_back(std::move(file));
}

bool Analyzer::advance(Stream& stream) {
    std::string_view line;
    while (stream.source->next(line)) {
        ++stream.lines;
        if (stream.parser.parse(line, stream.log))
            return true;
        ++input_.lines;
        ++(is_blank(line) ? input_.ignored : input_.malformed);
    }
    return false;
}

void Analyzer::end_stream(Stream& stream) {
    FileReport file;
    file.name = stream.source->name();
    file.compressed = stream.source->compressed();
    // Over-long lines were read too: the footer's counts add up to these.
    const std::uint64_t overlong = stream.source->overlong_lines();
    input_.overlong += overlong;
    input_.lines += overlong;
    file.lines = stream.lines + overlong;
    file.error = stream.source->error();
    input_.files.push_back(std::move(file));
}

void Analyzer::read_files(
    const std::vector<std::string>& paths,
    const std::function<void(const std::string&, const std::string&)>& on_error) {
    // Files whose first line's time is known open when the merge gets
    // there; the others (standard input) at once.
    const std::vector<TimedInput> pending = order_inputs(paths, options_, zone_);
    std::vector<std::unique_ptr<Stream>> streams;
    // Min-heap on (time, stream index): same-second lines in file order.
    using Key = std::pair<UnixTime, size_t>;
    std::priority_queue<Key, std::vector<Key>, std::greater<>> heap;
    const auto open_next = [&](size_t p) {
        const std::string& path = pending[p].second;
        std::string error;
        auto source = LineSource::open(path, &error);
        if (!source) {
            add_unreadable(path, error);
            on_error(path, error);
            return;
        }
        SyslogParser parser = stream_parser(source->modified());
        auto stream = std::make_unique<Stream>(Stream{std::move(source), std::move(parser), {}, 0});
        if (advance(*stream)) {
            heap.emplace(stream->log.time, streams.size());
        } else {
            end_stream(*stream);
            if (!stream->source->error().empty())
                on_error(stream->source->name(), stream->source->error());
        }
        streams.push_back(std::move(stream));
    };
    start_join_thread();
    size_t next_pending = 0;
    while (next_pending < pending.size() || !heap.empty()) {
        if (next_pending < pending.size() && (heap.empty() || !pending[next_pending].first ||
                                              *pending[next_pending].first <= heap.top().first)) {
            open_next(next_pending++);
            continue;
        }
        const size_t index = heap.top().second;
        heap.pop();
        Stream& stream = *streams[index];
        ++input_.lines;
        dispatch(stream.log);
        if (advance(stream)) {
            heap.emplace(stream.log.time, index);
        } else {
            end_stream(stream);
            if (!stream.source->error().empty())
                on_error(stream.source->name(), stream.source->error());
            streams[index]->source.reset();
        }
    }
    stop_join_thread();
}

void Analyzer::hand_over() {
    if (batch_.empty())
        return;
    if (join_thread_) {
        batch_ = join_thread_->hand_over(std::move(batch_));
    } else {
        batch_.replay(*dispatch_);
    }
}

void Analyzer::start_join_thread() {
    hand_over();  // lines added before, in order
    if (options_.join_thread)
        join_thread_ = std::make_unique<JoinThread>(*dispatch_, 3, options_.batch_text_room);
}

void Analyzer::stop_join_thread() {
    hand_over();
    if (auto thread = std::move(join_thread_))
        thread->finish();
}

void Analyzer::add_unreadable(const std::string& name, const std::string& error) {
    FileReport file;
    file.name = name;
    file.error = error;
    input_.files.push_back(std::move(file));
}

void Analyzer::add_line(std::string_view line, SyslogParser& parser) {
    ++input_.lines;
    const auto parsed = parser.parse(line);
    if (!parsed) {
        ++(is_blank(line) ? input_.ignored : input_.malformed);
        return;
    }
    dispatch(*parsed);
}

void Analyzer::dispatch(const LogLine& log) {
    const Filters& filters = options_.filters;
    if ((filters.since && log.time < *filters.since) ||
        (filters.until && log.time > *filters.until)) {
        ++input_.outside_period;
        return;
    }
    if (!has_period_ || log.time < first_)
        first_ = log.time;
    if (!has_period_ || log.time > last_)
        last_ = log.time;
    has_period_ = true;

    Parsed result = Parsed::ignored;
    if (const LogSource* source = source_for(log.program)) {
        if (!batch_.fits(log))
            hand_over();
        result = source->read(batch_.keep(log, source->mta), batch_);
        batch_.end_line();
    }
    switch (result) {
        case Parsed::used:
            ++input_.used;
            break;
        case Parsed::ignored:
            ++input_.ignored;
            break;
        case Parsed::malformed:
            ++input_.malformed;
            break;
    }
}

Report Analyzer::finish() {
    hand_over();
    joiner_.finish();
    Report report;
    report.filters = options_.filters;
    report.has_period = has_period_;
    report.first = first_;
    report.last = last_;
    aggregator_.build(options_.filters.top, report, options_.clients_on_demand);
    report.alerts = alerts_.build();
    report.input = input_;
    report.join = joiner_.stats();
    if (tracer_)
        report.user_trace = tracer_->take();
    return report;
}

std::optional<UnixTime> first_line_time(const std::string& path, const AnalyzerOptions& options,
                                        const LocalZone& zone) {
    if (path == "-")
        return std::nullopt;
    auto source = LineSource::open(path, nullptr);
    if (!source)
        return std::nullopt;
    const auto modified = source->modified();
    SyslogParser parser(zone,
                        YearGuess(options.year, modified ? zone.to_civil(*modified) : options.now));
    std::string_view line;
    for (int i = 0; i < 1000 && source->next(line); ++i) {
        if (const auto parsed = parser.parse(line))
            return parsed->time;
    }
    return std::nullopt;
}

std::vector<TimedInput> order_inputs(const std::vector<std::string>& paths,
                                     const AnalyzerOptions& options, const LocalZone& zone) {
    std::vector<TimedInput> inputs;
    inputs.reserve(paths.size());
    for (const auto& path : paths)
        inputs.emplace_back(first_line_time(path, options, zone), path);
    std::stable_sort(inputs.begin(), inputs.end(), [](const TimedInput& a, const TimedInput& b) {
        if (!a.first || !b.first)
            return !a.first && b.first;
        return *a.first < *b.first;
    });
    return inputs;
}

}  // namespace milter503::report
