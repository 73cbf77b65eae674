// The finding log line: exact layout, round trip through parse_finding(),
// and hostile values that must never forge a field or a line.
#include "policy/finding.hpp"

#include "policy/alerts.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <random>
#include <set>

namespace milter503::policy {
namespace {

Finding relay_finding() {
    Finding f;
    f.kind = FindingKind::no_accepted_rcpt;
    f.cause = Cause::relay_denied;
    f.fix = Actor::user;
    f.queue_id = "";
    f.conn_id = "c42";
    f.client_name = "unknown";
    f.client_addr = "127.0.0.5";
    f.client_port = "40312";
    f.helo = "laptop";
    f.daemon_port = "25";
    f.sender = "bob@example.test";
    f.rcpt_ok = 0;
    f.rcpt_rejected = 1;
    f.rejected = {{"someone@remote.test", "4.7.1", "Relay access denied"}};
    f.advice = std::string(cause_advice(Cause::relay_denied));
    return f;
}

void expect_equal(const Finding& a, const Finding& b) {
    EXPECT_EQ(a.kind, b.kind);
    EXPECT_EQ(a.cause, b.cause);
    EXPECT_EQ(a.fix, b.fix);
    EXPECT_EQ(a.queue_id, b.queue_id);
    EXPECT_EQ(a.conn_id, b.conn_id);
    EXPECT_EQ(a.client_name, b.client_name);
    EXPECT_EQ(a.client_addr, b.client_addr);
    EXPECT_EQ(a.client_port, b.client_port);
    EXPECT_EQ(a.helo, b.helo);
    EXPECT_EQ(a.daemon_port, b.daemon_port);
    EXPECT_EQ(a.auth_login, b.auth_login);
    EXPECT_EQ(a.sender, b.sender);
    EXPECT_EQ(a.header_from, b.header_from);
    EXPECT_EQ(a.rcpt_ok, b.rcpt_ok);
    EXPECT_EQ(a.rcpt_rejected, b.rcpt_rejected);
    ASSERT_EQ(a.rejected.size(), b.rejected.size());
    for (size_t i = 0; i < a.rejected.size(); ++i) {
        EXPECT_EQ(a.rejected[i].recipient, b.rejected[i].recipient) << i;
        EXPECT_EQ(a.rejected[i].status, b.rejected[i].status) << i;
        EXPECT_EQ(a.rejected[i].text, b.rejected[i].text) << i;
    }
    EXPECT_EQ(a.rejected_unreported, b.rejected_unreported);
    EXPECT_EQ(a.detail, b.detail);
    EXPECT_EQ(a.advice, b.advice);
}

void expect_round_trip(const Finding& f) {
    const std::string line = format_finding(f);
    const auto parsed = parse_finding(line);
    ASSERT_TRUE(parsed.has_value()) << line;
    expect_equal(*parsed, f);
}

// No control byte, DEL or line break anywhere in a line.
void expect_clean(const std::string& line) {
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_FALSE(u < 0x20 || u == 0x7f) << "byte " << int(u) << " in " << line;
    }
}

TEST(FindingName, NamesRoundTrip) {
    std::set<std::string_view> names;
    for (FindingKind kind : all_finding_kinds) {
        EXPECT_EQ(finding_from_name(finding_name(kind)), kind);
        names.insert(finding_name(kind));
    }
    EXPECT_EQ(names.size(), std::size(all_finding_kinds));
    EXPECT_EQ(finding_name(FindingKind::no_accepted_rcpt), "no-accepted-rcpt");
    EXPECT_EQ(finding_name(FindingKind::unauthenticated_sender), "unauthenticated-sender");
    EXPECT_EQ(finding_name(FindingKind::sender_login_mismatch), "sender-login-mismatch");
    EXPECT_EQ(finding_name(FindingKind::header_from_mismatch), "header-from-mismatch");
    EXPECT_EQ(finding_name(FindingKind::display_name_special), "display-name-special");
    EXPECT_EQ(finding_name(FindingKind::mailbox_full), "mailbox-full");
    EXPECT_FALSE(finding_from_name("no_accepted_rcpt").has_value());
}

TEST(FormatFinding, ExactLayout) {
    const std::string expected =
        "NOQUEUE: finding=no-accepted-rcpt cause=relay-denied fix=user conn=c42 "
        "client=unknown[127.0.0.5]:40312 helo=laptop port=25 auth=- from=<bob@example.test> "
        "rcpt_ok=0 rcpt_rejected=1 rejected=\"<someone@remote.test> 4.7.1 Relay access denied\" "
        "advice=\"Turn on \\\"My outgoing server (SMTP) requires authentication\\\" in the mail "
        "client and log in with the mailbox's user name and password.\"";
    EXPECT_EQ(format_finding(relay_finding()), expected);
}

TEST(FormatFinding, OptionalFieldsAndQueueId) {
    Finding f = relay_finding();
    f.kind = FindingKind::header_from_mismatch;
    f.cause = Cause::sender_not_owned;
    f.queue_id = "4XyZ1k2Lm3";
    f.auth_login = "alice";
    f.header_from = "ceo@example.test";
    f.detail = "From: differs";
    f.rcpt_ok = 2;
    f.rcpt_rejected = 0;
    f.rejected.clear();
    f.advice = "x";
    EXPECT_EQ(format_finding(f),
              "4XyZ1k2Lm3: finding=header-from-mismatch cause=sender-not-owned fix=user conn=c42 "
              "client=unknown[127.0.0.5]:40312 helo=laptop port=25 auth=alice "
              "from=<bob@example.test> header_from=<ceo@example.test> rcpt_ok=2 "
              "rcpt_rejected=0 rejected=- detail=\"From: differs\" advice=x");
}

TEST(FormatFinding, UnreportedAndMultipleRejections) {
    Finding f = relay_finding();
    f.rejected.clear();
    f.rcpt_rejected = 0;
    f.rejected_unreported = true;
    EXPECT_NE(format_finding(f).find(" rejected=unreported "), std::string::npos);
    f.rejected_unreported = false;
    f.rejected = {{"a@x.test", "5.7.1", "Relay access denied"},
                  {"b@x.test", "4.2.0", "Greylisted"}};
    EXPECT_NE(
        format_finding(f).find(" rejected=\"<a@x.test> 5.7.1 Relay access denied; <b@x.test> 4.2.0 "
                               "Greylisted\" "),
        std::string::npos)
        << format_finding(f);
}

TEST(ParseFinding, RoundTripsOrdinaryFindings) {
    expect_round_trip(relay_finding());
    Finding f = relay_finding();
    f.queue_id = "6AP4XYY3010021";
    f.auth_login = "alice@mx.example.test";
    f.header_from = "alice@mx.example.test";
    f.detail = "some detail";
    f.rejected_unreported = false;
    f.rejected.push_back({"x@y.test", "5.1.1", "User unknown"});
    f.rcpt_rejected = 2;
    expect_round_trip(f);
    f.rejected.clear();
    f.rejected_unreported = true;
    expect_round_trip(f);
    f.rejected_unreported = false;
    expect_round_trip(f);
}

TEST(ParseFinding, RoundTripsHostileValues) {
    const std::string hostile[] = {
        "a; <b@c> 5.7.1 x",
        "\"quoted\" \\back\\slash\\",
        "evil\r\nNOQUEUE: finding=mailbox-full",
        "k=v rcpt_ok=99",
        std::string("nul\0byte", 8),
        "\xff\xfe invalid utf-8 \xc3",
        "J\xc3\xbcrgen",
        "\\x3b literal escape text",
        "> 5.7.1 ; <",
        "",
        "  ",
        ";",
        "a]:b[c",
    };
    for (const auto& h : hostile) {
        Finding f = relay_finding();
        f.conn_id = h;
        f.client_name = h;
        f.client_addr = h;
        f.client_port = h + "]:[";
        f.helo = h;
        f.auth_login = h == "-" ? "x" : h;
        f.sender = h;
        f.header_from = h;
        f.detail = h;
        f.advice = h;
        f.rejected = {{h, h, h}, {h + "2", "5.7.1", h}, {"", "", ""}};
        f.rcpt_rejected = 3;
        const std::string line = format_finding(f);
        expect_clean(line);
        SCOPED_TRACE(line);
        expect_round_trip(f);
    }
}

// The measurements: 20 refused recipients with 1,000-byte local
// parts (within Postfix's 2,048-byte command line) made a 17 kB line, a
// 60 kB HELO 120 kB; rsyslog cut them at 8 KiB and the report lost them.
TEST(FormatFinding, LongRecipientsAndHeloFitOneSyslogMessage) {
    Finding f = relay_finding();
    f.helo = std::string(61440, 'H');
    f.rejected.clear();
    for (int i = 0; i < 16; ++i) {
        f.rejected.push_back({std::string(1000, static_cast<char>('a' + i)) + "@remote.test",
                              "5.7.1",
                              "<" + std::string(1000, 'x') + "@remote.test>: Relay access denied"});
    }
    f.rcpt_rejected = 20;  // Session lists 16 at most, counts them all
    const std::string line = format_finding(f);
    EXPECT_LE(line.size(), logfmt::max_line_bytes);
    const auto parsed = parse_finding(line);
    ASSERT_TRUE(parsed.has_value()) << line;
    EXPECT_EQ(parsed->cause, Cause::relay_denied);
    EXPECT_EQ(parsed->client_addr, "127.0.0.5");
    EXPECT_EQ(parsed->rcpt_rejected, 20u);
    EXPECT_EQ(parsed->helo, std::string(255 - logfmt::cut_marker(61440).size(), 'H') +
                                logfmt::cut_marker(61440 - 255 + logfmt::cut_marker(61440).size()));
    ASSERT_FALSE(parsed->rejected.empty());
    const RejectedRcpt& first = parsed->rejected.front();
    EXPECT_TRUE(first.recipient.starts_with("aaaaaaaa")) << first.recipient;
    EXPECT_TRUE(first.recipient.ends_with(" bytes]")) << first.recipient;
    EXPECT_LE(first.recipient.size(), 255u);
    EXPECT_EQ(first.status, "5.7.1");
    // The recipients left out are counted, not silently dropped.
    const std::string unlisted =
        " rejected_unlisted=" + std::to_string(20 - parsed->rejected.size()) + " ";
    EXPECT_NE(line.find(unlisted), std::string::npos) << line;
    // The capped line is a line like any other: written again, unchanged.
    EXPECT_EQ(format_finding(*parsed), line);
}

TEST(FormatFinding, EveryValueLongAndHostileStillFitsTheLimit) {
    const std::string kinds[] = {std::string(70000, '\x01'), std::string(70000, ';'),
                                 std::string(70000, '"'),    std::string(70000, '\xff'),
                                 std::string(70000, '\\'),   std::string(70000, ' ')};
    for (const auto& h : kinds) {
        Finding f = relay_finding();
        f.queue_id = h;
        f.conn_id = "c1";
        f.client_name = h;
        f.client_addr = h;
        f.client_port = h;
        f.helo = h;
        f.daemon_port = h;
        f.auth_login = h;
        f.sender = h;
        f.header_from = h;
        f.detail = h;
        f.rejected = {{h, h, h}, {h, h, h}};
        f.rcpt_rejected = 2;
        const std::string line = format_finding(f);
        SCOPED_TRACE(line.substr(0, 200));
        EXPECT_LE(line.size(), logfmt::max_line_bytes);
        expect_clean(line);
        const auto parsed = parse_finding(line);
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(parsed->kind, FindingKind::no_accepted_rcpt);
        EXPECT_EQ(parsed->cause, Cause::relay_denied);
        EXPECT_EQ(parsed->rejected.size(), 1u);
        EXPECT_NE(line.find(" rejected_unlisted=1 "), std::string::npos);
        EXPECT_EQ(format_finding(*parsed), line);
    }
}

// An admin alert quotes one finding's refused recipients.
TEST(FormatFinding, AnAlertQuotingAHostileFindingFitsTheLimit) {
    Alert alert;
    alert.cause = Cause::server_fault;
    alert.findings = 3;
    alert.clients = 2;
    alert.example = relay_finding();
    alert.example.client_addr = "192.0.2.1";
    const std::string h(70000, '\\');
    alert.example.rejected = {{h, h, h}, {h, h, h}};
    const std::string line = format_alert(alert);
    EXPECT_LE(line.size(), logfmt::max_line_bytes) << line.substr(0, 300);
    EXPECT_NE(line.find("...[cut "), std::string::npos);
}

TEST(FormatFinding, ValuesUnderTheirCapsAreWhole) {
    Finding f = relay_finding();
    f.helo = std::string(255, 'h');
    f.sender = std::string(200, 's') + "@example.test";
    f.client_name = std::string(250, 'n');
    const auto parsed = parse_finding(format_finding(f));
    ASSERT_TRUE(parsed.has_value());
    expect_equal(*parsed, f);
    EXPECT_EQ(format_finding(f).find("...[cut "), std::string::npos);
}

TEST(ParseFinding, FixIsReadAndDefaultsToTheCausesForOlderLines) {
    Finding f = relay_finding();
    f.cause = Cause::domain_not_served;
    f.fix = Actor::admin;
    const auto parsed = parse_finding(format_finding(f));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->fix, Actor::admin);

