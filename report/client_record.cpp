// NAME
//	client_record 3
// SUMMARY
//	a client's detail, its packed form and its 8-byte slot
// DESCRIPTION
//	The packed form, in order: the four lists (a count, then ids); the
//	finding counts (a bit mask of the kinds seen, then their counts); the
//	sender hashes (a byte with their count and whether a pipelining
//	example ends the record, then 8 bytes each); the causes (a count,
//	then each: its slot, a head byte (who fixes it, its latest line, how
//	many examples), counts, advice, times, its examples, its latest when
//	not one of them); the pipelining example. Numbers are LEB128 (7 bits
//	a byte, low bits first); a time is the difference from a time before
//	it (a cause's first from the cause before's, the first from 0; the
//	other times from their cause's first), zigzag-coded (small either side
//	of 0 stays small), computed modulo 2^64 so that no time, however odd
//	a log's, overflows.
#include "report/client_record.hpp"

#include <algorithm>
#include <cstring>

#include "report/log_source.hpp"

namespace milter503::report {

std::uint8_t mta_code(std::string_view mta) {
    const auto sources = log_sources();
    for (size_t i = 0; i < sources.size(); ++i) {
        if (sources[i].mta == mta)
            return static_cast<std::uint8_t>(i);
    }
    return unknown_mta;
}

std::string_view mta_name(std::uint8_t code) {
    const auto sources = log_sources();
    return code < sources.size() ? sources[code].mta : std::string_view("unknown");
}

void EvidenceRef::fill(const StringPool& pool, Evidence& e) const {
    e.time = time;
    e.mta = mta_name(mta);
    e.host = pool.view(host);
    e.stage = pool.view(stage);
    e.text = pool.view(text);
    e.sender = pool.view(sender);
    e.recipient = pool.view(recipient);
}

void IdList::add_unique(std::string_view text, StringPool& pool) {
    const size_t held = size();
    if (text.empty() || held >= max_list)
        return;
    for (size_t i = 0; i < held; ++i) {
        if (pool.view((*this)[i]) == text)
            return;
    }
    append(pool.intern(text), held);
}

void IdList::push_back(Id id) {
    const size_t held = size();
    if (id != StringPool::empty && held < max_list)
        append(id, held);
}

void IdList::clear() {
    inline_ = {};
    if (more_)
        std::fill_n(more_.get(), max_list - inline_.size(), StringPool::empty);
}

size_t IdList::size() const {
    if (inline_[1] == StringPool::empty)
        return inline_[0] == StringPool::empty ? 0 : 1;
    size_t n = inline_.size();
    while (more_ && n < max_list && more_[n - inline_.size()] != StringPool::empty)
        ++n;
    return n;
}

void IdList::fill(const StringPool& pool, std::vector<std::string>& out) const {
    out.resize(size());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = pool.view((*this)[i]);
}

std::span<const std::string_view> IdList::views(
    const StringPool& pool, std::array<std::string_view, max_list>& into) const {
    const size_t held = size();
    for (size_t i = 0; i < held; ++i)
        into[i] = pool.view((*this)[i]);
    return {into.data(), held};
}

void IdList::append(Id id, size_t held) {
    if (held < inline_.size()) {
        inline_[held] = id;
        return;
    }
    if (!more_)
        more_ = std::make_unique<Id[]>(max_list - inline_.size());  // all empty
    more_[held - inline_.size()] = id;
}

void CauseRecord::set_latest(const EvidenceRef& item) {
    has_latest = true;
    latest_time = item.time;
    for (size_t i = 0; i < examples.size(); ++i) {
        if (examples[i] == item) {
            latest_example = static_cast<std::uint8_t>(i);
            latest_other.reset();
            return;
        }
    }
    latest_other = std::make_unique<EvidenceRef>(item);
}

const EvidenceRef* CauseRecord::latest() const {
    if (!has_latest)
        return nullptr;
    return latest_other ? latest_other.get() : &examples[latest_example];
}

void CauseRecord::fill_head(CauseReport& c) const {
    c.slot = slot;
    c.fix = fix;
    c.sessions = sessions;
    c.sessions_503 = sessions_503;
    c.sessions_flagged = sessions_flagged;
    c.first = first;
    c.last = last;
}

void CauseRecord::fill(const StringPool& pool, CauseReport& c) const {
    fill_head(c);
    if (const EvidenceRef* item = latest()) {
        if (!c.latest)
            c.latest.emplace();
        item->fill(pool, *c.latest);
    } else {
        c.latest.reset();
    }
    c.examples.resize(examples.size());
    for (size_t i = 0; i < examples.size(); ++i)
        examples[i].fill(pool, c.examples[i]);
    c.advice = pool.view(advice);
}

void ClientDetail::clear() {
    for (IdList* list : {&names, &helos, &logins, &hosts})
        list->clear();
    causes.clear();
    findings = {};
    rare.reset();
    kind_signals = KindSignals{};
}

namespace {

// A cause's head byte: who fixes it (2 bits), whether it has a latest
// line and whether that is one of the examples (which, 2 bits), and how
// many examples it has (2 bits).
constexpr unsigned fix_bits = 0x03;
constexpr unsigned has_latest_bit = 0x04;
constexpr unsigned latest_other_bit = 0x08;
constexpr unsigned latest_example_shift = 4;
constexpr unsigned examples_shift = 6;
static_assert(static_cast<unsigned>(policy::Actor::sender) <= fix_bits, "an Actor in 2 bits");
static_assert(max_examples <= 3, "an example count and index in 2 bits");

// The senders' byte: their count, and whether a pipelining example follows.
constexpr unsigned senders_bits = 0x07;
constexpr unsigned pipelining_bit = 0x80;
static_assert(many_senders <= senders_bits, "a sender count in 3 bits");

class Writer {
  public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

