// NAME
//	postfix_parser_test - smtpd(8) lines: connect, reject, disconnect, pipelining
// DESCRIPTION
//	The lines are Postfix 3.7.11's, as the integration tests captured them
//	(tests/data/postfix/), trimmed to the message part.
#include "report/postfix_parser.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

TEST(PostfixParser, ProgramNames) {
    EXPECT_TRUE(is_postfix_smtpd("postfix/smtpd"));
    EXPECT_TRUE(is_postfix_smtpd("postfix/submission/smtpd"));
    EXPECT_TRUE(is_postfix_smtpd("postfix-it/smtpd"));
    EXPECT_FALSE(is_postfix_smtpd("postfix/cleanup"));
    EXPECT_FALSE(is_postfix_smtpd("smtpd"));
    EXPECT_FALSE(is_postfix_smtpd("sm-mta"));
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

TEST(PostfixParser, ConnectAndDisconnect) {
    postfix::Event e;
    ASSERT_EQ(parse_postfix_smtpd("connect from unknown[127.0.0.5]:43979", e), Parsed::used);
    EXPECT_EQ(e.kind, postfix::EventKind::connect);
    EXPECT_EQ(e.client.addr, "127.0.0.5");
    ASSERT_EQ(parse_postfix_smtpd("disconnect from unknown[127.0.0.5]:43979 ehlo=1 mail=1 "
                                  "rcpt=0/1 data=0/1 quit=1 commands=3/5",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.kind, postfix::EventKind::disconnect);
    EXPECT_TRUE(e.mail.present);
    EXPECT_EQ(e.mail.ok, 1u);
    EXPECT_EQ(e.rcpt.ok, 0u);
    EXPECT_EQ(e.rcpt.total, 1u);
    EXPECT_EQ(e.data.ok, 0u);     // DATA sent once ...
    EXPECT_EQ(e.data.total, 1u);  // ... and refused
    ASSERT_EQ(parse_postfix_smtpd("disconnect from unknown[127.0.0.10]:57145 ehlo=1 auth=1 "
                                  "mail=1 rcpt=1 data=1 quit=1 commands=6",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.data.ok, 1u);
    EXPECT_EQ(e.data.total, 1u);
    // Postfix < 3.0 logs no statistics: no DATA count.
    ASSERT_EQ(parse_postfix_smtpd("disconnect from mail.example[192.0.2.1]", e), Parsed::used);
    EXPECT_FALSE(e.data.present);
}

TEST(PostfixParser, RejectAtRcpt) {
    postfix::Event e;
    ASSERT_EQ(
        parse_postfix_smtpd("NOQUEUE: reject: RCPT from unknown[127.0.0.6]:55891: 553 5.7.1 "
                            "<bob@example.test>: Sender address rejected: not owned by user "
                            "alice@example.test; from=<bob@example.test> to=<carol@example.test> "
                            "proto=ESMTP helo=<laptop.example.test>",
                            e),
        Parsed::used);
    EXPECT_EQ(e.kind, postfix::EventKind::reject);
    EXPECT_EQ(e.queue_id, "NOQUEUE");
    EXPECT_EQ(e.stage, "RCPT");
    EXPECT_EQ(e.client.port, "55891");
    EXPECT_EQ(e.reply,
              "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user "
              "alice@example.test");
    EXPECT_EQ(e.sender, "bob@example.test");
    EXPECT_EQ(e.recipient, "carol@example.test");
    EXPECT_EQ(e.helo, "laptop.example.test");
    EXPECT_FALSE(e.milter_reject);
}

TEST(PostfixParser, HostileAddressesStayInTheirFields) {
    // From the hostile-session capture: quotes, `=`, `>` and a `; ` inside
    // the reply text.
    postfix::Event e;
    ASSERT_EQ(parse_postfix_smtpd(
                  "NOQUEUE: reject: RCPT from unknown[127.0.0.11]:40621: 554 5.7.1 <odd "
                  "rcpt=\"x\"@remote.test>: Relay access denied; x; from=<a.x=y@example.test> "
                  "to=<\"odd rcpt=\\\"x\\\"\"@remote.test> proto=ESMTP helo=<evil?helo=x?\?\?>",
                  e),
              Parsed::used);
    EXPECT_EQ(e.reply, "554 5.7.1 <odd rcpt=\"x\"@remote.test>: Relay access denied; x");
    EXPECT_EQ(e.sender, "a.x=y@example.test");
    EXPECT_EQ(e.recipient, "\"odd rcpt=\\\"x\\\"\"@remote.test");
    EXPECT_EQ(e.helo, "evil?helo=x?\?\?");
}

TEST(PostfixParser, MilterRejectAndQueueId) {
    postfix::Event e;
    ASSERT_EQ(parse_postfix_smtpd("C2AA511062A: milter-reject: END-OF-MESSAGE from "
                                  "unknown[127.0.0.11]:55695: 5.7.1 spam; from=<a@b> to=<c@d> "
                                  "proto=ESMTP helo=<h>",
                                  e),
              Parsed::used);
    EXPECT_TRUE(e.milter_reject);
    EXPECT_EQ(e.queue_id, "C2AA511062A");
    EXPECT_EQ(e.stage, "END-OF-MESSAGE");
}

TEST(PostfixParser, ClientLineCarriesTheLogin) {
    postfix::Event e;
    ASSERT_EQ(parse_postfix_smtpd("C2AA511062A: client=unknown[127.0.0.11]:55695, "
                                  "sasl_method=PLAIN, sasl_username=alice@example.test",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.kind, postfix::EventKind::client);
    EXPECT_EQ(e.queue_id, "C2AA511062A");
    EXPECT_EQ(e.sasl_username, "alice@example.test");
    ASSERT_EQ(parse_postfix_smtpd("E6984110633: client=unknown[127.0.0.10]:57145", e),
              Parsed::used);
    EXPECT_EQ(e.sasl_username, "");
}

TEST(PostfixParser, ImproperPipelining) {
    postfix::Event e;
    ASSERT_EQ(parse_postfix_smtpd("improper command pipelining after EHLO from "
                                  "unknown[127.0.0.5]:43979: MAIL FROM:<bob@example.test>\\r\\n",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.kind, postfix::EventKind::pipelining);
    EXPECT_EQ(e.after, "EHLO");
    EXPECT_EQ(e.client.addr, "127.0.0.5");
    ASSERT_EQ(parse_postfix_smtpd("warning: improper command pipelining after CONNECT from "
                                  "unknown[127.0.0.5]: x",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.after, "CONNECT");
}

TEST(PostfixParser, OtherLinesAreIgnoredTruncatedOnesMalformed) {
    postfix::Event e;
    EXPECT_EQ(parse_postfix_smtpd("warning: hostname x does not resolve to address 1.2.3.4", e),
              Parsed::ignored);
    EXPECT_EQ(parse_postfix_smtpd("lost connection after DATA from unknown[1.2.3.4]", e),
              Parsed::ignored);
    EXPECT_EQ(parse_postfix_smtpd("C2AA511062A: message-id=<x@y>", e), Parsed::ignored);
    EXPECT_EQ(parse_postfix_smtpd("connect from", e), Parsed::malformed);
    EXPECT_EQ(parse_postfix_smtpd("disconnect from unknown[", e), Parsed::malformed);
    EXPECT_EQ(parse_postfix_smtpd("NOQUEUE: reject: RCPT from unknown[127.0.0.5]:43979", e),
              Parsed::malformed);
    EXPECT_EQ(parse_postfix_smtpd("NOQUEUE: reject: RCPT", e), Parsed::malformed);
    // Cut inside the attributes: the reply is still there.
    ASSERT_EQ(parse_postfix_smtpd("NOQUEUE: reject: RCPT from u[1.2.3.4]: 554 5.7.1 <r>: "
                                  "Relay access denied; from=<bob@exa",
                                  e),
              Parsed::used);
    EXPECT_EQ(e.reply, "554 5.7.1 <r>: Relay access denied");
    EXPECT_EQ(e.sender, "bob@exa");
}

}  // namespace
}  // namespace milter503::report
