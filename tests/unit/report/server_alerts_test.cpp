// NAME
//	server_alerts_test - the server's own problems, from both logs
// DESCRIPTION
//	The milter's alert lines and failed logins, on captured and real
//	lines (tests/data/README.md, tests/data/real/README.md), and the
//	one-hour window of many-logins-failing on sessions made by hand.
#include "report/server_alerts.hpp"

#include <gtest/gtest.h>

#include "report/analyzer.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

Report analyze(const std::vector<std::string>& files) {
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 12, 31, 0, 0, 0};
    static const LocalZone utc = LocalZone::fixed(0);
    Analyzer analyzer(options, utc);
    std::vector<std::string> paths;
    for (const auto& f : files)
        paths.push_back(test::data_path(f));
    analyzer.read_files(paths, [](const std::string& path, const std::string& error) {
        ADD_FAILURE() << path << ": " << error;
    });
    return analyzer.finish();
}

const ServerAlert* find(const Report& r, std::string_view subject) {
    for (const auto& a : r.alerts) {
        if (a.subject == subject)
            return &a;
    }
    return nullptr;
}

TEST(ServerAlerts, TheMilterAlertLineReachesTheReport) {
    // The nat-gateway scenario: five HELO names and sender domains from
    // 127.0.0.42; one alert line (by hand: grep -c 'alert:' milter.log).
    const Report r = analyze({"postfix/nat-gateway/maillog", "postfix/nat-gateway/milter.log"});
    const ServerAlert* nat = find(r, "nat-gateway");
    ASSERT_NE(nat, nullptr);
    EXPECT_EQ(nat->source, "milter");
    EXPECT_EQ(nat->events, 1u);
    EXPECT_EQ(nat->example_client, "127.0.0.42");
    EXPECT_NE(nat->advice.find("NAT gateway"), std::string::npos);
    EXPECT_EQ(r.input.malformed, 0u);
}

TEST(ServerAlerts, ALostAuthenticationServerIsTheAdmins) {
    // postfix-fail2ban.log: one line "SASL LOGIN authentication failed:
    // Connection lost to authentication server" from 1.1.1.1.
    const Report r = analyze({"real/postfix-fail2ban.log"});
    const ServerAlert* down = find(r, "auth-backend-down");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->source, "log");
    EXPECT_EQ(down->events, 1u);
    EXPECT_EQ(down->clients, 1u);
    EXPECT_EQ(down->example_client, "1.1.1.1");
    EXPECT_EQ(down->detail, "Connection lost to authentication server");
    // Its other failed logins (wrong passwords, guessers) are no alert.
    EXPECT_EQ(find(r, "many-logins-failing"), nullptr);
}

// A session of `client` whose login failed and whose relay was refused.
MtaSession failed_login(std::string client, UnixTime start) {
    MtaSession s;
    s.client_addr = std::move(client);
    s.start = start;
    s.auth_failures = 1;
    s.auth_failure = "authentication failure";
    RejectLine line;
    line.reply = "554 5.7.1 <someone@remote.test>: Relay access denied";
    line.at = Stage::rcpt;
    s.rejects.push_back(line);
    s.rejects_total = 1;
    return s;
}

class Drop : public JoinSink {
  public:
    void on_session(MtaSession&&) override {}
    void on_summary(std::string_view, UnixTime, policy::ClientSummary&&) override {}
};

TEST(ServerAlerts, ManyClientsFailingTheirLoginWithinAnHour) {
    Drop next;
    ServerAlerts alerts(next);
    for (int i = 0; i < 5; ++i)
        alerts.on_session(failed_login("192.0.2." + std::to_string(i), 1000 + i * 600));
    const auto out = alerts.build();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].subject, "many-logins-failing");
    EXPECT_EQ(out[0].clients, 5u);
    EXPECT_EQ(out[0].events, 5u);
    EXPECT_EQ(out[0].first, 1000);
    EXPECT_EQ(out[0].last, 3400);
}

TEST(ServerAlerts, FewerClientsOrASpreadOutDayAreNoAlert) {
    Drop next;
    ServerAlerts four(next);
    for (int i = 0; i < 4; ++i)  // one client short, failing again and again
        for (int k = 0; k < 3; ++k)
            four.on_session(failed_login("192.0.2." + std::to_string(i), 1000 + k));
    EXPECT_TRUE(four.build().empty());
    ServerAlerts spread(next);
    for (int i = 0; i < 10; ++i)  // one an hour
        spread.on_session(failed_login("192.0.2." + std::to_string(i), 1000 + i * 3600));
    EXPECT_TRUE(spread.build().empty());
}

}  // namespace
}  // namespace milter503::report
