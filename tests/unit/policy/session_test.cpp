// The session state machine over the event orders Postfix and Sendmail
// produce, each finding and each cause.
#include "policy/session.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "policy/cause.hpp"

namespace milter503::policy {
namespace {

class FakeHistory : public SenderHistory {
  public:
    bool was_trusted(std::string_view sender) const override {
        return senders.contains(std::string(sender));
    }
    void remember_trusted(std::string_view sender) override { senders.insert(std::string(sender)); }
    std::set<std::string> senders;
};

constexpr const char* outside_addr = "127.0.0.5";
// The sentence advice_for() adds for a login cause on port 25 when
// SubmissionPorts is "587 465" (the fixture's settings).
constexpr const char* port25_advice =
    " The client sends to port 25, which is meant for mail between servers: set the outgoing "
    "server's port to 587 or 465 (with STARTTLS or SSL/TLS).";
constexpr const char* trusted_addr = "192.168.1.10";

std::shared_ptr<Settings> make_settings() {
    auto settings = std::make_shared<Settings>();
    settings->check_header_from = true;
    settings->check_display_name = true;
    settings->submission_ports = {"587", "465"};
    settings->local_domains.add("example.test");
    settings->trusted_networks.add(*parse_cidr("192.168.0.0/16"));
    settings->trusted_networks.add(*parse_cidr("::1"));
    return settings;
}

ConnectEvent connect_event(const char* addr) {
    return ConnectEvent{"c1", "unknown", addr, "40312", "25"};
}

RcptEvent rejected(const char* rcpt, const char* status, const char* text,
                   const char* queue_id = "") {
    return RcptEvent{std::string("<") + rcpt + ">", "error", status, text, queue_id};
}

RcptEvent accepted(const char* rcpt) {
    return RcptEvent{std::string("<") + rcpt + ">", "local", "", rcpt, ""};
}

size_t count_kind(const std::vector<Finding>& findings, FindingKind kind) {
    size_t n = 0;
    for (const auto& f : findings)
        n += f.kind == kind;
    return n;
}

class SessionTest : public ::testing::Test {
  protected:
    Session start(const char* addr = outside_addr) {
        Session session(settings, &history);
        EXPECT_TRUE(session.on_connect(connect_event(addr)).empty());
        EXPECT_TRUE(session.on_helo("laptop.example").empty());
        return session;
    }

