// NAME
//	analyzer_test - the whole pipeline on files: merge, gzip, hosts, filters
// DESCRIPTION
//	Inputs are the captured logs and the hand-written forms under
//	tests/data/ (see its README). The zone is UTC and the year of RFC 3164
//	lines 2026, as on the machine that captured them.
#include "report/analyzer.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace milter503::report {
namespace {

using test::data_path;

AnalyzerOptions options_2026(Filters filters = {}) {
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 11, 26, 0, 0, 0};
    options.filters = std::move(filters);
    return options;
}

Report analyze(const std::vector<std::string>& paths, Filters filters = {},
               std::vector<std::string>* errors = nullptr) {
    static const LocalZone utc = LocalZone::fixed(0);
    Analyzer analyzer(options_2026(std::move(filters)), utc);
    analyzer.read_files(paths, [&](const std::string& path, const std::string& error) {
        if (errors)
            errors->push_back(path + ": " + error);
    });
    return analyzer.finish();
}

const ClientReport* client(const Report& report, std::string_view addr) {
    for (const auto& c : report.clients) {
        if (c.address == addr)
            return &c;
    }
    return nullptr;
}

TEST(Analyzer, MilterFileFirstStillJoins) {
    // The milter's file starts a second earlier than Postfix's; given
    // first or last, the files are merged by time and the findings join.
    for (const bool milter_first : {true, false}) {
        const std::string maillog = data_path("postfix/no-accepted-rcpt/maillog");
        const std::string milter = data_path("postfix/no-accepted-rcpt/milter.log");
        const Report r = analyze(milter_first ? std::vector<std::string>{milter, maillog}
                                              : std::vector<std::string>{maillog, milter});
        EXPECT_EQ(r.totals.sessions, 1u);       // one Postfix connection
        EXPECT_EQ(r.totals.sessions_503, 1u);   // its data=0/1
        EXPECT_EQ(r.join.findings_joined, 2u);  // unauthenticated-sender + no-accepted-rcpt
        EXPECT_EQ(r.join.findings_standalone, 0u);
        ASSERT_EQ(r.input.files.size(), 2u);
    }
}

TEST(Analyzer, GzipAndPlainGiveTheSameReport) {
    const std::string maillog = test::read_file(data_path("postfix/no-accepted-rcpt/maillog"));
    test::TempFile packed(test::gzip(maillog), ".gz");
    const Report r = analyze({packed.path(), data_path("postfix/no-accepted-rcpt/milter.log")});
    ASSERT_EQ(r.input.files.size(), 2u);
    const FileReport& gz = r.input.files[0].compressed ? r.input.files[0] : r.input.files[1];
    EXPECT_TRUE(gz.compressed);
    EXPECT_EQ(gz.lines, 4u);  // master start, connect, reject, disconnect
    EXPECT_EQ(gz.error, "");
    EXPECT_EQ(r.totals.sessions_503, 1u);
    EXPECT_EQ(r.join.findings_joined, 2u);
}

TEST(Analyzer, GarbageAndTruncatedLinesAreCountedNeverFatal) {
    const Report r = analyze({data_path("forms/garbage.log")});
    // 13 lines (see tests/data/README.md): 10 malformed (2 without a header,
    // 2 impossible dates, a connect, a disconnect and a reject cut short, a
    // cut finding, a cut summary, a Sendmail nrcpts=x), 3 ignored (a
    // Postfix warning, a kernel line, a line of control bytes).
    EXPECT_EQ(r.input.lines, 13u);
    EXPECT_EQ(r.input.malformed, 10u);
    EXPECT_EQ(r.input.ignored, 3u);
    EXPECT_EQ(r.input.used, 0u);
    EXPECT_EQ(r.totals.sessions, 0u);
}

// The footer's counts add up to the lines read, blank and over-long lines
// included (issue 9); a blank line is no broken line.
TEST(Analyzer, FooterCountsAddUp) {
    const std::string real = test::read_file(data_path("postfix/no-accepted-rcpt/maillog"));
    const std::string huge(LineSource::max_line_length + 10, 'x');
    test::TempFile file("\n" + real + "\n   \n" + huge + "\n" + real);
    for (const bool merged : {true, false}) {
        Report r;
        if (merged) {
            r = analyze({file.path()});
        } else {
            static const LocalZone utc = LocalZone::fixed(0);
            Analyzer analyzer(options_2026(), utc);
            auto source = LineSource::open(file.path(), nullptr);
            ASSERT_TRUE(source);
            analyzer.read(*source);
            r = analyzer.finish();
        }
        const InputReport& in = r.input;
        EXPECT_EQ(in.overlong, 1u);
        EXPECT_EQ(in.malformed, 0u);
        EXPECT_EQ(in.lines, in.used + in.ignored + in.malformed + in.outside_period + in.overlong);
        ASSERT_EQ(in.files.size(), 1u);
        EXPECT_EQ(in.files[0].lines, in.lines);
    }
}

