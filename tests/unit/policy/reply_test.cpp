// Unit tests for policy/reply: the one SMTP reply splitter. The replies
// are the forms Postfix (smtpd_check.c, smtpd.c), Sendmail (milter.c
// passes its whole reply in {rcpt_addr}) and Exim (ACL messages without
// a code) write; see tests/data/refusals/README.md for sources.
#include "policy/reply.hpp"

#include <gtest/gtest.h>

namespace milter503::policy {
namespace {

struct Case {
    const char* reply;
    const char* code;
    const char* status;
    const char* address;
    const char* text;
};

TEST(SplitReply, Forms) {
    const Case cases[] = {
        {"554 5.7.1 <someone@remote.test>: Relay access denied", "554", "5.7.1",
         "someone@remote.test", "Relay access denied"},
        {"550 5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed [127.0.0.5]",
         "550", "5.7.1", "someone@remote.test",
         "Relaying denied. IP name lookup failed [127.0.0.5]"},
        {"550-5.7.1 first line", "550", "5.7.1", "", "first line"},
        {"554 5.5.1 Error: no valid recipients", "554", "5.5.1", "", "Error: no valid recipients"},
        {"503 valid RCPT command must precede DATA", "503", "", "",
         "valid RCPT command must precede DATA"},
        {"relay not permitted", "", "", "", "relay not permitted"},
        {"5.7.1 Relay access denied", "", "5.7.1", "", "Relay access denied"},
        {"450 4.7.25 Client host rejected: cannot find your hostname, [192.168.224.1]", "450",
         "4.7.25", "", "Client host rejected: cannot find your hostname, [192.168.224.1]"},
        {"553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "553", "", "",
         "sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"},
        {"<pc01>: Helo command rejected: need fully-qualified hostname", "", "", "pc01",
         "Helo command rejected: need fully-qualified hostname"},
        // Not the parts they look like: kept whole.
        {"5500 too many digits", "", "", "", "5500 too many digits"},
        {"550 5.7 short status", "550", "", "", "5.7 short status"},
        {"550 6.7.1 bad class", "550", "", "", "6.7.1 bad class"},
        {"<no separator> text", "", "", "", "<no separator> text"},
        {"", "", "", "", ""},
        {"550", "550", "", "", ""},
    };
    for (const auto& c : cases) {
        const Reply r = split_reply(c.reply);
        EXPECT_EQ(r.code, c.code) << c.reply;
        EXPECT_EQ(r.status, c.status) << c.reply;
        EXPECT_EQ(r.address, c.address) << c.reply;
        EXPECT_EQ(r.text, c.text) << c.reply;
    }
}

TEST(SplitRefusal, PostfixPassesStatusAndText) {
    const Reply r = split_refusal("5.7.1", "Relay access denied");
    EXPECT_EQ(r.status, "5.7.1");
    EXPECT_EQ(r.text, "Relay access denied");
}

TEST(SplitRefusal, SendmailPassesTheWholeReply) {
    const Reply r = split_refusal("5.1.1", "550 5.1.1 <nosuchuser@example.org>... User unknown");
    EXPECT_EQ(r.code, "550");
    EXPECT_EQ(r.status, "5.1.1");
    EXPECT_EQ(r.address, "nosuchuser@example.org");
    EXPECT_EQ(r.text, "User unknown");
}

TEST(SplitRefusal, StatusFromTheTextWhenTheMacroHasNone) {
    EXPECT_EQ(split_refusal("", "550 5.1.1 User unknown").status, "5.1.1");
    EXPECT_EQ(split_refusal("garbage", "4.2.0 Greylisted").status, "4.2.0");
    // Sendmail 8.18 with an empty {rcpt_host}: nothing to split.
    const Reply r = split_refusal("", "nosuchuser");
    EXPECT_EQ(r.status, "");
    EXPECT_EQ(r.text, "nosuchuser");
}

TEST(EnhancedStatus, Shape) {
    EXPECT_TRUE(is_enhanced_status("5.7.1"));
    EXPECT_TRUE(is_enhanced_status("4.7.25"));
    EXPECT_TRUE(is_enhanced_status("5.1.10"));
    EXPECT_TRUE(is_enhanced_status("2.0.0"));
    EXPECT_FALSE(is_enhanced_status("3.0.0"));
    EXPECT_FALSE(is_enhanced_status("5.7.1000"));
    EXPECT_FALSE(is_enhanced_status("5.7"));
    EXPECT_FALSE(is_enhanced_status("5..1"));
    EXPECT_FALSE(is_enhanced_status("5.7.1 "));
}

}  // namespace
}  // namespace milter503::policy