    std::shared_ptr<Settings> settings = make_settings();
    FakeHistory history;
};

TEST_F(SessionTest, PostfixRelayDeniedSequence) {
    Session s = start();
    EXPECT_TRUE(s.on_mail({"<bob@remote.test>", "", ""}).empty());
    EXPECT_TRUE(s.on_rcpt(rejected("someone@far.test", "4.7.1", "Relay access denied")).empty());
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    const Finding& f = findings[0];
    EXPECT_EQ(f.kind, FindingKind::no_accepted_rcpt);
    EXPECT_EQ(f.cause, Cause::relay_denied);
    EXPECT_EQ(f.queue_id, "");
    EXPECT_EQ(f.conn_id, "c1");
    EXPECT_EQ(f.client_addr, outside_addr);
    EXPECT_EQ(f.client_port, "40312");
    EXPECT_EQ(f.helo, "laptop.example");
    EXPECT_EQ(f.daemon_port, "25");
    EXPECT_EQ(f.sender, "bob@remote.test");
    EXPECT_EQ(f.rcpt_ok, 0u);
    EXPECT_EQ(f.rcpt_rejected, 1u);
    ASSERT_EQ(f.rejected.size(), 1u);
    EXPECT_EQ(f.rejected[0].recipient, "someone@far.test");
    EXPECT_EQ(f.rejected[0].status, "4.7.1");
    EXPECT_EQ(f.rejected[0].text, "Relay access denied");
    EXPECT_FALSE(f.rejected_unreported);
    EXPECT_EQ(f.fix, Actor::user);
    EXPECT_EQ(f.advice, std::string(cause_advice(Cause::relay_denied)) + port25_advice);
    EXPECT_TRUE(s.on_close().empty());
    EXPECT_EQ(s.transactions(), 1u);
}

TEST_F(SessionTest, PostfixLocalSenderNotLoggedIn) {
    Session s = start();
    const auto at_mail = s.on_mail({"<bob@example.test>", "", ""});
    ASSERT_EQ(at_mail.size(), 1u);
    EXPECT_EQ(at_mail[0].kind, FindingKind::unauthenticated_sender);
    EXPECT_EQ(at_mail[0].cause, Cause::sender_not_logged_in);
    EXPECT_EQ(at_mail[0].advice,
              std::string(cause_advice(Cause::sender_not_logged_in)) + port25_advice);
    EXPECT_FALSE(at_mail[0].detail.empty());
    s.on_rcpt(rejected("x@far.test", "5.7.1",
                       "<bob@example.test>: Sender address rejected: not logged in"));
    const auto at_close = s.on_close();
    ASSERT_EQ(at_close.size(), 1u);
    EXPECT_EQ(at_close[0].kind, FindingKind::no_accepted_rcpt);
    EXPECT_EQ(at_close[0].cause, Cause::sender_not_logged_in);
}

TEST_F(SessionTest, LocalSenderFromTrustedNetworkOrAuthenticatedIsFine) {
    Session trusted = start(trusted_addr);
    EXPECT_TRUE(trusted.on_mail({"<bob@example.test>", "", ""}).empty());
    Session mapped = start("::ffff:192.168.3.4");
    EXPECT_TRUE(mapped.on_mail({"<bob@example.test>", "", ""}).empty());
    Session authenticated = start();
    EXPECT_TRUE(authenticated.on_mail({"<bob@example.test>", "bob", ""}).empty());
    Session subdomain = start();
    EXPECT_TRUE(subdomain.on_mail({"<bob@sub.example.test>", "", ""}).empty());
}

TEST_F(SessionTest, SendmailMailThenAbortWithoutRcptInfersRelayDenied) {
    Session s = start();
    const auto at_mail = s.on_mail({"<carol@example.test>", "", "6AP4XYY3010021"});
    ASSERT_EQ(at_mail.size(), 1u);
    EXPECT_EQ(at_mail[0].kind, FindingKind::unauthenticated_sender);
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    const Finding& f = findings[0];
    EXPECT_EQ(f.kind, FindingKind::no_accepted_rcpt);
    EXPECT_EQ(f.cause, Cause::relay_denied);
    EXPECT_TRUE(f.rejected_unreported);
    EXPECT_TRUE(f.rejected.empty());
    EXPECT_EQ(f.rcpt_rejected, 0u);
    EXPECT_EQ(f.queue_id, "6AP4XYY3010021");
    EXPECT_NE(f.detail.find("inferred"), std::string::npos) << f.detail;
    EXPECT_TRUE(s.on_close().empty());
}

// An outside MTA delivering to us (remote sender) whose recipient Sendmail
// refused in a ruleset (access db, DNSBL, local rules): not a relay
// attempt, so no "turn on SMTP AUTH" advice.
TEST_F(SessionTest, SendmailUnreportedRejectionOfRemoteSenderStaysUnreported) {
    for (const char* sender : {"<carol@remote.test>", "<bob@sub.example.test>", "<>"}) {
        Session s = start();
        EXPECT_TRUE(s.on_mail({sender, "", "6AQ5wEXD012539"}).empty()) << sender;
        const auto findings = s.on_abort();
        ASSERT_EQ(findings.size(), 1u) << sender;
        EXPECT_EQ(findings[0].kind, FindingKind::no_accepted_rcpt) << sender;
        EXPECT_EQ(findings[0].cause, Cause::rejected_unreported) << sender;
        EXPECT_EQ(findings[0].advice, cause_advice(Cause::rejected_unreported)) << sender;
        EXPECT_TRUE(findings[0].rejected_unreported) << sender;
        EXPECT_EQ(findings[0].queue_id, "6AQ5wEXD012539") << sender;
        EXPECT_EQ(findings[0].detail.find("inferred"), std::string::npos) << findings[0].detail;
    }
}

TEST_F(SessionTest, UnreportedRejectionFromInsideStaysUnreported) {
    for (const auto& [addr, login] :
         {std::pair{trusted_addr, ""}, std::pair{outside_addr, "bob"}}) {
        Session s = start(addr);
        s.on_mail({"<bob@example.test>", login, "Q1"});
        const auto findings = s.on_abort();
        ASSERT_EQ(findings.size(), 1u) << addr;
        EXPECT_EQ(findings[0].cause, Cause::rejected_unreported) << addr;
        EXPECT_EQ(findings[0].advice, cause_advice(Cause::rejected_unreported));
        EXPECT_TRUE(findings[0].rejected_unreported);
    }
}

TEST_F(SessionTest, LeftTrustedNetworkForRelayDenied) {
    Session office = start(trusted_addr);
    office.on_mail({"<dave@remote.test>", "", ""});
    office.on_rcpt(accepted("x@far.test"));
    office.on_end_of_message("Q1");
    office.on_close();
    EXPECT_TRUE(history.senders.contains("dave@remote.test"));

    Session travel = start();
    travel.on_mail({"<dave@remote.test>", "", ""});
    travel.on_rcpt(rejected("x@far.test", "5.7.1", "Relay access denied"));
    const auto findings = travel.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::left_trusted_network);
    EXPECT_EQ(findings[0].advice,
              std::string(cause_advice(Cause::left_trusted_network)) + port25_advice);

