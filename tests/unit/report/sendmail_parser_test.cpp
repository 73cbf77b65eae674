// NAME
//	sendmail_parser_test - Sendmail lines as session events
// DESCRIPTION
//	The check_rcpt, from= and AUTH= lines are Sendmail 8.17.1.9's as the
//	Sendmail integration tests captured them (tests/data/sendmail/); the
//	others come from the real logs of tests/data/real/ (provenance in its
//	README.md).
#include "report/sendmail_parser.hpp"

#include <gtest/gtest.h>

#include "event_capture.hpp"

namespace milter503::report {
namespace {

Parsed sm(test::Capture& c, std::string message, std::string_view program = "sm-mta") {
    return c.read(read_sendmail, program, "27333", std::move(message));
}

TEST(SendmailParser, ProgramNames) {
    EXPECT_TRUE(is_sendmail("sm-mta"));
    EXPECT_TRUE(is_sendmail("sendmail"));
    EXPECT_TRUE(is_sendmail("sm-msp-queue"));
    EXPECT_TRUE(is_sendmail("sm-acceptingconnections"));  // sendmail-fail2ban-reject.log
    EXPECT_FALSE(is_sendmail("smtpd"));
}

TEST(SendmailParser, CheckRcptReject) {
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "6AQ5s9TG027333: ruleset=check_rcpt, arg1=<someone@remote.test>, "
                 "relay=[127.0.0.5], reject=550 5.7.1 <someone@remote.test>... "
                 "Relaying denied. IP name lookup failed [127.0.0.5]"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.kind, EventKind::reject);
    // The session is the process: Sendmail forks one per connection.
    EXPECT_EQ(e.scope, "sendmail");
    EXPECT_EQ(e.key, "27333");
    EXPECT_TRUE(e.end_unlogged);
    EXPECT_EQ(e.queue_id, "6AQ5s9TG027333");
    EXPECT_FALSE(e.recipient_accepted);  // Sendmail assigns the id at MAIL
    EXPECT_EQ(e.stage, Stage::rcpt);
    EXPECT_EQ(e.stage_text, "check_rcpt");
    EXPECT_EQ(e.recipient, "someone@remote.test");
    EXPECT_EQ(e.client.addr, "127.0.0.5");
    EXPECT_EQ(e.client.name, "");
    // reject= runs to the end of the line, commas and all.
    EXPECT_EQ(e.reply,
              "550 5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed "
              "[127.0.0.5]");
}

TEST(SendmailParser, CheckRelayIsTheConnection) {
    // sendmail-fail2ban-reject.log: no queue id before MAIL.
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "ruleset=check_relay, arg1=189-30-205-74.paebv701.dsl.brasiltelecom.net.br, "
                 "arg2=189.30.205.74, relay=189-30-205-74.paebv701.dsl.brasiltelecom.net.br "
                 "[189.30.205.74], reject=421 4.3.2 Too many open connections."),
              Parsed::used);
    EXPECT_EQ(c.last().stage, Stage::connect);
    EXPECT_EQ(c.last().queue_id, "");
    EXPECT_EQ(c.last().client.addr, "189.30.205.74");
}

TEST(SendmailParser, FromLineEndsATransaction) {
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "6AQ5s9TG027333: from=<bob@example.test>, size=0, class=0, "
                 "nrcpts=0, proto=ESMTP, daemon=MTA, relay=[127.0.0.5]"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::transaction_end);
    EXPECT_EQ(c.last().sender, "bob@example.test");
    EXPECT_EQ(c.last().recipients_accepted, 0u);
    EXPECT_EQ(c.last().client.addr, "127.0.0.5");
    ASSERT_EQ(sm(c,
                 "6AQ5sflN032633: from=<bob@example.test>, size=259, class=0, "
                 "nrcpts=1, msgid=<20261126055441.032632@vm>, proto=ESMTP, "
                 "daemon=MTA, relay=mx.example.test [127.0.0.1]"),
              Parsed::used);
    EXPECT_EQ(c.last().recipients_accepted, 1u);
    EXPECT_EQ(c.last().client.name, "mx.example.test");
    EXPECT_EQ(c.last().client.addr, "127.0.0.1");
    EXPECT_FALSE(c.last().local);
}

