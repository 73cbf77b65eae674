// The rejection classifier against the texts Postfix and Sendmail really
// send, and the name/advice tables.
#include "policy/cause.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace milter503::policy {
namespace {

struct Case {
    const char* status;
    const char* text;
    Cause expected;
};

void expect_cases(std::initializer_list<Case> cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(classify_rejection(c.status, c.text), c.expected)
            << "status=\"" << c.status << "\" text=\"" << c.text << "\" got "
            << cause_name(classify_rejection(c.status, c.text));
    }
}

TEST(ClassifyRejection, RelayDeniedPostfixAndSendmail) {
    expect_cases({
        {"5.7.1", "Relay access denied", Cause::relay_denied},
        {"4.7.1", "Relay access denied", Cause::relay_denied},  // soft_bounce / 454
        {"5.7.1", "<someone@remote.test>... Relaying denied. IP name lookup failed [127.0.0.5]",
         Cause::relay_denied},
        {"5.7.1", "Relaying denied. Proper authentication required.", Cause::relay_denied},
        {"", "550 5.7.1 <x@remote.test>... Relaying denied", Cause::relay_denied},
        {"5.7.1", "RELAY ACCESS DENIED", Cause::relay_denied},
    });
}

TEST(ClassifyRejection, SenderLoginTexts) {
    expect_cases({
        {"5.7.1", "Sender address rejected: not logged in", Cause::sender_not_logged_in},
        {"5.7.1", "<bob@example.test>: Sender address rejected: not logged in",
         Cause::sender_not_logged_in},
        {"5.7.1", "Sender address rejected: not owned by user alice@mx.example.test",
         Cause::sender_not_owned},
    });
}

TEST(ClassifyRejection, MailboxFullByTextAndStatus) {
    expect_cases({
        {"5.2.2", "Mailbox full", Cause::mailbox_full},
        {"4.2.2", "", Cause::mailbox_full},
        {"5.2.2", "Requested mail action aborted: exceeded storage allocation",
         Cause::mailbox_full},
        {"5.7.1", "Recipient address rejected: mailbox is full", Cause::mailbox_full},
        {"4.5.0", "user is over quota", Cause::mailbox_full},
        {"5.0.0", "Quota exceeded (mailbox for user is full)", Cause::mailbox_full},
        // Postfix's "452 4.3.1 Insufficient system storage" is its own queue
        // file system being full (smtpd.c), not a recipient's mailbox.
        {"4.3.1", "Insufficient system storage", Cause::server_fault},
    });
}

TEST(ClassifyRejection, UnknownRecipient) {
    expect_cases({
        {"5.1.1", "Recipient address rejected: User unknown in local recipient table",
         Cause::unknown_recipient},
        {"5.1.1", "Recipient address rejected: User unknown in virtual mailbox table",
         Cause::unknown_recipient},
        {"4.1.1", "Recipient address rejected: User unknown in virtual mailbox table",
         Cause::unknown_recipient},  // text first, even for a 4xx
        {"5.1.1", "<nobody@example.test>... User unknown", Cause::unknown_recipient},
        {"5.1.1", "", Cause::unknown_recipient},
        {"4.1.1", "some text", Cause::unknown_recipient},
    });
}

TEST(ClassifyRejection, TemporaryRepliesWithACauseOfTheirOwn) {
    expect_cases({
        {"4.2.0", "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/",
         Cause::greylisted},
        {"4.3.0", "Temporary lookup failure", Cause::server_fault},
        {"4.7.1", "Client host rejected: cannot find your hostname", Cause::client_rejected},
    });
}

TEST(ClassifyRejection, DeferredIsAnyOtherTemporaryReply) {
    expect_cases({
        {"4.2.0", "", Cause::deferred},
        {"4.7.1", "Recipient address rejected: Try again later", Cause::deferred},
        {"4", "", Cause::deferred},
        {"4.x", "", Cause::deferred},
    });
}

TEST(ClassifyRejection, EverythingElseIsPolicyReject) {
    expect_cases({
        // check_recipient_access REJECT without text (smtpd_check.c).
        {"5.7.1", "Recipient address rejected: Access denied", Cause::policy_reject},
        {"", "", Cause::policy_reject},
        {"garbage", "\x01\xff random", Cause::policy_reject},
        {"5.1.100", "", Cause::policy_reject},  // neither X.1.1 nor X.1.10
        {"5.2.22", "", Cause::policy_reject},   // not X.2.2
        {"9.2.2", "", Cause::policy_reject},    // no such class
    });
}