    Session unreported = start();
    unreported.on_mail({"<dave@remote.test>", "", ""});
    const auto inferred = unreported.on_close();
    ASSERT_EQ(inferred.size(), 1u);
    EXPECT_EQ(inferred[0].cause, Cause::left_trusted_network);
    EXPECT_TRUE(inferred[0].rejected_unreported);
}

TEST_F(SessionTest, LeftTrustedNetworkForLocalSender) {
    Session authenticated = start();
    authenticated.on_mail({"<bob@example.test>", "bob", ""});
    authenticated.on_close();
    Session outside = start();
    const auto findings = outside.on_mail({"<bob@example.test>", "", ""});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::unauthenticated_sender);
    EXPECT_EQ(findings[0].cause, Cause::left_trusted_network);
}

TEST_F(SessionTest, NoHistoryMeansNoLeftTrustedNetwork) {
    history.senders.insert("dave@remote.test");
    Session s(settings, nullptr);
    s.on_connect(connect_event(outside_addr));
    s.on_mail({"<dave@remote.test>", "", ""});
    s.on_rcpt(rejected("x@far.test", "5.7.1", "Relay access denied"));
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::relay_denied);
}

TEST_F(SessionTest, NullSenderIsNotRemembered) {
    Session s = start(trusted_addr);
    s.on_mail({"<>", "", ""});
    EXPECT_TRUE(history.senders.empty());
}

TEST_F(SessionTest, SenderLoginMismatchWithMap) {
    MapError error;
    settings->sender_login_map = std::make_shared<const SenderLoginMap>(
        *SenderLoginMap::parse("bob@example.test bob\n@partner.test partner\n", "map", &error));
    Session s = start();
    EXPECT_TRUE(s.on_mail({"<bob@example.test>", "bob", ""}).empty());
    s.on_rcpt(accepted("x@far.test"));
    EXPECT_TRUE(s.on_mail({"<bob+tag@example.test>", "bob", ""}).empty());
    s.on_rcpt(accepted("x@far.test"));
    const auto findings = s.on_mail({"<bob@example.test>", "alice", ""});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::sender_login_mismatch);
    EXPECT_EQ(findings[0].cause, Cause::sender_not_owned);
    EXPECT_EQ(findings[0].auth_login, "alice");
    EXPECT_EQ(findings[0].advice, cause_advice(Cause::sender_not_owned));
    EXPECT_NE(findings[0].detail.find("map"), std::string::npos);
    s.on_rcpt(accepted("x@far.test"));
    EXPECT_TRUE(s.on_mail({"<x@partner.test>", "partner", ""}).empty());
    EXPECT_EQ(s.transactions(), 4u);
}

