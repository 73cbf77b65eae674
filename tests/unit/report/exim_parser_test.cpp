// NAME
//	exim_parser_test - Exim main log lines of refused recipients and DATA
// DESCRIPTION
//	Exim cannot load a milter and no Exim runs in this project's tests:
//	the lines are built from the format strings in Exim's acl.c
//	("rejected RCPT"), smtp_in.c (synprot_error: "SMTP protocol error in
//	\"DATA\" H=... valid RCPT command must precede DATA") and the `<=`
//	arrival line, with the documented H= host forms.
#include "report/exim_parser.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

TEST(EximParser, ProgramNames) {
    EXPECT_TRUE(is_exim("exim"));
    EXPECT_TRUE(is_exim("exim4"));
    EXPECT_FALSE(is_exim("eximstats"));
}

TEST(EximParser, RejectedRcpt) {
    exim::Event e;
    ASSERT_EQ(parse_exim("H=(outlook.test) [127.0.0.5]:43979 F=<bob@example.test> rejected RCPT "
                         "<someone@remote.test>: relay not permitted",
                         e),
              Parsed::used);
    EXPECT_EQ(e.kind, exim::EventKind::reject_rcpt);
    EXPECT_EQ(e.helo, "outlook.test");
    EXPECT_EQ(e.host_name, "");
    EXPECT_EQ(e.addr, "127.0.0.5");
    EXPECT_EQ(e.port, "43979");
    EXPECT_EQ(e.sender, "bob@example.test");
    EXPECT_EQ(e.recipient, "someone@remote.test");
    EXPECT_EQ(e.text, "relay not permitted");
    EXPECT_FALSE(e.temporary);
}

TEST(EximParser, TemporaryRejectAndRejectedMail) {
    exim::Event e;
    ASSERT_EQ(parse_exim("H=laptop.example.test (laptop) [192.0.2.7] F=<carol@example.test> "
                         "temporarily rejected RCPT <eve@remote.test>: greylisted",
                         e),
              Parsed::used);
    EXPECT_TRUE(e.temporary);
    EXPECT_EQ(e.host_name, "laptop.example.test");
    EXPECT_EQ(e.helo, "laptop");
    ASSERT_EQ(parse_exim("H=[192.0.2.9] rejected MAIL <spam@bad.test>: blocked", e), Parsed::used);
    EXPECT_EQ(e.kind, exim::EventKind::reject_mail);
    EXPECT_EQ(e.sender, "spam@bad.test");
    EXPECT_EQ(e.addr, "192.0.2.9");
}

TEST(EximParser, ProtocolErrorIsThe503) {
    exim::Event e;
    ASSERT_EQ(parse_exim("SMTP protocol error in \"DATA\" H=(outlook.test) [127.0.0.5]:43979 "
                         "valid RCPT command must precede DATA",
                         e),
              Parsed::used);
    EXPECT_EQ(e.kind, exim::EventKind::no_valid_rcpt);
    EXPECT_EQ(e.addr, "127.0.0.5");
    EXPECT_EQ(e.text, "valid RCPT command must precede DATA");
    EXPECT_EQ(parse_exim("SMTP protocol error in \"FOO\" H=[1.2.3.4] unknown command", e),
              Parsed::ignored);
}

TEST(EximParser, ArrivalWithLogin) {
    exim::Event e;
    ASSERT_EQ(parse_exim("1vZ9aB-000abc-Cd <= alice@example.test H=(desk) [192.0.2.8] P=esmtpa "
                         "A=plain:alice@example.test S=512",
                         e),
              Parsed::used);
    EXPECT_EQ(e.kind, exim::EventKind::arrival);
    EXPECT_EQ(e.login, "alice@example.test");
    EXPECT_EQ(e.addr, "192.0.2.8");
    // Local submission: no H=, nothing to join.
    EXPECT_EQ(parse_exim("1vZ9aB-000abc-Cd <= root@mx U=root P=local S=300", e), Parsed::ignored);
}

TEST(EximParser, HostWithIdentAndInterface) {
    exim::Event e;
    ASSERT_TRUE(
        exim::parse_host("mail.example (helo.example) [2001:db8::5]:587 I=[2001:db8::1]:587 "
                         "U=ident",
                         e));
    EXPECT_EQ(e.addr, "2001:db8::5");
    EXPECT_EQ(e.port, "587");
    EXPECT_EQ(e.helo, "helo.example");
    EXPECT_FALSE(exim::parse_host("no address here", e));
}

TEST(EximParser, BrokenLinesAreMalformed) {
    exim::Event e;
    EXPECT_EQ(parse_exim("H=(outlook.test) rejected RCPT <x@y>: relay not permitted", e),
              Parsed::malformed);
    EXPECT_EQ(parse_exim("H=[1.2.3.4] rejected RCPT x@y", e), Parsed::malformed);
    EXPECT_EQ(parse_exim("Start queue run: pid=1234", e), Parsed::ignored);
}

}  // namespace
}  // namespace milter503::report
