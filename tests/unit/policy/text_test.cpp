// Unit tests for policy/text: the one set of small text helpers.
#include "policy/text.hpp"

#include <gtest/gtest.h>

namespace milter503::text {
namespace {

TEST(Text, DigitsAndSpaceIgnoreTheLocale) {
    EXPECT_TRUE(all_digits("0123456789"));
    EXPECT_FALSE(all_digits(""));
    EXPECT_FALSE(all_digits("12a"));
    EXPECT_FALSE(all_digits("\xd9\xa3"));  // ARABIC-INDIC DIGIT THREE is no digit here
    EXPECT_TRUE(is_space('\v'));
    EXPECT_FALSE(is_space('\xa0'));
}

TEST(Text, TrimTakesAsciiWhiteSpaceOnly) {
    EXPECT_EQ(trim(" \t a b \r\n"), "a b");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim("\xc2\xa0x\xc2\xa0"), "\xc2\xa0x\xc2\xa0");
}

TEST(Text, CaseFoldsAsciiLettersOnly) {
    EXPECT_EQ(to_lower_ascii("AbC\xc3\x9c"), "abc\xc3\x9c");
    EXPECT_TRUE(equal_nocase("Relay ACCESS denied", "relay access DENIED"));
    EXPECT_FALSE(equal_nocase("abc", "abcd"));
    EXPECT_FALSE(equal_nocase("\xc3\x9c", "\xc3\xbc"));  // Ü and ü: not ASCII
    EXPECT_TRUE(starts_with_nocase("Postfix 3.7", "postfix"));
    EXPECT_FALSE(starts_with_nocase("Post", "postfix"));
}

TEST(Text, FindNocase) {
    EXPECT_EQ(find_nocase("xxQUOTAxx", "quota"), 2U);
    EXPECT_EQ(find_nocase("quota quota", "QUOTA", 1), 6U);
    EXPECT_EQ(find_nocase("abc", "abcd"), std::string_view::npos);
    EXPECT_EQ(find_nocase("abc", ""), 0U);
}

TEST(Text, PhrasesMatchWholeWordsOnly) {
    EXPECT_TRUE(contains_phrase("552 5.2.2 User is over quota.", "over quota"));
    EXPECT_TRUE(contains_phrase("Over Quota", "over quota"));
    EXPECT_FALSE(contains_phrase("quotas apply", "quota"));
    EXPECT_FALSE(contains_phrase("myquota", "quota"));
    EXPECT_FALSE(contains_phrase("rejected: 1.2.3.4blocked using x", "blocked using"));
    EXPECT_TRUE(contains_phrase("see returnc/pub/127.255.255.254", "returnc/pub"));
    // A second occurrence counts when the first is glued to a word.
    EXPECT_TRUE(contains_phrase("greylistedx, Greylisted", "greylisted"));
}

TEST(Text, Utf8SequenceLengthFollowsRfc3629) {
    EXPECT_EQ(utf8_sequence_length("a", 0), 1U);
    EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2U);
    EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3U);
    EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4U);
    EXPECT_EQ(utf8_sequence_length("\xc0\xaf", 0), 0U);          // overlong
    EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0U);      // surrogate
    EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 0), 0U);  // past U+10FFFF
    EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0U);          // cut short
    EXPECT_EQ(utf8_sequence_length("\x80", 0), 0U);
}

}  // namespace
}  // namespace milter503::text