TEST_F(SessionTest, SenderLoginMismatchWithoutMap) {
    Session s = start();
    std::vector<Finding> findings = s.on_mail({"<bob@example.test>", "bob", ""});
    EXPECT_TRUE(findings.empty());
    s.on_rcpt(accepted("x@far.test"));
    findings = s.on_mail({"<bob@gmail.test>", "bob", ""});
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::sender_login_mismatch);
    s.on_rcpt(accepted("x@far.test"));
    EXPECT_TRUE(s.on_mail({"<>", "bob", ""}).empty());  // null sender: never a mismatch
}

TEST_F(SessionTest, MailboxFullIsReportedAtRcptOncePerTransaction) {
    Session s = start(trusted_addr);
    s.on_mail({"<bob@example.test>", "", ""});
    const auto first = s.on_rcpt(rejected("full@example.test", "5.2.2", "Mailbox full"));
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].kind, FindingKind::mailbox_full);
    EXPECT_EQ(first[0].cause, Cause::mailbox_full);
    EXPECT_EQ(first[0].rcpt_rejected, 1u);
    EXPECT_EQ(first[0].rejected[0].recipient, "full@example.test");
    EXPECT_TRUE(s.on_rcpt(rejected("full2@example.test", "4.2.2", "over quota")).empty());
    const auto closing = s.on_abort();
    ASSERT_EQ(closing.size(), 1u);
    EXPECT_EQ(closing[0].kind, FindingKind::no_accepted_rcpt);
    EXPECT_EQ(closing[0].cause, Cause::mailbox_full);
    EXPECT_EQ(closing[0].rcpt_rejected, 2u);

    s.on_mail({"<bob@example.test>", "", ""});
    EXPECT_EQ(s.on_rcpt(rejected("full@example.test", "5.2.2", "Mailbox full")).size(), 1u);
    s.on_rcpt(accepted("ok@example.test"));
    EXPECT_TRUE(s.on_end_of_message("Q2").empty());
    EXPECT_TRUE(s.on_close().empty());
}

TEST_F(SessionTest, DominantCauseAndTies) {
    Session s = start(trusted_addr);
    s.on_mail({"<bob@example.test>", "", ""});
    s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied"));
    s.on_rcpt(rejected("b@example.test", "5.1.1", "User unknown in local recipient table"));
    s.on_rcpt(rejected("c@example.test", "5.1.1", "User unknown in local recipient table"));
    auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::unknown_recipient);
    EXPECT_EQ(findings[0].rcpt_rejected, 3u);

    s.on_mail({"<bob@example.test>", "", ""});
    s.on_rcpt(rejected("g@example.test", "4.2.0", "Greylisted, see http://x.test/"));
    s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied"));
    findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::greylisted);  // tie: first seen
}

Finding relay_denied_on_port(Session session) {
    session.on_mail({"<bob@remote.test>", "", ""});
    session.on_rcpt(RcptEvent{"<x@far.test>", "error", "5.7.1", "Relay access denied", ""});
    auto findings = session.on_abort();
    EXPECT_EQ(findings.size(), 1u);
    return findings.empty() ? Finding{} : findings[0];
}

TEST_F(SessionTest, PortAdviceFollowsThePortTheClientUsed) {
    ConnectEvent submission = connect_event(outside_addr);
    submission.daemon_port = "587";
    Session on_587(settings, &history);
    on_587.on_connect(submission);
    EXPECT_EQ(relay_denied_on_port(std::move(on_587)).advice,
              std::string(cause_advice(Cause::relay_denied)) +
                  " The client already uses the submission port 587: only the login is missing.");

    EXPECT_EQ(relay_denied_on_port(start()).advice,
              std::string(cause_advice(Cause::relay_denied)) + port25_advice);

    // No SubmissionPorts configured: nothing is known about ports.
    settings->submission_ports.clear();
    EXPECT_EQ(relay_denied_on_port(start()).advice, cause_advice(Cause::relay_denied));
}

TEST_F(SessionTest, PortAdviceOnlyForCausesALoginFixes) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(rejected("x@example.test", "5.1.1", "User unknown in local recipient table"));
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].advice, cause_advice(Cause::unknown_recipient));
}

