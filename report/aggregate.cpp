// NAME
//	aggregate 3
// SUMMARY
//	per-client aggregation of joined sessions
#include "report/aggregate.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>
#include <utility>

#include "policy/reply.hpp"
#include "report/log_source.hpp"

namespace milter503::report {
namespace {

constexpr std::string_view unknown_advice =
    "No reject line or milter finding explains this refusal: look the session up in the MTA log "
    "(the client address and time are above).";

// Sessions of interest other than 503s and findings (an entry or a
// client report).
template <typename Counts>
unsigned long other_interest(const Counts& c) {
    return c.sessions_refused_after_data + c.sessions_rcpt_refused_no_data +
           c.sessions_no_rcpt_data_unlogged + c.sessions_data_refused_with_rcpts +
           c.sessions_pipelining;
}

using Id = StringPool::Id;

// The evidence of a session: its reject lines or, when the MTA logged
// none, the milter's findings, else its improper pipelining. Held as
// positions into the session, so that only the few kept as examples or
// as the latest are copied.
struct EvidenceSource {
    enum class From { rejects, findings, pipelining };
    const MtaSession& session;
    From from;
    size_t size() const {
        switch (from) {
            case From::rejects:
                return session.rejects.size();
            case From::findings:
                return session.findings.size();
            case From::pipelining:
                return session.pipelining ? 1 : 0;
        }
        return 0;
    }
    UnixTime time(size_t i) const {
        switch (from) {
            case From::rejects:
                return session.rejects[i].time;
            case From::findings:
                return session.findings[i].first;
            case From::pipelining:
                return session.pipelining_time;
        }
        return session.start;
    }
    EvidenceRef make(size_t i, StringPool& pool) const;
};

EvidenceSource evidence_of(const MtaSession& s) {
    using From = EvidenceSource::From;
    if (!s.rejects.empty())
        return EvidenceSource{s, From::rejects};
    return EvidenceSource{s, s.findings.empty() ? From::pipelining : From::findings};
}

EvidenceRef EvidenceSource::make(size_t i, StringPool& pool) const {
    EvidenceRef e;
    e.host = pool.intern(session.host);
    e.mta = mta_code(session.mta);
    if (from == From::rejects) {
        const RejectLine& line = session.rejects[i];
        e.time = line.time;
        e.stage = pool.intern(line.stage);
        e.text = pool.intern(line.reply);
        e.sender = pool.intern(line.sender);
        e.recipient = pool.intern(line.recipient);
        return e;
    }
    if (from == From::pipelining) {
        e.time = session.pipelining_time;
        e.stage = pool.intern("improper pipelining after " + session.pipelining_after);
        e.text = pool.intern(session.pipelining_input);
        return e;
    }
    const auto& [time, finding] = session.findings[i];
    e.time = time;
    e.mta = mta_code("milter");
    e.stage = pool.intern(policy::finding_name(finding.kind));
    e.sender = pool.intern(finding.sender);
    if (!finding.rejected.empty()) {
        const auto& r = finding.rejected.front();
        e.recipient = pool.intern(r.recipient);
        e.text = pool.intern(r.status.empty() ? r.text : r.status + " " + r.text);
    } else if (finding.rejected_unreported) {
        e.text = pool.intern("recipients refused; the MTA did not pass them to the milter");
    } else {
        e.text = pool.intern(finding.detail);
    }
    return e;
}

// The address as a number when it is an IPv4 address written as
// to_dotted() writes it back (no leading zeros), so that a quiet client
// keeps exactly the text it was seen with.
std::optional<std::uint32_t> canonical_ipv4(std::string_view addr) {
    std::uint32_t value = 0;
    size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (i >= addr.size() || addr[i] != '.')
                return std::nullopt;
            ++i;
        }
        const size_t start = i;
        unsigned octet = 0;
        while (i < addr.size() && i - start < 3 && addr[i] >= '0' && addr[i] <= '9')
            octet = octet * 10 + static_cast<unsigned>(addr[i++] - '0');
        const size_t digits = i - start;
        if (digits == 0 || octet > 255 || (digits > 1 && addr[start] == '0'))
            return std::nullopt;
        value = value << 8 | octet;
    }
    if (i != addr.size())
        return std::nullopt;
    return value;
}

}  // namespace

