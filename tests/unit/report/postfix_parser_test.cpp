// NAME
//	postfix_parser_test - smtpd(8) and cleanup(8) lines as session events
// DESCRIPTION
//	The lines are Postfix 3.7.11's, as the integration tests captured them
//	(tests/data/postfix/), trimmed to the message part, or lines of the
//	real logs in tests/data/real/ (provenance in its README.md).
#include "report/postfix_parser.hpp"

#include <gtest/gtest.h>

#include "event_capture.hpp"

namespace milter503::report {
namespace {

Parsed smtpd(test::Capture& c, std::string message) {
    return c.read(read_postfix_smtpd, "postfix/smtpd", "25880", std::move(message));
}

Parsed cleanup(test::Capture& c, std::string message) {
    return c.read(read_postfix_cleanup, "postfix/cleanup", "8966", std::move(message));
}

TEST(PostfixParser, ProgramNames) {
    EXPECT_TRUE(is_postfix_daemon("postfix/smtpd", "smtpd"));
    EXPECT_TRUE(is_postfix_daemon("postfix/submission/smtpd", "smtpd"));
    EXPECT_TRUE(is_postfix_daemon("postfix-it/smtpd", "smtpd"));
    EXPECT_TRUE(is_postfix_daemon("postfix-smo/submission/smtpd", "smtpd"));
    EXPECT_FALSE(is_postfix_daemon("postfix/cleanup", "smtpd"));
    EXPECT_FALSE(is_postfix_daemon("smtpd", "smtpd"));
    EXPECT_FALSE(is_postfix_daemon("sm-mta", "smtpd"));
    EXPECT_FALSE(is_postfix_daemon("postfix/xsmtpd", "smtpd"));
    EXPECT_EQ(source_for("postfix/postscreen")->name, "postfix-postscreen");
    EXPECT_EQ(source_for("postfix/cleanup")->name, "postfix-cleanup");
    EXPECT_EQ(source_for("postfix/qmgr"), nullptr);
}

TEST(PostfixParser, ClientRefWithAndWithoutPort) {
    ClientRef ref;
    size_t length = 0;
    ASSERT_TRUE(parse_client_ref("unknown[127.0.0.5]:43979 rest", ref, length));
    EXPECT_EQ(ref.name, "unknown");
    EXPECT_EQ(ref.addr, "127.0.0.5");
    EXPECT_EQ(ref.port, "43979");
    EXPECT_EQ(length, 24u);
    ASSERT_TRUE(parse_client_ref("mail.example[2001:db8::1]: x", ref, length));
    EXPECT_EQ(ref.addr, "2001:db8::1");
    EXPECT_EQ(ref.port, "");
    EXPECT_FALSE(parse_client_ref("[1.2.3.4]", ref, length));
    EXPECT_FALSE(parse_client_ref("x[]", ref, length));
    EXPECT_FALSE(parse_client_ref("two words[1.2.3.4]", ref, length));
}

TEST(PostfixParser, TheSessionIsTheProcess) {
    test::Capture c;
    ASSERT_EQ(smtpd(c, "connect from unknown[127.0.0.5]:43979"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::open);
    EXPECT_EQ(c.last().scope, "postfix/smtpd");
    EXPECT_EQ(c.last().key, "25880");
    EXPECT_EQ(c.last().client.addr, "127.0.0.5");
    EXPECT_FALSE(c.last().end_unlogged);  // smtpd logs its disconnect
}

TEST(PostfixParser, DisconnectCounters) {
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "disconnect from unknown[127.0.0.5]:43979 ehlo=1 mail=1 rcpt=0/1 data=0/1 "
                    "quit=1 commands=3/5"),
              Parsed::used);
    const Counters& n = c.last().counters;
    EXPECT_EQ(c.last().kind, EventKind::close);
    EXPECT_TRUE(n.present);
    EXPECT_EQ(n.mail.ok, 1u);
    EXPECT_EQ(n.rcpt.ok, 0u);
    EXPECT_EQ(n.rcpt.total, 1u);
    EXPECT_EQ(n.data.ok, 0u);     // DATA sent once ...
    EXPECT_EQ(n.data.total, 1u);  // ... and refused
    EXPECT_FALSE(n.bdat.present);
    ASSERT_EQ(smtpd(c,
                    "disconnect from unknown[127.0.0.10]:57145 ehlo=1 auth=1 mail=1 rcpt=1 "
                    "data=1 quit=1 commands=6"),
              Parsed::used);
    EXPECT_EQ(c.last().counters.data.ok, 1u);
    EXPECT_EQ(c.last().counters.data.total, 1u);
    // postfix-lightmeter-postscreen.log: RCPT refused, no DATA key: none sent.
    ASSERT_EQ(smtpd(c,
                    "disconnect from h-be8106e24226d8ee7[199.229.127.90] helo=1 mail=1 "
                    "rcpt=0/1 quit=1 commands=3/4"),
              Parsed::used);
    EXPECT_TRUE(c.last().counters.present);
    EXPECT_FALSE(c.last().counters.data.present);
    // Postfix < 3.0 logs no counters (postfix-xsibackup-issue.log).
    ASSERT_EQ(smtpd(c, "disconnect from hostname.example[127.0.0.1]"), Parsed::used);
    EXPECT_FALSE(c.last().counters.present);
}

TEST(PostfixParser, RejectAtRcpt) {
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "NOQUEUE: reject: RCPT from unknown[127.0.0.6]:55891: 553 5.7.1 "
                    "<bob@example.test>: Sender address rejected: not owned by user "
                    "alice@example.test; from=<bob@example.test> to=<carol@example.test> "
                    "proto=ESMTP helo=<laptop.example.test>"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.kind, EventKind::reject);
    EXPECT_EQ(e.queue_id, "");  // NOQUEUE: no recipient accepted
    EXPECT_FALSE(e.recipient_accepted);
    EXPECT_EQ(e.stage, Stage::rcpt);
    EXPECT_EQ(e.stage_text, "RCPT");
    EXPECT_EQ(e.client.port, "55891");
    EXPECT_EQ(e.reply,
              "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user "
              "alice@example.test");
    EXPECT_EQ(e.sender, "bob@example.test");
    EXPECT_EQ(e.recipient, "carol@example.test");
    EXPECT_EQ(e.helo, "laptop.example.test");
}

