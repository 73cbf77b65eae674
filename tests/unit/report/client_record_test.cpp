// NAME
//	client_record_test - a client's detail packed and read back, its slot
// DESCRIPTION
//	pack() and unpack() must give back every field of a ClientDetail: the
//	lists at their edges (none, the two inline, eight), every finding
//	kind, five sender hashes, examples and a latest that is one of them or
//	not, and times anywhere in 64 bits. unpack() writes over a detail that
//	held something else, as the aggregator's scratch detail does.
#include "report/client_record.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace milter503::report {
namespace {

using Id = StringPool::Id;

std::vector<Id> ids_of(const IdList& list) {
    std::vector<Id> out;
    for (size_t i = 0; i < list.size(); ++i)
        out.push_back(list[i]);
    return out;
}

EvidenceRef evidence(UnixTime time, Id text, std::uint8_t mta = 0) {
    EvidenceRef e;
    e.time = time;
    e.host = 3;
    e.stage = 4;
    e.text = text;
    e.sender = 200000;  // three bytes as a number
    e.recipient = std::numeric_limits<Id>::max();
    e.mta = mta;
    return e;
}

void expect_same(const CauseRecord& a, const CauseRecord& b) {
    EXPECT_EQ(a.slot, b.slot);
    EXPECT_EQ(a.fix, b.fix);
    EXPECT_EQ(a.sessions, b.sessions);
    EXPECT_EQ(a.sessions_503, b.sessions_503);
    EXPECT_EQ(a.sessions_flagged, b.sessions_flagged);
    EXPECT_EQ(a.advice, b.advice);
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.last, b.last);
    EXPECT_EQ(a.examples, b.examples);
    EXPECT_EQ(a.has_latest, b.has_latest);
    if (a.has_latest && b.has_latest) {
        EXPECT_EQ(a.latest_time, b.latest_time);
        EXPECT_EQ(*a.latest(), *b.latest());
        EXPECT_EQ(a.latest_other == nullptr, b.latest_other == nullptr);
    }
}

void expect_same(const ClientDetail& a, const ClientDetail& b) {
    EXPECT_EQ(ids_of(a.names), ids_of(b.names));
    EXPECT_EQ(ids_of(a.helos), ids_of(b.helos));
    EXPECT_EQ(ids_of(a.logins), ids_of(b.logins));
    EXPECT_EQ(ids_of(a.hosts), ids_of(b.hosts));
    EXPECT_EQ(a.findings, b.findings);
    EXPECT_EQ(a.kind_signals.sender_hashes, b.kind_signals.sender_hashes);
    ASSERT_EQ(a.pipelining() == nullptr, b.pipelining() == nullptr);
    if (a.pipelining() != nullptr) {
        EXPECT_EQ(*a.pipelining(), *b.pipelining());
    }
    EXPECT_EQ(b.summary(), nullptr);
    ASSERT_EQ(a.causes.size(), b.causes.size());
    for (size_t i = 0; i < a.causes.size(); ++i)
        expect_same(a.causes[i], b.causes[i]);
}

ClientDetail full_detail() {
    ClientDetail d;
    for (Id id = 1; id <= 8; ++id)
        d.names.push_back(id * 1000);
    d.helos.push_back(7);
    d.hosts.push_back(3);
    d.hosts.push_back(5);
    d.hosts.push_back(6);  // the third: past the inline two
    d.findings[0] = 1;
    d.findings[2] = 300;
    d.findings[policy::finding_kind_count - 1] = std::numeric_limits<std::uint32_t>::max();
    for (size_t i = 0; i < many_senders; ++i)
        d.kind_signals.sender_hashes[i] = 0x8000000000000001ULL + i;  // the high bit set
    d.rare_part().pipelining = evidence(1700000050, 9, 1);

    CauseRecord& examples = d.causes.emplace_back();
    examples.slot = 2;
    examples.fix = policy::Actor::user;
    examples.sessions = 5;
    examples.sessions_503 = 4;
    examples.sessions_flagged = 1;
    examples.advice = 11;
    examples.first = 1700000000;
    examples.last = 1700003600;
    for (Id text = 20; text < 23; ++text)
        examples.examples.push_back(evidence(1700000000 + text, text));
    examples.set_latest(examples.examples[2]);  // one of the examples

    CauseRecord& other = d.causes.emplace_back();
    other.slot = unknown_cause_slot;
    other.fix = policy::Actor::sender;
    other.sessions = std::numeric_limits<std::uint32_t>::max();
    other.first = std::numeric_limits<UnixTime>::min();  // times no log has, and back
    other.last = std::numeric_limits<UnixTime>::max();
    other.examples.push_back(evidence(-5, 30));
    other.set_latest(evidence(std::numeric_limits<UnixTime>::max(), 31));  // not an example

    CauseRecord& none = d.causes.emplace_back();  // no line: no example, no latest
    none.slot = 0;
    none.sessions = 1;
    none.first = 1700000000;
    none.last = 1699999999;  // before its first: taken as it is
    return d;
}