    void number(std::uint64_t n) {
        std::array<std::uint8_t, leb128::max_bytes> bytes{};
        out_.insert(out_.end(), bytes.begin(), bytes.begin() + leb128::put(n, bytes.data()));
    }
    void byte(std::uint8_t b) { out_.push_back(b); }
    void word(std::uint64_t w) {
        std::uint8_t bytes[sizeof w];
        std::memcpy(bytes, &w, sizeof w);
        out_.insert(out_.end(), bytes, bytes + sizeof w);
    }
    // `t` as its difference from `base`, zigzag-coded.
    void time(UnixTime t, UnixTime base) {
        const std::int64_t diff = time_difference(t, base);
        number((static_cast<std::uint64_t>(diff) << 1) ^ static_cast<std::uint64_t>(diff >> 63));
    }
    void list(const IdList& ids) {
        const size_t n = ids.size();
        byte(static_cast<std::uint8_t>(n));
        for (size_t i = 0; i < n; ++i)
            number(ids[i]);
    }
    void evidence(const EvidenceRef& e, UnixTime base) {
        time(e.time, base);
        number(e.host);
        number(e.stage);
        number(e.text);
        number(e.sender);
        number(e.recipient);
        byte(e.mta);
    }

  private:
    std::vector<std::uint8_t>& out_;
};

class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

    std::uint64_t number() { return leb128::get(in_.data(), at_); }
    std::uint32_t id() { return static_cast<std::uint32_t>(number()); }
    std::uint8_t byte() { return in_[at_++]; }
    std::uint64_t word() {
        std::uint64_t w = 0;
        std::memcpy(&w, in_.data() + at_, sizeof w);
        at_ += sizeof w;
        return w;
    }
    UnixTime time(UnixTime base) {
        const std::uint64_t zigzag = number();
        const std::uint64_t diff = (zigzag >> 1) ^ (~(zigzag & 1) + 1);
        return time_plus(base, static_cast<std::int64_t>(diff));
    }
    void list(IdList& ids) {
        ids.clear();
        const size_t n = byte();
        for (size_t i = 0; i < n; ++i)
            ids.push_back(id());
    }
    void evidence(EvidenceRef& e, UnixTime base) {
        e.time = time(base);
        e.host = id();
        e.stage = id();
        e.text = id();
        e.sender = id();
        e.recipient = id();
        e.mta = byte();
    }

  private:
    std::span<const std::uint8_t> in_;
    size_t at_ = 0;
};

// `origin`: the time this cause's first is told from.
void pack_cause(const CauseRecord& c, UnixTime origin, Writer& w) {
    unsigned head = static_cast<unsigned>(c.fix) & fix_bits;
    head |= static_cast<unsigned>(c.examples.size()) << examples_shift;
    if (c.latest_other)
        head |= has_latest_bit | latest_other_bit;
    else if (c.has_latest)
        head |= has_latest_bit | static_cast<unsigned>(c.latest_example) << latest_example_shift;
    w.byte(c.slot);
    w.byte(static_cast<std::uint8_t>(head));
    w.number(c.sessions);
    w.number(c.sessions_503);
    w.number(c.sessions_flagged);
    w.number(c.advice);
    w.time(c.first, origin);
    w.time(c.last, c.first);
    w.time(c.latest_time, c.first);
    for (const EvidenceRef& e : c.examples)
        w.evidence(e, c.first);
    if (c.latest_other)
        w.evidence(*c.latest_other, c.first);
}

void unpack_cause(Reader& r, UnixTime origin, CauseRecord& c) {
    c.slot = r.byte();
    const unsigned head = r.byte();
    c.fix = static_cast<policy::Actor>(head & fix_bits);
    c.has_latest = (head & has_latest_bit) != 0;
    c.latest_example = static_cast<std::uint8_t>(head >> latest_example_shift & 3);
    c.sessions = static_cast<std::uint32_t>(r.number());
    c.sessions_503 = static_cast<std::uint32_t>(r.number());
    c.sessions_flagged = static_cast<std::uint32_t>(r.number());
    c.advice = r.id();
    c.first = r.time(origin);
    c.last = r.time(c.first);
    c.latest_time = r.time(c.first);
    c.examples.resize(head >> examples_shift & 3);
    for (EvidenceRef& e : c.examples)
        r.evidence(e, c.first);
    if ((head & latest_other_bit) != 0) {
        if (!c.latest_other)
            c.latest_other = std::make_unique<EvidenceRef>();
        r.evidence(*c.latest_other, c.first);
    } else {
        c.latest_other.reset();
    }
}

}  // namespace