TEST(PostfixParser, AQueueIdProvesAnAcceptedRecipient) {
    // postfix-lightmeter-reject-then-milter.log: another recipient was
    // accepted before this one was refused.
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "769FF2E0760: reject: RCPT from h-72f555a0840e4b9553[117.165.155.187]: 550 "
                    "5.1.1 <h-f91a317fd08716dbf2@h-ff6b5e9182fd933.com>: Recipient address "
                    "rejected: User unknown in virtual mailbox table; "
                    "from=<h-59bd@h-183bcda0e2fe4.com> "
                    "to=<h-f91a317fd08716dbf2@h-ff6b5e9182fd933.com> proto=ESMTP "
                    "helo=<h-72f555a0840e4b9553>"),
              Parsed::used);
    EXPECT_EQ(c.last().queue_id, "769FF2E0760");
    EXPECT_TRUE(c.last().recipient_accepted);
}

TEST(PostfixParser, DataStageRejects) {
    test::Capture c;
    // postfix-fail2ban.log: smtpd_data_restrictions on BDAT, a milter at DATA.
    ASSERT_EQ(c.read(read_postfix_smtpd, "postfix-smo/submission/smtpd", "22427",
                     "44JCRG5tYPzCqt2: reject: BDAT from signing-milter.example.com[192.0.2.109]: "
                     "550 5.5.3 <DATA>: Data command rejected: Multi-recipient bounce; from=<> "
                     "to=<some@example.com> proto=ESMTP helo=<domain.tld>"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::reject);
    EXPECT_EQ(c.last().stage, Stage::data);
    EXPECT_TRUE(c.last().recipient_accepted);
    ASSERT_EQ(smtpd(c,
                    "1D8CC1CA0A7F: milter-reject: DATA from "
                    "66-220-155-151.mail-mail.facebook.com[192.0.2.151]: 550 5.7.1 Command "
                    "rejected; from=<security@mail.example.com> to=<hostmaster@example.com> "
                    "proto=ESMTP helo=<192-0-2-151.mail-mail.example.com>"),
              Parsed::used);
    EXPECT_EQ(c.last().stage, Stage::data);
    EXPECT_EQ(c.last().reply, "550 5.7.1 Command rejected");
}

TEST(PostfixParser, AnotherMiltersRcptRefusal) {
    // A milter listed after milter503 refused the recipient; Postfix logs it
    // (a log sample in a public repository: the search library's file
    // 18517070487). The queue id: another recipient had been accepted.
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "5A9BA7FE6E: milter-reject: RCPT from webmail.bnet.at[92.62.30.5]: 451 "
                    "4.3.2 Too many errors ! Come back later. - See "
                    "http://helpdesk.ugent.be/email/faq.php; from=<arno.bundschuh@bnet.at> "
                    "to=<xyz.abc@ugent.be> proto=ESMTP helo=<webmail.bnet.at>"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::reject);
    EXPECT_EQ(c.last().stage, Stage::rcpt);
    EXPECT_EQ(c.last().recipient, "xyz.abc@ugent.be");
    EXPECT_TRUE(c.last().recipient_accepted);
}

