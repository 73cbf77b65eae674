// The log queue in front of a target that may block (a stopped syslogd):
// bounded in bytes, drops counted and reported once it drains, a flush
// that gives up in time, a sink that can be destroyed while its target
// is stuck; and the file target's syslog-like lines.
#include "milter/log_sink.hpp"

#include <gtest/gtest.h>

#include <unistd.h>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

namespace milter503::milter {
namespace {

using namespace std::chrono_literals;

// A log target that takes lines only while its gate is open, as syslog(3)
// does while syslogd reads.
struct Gate {
    std::mutex mutex;
    std::condition_variable changed;
    bool open = false;
    bool writer_destroyed = false;
    size_t waiting = 0;  // writes blocked at the gate
    std::vector<std::string> written;

    void set_open(bool value) {
        std::lock_guard lock(mutex);
        open = value;
        changed.notify_all();
    }
    template <typename Predicate>
    bool wait_until(Predicate predicate, std::chrono::milliseconds limit = 5s) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, limit, predicate);
    }
};

class GatedWriter final : public LineWriter {
  public:
    explicit GatedWriter(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
    ~GatedWriter() override {
        std::lock_guard lock(gate_->mutex);
        gate_->writer_destroyed = true;
        gate_->changed.notify_all();
    }
    void write(Severity /*severity*/, std::string_view line) override {
        std::unique_lock lock(gate_->mutex);
        ++gate_->waiting;
        gate_->changed.notify_all();
        gate_->changed.wait(lock, [&] { return gate_->open; });
        --gate_->waiting;
        gate_->written.emplace_back(line);
        gate_->changed.notify_all();
    }

  private:
    std::shared_ptr<Gate> gate_;
};

struct GatedSink {
    explicit GatedSink(QueueLimits limits)
        : gate(std::make_shared<Gate>()),
          sink(make_async_sink(std::make_unique<GatedWriter>(gate), limits)) {}
    std::shared_ptr<Gate> gate;
    std::unique_ptr<LogSink> sink;
};

// Blocks the writer on a first line, so that what follows stays queued.
void stall(GatedSink& s) {
    s.sink->write(Severity::info, "first");
    ASSERT_TRUE(s.gate->wait_until([&] { return s.gate->waiting == 1; }));
}

TEST(LogQueue, BoundedInBytesDropsAreCountedAndReportedOnceDrained) {
    GatedSink s(QueueLimits{.max_lines = 65536, .max_bytes = size_t{64} * 1024});
    stall(s);
    const std::string line(1000, 'x');
    for (int i = 0; i < 500; ++i)
        s.sink->write(Severity::info, line);
    // 64 KiB holds some 60 lines of 1000 bytes, not 500.
    const uint64_t dropped = s.sink->dropped();
    const uint64_t queued = s.sink->unwritten() - 1;  // the first is at the gate
    EXPECT_GT(queued, 50u);
    EXPECT_LE(queued * 1000, 64u * 1024);
    EXPECT_EQ(queued + dropped, 500u);

    s.gate->set_open(true);
    ASSERT_TRUE(s.sink->flush_for(5s));
    std::lock_guard lock(s.gate->mutex);
    ASSERT_EQ(s.gate->written.size(), 1 + queued + 1);
    EXPECT_EQ(s.gate->written.front(), "first");
    EXPECT_EQ(s.gate->written[queued], line);
    EXPECT_EQ(s.gate->written.back(),
              "log-dropped: lines=" + std::to_string(dropped) +
                  " bytes=" + std::to_string(dropped * 1000) +
                  " detail=\"the log target did not keep up and the queue was full\"");
}

TEST(LogQueue, BoundedInLinesToo) {
    GatedSink s(QueueLimits{.max_lines = 10, .max_bytes = size_t{1024} * 1024});
    stall(s);
    for (int i = 0; i < 25; ++i)
        s.sink->write(Severity::info, "short");
    EXPECT_EQ(s.sink->unwritten(), 11u);
    EXPECT_EQ(s.sink->dropped(), 15u);
    s.gate->set_open(true);
    EXPECT_TRUE(s.sink->flush_for(5s));
}

TEST(LogQueue, FlushGivesUpInTimeWhenTheTargetIsStuck) {
    GatedSink s(QueueLimits{});
    stall(s);
    s.sink->write(Severity::info, "second");
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(s.sink->flush_for(200ms));
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 200ms);
    EXPECT_LT(waited, 2s);
    EXPECT_EQ(s.sink->unwritten(), 2u);
    EXPECT_EQ(s.sink->dropped(), 0u);
    s.gate->set_open(true);
    EXPECT_TRUE(s.sink->flush_for(5s));
}

