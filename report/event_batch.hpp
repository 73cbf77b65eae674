// NAME
//	event_batch 3h
// SUMMARY
//	the events of a run of log lines, kept to be replayed later
// SYNOPSIS
//	#include "report/event_batch.hpp"
// DESCRIPTION
//	The analyzer parses lines into an EventBatch and replays it into the
//	joiner, on the same thread or on the joining one (join_thread.hpp).
//	Every view of a SessionEvent points into its line or static text
//	(session_event.hpp), and a line's buffer is reused by the next one:
//	so keep() first copies the line's header fields and message into the
//	batch's own text, and the parser reads that copy. The text's room is
//	allocated when the batch is made and never moves (a moved batch takes
//	it along): the views live as long as the batch's records. A line that
//	does not fit() makes the batch full; one longer than the whole room
//	goes into an empty batch, whose room grows first.
//
//	replay() hands every record to the target in the order it was made,
//	each with the line it came from: the joiner hears the same calls, in
//	the same order, as when it is fed line by line, and the report is the
//	same byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "report/session_event.hpp"
#include "report/syslog_line.hpp"

namespace milter503::report {

// Which line a record came from, and who logged it.
struct LineOrigin {
    std::string_view mta;  // static text: the log source's row
    std::string_view host;
    UnixTime time = 0;
};

// What hears a replay: the joiner's side of the EventSink.
class EventTarget {
  public:
    virtual ~EventTarget() = default;
    virtual void event(const LineOrigin& line, const SessionEvent& event) = 0;
    virtual void finding(const LineOrigin& line, policy::Finding&& finding) = 0;
    virtual void summary(const LineOrigin& line, policy::ClientSummary&& summary) = 0;
    virtual void alert(const LineOrigin& line, policy::AlertLine&& alert) = 0;
};

class EventBatch : public EventSink {
  public:
    // Text room for about 400 lines of 150 bytes: a thousand hand-overs
    // per million lines cost nothing measurable, and the batches in
    // flight stay in the caches' reach (1 MiB ran slower on the bench's
    // mixed log, 64 to 256 KiB alike).
    static constexpr size_t default_text_room = size_t{64} * 1024;
    // However short the lines, a batch holds at most this many records.
    static constexpr size_t max_records = 8192;

    explicit EventBatch(size_t text_room = default_text_room);
    EventBatch(EventBatch&&) noexcept = default;
    EventBatch& operator=(EventBatch&&) noexcept = default;
    EventBatch(const EventBatch&) = delete;
    EventBatch& operator=(const EventBatch&) = delete;
    ~EventBatch() override = default;

    // Whether `line` fits in the room left (and a record more); an empty
    // batch takes any line.
    bool fits(const LogLine& line) const;
    // Copies `line`'s fields into the batch, logged by `mta` (static
    // text); the events recorded next come from it. Parse the copy.
    LogLine keep(const LogLine& line, std::string_view mta);
    // The kept line recorded nothing: its text's room is free again.
    void end_line();

    bool empty() const { return records_.empty(); }
    size_t records() const { return records_.size(); }

    void event(const SessionEvent& event) override;
    void finding(policy::Finding&& finding) override;
    void summary(policy::ClientSummary&& summary) override;
    void alert(policy::AlertLine&& alert) override;

    // Hands every record to `target` in order, then empties the batch
    // (its rooms stay, to be filled again).
    void replay(EventTarget& target);
    void clear();

  private:
    enum class Kind : std::uint8_t { event, finding, summary, alert };
    struct Record {
        LineOrigin line;
        Kind kind;
        std::uint32_t index;  // into the list of its kind
    };

    std::string_view copy(std::string_view text);
    void add(Kind kind, size_t index);

    std::vector<char> text_;
    size_t text_used_ = 0;
    size_t line_start_ = 0;    // text_used_ before the kept line
    size_t line_records_ = 0;  // records_.size() before the kept line
    LineOrigin line_;          // of the kept line
    std::vector<Record> records_;
    std::vector<SessionEvent> events_;
    std::vector<policy::Finding> findings_;
    std::vector<policy::ClientSummary> summaries_;
    std::vector<policy::AlertLine> alerts_;
};

}  // namespace milter503::report