TEST(PostfixParser, HostileAddressesStayInTheirFields) {
    // From the hostile-session capture: quotes, `=`, `>` and a `; ` inside
    // the reply text.
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "NOQUEUE: reject: RCPT from unknown[127.0.0.11]:40621: 554 5.7.1 <odd "
                    "rcpt=\"x\"@remote.test>: Relay access denied; x; from=<a.x=y@example.test> "
                    "to=<\"odd rcpt=\\\"x\\\"\"@remote.test> proto=ESMTP helo=<evil?helo=x?\?\?>"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.reply, "554 5.7.1 <odd rcpt=\"x\"@remote.test>: Relay access denied; x");
    EXPECT_EQ(e.sender, "a.x=y@example.test");
    EXPECT_EQ(e.recipient, "\"odd rcpt=\\\"x\\\"\"@remote.test");
    EXPECT_EQ(e.helo, "evil?helo=x?\?\?");
}

TEST(PostfixParser, ClientLineCarriesTheLogin) {
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "C2AA511062A: client=unknown[127.0.0.11]:55695, sasl_method=PLAIN, "
                    "sasl_username=alice@example.test"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::accepted);
    EXPECT_EQ(c.last().queue_id, "C2AA511062A");
    EXPECT_EQ(c.last().login, "alice@example.test");
    ASSERT_EQ(smtpd(c, "E6984110633: client=unknown[127.0.0.10]:57145"), Parsed::used);
    EXPECT_EQ(c.last().login, "");
}

TEST(PostfixParser, ImproperPipelining) {
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "improper command pipelining after EHLO from "
                    "unknown[127.0.0.5]:43979: MAIL FROM:<bob@example.test>\\r\\n"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::pipelining);
    EXPECT_EQ(c.last().after, "EHLO");
    EXPECT_EQ(c.last().input, "MAIL FROM:<bob@example.test>\\r\\n");
    EXPECT_EQ(c.last().client.addr, "127.0.0.5");
    ASSERT_EQ(smtpd(c,
                    "warning: improper command pipelining after CONNECT from "
                    "unknown[127.0.0.5]: x"),
              Parsed::used);
    EXPECT_EQ(c.last().after, "CONNECT");
    // postfix-fail2ban.log: no input after the colon, and no colon at all.
    ASSERT_EQ(smtpd(c, "improper command pipelining after DATA from unknown[181.21.131.88]:"),
              Parsed::used);
    EXPECT_EQ(c.last().input, "");
    ASSERT_EQ(smtpd(c, "improper command pipelining after NOOP from unknown[216.245.198.245]"),
              Parsed::used);
    EXPECT_EQ(c.last().after, "NOOP");
}

TEST(PostfixParser, ATlsHandshakeAfterConnect) {
    // tests/data/postfix/tls-on-plaintext-port (Postfix 3.7.11), cut.
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "improper command pipelining after CONNECT from unknown[127.0.0.41]:49767: "
                    "\\026\\003\\001\\002\\000\\001\\000\\001\\374\\003\\003"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::pipelining);
    EXPECT_TRUE(c.last().tls_handshake);
    // Plain text after CONNECT (a client talking first) is no handshake.
    ASSERT_EQ(smtpd(c, "improper command pipelining after CONNECT from unknown[1.2.3.4]: EHLO x"),
              Parsed::used);
    EXPECT_FALSE(c.last().tls_handshake);
}

