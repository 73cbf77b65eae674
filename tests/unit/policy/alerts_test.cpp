// Admin alerts: server-wide causes at once then once per interval, a local
// domain whose recipients are all unknown to several clients, and nothing
// for one client's own problems.
#include "policy/alerts.hpp"

#include <gtest/gtest.h>

namespace milter503::policy {
namespace {

using std::chrono::seconds;

Clock::time_point at(long s) {
    return Clock::time_point(seconds(1795581074 + s));
}

Finding finding(Cause cause, const char* client, const char* rcpt = "x@far.test") {
    Finding f;
    f.kind = FindingKind::no_accepted_rcpt;
    f.cause = cause;
    f.fix = cause_fix(cause);
    f.client_addr = client;
    f.rcpt_rejected = 1;
    f.rejected = {{rcpt, "4.3.5", "Server configuration problem"}};
    return f;
}

class AlertsTest : public ::testing::Test {
  protected:
    AlertsTest() { local.add("example.test"); }
    DomainSet local;
    AlertTracker alerts{seconds(600)};
};

TEST_F(AlertsTest, ServerWideCauseAlertsAtOnceThenOncePerInterval) {
    auto first = alerts.on_finding(finding(Cause::server_fault, "192.0.2.1"), local, at(0));
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->cause, Cause::server_fault);
    EXPECT_EQ(first->findings, 1u);
    EXPECT_EQ(first->clients, 1u);

    EXPECT_FALSE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.2"), local, at(10)));
    EXPECT_FALSE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.2"), local, at(20)));
    EXPECT_FALSE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.3"), local, at(599)));
    auto next = alerts.on_finding(finding(Cause::server_fault, "192.0.2.1"), local, at(600));
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->findings, 4u);  // the three held back and this one
    EXPECT_EQ(next->clients, 3u);   // .1 .2 .3
    EXPECT_EQ(next->first, at(10));
}

TEST_F(AlertsTest, EachServerWideCauseHasItsOwnInterval) {
    EXPECT_TRUE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.1"), local, at(0)));
    EXPECT_TRUE(alerts.on_finding(finding(Cause::dnsbl_unusable, "192.0.2.1"), local, at(1)));
    EXPECT_TRUE(alerts.on_finding(finding(Cause::domain_not_served, "192.0.2.1"), local, at(2)));
    EXPECT_FALSE(alerts.on_finding(finding(Cause::dnsbl_unusable, "192.0.2.9"), local, at(3)));
}

TEST_F(AlertsTest, OneClientsOwnCausesNeverAlert) {
    for (Cause cause : {Cause::relay_denied, Cause::mailbox_full, Cause::dnsbl_listed,
                        Cause::greylisted, Cause::policy_reject}) {
        for (int i = 0; i < 20; ++i) {
            const std::string client = "192.0.2." + std::to_string(i);
            EXPECT_FALSE(alerts.on_finding(finding(cause, client.c_str()), local, at(i)))
                << cause_name(cause);
        }
    }
}

TEST_F(AlertsTest, LocalDomainUnknownToThreeClientsAlerts) {
    const auto unknown = [](const char* client, const char* rcpt) {
        return finding(Cause::unknown_recipient, client, rcpt);
    };
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.1", "a@example.test"), local, at(0)));
    // The same client again is no new evidence.
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.1", "b@example.test"), local, at(1)));
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.2", "c@EXAMPLE.test"), local, at(2)));
    // A remote domain is the remote server's business.
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.3", "d@far.test"), local, at(3)));
    auto alert = alerts.on_finding(unknown("192.0.2.3", "e@example.test"), local, at(4));
    ASSERT_TRUE(alert.has_value());
    EXPECT_EQ(alert->domain, "example.test");
    EXPECT_EQ(alert->clients, 3u);
    EXPECT_EQ(alert->findings, 4u);
}