TEST(SendmailParser, AuthLineWithoutQueueId) {
    test::Capture c;
    ASSERT_EQ(sm(c, "AUTH=server, relay=[127.0.0.6], authid=alice, mech=PLAIN, bits=0"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::info);
    EXPECT_EQ(c.last().queue_id, "");
    EXPECT_EQ(c.last().login, "alice");
    EXPECT_EQ(c.last().client.addr, "127.0.0.6");
}

TEST(SendmailParser, AuthFailure) {
    // tests/data/sendmail/auth-failed (Sendmail 8.17.1.9, LogLevel 9).
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "6B268j4g029588: AUTH failure (LOGIN): user not found (-20) SASL(-13): user not "
                 "found: checkpass failed, user=bob@example.test, relay=[127.0.0.38]"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::auth_failed);
    EXPECT_EQ(c.last().queue_id, "6B268j4g029588");
    EXPECT_EQ(c.last().client.addr, "127.0.0.38");
    EXPECT_EQ(c.last().login, "bob@example.test");
    EXPECT_EQ(c.last().reply,
              "user not found (-20) SASL(-13): user not found: checkpass failed, "
              "user=bob@example.test");
    // srvrsmtp.c's format without a queue id (e->e_id is absent before
    // MAIL), written here by hand from it: no capture has one.
    ASSERT_EQ(sm(c,
                 "AUTH failure (PLAIN): authentication failure (-13) SASL(-13): "
                 "authentication failure: Password verification failed, "
                 "relay=host.example [192.0.2.5]"),
              Parsed::used);
    EXPECT_EQ(c.last().client.addr, "192.0.2.5");
    EXPECT_EQ(c.last().login, "");
    EXPECT_EQ(sm(c, "AUTH failure (LOGIN): cut short"), Parsed::malformed);
}

TEST(SendmailParser, RecipientError) {
    test::Capture c;
    ASSERT_EQ(sm(c, "6AQ5s9TG027333: <nobody@example.test>... User unknown"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::reject);
    EXPECT_EQ(c.last().stage, Stage::rcpt);
    EXPECT_EQ(c.last().recipient, "nobody@example.test");
    EXPECT_EQ(c.last().reply, "User unknown");
    EXPECT_EQ(c.last().client.addr, "");  // known only from the process's other lines
}

TEST(SendmailParser, RelayForms) {
    ClientRef client;
    EXPECT_TRUE(sendmail::parse_relay("[127.0.0.5]", client));
    EXPECT_EQ(client.name, "");
    EXPECT_EQ(client.addr, "127.0.0.5");
    client = {};
    EXPECT_TRUE(sendmail::parse_relay("host.example [IPv6:2001:db8::1] (may be forged)", client));
    EXPECT_EQ(client.name, "host.example");
    EXPECT_EQ(client.addr, "2001:db8::1");
    client = {};
    EXPECT_TRUE(sendmail::parse_relay("ident@host.example [192.0.2.1]", client));
    EXPECT_EQ(client.name, "host.example");
    EXPECT_EQ(client.addr, "192.0.2.1");
    client = {};
    EXPECT_FALSE(sendmail::parse_relay("root@localhost", client));  // a local submission
    EXPECT_EQ(client.addr, "");
}

TEST(SendmailParser, LocalSubmissionIsNoClient) {
    // The MSP's own from= line, as a user quoted his maillog in a public
    // note (the search library's file 23632309600).
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "r5I9YcUV004201: from=root, size=7516, class=0, nrcpts=1, "
                 "msgid=<201306180934.r5I9YcUV004201@dev.egolife.com>, relay=root@localhost",
                 "sendmail"),
              Parsed::used);
    EXPECT_TRUE(c.last().local);
    EXPECT_EQ(c.last().client.addr, "");
}

TEST(SendmailParser, MarkdownEscapedAsPublished) {
    // sendmail-solaris-blog.log: a blog turned `_` into `\_`, `[` into `\[`
    // and `...` into `&#8230;`; Solaris' `[ID ...]` is the header's.
    test::Capture c;
    ASSERT_EQ(sm(c,
                 "q7B4teTq025741: ruleset=check\\_rcpt, arg1=<my\\_no\\_spam\\_account@gmail.com>, "
                 "relay=you\\_host_name1.com \\[10.23.4.224\\] (may be forged), reject=550 5.7.1 "
                 "<xfsuper@gmail.com>&#8230; Relaying denied. IP name possibly forged "
                 "[10.23.4.224]",
                 "sendmail"),
              Parsed::used);
    EXPECT_EQ(c.last().stage, Stage::rcpt);
    EXPECT_EQ(c.last().client.addr, "10.23.4.224");
}

TEST(SendmailParser, OtherLinesIgnoredBrokenOnesMalformed) {
    test::Capture c;
    EXPECT_EQ(sm(c, "starting daemon (8.17.1.9): SMTP"), Parsed::ignored);
    EXPECT_EQ(sm(c, "6AQ5s9TG027333: Milter: connect to filters"), Parsed::ignored);
    EXPECT_EQ(sm(c, "6AQ5s9TG027333: Milter accept: message"), Parsed::ignored);
    EXPECT_EQ(sm(c, "6AQ5s9TG027333: to=<a@b>, delay=00:00:00, stat=queued"), Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
    EXPECT_EQ(sm(c, "6AQ5s9TG027333: from=<bob@example.test>, size=0, nrcpts=x"),
              Parsed::malformed);
    EXPECT_EQ(sm(c, "6AQ5s9TG027333: from=<bob@example.test>, size=0, nrcpts="), Parsed::malformed);
    EXPECT_EQ(sm(c, "AUTH=server, relay=[127.0.0.6]"), Parsed::malformed);
    EXPECT_TRUE(c.events.empty());
}

}  // namespace
}  // namespace milter503::report
