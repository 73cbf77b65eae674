// NAT detection: many HELO names and sender domains behind one private
// address alert once per interval; one program, a public address or a
// few senders never do.
#include "policy/nat_detector.hpp"

#include <gtest/gtest.h>

#include <string>

#include "policy/log_format.hpp"

namespace milter503::policy {
namespace {

using std::chrono::seconds;

Clock::time_point at(long s) {
    return Clock::time_point(seconds(1795581074 + s));
}

// Transaction i: HELO host-i.example, sender user@domain-i.example.
std::optional<NatAlert> client_number(NatDetector& nat, const char* addr, int i, long when) {
    const std::string n = std::to_string(i);
    return nat.on_transaction(addr, "host-" + n + ".example", "<user@domain-" + n + ".example>",
                              at(when));
}

TEST(NatDetector, PrivateAddresses) {
    for (const char* addr : {"10.1.2.3", "172.17.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1",
                             "fd00::1", "::1", "169.254.1.1", "fe80::1", "0.0.0.1"})
        EXPECT_TRUE(is_private_address(addr)) << addr;
    for (const char* addr : {"192.0.2.1", "172.32.0.1", "8.8.8.8", "2001:db8::1", "unknown", ""})
        EXPECT_FALSE(is_private_address(addr)) << addr;
}

TEST(NatDetector, ManyClientsBehindDockersGatewayAlertOnce) {
    NatDetector nat(seconds(600));
    for (int i = 0; i < 4; ++i)
        EXPECT_FALSE(client_number(nat, "172.17.0.1", i, i));
    const auto alert = client_number(nat, "172.17.0.1", 4, 4);
    ASSERT_TRUE(alert.has_value());
    EXPECT_EQ(alert->client, "172.17.0.1");
    EXPECT_EQ(alert->helos, 5u);
    EXPECT_EQ(alert->sender_domains, 5u);
    EXPECT_EQ(alert->first, at(0));
    for (int i = 5; i < 50; ++i)
        EXPECT_FALSE(client_number(nat, "172.17.0.1", i, 10 + i));  // within the interval
    // The next interval counts afresh: five more distinct clients.
    for (int i = 100; i < 104; ++i)
        EXPECT_FALSE(client_number(nat, "172.17.0.1", i, 600 + i));
    EXPECT_TRUE(client_number(nat, "172.17.0.1", 104, 704));
}

TEST(NatDetector, OneProgramOrOnePublicAddressNeverAlerts) {
    NatDetector nat(seconds(600));
    // A web app on the same host: one HELO, many sender domains.
    for (int i = 0; i < 20; ++i) {
        const std::string domain = "<app@site-" + std::to_string(i) + ".example>";
        EXPECT_FALSE(nat.on_transaction("127.0.0.1", "web.example", domain, at(i)));
    }
    // A public address with many names: a real (shared) server, not NAT.
    for (int i = 0; i < 20; ++i)
        EXPECT_FALSE(client_number(nat, "192.0.2.7", i, i));
}

TEST(NatDetector, SignsOlderThanTheIntervalDoNotAddUp) {
    NatDetector nat(seconds(600));
    for (int i = 0; i < 4; ++i)
        EXPECT_FALSE(client_number(nat, "10.0.0.2", i, i * 200L));  // 0, 200, 400, 600: new window
    EXPECT_FALSE(client_number(nat, "10.0.0.2", 9, 650));
}

TEST(NatDetector, OffWithIntervalZero) {
    NatDetector nat(seconds(0));
    for (int i = 0; i < 10; ++i)
        EXPECT_FALSE(client_number(nat, "172.17.0.1", i, i));
}

TEST(NatDetector, AlertLineNamesTheConditionAndStaysOneLine) {
    NatAlert alert{"172.17.0.1", 5, 7, at(0)};
    const std::string line = format_nat_alert(alert);
    EXPECT_EQ(line.rfind("alert: condition=nat-gateway fix=admin client=172.17.0.1 helos=5 "
                         "sender_domains=7 first=",
                         0),
              0u)
        << line;
    EXPECT_NE(line.find(" advice=\""), std::string::npos);
    EXPECT_LE(line.size(), logfmt::max_line_bytes);
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace milter503::policy
