// NAME
//	join_thread_test - batches replayed on a second thread, in order
// DESCRIPTION
//	Events numbered by their time go through the thread in many small
//	batches; the target must hear every number once, in order. The
//	target's exception comes back to the reader; a reader that fails
//	can drop the thread without waiting for it to replay.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "report/join_thread.hpp"

namespace milter503::report {
namespace {

class Numbers : public EventTarget {
  public:
    explicit Numbers(UnixTime throw_at = -1) : throw_at_(throw_at) {}

    void event(const LineOrigin& line, const SessionEvent& /*event*/) override { hear(line); }
    void finding(const LineOrigin& line, policy::Finding&& /*finding*/) override { hear(line); }
    void summary(const LineOrigin& /*line*/, policy::ClientSummary&& /*summary*/) override {}
    void alert(const LineOrigin& /*line*/, policy::AlertLine&& /*alert*/) override {}

    std::vector<UnixTime> heard;  // read by the test after finish() only

  private:
    void hear(const LineOrigin& line) {
        if (line.time == throw_at_)
            throw std::runtime_error("target failed");
        heard.push_back(line.time);
    }

    UnixTime throw_at_;
};

// Lines 0..count-1 into batches of about `per_batch` lines, handed over.
void feed(JoinThread& thread, EventBatch& batch, UnixTime count, UnixTime per_batch) {
    for (UnixTime n = 0; n < count; ++n) {
        LogLine line;
        line.time = n;
        line.host = "mx";
        line.message = "x";
        if (n > 0 && n % per_batch == 0)
            batch = thread.hand_over(std::move(batch));
        batch.keep(line, "postfix");
        if (n % 3 == 0) {
            batch.finding(policy::Finding{});
        } else {
            batch.event(SessionEvent{});
        }
        batch.end_line();
    }
    batch = thread.hand_over(std::move(batch));
}

TEST(JoinThread, ReplaysEveryBatchInTheOrderHandedOver) {
    Numbers target;
    {
        JoinThread thread(target, 2, 64);
        EventBatch batch(64);
        feed(thread, batch, 20000, 7);
        thread.finish();
    }
    ASSERT_EQ(target.heard.size(), 20000u);
    for (size_t i = 0; i < target.heard.size(); ++i)
        ASSERT_EQ(target.heard[i], static_cast<UnixTime>(i));
}

TEST(JoinThread, TheTargetsExceptionComesBackAtFinish) {
    Numbers target(5001);
    JoinThread thread(target, 3, 64);
    EventBatch batch(64);
    feed(thread, batch, 10000, 10);
    EXPECT_THROW(thread.finish(), std::runtime_error);
    ASSERT_EQ(target.heard.size(), 5001u);  // 0 to 5000, then nothing more
    EXPECT_EQ(target.heard.back(), 5000);
}

TEST(JoinThread, DroppedWithoutFinishItStops) {
    Numbers target;
    {
        JoinThread thread(target, 3, 64);
        EventBatch batch(64);
        feed(thread, batch, 10000, 10);
    }  // no finish(): the reader failed; the destructor joins the thread
    EXPECT_LE(target.heard.size(), 10000u);
    for (size_t i = 0; i < target.heard.size(); ++i)
        ASSERT_EQ(target.heard[i], static_cast<UnixTime>(i));  // a prefix, in order
}

}  // namespace
}  // namespace milter503::report
