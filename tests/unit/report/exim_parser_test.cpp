// NAME
//	exim_parser_test - Exim main log lines as session events
// DESCRIPTION
//	The lines are Exim's own, from the real logs of tests/data/real/
//	(Exim's test suite, fail2ban's and CrowdSec's test data; provenance in
//	its README.md), with Exim's time stamp cut off as the header parser
//	does.
#include "report/exim_parser.hpp"

#include <gtest/gtest.h>

#include "event_capture.hpp"

namespace milter503::report {
namespace {

Parsed ex(test::Capture& c, std::string message, std::string_view pid = "") {
    return c.read(read_exim, "exim", pid, std::move(message));
}

TEST(EximParser, ProgramNames) {
    EXPECT_TRUE(is_exim("exim"));
    EXPECT_TRUE(is_exim("exim4"));
    EXPECT_FALSE(is_exim("eximstats"));
}

TEST(EximParser, RejectedRcptKeyedByClientPort) {
    // exim-testsuite-0458.log
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "H=(rhu.barb) [127.0.0.1]:10005 I=[127.0.0.1]:PORT_D F=<userx@test.ex> "
                 "rejected RCPT <ph11@test.ex>"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.kind, EventKind::reject);
    EXPECT_EQ(e.stage, Stage::rcpt);
    EXPECT_EQ(e.scope, "exim");
    EXPECT_EQ(e.key, "127.0.0.1]:10005");  // the connection: address and port
    EXPECT_TRUE(e.end_unlogged);
    EXPECT_EQ(e.helo, "rhu.barb");
    EXPECT_EQ(e.client.name, "");
    EXPECT_EQ(e.client.addr, "127.0.0.1");
    EXPECT_EQ(e.client.port, "10005");
    EXPECT_EQ(e.sender, "userx@test.ex");
    EXPECT_EQ(e.recipient, "ph11@test.ex");
    EXPECT_EQ(e.reply, "rejected");  // no ACL message: Exim logs none
    EXPECT_FALSE(e.temporary);
}

TEST(EximParser, RejectedRcptKeyedByConnectionId) {
    // exim-testsuite-0900.log (+connection_id; the harness munges the id)
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "H=(tester) [127.0.0.1] Ci=p1235 F=<some3ne@some.domain> rejected RCPT "
                 "<dummy@reject.ex>: relay not permitted"),
              Parsed::used);
    EXPECT_EQ(c.last().key, "p1235");
    EXPECT_EQ(c.last().reply, "relay not permitted");
}

TEST(EximParser, ArgumentAsTheClientSentIt) {
    // exim-fail2ban.log: no `<>` around the recipient nor the sender, and
    // the `[pid]` of log_selector +pid.
    test::Capture c;
    ASSERT_EQ(c.read(read_exim, "exim", "",
                     "[10099] H=(yakult.com.tw) [202.132.70.178]:3755 I=[1.2.3.4]:25 "
                     "F=menacedsj04@listserv.eurasia.org rejected RCPT dir@ml3.ru: relay not "
                     "permitted"),
              Parsed::used);
    EXPECT_EQ(c.last().recipient, "dir@ml3.ru");
    EXPECT_EQ(c.last().sender, "menacedsj04@listserv.eurasia.org");
    EXPECT_EQ(c.last().reply, "relay not permitted");
    EXPECT_EQ(c.last().client.addr, "202.132.70.178");
    // exim-crowdsec.log: X=/CV= after the address, a quoted message.
    ASSERT_EQ(ex(c,
                 "H=imfo.test.biz [1.2.3.4]:35328 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 "
                 "CV=no F=<jack@test.biz> rejected RCPT <sales@toto.com.au>: No Such User "
                 "Here"),
              Parsed::used);
    EXPECT_EQ(c.last().client.name, "imfo.test.biz");
    EXPECT_EQ(c.last().key, "1.2.3.4]:35328");
    EXPECT_EQ(c.last().sender, "jack@test.biz");
    EXPECT_EQ(c.last().reply, "No Such User Here");
}

TEST(EximParser, RejectedMail) {
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "H=(rhu.barb) [127.0.0.1]:10003 I=[127.0.0.1]:PORT_D rejected MAIL "
                 "<deny@test.ex>"),
              Parsed::used);
    EXPECT_EQ(c.last().stage, Stage::mail);
    EXPECT_EQ(c.last().sender, "deny@test.ex");
}

TEST(EximParser, ProtocolErrorIsThe503) {
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "SMTP protocol error in \"DATA\" H=(rhu.barb) [127.0.0.1]:10002 "
                 "I=[127.0.0.1]:PORT_D valid RCPT command must precede DATA"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::no_valid_rcpt);
    EXPECT_EQ(c.last().key, "127.0.0.1]:10002");
    EXPECT_EQ(c.last().reply, "valid RCPT command must precede DATA");
    c.events.clear();
    EXPECT_EQ(ex(c,
                 "SMTP protocol error in \"rcpt to:<userx@test.ex>\" H=(rhu.barb) "
                 "[127.0.0.1]:10004 I=[127.0.0.1]:PORT_D sender not yet given"),
              Parsed::ignored);
    // exim-fail2ban.log: a quoted command that carries an H= of its own.
    EXPECT_EQ(ex(c,
                 "SMTP protocol error in \"aUtH lOgIn\" H=(test) [8.8.8.8]\" H=(roxzgj) "
                 "[192.0.2.6] AUTH command used when not advertised"),
              Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
}