// Postfix passes every refused recipient (SMFIP_RCPT_REJ): a transaction
// with no RCPT event means the client sent none (an empty To: field).
TEST_F(SessionTest, PostfixTransactionWithoutAnyRcptIsNoRecipientSent) {
    ConnectEvent postfix = connect_event(outside_addr);
    postfix.refused_rcpts_reported = true;
    Session s(settings, &history);
    s.on_connect(postfix);
    s.on_mail({"<bob@example.test>", "bob", "Q1"});
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::no_accepted_rcpt);
    EXPECT_EQ(findings[0].cause, Cause::no_recipient_sent);
    EXPECT_EQ(findings[0].fix, Actor::user);
    EXPECT_FALSE(findings[0].rejected_unreported);
    EXPECT_EQ(findings[0].advice, cause_advice(Cause::no_recipient_sent));
}

// An outside MTA delivering to one of our own domains, refused as relay:
// the server forgot its domain, nothing for the client to change.
TEST_F(SessionTest, RelayDeniedForALocalDomainIsDomainNotServed) {
    Session s = start();
    s.on_mail({"<carol@remote.test>", "", ""});
    s.on_rcpt(rejected("info@example.test", "5.7.1", "Relay access denied"));
    s.on_rcpt(rejected("sales@sub.example.test", "5.7.1", "Relay access denied"));
    auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::domain_not_served);
    EXPECT_EQ(findings[0].fix, Actor::admin);
    EXPECT_EQ(findings[0].advice, cause_advice(Cause::domain_not_served));

    s.on_mail({"<carol@remote.test>", "", ""});
    s.on_rcpt(rejected("someone@far.test", "5.7.1", "Relay access denied"));
    findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::relay_denied);
}

// Sendmail 8.18.1 for an unknown local user: {rcpt_mailer}=error,
// {rcpt_host} empty, {rcpt_addr} the user (seen through a tracing proxy
// between Sendmail 8.18.1-6+b1 and the milter). No reply reached the
// milter, so it names no cause it cannot see.
TEST_F(SessionTest, RefusalWithoutAnyReplyIsUnreported) {
    Session s = start();
    s.on_mail({"<carol@remote.test>", "", "Q1"});
    s.on_rcpt(RcptEvent{"<nosuchuser@example.test>", "error", "", "nosuchuser", "Q1"});
    auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::rejected_unreported);
    EXPECT_EQ(findings[0].fix, Actor::admin);
    ASSERT_EQ(findings[0].rejected.size(), 1u);
    EXPECT_EQ(findings[0].rejected[0].recipient, "nosuchuser@example.test");

    // A text that is a real reply still decides, with or without status.
    s.on_mail({"<carol@remote.test>", "", "Q2"});
    s.on_rcpt(RcptEvent{"<nosuchuser@example.test>", "error", "", "User unknown", "Q2"});
    findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::unknown_recipient);
}

TEST_F(SessionTest, AcceptedRecipientMeansNoFinding) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied"));
    s.on_rcpt(accepted("b@example.test"));
    EXPECT_TRUE(s.on_abort().empty());  // client quit after a partly accepted envelope
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(accepted("b@example.test"));
    EXPECT_TRUE(s.on_end_of_message("Q1").empty());
    EXPECT_TRUE(s.on_close().empty());
}

TEST_F(SessionTest, SeveralTransactionsPerSession) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", "Q1"});
    s.on_rcpt(accepted("b@example.test"));
    s.on_end_of_message("Q1");
    s.on_mail({"<bob@remote.test>", "", ""});  // RSET'd via abort below
    auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(rejected("x@far.test", "5.7.1", "Relay access denied"));
    findings = s.on_mail({"<bob@remote.test>", "", ""});  // MAIL after MAIL: RSET
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::relay_denied);
    EXPECT_EQ(findings[0].rcpt_rejected, 1u);
    findings = s.on_close();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rcpt_rejected, 0u);  // the last transaction's own count
    EXPECT_EQ(s.transactions(), 4u);
}

