// NAME
//	postscreen_parser_test - postscreen(8) lines as session events
// DESCRIPTION
//	The lines come from the real logs of tests/data/real/ (Lightmeter's
//	anonymised log, modoboa-installer issue 56, fail2ban's test data;
//	provenance in its README.md), or, where the corpus has none, are
//	named with the format string of postscreen_smtpd.c they follow.
#include "report/postscreen_parser.hpp"

#include <gtest/gtest.h>

#include "event_capture.hpp"

namespace milter503::report {
namespace {

Parsed ps(test::Capture& c, std::string message) {
    return c.read(read_postfix_postscreen, "postfix/postscreen", "18923", std::move(message));
}

TEST(PostscreenParser, TheSessionIsTheClientsAddressAndPort) {
    test::Capture c;
    ASSERT_EQ(ps(c, "CONNECT from [112.103.199.135]:62464 to [170.45.1.1]:25"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::open);
    EXPECT_EQ(c.last().scope, "postfix/postscreen");
    EXPECT_EQ(c.last().key, "112.103.199.135]:62464");
    EXPECT_EQ(c.last().client.addr, "112.103.199.135");
    EXPECT_EQ(c.last().client.port, "62464");
    ASSERT_EQ(ps(c, "DISCONNECT [112.103.199.135]:62464"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::close);
    EXPECT_EQ(c.last().key, "112.103.199.135]:62464");
    // postscreen logs every DATA: a session that logged none sent none.
    EXPECT_TRUE(c.last().data_always_logged);
}

TEST(PostscreenParser, RcptRefusedWithCommaSeparatedAttributes) {
    test::Capture c;
    ASSERT_EQ(ps(c,
                 "NOQUEUE: reject: RCPT from [112.103.199.135]:62464: 550 5.7.1 Service "
                 "unavailable; client [112.103.199.135] blocked using h-b8ce05d1c068e5c0; "
                 "from=<h-ded9@h-ffeb17e38996c.com>, to=<h-59410666949@h-526472e87.com>, "
                 "proto=ESMTP, helo=<spoxdkooyy>"),
              Parsed::used);
    const SessionEvent& e = c.last();
    EXPECT_EQ(e.kind, EventKind::reject);
    EXPECT_EQ(e.stage, Stage::rcpt);
    EXPECT_EQ(e.reply,
              "550 5.7.1 Service unavailable; client [112.103.199.135] blocked using "
              "h-b8ce05d1c068e5c0");
    EXPECT_EQ(e.sender, "h-ded9@h-ffeb17e38996c.com");
    EXPECT_EQ(e.recipient, "h-59410666949@h-526472e87.com");
    EXPECT_EQ(e.helo, "spoxdkooyy");
    EXPECT_FALSE(e.recipient_accepted);
    // modoboa-installer issue 56: the after-220 tests' soft refusal, and a
    // redacted address.
    ASSERT_EQ(ps(c,
                 "NOQUEUE: reject: RCPT from [y.y.y.y]:32801: 450 4.3.2 Service currently "
                 "unavailable; from=<someone@gmail.com>, to=<someone@myhost.com>, proto=ESMTP, "
                 "helo=<mail-io0-f178.google.com>"),
              Parsed::used);
    EXPECT_EQ(c.last().client.addr, "y.y.y.y");
    EXPECT_EQ(c.last().reply, "450 4.3.2 Service currently unavailable");
}

TEST(PostscreenParser, DataWithoutValidRcptIsThe554) {
    // postscreen_smtpd.c psc_data_cmd(): msg_info("DATA without valid RCPT
    // from [%s]:%s", ...), then 554 5.5.1 Error: no valid recipients.
    test::Capture c;
    ASSERT_EQ(ps(c, "DATA without valid RCPT from [155.63.95.6]:63966"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::no_valid_rcpt);
    EXPECT_EQ(c.last().key, "155.63.95.6]:63966");
    ASSERT_EQ(ps(c, "BDAT without valid RCPT from [155.63.95.6]:63966"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::no_valid_rcpt);
}

TEST(PostscreenParser, CommandPipelining) {
    // postscreen_smtpd.c: "COMMAND PIPELINING from [%s]:%s after %.100s: %s"
    test::Capture c;
    ASSERT_EQ(
        ps(c, "COMMAND PIPELINING from [155.63.95.6]:63966 after EHLO: MAIL FROM:<a@b>\\r\\n"),
        Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::pipelining);
    EXPECT_EQ(c.last().after, "EHLO");
    EXPECT_EQ(c.last().input, "MAIL FROM:<a@b>\\r\\n");
}

TEST(PostscreenParser, TalkingBeforeTheGreetingIsImproperPipelining) {
    // postfix-fail2ban.log and postfix-lightmeter-mail-log-1.log; the
    // TLS handshake is this project's capture's input in postscreen's form.
    test::Capture c;
    ASSERT_EQ(ps(c, "PREGREET 14 after 0.08 from [192.0.2.2]:59415: EHLO ylmf-pc\\r\\n"),
              Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::pipelining);
    EXPECT_EQ(c.last().key, "192.0.2.2]:59415");
    EXPECT_EQ(c.last().after, "CONNECT");
    EXPECT_EQ(c.last().input, "EHLO ylmf-pc\\r\\n");
    EXPECT_EQ(c.last().cause_hint, policy::Cause::improper_pipelining);
    ASSERT_EQ(ps(c,
                 "PREGREET 47 after 0 from [112.103.155.150]:45414: "
                 "\\003\\000\\000/*\\340\\000\\000\\000\\000\\000Cookie: "
                 "mstshash=Administr\\r\\n"),
              Parsed::used);
    EXPECT_FALSE(c.last().tls_handshake);  // an RDP probe, not TLS
    ASSERT_EQ(ps(c, "PREGREET 11 after 0 from [192.0.2.9]:4242: \\026\\003\\001\\002\\000"),
              Parsed::used);
    EXPECT_TRUE(c.last().tls_handshake);
    EXPECT_EQ(c.last().cause_hint, policy::Cause::tls_on_plaintext_port);
    EXPECT_EQ(ps(c, "PREGREET 11 after 0 from 192.0.2.9"), Parsed::malformed);
}

TEST(PostscreenParser, GenericRepliesCarryWhatTheLogSays) {
    test::Capture c;
    // postfix-modoboa-postscreen-issue.log: postscreen_state.c's rcpt_reply
    // for a client in its after-220 tests (it must reconnect).
    ASSERT_EQ(ps(c,
                 "NOQUEUE: reject: RCPT from [y.y.y.y]:32801: 450 4.3.2 Service currently "
                 "unavailable; from=<someone@gmail.com>, to=<someone@myhost.com>, proto=ESMTP, "
                 "helo=<mail-io0-f178.google.com>"),
              Parsed::used);
    EXPECT_EQ(c.last().cause_hint, policy::Cause::greylisted);
    // postscreen_smtpd.c: "BARE NEWLINE from [%s]:%s after %s", then
    // "550 5.5.1 Protocol error" to every RCPT.
    ASSERT_EQ(ps(c, "BARE NEWLINE from [192.0.2.8]:5555 after RCPT"), Parsed::used);
    EXPECT_EQ(c.last().cause_hint, policy::Cause::bare_lf);
    ASSERT_EQ(ps(c,
                 "NOQUEUE: reject: RCPT from [192.0.2.8]:5555: 550 5.5.1 Protocol error; "
                 "from=<a@b.test>, to=<c@d.test>, proto=SMTP, helo=<x>"),
              Parsed::used);
    EXPECT_FALSE(c.last().cause_hint.has_value());  // the session's earlier line says
}

TEST(PostscreenParser, PassHandsTheConnectionOver) {
    // postfix-lightmeter-postscreen.log; postscreen.c's allowlist form.
    test::Capture c;
    ASSERT_EQ(ps(c, "PASS OLD [147.224.63.58]:59944"), Parsed::used);
    EXPECT_EQ(c.last().kind, EventKind::info);
    EXPECT_TRUE(c.last().handed_over);
    EXPECT_EQ(c.last().key, "147.224.63.58]:59944");
    ASSERT_EQ(ps(c, "PASS NEW [199.229.127.90]:50001"), Parsed::used);
    EXPECT_TRUE(c.last().handed_over);
    ASSERT_EQ(ps(c, "WHITELISTED [127.0.0.1]:33668"), Parsed::used);
    EXPECT_TRUE(c.last().handed_over);
    EXPECT_EQ(ps(c, "PASS OLD 147.224.63.58"), Parsed::malformed);
}

TEST(PostscreenParser, OtherLinesAreIgnored) {
    test::Capture c;
    EXPECT_EQ(ps(c, "DNSBL rank 3 for [155.63.95.6]:63966"), Parsed::ignored);
    EXPECT_EQ(ps(c, "HANGUP after 0.07 from [112.103.199.135]:62464 in tests after SMTP handshake"),
              Parsed::ignored);
    EXPECT_TRUE(c.events.empty());
    EXPECT_EQ(ps(c, "DISCONNECT [155.63.95.6]"), Parsed::malformed);
}

}  // namespace
}  // namespace milter503::report