TEST(Analyzer, CorruptGzipKeepsTheLinesBeforeAndIsAnError) {
    // A rotation cut short: the first half of a gzip of the captured log,
    // repeated so that the cut falls well after its first session.
    std::string text;
    const std::string real = test::read_file(data_path("postfix/no-accepted-rcpt/maillog"));
    for (int i = 0; i < 2000; ++i)
        text += real;
    std::string packed = test::gzip(text);
    packed.resize(packed.size() / 2);
    test::TempFile file(packed, ".gz");
    std::vector<std::string> errors;
    const Report r = analyze({file.path()}, {}, &errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find(file.path()), std::string::npos);
    EXPECT_NE(errors[0].find("gzip"), std::string::npos);
    ASSERT_EQ(r.input.files.size(), 1u);
    EXPECT_GT(r.input.files[0].lines, 100u);
    EXPECT_NE(r.input.files[0].error, "");
    EXPECT_GE(r.totals.sessions_503, 1u);
}

TEST(Analyzer, ImproperPipeliningShowsWhatTheClientSent) {
    // tests/data/real/postfix-xsibackup-issue.log: smtpd logged the command
    // it had not answered yet and the bytes the client sent after it.
    const Report r = analyze({data_path("real/postfix-xsibackup-issue.log")});
    const ClientReport* c = client(r, "127.0.0.1");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->sessions_pipelining, 1u);
    EXPECT_EQ(c->sessions_data_refused_with_rcpts, 1u);
    ASSERT_TRUE(c->pipelining);
    EXPECT_EQ(c->pipelining->stage, "improper pipelining after HELO");
    EXPECT_EQ(c->pipelining->text, "ehlo hostname.example\\r\\nAUTH LOGIN\\r\\n");
    EXPECT_EQ(c->pipelining->host, "server");
}

TEST(Analyzer, LocalSubmissionIsNoClient) {
    // Sendmail's MSP line for `mail` run by root, as a user quoted his
    // maillog in a public note (the search library's file 23632309600).
    test::TempFile file(
        "Jun 18 17:34:38 dev sendmail[4201]: r5I9YcUV004201: from=root, size=7516, class=0, "
        "nrcpts=1, msgid=<201306180934.r5I9YcUV004201@dev.egolife.com>, relay=root@localhost\n");
    const Report r = analyze({file.path()});
    EXPECT_EQ(r.input.used, 1u);
    EXPECT_EQ(r.totals.clients_seen, 0u);  // not a client with an empty address
    EXPECT_TRUE(r.clients.empty());
}

TEST(Analyzer, UnreadableFileIsReportedAndTheRestRead) {
    std::vector<std::string> errors;
    const Report r =
        analyze({"/nonexistent/mail.log", data_path("postfix/mailbox-full/maillog")}, {}, &errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("/nonexistent/mail.log"), std::string::npos);
    EXPECT_EQ(r.totals.sessions_503, 1u);
}

TEST(Analyzer, TimestampFormsGiveTheSameSessions) {
    // Same two refused sessions (127.0.0.5 at 05:53:49, 127.0.0.6 at
    // 05:53:50-51 UTC), once as rsyslog RFC 3339 (one with +01:00), once
    // as journald short-iso.
    for (const char* file : {"forms/rsyslog-rfc3339.log", "forms/journald-short-iso.log"}) {
        const Report r = analyze({data_path(file)});
        EXPECT_EQ(r.input.malformed, 0u) << file;
        EXPECT_EQ(r.totals.sessions, 2u) << file;
        EXPECT_EQ(r.totals.sessions_503, 2u) << file;
        EXPECT_EQ(format_utc(r.first), "2026-11-26T05:53:49Z") << file;
        EXPECT_EQ(format_utc(r.last), "2026-11-26T05:53:51Z") << file;
        ASSERT_EQ(r.hourly.size(), 1u);
        EXPECT_EQ(format_utc(r.hourly[0].hour), "2026-11-26T05:00:00Z");
    }
}

