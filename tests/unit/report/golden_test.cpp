// NAME
//	golden_test - the report on the logs of the real integration runs
// DESCRIPTION
//	Each test reads one captured scenario (tests/data/postfix/* from this
//	project's Postfix integration tests, tests/data/sendmail/* from its
//	Sendmail ones; see tests/data/README.md) and checks the numbers that
//	a person reading those few log lines arrives at. Every expected
//	number says which lines prove it.
#include <gtest/gtest.h>

#include "report/analyzer.hpp"
#include "report/render_text.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

struct Expect {
    unsigned long sessions;  // MTA sessions (Postfix connections, Sendmail transactions)
    unsigned long refused;   // of those, DATA refused with 503/554, per the MTA log
    unsigned long flagged;   // of those, with a milter finding
    std::uint64_t joined;    // finding lines joined to an MTA session
};

Report scenario(const std::string& name) {
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 11, 26, 0, 0, 0};
    Analyzer analyzer(options, utc);
    analyzer.read_files({test::data_path(name + "/maillog"), test::data_path(name + "/milter.log")},
                        [&](const std::string& path, const std::string& error) {
                            ADD_FAILURE() << path << ": " << error;
                        });
    return analyzer.finish();
}

void check(const Report& r, const Expect& e) {
    EXPECT_EQ(r.totals.sessions, e.sessions);
    EXPECT_EQ(r.totals.sessions_503, e.refused);
    EXPECT_EQ(r.totals.sessions_flagged, e.flagged);
    EXPECT_EQ(r.join.findings_joined, e.joined);
    EXPECT_EQ(r.join.findings_standalone, 0u);  // every finding found its session
    EXPECT_EQ(r.join.expired, 0u);              // every session logged its end
    EXPECT_EQ(r.input.malformed, 0u);
}

const ClientReport& only_client(const Report& r, std::string_view addr) {
    static const ClientReport none;
    EXPECT_EQ(r.clients.size(), 1u);
    if (r.clients.empty())
        return none;
    EXPECT_EQ(r.clients[0].address, addr);
    return r.clients[0];
}

std::string top_cause_name(const ClientReport& c) {
    return c.causes.empty() ? "" : std::string(cause_slot_name(c.causes[0].slot));
}

TEST(GoldenPostfix, NoAcceptedRcpt) {
    const Report r = scenario("postfix/no-accepted-rcpt");
    // One connect/disconnect of smtpd[25880]; "rcpt=0/1 data=0/1": the one
    // DATA was refused (554 no valid recipients). The milter logged
    // unauthenticated-sender and no-accepted-rcpt for client port 43979.
    check(r, {1, 1, 1, 2});
    const ClientReport& c = only_client(r, "127.0.0.5");
    EXPECT_EQ(top_cause_name(c), "relay-denied");  // "554 5.7.1 ... Relay access denied"
    EXPECT_EQ(c.helos, (std::vector<std::string>{"outlook.test"}));
    EXPECT_TRUE(c.logins.empty());  // auth=-
    ASSERT_TRUE(c.milter_summary);
    EXPECT_EQ(c.milter_summary->summary.sessions, 1u);
    // 9 lines: Postfix connect, reject, disconnect, two findings and the
    // summary are used; Postfix's master line and the milter's starting and
    // stopping lines are ignored.
    EXPECT_EQ(r.input.lines, 9u);
    EXPECT_EQ(r.input.used, 6u);
    EXPECT_EQ(r.input.ignored, 3u);
}

TEST(GoldenPostfix, NoAcceptedRcptText) {
    // tests/data/expected/postfix-no-accepted-rcpt.txt was read line by line
    // against the two logs (see tests/data/README.md).
    std::string text = render_text(scenario("postfix/no-accepted-rcpt"));
    const std::string prefix = test::data_path("");
    for (size_t at; (at = text.find(prefix)) != std::string::npos;)
        text.erase(at, prefix.size());
    EXPECT_EQ(text, test::read_file(test::data_path("expected/postfix-no-accepted-rcpt.txt")));
}

TEST(GoldenPostfix, UnauthenticatedSender) {
    // The same Outlook-style session as above, another run.
    check(scenario("postfix/unauthenticated-sender"), {1, 1, 1, 2});
}

TEST(GoldenPostfix, SenderLoginMismatch) {
    const Report r = scenario("postfix/sender-login-mismatch");
    // AUTH alice, MAIL FROM bob: "553 5.7.1 ... not owned by user
    // alice@example.test" at RCPT, then "rcpt=0/1 data=0/1". Findings:
    // sender-login-mismatch and no-accepted-rcpt.
    check(r, {1, 1, 1, 2});
    const ClientReport& c = only_client(r, "127.0.0.6");
    EXPECT_EQ(top_cause_name(c), "sender-not-owned");
    EXPECT_EQ(c.logins, (std::vector<std::string>{"alice@example.test"}));  // the finding's auth=
}

TEST(GoldenPostfix, MailboxFull) {
    const Report r = scenario("postfix/mailbox-full");
    // "452 4.2.2 <full@example.test>: ... Mailbox full", then data=0/1.
    check(r, {1, 1, 1, 2});
    EXPECT_EQ(top_cause_name(only_client(r, "127.0.0.9")), "mailbox-full");
}