TEST(EximParser, MessageRefusedAfterData) {
    // exim-testsuite-0900.log, receive.c
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "rejected from <someone@some.domain> H=(tester) [127.0.0.1]: "
                 "Non-CRLF-terminated header, under CHUNKING: message abandoned"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::message_refused);
    EXPECT_EQ(c.last().sender, "someone@some.domain");
    // Neither port, connection id nor pid: the address alone, for a minute.
    EXPECT_EQ(c.last().key, "127.0.0.1");
    EXPECT_EQ(c.last().idle_seconds, 60);
    EXPECT_EQ(c.last().reply, "Non-CRLF-terminated header, under CHUNKING: message abandoned");
}

TEST(EximParser, LocalScanRejectionIsAMessageRefusedAfterData) {
    // exim-fail2ban-spam.log; receive.c logs it after the whole message,
    // then answers 550 (451 with "temporarily").
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "1UlasQ-0003fr-45 F=mcorporation4@aol.com H=(mail38.fssprus.ru) "
                 "[46.254.240.82]:43671 I=[1.2.3.4]:25 P=esmtp rejected by local_scan(): Rejected",
                 "14127"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::message_refused);
    EXPECT_EQ(c.last().client.addr, "46.254.240.82");
    EXPECT_EQ(c.last().sender, "mcorporation4@aol.com");
    EXPECT_EQ(c.last().reply, "Rejected");
    EXPECT_FALSE(c.last().temporary);
    ASSERT_EQ(ex(c,
                 "1Ai79e-0000Dq-8i F=<a@b.test> H=x.test [4.47.28.40] P=smtp temporarily "
                 "rejected by local_scan(): try later"),
              Parsed::used);
    EXPECT_TRUE(c.last().temporary);
    EXPECT_EQ(c.last().client.addr, "4.47.28.40");
    EXPECT_EQ(c.last().sender, "a@b.test");
    // An F= line of another kind is not a refusal.
    EXPECT_EQ(ex(c, "1Ai79e-0000Dq-8i F=<a@b.test> H=x.test [4.47.28.40] P=smtp accepted"),
              Parsed::ignored);
}

TEST(EximParser, SynchronizationErrorIsImproperPipelining) {
    // exim-fail2ban.log
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "[18505] SMTP protocol synchronization error (next input sent too soon: "
                 "pipelining was not advertised): rejected \"RSET\" H=ba77.mx83.fr "
                 "[82.96.160.77]:58302 I=[1.2.3.4]:25 next input=\"QUIT\\r\\n\""),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::pipelining);
    EXPECT_EQ(c.last().after, "RSET");
    EXPECT_EQ(c.last().input, "QUIT\\r\\n");
    EXPECT_EQ(c.last().client.addr, "82.96.160.77");
    c.events.clear();
    // Pre-greeting traffic does not name pipelining.
    EXPECT_EQ(ex(c,
                 "[13314] SMTP protocol synchronization error (input sent without waiting "
                 "for greeting): rejected connection from H=[211.148.195.192]:25936 "
                 "I=[1.2.3.4]:25 input=\"GET / HTTP/1.1\\r\\n\\r\\n\""),
              Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
}

TEST(EximParser, ArrivalAcceptsARecipient) {
    // exim-testsuite-0900.log: the message id comes first.
    test::Capture c;
    ASSERT_EQ(ex(c,
                 "10HmaX-000000005vi-0000 <= someone@some.domain H=(tester) [127.0.0.1] "
                 "Ci=p1237 P=esmtp K S=sss for CALLER@test.ex"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::accepted);
    EXPECT_TRUE(c.last().recipient_accepted);
    EXPECT_EQ(c.last().queue_id, "10HmaX-000000005vi-0000");
    EXPECT_EQ(c.last().key, "p1237");
}

TEST(EximParser, HostForms) {
    ClientRef client;
    std::string_view helo;
    size_t length = 0;
    ASSERT_TRUE(
        exim::parse_host("rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) "
                         "[24.106.174.74]: 535 Incorrect authentication data",
                         client, helo, length));
    EXPECT_EQ(client.name, "rrcs-24-106-174-74.se.biz.rr.com");
    EXPECT_EQ(helo, "[192.168.2.33]");
    EXPECT_EQ(client.addr, "24.106.174.74");
    EXPECT_EQ(length, 65u);
    EXPECT_FALSE(exim::parse_host("no address here", client, helo, length));
}

TEST(EximParser, BrokenLinesAreMalformed) {
    test::Capture c;
    EXPECT_EQ(ex(c, "H=(outlook.test) rejected RCPT <x@y>: relay not permitted"),
              Parsed::malformed);
    EXPECT_EQ(ex(c, "Start queue run: pid=1234"), Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
}

}  // namespace
}  // namespace milter503::report
