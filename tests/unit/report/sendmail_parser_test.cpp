// NAME
//	sendmail_parser_test - Sendmail 8.17 lines of a refused transaction
// DESCRIPTION
//	The check_rcpt, from= and AUTH= lines are Sendmail 8.17.1.9's as the
//	Sendmail integration tests captured them (tests/data/sendmail/).
#include "report/sendmail_parser.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

TEST(SendmailParser, ProgramNames) {
    EXPECT_TRUE(is_sendmail("sm-mta"));
    EXPECT_TRUE(is_sendmail("sendmail"));
    EXPECT_FALSE(is_sendmail("sm-msp-queue"));
}

TEST(SendmailParser, CheckRcptReject) {
    sendmail::Event e;
    ASSERT_EQ(parse_sendmail("6AQ5s9TG027333: ruleset=check_rcpt, arg1=<someone@remote.test>, "
                             "relay=[127.0.0.5], reject=550 5.7.1 <someone@remote.test>... "
                             "Relaying denied. IP name lookup failed [127.0.0.5]",
                             e),
              Parsed::used);
    EXPECT_EQ(e.kind, sendmail::EventKind::reject);
    EXPECT_EQ(e.queue_id, "6AQ5s9TG027333");
    EXPECT_EQ(e.ruleset, "check_rcpt");
    EXPECT_EQ(e.arg1, "someone@remote.test");
    EXPECT_EQ(e.relay_addr, "127.0.0.5");
    EXPECT_EQ(e.relay_name, "");
    // reject= runs to the end of the line, commas and all.
    EXPECT_EQ(e.reply,
              "550 5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed "
              "[127.0.0.5]");
}

TEST(SendmailParser, FromLineWithNoRecipients) {
    sendmail::Event e;
    ASSERT_EQ(parse_sendmail("6AQ5s9TG027333: from=<bob@example.test>, size=0, class=0, "
                             "nrcpts=0, proto=ESMTP, daemon=MTA, relay=[127.0.0.5]",
                             e),
              Parsed::used);
    EXPECT_EQ(e.kind, sendmail::EventKind::from);
    EXPECT_EQ(e.sender, "bob@example.test");
    EXPECT_EQ(e.nrcpts, 0);
    EXPECT_EQ(e.relay_addr, "127.0.0.5");
    ASSERT_EQ(parse_sendmail("6AQ5sflN032633: from=<bob@example.test>, size=259, class=0, "
                             "nrcpts=1, msgid=<20261126055441.032632@vm>, proto=ESMTP, "
                             "daemon=MTA, relay=mx.example.test [127.0.0.1]",
                             e),
              Parsed::used);
    EXPECT_EQ(e.nrcpts, 1);
    EXPECT_EQ(e.relay_name, "mx.example.test");
    EXPECT_EQ(e.relay_addr, "127.0.0.1");
}

TEST(SendmailParser, AuthLineWithoutQueueId) {
    sendmail::Event e;
    ASSERT_EQ(parse_sendmail("AUTH=server, relay=[127.0.0.6], authid=alice, mech=PLAIN, bits=0", e),
              Parsed::used);
    EXPECT_EQ(e.kind, sendmail::EventKind::auth);
    EXPECT_EQ(e.queue_id, "");
    EXPECT_EQ(e.authid, "alice");
    EXPECT_EQ(e.relay_addr, "127.0.0.6");
}

TEST(SendmailParser, RecipientError) {
    sendmail::Event e;
    ASSERT_EQ(parse_sendmail("6AQ5s9TG027333: <nobody@example.test>... User unknown", e),
              Parsed::used);
    EXPECT_EQ(e.kind, sendmail::EventKind::rcpt_error);
    EXPECT_EQ(e.recipient, "nobody@example.test");
    EXPECT_EQ(e.reply, "User unknown");
}

TEST(SendmailParser, RelayForms) {
    std::string_view name;
    std::string_view addr;
    sendmail::parse_relay("[127.0.0.5]", name, addr);
    EXPECT_EQ(name, "");
    EXPECT_EQ(addr, "127.0.0.5");
    sendmail::parse_relay("host.example [IPv6:2001:db8::1] (may be forged)", name, addr);
    EXPECT_EQ(name, "host.example");
    EXPECT_EQ(addr, "2001:db8::1");
    sendmail::parse_relay("ident@host.example [192.0.2.1]", name, addr);
    EXPECT_EQ(name, "host.example");
    EXPECT_EQ(addr, "192.0.2.1");
    sendmail::parse_relay("root@localhost", name, addr);
    EXPECT_EQ(addr, "");
}

TEST(SendmailParser, OtherLinesIgnoredBrokenOnesMalformed) {
    sendmail::Event e;
    EXPECT_EQ(parse_sendmail("starting daemon (8.17.1.9): SMTP", e), Parsed::ignored);
    EXPECT_EQ(parse_sendmail("6AQ5s9TG027333: Milter: connect to filters", e), Parsed::ignored);
    EXPECT_EQ(parse_sendmail("6AQ5s9TG027333: Milter accept: message", e), Parsed::ignored);
    EXPECT_EQ(parse_sendmail("6AQ5s9TG027333: to=<a@b>, delay=00:00:00, stat=queued", e),
              Parsed::ignored);
    EXPECT_EQ(parse_sendmail("6AQ5s9TG027333: from=<bob@example.test>, size=0, nrcpts=x", e),
              Parsed::malformed);
    EXPECT_EQ(parse_sendmail("6AQ5s9TG027333: from=<bob@example.test>, size=0, nrcpts=", e),
              Parsed::malformed);
    EXPECT_EQ(parse_sendmail("AUTH=server, relay=[127.0.0.6]", e), Parsed::malformed);
}

}  // namespace
}  // namespace milter503::report
