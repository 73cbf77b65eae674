// Per-client statistics: LRU eviction, the per-minute rate limit, the
// sender history, ISO 8601 times and the summary line round trip.
#include "policy/client_table.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace milter503::policy {
namespace {

using std::chrono::seconds;

Clock::time_point at(long long unix_seconds) {
    return Clock::time_point(seconds(unix_seconds));
}

Finding finding_from(const char* addr, FindingKind kind = FindingKind::no_accepted_rcpt,
                     Cause cause = Cause::relay_denied) {
    Finding f;
    f.kind = kind;
    f.cause = cause;
    f.client_addr = addr;
    return f;
}

TEST(Iso8601, FormatsUtcSeconds) {
    EXPECT_EQ(format_iso8601(at(0)), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_iso8601(at(1795581074)), "2026-11-25T04:31:14Z");
    EXPECT_EQ(format_iso8601(at(951782400)), "2000-02-29T00:00:00Z");
    EXPECT_EQ(format_iso8601(at(1795581074) + std::chrono::milliseconds(999)),
              "2026-11-25T04:31:14Z");
}

TEST(Iso8601, ParsesWhatItFormats) {
    for (long long t : {0LL, 1LL, 951782400LL, 1795581074LL, 4102444799LL}) {
        const auto parsed = parse_iso8601(format_iso8601(at(t)));
        ASSERT_TRUE(parsed.has_value()) << t;
        EXPECT_EQ(*parsed, at(t));
    }
}

TEST(Iso8601, RejectsMalformedText) {
    for (const char* bad : {"", "2026-11-25", "2026-11-25T04:31:14", "2026-11-25T04:31:14+00:00",
                            "2026-11-25 04:31:14Z", "2026-13-25T04:31:14Z", "2026-02-30T04:31:14Z",
                            "2025-02-29T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T04:60:00Z",
                            "2026-11-25T04:31:60Z", "2026-11-25T04:31:1aZ", "20261125T043114Z",
                            "+026-11-25T04:31:14Z", "2026-11-25T04:31:14Zx",
                            // Outside what a nanosecond system_clock holds.
                            "1044-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
        EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
    }
}

TEST(TopCause, HighestCountTiesToTheEarlierCause) {
    ClientSummary s;
    EXPECT_FALSE(top_cause(s).has_value());
    s.causes[Cause::deferred] = 2;
    s.causes[Cause::mailbox_full] = 2;
    EXPECT_EQ(top_cause(s), Cause::deferred);  // earlier in all_causes
    s.causes[Cause::left_trusted_network] = 3;
    EXPECT_EQ(top_cause(s), Cause::left_trusted_network);
    ClientSummary zeros;
    zeros.causes[Cause::deferred] = 0;
    EXPECT_FALSE(top_cause(zeros).has_value());
}

TEST(Summary, ExactLayout) {
    ClientSummary s;
    s.client_addr = "127.0.0.5";
    s.sessions = 3;
    s.transactions = 4;
    s.findings[FindingKind::no_accepted_rcpt] = 2;
    s.findings[FindingKind::unauthenticated_sender] = 1;
    s.causes[Cause::relay_denied] = 2;
    s.causes[Cause::sender_not_logged_in] = 1;
    s.suppressed = 0;
    s.first = at(1795581074);
    s.last = at(1795581134);
    EXPECT_EQ(format_summary(s),
              "summary: client=127.0.0.5 sessions=3 transactions=4 "
              "findings=no-accepted-rcpt:2,unauthenticated-sender:1 cause=relay-denied "
              "suppressed=0 first=2026-11-25T04:31:14Z last=2026-11-25T04:32:14Z "
              "advice=\"Turn on \\\"My outgoing server (SMTP) requires authentication\\\" in "
              "the mail client and log in with the mailbox's user name and password.\"");
}

TEST(Summary, NoFindingsWritesDashes) {
    ClientSummary s;
    s.client_addr = "::1";
    s.sessions = 1;
    const std::string line = format_summary(s);
    EXPECT_NE(line.find(" findings=- cause=- "), std::string::npos) << line;
    EXPECT_NE(line.find(" advice=-"), std::string::npos) << line;
    const auto parsed = parse_summary(line);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_TRUE(parsed->findings.empty());
    EXPECT_TRUE(parsed->causes.empty());
}

TEST(Summary, RoundTrip) {
    ClientSummary s;
    s.client_addr = "2001:db8::7";
    s.sessions = 10;
    s.transactions = 12;
    s.findings[FindingKind::no_accepted_rcpt] = 5;
    s.findings[FindingKind::mailbox_full] = 2;
    s.causes[Cause::mailbox_full] = 4;
    s.causes[Cause::deferred] = 3;
    s.suppressed = 7;
    s.first = at(1795000000);
    s.last = at(1795581074);
    const auto parsed = parse_summary(format_summary(s));
    ASSERT_TRUE(parsed.has_value()) << format_summary(s);
    EXPECT_EQ(parsed->client_addr, s.client_addr);
    EXPECT_EQ(parsed->sessions, s.sessions);
    EXPECT_EQ(parsed->transactions, s.transactions);
    EXPECT_EQ(parsed->findings, s.findings);
    EXPECT_EQ(parsed->suppressed, s.suppressed);
    EXPECT_EQ(parsed->first, s.first);
    EXPECT_EQ(parsed->last, s.last);
    EXPECT_EQ(top_cause(*parsed), top_cause(s));
    // Only the top cause is on the line; it carries the finding total.
    ASSERT_EQ(parsed->causes.size(), 1u);
    EXPECT_EQ(parsed->causes.at(Cause::mailbox_full), 7u);
    EXPECT_EQ(format_summary(*parsed), format_summary(s));
}

TEST(Summary, HostileClientAddressStaysOneField) {
    ClientSummary s;
    s.client_addr = "x sessions=999\r\nsummary: client=evil";
    const std::string line = format_summary(s);
    for (char c : line)
        EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20);
    const auto parsed = parse_summary(line);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->client_addr, s.client_addr);
    EXPECT_EQ(parsed->sessions, 0u);
}

