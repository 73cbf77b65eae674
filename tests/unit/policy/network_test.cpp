// Address parsing and CIDR matching: IPv4, IPv6, IPv4-mapped, the text
// forms MTAs and admins use.
#include "policy/network.hpp"

#include <gtest/gtest.h>

namespace milter503::policy {
namespace {

NetworkList list_of(std::initializer_list<const char*> networks) {
    NetworkList list;
    for (const char* text : networks) {
        std::string error;
        auto cidr = parse_cidr(text, &error);
        EXPECT_TRUE(cidr.has_value()) << text << ": " << error;
        if (cidr)
            list.add(*cidr);
    }
    return list;
}

TEST(ParseIp, Ipv4AndIpv6) {
    auto v4 = parse_ip("192.0.2.7");
    ASSERT_TRUE(v4.has_value());
    EXPECT_FALSE(v4->v6);
    EXPECT_EQ(v4->bytes[0], 192);
    EXPECT_EQ(v4->bytes[3], 7);
    auto v6 = parse_ip("2001:db8::1");
    ASSERT_TRUE(v6.has_value());
    EXPECT_TRUE(v6->v6);
    EXPECT_EQ(v6->bytes[0], 0x20);
    EXPECT_EQ(v6->bytes[15], 1);
}

TEST(ParseIp, SendmailPrefixAndBrackets) {
    EXPECT_TRUE(parse_ip("IPv6:::1").has_value());
    EXPECT_TRUE(parse_ip("ipv6:2001:db8::1").has_value());
    EXPECT_TRUE(parse_ip("[::1]").has_value());
    EXPECT_TRUE(parse_ip("[192.0.2.1]").has_value());
    EXPECT_TRUE(parse_ip("[IPv6:::1]").has_value());
}

TEST(ParseIp, RejectsNonAddresses) {
    for (const char* bad :
         {"", "localhost", "192.0.2", "192.0.2.256", "1.2.3.4.5", "::g", "[::1", "::1]",
          "fe80::1%eth0", " 192.0.2.1", "IPv6:", "[]", "192.0.2.1/32", "unknown"}) {
        EXPECT_FALSE(parse_ip(bad).has_value()) << bad;
    }
}

TEST(ParseCidr, AcceptsTheDocumentedForms) {
    for (const char* good :
         {"192.0.2.0/24", "10.1.2.3", "::1", "[::1]/128", "2001:db8::/32", "IPv6:2001:db8::/32",
          "0.0.0.0/0", "::/0", "[2001:db8::]/48", "::ffff:192.0.2.0/120"}) {
        std::string error;
        EXPECT_TRUE(parse_cidr(good, &error).has_value()) << good << ": " << error;
    }
    auto host = parse_cidr("10.1.2.3");
    ASSERT_TRUE(host.has_value());
    EXPECT_EQ(host->prefix_len, 32u);
    auto host6 = parse_cidr("::1");
    ASSERT_TRUE(host6.has_value());
    EXPECT_EQ(host6->prefix_len, 128u);
}

TEST(ParseCidr, HostBitsUnderTheMaskAreAnError) {
    std::string error;
    EXPECT_FALSE(parse_cidr("192.0.2.1/24", &error).has_value());
    EXPECT_NE(error.find("host bits"), std::string::npos) << error;
    EXPECT_FALSE(parse_cidr("2001:db8::1/64", &error).has_value());
    EXPECT_FALSE(parse_cidr("10.0.0.128/24").has_value());  // null error pointer is fine
    EXPECT_TRUE(parse_cidr("10.0.0.128/25").has_value());
}

TEST(ParseCidr, BadPrefixLengths) {
    for (const char* bad : {"192.0.2.0/33", "::/129", "192.0.2.0/", "192.0.2.0/-1", "192.0.2.0/2a",
                            "192.0.2.0/0024", "/24", "192.0.2.0/24/1"}) {
        std::string error;
        EXPECT_FALSE(parse_cidr(bad, &error).has_value()) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(NetworkList, Ipv4Matching) {
    const auto list = list_of({"192.0.2.0/24", "10.0.0.0/8", "198.51.100.7"});
    EXPECT_TRUE(list.contains("192.0.2.0"));
    EXPECT_TRUE(list.contains("192.0.2.255"));
    EXPECT_FALSE(list.contains("192.0.3.0"));
    EXPECT_TRUE(list.contains("10.255.1.2"));
    EXPECT_TRUE(list.contains("198.51.100.7"));
    EXPECT_FALSE(list.contains("198.51.100.8"));
    EXPECT_FALSE(list.contains("not an address"));
    EXPECT_FALSE(list.contains(""));
}

TEST(NetworkList, OddPrefixLengths) {
    const auto list = list_of({"192.0.2.64/26", "2001:db8:8000::/33"});
    EXPECT_TRUE(list.contains("192.0.2.64"));
    EXPECT_TRUE(list.contains("192.0.2.127"));
    EXPECT_FALSE(list.contains("192.0.2.128"));
    EXPECT_FALSE(list.contains("192.0.2.63"));
    EXPECT_TRUE(list.contains("2001:db8:ffff::1"));
    EXPECT_FALSE(list.contains("2001:db8:7fff::1"));
}

TEST(NetworkList, Ipv6Matching) {
    const auto list = list_of({"::1", "2001:db8::/32"});
    EXPECT_TRUE(list.contains("::1"));
    EXPECT_TRUE(list.contains("IPv6:::1"));
    EXPECT_TRUE(list.contains("2001:db8:1:2::3"));
    EXPECT_FALSE(list.contains("2001:db9::1"));
    EXPECT_FALSE(list.contains("::2"));
}

TEST(NetworkList, FamiliesDoNotMixExceptMapped) {
    const auto v4 = list_of({"0.0.0.0/0"});
    EXPECT_FALSE(v4.contains("2001:db8::1"));
    const auto v6 = list_of({"::/0"});
    EXPECT_FALSE(v6.contains("192.0.2.1"));
}

TEST(NetworkList, MappedClientMatchesIpv4Network) {
    const auto list = list_of({"192.0.2.0/24", "127.0.0.1"});
    EXPECT_TRUE(list.contains("::ffff:192.0.2.7"));
    EXPECT_TRUE(list.contains("IPv6:::ffff:127.0.0.1"));
    EXPECT_FALSE(list.contains("::ffff:192.0.3.7"));
}

TEST(NetworkList, MappedNetworkMatchesIpv4Client) {
    const auto list = list_of({"::ffff:192.0.2.0/120"});
    EXPECT_TRUE(list.contains("192.0.2.9"));
    EXPECT_TRUE(list.contains("::ffff:192.0.2.9"));
    EXPECT_FALSE(list.contains("192.0.3.9"));
}

TEST(NetworkList, EmptyListContainsNothing) {
    NetworkList list;
    EXPECT_TRUE(list.empty());
    EXPECT_FALSE(list.contains("127.0.0.1"));
    EXPECT_FALSE(list.contains("::1"));
}

}  // namespace
}  // namespace milter503::policy