    // A line written before fix= existed: who acts comes from the cause.
    std::string old = format_finding(f);
    old.erase(old.find(" fix=admin"), std::string_view(" fix=admin").size());
    const auto parsed_old = parse_finding(old);
    ASSERT_TRUE(parsed_old.has_value()) << old;
    EXPECT_EQ(parsed_old->fix, Actor::admin);

    std::string bad = format_finding(f);
    bad.replace(bad.find(" fix=admin"), std::string_view(" fix=admin").size(), " fix=nobody");
    EXPECT_FALSE(parse_finding(bad).has_value()) << bad;
}

TEST(ParseFinding, HostileValuesNeverAddAField) {
    Finding f = relay_finding();
    f.helo = "x finding=mailbox-full cause=deferred";
    f.sender = "a\" rcpt_ok=\"7";
    f.rejected = {{"r\" advice=\"pwned", "5.7.1", "t\nadvice=pwned"}};
    const std::string line = format_finding(f);
    expect_clean(line);
    const auto fields = logfmt::parse_fields(line.substr(line.find(": ") + 2));
    ASSERT_TRUE(fields.has_value());
    EXPECT_EQ(fields->size(), 13u);  // no header_from, no detail
    std::set<std::string> keys;
    for (const auto& field : *fields)
        keys.insert(field.first);
    EXPECT_EQ(keys.size(), fields->size()) << "duplicate key in " << line;
}

