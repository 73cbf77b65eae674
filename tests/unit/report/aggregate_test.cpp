// NAME
//	aggregate_test - per-client totals of quiet clients, their promotion, --top
// DESCRIPTION
//	Sessions are built by hand (MtaSession values, as the joiner hands
//	them over), so that each test says which session carries what. A
//	quiet session: nothing refused, flagged or logged against it and no
//	login (aggregate.hpp); such a client is kept in a flat table until a
//	session of interest gives it an entry, and must then show every
//	session it had.
#include "report/aggregate.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace milter503::report {
namespace {

MtaSession quiet_session(std::string addr, UnixTime start, UnixTime end) {
    MtaSession s;
    s.mta = "postfix";
    s.host = "mx1";
    s.client_addr = std::move(addr);
    s.client_name = "unknown";
    s.start = start;
    s.end = end;
    s.ended = true;
    return s;
}

// A relay attempt: RCPT refused, then DATA refused for want of a
// recipient (Postfix's data=0/1 with rcpt=0/1).
MtaSession refused_session(std::string addr, UnixTime start, UnixTime end) {
    MtaSession s = quiet_session(std::move(addr), start, end);
    RejectLine line;
    line.time = start + 1;
    line.stage = "RCPT";
    line.reply = "554 5.7.1 <x@remote.example>: Relay access denied";
    line.sender = "bob@example.org";
    line.recipient = "x@remote.example";
    s.add_reject(line);
    s.rcpt_refused = 1;
    s.data_no_rcpt = 1;
    s.outcome = Outcome::no_rcpt_data_refused;
    return s;
}

Report build(Aggregator& aggregator, size_t top = 0) {
    Report report;
    aggregator.build(top, report);
    return report;
}

TEST(Aggregate, QuietClientsAreCountedButNotReported) {
    Aggregator a;
    a.on_session(quiet_session("192.0.2.1", 100, 110));
    a.on_session(quiet_session("192.0.2.2", 120, 130));
    a.on_session(quiet_session("192.0.2.1", 200, 210));
    a.on_session(quiet_session("2001:db8::1", 300, 310));  // not IPv4: the map
    const Report r = build(a);
    EXPECT_EQ(r.totals.clients_seen, 3u);
    EXPECT_EQ(r.totals.sessions, 4u);
    EXPECT_EQ(r.totals.clients_reported, 0u);
    EXPECT_TRUE(r.clients.empty());
}

TEST(Aggregate, QuietClientTakenIntoTheMapKeepsItsEarlierSessions) {
    Aggregator a;
    a.on_session(quiet_session("192.0.2.1", 100, 110));
    a.on_session(quiet_session("192.0.2.1", 150, 160));
    a.on_session(refused_session("192.0.2.1", 200, 210));
    a.on_session(quiet_session("192.0.2.1", 300, 320));  // in the map now
    const Report r = build(a);
    EXPECT_EQ(r.totals.clients_seen, 1u);
    EXPECT_EQ(r.totals.sessions, 4u);
    ASSERT_EQ(r.clients.size(), 1u);
    const ClientReport& c = r.clients.front();
    EXPECT_EQ(c.address, "192.0.2.1");
    EXPECT_EQ(c.sessions, 4u);
    EXPECT_EQ(c.sessions_503, 1u);
    EXPECT_EQ(c.first_seen, 100);  // the first quiet session's start
    EXPECT_EQ(c.last_seen, 320);
}

// The quiet table holds times as 32-bit differences from its first
// session's: a client seen 95 years later (or at a time no clock has)
// goes to an entry, its earlier sessions and times with it.
TEST(Aggregate, QuietClientsFarApartInTimeKeepTheirTimes) {
    constexpr UnixTime start = 1000000000;
    constexpr UnixTime later = start + 3000000000;
    Aggregator a;
    a.on_session(quiet_session("192.0.2.1", start, start + 10));
    a.on_session(quiet_session("192.0.2.1", later, later + 10));
    a.on_session(quiet_session("192.0.2.2", std::numeric_limits<UnixTime>::min(), 5));
    a.on_session(refused_session("192.0.2.1", start + 50, start + 60));
    a.on_session(refused_session("192.0.2.2", 200, 210));
    const Report r = build(a);
    EXPECT_EQ(r.totals.clients_seen, 2u);
    EXPECT_EQ(r.totals.sessions, 5u);
    ASSERT_EQ(r.clients.size(), 2u);
    for (const ClientReport& c : r.clients) {
        if (c.address == "192.0.2.1") {
            EXPECT_EQ(c.sessions, 3u);
            EXPECT_EQ(c.first_seen, start);
            EXPECT_EQ(c.last_seen, later + 10);
        } else {
            EXPECT_EQ(c.sessions, 2u);
            EXPECT_EQ(c.first_seen, std::numeric_limits<UnixTime>::min());
            EXPECT_EQ(c.last_seen, 210);
        }
    }
}

TEST(Aggregate, AddressesThatAreNotCanonicalIpv4StayDistinct) {
    // "192.0.2.01" is not the text of 192.0.2.1: two clients, as before.
    Aggregator a;
    a.on_session(quiet_session("192.0.2.1", 100, 110));
    a.on_session(quiet_session("192.0.2.01", 120, 130));
    a.on_session(refused_session("192.0.2.01", 140, 150));
    const Report r = build(a);
    EXPECT_EQ(r.totals.clients_seen, 2u);
    ASSERT_EQ(r.clients.size(), 1u);
    EXPECT_EQ(r.clients.front().address, "192.0.2.01");
    EXPECT_EQ(r.clients.front().sessions, 2u);
}

TEST(Aggregate, QuietTableGrowsWithoutLosingClients) {
    // Far more quiet clients than the table's first size (1024 slots).
    Aggregator a;
    for (unsigned i = 0; i < 5000; ++i) {
        const std::string addr = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
        a.on_session(quiet_session(addr, i, i + 1));
    }
    a.on_session(refused_session("10.0.19.135", 9000, 9001));  // client 4999
    const Report r = build(a);
    EXPECT_EQ(r.totals.clients_seen, 5000u);
    EXPECT_EQ(r.totals.sessions, 5001u);
    ASSERT_EQ(r.clients.size(), 1u);
    EXPECT_EQ(r.clients.front().sessions, 2u);
    EXPECT_EQ(r.clients.front().first_seen, 4999);
}

TEST(Aggregate, ClientsLeavingTheQuietTableLeaveTheOthersFindable) {
    // 20 000 quiet clients (long probe chains at 70 % full), then every
    // third one refused: it leaves the table for an entry. Every client is
    // then seen once more, quietly: a broken chain would lose one (a second
    // slot, a client counted twice) or give a refused one a slot again.
    Aggregator a;
    const auto addr = [](unsigned i) {
        return "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250);
    };
    constexpr unsigned clients = 20000;
    for (unsigned i = 0; i < clients; ++i)
        a.on_session(quiet_session(addr(i), 1000 + i, 1001 + i));
    for (unsigned i = 0; i < clients; i += 3)
        a.on_session(refused_session(addr(i), 50000 + i, 50001 + i));
    for (unsigned i = 0; i < clients; ++i)
        a.on_session(quiet_session(addr(i), 90000 + i, 90001 + i));
    const Report r = build(a);
    constexpr unsigned refused = (clients + 2) / 3;
    EXPECT_EQ(r.totals.clients_seen, clients);
    EXPECT_EQ(r.totals.sessions, 2 * clients + refused);
    EXPECT_EQ(r.totals.clients_reported, refused);
    ASSERT_EQ(r.clients.size(), refused);
    for (const ClientReport& c : r.clients) {
        EXPECT_EQ(c.sessions, 3u) << c.address;  // quiet, refused, quiet
        EXPECT_EQ(c.sessions_503, 1u) << c.address;
        EXPECT_LT(c.first_seen, 1000 + clients) << c.address;
        EXPECT_GE(c.last_seen, 90000) << c.address;
    }
}

TEST(Aggregate, TopKeepsTheFirstOfTheOrderAndCountsAllReported) {
    // Order: 503 count, then sessions, then address.
    Aggregator a;
    a.on_session(refused_session("192.0.2.3", 100, 110));
    a.on_session(refused_session("192.0.2.2", 100, 110));
    a.on_session(refused_session("192.0.2.2", 200, 210));
    a.on_session(refused_session("192.0.2.1", 100, 110));
    a.on_session(quiet_session("192.0.2.3", 300, 310));
    const Report r = build(a, 2);
    EXPECT_EQ(r.totals.clients_reported, 3u);
    ASSERT_EQ(r.clients.size(), 2u);
    EXPECT_EQ(r.clients[0].address, "192.0.2.2");  // two 503s
    EXPECT_EQ(r.clients[1].address, "192.0.2.3");  // one 503, two sessions
}

// Equal counts: the address text decides, byte by byte, a shorter text
// first (the ranking compares 8 bytes of it first, then the rest).
TEST(Aggregate, ClientsOfEqualCountsAreOrderedByAddressText) {
    Aggregator a;
    for (const char* addr : {"192.0.2.9", "192.0.2.10", "2001:db8::1", "192.0.2.1", "10.0.0.1",
                             "192.0.2.100", "192.0.2"})
        a.on_session(refused_session(addr, 100, 110));
    a.on_session(refused_session("198.51.100.1", 100, 110));
    a.on_session(refused_session("198.51.100.1", 200, 210));  // two 503s: first
    const Report r = build(a);
    std::vector<std::string> order;
    for (const ClientReport& c : r.clients)
        order.push_back(c.address);
    EXPECT_EQ(order,
              (std::vector<std::string>{"198.51.100.1", "10.0.0.1", "192.0.2", "192.0.2.1",
                                        "192.0.2.10", "192.0.2.100", "192.0.2.9", "2001:db8::1"}));
}

TEST(Aggregate, LatestEvidenceIsTheNewestSessionsLine) {
    Aggregator a;
    a.on_session(refused_session("192.0.2.1", 100, 110));
    MtaSession later = refused_session("192.0.2.1", 200, 210);
    later.rejects.front().recipient = "y@remote.example";
    a.on_session(std::move(later));
    const Report r = build(a);
    ASSERT_EQ(r.clients.size(), 1u);
    ASSERT_EQ(r.clients.front().causes.size(), 1u);
    const CauseReport& cause = r.clients.front().causes.front();
    // Same reply text: one example, the first session's.
    ASSERT_EQ(cause.examples.size(), 1u);
    EXPECT_EQ(cause.examples.front().recipient, "x@remote.example");
    ASSERT_TRUE(cause.latest.has_value());
    EXPECT_EQ(cause.latest->time, 201);
    EXPECT_EQ(cause.latest->recipient, "y@remote.example");
    EXPECT_EQ(cause.first, 101);
    EXPECT_EQ(cause.last, 201);
}

// A client's names, HELOs, logins and hosts: each text once, in the order
// first seen, at most eight (two are held inline, the rest apart: the
// third, the eighth and the ninth are the edges).
TEST(Aggregate, TextListsKeepEachTextOnceInOrderUpToEight) {
    Aggregator a;
    for (int i = 0; i < 12; ++i) {
        MtaSession s = refused_session("192.0.2.7", 100 + 10 * i, 105 + 10 * i);
        s.helo = "helo" + std::to_string(i % 10);  // 0..9, then 0 and 1 again
        s.host = i < 3 ? "mx1" : "mx2";
        a.on_session(std::move(s));
    }
    const Report r = build(a);
    ASSERT_EQ(r.clients.size(), 1u);
    const ClientReport& c = r.clients.front();
    EXPECT_EQ(c.helos, (std::vector<std::string>{"helo0", "helo1", "helo2", "helo3", "helo4",
                                                 "helo5", "helo6", "helo7"}));
    EXPECT_EQ(c.hosts, (std::vector<std::string>{"mx1", "mx2"}));
    EXPECT_TRUE(c.names.empty());  // "unknown" is no name
    EXPECT_TRUE(c.logins.empty());
}

// Who logged an example is kept as the log source table's row: each MTA
// comes back under its own name.
TEST(Aggregate, ExampleLinesKeepWhoLoggedThem) {
    Aggregator a;
    MtaSession postfix = refused_session("192.0.2.8", 100, 110);
    a.on_session(std::move(postfix));
    MtaSession sendmail = refused_session("192.0.2.9", 200, 210);
    sendmail.mta = "sendmail";
    a.on_session(std::move(sendmail));
    const Report r = build(a);
    ASSERT_EQ(r.clients.size(), 2u);
    for (const ClientReport& c : r.clients) {
        ASSERT_EQ(c.causes.size(), 1u);
        ASSERT_FALSE(c.causes.front().examples.empty());
        EXPECT_EQ(c.causes.front().examples.front().mta,
                  c.address == "192.0.2.8" ? "postfix" : "sendmail")
            << c.address;
    }
}

// A client's detail is packed between its sessions and held whole once it
// has had a few (client_record.hpp): the same sessions give the same
// report either way. The second client's five quiet sessions first make
// its detail whole from its first session of interest.
TEST(Aggregate, PackedAndWholeDetailsReportAlike) {
    Aggregator a;
    for (int i = 0; i < 5; ++i)
        a.on_session(quiet_session("192.0.2.21", 10 + i, 11 + i));
    for (const char* addr : {"192.0.2.20", "192.0.2.21"}) {
        MtaSession first = refused_session(addr, 100, 110);
        first.login = "alice";
        first.client_name = "pc.example.org";
        a.on_session(std::move(first));
        MtaSession second = refused_session(addr, 200, 210);
        second.rejects.front().reply = "450 4.7.1 Client host rejected: cannot find your hostname";
        second.pipelining = true;
        second.pipelining_time = 205;
        second.pipelining_after = "MAIL";
        second.pipelining_input = "RCPT TO:<x@remote.example>";
        a.on_session(std::move(second));
    }
    const Report r = build(a);
    ASSERT_EQ(r.clients.size(), 2u);
    const ClientReport& packed = r.clients[0].address == "192.0.2.20" ? r.clients[0] : r.clients[1];
    const ClientReport& whole = &packed == &r.clients[0] ? r.clients[1] : r.clients[0];
    EXPECT_EQ(whole.sessions, 7u);
    EXPECT_EQ(packed.sessions, 2u);
    EXPECT_EQ(packed.names, (std::vector<std::string>{"pc.example.org"}));
    EXPECT_EQ(packed.logins, (std::vector<std::string>{"alice"}));
    ASSERT_TRUE(packed.pipelining.has_value());
    EXPECT_EQ(packed.pipelining->text, "RCPT TO:<x@remote.example>");
    ASSERT_EQ(packed.causes.size(), 2u);
    EXPECT_EQ(packed.names, whole.names);
    EXPECT_EQ(packed.helos, whole.helos);
    EXPECT_EQ(packed.logins, whole.logins);
    EXPECT_EQ(packed.hosts, whole.hosts);
    EXPECT_EQ(packed.findings, whole.findings);
    ASSERT_TRUE(whole.pipelining.has_value());
    EXPECT_EQ(packed.pipelining->stage, whole.pipelining->stage);
    ASSERT_EQ(packed.causes.size(), whole.causes.size());
    for (size_t i = 0; i < packed.causes.size(); ++i) {
        const CauseReport& p = packed.causes[i];
        const CauseReport& w = whole.causes[i];
        EXPECT_EQ(p.slot, w.slot);
        EXPECT_EQ(p.sessions, w.sessions);
        EXPECT_EQ(p.sessions_503, w.sessions_503);
        EXPECT_EQ(p.first, w.first);
        EXPECT_EQ(p.last, w.last);
        EXPECT_EQ(p.advice, w.advice);
        ASSERT_EQ(p.examples.size(), w.examples.size());
        for (size_t j = 0; j < p.examples.size(); ++j)
            EXPECT_EQ(p.examples[j].text, w.examples[j].text);
        ASSERT_TRUE(p.latest && w.latest);
        EXPECT_EQ(p.latest->time, w.latest->time);
        EXPECT_EQ(p.latest->text, w.latest->text);
    }
}

}  // namespace
}  // namespace milter503::report
