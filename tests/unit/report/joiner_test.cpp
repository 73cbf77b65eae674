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

namespace milter503::report {
namespace {

struct Collect : JoinSink {
    std::vector<MtaSession> sessions;
    std::vector<policy::ClientSummary> summaries;
    std::vector<std::pair<std::string, std::string>> logins;

    void on_session(MtaSession&& s) override { sessions.push_back(std::move(s)); }
    void on_summary(std::string_view, UnixTime, policy::ClientSummary&& s) override {
        summaries.push_back(std::move(s));
    }
    void on_login(std::string_view addr, std::string_view login) override {
        logins.emplace_back(addr, login);
    }
};

constexpr UnixTime t0 = 1795667474;

class JoinerTest : public ::testing::Test {
  protected:
    void pf(std::string_view host, std::string_view pid, UnixTime t, const std::string& message) {
        postfix::Event e;
        ASSERT_EQ(parse_postfix_smtpd(message, e), Parsed::used) << message;
        joiner.postfix(host, pid, t, e);
    }
    void sm(std::string_view host, UnixTime t, const std::string& message) {
        sendmail::Event e;
        ASSERT_EQ(parse_sendmail(message, e), Parsed::used) << message;
        joiner.sendmail(host, t, e);
    }
    void ex(std::string_view host, UnixTime t, const std::string& message) {
        exim::Event e;
        ASSERT_EQ(parse_exim(message, e), Parsed::used) << message;
        joiner.exim(host, t, e);
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
    EXPECT_EQ(s.mta, Mta::postfix);
    EXPECT_TRUE(s.data_refused);  // data=0/1
    EXPECT_TRUE(s.ended);
    EXPECT_EQ(s.findings_total, 2u);
    EXPECT_EQ(s.helo, "outlook.test");  // from the finding: no reject line named it
    EXPECT_EQ(joiner.stats().findings_joined, 2u);
    EXPECT_EQ(joiner.stats().findings_standalone, 0u);
    EXPECT_EQ(joiner.stats().expired, 0u);
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
    EXPECT_EQ(sink.sessions[0].mta, Mta::milter);
    EXPECT_EQ(sink.sessions[0].findings_total, 2u);
    EXPECT_EQ(sink.sessions[1].findings_total, 1u);
    EXPECT_FALSE(sink.sessions[0].data_refused);  // only an MTA log proves the 503
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

TEST_F(JoinerTest, RefusedDataIsA503OnlyWithoutADataStageReject) {
    pf("vm", "1", t0, "connect from a[192.0.2.1]");
    pf("vm", "1", t0,
       "NOQUEUE: reject: DATA from a[192.0.2.1]: 550 5.5.3 <DATA>: Data command rejected: "
       "Multi-recipient bounce; from=<> proto=ESMTP helo=<a>");
    pf("vm", "1", t0, "disconnect from a[192.0.2.1] ehlo=1 mail=1 rcpt=2 data=0/1 commands=4/5");
    pf("vm", "2", t0, "connect from b[192.0.2.2]");
    pf("vm", "2", t0, "disconnect from b[192.0.2.2] ehlo=1 mail=1 rcpt=1 data=1 quit=1");
    pf("vm", "3", t0, "connect from c[192.0.2.3]");
    pf("vm", "3", t0, "disconnect from c[192.0.2.3] ehlo=1 mail=2 rcpt=1/2 data=1/2 quit=1");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 3u);
    EXPECT_FALSE(sink.sessions[0].data_refused);  // refused by smtpd_data_restrictions
    EXPECT_FALSE(sink.sessions[1].data_refused);  // delivered
    EXPECT_TRUE(sink.sessions[2].data_refused);   // second transaction had no recipient
    EXPECT_TRUE(sink.sessions[2].accepted);
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
        EXPECT_EQ(s.mta, Mta::postfix);
        EXPECT_EQ(s.findings_total, 1u);
        EXPECT_FALSE(s.data_refused);
    }
    EXPECT_EQ(sink.sessions[0].login, "alice@example.test");
}

TEST_F(JoinerTest, SendmailTransactionByQueueIdAcrossHostNames) {
    // Sendmail logs as "mx", the milter as "vm" (the captured Sendmail run).
    const std::string qid = "6AQ5s9TG027333";
    finding("vm", t0, "127.0.0.5", "35951", "1", qid);
    sm("mx", t0,
       qid +
           ": ruleset=check_rcpt, arg1=<someone@remote.test>, relay=[127.0.0.5], reject=550 "
           "5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed [127.0.0.5]");
    finding("vm", t0, "127.0.0.5", "35951", "1", qid, policy::FindingKind::unauthenticated_sender);
    sm("mx", t0,
       qid +
           ": from=<bob@example.test>, size=0, class=0, nrcpts=0, proto=ESMTP, daemon=MTA, "
           "relay=[127.0.0.5]");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    const MtaSession& s = sink.sessions[0];
    EXPECT_EQ(s.mta, Mta::sendmail);
    EXPECT_EQ(s.host, "mx");
    EXPECT_TRUE(s.data_refused);  // check_rcpt reject + nrcpts=0
    EXPECT_EQ(s.findings_total, 2u);
    ASSERT_EQ(s.rejects.size(), 1u);
    EXPECT_EQ(s.rejects[0].sender, "bob@example.test");  // filled in from from=
}

TEST_F(JoinerTest, SendmailAcceptedTransactionAndLogin) {
    sm("mx", t0, "AUTH=server, relay=[127.0.0.6], authid=alice, mech=PLAIN, bits=0");
    sm("mx", t0,
       "6AQ5sT2N031277: from=<bob@example.test>, size=258, class=0, nrcpts=1, proto=ESMTPA, "
       "daemon=MTA, relay=[127.0.0.6]");
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 1u);
    EXPECT_FALSE(sink.sessions[0].data_refused);
    EXPECT_TRUE(sink.sessions[0].accepted);
    ASSERT_EQ(sink.logins.size(), 1u);
    EXPECT_EQ(sink.logins[0], (std::pair<std::string, std::string>{"127.0.0.6", "alice"}));
}

TEST_F(JoinerTest, EximGroupsByAddressUntilTheProtocolErrorOrSilence) {
    ex("", t0,
       "H=(outlook.test) [127.0.0.5]:43979 F=<bob@example.test> rejected RCPT "
       "<someone@remote.test>: relay not permitted");
    ex("", t0,
       "SMTP protocol error in \"DATA\" H=(outlook.test) [127.0.0.5]:43979 valid RCPT command "
       "must precede DATA");
    ex("", t0 + 1,
       "H=[192.0.2.7] F=<c@example.test> rejected RCPT <d@remote.test>: relay not "
       "permitted");
    ex("", t0 + 500, "H=[192.0.2.8] rejected RCPT <x@y>: no");  // silence ends 192.0.2.7's group
    joiner.finish();
    ASSERT_EQ(sink.sessions.size(), 3u);
    const auto by_addr = [&](std::string_view addr) -> const MtaSession& {
        for (const auto& session : sink.sessions) {
            if (session.client_addr == addr)
                return session;
        }
        ADD_FAILURE() << "no session of " << addr;
        return sink.sessions.front();
    };
    EXPECT_TRUE(by_addr("127.0.0.5").data_refused);  // the logged protocol error
    EXPECT_EQ(by_addr("127.0.0.5").helo, "outlook.test");
    EXPECT_EQ(by_addr("127.0.0.5").rejects_total, 1u);
    EXPECT_FALSE(by_addr("192.0.2.7").data_refused);  // no protocol error logged
    EXPECT_TRUE(by_addr("192.0.2.7").ended);          // ended by 499 s of silence
    EXPECT_FALSE(by_addr("192.0.2.8").data_refused);
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

TEST_F(JoinerTest, OpenSessionsAreCapped) {
    JoinerLimits limits;
    limits.max_open = 100;
    Joiner capped(sink, limits);
    for (int pid = 1; pid <= 1000; ++pid) {
        postfix::Event e;
        const std::string message = "connect from x[10.0." + std::to_string(pid / 250) + "." +
                                    std::to_string(pid % 250) + "]";
        ASSERT_EQ(parse_postfix_smtpd(message, e), Parsed::used);
        capped.postfix("vm", std::to_string(pid), t0 + pid / 100, e);
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

TEST_F(JoinerTest, SummariesPassThrough) {
    policy::ClientSummary summary;
    summary.client_addr = "127.0.0.5";
    joiner.summary("vm", t0, std::move(summary));
    ASSERT_EQ(sink.summaries.size(), 1u);
    EXPECT_EQ(sink.summaries[0].client_addr, "127.0.0.5");
}

}  // namespace
}  // namespace milter503::report