// Clients that had only sessions with nothing to report (see
// aggregate.hpp): open addressing with linear probing, a slot is free
// when its session count is 0, at most 70 % full. A client that gets an
// entry leaves the table (entry() takes its counts over, erase() shifts
// the probe chain back): at 10^6 clients the slots of the clients with
// entries were half of the table. 16 bytes a record: its times are 32-bit
// differences from the table's epoch (the first quiet session's start);
// a client whose times do not fit (68 years away) goes to an entry.
class Aggregator::QuietClients {
  public:
    // Past this, a client's sessions go to an entry.
    static constexpr std::uint32_t max_sessions = std::numeric_limits<std::uint32_t>::max() - 1;
    struct Record {
        std::int32_t first_seen = 0;  // time_of()
        std::int32_t last_seen = 0;
        std::uint32_t addr = 0;
        std::uint32_t sessions = 0;  // 0: a free slot
    };
    static_assert(sizeof(Record) == 16, "a Record is kept per quiet client");

    // `t` as a record holds it, when it fits (time_of() adds it back).
    std::optional<std::int32_t> offset_of(UnixTime t) {
        if (!epoch_)
            epoch_ = t;
        const std::int64_t diff = time_difference(t, *epoch_);
        if (diff < std::numeric_limits<std::int32_t>::min() ||
            diff > std::numeric_limits<std::int32_t>::max())
            return std::nullopt;
        return static_cast<std::int32_t>(diff);
    }
    UnixTime time_of(std::int32_t offset) const { return time_plus(epoch_.value_or(0), offset); }

    Record* find(std::uint32_t addr) {
        if (slots_.empty())
            return nullptr;
        for (size_t i = home(addr);; i = (i + 1) & mask()) {
            Record& r = slots_[i];
            if (r.sessions == 0)
                return nullptr;
            if (r.addr == addr)
                return &r;
        }
    }

    // A fresh record for an address not in the table.
    Record& insert(std::uint32_t addr) {
        if ((size_ + 1) * 10 > slots_.size() * 7)
            grow();
        ++size_;
        return place(addr);
    }

    // Frees `record`'s slot; a later record of its probe chain that may
    // not stay behind the hole moves into it (no tombstones).
    void erase(Record& record) {
        size_t hole = static_cast<size_t>(&record - slots_.data());
        for (size_t i = (hole + 1) & mask(); slots_[i].sessions != 0; i = (i + 1) & mask()) {
            const size_t want = home(slots_[i].addr);
            // It stays when its home lies cyclically in (hole, i].
            const bool stays = hole <= i ? (hole < want && want <= i) : (hole < want || want <= i);
            if (!stays) {
                slots_[hole] = slots_[i];
                hole = i;
            }
        }
        slots_[hole] = Record{};
        --size_;
    }

    template <typename F>
    void for_each(F&& f) const {
        for (const Record& r : slots_) {
            if (r.sessions != 0)
                f(r);
        }
    }

  private:
    size_t mask() const { return slots_.size() - 1; }
    size_t home(std::uint32_t addr) const {
        return static_cast<size_t>((addr * 0x9E3779B97F4A7C15ULL) >> 32) & mask();
    }
    Record& place(std::uint32_t addr) {
        size_t i = home(addr);
        while (slots_[i].sessions != 0)
            i = (i + 1) & mask();
        slots_[i].addr = addr;
        return slots_[i];
    }
    void grow() {
        std::vector<Record> old(slots_.empty() ? 1024 : slots_.size() * 2);
        old.swap(slots_);
        for (const Record& r : old) {
            if (r.sessions != 0)
                place(r.addr) = r;
        }
    }

    std::vector<Record> slots_;
    size_t size_ = 0;
    std::optional<UnixTime> epoch_;
};

