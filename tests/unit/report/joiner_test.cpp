// NAME
//	joiner_test - per-session join of MTA lines and milter findings
// DESCRIPTION
//	Events are made by the real parsers from log messages shaped like the
//	captured ones; findings are built directly. Times are seconds from an
//	arbitrary origin; the grace period is the default 30 s.
#include "report/joiner.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report/exim_parser.hpp"
#include "report/postfix_parser.hpp"
#include "report/postscreen_parser.hpp"
#include "report/sendmail_parser.hpp"

namespace milter503::report {
namespace {

struct Collect : JoinSink {
    std::vector<MtaSession> sessions;
    std::vector<policy::ClientSummary> summaries;

    void on_session(MtaSession&& s) override { sessions.push_back(std::move(s)); }
    void on_summary(std::string_view, UnixTime, policy::ClientSummary&& s) override {
        summaries.push_back(std::move(s));
    }
};

// Hands a parser's events to a joiner, as the analyzer does.
struct Feed : EventSink {
    Joiner* joiner = nullptr;
    std::string_view mta;
    std::string_view host;
    UnixTime time = 0;
    void event(const SessionEvent& e) override { joiner->event(mta, host, time, e); }
    void finding(policy::Finding&&) override {}
    void summary(policy::ClientSummary&&) override {}
};

constexpr UnixTime t0 = 1795667474;

class JoinerTest : public ::testing::Test {
  protected:
    void read(Parsed (*reader)(const LogLine&, EventSink&), std::string_view mta,
              std::string_view host, std::string_view program, std::string_view pid, UnixTime t,
              const std::string& message, Joiner& into) {
        LogLine line;
        line.host = host;
        line.program = program;
        line.pid = pid;
        line.time = t;
        line.message = message;
        Feed feed;
        feed.joiner = &into;
        feed.mta = mta;
        feed.host = host;
        feed.time = t;
        ASSERT_EQ(reader(line, feed), Parsed::used) << message;
    }
    void pf(std::string_view host, std::string_view pid, UnixTime t, const std::string& message) {
        read(read_postfix_smtpd, "postfix", host, "postfix/smtpd", pid, t, message, joiner);
    }
    void cleanup(std::string_view host, UnixTime t, const std::string& message) {
        read(read_postfix_cleanup, "postfix", host, "postfix/cleanup", "9", t, message, joiner);
    }
    void ps(std::string_view host, UnixTime t, const std::string& message) {
        read(read_postfix_postscreen, "postfix", host, "postfix/postscreen", "8", t, message,
             joiner);
    }
    void sm(std::string_view host, std::string_view pid, UnixTime t, const std::string& message) {
        read(read_sendmail, "sendmail", host, "sm-mta", pid, t, message, joiner);
    }
    void ex(std::string_view host, UnixTime t, const std::string& message) {
        read(read_exim, "exim", host, "exim", "", t, message, joiner);
    }
    void finding(std::string_view host, UnixTime t, std::string addr, std::string port,
                 std::string conn, std::string qid = "",
                 policy::FindingKind kind = policy::FindingKind::no_accepted_rcpt) {
        policy::Finding f;
        f.kind = kind;
        f.cause = policy::Cause::relay_denied;
        f.client_name = "unknown";
        f.client_addr = std::move(addr);
        f.client_port = std::move(port);
        f.conn_id = std::move(conn);
        f.queue_id = std::move(qid);
        f.helo = "outlook.test";
        f.sender = "bob@example.test";
        joiner.finding(host, t, std::move(f));
    }
    // The Postfix session of the captured no-accepted-rcpt run.
    void postfix_refused(UnixTime t, std::string_view pid = "25880",
                         const std::string& port = "43979") {
        const std::string client = "unknown[127.0.0.5]:" + port;
        pf("vm", pid, t, "connect from " + client);
        pf("vm", pid, t,
           "NOQUEUE: reject: RCPT from " + client +
               ": 554 5.7.1 <someone@remote.test>: Relay access denied; from=<bob@example.test> "
               "to=<someone@remote.test> proto=ESMTP helo=<outlook.test>");
        pf("vm", pid, t,
           "disconnect from " + client + " ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5");
    }

