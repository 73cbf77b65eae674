// NAME
//	milter_line_test - milter503's finding and summary lines, read back
// DESCRIPTION
//	The lines are written here with policy::format_finding() and
//	policy::format_summary(), the milter's own writers, so that the
//	report reads exactly what the milter writes.
#include "report/milter_line.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

policy::Finding relay_finding() {
    policy::Finding f;
    f.kind = policy::FindingKind::no_accepted_rcpt;
    f.cause = policy::Cause::relay_denied;
    f.conn_id = "3";
    f.client_name = "unknown";
    f.client_addr = "127.0.0.5";
    f.client_port = "40312";
    f.helo = "<script>alert(1)</script>";
    f.daemon_port = "25";
    f.sender = "bob@example.test";
    f.rcpt_rejected = 1;
    f.rejected.push_back({"someone@remote.test", "5.7.1", "Relay access denied"});
    f.advice = "Log in.";
    return f;
}

TEST(MilterLine, ProgramNames) {
    EXPECT_TRUE(is_milter("milter503"));
    EXPECT_TRUE(is_milter("milter503/worker"));
    EXPECT_FALSE(is_milter("milter5030"));
    EXPECT_FALSE(is_milter("opendkim"));
}

TEST(MilterLine, FindingRoundTrip) {
    const std::string line = policy::format_finding(relay_finding());
    MilterLine out;
    ASSERT_EQ(parse_milter_line(line, out), Parsed::used);
    ASSERT_TRUE(out.finding);
    EXPECT_FALSE(out.summary);
    EXPECT_EQ(out.finding->queue_id, "");
    EXPECT_EQ(out.finding->helo, "<script>alert(1)</script>");
    EXPECT_EQ(out.finding->client_port, "40312");
    ASSERT_EQ(out.finding->rejected.size(), 1u);
    EXPECT_EQ(out.finding->rejected[0].text, "Relay access denied");
}

TEST(MilterLine, SummaryLine) {
    MilterLine out;
    ASSERT_EQ(parse_milter_line("summary: client=127.0.0.5 sessions=1 transactions=1 "
                                "findings=no-accepted-rcpt:1,unauthenticated-sender:1 "
                                "cause=relay-denied suppressed=0 first=2026-11-26T05:53:49Z "
                                "last=2026-11-26T05:53:49Z advice=\"Log in.\"",
                                out),
              Parsed::used);
    ASSERT_TRUE(out.summary);
    EXPECT_EQ(out.summary->client_addr, "127.0.0.5");
    EXPECT_EQ(out.summary->findings.size(), 2u);
}

TEST(MilterLine, TruncatedLinesAreMalformedOthersIgnored) {
    std::string line = policy::format_finding(relay_finding());
    // Cut where syslog's line limit would: inside the quoted rejected= value.
    line.resize(line.find("Relay access"));
    MilterLine out;
    EXPECT_EQ(parse_milter_line(line, out), Parsed::malformed);
    EXPECT_EQ(parse_milter_line("summary: client=127.0.0.5 sessions=", out), Parsed::malformed);
    EXPECT_EQ(parse_milter_line("starting: version=0.1.0 socket=inet:8894@127.0.0.1", out),
              Parsed::ignored);
    EXPECT_EQ(parse_milter_line("stopping: status=0", out), Parsed::ignored);
    EXPECT_EQ(parse_milter_line("NOQUEUE: macro=auth_authen phase=envfrom", out), Parsed::ignored);
}

}  // namespace
}  // namespace milter503::report