TEST(ClientRecord, PackedDetailReadsBackAsItWas) {
    const ClientDetail d = full_detail();
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(pack(d, bytes));

    // Over a scratch detail that held another client.
    ClientDetail scratch = full_detail();
    scratch.logins.push_back(77);
    scratch.causes.emplace_back().examples.push_back(evidence(1, 1));
    scratch.rare.reset();
    unpack(bytes, scratch);
    expect_same(d, scratch);

    // And an empty detail, into one that held the full one.
    ClientDetail empty;
    bytes.clear();
    ASSERT_TRUE(pack(empty, bytes));
    unpack(bytes, scratch);
    expect_same(empty, scratch);
    EXPECT_EQ(scratch.rare, nullptr);
}

// Details of every shape the aggregator makes, drawn at random (a fixed
// seed: a failure repeats): each reads back as it was, over the one
// before, as the aggregator's scratch detail is reused.
TEST(ClientRecord, RandomDetailsReadBackAsTheyWere) {
    std::mt19937_64 random(20261202);
    const auto below = [&](std::uint64_t n) { return random() % n; };
    // Small numbers mostly (ids of common texts, counts of one), any
    // 32-bit one sometimes.
    const auto id = [&]() -> Id {
        return below(4) == 0 ? static_cast<Id>(random()) : static_cast<Id>(1 + below(300));
    };
    const auto time = [&]() -> UnixTime {
        return below(8) == 0 ? static_cast<UnixTime>(random())
                             : static_cast<UnixTime>(1700000000 + below(86400));
    };
    const auto some_evidence = [&] {
        EvidenceRef e{time(), id(), id(), id(), id(), id(), static_cast<std::uint8_t>(random())};
        return e;
    };
    ClientDetail scratch;
    for (int round = 0; round < 20000; ++round) {
        ClientDetail d;
        for (IdList* list : {&d.names, &d.helos, &d.logins, &d.hosts}) {
            const size_t n = below(max_list + 1);
            for (size_t i = 0; i < n; ++i)
                list->push_back(id());
        }
        for (std::uint32_t& count : d.findings)
            count = below(3) == 0 ? static_cast<std::uint32_t>(id()) : 0;
        const size_t senders = below(many_senders + 1);
        for (size_t i = 0; i < senders; ++i)
            d.kind_signals.sender_hashes[i] = random() | 1;  // never 0, as address_hash()
        if (below(4) == 0)
            d.rare_part().pipelining = some_evidence();
        const size_t causes = below(4);
        for (size_t k = 0; k < causes; ++k) {
            CauseRecord& c = d.causes.emplace_back();
            c.slot = static_cast<std::uint8_t>(below(cause_slots));
            c.fix = static_cast<policy::Actor>(below(3));
            c.sessions = static_cast<std::uint32_t>(id());
            c.sessions_503 = static_cast<std::uint32_t>(id());
            c.sessions_flagged = static_cast<std::uint32_t>(id());
            c.advice = id();
            c.first = time();
            c.last = time();
            const size_t examples = below(max_examples + 1);
            for (size_t i = 0; i < examples; ++i)
                c.examples.push_back(some_evidence());
            if (below(3) == 0 && !c.examples.empty())
                c.set_latest(c.examples[below(c.examples.size())]);
            else if (below(2) == 0)
                c.set_latest(some_evidence());
        }
        std::vector<std::uint8_t> bytes;
        ASSERT_TRUE(pack(d, bytes));
        unpack(bytes, scratch);
        expect_same(d, scratch);
        if (::testing::Test::HasFailure())
            FAIL() << "round " << round;
    }
}