    Collect sink;
    Joiner joiner{sink};
};

TEST_F(JoinerTest, PostfixSessionTakesItsFindings) {
    pf("vm", "25880", t0, "connect from unknown[127.0.0.5]:43979");
    finding("vm", t0, "127.0.0.5", "43979", "1");
    finding("vm", t0, "127.0.0.5", "43979", "1", "", policy::FindingKind::unauthenticated_sender);
    pf("vm", "25880", t0,
       "disconnect from unknown[127.0.0.5]:43979 ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 "
       "commands=3/5");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);  // one connection, counted once
    const MtaSession& s = sink.sessions[0];
    EXPECT_EQ(s.mta, "postfix");
    EXPECT_EQ(s.outcome, Outcome::no_rcpt_data_refused);  // rcpt=0/1 data=0/1
    EXPECT_TRUE(s.ended);
    EXPECT_EQ(s.findings_total, 2u);
    EXPECT_EQ(s.helo, "outlook.test");  // from the finding: no reject line named it
    EXPECT_EQ(joiner.stats().findings_joined, 2u);
    EXPECT_EQ(joiner.stats().findings_standalone, 0u);
    EXPECT_EQ(joiner.stats().expired, 0u);
}

TEST_F(JoinerTest, StepsStopAtTheBudgetOverAllOpenSessions) {
    // --user keeps the steps of open sessions; a budget bounds them.
    JoinerLimits limits;
    limits.record_steps = true;
    limits.max_step_bytes = 1;  // the first step goes over it
    Joiner budgeted(sink, limits);
    const std::string client = "unknown[127.0.0.5]:43979";
    read(read_postfix_smtpd, "postfix", "vm", "postfix/smtpd", "1", t0, "connect from " + client,
         budgeted);
    read(read_postfix_smtpd, "postfix", "vm", "postfix/smtpd", "1", t0,
         "NOQUEUE: reject: RCPT from " + client +
             ": 554 5.7.1 <someone@remote.test>: Relay access denied; from=<bob@example.test> "
             "to=<someone@remote.test> proto=ESMTP helo=<outlook.test>",
         budgeted);
    read(read_postfix_smtpd, "postfix", "vm", "postfix/smtpd", "1", t0,
         "disconnect from " + client + " ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5",
         budgeted);
    budgeted.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_EQ(sink.sessions[0].steps.size(), 1u);  // connect, then nothing more kept
    EXPECT_EQ(sink.sessions[0].steps_total, 3u);   // but every step counted
    // The session gave its bytes back: the next one records again.
    read(read_postfix_smtpd, "postfix", "vm", "postfix/smtpd", "2", t0 + 1,
         "connect from unknown[127.0.0.6]:1", budgeted);
    budgeted.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_EQ(sink.sessions[1].steps.size(), 1u);
}

TEST_F(JoinerTest, FindingReadBeforeTheSessionOfTheSameSecond) {
    // The milter's file was given first: its line of second t0 comes before
    // Postfix's connect of second t0.
    finding("vm", t0, "127.0.0.5", "43979", "1");
    postfix_refused(t0);
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_EQ(sink.sessions[0].findings_total, 1u);
    EXPECT_EQ(joiner.stats().findings_joined, 1u);
}

TEST_F(JoinerTest, LateFindingWithinGraceJoinsAfterItGoesStandalone) {
    postfix_refused(t0);
    finding("vm", t0 + 5, "127.0.0.5", "43979", "1");    // 5 s after the disconnect: joins
    postfix_refused(t0 + 100, "25881", "50000");         // moves the clock on
    finding("vm", t0 + 100, "127.0.0.5", "43979", "1");  // 100 s late: its session is gone
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 3u);
    EXPECT_EQ(sink.sessions[0].findings_total, 1u);
    EXPECT_EQ(joiner.stats().findings_joined, 1u);
    EXPECT_EQ(joiner.stats().findings_standalone, 1u);
}

TEST_F(JoinerTest, PortsKeepConcurrentConnectionsApart) {
    pf("vm", "1", t0, "connect from unknown[127.0.0.5]:1111");
    pf("vm", "2", t0, "connect from unknown[127.0.0.5]:2222");
    finding("vm", t0, "127.0.0.5", "2222", "7");
    pf("vm", "1", t0, "disconnect from unknown[127.0.0.5]:1111 ehlo=1 quit=1 commands=2");
    pf("vm", "2", t0,
       "disconnect from unknown[127.0.0.5]:2222 ehlo=1 mail=1 rcpt=0/1 data=0/1 commands=3/4");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_EQ(sink.sessions[0].client_port, "1111");
    EXPECT_EQ(sink.sessions[0].findings_total, 0u);
    EXPECT_EQ(sink.sessions[1].findings_total, 1u);
}

