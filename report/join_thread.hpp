// NAME
//	join_thread 3h
// SUMMARY
//	a second thread that replays the reading thread's event batches
// SYNOPSIS
//	#include "report/join_thread.hpp"
// DESCRIPTION
//	On a large log, reading and parsing the lines takes about as long as
//	joining their events and counting the sessions: with a second core
//	the two halves run side by side. The reading thread fills an
//	EventBatch (event_batch.hpp) and hand_over()s it; the join thread
//	replays the batches into the target, one after the other, in the
//	order they came. Only the join thread touches the target until
//	finish() returns, so the joiner and the aggregator need no lock.
//
//	The reader fills its own batch; besides it at most `depth` exist (the
//	one being replayed, those waiting, those replayed and not yet taken
//	back): a reader that far ahead waits. Memory stays a few batches
//	whatever the log's size.
//
//	An exception thrown by the target ends the replay: the batches after
//	it are dropped, and finish() throws it again on the reading thread.
//	Destroying the JoinThread without finish() (the reading thread threw)
//	drops the batches still waiting and joins the thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "report/event_batch.hpp"

namespace milter503::report {

class JoinThread {
  public:
    explicit JoinThread(EventTarget& target, size_t depth = 3,
                        size_t text_room = EventBatch::default_text_room);
    ~JoinThread();
    JoinThread(const JoinThread&) = delete;
    JoinThread& operator=(const JoinThread&) = delete;

    // Queues `full` for replay; returns an empty batch to fill next.
    EventBatch hand_over(EventBatch&& full);
    // Replays what is queued, ends the thread; rethrows the target's
    // exception, if it threw. Call once.
    void finish();

  private:
    void run();
    EventBatch take_empty(std::unique_lock<std::mutex>& lock);

    EventTarget& target_;
    const size_t depth_;
    const size_t text_room_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<EventBatch> full_;    // waiting for replay, oldest first
    std::vector<EventBatch> empty_;  // replayed, to be filled again
    size_t made_ = 0;
    bool closing_ = false;
    std::exception_ptr error_;  // written by the join thread only
    std::thread thread_;
};

}  // namespace milter503::report