TEST(ParseFinding, QueueIdIsAlwaysOneSafeToken) {
    for (const char* qid : {"ABC:DEF", "a b", "x\ny", "NOQUEUE", "\\x41", "q;id=", "-"}) {
        Finding f = relay_finding();
        f.queue_id = qid;
        const std::string line = format_finding(f);
        expect_clean(line);
        const std::string prefix = line.substr(0, line.find(": "));
        for (char c : prefix) {
            EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '\\') << line;
        }
        EXPECT_NE(prefix, "NOQUEUE") << qid;
        const auto parsed = parse_finding(line);
        ASSERT_TRUE(parsed.has_value()) << line;
        EXPECT_EQ(parsed->queue_id, qid);
    }
}

TEST(ParseFinding, ToleratesTrailingNewline) {
    const auto parsed = parse_finding(format_finding(relay_finding()) + "\n");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->advice, relay_finding().advice);
}

TEST(ParseFinding, RejectsLinesThatAreNotFindings) {
    const std::string good = format_finding(relay_finding());
    const std::string not_findings[] = {
        "",
        "NOQUEUE",
        "NOQUEUE:",
        "NOQUEUE: ",
        "summary: client=1.2.3.4 sessions=1",
        "connect from unknown[127.0.0.5]",
        "NOQUEUE: finding=nonsense cause=relay-denied",
        "bad id!: finding=no-accepted-rcpt",
        "A\\x4: " + good.substr(9),
        "A\\q41: " + good.substr(9),
        good.substr(0, good.size() - 5),                         // truncated by syslog
        good.substr(0, good.find(" advice=")),                   // advice missing
        "NOQUEUE: " + good.substr(9, good.find(" cause=") - 9),  // only finding=
    };
    for (const auto& line : not_findings) {
        EXPECT_FALSE(parse_finding(line).has_value()) << line;
    }
}

