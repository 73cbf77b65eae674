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
        {"4.3.1", "Insufficient system storage", Cause::mailbox_full},
        {"4.3.1", "insufficient storage", Cause::mailbox_full},
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

TEST(ClassifyRejection, DeferredIsAnyOtherTemporaryReply) {
    expect_cases({
        {"4.2.0", "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/",
         Cause::deferred},
        {"4.2.0", "", Cause::deferred},
        {"4.3.0", "Temporary lookup failure", Cause::deferred},
        {"4.7.1", "Client host rejected: cannot find your hostname", Cause::deferred},
        {"4", "", Cause::deferred},
        {"4.x", "", Cause::deferred},
    });
}

TEST(ClassifyRejection, EverythingElseIsPolicyReject) {
    expect_cases({
        {"5.7.1", "Client host rejected: Access denied", Cause::policy_reject},
        {"5.7.1", "Recipient address rejected: Access denied", Cause::policy_reject},
        {"", "", Cause::policy_reject},
        {"garbage", "\x01\xff random", Cause::policy_reject},
        {"5.1.10", "", Cause::policy_reject},  // not X.1.1
        {"5.2.22", "", Cause::policy_reject},  // not X.2.2
        {"9.2.2", "", Cause::policy_reject},   // no such class
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
    EXPECT_NE(cause_advice(Cause::relay_denied).find("587"), std::string_view::npos);
    EXPECT_NE(cause_advice(Cause::rejected_unreported).find("check_rcpt"), std::string_view::npos);
    EXPECT_NE(cause_advice(Cause::left_trusted_network).find("VPN"), std::string_view::npos);
}

}  // namespace
}  // namespace milter503::policy
