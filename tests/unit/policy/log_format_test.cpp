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

TEST(CapValue, ShortValuesAreKept) {
    EXPECT_EQ(cap_value("outlook.test", 255), "outlook.test");
    EXPECT_EQ(cap_value(std::string(255, 'a'), 255), std::string(255, 'a'));
    EXPECT_EQ(cap_value("", 0), "");
}

TEST(CapValue, LongValuesKeepTheirStartAndSayHowMuchWasCut) {
    const std::string helo(61440, 'A');
    const std::string capped = cap_value(helo, 255);
    EXPECT_EQ(capped.size(), 255u);
    const std::string marker = "...[cut 61205 bytes]";
    ASSERT_TRUE(capped.ends_with(marker)) << capped;
    EXPECT_EQ(capped.substr(0, capped.size() - marker.size()), std::string(235, 'A'));
    EXPECT_EQ(cut_marker(61205), marker);
}

TEST(CapValue, CutsBetweenCharactersNeverInside) {
    std::string name;
    for (int i = 0; i < 200; ++i)
        name += "\xc3\xbc";  // ü, two bytes
    const std::string capped = cap_value(name, 100);
    const size_t kept = capped.find("...[cut ");
    ASSERT_NE(kept, std::string::npos);
    EXPECT_EQ(kept % 2, 0u) << capped;
    EXPECT_EQ(capped.substr(kept), cut_marker(400 - kept));
    EXPECT_LE(capped.size(), 100u);
    // A byte that is not UTF-8 is a character of its own.
    EXPECT_EQ(cap_value(std::string(300, '\xff'), 40).find("...[cut "),
              40 - cut_marker(300).size());
}

TEST(CapValue, ACapSmallerThanTheMarkerKeepsOnlyTheMarker) {
    EXPECT_EQ(cap_value("abcdef", 3), cut_marker(6));
}

}  // namespace
}  // namespace milter503::logfmt