TEST(PostfixParser, FailedLogins) {
    // postfix-fail2ban.log and the auth-failed scenario (Postfix 3.7.11,
    // with the user name smtpd_sasl_glue.c appends since 3.8's backport).
    test::Capture c;
    ASSERT_EQ(smtpd(c,
                    "warning: unknown[127.0.0.38]:38443: SASL LOGIN authentication failed: "
                    "authentication failure, sasl_username=bob@example.test"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::auth_failed);
    EXPECT_EQ(c.last().client.addr, "127.0.0.38");
    EXPECT_EQ(c.last().client.port, "38443");
    EXPECT_EQ(c.last().reply, "authentication failure");
    EXPECT_EQ(c.last().login, "bob@example.test");
    ASSERT_EQ(smtpd(c,
                    "warning: unknown[1.1.1.1]: SASL LOGIN authentication failed: Connection "
                    "lost to authentication server"),
              Parsed::used);
    EXPECT_EQ(c.last().reply, "Connection lost to authentication server");
    EXPECT_EQ(c.last().login, "");
    ASSERT_EQ(smtpd(c,
                    "warning: unknown[192.0.2.152]: SASL LOGIN authentication failed: (reason "
                    "unavailable), sasl_username=admin"),
              Parsed::used);
    EXPECT_EQ(c.last().login, "admin");
    ASSERT_EQ(smtpd(c, "warning: unknown[192.0.2.150]: SASL PLAIN authentication failed:"),
              Parsed::used);
    EXPECT_EQ(c.last().reply, "");
    c.events.clear();
    EXPECT_EQ(smtpd(c, "warning: unknown[1.2.3.4]: SASL LOGIN authentication aborted"),
              Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
}

TEST(PostfixParser, TooManyErrors) {
    // postfix-fail2ban.log (no queue id, Postfix < 3.x) and smtpd.c's
    // newer form with NOQUEUE.
    test::Capture c;
    ASSERT_EQ(smtpd(c, "too many errors after RCPT from example.com[192.0.2.11]"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::error_limit);
    EXPECT_EQ(c.last().after, "RCPT");
    EXPECT_EQ(c.last().client.addr, "192.0.2.11");
    ASSERT_EQ(smtpd(c, "NOQUEUE: too many errors after AUTH from unknown[1.2.3.4]:2525"),
              Parsed::used);
    EXPECT_EQ(c.last().after, "AUTH");
    EXPECT_EQ(smtpd(c, "too many errors after RCPT from "), Parsed::malformed);
}

TEST(PostfixParser, LostConnectionAfterDataWithoutBytesIsARefusedData) {
    // smtpd.c logs the byte count only in the "DATA content" state, after
    // 354: without it the DATA command itself was refused.
    test::Capture c;
    ASSERT_EQ(smtpd(c, "lost connection after DATA from good-host.example.com[192.0.2.10]"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::data_refused);
    EXPECT_EQ(c.last().client.addr, "192.0.2.10");
    ASSERT_EQ(smtpd(c, "NOQUEUE: lost connection after BDAT from unknown[1.2.3.4]"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::data_refused);
    c.events.clear();
    EXPECT_EQ(smtpd(c, "A1B2C3: lost connection after DATA (1234 bytes) from unknown[1.2.3.4]"),
              Parsed::ignored);
    EXPECT_EQ(smtpd(c, "lost connection after CONNECT from spammer.example.com[192.0.2.10]"),
              Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
}

TEST(PostfixParser, CleanupRefusesTheMessage) {
    test::Capture c;
    // postfix-lightmeter-milter-reject.log
    ASSERT_EQ(cleanup(c,
                      "B37FD2E05B9: milter-reject: END-OF-MESSAGE from "
                      "h-ca74a0a011076cd81347f8f11e[254.65.43.194]: 4.7.1 Try again later; "
                      "from=<bounce+1b6a63.922c68-christoph=h-ffd2115d4f@h-79b594737831a5d176dabf9"
                      ".com> to=<h-7abde52c2@h-ffd2115d4f.com> proto=ESMTP "
                      "helo=<h-ca74a0a011076cd81347f8f11e>"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.kind, EventKind::message_refused);
    EXPECT_EQ(e.key, "");  // joined by its queue id
    EXPECT_EQ(e.queue_id, "B37FD2E05B9");
    EXPECT_EQ(e.stage, Stage::content);
    EXPECT_EQ(e.reply, "4.7.1 Try again later");
    EXPECT_EQ(e.client.addr, "254.65.43.194");
    EXPECT_EQ(cleanup(c, "B37FD2E05B9: message-id=<h-ce543fda118a39748f465e46bebdc3338@x.com>"),
              Parsed::ignored);
}

TEST(PostfixParser, CleanupHeaderChecksAndSize) {
    // cleanup_message.c cleanup_act_log(): "%s: %s: %s %.200s from %s;",
    // the attributes, then ": text". A real line, quoted in
    // mikelward/scripts reportblocked.pl (commit d26dfffee051).
    test::Capture c;
    ASSERT_EQ(cleanup(c,
                      "615E5228012: reject: header Subject: "
                      "=?euc-kr?q?Subscription_Update_-_January_23=2C_2008?= from "
                      "sjl-smtp5.sjl.youtube.com[64.15.123.233]; from=<service@youtube.com> "
                      "to=<mikel@mikelward.com> proto=ESMTP helo=<sjl-smtp5.sjl.youtube.com>: "
                      "5.7.1 554 Character set prohibited.  You have sent a message in a "
                      "language I don't understand."),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::message_refused);
    EXPECT_EQ(c.last().stage_text, "header");
    EXPECT_EQ(c.last().client.addr, "64.15.123.233");
    EXPECT_EQ(c.last().sender, "service@youtube.com");
    EXPECT_EQ(c.last().reply,
              "5.7.1 554 Character set prohibited.  You have sent a message in a language I "
              "don't understand.");
    // smtpd.c and cleanup: msg_warn("%s: queue file size limit exceeded"),
    // as a public log parser's test data quotes a real smtpd line
    // ("Oct  1 07:46:27 u86 postfix/smtpd[2847]: warning: C48C428351: ...").
    ASSERT_EQ(cleanup(c, "warning: C48C428351: queue file size limit exceeded"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::message_refused);
    EXPECT_EQ(c.last().queue_id, "C48C428351");
    ASSERT_EQ(smtpd(c, "warning: C48C428351: queue file size limit exceeded"), Parsed::used);
    EXPECT_EQ(c.last().key, "25880");
}

TEST(PostfixParser, OtherLinesAreIgnoredTruncatedOnesMalformed) {
    test::Capture c;
    EXPECT_EQ(smtpd(c, "warning: hostname x does not resolve to address 1.2.3.4"), Parsed::ignored);
    EXPECT_EQ(smtpd(c, "C2AA511062A: message-id=<x@y>"), Parsed::ignored);
    EXPECT_EQ(smtpd(c, "connect from"), Parsed::malformed);
    EXPECT_EQ(smtpd(c, "disconnect from unknown["), Parsed::malformed);
    EXPECT_EQ(smtpd(c, "NOQUEUE: reject: RCPT from unknown[127.0.0.5]:43979"), Parsed::malformed);
    EXPECT_EQ(smtpd(c, "NOQUEUE: reject: RCPT"), Parsed::malformed);
    EXPECT_TRUE(c.events.empty());
    // Cut inside the attributes: the reply is still there.
    ASSERT_EQ(smtpd(c,
                    "NOQUEUE: reject: RCPT from u[1.2.3.4]: 554 5.7.1 <r>: "
                    "Relay access denied; from=<bob@exa"),
              Parsed::used);
    EXPECT_EQ(c.last().reply, "554 5.7.1 <r>: Relay access denied");
    EXPECT_EQ(c.last().sender, "bob@exa");
    // postfix-crowdsec.log: cut right after the reply.
    ASSERT_EQ(smtpd(c,
                    "NOQUEUE: reject: RCPT from unknown[192.168.1.1]: 554 5.7.1 Service "
                    "unavailable"),
              Parsed::used);
    EXPECT_EQ(c.last().reply, "554 5.7.1 Service unavailable");
}

}  // namespace
}  // namespace milter503::report
