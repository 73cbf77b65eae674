// milter503.conf: defaults, every key, and errors that name file and line.
#include "conf/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/unit/source_text.hpp"

namespace milter503::conf {
namespace {

Config parse_ok(const std::string& text, const std::string& file = "/etc/milter503.conf") {
    ConfigError error;
    auto config = parse_config(text, file, &error);
    EXPECT_TRUE(config.has_value()) << error.to_string();
    return config ? *config : Config{};
}

ConfigError parse_error(const std::string& text) {
    ConfigError error;
    EXPECT_FALSE(parse_config(text, "/etc/milter503.conf", &error).has_value());
    return error;
}

TEST(Config, EmptyFileGivesTheDocumentedDefaults) {
    const Config c = parse_ok("");
    EXPECT_EQ(c.socket, "inet:8894@127.0.0.1");
    EXPECT_EQ(c.syslog_facility, "mail");
    EXPECT_EQ(c.summary_interval, 3600u);
    EXPECT_EQ(c.max_clients, 100000u);
    EXPECT_EQ(c.log_rate_limit, 30u);
    EXPECT_FALSE(c.log_why);
    EXPECT_TRUE(c.settings->check_header_from);
    EXPECT_TRUE(c.settings->check_display_name);
    EXPECT_EQ(c.settings->submission_ports, (std::vector<std::string>{"587", "465"}));
    EXPECT_TRUE(c.settings->trusted_networks.contains("127.0.0.1"));
    EXPECT_TRUE(c.settings->trusted_networks.contains("::1"));
    EXPECT_FALSE(c.settings->trusted_networks.contains("192.0.2.1"));
    EXPECT_TRUE(c.settings->local_domains.empty());
    EXPECT_EQ(c.settings->sender_login_map, nullptr);
}

TEST(Config, KeysAreCaseInsensitiveAndCommentsAndBlankLinesIgnored) {
    const Config c = parse_ok(
        "# a comment\n"
        "\n"
        "  socket   unix:/run/milter503/milter503.sock  # trailing comment\n"
        "LOGWHY yes\n"
        "LocalDomains example.test, .example.org\tmx.example.test\n"
        "TrustedNetworks 10.0.0.0/8, 2001:db8::/32\n"
        "SubmissionPorts 587\n"
        "CheckHeaderFrom no\n"
        "CheckDisplayName off\n"
        "SummaryInterval 0\n"
        "MaxClients 5\n"
        "LogRateLimit 0\n"
        "UMask 007\n"
        "SyslogFacility LOCAL3\n"
        "UserID milter503:milter503\n"
        "PidFile /run/milter503/milter503.pid\n");
    EXPECT_EQ(c.socket, "unix:/run/milter503/milter503.sock");
    EXPECT_TRUE(c.log_why);
    EXPECT_TRUE(c.settings->local_domains.contains("EXAMPLE.test"));
    EXPECT_TRUE(c.settings->local_domains.contains("sub.example.org"));
    EXPECT_TRUE(c.settings->local_domains.contains("mx.example.test"));
    EXPECT_FALSE(c.settings->local_domains.contains("example.com"));
    EXPECT_TRUE(c.settings->trusted_networks.contains("10.1.2.3"));
    EXPECT_TRUE(c.settings->trusted_networks.contains("2001:db8::5"));
    EXPECT_FALSE(c.settings->trusted_networks.contains("127.0.0.1"))
        << "a TrustedNetworks line replaces the default";
    EXPECT_EQ(c.settings->submission_ports, (std::vector<std::string>{"587"}));
    EXPECT_FALSE(c.settings->check_header_from);
    EXPECT_FALSE(c.settings->check_display_name);
    EXPECT_EQ(c.summary_interval, 0u);
    EXPECT_EQ(c.max_clients, 5u);
    EXPECT_EQ(c.log_rate_limit, 0u);
    ASSERT_TRUE(c.umask.has_value());
    EXPECT_EQ(*c.umask, 07u);
    EXPECT_EQ(c.syslog_facility, "local3");
    EXPECT_EQ(c.user_id, "milter503:milter503");
    EXPECT_EQ(c.pid_file, "/run/milter503/milter503.pid");
}

TEST(Config, UnknownKeyNamesFileAndLine) {
    const ConfigError e = parse_error("LogWhy yes\n\nSocketz inet:1@127.0.0.1\n");
    EXPECT_EQ(e.to_string(), "/etc/milter503.conf:3: unknown key \"Socketz\"");
}

TEST(Config, BadValuesNameFileLineAndKey) {
    struct Case {
        const char* text;
        const char* expected_start;
    };
    const Case cases[] = {
        {"LogWhy maybe", "/etc/milter503.conf:1: LogWhy: expected yes or no"},
        {"MaxClients 0", "/etc/milter503.conf:1: MaxClients: value 0 out of range"},
        {"SummaryInterval -5", "/etc/milter503.conf:1: SummaryInterval: expected a number"},
        {"LogRateLimit 99999999999999999999",
         "/etc/milter503.conf:1: LogRateLimit: value 99999999999999999999 out of range"},
        {"MaxClients 123456789012345678901234567890", "/etc/milter503.conf:1: MaxClients: value"},
        {"UMask 089", "/etc/milter503.conf:1: UMask: expected an octal number"},
        {"TrustedNetworks 10.0.0.0/33",
         "/etc/milter503.conf:1: TrustedNetworks: bad network \"10.0.0.0/33\""},
        {"TrustedNetworks not-an-ip", "/etc/milter503.conf:1: TrustedNetworks: bad network"},
        {"SubmissionPorts 587 70000", "/etc/milter503.conf:1: SubmissionPorts: value 70000"},
        {"Socket inet:port@127.0.0.1", "/etc/milter503.conf:1: Socket: socket port"},
        {"Socket tcp:25@127.0.0.1", "/etc/milter503.conf:1: Socket: unknown socket type"},
        {"Socket unix:relative.sock",
         "/etc/milter503.conf:1: Socket: socket path must be absolute"},
        {"SyslogFacility kern", "/etc/milter503.conf:1: SyslogFacility: unknown syslog facility"},
        {"LocalDomains exa mple;com", "/etc/milter503.conf:1: LocalDomains: not a domain name"},
        {"LogWhy", "/etc/milter503.conf:1: LogWhy: missing value"},
        {"LogWhy yes\nlogwhy no", "/etc/milter503.conf:2: LogWhy: key given twice"},
    };
    for (const auto& c : cases) {
        const std::string message = parse_error(c.text).to_string();
        EXPECT_EQ(message.rfind(c.expected_start, 0), 0u)
            << "input: " << c.text << "\nmessage: " << message;
    }
}

class ConfigFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("milter503-conf-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        const auto path = dir_ / name;
        std::ofstream(path) << text;
        return path.string();
    }
    std::filesystem::path dir_;
};

TEST_F(ConfigFiles, SenderLoginMapIsReadRelativeToTheConfigFile) {
    write("logins", "alice@example.test alice\n@example.org bob, carol\n");
    const std::string conf =
        write("milter503.conf", "LocalDomains example.test\nSenderLoginMap logins\n");
    ConfigError error;
    auto config = load_config(conf, &error);
    ASSERT_TRUE(config.has_value()) << error.to_string();
    ASSERT_NE(config->settings->sender_login_map, nullptr);
    EXPECT_EQ(config->settings->sender_login_map->size(), 2u);
    EXPECT_EQ(config->sender_login_map_path, (dir_ / "logins").string());
}

TEST_F(ConfigFiles, MissingSenderLoginMapIsAnErrorOnItsLine) {
    const std::string conf = write("milter503.conf", "# map\nSenderLoginMap nowhere\n");
    ConfigError error;
    EXPECT_FALSE(load_config(conf, &error).has_value());
    EXPECT_EQ(error.line, 2u);
    EXPECT_NE(error.message.find("cannot read SenderLoginMap"), std::string::npos);
}

TEST_F(ConfigFiles, MissingFileIsAnErrorWithoutLine) {
    ConfigError error;
    EXPECT_FALSE(load_config((dir_ / "absent.conf").string(), &error).has_value());
    EXPECT_EQ(error.line, 0u);
    EXPECT_EQ(error.to_string().rfind((dir_ / "absent.conf").string() + ": cannot open", 0), 0u);
}

// The shipped sample must stay valid and document every key.
TEST(Config, SampleFileParsesAndListsEveryKey) {
    const std::string text = test::source_text("conf/milter503.conf");
    ASSERT_FALSE(text.empty());
    const std::string path = std::string(MILTER503_SOURCE_DIR) + "/conf/milter503.conf";
    ConfigError error;
    EXPECT_TRUE(parse_config(text, path, &error).has_value()) << error.to_string();
    for (const auto& key : config_keys()) {
        EXPECT_NE(text.find("#" + std::string(key.name) + "\t"), std::string::npos)
            << key.name << " is not in the sample file";
    }
}

// The sample's uncommented form (every default written out) must parse
// to the same values as the built-in defaults.
TEST(Config, SampleDefaultsMatchBuiltInDefaults) {
    std::ostringstream text;
    for (const auto& key : config_keys()) {
        if (!key.default_value.empty())
            text << key.name << " " << key.default_value << "\n";
    }
    const Config written = parse_ok(text.str());
    const Config builtin = parse_ok("");
    EXPECT_EQ(written.socket, builtin.socket);
    EXPECT_EQ(written.summary_interval, builtin.summary_interval);
    EXPECT_EQ(written.max_clients, builtin.max_clients);
    EXPECT_EQ(written.log_rate_limit, builtin.log_rate_limit);
    EXPECT_EQ(written.settings->submission_ports, builtin.settings->submission_ports);
}

}  // namespace
}  // namespace milter503::conf