TEST_F(AlertsTest, AnAcceptedRecipientShowsTheDomainWorks) {
    alerts.on_accepted_recipient("<info@example.test>", local, at(0));
    for (int i = 1; i <= 5; ++i) {
        const std::string client = "192.0.2." + std::to_string(i);
        EXPECT_FALSE(alerts.on_finding(
            finding(Cause::unknown_recipient, client.c_str(), "nobody@example.test"), local,
            at(i)));
    }
}

TEST_F(AlertsTest, UnknownRecipientsSpreadOverMoreThanAnIntervalDoNotAdd) {
    const auto unknown = [](const char* client) {
        return finding(Cause::unknown_recipient, client, "typo@example.test");
    };
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.1"), local, at(0)));
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.2"), local, at(700)));
    EXPECT_FALSE(alerts.on_finding(unknown("192.0.2.3"), local, at(1400)));
}

TEST_F(AlertsTest, IntervalZeroTurnsAlertsOff) {
    alerts.set_interval(seconds(0));
    EXPECT_FALSE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.1"), local, at(0)));
}

TEST_F(AlertsTest, SubjectsAreBounded) {
    // A hostile client cannot grow the table with endless subdomains.
    local.add(".example.test");
    for (int i = 0; i < 5000; ++i) {
        const std::string rcpt = "u@d" + std::to_string(i) + ".example.test";
        alerts.on_finding(finding(Cause::unknown_recipient, "192.0.2.1", rcpt.c_str()), local,
                          at(0));
    }
    // Server-wide causes are never crowded out by the capped domains.
    EXPECT_TRUE(alerts.on_finding(finding(Cause::server_fault, "192.0.2.1"), local, at(1)));
}

TEST(FormatAlert, ExactLayout) {
    Alert alert;
    alert.cause = Cause::server_fault;
    alert.findings = 4;
    alert.clients = 3;
    alert.first = at(0);
    alert.example = finding(Cause::server_fault, "192.0.2.1", "x@example.test");
    EXPECT_EQ(format_alert(alert),
              "alert: cause=server-fault fix=admin findings=4 clients=3 "
              "first=2026-11-25T04:31:14Z client=192.0.2.1 "
              "rejected=\"<x@example.test> 4.3.5 Server configuration problem\" advice=\"" +
                  std::string(cause_info(Cause::server_fault).admin_advice) + "\"");
}

TEST(ParseAlert, ReadsBothFormsBack) {
    Alert alert;
    alert.cause = Cause::unknown_recipient;
    alert.domain = "example.test";
    alert.findings = 7;
    alert.clients = 3;
    alert.example = finding(Cause::unknown_recipient, "192.0.2.9", "x@example.test");
    const auto back = parse_alert(format_alert(alert));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->subject, "unknown-recipient");
    EXPECT_EQ(back->domain, "example.test");
    EXPECT_EQ(back->client, "192.0.2.9");
    EXPECT_EQ(back->findings, 7u);
    EXPECT_EQ(back->clients, 3u);
    EXPECT_EQ(back->advice, cause_info(Cause::unknown_recipient).admin_advice);
    // tests/data/postfix/nat-gateway/milter.log (milter503, 2026-12-02).
    const auto nat = parse_alert(
        "alert: condition=nat-gateway fix=admin client=127.0.0.42 helos=5 sender_domains=5 "
        "first=2026-12-02T05:50:21Z advice=\"One private address sends ...\"");
    ASSERT_TRUE(nat.has_value());
    EXPECT_EQ(nat->subject, "nat-gateway");
    EXPECT_EQ(nat->client, "127.0.0.42");
    EXPECT_EQ(nat->findings, 1u);  // no count on the line: one alert
    for (const char* bad : {"alert: fix=admin client=1.2.3.4", "alert: cause=\"unterminated",
                            "alerts: cause=x", "summary: client=1.2.3.4", ""})
        EXPECT_FALSE(parse_alert(bad).has_value()) << bad;
}

}  // namespace
}  // namespace milter503::policy
