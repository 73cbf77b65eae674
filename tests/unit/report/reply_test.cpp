// NAME
//	reply_test - SMTP replies as the MTAs log them, split for the cause table
#include "report/reply.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

TEST(Reply, Postfix) {
    const ReplyParts p = split_reply("554 5.7.1 <someone@remote.test>: Relay access denied");
    EXPECT_EQ(p.code, "554");
    EXPECT_EQ(p.status, "5.7.1");
    EXPECT_EQ(p.reason, "Relay access denied");
}

TEST(Reply, Sendmail) {
    const ReplyParts p = split_reply(
        "550 5.7.1 <someone@remote.test>... Relaying denied. IP name lookup failed [127.0.0.5]");
    EXPECT_EQ(p.code, "550");
    EXPECT_EQ(p.status, "5.7.1");
    EXPECT_EQ(p.reason, "Relaying denied. IP name lookup failed [127.0.0.5]");
}

TEST(Reply, EximTextOnlyAndOddForms) {
    EXPECT_EQ(split_reply("relay not permitted").reason, "relay not permitted");
    EXPECT_EQ(split_reply("relay not permitted").code, "");
    const ReplyParts no_status = split_reply("451 Try again later");
    EXPECT_EQ(no_status.code, "451");
    EXPECT_EQ(no_status.status, "");
    EXPECT_EQ(no_status.reason, "Try again later");
    EXPECT_EQ(split_reply("").reason, "");
    EXPECT_EQ(split_reply("55").reason, "55");
    EXPECT_EQ(split_reply("452 4.2.2").status, "4.2.2");
}

}  // namespace
}  // namespace milter503::report