size_t cause_slot(std::optional<policy::Cause> cause) {
    if (!cause)
        return unknown_cause_slot;
    for (size_t i = 0; i < std::size(policy::all_causes); ++i) {
        if (policy::all_causes[i] == *cause)
            return i;
    }
    return unknown_cause_slot;
}

std::string_view cause_slot_name(size_t slot) {
    if (slot >= std::size(policy::all_causes))
        return "unknown";
    return policy::cause_name(policy::all_causes[slot]);
}

namespace {

// A refusal before RCPT whose text names no cause: its stage does.
std::optional<policy::Cause> stage_cause(Stage at) {
    switch (at) {
        case Stage::connect:
            return policy::Cause::refused_at_connect;
        case Stage::helo:
            return policy::Cause::refused_at_helo;
        case Stage::mail:
            return policy::Cause::refused_at_mail;
        default:
            return std::nullopt;
    }
}

policy::Cause logged_refusal_cause(const RejectLine& line) {
    const policy::Reply reply = policy::split_reply(line.reply);
    // A temporary refusal logged without its code (Exim): class 4.
    const bool classless = reply.code.empty() && reply.status.empty();
    const policy::Cause cause =
        policy::classify_rejection(line.temporary && classless ? "4" : reply.status, reply.text);
    if (cause == policy::Cause::policy_reject)
        return stage_cause(line.at).value_or(cause);
    return cause;
}

// MAIL refused with no refusal logged, after a good greeting, in a
// session that never sent STARTTLS: Postfix's "530 5.7.0 Must issue a
// STARTTLS command first" (logged nowhere). Inferred, hence last.
bool tls_seemingly_required(const MtaSession& s) {
    return s.counted && s.greeted && !s.starttls_sent && s.mail_sent > 0 && s.mail_ok == 0 &&
           s.rejects.empty();
}

// The cause as the milter or the MTA's lines tell it, before the
// session's failed logins are weighed.
std::optional<policy::Cause> milter_cause(const MtaSession& s) {
    for (const auto& [time, finding] : s.findings) {
        if (finding.kind == policy::FindingKind::no_accepted_rcpt)
            return finding.cause;
    }
    if (!s.findings.empty())
        return s.findings.front().second.cause;
    return std::nullopt;
}

std::optional<policy::Cause> told_cause(const MtaSession& s) {
    // rejected-unreported is the milter not knowing why (Sendmail hid the
    // refusal from it): the MTA's own line, when there is one, says.
    const std::optional<policy::Cause> milter = milter_cause(s);
    if (milter && !(milter == policy::Cause::rejected_unreported && !s.rejects.empty()))
        return milter;
    if (!s.rejects.empty()) {
        const policy::Cause logged = logged_refusal_cause(s.rejects.front());
        const bool generic =
            logged == policy::Cause::policy_reject || logged == policy::Cause::deferred;
        return generic && s.source_cause ? *s.source_cause : logged;
    }
    if (s.source_cause)
        return s.source_cause;
    if (s.pipelining) {
        return s.pipelining_tls ? policy::Cause::tls_on_plaintext_port
                                : policy::Cause::improper_pipelining;
    }
    if (tls_seemingly_required(s))
        return policy::Cause::tls_required;
    if (s.error_limit)
        return policy::Cause::too_many_errors;
    if (s.counted && s.mail_ok > 0 && s.rcpt_sent == 0)
        return policy::Cause::no_recipient_sent;
    return std::nullopt;
}

}  // namespace

std::optional<policy::Cause> session_cause(const MtaSession& session) {
    const std::optional<policy::Cause> told = told_cause(session);
    // Refused for want of a login after a login failed: the password, not
    // a missing setting.
    if (told && session.auth_failures > 0 && policy::cause_info(*told).login_fixes)
        return policy::Cause::auth_failed;
    return told;
}

Aggregator::Aggregator(std::optional<std::string> client_filter)
    : client_filter_(std::move(client_filter)), quiet_(std::make_unique<QuietClients>()) {}

Aggregator::~Aggregator() = default;

bool Aggregator::wanted(std::string_view addr) const {
    return !client_filter_ || *client_filter_ == addr;
}

