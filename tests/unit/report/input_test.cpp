// NAME
//	input_test - plain, gzip and standard-input line reading
#include "report/input.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.hpp"

namespace milter503::report {
namespace {

std::vector<std::string> all_lines(LineSource& source) {
    std::vector<std::string> lines;
    std::string_view line;
    while (source.next(line))
        lines.emplace_back(line);
    return lines;
}

TEST(Input, PlainFileLastLineWithoutNewline) {
    test::TempFile file("one\ntwo\n\nthree");
    std::string error;
    auto source = LineSource::open(file.path(), &error);
    ASSERT_TRUE(source) << error;
    EXPECT_FALSE(source->compressed());
    EXPECT_EQ(all_lines(*source), (std::vector<std::string>{"one", "two", "", "three"}));
    EXPECT_EQ(source->error(), "");
}

TEST(Input, GzipIsRecognisedByItsMagicNotItsName) {
    std::string text;
    for (int i = 0; i < 50000; ++i)
        text += "line " + std::to_string(i) + "\n";
    test::TempFile file(test::gzip(text), ".log");  // no .gz suffix
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    EXPECT_TRUE(source->compressed());
    const auto lines = all_lines(*source);
    ASSERT_EQ(lines.size(), 50000u);
    EXPECT_EQ(lines.front(), "line 0");
    EXPECT_EQ(lines.back(), "line 49999");
    EXPECT_EQ(source->error(), "");
}

TEST(Input, TruncatedGzipEndsTheInputWithAnError) {
    std::string text;
    for (int i = 0; i < 20000; ++i)
        text += "Nov 26 05:53:49 vm p[1]: line " + std::to_string(i) + "\n";
    std::string packed = test::gzip(text);
    packed.resize(packed.size() / 2);
    test::TempFile file(packed, ".gz");
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    const auto lines = all_lines(*source);
    EXPECT_LT(lines.size(), 20000u);
    // The lines before the cut are read (issue 9: a half-written rotation
    // gave none), in order and whole but maybe the last.
    EXPECT_GT(lines.size(), 1000u);
    for (size_t i = 0; i + 1 < lines.size(); ++i)
        ASSERT_EQ(lines[i], "Nov 26 05:53:49 vm p[1]: line " + std::to_string(i));
    EXPECT_NE(source->error(), "");
}

TEST(Input, ModificationTimeOfAFile) {
    test::TempFile file("x\n");
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    ASSERT_TRUE(source->modified());
    EXPECT_GT(*source->modified(), 1700000000);  // written just now
}

TEST(Input, GarbageAfterTheGzipMagic) {
    test::TempFile file(std::string("\x1f\x8b") + "this is not deflate data at all\n");
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    all_lines(*source);
    EXPECT_NE(source->error(), "");
}

TEST(Input, OverlongLinesAreSkippedAndCounted) {
    const std::string huge(LineSource::max_line_length * 3, 'x');
    test::TempFile file("before\n" + huge + "\nafter\n");
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    EXPECT_EQ(all_lines(*source), (std::vector<std::string>{"before", "after"}));
    EXPECT_EQ(source->overlong_lines(), 1u);
}

TEST(Input, LinesAcrossBlockBoundaries) {
    // Lines of varying length so that many straddle the 1 MiB read blocks.
    std::string text;
    std::vector<std::string> expected;
    for (int i = 0; i < 40000; ++i) {
        expected.push_back(
            std::string(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26)) +
            std::to_string(i));
        text += expected.back() + "\n";
    }
    test::TempFile file(text);
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    EXPECT_EQ(all_lines(*source), expected);
}

TEST(Input, MissingFile) {
    std::string error;
    EXPECT_FALSE(LineSource::open("/nonexistent/milter503/mail.log", &error));
    EXPECT_NE(error, "");
}

TEST(Input, EmptyFile) {
    test::TempFile file("");
    auto source = LineSource::open(file.path(), nullptr);
    ASSERT_TRUE(source);
    EXPECT_TRUE(all_lines(*source).empty());
}

}  // namespace
}  // namespace milter503::report
