// NAME
//	event_batch 3
// SUMMARY
//	the events of a run of log lines, kept to be replayed later
#include "report/event_batch.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace milter503::report {
namespace {

size_t text_size(const LogLine& line) {
    return line.host.size() + line.program.size() + line.pid.size() + line.message.size();
}

}  // namespace

EventBatch::EventBatch(size_t text_room) : text_(text_room) {}

bool EventBatch::fits(const LogLine& line) const {
    return records_.empty() ||
           (records_.size() < max_records && text_size(line) <= text_.size() - text_used_);
}

LogLine EventBatch::keep(const LogLine& line, std::string_view mta) {
    if (records_.empty()) {
        text_used_ = 0;  // nothing points into the text yet
        if (text_size(line) > text_.size())
            text_.resize(text_size(line));
    }
    line_start_ = text_used_;
    line_records_ = records_.size();
    LogLine kept = line;
    kept.host = copy(line.host);
    kept.program = copy(line.program);
    kept.pid = copy(line.pid);
    kept.message = copy(line.message);
    line_ = LineOrigin{mta, kept.host, kept.time};
    return kept;
}

void EventBatch::end_line() {
    if (records_.size() == line_records_)
        text_used_ = line_start_;
}

std::string_view EventBatch::copy(std::string_view text) {
    char* to = text_.data() + text_used_;
    if (!text.empty())
        std::memcpy(to, text.data(), text.size());
    text_used_ += text.size();
    return {to, text.size()};
}

void EventBatch::add(Kind kind, size_t index) {
    records_.push_back(Record{line_, kind, static_cast<std::uint32_t>(index)});
}

void EventBatch::event(const SessionEvent& event) {
    add(Kind::event, events_.size());
    events_.push_back(event);
}

void EventBatch::finding(policy::Finding&& finding) {
    add(Kind::finding, findings_.size());
    findings_.push_back(std::move(finding));
}

void EventBatch::summary(policy::ClientSummary&& summary) {
    add(Kind::summary, summaries_.size());
    summaries_.push_back(std::move(summary));
}

void EventBatch::alert(policy::AlertLine&& alert) {
    add(Kind::alert, alerts_.size());
    alerts_.push_back(std::move(alert));
}

void EventBatch::replay(EventTarget& target) {
    for (const Record& r : records_) {
        switch (r.kind) {
            case Kind::event:
                target.event(r.line, events_[r.index]);
                break;
            case Kind::finding:
                target.finding(r.line, std::move(findings_[r.index]));
                break;
            case Kind::summary:
                target.summary(r.line, std::move(summaries_[r.index]));
                break;
            case Kind::alert:
                target.alert(r.line, std::move(alerts_[r.index]));
                break;
        }
    }
    clear();
}

void EventBatch::clear() {
    text_used_ = 0;
    line_start_ = 0;
    line_records_ = 0;
    records_.clear();
    events_.clear();
    findings_.clear();
    summaries_.clear();
    alerts_.clear();
}

}  // namespace milter503::report
