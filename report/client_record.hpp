// NAME
//	client_record 3h
// SUMMARY
//	what the aggregator keeps of a client of interest, and its packed form
// SYNOPSIS
//	#include "report/client_record.hpp"
// DESCRIPTION
//	ClientDetail is what is kept of a client of interest while the log is
//	read: its names, HELOs, logins and log hosts (IdList), its causes with
//	their counts and example lines (CauseRecord, EvidenceRef), its
//	finding counts, the sender hashes the kind rules read, and, rarely, a
//	milter summary and the first improper pipelining. Texts are ids of a
//	StringPool.
//
//	On a public MX there are 10^5 to 10^6 such clients, most with one or
//	two sessions, and the structure with its heap blocks (the record, the
//	cause list, the example list) cost 272 bytes a client. pack() writes
//	it in about 48: variable-length integers, times as differences, the
//	lists as counts and ids. unpack() reads it back into a ClientDetail,
//	reusing its room. DetailSlot, 8 bytes, holds either form or none.
//
//	pack() refuses a detail with a milter summary (rare, large, and held
//	behind a pointer): it stays as it is.
// DIAGNOSTICS
//	None: the packed bytes are only ever this module's.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cause.hpp"
#include "policy/finding.hpp"
#include "report/client_kind.hpp"
#include "report/report_model.hpp"
#include "report/string_pool.hpp"
#include "report/timestamp.hpp"

namespace milter503::report {

inline constexpr size_t max_list = 8;      // names, helos, logins, hosts per client
inline constexpr size_t max_examples = 3;  // distinct evidence texts per cause

inline constexpr std::uint8_t unknown_mta = 0xff;

// Who logged an example line: the row of the log source table whose MTA
// name it is (static text, as Evidence::mta), in a byte.
std::uint8_t mta_code(std::string_view mta);
std::string_view mta_name(std::uint8_t code);

// A piece of evidence while the log is read: its texts as pool ids
// (string_pool.hpp), 32 bytes instead of an Evidence's 184 and its heap
// blocks. Ids compare as their texts do.
struct EvidenceRef {
    using Id = StringPool::Id;
    UnixTime time = 0;
    Id host = StringPool::empty;
    Id stage = StringPool::empty;
    Id text = StringPool::empty;
    Id sender = StringPool::empty;
    Id recipient = StringPool::empty;
    std::uint8_t mta = unknown_mta;  // mta_code()

    bool operator==(const EvidenceRef&) const = default;

    // Writes the texts into `e`, reusing its strings' room.
    void fill(const StringPool& pool, Evidence& e) const;
};
static_assert(sizeof(EvidenceRef) <= 32, "an EvidenceRef is kept per example");

// Up to max_list distinct texts of a client (names, HELOs, logins, log
// hosts), in the order first seen: two inline (most clients have one),
// the rest behind a pointer. 16 bytes: no count is kept, an empty id
// ends the list (no text held is empty).
class IdList {
  public:
    using Id = StringPool::Id;

    // Compared with the texts held first, so that a text seen again (most
    // sessions of a client repeat its HELO and host) costs no hashing, and
    // one past a full list is not kept.
    void add_unique(std::string_view text, StringPool& pool);
    // Appends an id known not to be held yet (unpack()).
    void push_back(Id id);
    // Empties the list, keeping its room.
    void clear();
    size_t size() const;
    Id operator[](size_t i) const {
        return i < inline_.size() ? inline_[i] : more_[i - inline_.size()];
    }
    void fill(const StringPool& pool, std::vector<std::string>& out) const;
    // The texts as views, for the kind rules.
    std::span<const std::string_view> views(const StringPool& pool,
                                            std::array<std::string_view, max_list>& into) const;

  private:
    void append(Id id, size_t held);

    std::array<Id, 2> inline_{};  // empty: none
    std::unique_ptr<Id[]> more_;  // max_list - 2 of them, empty past the last
};
static_assert(sizeof(IdList) == 16, "an IdList is kept four times per client of interest");

// A CauseReport while the log is read, smaller: texts are pool ids, and
// the latest evidence, most often one of the examples, is then only its
// index. Counts in 32 bits as the client's own (Aggregator::Entry).
struct CauseRecord {
    UnixTime first = 0;
    UnixTime last = 0;
    UnixTime latest_time = 0;
    std::vector<EvidenceRef> examples;
    std::unique_ptr<EvidenceRef> latest_other;  // not one of the examples
    std::uint32_t sessions = 0;
    std::uint32_t sessions_503 = 0;
    std::uint32_t sessions_flagged = 0;
    StringPool::Id advice = StringPool::empty;
    policy::Actor fix = policy::Actor::admin;
    std::uint8_t slot = unknown_cause_slot;
    bool has_latest = false;
    std::uint8_t latest_example = 0;  // when latest_other is null