// Valid until the next call (a new client may move the entries).
Aggregator::Entry& Aggregator::entry(std::string_view addr) {
    const StringPool::Id id = pool_.intern(addr);
    if (id >= entry_of_.size())
        entry_of_.resize(pool_.size(), 0);
    std::uint32_t& index = entry_of_[id];
    if (index == 0) {
        Entry& fresh = entries_.emplace_back();
        fresh.address = id;
        if (const auto ip = canonical_ipv4(addr)) {
            if (QuietClients::Record* quiet = quiet_->find(*ip)) {
                fresh.sessions = quiet->sessions;
                fresh.first_seen = quiet_->time_of(quiet->first_seen);
                fresh.last_seen = quiet_->time_of(quiet->last_seen);
                quiet_->erase(*quiet);
            }
        }
        index = static_cast<std::uint32_t>(entries_.size());
    }
    return entries_[index - 1];
}

bool Aggregator::has_entry(std::string_view addr) const {
    const std::optional<StringPool::Id> id = pool_.find(addr);
    return id && *id < entry_of_.size() && entry_of_[*id] != 0;
}

// Counts a session that has nothing to report and no login in the quiet
// table, when its client is quiet (or new) and has an IPv4 address.
bool Aggregator::add_quiet(std::string_view addr, const MtaSession& s) {
    if (client_filter_)
        return false;  // one client, with all its sessions in the report
    const auto ip = canonical_ipv4(addr);
    if (!ip || has_entry(addr))
        return false;
    QuietClients::Record* r = quiet_->find(*ip);
    if (r != nullptr && r->sessions >= QuietClients::max_sessions)
        return false;  // entry() takes it over with its full count
    // As an entry counts them (its last seen starts at 0).
    UnixTime first = s.start;
    UnixTime last = std::max<UnixTime>(s.end, 0);
    if (r != nullptr) {
        first = std::min(first, quiet_->time_of(r->first_seen));
        last = std::max(s.end, quiet_->time_of(r->last_seen));
    }
    const auto first_offset = quiet_->offset_of(first);
    const auto last_offset = quiet_->offset_of(last);
    if (!first_offset || !last_offset)
        return false;  // entry() takes it over, its times whole
    if (r == nullptr)
        r = &quiet_->insert(*ip);
    r->first_seen = *first_offset;
    r->last_seen = *last_offset;
    ++r->sessions;
    return true;
}

namespace {

// Sessions after which a client's detail stays whole: unpacking and
// packing it for each session would cost more than it saves.
constexpr std::uint32_t whole_after = 4;

}  // namespace

ClientDetail& Aggregator::edit(Entry& e) {
    if (ClientDetail* detail = e.detail.get(editing_))
        return *detail;
    editing_.clear();
    return editing_;
}

void Aggregator::put_back(Entry& e, ClientDetail& d) {
    if (&d != &editing_)
        return;  // held whole
    packing_.clear();
    if (e.sessions < whole_after && pack(d, packing_)) {
        e.detail.hold_packed(packing_);
        return;
    }
    e.detail.hold_whole(std::make_unique<ClientDetail>(std::move(editing_)));
}

const ClientDetail* Aggregator::read(const Entry& e) const {
    return e.detail.get(reading_);
}

void Aggregator::on_session(MtaSession&& s) {
    // Both arms string_view: with "unknown" : s.client_addr the result
    // would be a temporary std::string, gone by the next line (found by
    // tests/fuzz/fuzz_report.cpp under AddressSanitizer).
    const std::string_view addr =
        s.client_addr.empty() ? std::string_view("unknown") : std::string_view(s.client_addr);
    if (!s.local)
        kinds_.note_session(s);
    if (s.local || !wanted(addr))
        return;
    const bool problem = s.outcome != Outcome::none || s.findings_total > 0 || s.pipelining;
    const bool rejected = s.rejects_total > 0;
    if (s.only_handed_over())
        return;
    if (!problem && !rejected && s.login.empty() && !s.milter_only && add_quiet(addr, s))
        return;
    Entry& e = entry(addr);
    count_session(e, s);
    if (!problem && !rejected) {
        // Most sessions: only the login is worth keeping (a later refused
        // session of the same address lists it).
        if (!s.login.empty()) {
            ClientDetail& d = edit(e);
            d.logins.add_unique(s.login, pool_);
            put_back(e, d);
        }
        return;
    }
    ClientDetail& d = edit(e);
    note_detail(d, s);
    if (problem)
        note_cause(d, s);
    put_back(e, d);
}

