// NAME
//	event_batch_test - events kept with their lines, replayed in order
// DESCRIPTION
//	The lines are real: postfix-crowdsec.log's relay refusal (line 4,
//	CrowdSec hub test data, see tests/data/real/README.md). What each
//	event must say is read off the line by hand.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "report/event_batch.hpp"
#include "report/log_source.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

std::string real_line(const std::string& file, size_t number) {
    std::ifstream in(test::data_path("real/" + file));
    std::string line;
    for (size_t i = 0; i < number && std::getline(in, line); ++i) {
    }
    return line;
}

// The log line's header, as the syslog parser gives it.
LogLine header(std::string_view line) {
    static const LocalZone utc = LocalZone::fixed(0);
    SyslogParser parser(utc, YearGuess(2024, CivilTime{2024, 12, 1, 0, 0, 0}));
    const auto parsed = parser.parse(line);
    EXPECT_TRUE(parsed.has_value()) << line;
    return parsed.value_or(LogLine{});
}

// What a replay said, owned: the batch may be gone.
struct Heard {
    std::string what;  // "event", "finding", "summary", "alert"
    std::string mta;
    std::string host;
    UnixTime time = 0;
    std::string client_addr;
    std::string client_name;
    std::string reply;
    std::string sender;
    std::string text;  // a finding's queue id, an alert's subject
};

class Recorder : public EventTarget {
  public:
    void event(const LineOrigin& line, const SessionEvent& e) override {
        heard.push_back(origin("event", line));
        heard.back().client_addr = e.client.addr;
        heard.back().client_name = e.client.name;
        heard.back().reply = e.reply;
        heard.back().sender = e.sender;
    }
    void finding(const LineOrigin& line, policy::Finding&& f) override {
        heard.push_back(origin("finding", line));
        heard.back().text = f.queue_id;
    }
    void summary(const LineOrigin& line, policy::ClientSummary&& s) override {
        heard.push_back(origin("summary", line));
        heard.back().text = s.client_addr;
    }
    void alert(const LineOrigin& line, policy::AlertLine&& a) override {
        heard.push_back(origin("alert", line));
        heard.back().text = a.subject;
    }

    std::vector<Heard> heard;

  private:
    static Heard origin(std::string what, const LineOrigin& line) {
        Heard h;
        h.what = std::move(what);
        h.mta = line.mta;
        h.host = line.host;
        h.time = line.time;
        return h;
    }
};

// Parses `line` into `batch` the way the analyzer does.
Parsed read_into(EventBatch& batch, std::string_view line) {
    const LogLine log = header(line);
    const LogSource* source = source_for(log.program);
    EXPECT_NE(source, nullptr) << line;
    if (source == nullptr)
        return Parsed::ignored;
    const Parsed parsed = source->read(batch.keep(log, source->mta), batch);
    batch.end_line();
    return parsed;
}

TEST(EventBatch, EventsOutliveTheBufferTheirLineWasReadFrom) {
    std::string buffer = real_line("postfix-crowdsec.log", 4);
    ASSERT_NE(buffer.find("Relay access denied"), std::string::npos);
    EventBatch batch;
    EXPECT_EQ(read_into(batch, buffer), Parsed::used);
    EXPECT_EQ(batch.records(), 1u);
    buffer.assign(buffer.size(), 'x');  // the line reader's buffer, reused by the next line

    Recorder recorder;
    batch.replay(recorder);
    ASSERT_EQ(recorder.heard.size(), 1u);
    const Heard& h = recorder.heard[0];
    EXPECT_EQ(h.what, "event");
    EXPECT_EQ(h.mta, "postfix");
    EXPECT_EQ(h.host, "machine");
    EXPECT_EQ(h.time, 1724589116);  // 2024-08-25T12:31:56+00:00
    EXPECT_EQ(h.client_addr, "192.168.1.1");
    EXPECT_EQ(h.client_name, "unknown");
    EXPECT_EQ(h.reply, "454 4.7.1 <spammer@domain.tld>: Relay access denied");
    EXPECT_EQ(h.sender, "spammer@domain.tld");
    EXPECT_TRUE(batch.empty());  // replayed: empty again
}

