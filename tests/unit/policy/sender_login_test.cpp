// smtpd_sender_login_maps semantics, table-driven like Postfix's own
// tests: lookup order (full, without extension, user for local domains,
// @domain), case folding, the null sender, and the map file syntax.
#include "policy/sender_login.hpp"

#include <gtest/gtest.h>

#include "policy/settings.hpp"

namespace milter503::policy {
namespace {

DomainSet local_domains() {
    DomainSet set;
    set.add("mx.example.test");
    set.add("example.test");
    return set;
}

SenderLoginMap parse_ok(std::string_view text) {
    MapError error;
    auto map = SenderLoginMap::parse(text, "test.map", &error);
    EXPECT_TRUE(map.has_value()) << error.file << ":" << error.line << ": " << error.message;
    return map ? std::move(*map) : SenderLoginMap{};
}

constexpr std::string_view map_text =
    "# sender                 owners\n"
    "alice@mx.example.test    alice@mx.example.test\n"
    "bob@example.test         bob, bob@example.test\n"
    "shared@example.test      alice@mx.example.test,bob carol\n"
    "carol                    carol\n"
    "bob+lists@example.test   listadmin\n"
    "@remote.test             remoteadmin\n"
    "Dave@Example.TEST        Dave\n";

struct OwnsCase {
    const char* title;
    const char* login;
    const char* sender;
    bool expected;
};

TEST(LoginOwnsSender, WithMapFollowsPostfixLookupOrder) {
    const auto map = parse_ok(map_text);
    const auto local = local_domains();
    const OwnsCase cases[] = {
        {"full address", "alice@mx.example.test", "alice@mx.example.test", true},
        {"login compares case-insensitively", "ALICE@mx.example.test", "alice@mx.example.test",
         true},
        {"sender folds to lower case", "alice@mx.example.test", "Alice@MX.Example.Test", true},
        {"wrong login", "bob", "alice@mx.example.test", false},
        {"one of several owners (comma)", "bob", "shared@example.test", true},
        {"one of several owners (space)", "carol", "shared@example.test", true},
        {"extension stripped", "bob", "bob+news@example.test", true},
        {"full key with extension wins", "listadmin", "bob+lists@example.test", true},
        {"full key with extension excludes base owner", "bob", "bob+lists@example.test", false},
        {"user key for a local domain", "carol", "carol@example.test", true},
        {"user key with extension, local domain", "carol", "carol+x@example.test", true},
        {"user key not for a remote domain", "carol", "carol@other.test", false},
        {"@domain", "remoteadmin", "anyone@remote.test", true},
        {"@domain is not a subdomain match", "remoteadmin", "anyone@sub.remote.test", false},
        {"mixed-case key in the map", "dave", "dave@example.test", true},
        {"sender not in map: not owned", "alice@mx.example.test", "nobody@other.test", false},
        {"null sender is never a mismatch", "alice@mx.example.test", "", true},
        {"empty login owns nothing", "", "alice@mx.example.test", false},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(login_owns_sender(c.login, c.sender, &map, local), c.expected) << c.title;
    }
}

TEST(SenderLoginMap, OwnersLookupOrder) {
    const auto map = parse_ok(
        "user+ext@example.test full\n"
        "user@example.test     noext\n"
        "user+ext              local-full\n"
        "user                  local-noext\n"
        "@example.test         domain\n");
    const auto local = local_domains();
    auto first = [&](std::string_view sender) {
        const auto* owners = map.owners(sender, local);
        return owners ? owners->front() : std::string("(none)");
    };
    EXPECT_EQ(first("user+ext@example.test"), "full");
    EXPECT_EQ(first("user+other@example.test"), "noext");
    EXPECT_EQ(first("user@example.test"), "noext");
    EXPECT_EQ(first("someone@example.test"), "domain");
    EXPECT_EQ(first("someone@elsewhere.test"), "(none)");
    EXPECT_EQ(first(""), "(none)");

    const auto local_only = parse_ok("user+ext local-full\nuser local-noext\n");
    auto first_local = [&](std::string_view sender, const DomainSet& domains) {
        const auto* owners = local_only.owners(sender, domains);
        return owners ? owners->front() : std::string("(none)");
    };
    EXPECT_EQ(first_local("user+ext@example.test", local), "local-full");
    EXPECT_EQ(first_local("user+x@example.test", local), "local-noext");
    EXPECT_EQ(first_local("user@example.test", local), "local-noext");
    EXPECT_EQ(first_local("user@remote.test", local), "(none)");
    EXPECT_EQ(first_local("user", local), "local-noext");  // no domain: the key itself
}

TEST(SenderLoginMap, RecipientDelimiter) {
    const auto map = parse_ok("user@example.test owner\n");
    const auto local = local_domains();
    EXPECT_NE(map.owners("user-ext@example.test", local, '-'), nullptr);
    EXPECT_EQ(map.owners("user-ext@example.test", local, '+'), nullptr);
    EXPECT_EQ(map.owners("user+ext@example.test", local, '\0'), nullptr);
    EXPECT_TRUE(login_owns_sender("owner", "user-ext@example.test", &map, local, '-'));
    EXPECT_FALSE(login_owns_sender("owner", "user-ext@example.test", &map, local, '+'));
}

TEST(SenderLoginMap, SplitAddrExceptions) {
    const auto local = local_domains();
    // A local part starting with the delimiter is not split.
    const auto plus = parse_ok("@example.test domain\n");
    EXPECT_EQ(plus.owners("+ext@example.test", local)->front(), "domain");
    const auto special = parse_ok(
        "owner@example.test wrong\n"
        "list@example.test wrong\n"
        "postmaster@example.test wrong\n");
    EXPECT_EQ(special.owners("owner-list@example.test", local, '-'), nullptr);
    EXPECT_EQ(special.owners("list-request@example.test", local, '-'), nullptr);
    EXPECT_EQ(special.owners("postmaster@example.test", local, '-')->front(), "wrong");
    // The reserved names are protected only as a whole local part.
    const auto reserved = parse_ok("mailer@example.test wrong\npostmaster@example.test pm\n");
    EXPECT_EQ(reserved.owners("mailer-daemon@example.test", local, '-'), nullptr);
    EXPECT_EQ(reserved.owners("postmaster+x@example.test", local)->front(), "pm");
}

TEST(LoginOwnsSender, WithoutMapLoginIsTheAddressOrLocalUser) {
    const auto local = local_domains();
    const OwnsCase cases[] = {
        {"login equals address", "alice@mx.example.test", "alice@mx.example.test", true},
        {"case-insensitive", "Alice@MX.example.test", "alice@mx.example.TEST", true},
        {"address login with extension", "alice@mx.example.test", "alice+x@mx.example.test", true},
        {"local part in a local domain", "alice", "alice@example.test", true},
        {"local part with extension", "alice", "alice+news@example.test", true},
        {"local part in a remote domain", "alice", "alice@gmail.test", false},
        {"other user", "alice", "bob@example.test", false},
        {"address login, other domain", "alice@mx.example.test", "alice@example.test", false},
        {"null sender", "alice", "", true},
        {"bare sender equals login", "alice", "alice", true},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(login_owns_sender(c.login, c.sender, nullptr, local), c.expected) << c.title;
    }
}

TEST(SenderLoginMapParse, CommentsBlankLinesContinuations) {
    const auto map = parse_ok(
        "# comment\n"
        "\n"
        "   \n"
        "  # indented comment\n"
        "a@example.test  x,\r\n"
        "    y\n"
        "\tz\n"
        "b@example.test w\n");
    EXPECT_EQ(map.size(), 2u);
    const auto local = local_domains();
    const auto* owners = map.owners("a@example.test", local);
    ASSERT_NE(owners, nullptr);
    EXPECT_EQ(*owners, (std::vector<std::string>{"x", "y", "z"}));
}

TEST(SenderLoginMapParse, FirstDuplicateWins) {
    const auto map = parse_ok("a@example.test first\nA@example.test second\n");
    EXPECT_EQ(map.size(), 1u);
    EXPECT_EQ(map.owners("a@example.test", local_domains())->front(), "first");
}

TEST(SenderLoginMapParse, ErrorsNameFileAndLine) {
    struct Bad {
        const char* text;
        unsigned line;
        const char* message_part;
    };
    const Bad cases[] = {
        {"a@example.test x\nnovalue\n", 2, "no login"},
        {"  continued\n", 1, "continuation"},
        {"# ok\n/^.*$/ x\n", 2, "regular expression"},
        {"a@example.test ,,,\n", 1, "no login"},
    };
    for (const auto& c : cases) {
        MapError error;
        EXPECT_FALSE(SenderLoginMap::parse(c.text, "/etc/milter503/logins", &error).has_value())
            << c.text;
        EXPECT_EQ(error.file, "/etc/milter503/logins");
        EXPECT_EQ(error.line, c.line) << c.text;
        EXPECT_NE(error.message.find(c.message_part), std::string::npos) << error.message;
    }
    EXPECT_FALSE(SenderLoginMap::parse("novalue", "f", nullptr).has_value());  // null error ok
}

TEST(SenderLoginMapParse, EmptyTextIsAnEmptyMap) {
    const auto map = parse_ok("");
    EXPECT_EQ(map.size(), 0u);
    EXPECT_FALSE(login_owns_sender("alice", "alice@example.test", &map, local_domains()));
}

}  // namespace
}  // namespace milter503::policy