void Aggregator::count_session(Entry& e, const MtaSession& s) {
    if (e.sessions == 0 || s.start < e.first_seen)
        e.first_seen = s.start;
    if (s.end > e.last_seen)
        e.last_seen = s.end;
    ++e.sessions;
    switch (s.outcome) {
        case Outcome::none:
            break;
        case Outcome::no_rcpt_data_refused:
            ++e.sessions_503;
            break;
        case Outcome::data_refused_with_rcpts:
            ++e.sessions_data_refused_with_rcpts;
            break;
        case Outcome::refused_after_data:
            ++e.sessions_refused_after_data;
            break;
        case Outcome::rcpt_refused_no_data:
            ++e.sessions_rcpt_refused_no_data;
            break;
        case Outcome::no_rcpt_data_unlogged:
            ++e.sessions_no_rcpt_data_unlogged;
            break;
    }
    if (s.findings_total > 0)
        ++e.sessions_flagged;
    if (s.rejects_total > 0)
        ++e.sessions_rejected;
    if (s.pipelining)
        ++e.sessions_pipelining;
    if (s.milter_only)
        ++e.sessions_milter_only;
}

// The names, HELOs, logins, hosts, findings and senders of a session with
// something to report.
void Aggregator::note_detail(ClientDetail& d, const MtaSession& s) {
    KindBook::observe(d.kind_signals, s);
    if (s.client_name != "unknown")
        d.names.add_unique(s.client_name, pool_);
    d.helos.add_unique(s.helo, pool_);
    d.logins.add_unique(s.login, pool_);
    d.hosts.add_unique(s.host, pool_);
    if (s.pipelining && d.pipelining() == nullptr)
        d.rare_part().pipelining =
            EvidenceSource{s, EvidenceSource::From::pipelining}.make(0, pool_);
    for (const auto& [time, finding] : s.findings) {
        ++d.findings[static_cast<size_t>(finding.kind)];
        d.logins.add_unique(finding.auth_login, pool_);
        // The milter's HELO is the raw one; Postfix logs control bytes as '?'.
        d.helos.add_unique(finding.helo, pool_);
    }
}

// The session's cause, its counts, advice and evidence.
void Aggregator::note_cause(ClientDetail& d, const MtaSession& s) {
    const bool flagged = s.findings_total > 0;
    const bool refused_503 = s.outcome == Outcome::no_rcpt_data_refused;
    const std::optional<policy::Cause> cause = session_cause(s);
    const size_t slot = cause_slot(cause);
    auto found = std::find_if(d.causes.begin(), d.causes.end(),
                              [&](const CauseRecord& x) { return x.slot == slot; });
    if (found == d.causes.end()) {
        d.causes.emplace_back().slot = static_cast<std::uint8_t>(slot);
        found = d.causes.end() - 1;
    }
    CauseRecord& c = *found;
    ++c.sessions;
    if (refused_503)
        ++c.sessions_503;
    if (flagged)
        ++c.sessions_flagged;
    if (c.sessions == 1)
        c.fix = cause ? policy::cause_fix(*cause) : policy::Actor::admin;
    if (c.advice == StringPool::empty) {
        for (const auto& [time, finding] : s.findings) {
            if (cause && finding.cause == *cause && !finding.advice.empty()) {
                c.advice = pool_.intern(finding.advice);
                c.fix = finding.fix;
                break;
            }
        }
    }
    if (c.advice == StringPool::empty)
        c.advice = pool_.intern(cause ? policy::cause_advice(*cause) : unknown_advice);

    // Evidence strings are copied only for what is kept: up to
    // max_examples distinct texts and the latest.
    const EvidenceSource evidence = evidence_of(s);
    const size_t count = evidence.size();
    const UnixTime first = count == 0 ? s.start : evidence.time(0);
    const UnixTime last = count == 0 ? s.end : evidence.time(count - 1);
    if (c.sessions == 1 || first < c.first)
        c.first = first;
    if (c.sessions == 1 || last > c.last)
        c.last = last;
    std::optional<EvidenceRef> made_last;  // the last line's, when made for the examples
    for (size_t i = 0; i < count && c.examples.size() < max_examples; ++i) {
        const EvidenceRef item = evidence.make(i, pool_);
        if (i + 1 == count)
            made_last = item;
        const bool seen = std::any_of(c.examples.begin(), c.examples.end(),
                                      [&](const EvidenceRef& x) { return x.text == item.text; });
        if (!seen)
            c.examples.push_back(item);
    }
    if (count > 0 && (!c.has_latest || last >= c.latest_time))
        c.set_latest(made_last ? *made_last : evidence.make(count - 1, pool_));
    if (refused_503)
        ++hourly_[s.end - (s.end % 3600 + 3600) % 3600][slot];
}