TEST(ClassifyRejection, TextWinsOverStatus) {
    // A quota text with a policy status, a relay text with a quota status.
    EXPECT_EQ(classify_rejection("5.7.1", "over quota"), Cause::mailbox_full);
    EXPECT_EQ(classify_rejection("5.2.2", "Relay access denied"), Cause::relay_denied);
}

TEST(ClassifyRejection, NeverReturnsSessionOnlyCauses) {
    const char* inputs[] = {"", "4.7.1", "5.7.1", "rejected", "left", "unreported"};
    for (const char* status : inputs) {
        for (const char* text : inputs) {
            const Cause c = classify_rejection(status, text);
            EXPECT_NE(c, Cause::rejected_unreported);
            EXPECT_NE(c, Cause::left_trusted_network);
            EXPECT_NE(c, Cause::no_recipient_sent);
            EXPECT_NE(c, Cause::domain_not_served);
        }
    }
}

TEST(CauseNames, RoundTripAndAreDistinct) {
    std::set<std::string> names;
    for (Cause c : all_causes) {
        const auto name = cause_name(c);
        EXPECT_FALSE(name.empty());
        EXPECT_EQ(cause_from_name(name), c);
        names.insert(std::string(name));
    }
    EXPECT_EQ(names.size(), std::size(all_causes));
    EXPECT_EQ(cause_name(Cause::relay_denied), "relay-denied");
    EXPECT_EQ(cause_name(Cause::sender_not_logged_in), "sender-not-logged-in");
    EXPECT_EQ(cause_name(Cause::left_trusted_network), "left-trusted-network");
    EXPECT_EQ(cause_name(Cause::rejected_unreported), "rejected-unreported");
    EXPECT_FALSE(cause_from_name("Relay-Denied").has_value());
    EXPECT_FALSE(cause_from_name("").has_value());
}

TEST(CauseAdvice, OneSentencePerCauseWithoutLineBreaks) {
    std::set<std::string> advice;
    for (Cause c : all_causes) {
        const auto text = cause_advice(c);
        EXPECT_GT(text.size(), 40u) << cause_name(c);
        EXPECT_EQ(text.back(), '.') << cause_name(c);
        EXPECT_EQ(text.find('\n'), std::string_view::npos);
        advice.insert(std::string(text));
    }
    EXPECT_EQ(advice.size(), std::size(all_causes));
    EXPECT_NE(cause_advice(Cause::relay_denied).find("authentication"), std::string_view::npos);
    EXPECT_NE(cause_advice(Cause::rejected_unreported).find("check_rcpt"), std::string_view::npos);
    EXPECT_NE(cause_advice(Cause::left_trusted_network).find("VPN"), std::string_view::npos);
}

TEST(CauseTable, EveryCauseHasOneCompleteRow) {
    ASSERT_EQ(cause_table().size(), cause_count);
    for (Cause c : all_causes) {
        const CauseInfo& info = cause_info(c);
        EXPECT_EQ(info.cause, c);
        EXPECT_FALSE(info.what.empty()) << info.name;
        EXPECT_FALSE(info.user_advice.empty()) << info.name;
        EXPECT_FALSE(info.admin_advice.empty()) << info.name;
    }
}

TEST(CauseTable, WhoMustActForTheIssuesExamples) {
    EXPECT_EQ(cause_fix(Cause::relay_denied), Actor::user);
    EXPECT_EQ(cause_fix(Cause::domain_not_served), Actor::admin);
    EXPECT_EQ(cause_fix(Cause::server_fault), Actor::admin);
    EXPECT_EQ(cause_fix(Cause::dnsbl_listed), Actor::sender);
    EXPECT_EQ(cause_fix(Cause::sender_domain_unresolvable), Actor::user);
    EXPECT_EQ(cause_fix(Cause::client_rejected), Actor::admin);
}

TEST(CauseTable, AdviceGoesToWhoMustAct) {
    // The user reads the user's advice; where the admin or the sender must
    // act, the admin's advice (the user is told elsewhere to pass it on).
    EXPECT_EQ(cause_advice(Cause::relay_denied), cause_info(Cause::relay_denied).user_advice);
    EXPECT_EQ(cause_advice(Cause::server_fault), cause_info(Cause::server_fault).admin_advice);
}

TEST(ActorNames, RoundTrip) {
    for (Actor a : {Actor::user, Actor::admin, Actor::sender}) {
        EXPECT_EQ(actor_from_name(actor_name(a)), a);
    }
    EXPECT_EQ(actor_name(Actor::sender), "sender");
    EXPECT_FALSE(actor_from_name("User").has_value());
    EXPECT_FALSE(actor_from_name("").has_value());
}

}  // namespace
}  // namespace milter503::policy