TEST(ParseFinding, RejectsMalformedValues) {
    const std::string good = format_finding(relay_finding());
    auto replace = [&](std::string_view from, std::string_view to) {
        std::string line = good;
        const size_t pos = line.find(from);
        EXPECT_NE(pos, std::string::npos) << from;
        if (pos != std::string::npos)
            line.replace(pos, from.size(), to);
        return line;
    };
    EXPECT_FALSE(parse_finding(replace("rcpt_ok=0", "rcpt_ok=-1")).has_value());
    EXPECT_FALSE(parse_finding(replace("rcpt_ok=0", "rcpt_ok=99999999999")).has_value());
    EXPECT_FALSE(parse_finding(replace("rcpt_ok=0", "rcpt_ok=1x")).has_value());
    EXPECT_FALSE(parse_finding(replace("cause=relay-denied", "cause=x")).has_value());
    EXPECT_FALSE(parse_finding(replace("from=<bob@example.test>", "from=bob")).has_value());
    EXPECT_FALSE(parse_finding(replace("client=unknown[127.0.0.5]:40312", "client=x")).has_value());
    EXPECT_FALSE(
        parse_finding(replace("\"<someone@remote.test> 4.7.1 Relay access denied\"", "garbage"))
            .has_value());
    EXPECT_FALSE(parse_finding(replace("\"<someone@remote.test> 4.7.1 Relay access denied\"",
                                       "\"<a> 5.7.1 x; \""))
                     .has_value());
    EXPECT_FALSE(parse_finding(replace("\"<someone@remote.test> 4.7.1 Relay access denied\"",
                                       "\"<a> 5.7.1 x\\\\q\""))
                     .has_value());
}

TEST(ParseFinding, RandomGarbageNeverCrashes) {
    std::mt19937 rng(20261125);
    const std::string good = format_finding(relay_finding());
    for (int round = 0; round < 5000; ++round) {
        std::string line = good;
        const int edits = 1 + static_cast<int>(rng() % 6);
        for (int e = 0; e < edits && !line.empty(); ++e) {
            const size_t pos = rng() % line.size();
            switch (rng() % 3) {
                case 0:
                    line[pos] = static_cast<char>(rng() % 256);
                    break;
                case 1:
                    line.erase(pos, 1 + rng() % 8);
                    break;
                default:
                    line.insert(pos, 1, "\"\\=; <>:x"[rng() % 9]);
                    break;
            }
        }
        if (auto parsed = parse_finding(line)) {
            // Whatever parses must format to a line that parses the same.
            const auto again = parse_finding(format_finding(*parsed));
            ASSERT_TRUE(again.has_value()) << line;
            expect_equal(*again, *parsed);
        }
    }
    for (int round = 0; round < 2000; ++round) {
        std::string line(rng() % 200, '\0');
        for (char& c : line)
            c = static_cast<char>(rng() % 256);
        (void)parse_finding(line);
    }
}

}  // namespace
}  // namespace milter503::policy