TEST_F(JoinerTest, MilterOnlyFindingsStayTogetherPerConnection) {
    // No MTA log at all: two findings of connection 1, one of connection 2.
    finding("vm", t0, "127.0.0.5", "", "1");
    finding("vm", t0, "127.0.0.5", "", "1", "", policy::FindingKind::unauthenticated_sender);
    finding("vm", t0 + 1, "127.0.0.5", "", "2");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_TRUE(sink.sessions[0].milter_only);
    EXPECT_EQ(sink.sessions[0].findings_total, 2u);
    EXPECT_EQ(sink.sessions[1].findings_total, 1u);
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::none);  // only an MTA log proves the 503
    EXPECT_EQ(joiner.stats().findings_standalone, 3u);
}

TEST_F(JoinerTest, PidServingAnotherClientClosesTheOldSession) {
    pf("vm", "1", t0, "connect from unknown[127.0.0.5]:1111");
    pf("vm", "1", t0 + 1, "connect from unknown[127.0.0.6]:2222");  // disconnect line lost
    pf("vm", "1", t0 + 2, "disconnect from unknown[127.0.0.6]:2222 ehlo=1 quit=1 commands=2");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_EQ(sink.sessions[0].client_addr, "127.0.0.5");
    EXPECT_FALSE(sink.sessions[0].ended);
    EXPECT_EQ(joiner.stats().expired, 1u);
}

TEST_F(JoinerTest, RefusedDataIsA503OnlyWithoutAnAcceptedRecipient) {
    // smtpd_data_restrictions refused the DATA of a transaction with
    // recipients (postfix-fail2ban.log's reject line).
    pf("vm", "1", t0, "connect from signing-milter.example.com[192.0.2.109]");
    pf("vm", "1", t0,
       "44JCRG5tYPzCqt2: reject: BDAT from signing-milter.example.com[192.0.2.109]: 550 5.5.3 "
       "<DATA>: Data command rejected: Multi-recipient bounce; from=<> to=<some@example.com> "
       "proto=ESMTP helo=<domain.tld>");
    pf("vm", "1", t0,
       "disconnect from signing-milter.example.com[192.0.2.109] ehlo=1 mail=1 rcpt=2 bdat=0/1 "
       "commands=4/5");
    // Delivered.
    pf("vm", "2", t0, "connect from unknown[127.0.0.10]:57145");
    pf("vm", "2", t0,
       "disconnect from unknown[127.0.0.10]:57145 ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 "
       "commands=6");
    // One recipient of three accepted, the message refused after DATA
    // with no line saying why (a lost line): not a 503.
    pf("vm", "3", t0, "connect from c[192.0.2.3]");
    pf("vm", "3", t0, "disconnect from c[192.0.2.3] ehlo=1 mail=1 rcpt=1/3 data=0/1 quit=1");
    // Two transactions, one recipient and one message accepted: the other
    // DATA had no recipient.
    pf("vm", "4", t0, "connect from d[192.0.2.4]");
    pf("vm", "4", t0, "disconnect from d[192.0.2.4] ehlo=1 mail=2 rcpt=1/2 data=1/2 quit=1");
    // BDAT refused for want of a recipient (bdat=0/1).
    pf("vm", "5", t0, "connect from e[192.0.2.5]");
    pf("vm", "5", t0, "disconnect from e[192.0.2.5] ehlo=1 mail=1 rcpt=0/1 bdat=0/1 quit=1");
    // MAIL and no RCPT at all: DATA got "554 no valid recipients" too.
    pf("vm", "6", t0, "connect from f[192.0.2.6]");
    pf("vm", "6", t0, "disconnect from f[192.0.2.6] ehlo=1 mail=1 data=0/1 quit=1");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 6u);
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::data_refused_with_rcpts);
    EXPECT_EQ(sink.sessions[1].outcome, Outcome::none);
    EXPECT_EQ(sink.sessions[2].outcome, Outcome::none);
    EXPECT_TRUE(sink.sessions[2].rcpt_accepted);
    EXPECT_EQ(sink.sessions[3].outcome, Outcome::no_rcpt_data_refused);
    EXPECT_EQ(sink.sessions[4].outcome, Outcome::no_rcpt_data_refused);
    EXPECT_EQ(sink.sessions[5].outcome, Outcome::no_rcpt_data_refused);
}

