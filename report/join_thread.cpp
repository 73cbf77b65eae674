// NAME
//	join_thread 3
// SUMMARY
//	a second thread that replays the reading thread's event batches
#include "report/join_thread.hpp"

#include <utility>

namespace milter503::report {

JoinThread::JoinThread(EventTarget& target, size_t depth, size_t text_room)
    : target_(target), depth_(depth < 1 ? 1 : depth), text_room_(text_room) {
    thread_ = std::thread([this] { run(); });
}

JoinThread::~JoinThread() {
    if (!thread_.joinable())
        return;
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        closing_ = true;
        full_.clear();  // the reading thread failed: its batches would mislead
    }
    changed_.notify_all();
    thread_.join();
}

EventBatch JoinThread::hand_over(EventBatch&& full) {
    std::unique_lock<std::mutex> lock(mutex_);
    full_.push_back(std::move(full));
    changed_.notify_all();
    return take_empty(lock);
}

// A replayed batch, or a new one while fewer than depth_ exist, or the
// next to come back from the join thread.
EventBatch JoinThread::take_empty(std::unique_lock<std::mutex>& lock) {
    if (empty_.empty() && made_ < depth_) {
        ++made_;
        lock.unlock();
        return EventBatch(text_room_);
    }
    changed_.wait(lock, [this] { return !empty_.empty(); });
    EventBatch batch = std::move(empty_.back());
    empty_.pop_back();
    return batch;
}

void JoinThread::finish() {
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    thread_.join();
    if (error_)
        std::rethrow_exception(error_);
}

void JoinThread::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return !full_.empty() || closing_; });
        if (full_.empty())
            return;
        EventBatch batch = std::move(full_.front());
        full_.pop_front();
        lock.unlock();
        if (error_) {
            batch.clear();
        } else {
            try {
                batch.replay(target_);
            } catch (...) {
                error_ = std::current_exception();
                batch.clear();
            }
        }
        lock.lock();
        empty_.push_back(std::move(batch));
        changed_.notify_all();
    }
}

}  // namespace milter503::report