void Aggregator::on_summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) {
    if (!wanted(summary.client_addr))
        return;
    Entry& e = entry(summary.client_addr);
    ClientDetail& d = edit(e);
    if (d.summary() == nullptr || time >= d.summary()->time)
        d.rare_part().summary = std::make_unique<MilterSummary>(
            MilterSummary{std::string(host), time, std::move(summary)});
    put_back(e, d);
}

// The rule that decides the client's kind (client_kind.hpp; null: none holds).
const KindRule* Aggregator::kind_of(const ClientDetail* d) const {
    static const KindSignals none;
    if (d == nullptr)
        return KindBook::classify(KindInput{{}, {}, false, none, kinds_});
    const size_t trusted = cause_slot(policy::Cause::left_trusted_network);
    const bool left_trusted = std::any_of(d->causes.begin(), d->causes.end(),
                                          [&](const CauseRecord& c) { return c.slot == trusted; });
    std::array<std::string_view, max_list> logins;
    std::array<std::string_view, max_list> helos;
    return KindBook::classify(KindInput{d->logins.views(pool_, logins),
                                        d->helos.views(pool_, helos), left_trusted, d->kind_signals,
                                        kinds_});
}

namespace {

// The causes of a client, most sessions first (the first seen first
// among equals): as indexes, so that each is written once, in place. On
// the stack: it is made each time the renderer reads a client (three
// times in a text report).
struct CauseOrder {
    std::array<std::uint8_t, cause_slots> index{};  // a client has each cause once
    size_t size = 0;
};

CauseOrder cause_order(const std::vector<CauseRecord>& causes) {
    CauseOrder order;
    order.size = std::min(causes.size(), order.index.size());
    for (size_t i = 0; i < order.size; ++i) {
        // Insertion, stable: past the ones with as many sessions or more.
        size_t at = i;
        while (at > 0 && causes[order.index[at - 1]].sessions < causes[i].sessions) {
            order.index[at] = order.index[at - 1];
            --at;
        }
        order.index[at] = static_cast<std::uint8_t>(i);
    }
    return order;
}

}  // namespace

// What the tables and the strangers block read of a client (see
// ClientSource::head()); the other fields of `c` are left as they are.
void Aggregator::fill_head(const Entry& e, ClientReport& c) const {
    fill_head(e, read(e), c);
}

void Aggregator::fill_head(const Entry& e, const ClientDetail* d, ClientReport& c) const {
    c.address = pool_.view(e.address);
    c.sessions = e.sessions;
    c.sessions_503 = e.sessions_503;
    c.sessions_flagged = e.sessions_flagged;
    c.sessions_no_rcpt_data_unlogged = e.sessions_no_rcpt_data_unlogged;
    c.first_seen = e.first_seen;
    c.last_seen = e.last_seen;
    if (d == nullptr) {
        c.names.clear();
        c.causes.clear();
        return;
    }
    d->names.fill(pool_, c.names);
    const CauseOrder order = cause_order(d->causes);
    c.causes.resize(order.size);
    for (size_t i = 0; i < order.size; ++i)
        d->causes[order.index[i]].fill_head(c.causes[i]);
}