bool pack(const ClientDetail& d, std::vector<std::uint8_t>& out) {
    // A cause's example count is 2 bits of its head: more than the
    // aggregator keeps would not fit (held whole, then).
    const auto too_many = [](const CauseRecord& c) { return c.examples.size() > max_examples; };
    if (d.summary() != nullptr || std::any_of(d.causes.begin(), d.causes.end(), too_many))
        return false;
    Writer w(out);
    for (const IdList* list : {&d.names, &d.helos, &d.logins, &d.hosts})
        w.list(*list);
    std::uint64_t kinds = 0;
    for (size_t kind = 0; kind < d.findings.size(); ++kind) {
        if (d.findings[kind] != 0)
            kinds |= std::uint64_t{1} << kind;
    }
    w.number(kinds);
    for (const std::uint32_t count : d.findings) {
        if (count != 0)
            w.number(count);
    }
    const size_t senders = d.kind_signals.senders();
    const EvidenceRef* pipelining = d.pipelining();
    w.byte(static_cast<std::uint8_t>(senders | (pipelining ? pipelining_bit : 0)));
    for (size_t i = 0; i < senders; ++i)
        w.word(d.kind_signals.sender_hashes[i]);
    // Each cause's first told from the one before's (the first from 0).
    w.number(d.causes.size());
    UnixTime origin = 0;
    for (const CauseRecord& c : d.causes) {
        pack_cause(c, origin, w);
        origin = c.first;
    }
    if (pipelining)
        w.evidence(*pipelining, origin);
    return true;
}

void unpack(std::span<const std::uint8_t> bytes, ClientDetail& d) {
    Reader r(bytes);
    for (IdList* list : {&d.names, &d.helos, &d.logins, &d.hosts})
        r.list(*list);
    const std::uint64_t kinds = r.number();
    for (size_t kind = 0; kind < d.findings.size(); ++kind)
        d.findings[kind] = (kinds >> kind & 1) != 0 ? static_cast<std::uint32_t>(r.number()) : 0;
    d.kind_signals = KindSignals{};
    const unsigned senders_byte = r.byte();
    const size_t senders = senders_byte & senders_bits;
    for (size_t i = 0; i < senders; ++i)
        d.kind_signals.sender_hashes[i] = r.word();
    d.causes.resize(r.number());
    UnixTime origin = 0;
    for (CauseRecord& c : d.causes) {
        unpack_cause(r, origin, c);
        origin = c.first;
    }
    if ((senders_byte & pipelining_bit) != 0) {
        EvidenceRef pipelining;
        r.evidence(pipelining, origin);
        d.rare_part() = ClientDetail::Rare{nullptr, pipelining};
    } else {
        d.rare.reset();
    }
}

ClientDetail* DetailSlot::get(ClientDetail& scratch) const {
    if (ClientDetail* detail = whole())
        return detail;
    const std::span<const std::uint8_t> bytes = packed();
    if (bytes.empty())
        return nullptr;
    unpack(bytes, scratch);
    return &scratch;
}

void DetailSlot::hold_whole(std::unique_ptr<ClientDetail> detail) {
    reset();
    held_ = reinterpret_cast<std::uint8_t*>(detail.release());
}

void DetailSlot::hold_packed(std::span<const std::uint8_t> bytes) {
    const std::span<std::uint8_t> held = block();
    if (held.size() == bytes.size()) {
        // The same length: written over in place (most sessions of a
        // client change a count or a time).
        std::copy(bytes.begin(), bytes.end(), held.begin());
        return;
    }
    std::array<std::uint8_t, leb128::max_bytes> header{};
    const size_t length = leb128::put(bytes.size(), header.data());
    auto* fresh = new std::uint8_t[length + bytes.size()];
    std::copy_n(header.begin(), length, fresh);
    std::copy(bytes.begin(), bytes.end(), fresh + length);
    reset();
    held_ = fresh + 1;  // odd: new[] gives at least 2-aligned blocks
}

void DetailSlot::reset() {
    if (is_packed())
        delete[](held_ - 1);
    else
        delete reinterpret_cast<ClientDetail*>(held_);
    held_ = nullptr;
}

}  // namespace milter503::report