TEST(Summary, RejectsOtherLines) {
    ClientSummary s;
    s.client_addr = "127.0.0.1";
    const std::string good = format_summary(s);
    for (const std::string& bad :
         {std::string(), std::string("summary:"), std::string("summary: client=x"),
          std::string("NOQUEUE: finding=no-accepted-rcpt"), "summaryx: " + good.substr(9),
          "summary:" + good.substr(9), good.substr(0, good.find(" last=")),
          std::string(good).replace(good.find("sessions=0"), 10, "sessions=x"),
          std::string(good).replace(good.find("findings=-"), 10, "findings=nonsense:1"),
          std::string(good).replace(good.find("findings=-"), 10, "findings=mailbox-full"),
          std::string(good).replace(good.find("cause=-"), 7, "cause=nonsense"),
          std::string(good).replace(good.find("first="), 6, "first=yesterday")}) {
        EXPECT_FALSE(parse_summary(bad).has_value()) << bad;
    }
}

TEST(ClientTable, CountsSessionsTransactionsFindings) {
    ClientTable table(10, 0);
    table.record_session("127.0.0.5", at(100));
    table.record_session("127.0.0.5", at(110));
    table.record_transactions("127.0.0.5", 3, at(120));
    EXPECT_TRUE(table.record_finding(finding_from("127.0.0.5"), at(130)));
    EXPECT_TRUE(table.record_finding(
        finding_from("127.0.0.5", FindingKind::mailbox_full, Cause::mailbox_full), at(140)));
    ASSERT_EQ(table.size(), 1u);
    const auto snapshot = table.snapshot();
    ASSERT_EQ(snapshot.size(), 1u);
    const ClientSummary& s = snapshot[0];
    EXPECT_EQ(s.client_addr, "127.0.0.5");
    EXPECT_EQ(s.sessions, 2u);
    EXPECT_EQ(s.transactions, 3u);
    EXPECT_EQ(s.findings.at(FindingKind::no_accepted_rcpt), 1u);
    EXPECT_EQ(s.findings.at(FindingKind::mailbox_full), 1u);
    EXPECT_EQ(s.causes.at(Cause::relay_denied), 1u);
    EXPECT_EQ(s.causes.at(Cause::mailbox_full), 1u);
    EXPECT_EQ(s.first, at(100));
    EXPECT_EQ(s.last, at(140));
    EXPECT_EQ(s.suppressed, 0u);
}

TEST(ClientTable, EvictsLeastRecentlySeen) {
    ClientTable table(3, 0);
    table.record_session("a", at(1));
    table.record_session("b", at(2));
    table.record_session("c", at(3));
    table.record_session("a", at(4));  // a is now the most recent
    table.record_session("d", at(5));  // evicts b
    ASSERT_EQ(table.size(), 3u);
    const auto snapshot = table.snapshot();
    ASSERT_EQ(snapshot.size(), 3u);
    EXPECT_EQ(snapshot[0].client_addr, "d");
    EXPECT_EQ(snapshot[1].client_addr, "a");
    EXPECT_EQ(snapshot[2].client_addr, "c");
    EXPECT_EQ(snapshot[1].sessions, 2u);
    table.record_session("b", at(6));  // b comes back fresh, c goes
    EXPECT_EQ(table.snapshot()[0].sessions, 1u);
    EXPECT_EQ(table.snapshot().back().client_addr, "a");
}