// The report of a client, its texts out of the pool, written over `c`
// (reusing the room of its strings: the renderer reads one at a time).
void Aggregator::fill_client(const Entry& e, ClientReport& c) const {
    const ClientDetail* d = read(e);
    fill_head(e, d, c);
    c.sessions_rejected = e.sessions_rejected;
    c.sessions_pipelining = e.sessions_pipelining;
    c.sessions_milter_only = e.sessions_milter_only;
    c.sessions_refused_after_data = e.sessions_refused_after_data;
    c.sessions_rcpt_refused_no_data = e.sessions_rcpt_refused_no_data;
    c.sessions_data_refused_with_rcpts = e.sessions_data_refused_with_rcpts;
    c.findings.clear();
    if (d == nullptr) {
        c.helos.clear();
        c.logins.clear();
        c.hosts.clear();
        c.milter_summary.reset();
        c.pipelining.reset();
        return;
    }
    d->helos.fill(pool_, c.helos);
    d->logins.fill(pool_, c.logins);
    d->hosts.fill(pool_, c.hosts);
    std::sort(c.logins.begin(), c.logins.end());
    std::sort(c.hosts.begin(), c.hosts.end());
    for (size_t kind = 0; kind < d->findings.size(); ++kind) {
        if (d->findings[kind] > 0)
            c.findings[static_cast<policy::FindingKind>(kind)] = d->findings[kind];
    }
    if (const MilterSummary* summary = d->summary()) {
        c.milter_summary = *summary;
    } else {
        c.milter_summary.reset();
    }
    if (const EvidenceRef* pipelining = d->pipelining()) {
        if (!c.pipelining)
            c.pipelining.emplace();
        pipelining->fill(pool_, *c.pipelining);
    } else {
        c.pipelining.reset();
    }
    const CauseOrder order = cause_order(d->causes);
    for (size_t i = 0; i < order.size; ++i)
        d->causes[order.index[i]].fill(pool_, c.causes[i]);
}

Aggregator::Ranked Aggregator::ranked_client(std::uint32_t index, const KindRule* rule) const {
    static_assert(sizeof(Ranked) == 32, "a Ranked is kept per reported client");
    const Entry& e = entries_[index];
    Ranked r{};
    r.refused_flagged = std::uint64_t{e.sessions_503} << 32 | e.sessions_flagged;
    r.other = static_cast<std::uint32_t>(
        std::min<unsigned long>(other_interest(e), std::numeric_limits<std::uint32_t>::max()));
    // Compared as unsigned bytes, as std::string_view compares: a shorter
    // text, padded with 0, comes first, as it does.
    const std::string_view address = pool_.view(e.address);
    for (size_t i = 0; i < sizeof r.address_prefix; ++i) {
        const auto byte = i < address.size() ? static_cast<unsigned char>(address[i]) : 0U;
        r.address_prefix = r.address_prefix << 8 | byte;
    }
    r.sessions = e.sessions;
    r.entry = index;
    r.kind = static_cast<std::uint8_t>(rule ? rule->kind : ClientKind::unknown);
    r.rule = rule ? static_cast<std::uint8_t>(rule - kind_rules().data()) : no_rule;
    return r;
}

// The clients made as the renderer reads them (ClientSource).
class Aggregator::OnDemand : public ClientSource {
  public:
    OnDemand(const Aggregator& owner, std::vector<Ranked> ranked)
        : owner_(owner), ranked_(std::move(ranked)) {}

    size_t size() const override { return ranked_.size(); }
    ClientKind kind(size_t index) const override {
        return static_cast<ClientKind>(ranked_[index].kind);
    }
    const ClientReport& client(size_t index) const override {
        return made(index, &Aggregator::fill_client, client_);
    }
    const ClientReport& head(size_t index) const override {
        return made(index, &Aggregator::fill_head, head_);
    }

  private:
    using Fill = void (Aggregator::*)(const Entry&, ClientReport&) const;