TEST(GoldenPostfix, HeaderFromMismatchIsFlaggedNotRefused) {
    const Report r = scenario("postfix/header-from-mismatch");
    // Delivered ("rcpt=1 data=1"); the milter flagged the From: header,
    // joined by the queue id C26541104E9 of the "client=" line.
    check(r, {1, 0, 1, 1});
    const ClientReport& c = only_client(r, "127.0.0.7");
    EXPECT_EQ(c.sessions_503, 0u);
    EXPECT_EQ(top_cause_name(c), "sender-not-owned");
    EXPECT_TRUE(r.hourly.empty());  // the chart counts refused DATA only
}

TEST(GoldenPostfix, DisplayNameSpecial) {
    check(scenario("postfix/display-name-special"), {1, 0, 1, 1});
}

TEST(GoldenPostfix, CleanSubmissionReportsNoClient) {
    const Report r = scenario("postfix/clean-submission");
    // One delivered session on the submission service, no finding.
    check(r, {1, 0, 0, 0});
    EXPECT_TRUE(r.clients.empty());
    EXPECT_EQ(r.totals.clients_seen, 1u);
}

TEST(GoldenPostfix, HostileSession) {
    const Report r = scenario("postfix/hostile-session");
    // One smtpd process served two connections of 127.0.0.11: the
    // hostile envelope (rcpt=0/2 data=0/1: refused, two findings) and the
    // hostile From: header (delivered, two findings by queue id); then the
    // clean 127.0.0.10 on the submission service.
    check(r, {3, 1, 2, 4});
    const ClientReport& c = only_client(r, "127.0.0.11");
    EXPECT_EQ(c.sessions, 2u);
    EXPECT_EQ(c.sessions_503, 1u);
    EXPECT_EQ(c.sessions_flagged, 2u);
    EXPECT_EQ(c.findings.size(), 4u);
    // Postfix's HELO (control bytes as '?') and the milter's raw one.
    ASSERT_EQ(c.helos.size(), 2u);
    EXPECT_EQ(c.helos[1], "evil\"helo=x\\\x01\x7f");
}

TEST(GoldenSendmail, NoAcceptedRcpt) {
    const Report r = scenario("sendmail/no-accepted-rcpt");
    // Queue id 6AQ5s9TG027333: "ruleset=check_rcpt ... reject=550 5.7.1 ...
    // Relaying denied" then "from=<bob@example.test> ... nrcpts=0". The
    // client's DATA got "503 5.0.0 Need RCPT", but Sendmail does not log
    // that, and writes nrcpts=0 at RSET and QUIT too: recipients refused,
    // DATA not proven. Sendmail logs as "mx", the milter as "vm": joined by
    // the queue id all the same.
    check(r, {1, 0, 1, 2});
    const ClientReport& c = only_client(r, "127.0.0.5");
    EXPECT_EQ(c.sessions_no_rcpt_data_unlogged, 1u);
    EXPECT_EQ(top_cause_name(c), "relay-denied");
    EXPECT_EQ(c.hosts, (std::vector<std::string>{"mx"}));
}

TEST(GoldenSendmail, UnauthenticatedSender) {
    const Report r = scenario("sendmail/unauthenticated-sender");
    check(r, {1, 0, 1, 2});  // as above: DATA not proven
    EXPECT_EQ(only_client(r, "127.0.0.5").sessions_no_rcpt_data_unlogged, 1u);
}

TEST(GoldenSendmail, SenderLoginMismatchIsDeliveredBySendmail) {
    const Report r = scenario("sendmail/sender-login-mismatch");
    // Sendmail has no sender login maps: "nrcpts=1", delivered; the milter
    // flagged it. The login comes from Sendmail's "AUTH=server ...
    // authid=alice" line.
    check(r, {1, 0, 1, 1});
    EXPECT_EQ(only_client(r, "127.0.0.6").logins, (std::vector<std::string>{"alice"}));
}

TEST(GoldenSendmail, HeaderFromMismatch) {
    check(scenario("sendmail/header-from-mismatch"), {1, 0, 1, 1});
}

TEST(GoldenSendmail, MissingMacro) {
    const Report r = scenario("sendmail/missing-macro");
    // Two delivered transactions (127.0.0.6, 127.0.0.7), one finding each.
    check(r, {2, 0, 2, 2});
    EXPECT_EQ(r.clients.size(), 2u);
}

TEST(GoldenSendmail, CleanSend) {
    const Report r = scenario("sendmail/clean-send");
    // Three transactions with "nrcpts=1" from three addresses, no finding.
    check(r, {3, 0, 0, 0});
    EXPECT_TRUE(r.clients.empty());
}

TEST(GoldenSendmail, Snippet) {
    const Report r = scenario("sendmail/snippet");
    // The relay attempt of 127.0.0.5 (check_rcpt reject, nrcpts=0: DATA
    // not proven) and a delivery from 127.0.0.10 while the milter was down.
    check(r, {2, 0, 1, 2});
    EXPECT_EQ(only_client(r, "127.0.0.5").sessions_no_rcpt_data_unlogged, 1u);
}

}  // namespace
}  // namespace milter503::report