TEST_F(SessionTest, AbortThenNewMailInSameSession) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    EXPECT_EQ(s.on_abort().size(), 1u);
    EXPECT_TRUE(s.on_abort().empty());  // abort twice
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(accepted("b@example.test"));
    EXPECT_TRUE(s.on_end_of_message("").empty());
    EXPECT_EQ(s.connection().client_addr, outside_addr);
    EXPECT_EQ(s.transactions(), 2u);
}

TEST_F(SessionTest, AbortBetweenAnyTwoSteps) {
    using Step = std::function<std::vector<Finding>(Session&)>;
    const std::vector<Step> steps = {
        [](Session& s) { return s.on_connect(connect_event(outside_addr)); },
        [](Session& s) { return s.on_helo("h"); },
        [](Session& s) {
            return s.on_mail({"<bob@remote.test>", "", ""});
        },
        [](Session& s) {
            return s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied"));
        },
        [](Session& s) {
            return s.on_rcpt(rejected("b@far.test", "5.7.1", "Relay access denied"));
        },
        [](Session& s) { return s.on_close(); },
    };
    for (size_t abort_at = 0; abort_at <= steps.size(); ++abort_at) {
        for (int aborts = 1; aborts <= 2; ++aborts) {
            Session s(settings, &history);
            std::vector<Finding> all;
            for (size_t i = 0; i <= steps.size(); ++i) {
                if (i == abort_at) {
                    for (int a = 0; a < aborts; ++a) {
                        for (auto& f : s.on_abort())
                            all.push_back(f);
                    }
                }
                if (i < steps.size()) {
                    for (auto& f : steps[i](s))
                        all.push_back(f);
                }
            }
            ASSERT_EQ(count_kind(all, FindingKind::no_accepted_rcpt), 1u)
                << "abort at " << abort_at;
            EXPECT_EQ(all.size(), 1u);
            // Aborted right after MAIL: no rejection seen yet, and with a
            // remote sender nothing to infer; RCPTs after the abort belong
            // to no transaction.
            const unsigned expected_rejected = abort_at == 3 ? 0 : abort_at == 4 ? 1 : 2;
            EXPECT_EQ(all[0].rcpt_rejected, expected_rejected) << "abort at " << abort_at;
            EXPECT_EQ(all[0].rejected_unreported, abort_at == 3);
            EXPECT_EQ(all[0].cause,
                      abort_at == 3 ? Cause::rejected_unreported : Cause::relay_denied);
        }
    }
}

TEST_F(SessionTest, OutOfOrderEventsAreIgnored) {
    Session s(settings, &history);
    EXPECT_TRUE(s.on_close().empty());  // close without connect
    EXPECT_TRUE(s.on_abort().empty());
    EXPECT_TRUE(s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied")).empty());
    EXPECT_TRUE(s.on_header("From", "Mark's email <mark@example.test>").empty());
    EXPECT_TRUE(s.on_end_of_message("Q").empty());
    EXPECT_TRUE(s.on_helo("x").empty());
    EXPECT_EQ(s.transactions(), 0u);
    // MAIL without connect: the finding still has every field.
    s.on_mail({"<bob@remote.test>", "", ""});
    const auto findings = s.on_close();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].client_name, "unknown");
    EXPECT_EQ(findings[0].client_addr, "");
    EXPECT_TRUE(s.on_close().empty());
}

TEST_F(SessionTest, ConnectAgainClosesTheOpenTransaction) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    const auto findings = s.on_connect(connect_event(trusted_addr));
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].client_addr, outside_addr);
    EXPECT_EQ(s.connection().client_addr, trusted_addr);
}

TEST_F(SessionTest, EmptyClientNameBecomesUnknown) {
    Session s(settings, &history);
    s.on_connect({"c9", "", "10.0.0.1", "1", "587"});
    EXPECT_EQ(s.connection().client_name, "unknown");
}

TEST_F(SessionTest, QueueIdFollowsTheLatestNonEmptyValue) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied", ""));
    s.on_rcpt(rejected("b@far.test", "5.7.1", "Relay access denied", "4XyZ1k"));
    s.on_rcpt(rejected("c@far.test", "5.7.1", "Relay access denied", ""));
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].queue_id, "4XyZ1k");
    s.on_mail({"<bob@remote.test>", "", ""});
    EXPECT_EQ(s.on_abort()[0].queue_id, "");  // a new transaction starts without one
}