TEST(Analyzer, SinceUntilAndClientFilters) {
    const LocalZone utc = LocalZone::fixed(0);
    Filters since;
    since.since = parse_time_arg("2026-11-26T05:53:50Z", utc);
    const Report late = analyze({data_path("forms/rsyslog-rfc3339.log")}, since);
    EXPECT_EQ(late.input.outside_period, 3u);  // the three lines of 127.0.0.5
    EXPECT_EQ(late.totals.sessions, 1u);
    ASSERT_EQ(late.clients.size(), 1u);
    EXPECT_EQ(late.clients[0].address, "127.0.0.6");

    Filters until;
    until.until = parse_time_arg("2026-11-26T05:53:49Z", utc);
    EXPECT_EQ(analyze({data_path("forms/rsyslog-rfc3339.log")}, until).totals.sessions, 1u);

    Filters only;
    only.client = "127.0.0.5";
    const Report one = analyze({data_path("forms/rsyslog-rfc3339.log")}, only);
    ASSERT_EQ(one.clients.size(), 1u);
    EXPECT_EQ(one.clients[0].address, "127.0.0.5");
    EXPECT_EQ(one.totals.clients_seen, 1u);  // the other one is not even counted

    Filters top;
    top.top = 1;
    const Report first = analyze({data_path("forms/rsyslog-rfc3339.log")}, top);
    EXPECT_EQ(first.clients.size(), 1u);
    EXPECT_EQ(first.totals.clients_reported, 2u);
}

TEST(Analyzer, EximMainLog) {
    const Report r = analyze({data_path("forms/exim-mainlog.log")});
    EXPECT_EQ(r.input.used, 5u);
    // 127.0.0.5: rejected RCPT then the logged 503: one refused session,
    // cause from Exim's "relay not permitted". 192.0.2.7: two rejected
    // RCPTs, no 503 logged (a pipelining client's is not): DATA not
    // logged. 192.0.2.8: a delivery.
    EXPECT_EQ(r.totals.sessions, 3u);
    EXPECT_EQ(r.totals.sessions_503, 1u);
    EXPECT_EQ(r.totals.sessions_no_rcpt_data_unlogged, 1u);
    ASSERT_EQ(r.clients.size(), 2u);
    EXPECT_EQ(r.clients[0].address, "127.0.0.5");
    ASSERT_FALSE(r.clients[0].causes.empty());
    EXPECT_EQ(cause_slot_name(r.clients[0].causes[0].slot), "relay-denied");
    EXPECT_EQ(r.clients[1].address, "192.0.2.7");
    EXPECT_EQ(r.clients[1].sessions_no_rcpt_data_unlogged, 1u);
}

TEST(Analyzer, MultiHostMerge) {
    // The same client 127.0.0.5 refused twice: by Postfix on "vm" at
    // 05:54:00 and by Sendmail on "mx" at 05:54:09, with the milter logging
    // both as "vm". Four files, two hosts, one client.
    const Report r = analyze({data_path("sendmail/no-accepted-rcpt/maillog"),
                              data_path("postfix/unauthenticated-sender/milter.log"),
                              data_path("sendmail/no-accepted-rcpt/milter.log"),
                              data_path("postfix/unauthenticated-sender/maillog")});
    const ClientReport* c = client(r, "127.0.0.5");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->sessions, 2u);      // the Postfix connection, the Sendmail one
    EXPECT_EQ(c->sessions_503, 1u);  // data=0/1
    // check_rcpt + nrcpts=0: Sendmail does not log the DATA it refused
    EXPECT_EQ(c->sessions_no_rcpt_data_unlogged, 1u);
    EXPECT_EQ(c->sessions_flagged, 2u);  // each had the milter's findings
    EXPECT_EQ(c->hosts, (std::vector<std::string>{"mx", "vm"}));
    EXPECT_EQ(r.join.findings_joined, 4u);  // two per session
    EXPECT_EQ(r.join.findings_standalone, 0u);
}

TEST(Analyzer, AConnectionPostscreenPassesOnIsOneSession) {
    // postfix-lightmeter-postscreen.log, lines 19-23: postscreen's CONNECT
    // and PASS OLD, then smtpd's whole session of the same connection.
    // postscreen logs no DISCONNECT for a connection it passes on.
    test::TempFile log(
        "Jan 28 02:49:57 mail postfix/postscreen[18923]: CONNECT from [147.224.63.58]:59944 to "
        "[170.45.1.1]:25\n"
        "Jan 28 02:49:58 mail postfix/postscreen[18923]: PASS OLD [147.224.63.58]:59944\n"
        "Jan 28 02:49:58 mail postfix/smtpd[19112]: connect from "
        "h-8b2e253a1c318debb1f26a9[147.224.63.58]\n"
        "Jan 28 02:49:58 mail postfix/smtpd[19112]: disconnect from "
        "h-8b2e253a1c318debb1f26a9[147.224.63.58] ehlo=2 starttls=1 auth=1 quit=1 commands=5\n");
    const Report r = analyze({log.path()});
    EXPECT_EQ(r.totals.sessions, 1u);
    EXPECT_EQ(r.totals.clients_seen, 1u);
    EXPECT_EQ(r.join.sessions, 1u);
    EXPECT_EQ(r.join.expired, 0u);  // no session waited for an end line
}

}  // namespace
}  // namespace milter503::report
