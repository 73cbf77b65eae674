// NAME
//	event_capture 3h
// SUMMARY
//	run a log source's parser on one message and keep what it said
// SYNOPSIS
//	#include "event_capture.hpp"
// DESCRIPTION
//	Capture is an EventSink that keeps every event, finding and summary.
//	read() builds the LogLine of one message (the header's program and
//	pid as given) and hands it to a parser of the source table; the
//	message is kept alive with the capture, so the events' views stay
//	valid for the whole test.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "report/log_source.hpp"

namespace milter503::report::test {

class Capture : public EventSink {
  public:
    using Reader = Parsed (*)(const LogLine&, EventSink&);

    void event(const SessionEvent& event) override { events.push_back(event); }
    void finding(policy::Finding&& finding) override { findings.push_back(std::move(finding)); }
    void summary(policy::ClientSummary&& summary) override {
        summaries.push_back(std::move(summary));
    }

    Parsed read(Reader reader, std::string_view program, std::string_view pid,
                std::string message) {
        messages_.push_back(std::move(message));
        LogLine line;
        line.host = "mx";
        line.program = program;
        line.pid = pid;
        line.message = messages_.back();
        return reader(line, *this);
    }

    // The last event (a default one when there is none: tests then fail
    // on its fields).
    const SessionEvent& last() const {
        static const SessionEvent none;
        return events.empty() ? none : events.back();
    }

    std::vector<SessionEvent> events;
    std::vector<policy::Finding> findings;
    std::vector<policy::ClientSummary> summaries;

  private:
    std::deque<std::string> messages_;
};

}  // namespace milter503::report::test