    void set_latest(const EvidenceRef& item);
    const EvidenceRef* latest() const;
    // The counts alone (ClientSource::head()).
    void fill_head(CauseReport& c) const;
    // All of it, reusing the room of `c`'s strings.
    void fill(const StringPool& pool, CauseReport& c) const;
};
static_assert(cause_slots <= 256, "a cause slot is kept in a byte");
static_assert(max_examples <= 256, "an example's index is kept in a byte");

struct ClientDetail {
    // A summary is larger and rarer still.
    struct Rare {
        std::unique_ptr<MilterSummary> summary;
        std::optional<EvidenceRef> pipelining;  // the first
    };

    IdList names;
    IdList helos;
    IdList logins;
    IdList hosts;
    std::vector<CauseRecord> causes;  // one per cause seen, few
    std::array<std::uint32_t, policy::finding_kind_count> findings{};
    std::unique_ptr<Rare> rare;
    KindSignals kind_signals;

    const MilterSummary* summary() const { return rare ? rare->summary.get() : nullptr; }
    const EvidenceRef* pipelining() const {
        return rare && rare->pipelining ? &*rare->pipelining : nullptr;
    }
    // Empties it, keeping the room of its lists.
    void clear();
    Rare& rare_part() {
        if (!rare)
            rare = std::make_unique<Rare>();
        return *rare;
    }
};

// Appends the packed form of `detail` to `out`; false, and `out` as it
// was, when it has a milter summary (or a cause of more than max_examples
// examples, which the aggregator never keeps).
bool pack(const ClientDetail& detail, std::vector<std::uint8_t>& out);
// Reads pack()'s bytes into `into`, all of its fields written.
void unpack(std::span<const std::uint8_t> bytes, ClientDetail& into);

// The packed form's numbers, and a packed block's length: LEB128, 7 bits a
// byte, low bits first. put() writes at most max_bytes bytes at `out`
// and returns how many; get() reads one at in[at], moving `at` past it.
namespace leb128 {
inline constexpr size_t max_bytes = 10;
inline size_t put(std::uint64_t n, std::uint8_t* out) {
    size_t length = 0;
    for (; n >= 0x80; n >>= 7)
        out[length++] = static_cast<std::uint8_t>(n | 0x80);
    out[length++] = static_cast<std::uint8_t>(n);
    return length;
}
inline std::uint64_t get(const std::uint8_t* in, size_t& at) {
    std::uint64_t n = 0;
    for (unsigned shift = 0;; shift += 7) {
        const std::uint8_t b = in[at++];
        n |= static_cast<std::uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0)
            return n;
    }
}
}  // namespace leb128

// A client's detail in 8 bytes: none, packed bytes, or a ClientDetail of
// its own. One pointer: to the detail, or one past the start of the
// packed block, an odd address (allocations are at least 2-aligned).
class DetailSlot {
  public:
    DetailSlot() = default;
    DetailSlot(const DetailSlot&) = delete;
    DetailSlot& operator=(const DetailSlot&) = delete;
    ~DetailSlot() { reset(); }

    bool empty() const { return held_ == nullptr; }
    // Non-null when the detail is held whole.
    ClientDetail* whole() const {
        return is_packed() ? nullptr : reinterpret_cast<ClientDetail*>(held_);
    }
    // The packed bytes; empty when not packed.
    std::span<const std::uint8_t> packed() const { return block(); }
    // The detail: the whole one, or the packed one unpacked into
    // `scratch`; null when none.
    ClientDetail* get(ClientDetail& scratch) const;

    void hold_whole(std::unique_ptr<ClientDetail> detail);
    void hold_packed(std::span<const std::uint8_t> bytes);
    void reset();

  private:
    bool is_packed() const { return (reinterpret_cast<std::uintptr_t>(held_) & 1) != 0; }
    // A packed block: its length (LEB128), then the bytes.
    std::span<std::uint8_t> block() const {
        if (!is_packed())
            return {};
        std::uint8_t* start = held_ - 1;
        size_t at = 0;
        const auto size = static_cast<size_t>(leb128::get(start, at));
        return {start + at, size};
    }

    std::uint8_t* held_ = nullptr;
};
static_assert(sizeof(DetailSlot) == 8, "a DetailSlot is kept per client of interest");

}  // namespace milter503::report