TEST(ClientRecord, PackLeavesADetailWithASummaryOrTooManyExamplesWhole) {
    ClientDetail d = full_detail();
    d.rare_part().summary = std::make_unique<MilterSummary>();
    std::vector<std::uint8_t> bytes{1, 2, 3};
    EXPECT_FALSE(pack(d, bytes));
    EXPECT_EQ(bytes, (std::vector<std::uint8_t>{1, 2, 3}));

    // More examples than a cause's head counts: whole too.
    ClientDetail many = full_detail();
    many.rare.reset();
    for (size_t i = 0; i <= max_examples; ++i)
        many.causes.back().examples.push_back(evidence(1700000000, 50 + static_cast<Id>(i)));
    EXPECT_FALSE(pack(many, bytes));
    EXPECT_EQ(bytes, (std::vector<std::uint8_t>{1, 2, 3}));
}

// What a public MX's client of interest mostly is: one session, refused
// once, one name, HELO, host and sender, ids of a pool of 10^5 texts.
TEST(ClientRecord, AOneSessionClientPacksIntoAFewDozenBytes) {
    ClientDetail d;
    d.names.push_back(150001);
    d.helos.push_back(150002);
    d.hosts.push_back(2);
    d.findings[0] = 1;
    d.kind_signals.sender_hashes[0] = 0x1234567890abcdefULL;
    CauseRecord& c = d.causes.emplace_back();
    c.slot = 3;
    c.sessions = 1;
    c.sessions_503 = 1;
    c.sessions_flagged = 1;
    c.advice = 40;
    c.first = 1700000000;
    c.last = 1700000001;
    EvidenceRef line = evidence(1700000001, 41);
    line.sender = 150003;
    line.recipient = 150004;
    c.examples.push_back(line);
    c.set_latest(line);
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(pack(d, bytes));
    EXPECT_LE(bytes.size(), 47u);  // with its length byte, one 48-byte allocation
}

TEST(ClientRecord, SlotHoldsNothingPackedBytesOrAWholeDetail) {
    DetailSlot slot;
    ClientDetail scratch;
    EXPECT_TRUE(slot.empty());
    EXPECT_EQ(slot.whole(), nullptr);
    EXPECT_TRUE(slot.packed().empty());
    EXPECT_EQ(slot.get(scratch), nullptr);

    const std::vector<std::uint8_t> short_bytes{1, 2, 3};
    slot.hold_packed(short_bytes);
    EXPECT_FALSE(slot.empty());
    EXPECT_EQ(slot.whole(), nullptr);
    EXPECT_EQ(std::vector<std::uint8_t>(slot.packed().begin(), slot.packed().end()), short_bytes);

    const std::vector<std::uint8_t> same_length{4, 5, 6};  // written over in place
    slot.hold_packed(same_length);
    EXPECT_EQ(std::vector<std::uint8_t>(slot.packed().begin(), slot.packed().end()), same_length);

    std::vector<std::uint8_t> long_bytes(300);  // a length of two bytes
    for (size_t i = 0; i < long_bytes.size(); ++i)
        long_bytes[i] = static_cast<std::uint8_t>(i);
    slot.hold_packed(long_bytes);
    EXPECT_EQ(std::vector<std::uint8_t>(slot.packed().begin(), slot.packed().end()), long_bytes);

    ClientDetail packed;
    packed.helos.push_back(8);
    std::vector<std::uint8_t> packed_bytes;
    ASSERT_TRUE(pack(packed, packed_bytes));
    slot.hold_packed(packed_bytes);
    ASSERT_EQ(slot.get(scratch), &scratch);  // unpacked there
    EXPECT_EQ(scratch.helos[0], 8u);

    auto whole = std::make_unique<ClientDetail>();
    whole->helos.push_back(9);
    const ClientDetail* held = whole.get();
    slot.hold_whole(std::move(whole));
    EXPECT_EQ(slot.whole(), held);
    EXPECT_TRUE(slot.packed().empty());
    EXPECT_EQ(slot.whole()->helos[0], 9u);
    EXPECT_EQ(slot.get(scratch), held);

    slot.reset();
    EXPECT_TRUE(slot.empty());
    EXPECT_EQ(slot.whole(), nullptr);
}

}  // namespace
}  // namespace milter503::report
