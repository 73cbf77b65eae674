// Envelope address helpers and DomainSet.
#include <gtest/gtest.h>

#include "policy/address.hpp"
#include "policy/settings.hpp"

namespace milter503::policy {
namespace {

TEST(StripAngle, RemovesAnglesAndParameters) {
    EXPECT_EQ(strip_angle("<bob@example.test>"), "bob@example.test");
    EXPECT_EQ(strip_angle("<bob@example.test> SIZE=100 BODY=8BITMIME"), "bob@example.test");
    EXPECT_EQ(strip_angle("  <bob@example.test>"), "bob@example.test");
    EXPECT_EQ(strip_angle("bob@example.test"), "bob@example.test");
    EXPECT_EQ(strip_angle("bob@example.test SIZE=1"), "bob@example.test");
}

TEST(StripAngle, NullSenderIsEmpty) {
    EXPECT_EQ(strip_angle("<>"), "");
    EXPECT_EQ(strip_angle("<> SIZE=0"), "");
    EXPECT_EQ(strip_angle(""), "");
}

TEST(StripAngle, QuotedLocalPartKeepsSpacesAndAngle) {
    EXPECT_EQ(strip_angle("<\"john doe\"@example.test>"), "\"john doe\"@example.test");
    EXPECT_EQ(strip_angle("<\"a>b\"@example.test> SIZE=1"), "\"a>b\"@example.test");
}

TEST(StripAngle, SourceRouteIsDropped) {
    EXPECT_EQ(strip_angle("<@relay.test,@b.test:bob@example.test>"), "bob@example.test");
}

TEST(StripAngle, UnbalancedInputDoesNotFail) {
    EXPECT_EQ(strip_angle("<bob@example.test"), "bob@example.test");
    EXPECT_EQ(strip_angle("<\"unterminated@example.test>"), "\"unterminated@example.test>");
}

TEST(SplitAddress, SplitsAtLastAtAndNormalizesDomain) {
    auto parts = split_address("Bob@Example.TEST.");
    EXPECT_EQ(parts.local, "Bob");
    EXPECT_EQ(parts.domain, "example.test");
    parts = split_address("\"a@b\"@example.test");
    EXPECT_EQ(parts.local, "\"a@b\"");
    EXPECT_EQ(parts.domain, "example.test");
    parts = split_address("postmaster");
    EXPECT_EQ(parts.local, "postmaster");
    EXPECT_EQ(parts.domain, "");
}

TEST(SameAddress, IgnoresCaseOnly) {
    EXPECT_TRUE(same_address("Bob@Example.test", "bob@example.TEST"));
    EXPECT_TRUE(same_address("bob@example.test.", "bob@example.test"));
    EXPECT_FALSE(same_address("bob@example.test", "bob+x@example.test"));
    EXPECT_FALSE(same_address("bob@example.test", "bob@other.test"));
    EXPECT_FALSE(same_address("bob", "bob@"));
    EXPECT_TRUE(same_address("", ""));
}

// RFC 5321 4.1.2: Local-part = Dot-string / Quoted-string; the quotes are
// not part of the value (RFC 5322 3.2.4), so a quoted Dot-string is the
// same mailbox as the bare one.
TEST(SameAddress, QuotingThatIsNotNeededIsTheSameMailbox) {
    EXPECT_TRUE(same_address("\"alice\"@example.test", "alice@example.test"));
    EXPECT_TRUE(same_address("\"Alice\"@Example.test", "alice@example.test"));
    EXPECT_TRUE(same_address("\"al\\ice\"@example.test", "alice@example.test"));
    EXPECT_TRUE(same_address("\"john\".doe@example.test", "john.doe@example.test"));
    EXPECT_FALSE(same_address("\"a b\"@example.test", "ab@example.test"));
    EXPECT_FALSE(same_address("\"alice\"@example.test", "alice@other.test"));
    EXPECT_FALSE(same_address("\"alice\"", "alice@example.test"));
}

TEST(CanonicalAddress, QuotesOnlyWhatIsNotADotString) {
    EXPECT_EQ(canonical_address("\"alice\"@Example.TEST"), "alice@example.test");
    EXPECT_EQ(canonical_address("alice@example.test"), "alice@example.test");
    EXPECT_EQ(canonical_address("\"a b\"@example.test"), "\"a b\"@example.test");
    EXPECT_EQ(canonical_address("\"a\\ b\"@example.test"), "\"a b\"@example.test");
    EXPECT_EQ(canonical_address("\"a\\\"b\"@example.test"), "\"a\\\"b\"@example.test");
    EXPECT_EQ(canonical_address("\"a\\\\b\"@example.test"), "\"a\\\\b\"@example.test");
    EXPECT_EQ(canonical_address("\"a@b\"@example.test"), "\"a@b\"@example.test");
    EXPECT_EQ(canonical_address("postmaster"), "postmaster");
}

TEST(CanonicalLocalPart, DotsMustSeparateAtoms) {
    EXPECT_EQ(canonical_local_part("\"john.doe\""), "john.doe");
    EXPECT_EQ(canonical_local_part("\".john\""), "\".john\"");
    EXPECT_EQ(canonical_local_part("\"john.\""), "\"john.\"");
    EXPECT_EQ(canonical_local_part("\"john..doe\""), "\"john..doe\"");
    EXPECT_EQ(canonical_local_part("\"\""), "\"\"");
    EXPECT_EQ(canonical_local_part("\"o'brien+tag\""), "o'brien+tag");
    EXPECT_EQ(canonical_local_part("\"j\xc3\xb6rg\""), "j\xc3\xb6rg");
    EXPECT_EQ(canonical_local_part("\"unterminated"), "unterminated");
}

TEST(DomainSet, ExactNamesIgnoreCaseAndTrailingDot) {
    DomainSet set;
    EXPECT_TRUE(set.empty());
    set.add("Example.TEST");
    EXPECT_FALSE(set.empty());
    EXPECT_TRUE(set.contains("example.test"));
    EXPECT_TRUE(set.contains("EXAMPLE.test."));
    EXPECT_FALSE(set.contains("sub.example.test"));
    EXPECT_FALSE(set.contains("badexample.test"));
    EXPECT_FALSE(set.contains(""));
}

TEST(DomainSet, DotEntryMatchesItselfAndSubdomains) {
    DomainSet set;
    set.add(".corp.test");
    EXPECT_TRUE(set.contains("corp.test"));
    EXPECT_TRUE(set.contains("mx.corp.test"));
    EXPECT_TRUE(set.contains("a.b.CORP.test"));
    EXPECT_FALSE(set.contains("evilcorp.test"));
    EXPECT_FALSE(set.contains("corp.test.evil"));
}

TEST(DomainSet, EmptyEntriesAreIgnored) {
    DomainSet set;
    set.add("");
    set.add(".");
    EXPECT_TRUE(set.empty());
    EXPECT_FALSE(set.contains(""));
}

}  // namespace
}  // namespace milter503::policy