TEST(LogQueue, DestroyedWhileTheTargetIsStuckWithoutWaitingForIt) {
    GatedSink s(QueueLimits{});
    stall(s);
    s.sink->write(Severity::info, "second");
    const auto start = std::chrono::steady_clock::now();
    s.sink.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    // The writer thread lives on with its own state, and ends once the
    // target takes the lines it holds.
    s.gate->set_open(true);
    EXPECT_TRUE(s.gate->wait_until([&] { return s.gate->writer_destroyed; }));
    EXPECT_EQ(s.gate->written, (std::vector<std::string>{"first", "second"}));
}

// A summary of many clients is a burst larger than the queue; written off
// the MTA's path, it waits for room rather than losing lines.
TEST(LogQueue, WriteByWaitsForRoomInsteadOfDropping) {
    GatedSink s(QueueLimits{.max_lines = 10, .max_bytes = size_t{1024} * 1024});
    stall(s);
    std::jthread opener([&] {
        std::this_thread::sleep_for(100ms);
        s.gate->set_open(true);
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    for (int i = 0; i < 100; ++i)
        s.sink->write_by(Severity::info, "summary " + std::to_string(i), deadline);
    EXPECT_TRUE(s.sink->flush_for(5s));
    EXPECT_EQ(s.sink->dropped(), 0u);
    std::lock_guard lock(s.gate->mutex);
    ASSERT_EQ(s.gate->written.size(), 101u);
    EXPECT_EQ(s.gate->written.back(), "summary 99");
}

TEST(LogQueue, WriteByDropsAtItsDeadlineAndLeavesHalfTheQueueToWrite) {
    GatedSink s(QueueLimits{.max_lines = 4, .max_bytes = size_t{1024} * 1024});
    stall(s);
    const auto start = std::chrono::steady_clock::now();
    for (const char* line : {"s1", "s2", "s3"})
        s.sink->write_by(Severity::info, line, start + 200ms);
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, 200ms);
    EXPECT_LT(waited, 2s);
    EXPECT_EQ(s.sink->dropped(), 1u);  // s3: two of four lines were queued
    s.sink->write(Severity::info, "finding 1");
    s.sink->write(Severity::info, "finding 2");
    EXPECT_EQ(s.sink->dropped(), 1u);
    s.gate->set_open(true);
    EXPECT_TRUE(s.sink->flush_for(5s));
    std::lock_guard lock(s.gate->mutex);
    EXPECT_EQ(s.gate->written[2], "s2");
    EXPECT_EQ(s.gate->written[4], "finding 2");
}

TEST(LogQueue, QuietTargetFlushesAtOnce) {
    GatedSink s(QueueLimits{});
    s.gate->set_open(true);
    for (int i = 0; i < 100; ++i)
        s.sink->write(Severity::info, "line " + std::to_string(i));
    EXPECT_TRUE(s.sink->flush_for(5s));
    EXPECT_EQ(s.sink->unwritten(), 0u);
    std::lock_guard lock(s.gate->mutex);
    ASSERT_EQ(s.gate->written.size(), 100u);
    EXPECT_EQ(s.gate->written[99], "line 99");
}

TEST(LogSink, FileTargetWritesSyslogLikeLines) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("milter503-log-test-" + std::to_string(::getpid()));
    {
        auto sink = make_async_sink(
            make_line_writer({LogTarget::Kind::file, path.string()}, "mail"), QueueLimits{});
        sink->write(Severity::info, "NOQUEUE: finding=no-accepted-rcpt cause=relay-denied");
        EXPECT_TRUE(sink->flush_for(5s));
    }
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    std::filesystem::remove(path);
    const std::regex expected(
        R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 \S+ milter503\[\d+\]: )"
        R"(NOQUEUE: finding=no-accepted-rcpt cause=relay-denied\n$)");
    EXPECT_TRUE(std::regex_match(text.str(), expected)) << text.str();
}

TEST(LogSink, UnwritableFileIsAnError) {
    EXPECT_THROW(make_line_writer({LogTarget::Kind::file, "/nonexistent/dir/log"}, "mail"),
                 std::runtime_error);
}

}  // namespace
}  // namespace milter503::milter