TEST_F(JoinerTest, MessageRefusedAfterDataJoinsByQueueId) {
    // postfix-lightmeter-milter-reject.log: cleanup's line names the smtpd
    // session by its queue id; Postfix >= 3.0 would then log rcpt=1 data=0/1.
    pf("mx", "2138", t0, "connect from h-ca74a0a011076cd81347f8f11e[254.65.43.194]");
    pf("mx", "2138", t0 + 13, "B37FD2E05B9: client=h-ca74a0a011076cd81347f8f11e[254.65.43.194]");
    const std::string refused =
        "B37FD2E05B9: milter-reject: END-OF-MESSAGE from "
        "h-ca74a0a011076cd81347f8f11e[254.65.43.194]: 4.7.1 Try again later; "
        "from=<bounce+1b6a63.922c68-christoph=h-ffd2115d4f@h-79b594737831a5d176dabf9.com> "
        "to=<h-7abde52c2@h-ffd2115d4f.com> proto=ESMTP helo=<h-ca74a0a011076cd81347f8f11e>";
    cleanup("mx", t0 + 38, refused);
    cleanup("mx", t0 + 39, refused);  // logged twice for the one message
    pf("mx", "2138", t0 + 40,
       "disconnect from h-ca74a0a011076cd81347f8f11e[254.65.43.194] ehlo=1 mail=1 rcpt=1 "
       "data=0/1 quit=1 commands=4/5");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::refused_after_data);
    EXPECT_EQ(sink.sessions[0].rejects_total, 2u);
    EXPECT_EQ(sink.sessions[0].rejects[0].stage, "END-OF-MESSAGE");
}

TEST_F(JoinerTest, CleanupLineWithoutItsSmtpdSession) {
    cleanup("mx", t0,
            "769FF2E0760: milter-reject: END-OF-MESSAGE from "
            "h-72f555a0840e4b9553[117.165.155.187]: 5.7.1 Spam message rejected; "
            "from=<h-59bd@h-183bcda0e2fe4.com> to=<h-688f0f21f362894034ba55@h-ff6b5e9182fd933.com> "
            "proto=ESMTP helo=<h-72f555a0840e4b9553>");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_EQ(sink.sessions[0].client_addr, "117.165.155.187");
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::refused_after_data);
    EXPECT_TRUE(sink.sessions[0].ended);  // cleanup logs no session end
    EXPECT_EQ(joiner.stats().expired, 0u);
}

TEST_F(JoinerTest, RecipientsRefusedAndNoDataOrNoEnd) {
    // postfix-lightmeter-postscreen.log: rcpt=0/1 and no data= key.
    pf("mx", "20127", t0, "connect from h-be8106e24226d8ee7[199.229.127.90]");
    pf("mx", "20127", t0,
       "NOQUEUE: reject: RCPT from h-be8106e24226d8ee7[199.229.127.90]: 550 5.1.1 "
       "<h-9642cc8a8bc184c40b1@h-ffeb17e38996c.com>: Recipient address rejected: User unknown in "
       "virtual mailbox table; from=<h-f16@h-be8106e24226d8ee7.com> "
       "to=<h-9642cc8a8bc184c40b1@h-ffeb17e38996c.com> proto=SMTP helo=<h-be8106e24226d8ee7>");
    pf("mx", "20127", t0,
       "disconnect from h-be8106e24226d8ee7[199.229.127.90] helo=1 mail=1 rcpt=0/1 quit=1 "
       "commands=3/4");
    // postfix-crowdsec.log: a reject and no disconnect line.
    pf("mx", "26897", t0,
       "NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 554 5.7.1 Service unavailable");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::rcpt_refused_no_data);
    EXPECT_EQ(sink.sessions[1].outcome, Outcome::no_rcpt_data_unlogged);
    EXPECT_EQ(joiner.stats().expired, 1u);
}

