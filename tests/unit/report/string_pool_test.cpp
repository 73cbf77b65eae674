// NAME
//	string_pool_test - each distinct text once, ids that compare as texts
#include "report/string_pool.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace milter503::report {
namespace {

TEST(StringPool, TheSameTextTheSameIdAnotherTextAnother) {
    StringPool pool;
    EXPECT_EQ(pool.intern(""), StringPool::empty);
    const auto helo = pool.intern("outlook.test");
    EXPECT_NE(helo, StringPool::empty);
    EXPECT_EQ(pool.intern(std::string("outlook.") + "test"), helo);  // not by address
    EXPECT_NE(pool.intern("Outlook.test"), helo);                    // case counts
    EXPECT_EQ(pool.view(helo), "outlook.test");
    EXPECT_EQ(pool.view(StringPool::empty), "");
    EXPECT_EQ(pool.size(), 3u);
}

TEST(StringPool, TextsStayInPlaceAsThePoolGrows) {
    // 200 000 texts: many index growths and blocks; a view taken first
    // still reads its text at the end, and every id its own.
    StringPool pool;
    const auto first = pool.intern("first");
    const std::string_view first_view = pool.view(first);
    std::set<StringPool::Id> ids;
    for (int i = 0; i < 200000; ++i)
        ids.insert(pool.intern("client-" + std::to_string(i) + ".example.test"));
    EXPECT_EQ(ids.size(), 200000u);
    EXPECT_EQ(first_view, "first");
    EXPECT_EQ(pool.intern("first"), first);
    EXPECT_EQ(pool.view(pool.intern("client-123456.example.test")), "client-123456.example.test");
    EXPECT_EQ(pool.size(), 200002u);
}

TEST(StringPool, FindDoesNotAdd) {
    StringPool pool;
    const auto id = pool.intern("192.0.2.1");
    EXPECT_EQ(pool.find("192.0.2.1"), id);
    EXPECT_EQ(pool.find(""), StringPool::empty);
    EXPECT_FALSE(pool.find("192.0.2.2").has_value());
    EXPECT_EQ(pool.size(), 2u);  // "" and the one added
}

TEST(StringPool, LongAndBinaryTexts) {
    StringPool pool;
    const std::string long_text(100000, 'x');  // longer than a block
    const std::string binary("a\0b\xff", 4);
    const auto a = pool.intern(long_text);
    const auto b = pool.intern(binary);
    EXPECT_EQ(pool.view(a), long_text);
    EXPECT_EQ(pool.view(b), binary);
    EXPECT_EQ(pool.intern(long_text), a);
    EXPECT_NE(pool.intern(std::string("a\0c\xff", 4)), b);
}

}  // namespace
}  // namespace milter503::report
