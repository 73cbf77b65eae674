// NAME
//	options_test - the command line of milter503-report
#include "report/options.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

const LocalZone utc = LocalZone::fixed(0);

Options parse_ok(const std::vector<std::string>& args) {
    auto result = parse_options(args, utc);
    EXPECT_TRUE(std::holds_alternative<Options>(result))
        << (std::holds_alternative<UsageError>(result) ? std::get<UsageError>(result).message : "");
    return std::holds_alternative<Options>(result) ? std::get<Options>(result) : Options{};
}

bool is_error(const std::vector<std::string>& args) {
    return std::holds_alternative<UsageError>(parse_options(args, utc));
}

TEST(Options, Defaults) {
    const Options o = parse_ok({});
    EXPECT_EQ(o.format, Format::text);
    EXPECT_EQ(o.filters.top, 0u);
    EXPECT_TRUE(o.files.empty());
}

TEST(Options, Everything) {
    const Options o = parse_ok({"--format", "json", "--top", "5", "--since", "2026-11-25",
                                "--until", "2026-11-25", "--client", "IPv6:2001:db8::1", "--year",
                                "2026", "a.log", "b.log.gz"});
    EXPECT_EQ(o.format, Format::json);
    EXPECT_EQ(o.filters.top, 5u);
    EXPECT_EQ(*o.filters.since, unix_from_civil(CivilTime{2026, 11, 25, 0, 0, 0}));
    // A date alone for --until: the whole day.
    EXPECT_EQ(*o.filters.until, unix_from_civil(CivilTime{2026, 11, 25, 23, 59, 59}));
    EXPECT_EQ(*o.filters.client, "2001:db8::1");
    EXPECT_EQ(*o.year, 2026);
    EXPECT_EQ(o.files, (std::vector<std::string>{"a.log", "b.log.gz"}));
    EXPECT_EQ(parse_ok({"--format=html"}).format, Format::html);
}

TEST(Options, KindAndUser) {
    EXPECT_FALSE(parse_ok({}).filters.kind.has_value());
    EXPECT_FALSE(parse_ok({"--kind", "all"}).filters.kind.has_value());
    EXPECT_EQ(parse_ok({"--kind", "user"}).filters.kind, ClientKind::user);
    EXPECT_EQ(parse_ok({"--kind=stranger"}).filters.kind, ClientKind::stranger);
    EXPECT_EQ(parse_ok({"--kind", "unknown"}).filters.kind, ClientKind::unknown);
    EXPECT_FALSE(parse_ok({}).filters.user.has_value());
    EXPECT_EQ(*parse_ok({"--user", "Alice@Example.com"}).filters.user, "Alice@Example.com");
    // As a mail client or a log writes it: the angle brackets are not part of the address.
    EXPECT_EQ(*parse_ok({"--user", "<alice@example.com>"}).filters.user, "alice@example.com");
    EXPECT_TRUE(is_error({"--kind", "users"}));
    EXPECT_TRUE(is_error({"--user", ""}));
    EXPECT_TRUE(is_error({"--user", "<>"}));
    EXPECT_NE(usage_text().find("--user"), std::string::npos);
}

TEST(Options, Errors) {
    EXPECT_TRUE(is_error({"--format", "xml"}));
    EXPECT_TRUE(is_error({"--top", "-1"}));
    EXPECT_TRUE(is_error({"--top", "many"}));
    EXPECT_TRUE(is_error({"--since", "yesterday"}));
    EXPECT_TRUE(is_error({"--year", "26"}));
    EXPECT_TRUE(is_error({"--client", ""}));
    EXPECT_TRUE(is_error({"--frobnicate"}));
    EXPECT_TRUE(is_error({"--form", "json"}));  // no guessing of abbreviations
    EXPECT_NE(usage_text().find("--format"), std::string::npos);
}

}  // namespace
}  // namespace milter503::report