TEST_F(JoinerTest, LostConnectionAfterDataProvesThe554OnlyAfterARefusedRecipient) {
    // postfix-mailtrap-issue.log's reject, then the end of a Postfix 2.x
    // session (no counters) whose DATA was refused.
    pf("mx", "42", t0,
       "NOQUEUE: reject: RCPT from unknown[192.168.0.99]: 454 4.7.1 <gabriel.rshaid@mail.org>: "
       "Relay access denied; from=<LearnerBot@mail.co> to=<mail@mail.org> proto=ESMTP "
       "helo=<[127.0.0.1]>");
    pf("mx", "42", t0, "lost connection after DATA from unknown[192.168.0.99]");
    // postfix-fail2ban.log: no refusal known, only the lost connection.
    pf("mx", "43", t0, "lost connection after DATA from good-host.example.com[192.0.2.10]");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    for (const MtaSession& s : sink.sessions) {
        EXPECT_EQ(s.outcome,
                  s.client_addr == "192.168.0.99" ? Outcome::no_rcpt_data_refused : Outcome::none)
            << s.client_addr;
    }
}

TEST_F(JoinerTest, PostscreenSession) {
    // postfix-lightmeter-postscreen.log, then a DATA as psc_data_cmd() logs it.
    ps("mx", t0, "CONNECT from [155.63.95.6]:63966 to [170.45.1.1]:25");
    ps("mx", t0 + 6,
       "NOQUEUE: reject: RCPT from [155.63.95.6]:63966: 550 5.7.1 Service unavailable; client "
       "[155.63.95.6] blocked using h-b8ce05d1c068e5c0; from=<h-9a34f8b@h-8ed5c3b550.com>, "
       "to=<h-9a34f8b@h-8ed5c3b550.com>, proto=ESMTP, helo=<WIN-QGFOVKPDT6T>");
    ps("mx", t0 + 6, "DISCONNECT [155.63.95.6]:63966");
    ps("mx", t0 + 7, "CONNECT from [155.63.95.6]:63967 to [170.45.1.1]:25");
    ps("mx", t0 + 7,
       "NOQUEUE: reject: RCPT from [155.63.95.6]:63967: 550 5.7.1 Service unavailable; client "
       "[155.63.95.6] blocked using h-b8ce05d1c068e5c0; from=<h-9a34f8b@h-8ed5c3b550.com>, "
       "to=<h-9a34f8b@h-8ed5c3b550.com>, proto=ESMTP, helo=<WIN-QGFOVKPDT6T>");
    ps("mx", t0 + 7, "DATA without valid RCPT from [155.63.95.6]:63967");
    ps("mx", t0 + 7, "DISCONNECT [155.63.95.6]:63967");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    EXPECT_EQ(sink.sessions[0].outcome, Outcome::rcpt_refused_no_data);
    EXPECT_EQ(sink.sessions[1].outcome, Outcome::no_rcpt_data_refused);
    EXPECT_TRUE(sink.sessions[1].ended);
}

TEST_F(JoinerTest, PostfixQueueIdJoinsHeaderFindingsInEitherOrder) {
    pf("vm", "1", t0, "connect from unknown[127.0.0.7]:55211");
    pf("vm", "1", t0,
       "C26541104E9: client=unknown[127.0.0.7]:55211, sasl_method=PLAIN, "
       "sasl_username=alice@example.test");
    finding("vm", t0, "127.0.0.7", "55211", "1", "C26541104E9",
            policy::FindingKind::header_from_mismatch);
    pf("vm", "1", t0,
       "disconnect from unknown[127.0.0.7]:55211 ehlo=1 auth=1 mail=1 rcpt=1 data=1");
    // Second connection: the finding comes first.
    finding("vm", t0 + 1, "127.0.0.7", "55212", "2", "D26541104EA",
            policy::FindingKind::header_from_mismatch);
    pf("vm", "2", t0 + 1, "connect from unknown[127.0.0.7]:55212");
    pf("vm", "2", t0 + 1, "D26541104EA: client=unknown[127.0.0.7]:55212");
    pf("vm", "2", t0 + 1, "disconnect from unknown[127.0.0.7]:55212 ehlo=1 mail=1 rcpt=1 data=1");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    for (const auto& s : sink.sessions) {
        EXPECT_EQ(s.mta, "postfix");
        EXPECT_EQ(s.findings_total, 1u);
        EXPECT_EQ(s.outcome, Outcome::none);
    }
    EXPECT_EQ(sink.sessions[0].login, "alice@example.test");
}

