// NAME
//	client_kind_test - users and strangers, --kind and --user, on real log lines
// DESCRIPTION
//	Every rule of kind_rules() is shown deciding a client of a real log:
//	tests/data/real/ (public logs, provenance in its README) or
//	tests/data/postfix/client-kinds/ (this project's private Postfix 3.7.11
//	and milter503, tests/integration/capture_client_kinds.sh; see
//	tests/data/README.md). Each expectation says which lines prove it.
//	The docs tests fail when report/README.md or milter503-report(1)
//	miss a rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "report/analyzer.hpp"
#include "report/client_kind.hpp"
#include "report/render_html.hpp"
#include "report/render_json.hpp"
#include "report/render_text.hpp"
#include "test_util.hpp"
#include "tests/unit/source_text.hpp"

namespace milter503::report {
namespace {

Report run(const std::vector<std::string>& files, Filters filters = {}, int year = 2026) {
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = year;
    options.now = CivilTime{year, 12, 31, 0, 0, 0};
    options.filters = std::move(filters);
    Analyzer analyzer(options, utc);
    std::vector<std::string> paths;
    paths.reserve(files.size());
    for (const auto& f : files)
        paths.push_back(test::data_path(f));
    analyzer.read_files(paths, [&](const std::string& path, const std::string& error) {
        ADD_FAILURE() << path << ": " << error;
    });
    return analyzer.finish();
}

const ClientReport* client(const Report& r, std::string_view addr) {
    for (const auto& c : r.clients) {
        if (c.address == addr)
            return &c;
    }
    ADD_FAILURE() << "no client " << addr;
    return nullptr;
}

void expect_kind(const Report& r, std::string_view addr, ClientKind kind, std::string_view rule) {
    const ClientReport* c = client(r, addr);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(kind_name(c->kind), kind_name(kind)) << addr;
    EXPECT_EQ(c->kind_rule, rule) << addr;
}

const std::vector<std::string> kinds_logs = {"postfix/client-kinds/maillog",
                                             "postfix/client-kinds/milter.log"};

// ---- one test per rule, on real lines ---------------------------------------

TEST(ClientKind, LoggedInFromPostfixSaslUsername) {
    // postfix-xsibackup-issue.log: `3r4C9S5SrvzbbYr: client=hostname.example[127.0.0.1],
    // sasl_method=LOGIN, sasl_username=postmaster@example`, then improper pipelining.
    const Report r = run({"real/postfix-xsibackup-issue.log"}, {}, 2021);
    expect_kind(r, "127.0.0.1", ClientKind::user, "logged-in");
}

TEST(ClientKind, LoggedInFromTheMilterAuthField) {
    // postfix/sender-login-mismatch: Postfix logs no sasl_username line for the refused
    // transaction; the milter's finding says auth=alice@example.test.
    const Report r =
        run({"postfix/sender-login-mismatch/maillog", "postfix/sender-login-mismatch/milter.log"});
    expect_kind(r, "127.0.0.6", ClientKind::user, "logged-in");
}

TEST(ClientKind, LoggedInOnSendmail) {
    // sendmail/header-from-mismatch (Sendmail 8.17.1.9): `AUTH=server, relay=[127.0.0.7],
    // authid=alice, mech=PLAIN`; the milter's finding (auth=alice) flags the session.
    const Report r =
        run({"sendmail/header-from-mismatch/maillog", "sendmail/header-from-mismatch/milter.log"});
    expect_kind(r, "127.0.0.7", ClientKind::user, "logged-in");
}

TEST(ClientKind, LeftTrustedNetworkFromTheMilter) {
    // client-kinds: 127.0.0.21 sends as alice@example.test without a login; the milter's
    // findings for both sessions say cause=left-trusted-network (alice logged in before).
    const Report r = run(kinds_logs);
    expect_kind(r, "127.0.0.21", ClientKind::user, "left-trusted-network");
}

TEST(ClientKind, MailboxSenderWithoutTheMilter) {
    // The same sessions from Postfix's log alone: alice@example.test logged in from
    // 127.0.0.10 (`sasl_username=alice@example.test`), and 127.0.0.21's reject lines say
    // from=<alice@example.test>.
    const Report r = run({"postfix/client-kinds/maillog"});
    expect_kind(r, "127.0.0.21", ClientKind::user, "mailbox-sender");
}

TEST(ClientKind, ManySenders) {
    // client-kinds: 127.0.0.20's six reject lines name from=<anna@shop1.test> ...
    // from=<fred@shop6.test>, HELO mailer.example.net (a name: address-helo does not hold).
    const Report r = run(kinds_logs);
    expect_kind(r, "127.0.0.20", ClientKind::stranger, "many-senders");
}

TEST(ClientKind, AddressHeloBareAndPublicLiteral) {
    // client-kinds: helo=<203.0.113.9>, a bare address.
    expect_kind(run(kinds_logs), "127.0.0.22", ClientKind::stranger, "address-helo");
    // postfix-fail2ban.log: helo=<[192.0.2.246]> (a bracketed literal of a public address) and
    // helo=<192.51.100.43> (bare); 1.2.3.4 gave helo=<198.51.100.17> in one of its sessions.
    const Report r = run({"real/postfix-fail2ban.log"}, {}, 2021);
    expect_kind(r, "192.0.2.246", ClientKind::stranger, "address-helo");
    expect_kind(r, "192.51.100.43", ClientKind::stranger, "address-helo");
    expect_kind(r, "1.2.3.4", ClientKind::stranger, "address-helo");
    // exim-fail2ban-spam.log: `H=([2.181.148.95]) [2.181.148.95]`.
    expect_kind(run({"real/exim-fail2ban-spam.log"}, {}, 2021), "2.181.148.95",
                ClientKind::stranger, "address-helo");
}

TEST(ClientKind, RefusedLoginIsNoLogin) {
    // postfix/auth-failed (the lead's capture, tests/data/README.md): `warning:
    // unknown[127.0.0.38]:38443: SASL LOGIN authentication failed: authentication failure,
    // sasl_username=bob@example.test`, then a relay attempt as bob. The name a refused AUTH
    // tried is no login (a password guesser tries them all): no rule holds.
    const Report r = run({"postfix/auth-failed/maillog", "postfix/auth-failed/milter.log"});
    expect_kind(r, "127.0.0.38", ClientKind::unknown, "");
    EXPECT_TRUE(client(r, "127.0.0.38")->logins.empty());
}

TEST(ClientKind, PrivateLiteralHeloIsNoSign) {
    // postfix-mailtrap-issue.log: helo=<[127.0.0.1]> from 192.168.0.99 (an application in
    // a container), one sender, no login: no rule holds.
    expect_kind(run({"real/postfix-mailtrap-issue.log"}, {}, 2021), "192.168.0.99",
                ClientKind::unknown, "");
}

TEST(ClientKind, ForgedOwnDomainSenderIsNoSign) {
    // postfix-lightmeter-mail-log-1.log: 112.103.199.135 is refused by a DNSBL with
    // from=<h-ded9@h-ffeb17e38996c.com>, the domain of the server's logins
    // (sasl_username=h-aaf4c@h-ffeb17e38996c.com), but h-ded9 never logged in.
    expect_kind(run({"real/postfix-lightmeter-mail-log-1.log"}, {}, 2021), "112.103.199.135",
                ClientKind::unknown, "");
}

TEST(ClientKind, NoRuleIsUnknown) {
    // postfix-crowdsec.log: 192.168.1.1, HELOs WIN-CLJ1B0GQ6JP and WIN-9QL4SDRB93L, one
    // sender (spammer@domain.tld), no login.
    expect_kind(run({"real/postfix-crowdsec.log"}, {}, 2021), "192.168.1.1", ClientKind::unknown,
                "");
}

TEST(ClientKind, TotalsCountEachKind) {
    const Report r = run(kinds_logs);
    EXPECT_EQ(r.totals.clients_by_kind[static_cast<size_t>(ClientKind::user)], 1u);      // .21
    EXPECT_EQ(r.totals.clients_by_kind[static_cast<size_t>(ClientKind::stranger)], 2u);  // .20 .22
    EXPECT_EQ(r.totals.clients_by_kind[static_cast<size_t>(ClientKind::unknown)], 0u);
}

// ---- --kind and the text report --------------------------------------------

TEST(ClientKind, KindFilterKeepsOnlyThatKind) {
    Filters users;
    users.kind = ClientKind::user;
    const Report r = run(kinds_logs, users);
    ASSERT_EQ(r.clients.size(), 1u);
    EXPECT_EQ(r.clients[0].address, "127.0.0.21");
    EXPECT_EQ(r.totals.clients_reported, 1u);
    Filters strangers;
    strangers.kind = ClientKind::stranger;
    EXPECT_EQ(run(kinds_logs, strangers).clients.size(), 2u);
}

TEST(ClientKind, TextListsUsersAndSumsUpStrangersInOneBlock) {
    const std::string text = render_text(run(kinds_logs));
    // The table has the user only.
    EXPECT_NE(text.find("\n127.0.0.21  "), std::string::npos) << text;
    EXPECT_EQ(text.find("\n127.0.0.20  "), std::string::npos) << text;
    EXPECT_NE(text.find("  kind: user (left-trusted-network)\n"), std::string::npos) << text;
    // Strangers: 127.0.0.20 (6 sessions) and 127.0.0.22 (1), all 503s (data=0/1), all
    // relay-denied (the milter's findings and Postfix's reject lines), one /24.
    EXPECT_NE(text.find("strangers (kind stranger; --kind stranger lists them): 2 clients, 7 "
                        "sessions, 503/554: 7\n"
                        "  top causes (sessions): relay-denied 7\n"
                        "  top sources (clients): 127.0.0.0/24 2\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("\n127.0.0.20\n"), std::string::npos) << text;  // no block of its own
}

TEST(ClientKind, UsersComeFirstInTheText) {
    // postfix-crowdsec.log's 192.168.1.1 (unknown: 4 sessions with refused recipients) sorts
    // before postfix-xsibackup-issue.log's 127.0.0.1 (user, logged-in: 1 improper pipelining)
    // in the report; the text lists the user first, in the table and the blocks.
    const Report r =
        run({"real/postfix-crowdsec.log", "real/postfix-xsibackup-issue.log"}, {}, 2021);
    ASSERT_EQ(r.clients.size(), 2u);
    EXPECT_EQ(r.clients[0].address, "192.168.1.1");
    const std::string text = render_text(r);
    const size_t user_row = text.find("\n127.0.0.1  ");
    const size_t unknown_row = text.find("\n192.168.1.1  ");
    ASSERT_NE(user_row, std::string::npos) << text;
    EXPECT_LT(user_row, unknown_row) << text;
    EXPECT_LT(text.find("\n127.0.0.1 (hostname.example)\n"),
              text.find("\n192.168.1.1 (static.1.1.168.192.client.domain.xyz)\n"))
        << text;
}

TEST(ClientKind, KindStrangerListsThemOneByOne) {
    Filters strangers;
    strangers.kind = ClientKind::stranger;
    const std::string text = render_text(run(kinds_logs, strangers));
    EXPECT_NE(text.find("\n127.0.0.20\n  kind: stranger (many-senders)\n"), std::string::npos)
        << text;
    EXPECT_EQ(text.find("strangers (kind stranger"), std::string::npos) << text;
}

TEST(ClientKind, HtmlListsUsersAndSumsUpStrangers) {
    const std::string html = render_html(run(kinds_logs));
    EXPECT_NE(html.find("<tr><th>Kind</th><td>user (left-trusted-network)</td></tr>"),
              std::string::npos);
    EXPECT_NE(html.find("<h2>Strangers</h2>\n<p>2 clients of kind stranger (--kind stranger lists "
                        "them), 7 sessions, DATA refused (503/554): 7.</p>\n"
                        "<p>Top causes (sessions): relay-denied 7.</p>\n"
                        "<p>Top sources (clients): 127.0.0.0/24 2.</p>\n"),
              std::string::npos)
        << html;
    EXPECT_EQ(html.find(">127.0.0.20<"), std::string::npos) << html;  // no row or block of its own
}

TEST(ClientKind, ClientFilterListsAStranger) {
    // Scripts read the table row of the --client they ask for
    // (tests/integration/lib/report.sh), whatever its kind.
    Filters one;
    one.client = "127.0.0.20";
    const std::string text = render_text(run(kinds_logs, one));
    EXPECT_NE(text.find("\n127.0.0.20  -            6        6        6  relay-denied  "),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("strangers (kind stranger"), std::string::npos) << text;
}

TEST(ClientKind, JsonHasKindAndRule) {
    const std::string json = render_json(run(kinds_logs));
    EXPECT_NE(json.find("\"kind\": \"stranger\",\n      \"kind_rule\": \"many-senders\""),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"clients_user\": 1,\n    \"clients_stranger\": 2,\n    "
                        "\"clients_unknown\": 0"),
              std::string::npos)
        << json;
}

TEST(ClientKind, SourceNetworks) {
    EXPECT_EQ(source_network("198.51.100.77"), "198.51.100.0/24");
    EXPECT_EQ(source_network("2001:db8:1:2::5"), "2001:db8:1::/48");
    EXPECT_EQ(source_network("unknown"), "unknown");
}

TEST(ClientKind, HeloAddressForms) {
    EXPECT_TRUE(helo_is_address("203.0.113.9", false, false));
    EXPECT_FALSE(helo_is_address("[203.0.113.9]", false, false));
    EXPECT_TRUE(helo_is_address("[203.0.113.9]", true, true));
    EXPECT_FALSE(helo_is_address("[192.168.1.2]", true, true));
    EXPECT_FALSE(helo_is_address("[127.0.0.1]", true, true));
    EXPECT_TRUE(helo_is_address("[IPv6:2001:db8::1]", true, true));
    EXPECT_FALSE(helo_is_address("mail.example.com", false, false));
    EXPECT_FALSE(helo_is_address("[]", true, false));
}

// ---- --user -------------------------------------------------------------------

Report trace(const std::vector<std::string>& files, std::string user) {
    Filters filters;
    filters.user = std::move(user);
    return run(files, filters);
}

TEST(UserTrace, EverySessionOfTheLoginAndSenderInTimeOrder) {
    // alice@example.test: her submission session (127.0.0.10, sasl_username=), then the two
    // sessions of 127.0.0.21 whose reject lines say from=<alice@example.test>. Case aside.
    const Report r = trace(kinds_logs, "Alice@Example.TEST");
    ASSERT_TRUE(r.user_trace.has_value());
    const auto& sessions = r.user_trace->sessions;
    ASSERT_EQ(sessions.size(), 3u);
    EXPECT_EQ(r.user_trace->earlier, 0u);
    EXPECT_EQ(sessions[0].client_addr, "127.0.0.10");
    EXPECT_EQ(sessions[0].login, "alice@example.test");
    EXPECT_EQ(sessions[0].outcome, Outcome::none);
    EXPECT_FALSE(sessions[0].cause.has_value());
    EXPECT_EQ(sessions[1].client_port, "37043");
    EXPECT_EQ(sessions[2].client_port, "34661");
    EXPECT_LE(sessions[1].start, sessions[2].start);
    // The rest of the report is untouched by the trace.
    EXPECT_EQ(r.clients.size(), 3u);
}

TEST(UserTrace, StepsSayWhatTheLogSays) {
    const Report r = trace(kinds_logs, "alice@example.test");
    ASSERT_TRUE(r.user_trace.has_value());
    ASSERT_EQ(r.user_trace->sessions.size(), 3u);
    // 127.0.0.10: connect, `client=... sasl_username=alice@example.test` (a login and the
    // first accepted recipient), `disconnect ... mail=1 rcpt=1 data=1`.
    std::vector<std::string> what;
    for (const auto& step : r.user_trace->sessions[0].steps)
        what.emplace_back(step.what);
    EXPECT_EQ(what, (std::vector<std::string>{"connect", "login", "accepted", "disconnect"}));
    EXPECT_EQ(r.user_trace->sessions[0].steps.back().text, "mail=1 rcpt=1 data=1");
    // 127.0.0.21:37043: connect, the refused RCPT with its reply, the milter's two findings
    // (unauthenticated-sender, no-accepted-rcpt), `rcpt=0/1 data=0/1`; a 503, cause
    // left-trusted-network (the finding's), fix user, the milter's advice.
    const TracedSession& s = r.user_trace->sessions[1];
    ASSERT_EQ(s.steps.size(), 5u);
    EXPECT_EQ(s.steps[1].what, "rcpt");
    EXPECT_TRUE(s.steps[1].refused);
    EXPECT_EQ(s.steps[1].text, "554 5.7.1 <friend1@remote.test>: Relay access denied");
    EXPECT_EQ(s.steps[1].recipient, "friend1@remote.test");
    EXPECT_EQ(s.steps[2].what, "finding");
    EXPECT_EQ(s.steps[3].what, "finding");
    EXPECT_EQ(s.steps[4].what, "disconnect");
    EXPECT_EQ(s.steps[4].text, "mail=1 rcpt=0/1 data=0/1");
    EXPECT_EQ(s.outcome, Outcome::no_rcpt_data_refused);
    ASSERT_TRUE(s.cause.has_value());
    EXPECT_EQ(policy::cause_name(*s.cause), "left-trusted-network");
    EXPECT_EQ(policy::actor_name(s.fix), "user");
    EXPECT_NE(s.advice.find("turn on SMTP authentication"), std::string::npos) << s.advice;
}

TEST(UserTrace, WithoutTheMilterTheCauseIsTheRejectLines) {
    const Report r = trace({"postfix/client-kinds/maillog"}, "alice@example.test");
    ASSERT_EQ(r.user_trace->sessions.size(), 3u);
    const TracedSession& s = r.user_trace->sessions[2];
    ASSERT_TRUE(s.cause.has_value());
    EXPECT_EQ(policy::cause_name(*s.cause), "relay-denied");
    EXPECT_EQ(s.advice, policy::cause_advice(policy::Cause::relay_denied));
}

TEST(UserTrace, TextAndJson) {
    const Report r = trace(kinds_logs, "alice@example.test");
    const std::string text = render_text(r);
    EXPECT_NE(text.find("sessions of alice@example.test: 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("    2026-12-02T05:35:20Z rcpt REFUSED: 554 5.7.1 <friend1@remote.test>: "
                        "Relay access denied from=<alice@example.test> to=<friend1@remote.test>\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("  outcome: DATA refused (503/554): no recipient had been accepted\n"
                        "  cause left-trusted-network (fix: user)\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find("CLIENT "), std::string::npos) << text;  // the trace replaces the table
    const std::string json = render_json(r);
    EXPECT_NE(json.find("\"user_trace\": {\n    \"user\": \"alice@example.test\",\n    "
                        "\"sessions_total\": 3,\n    \"sessions_not_shown\": 0,"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find("\"outcome\": \"503\""), std::string::npos);
    EXPECT_NE(render_json(run(kinds_logs)).find("\"user_trace\": null"), std::string::npos);
}

TEST(UserTrace, Html) {
    // The same three sessions as the text (the kinds log, alice's), in
    // place of the clients: her refused RCPT step, the outcome, the cause.
    const std::string html = render_html(trace(kinds_logs, "alice@example.test"));
    EXPECT_NE(html.find("<h2>Sessions of alice@example.test</h2>\n<p>3 sessions.</p>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<tr><td>2026-12-02T05:35:20Z</td><td>rcpt <b>refused</b></td><td>554 "
                        "5.7.1 &lt;friend1@remote.test&gt;: Relay access denied</td>"
                        "<td>alice@example.test</td><td>friend1@remote.test</td></tr>"),
              std::string::npos)
        << html;
    EXPECT_NE(html.find("<p>Outcome: DATA refused (503/554): no recipient had been accepted</p>\n"
                        "<h4>left-trusted-network (fix: user)</h4>"),
              std::string::npos)
        << html;
    EXPECT_EQ(html.find("<h2>Clients</h2>"), std::string::npos);  // the trace replaces them
    const std::string nobody = render_html(trace(kinds_logs, "nobody@example.test"));
    EXPECT_NE(nobody.find("No session of this login or sender address in the log."),
              std::string::npos);
}

TEST(UserTrace, ARefusedLoginIsTraced) {
    // postfix/auth-failed: bob's mail client logs in with a wrong password, then sends anyway.
    const Report r = trace({"postfix/auth-failed/maillog", "postfix/auth-failed/milter.log"},
                           "bob@example.test");
    ASSERT_EQ(r.user_trace->sessions.size(), 1u);
    const TracedSession& s = r.user_trace->sessions[0];
    EXPECT_EQ(s.login, "");
    ASSERT_GE(s.steps.size(), 2u);
    EXPECT_EQ(s.steps[1].what, "login");
    EXPECT_TRUE(s.steps[1].refused);
    EXPECT_EQ(s.steps[1].text, "authentication failure");
    EXPECT_EQ(s.steps[1].login, "bob@example.test");
    ASSERT_TRUE(s.cause.has_value());
    EXPECT_EQ(policy::cause_name(*s.cause), "auth-failed");
}

TEST(UserTrace, NobodyMatches) {
    const Report r = trace(kinds_logs, "nobody@example.test");
    ASSERT_TRUE(r.user_trace.has_value());
    EXPECT_TRUE(r.user_trace->sessions.empty());
    EXPECT_NE(render_text(r).find("No session of this login or sender address in the log.\n"),
              std::string::npos);
}

// A JoinSink that only counts what reaches it.
struct CountingSink : JoinSink {
    unsigned long sessions = 0;
    void on_session(MtaSession&&) override { ++sessions; }
    void on_summary(std::string_view, UnixTime, policy::ClientSummary&&) override {}
};

TEST(UserTrace, KeepsTheLatestSessionsAndCountsTheRest) {
    CountingSink next;
    UserTracer tracer("bob", next, 3);
    for (UnixTime t = 1; t <= 10; ++t) {
        MtaSession s;
        s.start = s.end = t;
        s.login = t % 2 == 0 ? "BOB" : "carol";
        tracer.on_session(std::move(s));
    }
    EXPECT_EQ(next.sessions, 10u);  // every session goes on
    const UserTraceReport trace = tracer.take();
    ASSERT_EQ(trace.sessions.size(), 3u);  // bob's 5, the latest 3 kept
    EXPECT_EQ(trace.earlier, 2u);
    EXPECT_EQ(trace.sessions[0].start, 6);
    EXPECT_EQ(trace.sessions[2].start, 10);
}

TEST(UserTrace, StepsAreBoundedPerSession) {
    MtaSession s;
    SessionEvent e;
    e.kind = EventKind::reject;
    e.stage = Stage::rcpt;
    e.reply = "554 5.7.1 no";
    for (UnixTime t = 0; t < 100; ++t)
        record_step(s, t, e);
    EXPECT_EQ(s.steps.size(), max_steps);
    EXPECT_EQ(s.steps_total, 100u);
    EXPECT_EQ(s.steps.back().time, 99);  // the latest is kept
}

TEST(UserTrace, StepTextsAreCapped) {
    MtaSession s;
    SessionEvent e;
    e.kind = EventKind::reject;
    e.stage = Stage::rcpt;
    const std::string reply = "554 " + std::string(5000, 'x');
    // The cut would fall inside the two bytes of U+00E9: it goes before them.
    const std::string sender = std::string(max_step_text - 1, 'a') + "\xc3\xa9@example.test";
    e.reply = reply;
    e.sender = sender;
    record_step(s, 1, e);
    ASSERT_EQ(s.steps.size(), 1u);
    EXPECT_EQ(s.steps[0].text, reply.substr(0, max_step_text) + "...");
    EXPECT_EQ(s.steps[0].sender, std::string(max_step_text - 1, 'a') + "...");
}

// ---- docs -----------------------------------------------------------------------

using milter503::test::roff;

std::string read_doc(const std::string& relative) {
    return milter503::test::source_text(relative);
}

TEST(ClientKindDocs, ReportReadmeHasEveryRule) {
    const std::string readme = read_doc("report/README.md");
    for (const KindRule& rule : kind_rules()) {
        const std::string row = "| `" + std::string(rule.name) + "` | " +
                                std::string(kind_name(rule.kind)) + " | " +
                                std::string(rule.signal) + " | " + std::string(rule.why) + " |";
        EXPECT_NE(readme.find(row), std::string::npos) << "report/README.md lacks the row\n" << row;
    }
}

TEST(ClientKindDocs, ManualPageHasEveryRule) {
    const std::string page = read_doc("packaging/man/milter503-report.1");
    for (const KindRule& rule : kind_rules()) {
        const std::string entry =
            ".BR " + roff(rule.name) + " \" (" + std::string(kind_name(rule.kind)) +
            ")\"\nSignal: " + roff(rule.signal) + ".\nWhy: " + roff(rule.why) + ".\n";
        EXPECT_NE(page.find(entry), std::string::npos) << "milter503-report.1 lacks\n" << entry;
    }
}

TEST(ClientKindDocs, RuleNamesAreUnique) {
    std::vector<std::string_view> names;
    for (const KindRule& rule : kind_rules())
        names.push_back(rule.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace milter503::report