TEST_F(SessionTest, RejectedListIsBoundedButCounted) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    for (int i = 0; i < 1000; ++i) {
        s.on_rcpt(rejected("a@far.test", "5.7.1", "Relay access denied"));
    }
    const auto findings = s.on_abort();
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].rcpt_rejected, 1000u);
    EXPECT_LE(findings[0].rejected.size(), 16u);
    EXPECT_GE(findings[0].rejected.size(), 1u);
}

TEST_F(SessionTest, RecipientMailerErrorIsCaseInsensitiveOtherMailersAccept) {
    Session s = start();
    s.on_mail({"<bob@remote.test>", "", ""});
    s.on_rcpt({"<a@far.test>", "ERROR", "5.7.1", "Relay access denied", ""});
    s.on_rcpt({"<b@example.test>", "virtual", "", "", ""});
    EXPECT_TRUE(s.on_abort().empty());
}

class HeaderTest : public SessionTest {
  protected:
    Session at_data(const char* sender, const char* login, const char* addr = trusted_addr) {
        Session s = start(addr);
        s.on_mail({sender, login, "Q7"});
        s.on_rcpt(accepted("x@far.test"));
        return s;
    }
};

TEST_F(HeaderTest, FromMismatchUnauthenticatedIsPolicyReject) {
    Session s = at_data("<bob@example.test>", "");
    const auto findings = s.on_header("From", "Boss <ceo@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::header_from_mismatch);
    EXPECT_EQ(findings[0].cause, Cause::policy_reject);
    EXPECT_EQ(findings[0].header_from, "ceo@example.test");
    EXPECT_EQ(findings[0].queue_id, "Q7");
    EXPECT_EQ(findings[0].rcpt_ok, 1u);
    EXPECT_NE(findings[0].advice.find("From:"), std::string::npos);
}

// Postfix: {i} is empty at MAIL and RCPT (no queue file yet) and known at DATA.
TEST_F(HeaderTest, QueueIdLearntAtDataIsInTheHeaderFindings) {
    Session s = start(trusted_addr);
    s.on_mail({"<bob@example.test>", "", ""});
    s.on_rcpt(accepted("x@far.test"));
    EXPECT_TRUE(s.on_data("4XyZ1105E5").empty());
    const auto findings = s.on_header("From", "<ceo@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].queue_id, "4XyZ1105E5");
}

TEST_F(HeaderTest, EmptyQueueIdAtDataKeepsTheOneFromMail) {
    Session s = at_data("<bob@example.test>", "");
    s.on_data("");
    const auto findings = s.on_header("From", "<ceo@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].queue_id, "Q7");
}

TEST_F(HeaderTest, FromMismatchNotOwnedByLogin) {
    MapError error;
    settings->sender_login_map = std::make_shared<const SenderLoginMap>(*SenderLoginMap::parse(
        "bob@example.test bob\nsales@example.test bob\nceo@example.test ceo\n", "m", &error));
    Session owned = at_data("<bob@example.test>", "bob", outside_addr);
    auto findings = owned.on_header("From", "Sales <sales@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].cause, Cause::policy_reject);

    Session not_owned = at_data("<bob@example.test>", "bob", outside_addr);
    findings = not_owned.on_header("From", "<ceo@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::header_from_mismatch);
    EXPECT_EQ(findings[0].cause, Cause::sender_not_owned);
    EXPECT_EQ(findings[0].auth_login, "bob");
}

TEST_F(HeaderTest, SameAddressIgnoringCaseIsNoMismatch) {
    Session s = at_data("<Bob@Example.test>", "");
    EXPECT_TRUE(s.on_header("from", "\"Bob\" <bob@EXAMPLE.TEST>").empty());
}

TEST_F(HeaderTest, NullSenderSkipsTheMismatchCheck) {
    Session s = at_data("<>", "");
    EXPECT_TRUE(s.on_header("From", "MAILER-DAEMON <postmaster@example.test>").empty());
}

TEST_F(HeaderTest, UnparsableFromIsNoMismatch) {
    Session s = at_data("<bob@example.test>", "");
    EXPECT_TRUE(s.on_header("From", "undisclosed").empty());
}

TEST_F(HeaderTest, DisplayNameWithApostrophe) {
    Session s = at_data("<mark@example.test>", "");
    const auto findings = s.on_header("From", "Mark's email <mark@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::display_name_special);
    EXPECT_EQ(findings[0].cause, Cause::policy_reject);
    EXPECT_EQ(findings[0].header_from, "mark@example.test");
    EXPECT_NE(findings[0].detail.find("'"), std::string::npos) << findings[0].detail;
    EXPECT_NE(findings[0].advice.find("apostrophe"), std::string::npos);
}

TEST_F(HeaderTest, QuotedCommaIsFineUnquotedCommaIsReported) {
    Session quoted = at_data("<john@example.test>", "");
    EXPECT_TRUE(quoted.on_header("From", "\"Smith, John\" <john@example.test>").empty());
    Session unquoted = at_data("<john@example.test>", "");
    const auto findings = unquoted.on_header("From", "Smith, John <john@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_NE(findings[0].detail.find("unquoted"), std::string::npos);
    EXPECT_NE(findings[0].detail.find(","), std::string::npos);
}

TEST_F(HeaderTest, BothHeaderFindingsAtOnce) {
    Session s = at_data("<bob@example.test>", "");
    const auto findings = s.on_header("From", "O'Boss <ceo@example.test>");
    ASSERT_EQ(findings.size(), 2u);
    EXPECT_EQ(findings[0].kind, FindingKind::header_from_mismatch);
    EXPECT_EQ(findings[1].kind, FindingKind::display_name_special);
}

TEST_F(HeaderTest, OnlyTheFirstFromHeaderAndOnlyFrom) {
    Session s = at_data("<bob@example.test>", "");
    EXPECT_TRUE(s.on_header("Subject", "O'Boss <ceo@example.test>").empty());
    EXPECT_TRUE(s.on_header("Reply-To", "O'Boss <ceo@example.test>").empty());
    EXPECT_TRUE(s.on_header("FROM", "bob@example.test").empty());
    EXPECT_TRUE(s.on_header("From", "O'Boss <ceo@example.test>").empty());
}

TEST_F(HeaderTest, SettingsSwitchTheChecksOff) {
    settings->check_header_from = false;
    Session no_mismatch = at_data("<bob@example.test>", "");
    auto findings = no_mismatch.on_header("From", "O'Boss <ceo@example.test>");
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].kind, FindingKind::display_name_special);
    settings->check_display_name = false;
    Session none = at_data("<bob@example.test>", "");
    EXPECT_TRUE(none.on_header("From", "O'Boss <ceo@example.test>").empty());
}

TEST_F(HeaderTest, FromAfterEndOfMessageIsIgnored) {
    Session s = at_data("<bob@example.test>", "");
    s.on_end_of_message("Q7");
    EXPECT_TRUE(s.on_header("From", "O'Boss <ceo@example.test>").empty());
}

TEST(SessionSettings, NullSettingsPointerIsTolerated) {
    Session s(nullptr, nullptr);
    s.on_connect(connect_event(outside_addr));
    s.on_mail({"<bob@example.test>", "", ""});
    s.on_header("From", "O'Boss <ceo@example.test>");
    const auto findings = s.on_close();
    ASSERT_EQ(findings.size(), 1u);
    // No LocalDomains: nothing makes the sender one of ours.
    EXPECT_EQ(findings[0].cause, Cause::rejected_unreported);
    EXPECT_TRUE(s.settings().local_domains.empty());
}

TEST(SessionSettings, SessionKeepsItsSettingsAcrossAReload) {
    auto first = make_settings();
    Session s(first, nullptr);
    first = make_settings();  // the daemon swaps in new settings
    first->local_domains.add("other.test");
    EXPECT_FALSE(s.settings().local_domains.contains("other.test"));
}

}  // namespace
}  // namespace milter503::policy