TEST_F(JoinerTest, SendmailTransactionByQueueIdAcrossHostNames) {
    // Sendmail logs as "mx", the milter as "vm" (the captured Sendmail run).
    const std::string qid = "6AQ5s9TG027333";
    finding("vm", t0, "127.0.0.5", "35951", "1", qid);
    sm("mx", "27333", t0,
       qid +
           ": ruleset=check_rcpt, arg1=<someone@remote.test>, relay=[127.0.0.5], reject=550 "
           "5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed [127.0.0.5]");
    finding("vm", t0, "127.0.0.5", "35951", "1", qid, policy::FindingKind::unauthenticated_sender);
    sm("mx", "27333", t0,
       qid +
           ": from=<bob@example.test>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, "
           "relay=[127.0.0.5]");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    const MtaSession& s = sink.sessions[0];
    EXPECT_EQ(s.mta, "sendmail");
    EXPECT_EQ(s.host, "mx");
    // nrcpts=0 is written at RSET and QUIT too: no proof of a DATA.
    EXPECT_EQ(s.outcome, Outcome::no_rcpt_data_unlogged);
    EXPECT_TRUE(s.ended);  // Sendmail logs no end: silence is its end
    EXPECT_EQ(s.findings_total, 2u);
    ASSERT_EQ(s.rejects.size(), 1u);
    EXPECT_EQ(s.rejects[0].sender, "bob@example.test");  // filled in from from=
    EXPECT_EQ(joiner.stats().expired, 0u);
}

TEST_F(JoinerTest, SendmailSessionIsTheProcess) {
    // sendmail-fail2ban-reject.log: the recipient errors of pid 26254 name
    // no client; its from= lines do. One connection, several transactions.
    sm("mx", "26254", t0, "rA37ZTSC026250: <arhipov@domain.com>... No such user here");
    sm("mx", "26254", t0, "rA37ZTSC026254: <davaojk25@domain.com>... No such user here");
    sm("mx", "26254", t0,
       "rA37ZTSC026254: from=<davaojk25@domain.com>, size=0, class=0, nrcpts=0, "
       "bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=163.23.32.95.dsl-dynamic.vsi.ru "
       "[95.32.23.163]");
    sm("mx", "26254", t0, "rA37ZTSC026252: <anton@domain.com>... No such user here");
    sm("mx", "26254", t0,
       "rA37ZTSC026255: from=<anton@domain.com>, size=0, class=0, nrcpts=0, bodytype=8BITMIME, "
       "proto=ESMTP, daemon=MTA, relay=163.23.32.95.dsl-dynamic.vsi.ru [95.32.23.163]");
    // Another connection, another process.
    sm("mx", "6000", t0, "AUTH=server, relay=[127.0.0.6], authid=alice, mech=PLAIN, bits=0");
    sm("mx", "6000", t0,
       "6AQ5sT2N031277: from=<bob@example.test>, size=258, class=0, nrcpts=1, proto=ESMTPA, "
       "daemon=MTA, relay=[127.0.0.6]");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2u);
    const MtaSession& refused =
        sink.sessions[0].client_addr == "95.32.23.163" ? sink.sessions[0] : sink.sessions[1];
    const MtaSession& sent = &refused == &sink.sessions[0] ? sink.sessions[1] : sink.sessions[0];
    EXPECT_EQ(refused.client_addr, "95.32.23.163");
    EXPECT_EQ(refused.rcpt_refused, 3u);
    EXPECT_EQ(refused.outcome, Outcome::no_rcpt_data_unlogged);
    EXPECT_EQ(sent.client_addr, "127.0.0.6");
    EXPECT_EQ(sent.login, "alice");
    EXPECT_EQ(sent.outcome, Outcome::none);
}

