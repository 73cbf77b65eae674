// Log field escaping: the guarantee that no client byte forges a line or
// a field, and that the reader gets back exactly what was written.
#include "policy/log_format.hpp"

#include <gtest/gtest.h>

namespace milter503::logfmt {
namespace {

TEST(LogFormat, PlainValueIsWrittenBare) {
    EXPECT_EQ(escape_value("mx.example.test"), "mx.example.test");
    EXPECT_EQ(escape_value("<bob@example.test>"), "<bob@example.test>");
}

TEST(LogFormat, EmptyValueIsQuoted) {
    EXPECT_EQ(escape_value(""), "\"\"");
}

TEST(LogFormat, SpaceQuoteBackslashAndEqualsForceQuotes) {
    EXPECT_EQ(escape_value("Relay access denied"), "\"Relay access denied\"");
    EXPECT_EQ(escape_value("a\"b"), "\"a\\\"b\"");
    EXPECT_EQ(escape_value("a\\b"), "\"a\\\\b\"");
    EXPECT_EQ(escape_value("a=b"), "\"a=b\"");
}

TEST(LogFormat, ControlBytesAndDelAreHexEscaped) {
    EXPECT_EQ(escape_value("evil\r\nfinding=x"), "\"evil\\x0d\\x0afinding=x\"");
    EXPECT_EQ(escape_value(std::string("a\0b", 3)), "\"a\\x00b\"");
    EXPECT_EQ(escape_value("a\x7f"), "\"a\\x7f\"");
}

TEST(LogFormat, ValidUtf8IsKeptInvalidIsEscaped) {
    EXPECT_EQ(escape_value("J\xc3\xbcrgen"), "J\xc3\xbcrgen");
    EXPECT_EQ(escape_value("a\xc3"), "\"a\\xc3\"");                           // truncated sequence
    EXPECT_EQ(escape_value("\xc0\xaf"), "\"\\xc0\\xaf\"");                    // overlong '/'
    EXPECT_EQ(escape_value("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");           // surrogate
    EXPECT_EQ(escape_value("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\"");  // > U+10FFFF
}

TEST(LogFormat, FieldsRoundTripByteForByte) {
    const std::string hostile = std::string("x\" rcpt_ok=9 \\\r\n\x01\xff=", 20);
    std::string line;
    append_field(line, "helo", hostile);
    append_field(line, "from", "<bob@example.test>");
    append_field(line, "advice", "");
    auto fields = parse_fields(line);
    ASSERT_TRUE(fields.has_value());
    ASSERT_EQ(fields->size(), 3u);
    EXPECT_EQ((*fields)[0], (Field{"helo", hostile}));
    EXPECT_EQ((*fields)[1], (Field{"from", "<bob@example.test>"}));
    EXPECT_EQ((*fields)[2], (Field{"advice", ""}));
    ASSERT_NE(find_field(*fields, "from"), nullptr);
    EXPECT_EQ(*find_field(*fields, "from"), "<bob@example.test>");
    EXPECT_EQ(find_field(*fields, "nope"), nullptr);
}

TEST(LogFormat, EscapedOutputHasNoLineBreakOrControlByte) {
    std::string all_bytes;
    for (int b = 0; b < 256; ++b)
        all_bytes += static_cast<char>(b);
    const std::string out = escape_value(all_bytes);
    for (char c : out) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_FALSE(u < 0x20 || u == 0x7f) << "byte " << int(u);
    }
    auto fields = parse_fields("k=" + out);
    ASSERT_TRUE(fields.has_value());
    EXPECT_EQ((*fields)[0].second, all_bytes);
}

TEST(LogFormat, MalformedTextIsRejected) {
    EXPECT_FALSE(parse_fields("novalue").has_value());
    EXPECT_FALSE(parse_fields("k=\"unterminated").has_value());
    EXPECT_FALSE(parse_fields("k=\"bad \\q escape\"").has_value());
    EXPECT_FALSE(parse_fields("k=\"bad \\xZZ\"").has_value());
    EXPECT_FALSE(parse_fields("=v").has_value());
}

}  // namespace
}  // namespace milter503::logfmt