TEST(EventBatch, ReplayKeepsTheOrderOfEveryKindAndEachRecordsLine) {
    EventBatch batch;
    const std::string first = real_line("postfix-crowdsec.log", 4);
    ASSERT_EQ(read_into(batch, first), Parsed::used);

    LogLine second;
    second.time = 1000;
    second.host = "mx2";
    second.program = "milter503";
    second.message = "";
    const LogLine kept = batch.keep(second, "milter503");
    EXPECT_EQ(kept.host, "mx2");
    policy::AlertLine alert;
    alert.subject = "server-fault";
    batch.alert(std::move(alert));
    policy::Finding finding;
    finding.queue_id = "4XQz1";
    batch.finding(std::move(finding));
    policy::ClientSummary summary;
    summary.client_addr = "192.0.2.7";
    batch.summary(std::move(summary));
    batch.end_line();

    Recorder recorder;
    batch.replay(recorder);
    ASSERT_EQ(recorder.heard.size(), 4u);
    EXPECT_EQ(recorder.heard[0].what, "event");
    EXPECT_EQ(recorder.heard[0].host, "machine");
    EXPECT_EQ(recorder.heard[1].what, "alert");
    EXPECT_EQ(recorder.heard[1].text, "server-fault");
    EXPECT_EQ(recorder.heard[2].what, "finding");
    EXPECT_EQ(recorder.heard[2].text, "4XQz1");
    EXPECT_EQ(recorder.heard[3].what, "summary");
    EXPECT_EQ(recorder.heard[3].text, "192.0.2.7");
    for (size_t i = 1; i < 4; ++i) {
        EXPECT_EQ(recorder.heard[i].host, "mx2");
        EXPECT_EQ(recorder.heard[i].mta, "milter503");
        EXPECT_EQ(recorder.heard[i].time, 1000);
    }
}

TEST(EventBatch, ALineThatDoesNotFitMakesTheBatchFull) {
    const std::string line = real_line("postfix-crowdsec.log", 4);
    const LogLine log = header(line);
    const size_t one = log.host.size() + log.program.size() + log.pid.size() + log.message.size();
    EventBatch batch(2 * one + 10);
    EXPECT_TRUE(batch.fits(log));
    read_into(batch, line);
    EXPECT_TRUE(batch.fits(log));
    read_into(batch, line);
    EXPECT_FALSE(batch.fits(log));  // 10 bytes left
    EXPECT_EQ(batch.records(), 2u);
}

TEST(EventBatch, ALineThatRecordedNothingLeavesItsRoom) {
    // A line its source reads but records nothing of (a Postfix line of
    // no interest, blanks here).
    const std::string line = real_line("postfix-crowdsec.log", 4);
    const LogLine log = header(line);
    const size_t one = log.host.size() + log.program.size() + log.pid.size() + log.message.size();
    EventBatch batch(2 * one + 10);
    read_into(batch, line);
    LogLine silent = log;  // as long as the first
    const std::string ignored(log.message.size(), ' ');
    silent.message = ignored;
    batch.keep(silent, "postfix");
    batch.end_line();
    EXPECT_TRUE(batch.fits(log));  // the ignored line's room was given back
}

TEST(EventBatch, AnEmptyBatchTakesALineLongerThanItsRoom) {
    std::string buffer = real_line("postfix-crowdsec.log", 4);
    EventBatch batch(16);
    EXPECT_TRUE(batch.fits(header(buffer)));
    EXPECT_EQ(read_into(batch, buffer), Parsed::used);
    EXPECT_FALSE(batch.fits(header(buffer)));
    buffer.assign(buffer.size(), 'x');
    Recorder recorder;
    batch.replay(recorder);
    ASSERT_EQ(recorder.heard.size(), 1u);
    EXPECT_EQ(recorder.heard[0].reply, "454 4.7.1 <spammer@domain.tld>: Relay access denied");
}

}  // namespace
}  // namespace milter503::report