    const ClientReport& made(size_t index, Fill fill, ClientReport& into) const {
        const Ranked& r = ranked_.at(index);
        (owner_.*fill)(owner_.entries_[r.entry], into);
        into.kind = static_cast<ClientKind>(r.kind);
        into.kind_rule = r.rule == no_rule ? std::string_view() : kind_rules()[r.rule].name;
        return into;
    }

    const Aggregator& owner_;
    std::vector<Ranked> ranked_;
    // Written over for each client: their strings' room is reused.
    mutable ClientReport client_;
    mutable ClientReport head_;
};

void Aggregator::build(size_t top, Report& report, bool on_demand) {
    Totals& totals = report.totals;
    totals = Totals{};
    // The reported clients are ranked on their counts first; only the
    // `top` kept become ClientReports.
    std::vector<Ranked> ranked;
    ranked.reserve(entries_.size());  // at most: no second copy while it grows
    for (std::uint32_t index = 0; index < entries_.size(); ++index) {
        const Entry& e = entries_[index];
        ++totals.clients_seen;
        totals.sessions += e.sessions;
        totals.sessions_503 += e.sessions_503;
        totals.sessions_flagged += e.sessions_flagged;
        totals.sessions_pipelining += e.sessions_pipelining;
        totals.sessions_refused_after_data += e.sessions_refused_after_data;
        totals.sessions_rcpt_refused_no_data += e.sessions_rcpt_refused_no_data;
        totals.sessions_no_rcpt_data_unlogged += e.sessions_no_rcpt_data_unlogged;
        totals.sessions_data_refused_with_rcpts += e.sessions_data_refused_with_rcpts;
        const ClientDetail* d = read(e);
        const bool summary_findings =
            d && d->summary() != nullptr && !d->summary()->summary.findings.empty();
        const bool reported = e.sessions_503 > 0 || e.sessions_flagged > 0 ||
                              other_interest(e) > 0 || summary_findings ||
                              (client_filter_.has_value() && e.sessions > 0);
        if (!reported)
            continue;
        const KindRule* rule = kind_of(d);
        const ClientKind kind = rule ? rule->kind : ClientKind::unknown;
        ++totals.clients_by_kind[static_cast<size_t>(kind)];
        if (!report.filters.kind || *report.filters.kind == kind)
            ranked.push_back(ranked_client(index, rule));
    }
    quiet_->for_each([&](const QuietClients::Record& r) {
        ++totals.clients_seen;
        totals.sessions += r.sessions;
    });
    totals.clients_reported = ranked.size();
    const auto before = [this](const Ranked& x, const Ranked& y) {
        if (x.refused_flagged != y.refused_flagged)
            return x.refused_flagged > y.refused_flagged;
        if (x.other != y.other)
            return x.other > y.other;
        if (x.sessions != y.sessions)
            return x.sessions > y.sessions;
        if (x.address_prefix != y.address_prefix)
            return x.address_prefix < y.address_prefix;
        return pool_.view(entries_[x.entry].address) < pool_.view(entries_[y.entry].address);
    };
    const size_t kept = top > 0 ? std::min(top, ranked.size()) : ranked.size();
    // All of them: a plain sort (partial_sort's heap sort took 3 % of a run).
    if (kept == ranked.size()) {
        std::sort(ranked.begin(), ranked.end(), before);
    } else {
        std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(kept),
                          ranked.end(), before);
    }
    ranked.resize(kept);
    report.clients.clear();
    auto source = std::make_shared<OnDemand>(*this, std::move(ranked));
    if (on_demand) {
        report.client_source = std::move(source);
    } else {
        report.client_source.reset();
        report.clients.reserve(kept);
        for (size_t i = 0; i < kept; ++i)
            report.clients.push_back(source->client(i));
    }
    report.hourly.clear();
    for (const auto& [hour, counts] : hourly_)
        report.hourly.push_back(HourBucket{hour, counts});
    // The tables stay until the Aggregator goes (the clients on demand
    // are made from them): freeing 10^5 entries one by one cost a tenth
    // of a run, and milter503-report exits without it.
}

}  // namespace milter503::report
