// Command line.
#include "milter/options.hpp"

#include <gtest/gtest.h>

namespace milter503::milter {
namespace {

std::optional<CommandLine> parse(std::vector<const char*> args, std::string* error = nullptr) {
    args.insert(args.begin(), "milter503");
    return parse_command_line(static_cast<int>(args.size()), args.data(), error);
}

TEST(Options, DefaultsWithoutArguments) {
    auto line = parse({});
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->config_file, "/etc/milter503.conf");
    EXPECT_FALSE(line->config_file_given);
    EXPECT_FALSE(line->foreground);
    EXPECT_EQ(line->log_target.kind, LogTarget::Kind::syslog);
    EXPECT_FALSE(line->socket.has_value());
}

TEST(Options, OpenDkimStyleFlags) {
    auto line = parse({"-f", "-n", "-c", "/tmp/x.conf", "-p", "inet:9999@127.0.0.1", "-u",
                       "milter503:milter503", "-P", "/run/m.pid", "-l", "file:/tmp/m.log"});
    ASSERT_TRUE(line.has_value());
    EXPECT_TRUE(line->foreground);
    EXPECT_TRUE(line->check_only);
    EXPECT_EQ(line->config_file, "/tmp/x.conf");
    EXPECT_TRUE(line->config_file_given);
    EXPECT_EQ(*line->socket, "inet:9999@127.0.0.1");
    EXPECT_EQ(*line->user, "milter503:milter503");
    EXPECT_EQ(*line->pid_file, "/run/m.pid");
    EXPECT_EQ(line->log_target.kind, LogTarget::Kind::file);
    EXPECT_EQ(line->log_target.path, "/tmp/m.log");
}

TEST(Options, UsageErrors) {
    std::string error;
    EXPECT_FALSE(parse({"-x"}, &error).has_value());
    EXPECT_FALSE(error.empty());
    EXPECT_FALSE(parse({"-l", "journal"}, &error).has_value());
    EXPECT_EQ(error, "-l takes syslog, stderr or file:PATH");
    EXPECT_FALSE(parse({"-c"}, &error).has_value());
}

TEST(Options, UsageListsEveryConfigurationKey) {
    const std::string text = usage_text();
    for (const char* key : {"Socket", "LocalDomains", "TrustedNetworks", "SenderLoginMap",
                            "LogRateLimit", "LogWhy", "SummaryInterval", "MaxClients"}) {
        EXPECT_NE(text.find(key), std::string::npos) << key;
    }
}

}  // namespace
}  // namespace milter503::milter