TEST_F(JoinerTest, EximSessionsAreConnections) {
    // exim-testsuite-0458.log: one address, one session per client port.
    ex("", t0,
       "H=(rhu.barb) [127.0.0.1]:10005 I=[127.0.0.1]:PORT_D F=<userx@test.ex> rejected RCPT "
       "<userx@test.ex>");
    ex("", t0,
       "H=(rhu.barb) [127.0.0.1]:10006 I=[127.0.0.1]:PORT_D F=<userx@test.ex> rejected RCPT "
       "<userx@test.ex>");
    ex("", t0,
       "SMTP protocol error in \"DATA\" H=(rhu.barb) [127.0.0.1]:10006 I=[127.0.0.1]:PORT_D "
       "valid RCPT command must precede DATA");
    // exim-testsuite-0900.log: no port, no connection id: the address alone.
    ex("", t0 + 1,
       "rejected from <someone@some.domain> H=(tester) [127.0.0.1]: Non-CRLF-terminated header, "
       "under CHUNKING: message abandoned");
    ex("", t0 + 500,
       "rejected from <someone@some.domain> H=(tester) [127.0.0.1]: Non-CRLF-terminated header, "
       "under CHUNKING: message abandoned");  // a minute of silence: another session
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 4u);
    const auto by_port = [&](std::string_view port) -> const MtaSession& {
        for (const auto& session : sink.sessions) {
            if (session.client_port == port)
                return session;
        }
        ADD_FAILURE() << "no session of port " << port;
        return sink.sessions.front();
    };
    EXPECT_EQ(by_port("10005").outcome, Outcome::no_rcpt_data_unlogged);  // pipelined: no line
    EXPECT_EQ(by_port("10006").outcome, Outcome::no_rcpt_data_refused);   // the logged error
    EXPECT_EQ(by_port("10006").helo, "rhu.barb");
    unsigned refused_after_data = 0;
    for (const auto& session : sink.sessions)
        refused_after_data += session.outcome == Outcome::refused_after_data ? 1 : 0;
    EXPECT_EQ(refused_after_data, 2u);
    EXPECT_EQ(joiner.stats().expired, 0u);  // Exim logs no end: silence is its end
}

TEST_F(JoinerTest, IdleSessionsAreHandedOverAndForgotten) {
    pf("vm", "1", t0, "connect from unknown[127.0.0.5]:1");  // never disconnects
    EXPECT_EQ(joiner.held_sessions(), 1u);
    postfix_refused(t0 + 3700, "2", "2");
    postfix_refused(t0 + 3800, "3", "3");
    EXPECT_LE(joiner.held_sessions(), 1u);  // session 1 expired, session 2 past its grace
    EXPECT_EQ(joiner.stats().expired, 1u);
    joiner.finish();
    EXPECT_EQ(sink.sessions.size(), 3u);
    EXPECT_EQ(joiner.held_sessions(), 0u);
}

// Sessions handed over together (the end of the log, evictions) go in the
// order of their last line, then their start, then their key: never in a
// hash table's order, which would make the report's examples depend on
// the C++ library's hash (the first session of a client to arrive gives
// its cause's first example).
TEST_F(JoinerTest, SessionsHandedOverTogetherGoInTheOrderOfTheirLastLine) {
    std::vector<UnixTime> expected;
    for (int i = 0; i < 60; ++i) {
        // Last lines out of order, and pairs of the same second.
        const UnixTime last = t0 + (i * 37) % 30;
        pf("vm", std::to_string(100 + i), t0 - 1,
           "connect from unknown[192.0.2." + std::to_string(i) + "]:1");
        pf("vm", std::to_string(100 + i), last,
           "NOQUEUE: reject: RCPT from unknown[192.0.2." + std::to_string(i) +
               "]:1: 554 5.7.1 <x@remote.test>: Relay access denied; from=<bob@example.test> "
               "to=<x@remote.test> proto=ESMTP helo=<outlook.test>");
        expected.push_back(last);
    }
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 60u);
    std::vector<UnixTime> order;
    for (const MtaSession& s : sink.sessions)
        order.push_back(s.last_activity);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(order, expected);
    // Within one second, by key: the process ids' texts, "105" before
    // "135", so client 192.0.2.5 before 192.0.2.35.
    const auto octet = [](const MtaSession& s) {
        return std::stoi(s.client_addr.substr(s.client_addr.rfind('.') + 1));
    };
    for (size_t i = 1; i < sink.sessions.size(); ++i) {
        if (sink.sessions[i].last_activity == sink.sessions[i - 1].last_activity) {
            EXPECT_LT(octet(sink.sessions[i - 1]), octet(sink.sessions[i])) << "at " << i;
        }
    }
}

TEST_F(JoinerTest, OpenSessionsAreCapped) {
    JoinerLimits limits;
    limits.max_open = 100;
    Joiner capped(sink, limits);
    for (int pid = 1; pid <= 1000; ++pid) {
        const std::string message = "connect from x[10.0." + std::to_string(pid / 250) + "." +
                                    std::to_string(pid % 250) + "]";
        read(read_postfix_smtpd, "postfix", "vm", "postfix/smtpd", std::to_string(pid),
             t0 + pid / 100, message, capped);
        ASSERT_LE(capped.held_sessions(), 100u);
    }
    EXPECT_GE(capped.stats().evicted, 900u);
    capped.finish();
    EXPECT_EQ(sink.sessions.size(), 1000u);  // none lost, none counted twice
}

