// From: header parsing: the forms clients send, broken input, and which
// display-name characters are reported.
#include "policy/header_from.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace milter503::policy {
namespace {

struct Case {
    std::string value;
    std::string name;
    std::string address;
    bool quoted;
};

TEST(ParseHeaderFrom, CommonForms) {
    const Case cases[] = {
        {"Mark's email <mark@example.test>", "Mark's email", "mark@example.test", false},
        {"\"Smith, John\" <john@example.test>", "Smith, John", "john@example.test", true},
        {"john@example.test", "", "john@example.test", false},
        {"<john@example.test>", "", "john@example.test", false},
        {"john@example.test (John Smith)", "John Smith", "john@example.test", false},
        {"=?UTF-8?Q?J=C3=BCrgen?= <j@example.test>", "=?UTF-8?Q?J=C3=BCrgen?=", "j@example.test",
         false},
        {"  John   Smith  <john@example.test>  ", "John Smith", "john@example.test", false},
        {"\"John \\\"JJ\\\" Smith\" <j@example.test>", "John \"JJ\" Smith", "j@example.test", true},
        {"John (Work) <john@example.test>", "John", "john@example.test", false},
        {"\"a<b>\" <real@example.test>", "a<b>", "real@example.test", true},
        {"<\"john doe\"@example.test>", "", "\"john doe\"@example.test", false},
    };
    for (const auto& c : cases) {
        const HeaderFrom from = parse_header_from(c.value);
        EXPECT_EQ(from.display_name, c.name) << c.value;
        EXPECT_EQ(from.address, c.address) << c.value;
        EXPECT_EQ(from.display_name_quoted, c.quoted) << c.value;
    }
}

TEST(ParseHeaderFrom, FoldedLines) {
    const auto from = parse_header_from("\"Smith,\r\n John\"\r\n <john@example.test>");
    EXPECT_EQ(from.display_name, "Smith, John");
    EXPECT_EQ(from.address, "john@example.test");
}

TEST(ParseHeaderFrom, UnquotedCommaBeforeAngleStaysInTheName) {
    const auto from = parse_header_from("Smith, John <john@example.test>");
    EXPECT_EQ(from.display_name, "Smith, John");
    EXPECT_EQ(from.address, "john@example.test");
    EXPECT_FALSE(from.display_name_quoted);
}

TEST(ParseHeaderFrom, FirstMailboxOfAList) {
    EXPECT_EQ(parse_header_from("a@example.test, b@example.test").address, "a@example.test");
    EXPECT_EQ(parse_header_from("A <a@example.test>, B <b@example.test>").address,
              "a@example.test");
}

TEST(ParseHeaderFrom, GroupSyntax) {
    EXPECT_EQ(parse_header_from("Team: a@example.test;").address, "a@example.test");
}

TEST(ParseHeaderFrom, UnbalancedInputRunsToTheEnd) {
    EXPECT_EQ(parse_header_from("John <john@example.test").address, "john@example.test");
    // The angle is inside the open quote: no address outside quotes.
    EXPECT_EQ(parse_header_from("\"John <john@example.test>").address, "");
    const auto comment = parse_header_from("john@example.test (John");
    EXPECT_EQ(comment.address, "john@example.test");
    EXPECT_EQ(comment.display_name, "John");
    EXPECT_EQ(parse_header_from("John) <j@example.test>").address, "j@example.test");
    EXPECT_EQ(parse_header_from(">>><<<").address, "");
    EXPECT_EQ(parse_header_from("((((((((").address, "");
    EXPECT_EQ(parse_header_from("\\").address, "");
}

TEST(ParseHeaderFrom, NoPlausibleAddressIsEmpty) {
    EXPECT_EQ(parse_header_from("").address, "");
    EXPECT_EQ(parse_header_from("undisclosed").address, "");
    EXPECT_EQ(parse_header_from("<postmaster>").address, "");
    EXPECT_EQ(parse_header_from("<a b@example.test>").address, "");
    EXPECT_EQ(parse_header_from("<user@[192.0.2.1]>").address, "user@[192.0.2.1]");
    EXPECT_EQ(parse_header_from("   ").address, "");
    EXPECT_EQ(parse_header_from("<>").address, "");
}

TEST(ParseHeaderFrom, VeryLongInputIsCutAndStillParsed) {
    const std::string name(1'000'000, 'x');
    const auto from = parse_header_from(name + " <long@example.test>");
    EXPECT_EQ(from.address, "");  // the angle is past the cut
    EXPECT_LE(from.display_name.size(), 8192u);
    const auto deep = parse_header_from(std::string(500'000, '(') + "x");
    EXPECT_EQ(deep.address, "");
    const auto early = parse_header_from("A <a@example.test>" + std::string(1'000'000, ' '));
    EXPECT_EQ(early.address, "a@example.test");
}

TEST(ParseHeaderFrom, RandomBytesNeverCrash) {
    std::mt19937 rng(503);
    const std::string alphabet = "\"()<>@,;:\\.[] \t\r\n'aZ=?\x00\xff";
    for (int round = 0; round < 3000; ++round) {
        std::string value;
        const size_t len = rng() % 80;
        for (size_t i = 0; i < len; ++i) {
            value +=
                (round % 2) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
        }
        const auto from = parse_header_from(value);
        EXPECT_LE(from.address.size(), value.size() + 2);
        EXPECT_LE(from.display_name.size(), value.size());
        (void)special_characters(from.display_name, from.display_name_quoted);
    }
}

TEST(SpecialCharacters, ApostropheAlwaysReported) {
    EXPECT_EQ(special_characters("Mark's email"), "'");
    EXPECT_EQ(special_characters("Mark's email", true), "'");
    EXPECT_EQ(special_characters("O'Brien", false), "'");
}

TEST(SpecialCharacters, QuotedCommaAndDotAreHarmless) {
    EXPECT_EQ(special_characters("Smith, John", true), "");
    EXPECT_EQ(special_characters("J. Smith (Sales) <x> [y] a@b: c;", true), "");
}

TEST(SpecialCharacters, QuotedNameReportsEscapedCharacters) {
    EXPECT_EQ(special_characters("John \"JJ\" Smith", true), "\"");
    EXPECT_EQ(special_characters("back\\slash", true), "\\");
}

TEST(SpecialCharacters, UnquotedNameReportsSpecialsButNotDot) {
    EXPECT_EQ(special_characters("Smith, John", false), ",");
    EXPECT_EQ(special_characters("J. Smith", false), "");
    EXPECT_EQ(special_characters("a@b", false), "@");
    EXPECT_EQ(special_characters("x:y;", false), ":;");
    EXPECT_EQ(special_characters("[x]", false), "[]");
    EXPECT_EQ(special_characters("Mark's, \"x\"", false), "',\"");
}

TEST(SpecialCharacters, PlainNamesAreClean) {
    EXPECT_EQ(special_characters("John Smith"), "");
    EXPECT_EQ(special_characters(""), "");
    EXPECT_EQ(special_characters("J\xc3\xbcrgen M\xc3\xbcller-Schmidt"), "");
    EXPECT_EQ(special_characters("=?UTF-8?Q?Mark=27s?="), "");  // encoded: not raw
}

}  // namespace
}  // namespace milter503::policy