TEST(ClientTable, SetLimitsShrinksAndZeroKeepsOne) {
    ClientTable table(10, 0);
    for (int i = 0; i < 10; ++i)
        table.record_session("10.0.0." + std::to_string(i), at(i));
    EXPECT_EQ(table.size(), 10u);
    table.set_limits(4, 0);
    EXPECT_EQ(table.size(), 4u);
    EXPECT_EQ(table.snapshot()[0].client_addr, "10.0.0.9");
    EXPECT_EQ(table.snapshot()[3].client_addr, "10.0.0.6");
    table.set_limits(0, 0);
    EXPECT_EQ(table.size(), 1u);
    table.record_session("new", at(20));
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.snapshot()[0].client_addr, "new");
}

TEST(ClientTable, RateLimitPerClientPerMinute) {
    ClientTable table(10, 3);
    const auto t0 = at(1000);
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0));
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0 + seconds(10)));
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0 + seconds(20)));
    EXPECT_FALSE(table.record_finding(finding_from("a"), t0 + seconds(30)));
    EXPECT_FALSE(table.record_finding(finding_from("a"), t0 + seconds(59)));
    // Another client has its own window.
    EXPECT_TRUE(table.record_finding(finding_from("b"), t0 + seconds(30)));
    // 60 s after the window opened a new one starts.
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0 + seconds(60)));
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0 + seconds(61)));
    EXPECT_TRUE(table.record_finding(finding_from("a"), t0 + seconds(62)));
    EXPECT_FALSE(table.record_finding(finding_from("a"), t0 + seconds(63)));
    const auto snapshot = table.snapshot();
    const auto& a = snapshot[1].client_addr == "a" ? snapshot[1] : snapshot[0];
    ASSERT_EQ(a.client_addr, "a");
    EXPECT_EQ(a.suppressed, 3u);
    EXPECT_EQ(a.findings.at(FindingKind::no_accepted_rcpt), 9u);  // suppressed still count
}

TEST(ClientTable, RateLimitZeroIsUnlimited) {
    ClientTable table(10, 0);
    for (int i = 0; i < 1000; ++i)
        EXPECT_TRUE(table.record_finding(finding_from("a"), at(5)));
    EXPECT_EQ(table.snapshot()[0].suppressed, 0u);
}

TEST(ClientTable, ClockSetBackOpensANewWindow) {
    ClientTable table(10, 1);
    EXPECT_TRUE(table.record_finding(finding_from("a"), at(1000)));
    EXPECT_FALSE(table.record_finding(finding_from("a"), at(1001)));
    EXPECT_TRUE(table.record_finding(finding_from("a"), at(500)));
}

TEST(ClientTable, NewLimitAppliesToTheNextFinding) {
    ClientTable table(10, 1);
    EXPECT_TRUE(table.record_finding(finding_from("a"), at(1000)));
    EXPECT_FALSE(table.record_finding(finding_from("a"), at(1001)));
    table.set_limits(10, 5);
    EXPECT_TRUE(table.record_finding(finding_from("a"), at(1002)));
}

TEST(ClientTable, SenderHistoryIsCaseInsensitiveAndBounded) {
    ClientTable table(2, 0);
    EXPECT_FALSE(table.was_trusted("bob@example.test"));
    table.remember_trusted("Bob@Example.test");
    EXPECT_TRUE(table.was_trusted("bob@example.TEST"));
    table.remember_trusted("carol@example.test");
    table.remember_trusted("bob@example.test");   // refresh bob
    table.remember_trusted("dave@example.test");  // evicts carol
    EXPECT_TRUE(table.was_trusted("bob@example.test"));
    EXPECT_FALSE(table.was_trusted("carol@example.test"));
    EXPECT_TRUE(table.was_trusted("dave@example.test"));
    table.remember_trusted("");
    EXPECT_FALSE(table.was_trusted(""));
    table.set_limits(1, 0);
    EXPECT_TRUE(table.was_trusted("dave@example.test"));
    EXPECT_FALSE(table.was_trusted("bob@example.test"));
}

TEST(ClientTable, ConcurrentUseKeepsCounts) {
    ClientTable table(1000, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&table, t] {
            for (int i = 0; i < 500; ++i) {
                const std::string addr = "10.0." + std::to_string(t) + "." + std::to_string(i % 5);
                table.record_session(addr, at(i));
                table.record_finding(finding_from(addr.c_str()), at(i));
                table.remember_trusted("s" + std::to_string(i) + "@x.test");
                (void)table.was_trusted("s1@x.test");
                (void)table.snapshot();
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(table.size(), 20u);
    unsigned long sessions = 0;
    for (const auto& s : table.snapshot())
        sessions += s.sessions;
    EXPECT_EQ(sessions, 2000u);
}

}  // namespace
}  // namespace milter503::policy