TEST_F(JoinerTest, MemoryDoesNotGrowWithTheNumberOfSessions) {
    size_t peak = 0;
    for (int i = 0; i < 20000; ++i) {
        postfix_refused(t0 + i, std::to_string(1000 + i % 50), std::to_string(10000 + i));
        peak = std::max(peak, joiner.held_sessions());
    }
    // One session per second of log, each held for the 30 s grace period.
    EXPECT_LE(peak, 45u);
    joiner.finish();
    EXPECT_EQ(sink.sessions.size(), 20000u);
}

TEST_F(JoinerTest, ManyPassedPostscreenSessionsStayFindableUntilIdle) {
    // postscreen logs no end of a connection it passes to smtpd (CONNECT,
    // PASS OLD, as in postfix-lightmeter-postscreen.log; the PASS line is
    // not read): 2000 such sessions stay open for the idle time. A finding still finds its own
    // among them, and they are handed over, all, once silent for that long.
    for (int i = 0; i < 2000; ++i) {
        const std::string client =
            "[10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "]:5000";
        ps("vm", t0 + i / 100, "CONNECT from " + client + " to [170.45.1.1]:25");
    }
    finding("vm", t0 + 20, "10.1.3.7", "5000", "77");  // client i = 757
    EXPECT_EQ(joiner.stats().findings_standalone, 0u);
    postfix_refused(t0 + 4000, "2", "2");
    EXPECT_EQ(joiner.stats().expired, 2000u);
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 2001u);
    EXPECT_EQ(joiner.stats().findings_joined, 1u);
    const auto flagged = std::count_if(sink.sessions.begin(), sink.sessions.end(),
                                       [](const MtaSession& s) { return s.findings_total > 0; });
    EXPECT_EQ(flagged, 1);
    const auto it = std::find_if(sink.sessions.begin(), sink.sessions.end(),
                                 [](const MtaSession& s) { return s.findings_total > 0; });
    EXPECT_EQ(it->client_addr, "10.1.3.7");
}

TEST_F(JoinerTest, PassedPostscreenSessionsAreOverWithinAMinuteOrTwo) {
    // PASS NEW hands the connection to smtpd (postscreen_misc.c: no
    // DISCONNECT follows). 500 such halves are handed to the sink about
    // handover_wait after their PASS, not after the idle hour.
    for (int i = 0; i < 500; ++i) {
        const std::string client = "[10.2." + std::to_string(i / 250) + "." +
                                   std::to_string(i % 250) + "]:" + std::to_string(6000 + i);
        ps("vm", t0 + i / 10, "CONNECT from " + client + " to [170.45.1.1]:25");
        ps("vm", t0 + i / 10, "PASS NEW " + client);
    }
    EXPECT_EQ(joiner.held_sessions(), 500u);
    postfix_refused(t0 + 50 + 200, "2", "2");  // the log goes on, 200 s after the last PASS
    EXPECT_EQ(sink.sessions.size(), 500u);
    EXPECT_EQ(joiner.stats().expired, 0u);  // a PASS is an end, not a lost one
    for (const MtaSession& s : sink.sessions)
        EXPECT_TRUE(s.only_handed_over()) << s.client_addr;
}

TEST_F(JoinerTest, DisconnectRightAfterPassEndsTheSameSession) {
    // postscreen_misc.c: a client it keeps (NOFORWARD) gets DISCONNECT in
    // the same call as PASS: one session, which ended there.
    ps("vm", t0, "CONNECT from [10.3.0.1]:7000 to [170.45.1.1]:25");
    ps("vm", t0, "PASS NEW [10.3.0.1]:7000");
    ps("vm", t0, "DISCONNECT [10.3.0.1]:7000");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_TRUE(sink.sessions[0].ended);
    EXPECT_FALSE(sink.sessions[0].handed_over);
}

TEST_F(JoinerTest, SummariesPassThrough) {
    policy::ClientSummary summary;
    summary.client_addr = "127.0.0.5";
    joiner.summary("vm", t0, std::move(summary));
    ASSERT_EQ(sink.summaries.size(), 1u);
    EXPECT_EQ(sink.summaries[0].client_addr, "127.0.0.5");
}

}  // namespace
}  // namespace milter503::report
