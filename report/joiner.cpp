// NAME
//	joiner 3
// SUMMARY
//	per-host session state machine of milter503-report
// DESCRIPTION
//	See joiner.hpp. Ended sessions wait in a queue ordered by the time
//	they were closed, indexed by client address and queue id, so a late
//	finding or a milter-only session is found without a scan. The sweep
//	runs at most once per sweep_interval of a host's log time; its look
//	for silent open sessions, once per idle_scan_interval. That look takes
//	only the sessions due from a heap of (time they would be silent too
//	long, the session's slot), pushed when a session opens and again when
//	it was active since, instead of scanning them all: behind postscreen,
//	thousands of sessions stay open for the idle hour.
#include "report/joiner.hpp"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "report/user_trace.hpp"

namespace milter503::report {

void MtaSession::add_reject(RejectLine line) {
    ++rejects_total;
    if (rejects.size() < max_evidence) {
        rejects.push_back(std::move(line));
    } else {
        rejects.back() = std::move(line);  // keep the first ones and the latest
    }
}

void MtaSession::add_finding(UnixTime time, policy::Finding finding) {
    ++findings_total;
    if (findings.size() < max_evidence)
        findings.emplace_back(time, std::move(finding));
}

void MtaSession::absorb_findings(MtaSession&& other) {
    for (auto& [time, finding] : other.findings) {
        if (helo.empty())
            helo = finding.helo;
        if (login.empty())
            login = finding.auth_login;
        if (findings.size() < max_evidence)
            findings.emplace_back(time, std::move(finding));
    }
    findings_total += other.findings_total;
    if (other.last_activity > last_activity)
        last_activity = other.last_activity;
    for (const auto& id : other.queue_ids)
        add_queue_id(id);
}

bool MtaSession::add_queue_id(std::string_view queue_id) {
    if (queue_id.empty() || queue_id == "NOQUEUE" || has_queue_id(queue_id) ||
        queue_ids.size() >= max_evidence) {
        return false;
    }
    queue_ids.emplace_back(queue_id);
    return true;
}

bool MtaSession::has_queue_id(std::string_view queue_id) const {
    return std::find(queue_ids.begin(), queue_ids.end(), queue_id) != queue_ids.end();
}

Outcome session_outcome(const MtaSession& s) {
    if (s.data_no_rcpt > 0)
        return Outcome::no_rcpt_data_refused;
    // A refused DATA that no logged rule explains, in a session without
    // an accepted recipient: the 554 (503 without MAIL) of smtpd.c's
    // data_cmd(), which tests for recipients before anything else.
    const unsigned explained = s.data_stage_rejects + s.messages_refused;
    const unsigned unexplained = s.data_refused > explained ? s.data_refused - explained : 0;
    if (s.counted) {
        // Transactions that had a recipient, and the messages that used
        // them up: a refusal beyond them had no recipient.
        const unsigned with_rcpt = std::min(s.rcpt_ok, s.mail_ok);
        const unsigned used = std::min(with_rcpt, s.data_ok + s.messages_refused);
        if (unexplained > with_rcpt - used)
            return Outcome::no_rcpt_data_refused;
    } else if (unexplained > 0 && !s.rcpt_accepted && s.rcpt_refused > 0) {
        return Outcome::no_rcpt_data_refused;
    }
    if (s.data_stage_rejects > 0)
        return Outcome::data_refused_with_rcpts;
    if (s.messages_refused > 0)
        return Outcome::refused_after_data;
    if (s.rcpt_refused > 0 && !s.rcpt_accepted) {
        return s.data_sent_known && s.data_sent == 0 ? Outcome::rcpt_refused_no_data
                                                     : Outcome::no_rcpt_data_unlogged;
    }
    return Outcome::none;
}

std::string_view outcome_name(Outcome outcome) {
    switch (outcome) {
        case Outcome::none:
            return "none";
        case Outcome::no_rcpt_data_refused:
            return "503";
        case Outcome::data_refused_with_rcpts:
            return "data_refused_with_rcpts";
        case Outcome::refused_after_data:
            return "refused_after_data";
        case Outcome::rcpt_refused_no_data:
            return "rcpt_refused_no_data";
        case Outcome::no_rcpt_data_unlogged:
            return "no_rcpt_data_unlogged";
    }
    return "none";
}

namespace {

// Heterogeneous lookup: find a string_view key without building a string.
struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
template <typename Value>
using StringMap = std::unordered_map<std::string, Value, ViewHash, std::equal_to<>>;
template <typename Value>
using StringMultimap = std::unordered_multimap<std::string, Value, ViewHash, std::equal_to<>>;

std::string_view strip_ipv6_tag(std::string_view addr) {
    if (addr.starts_with("IPv6:"))
        addr.remove_prefix(5);
    return addr;
}

void fill_client(MtaSession& s, std::string_view name, std::string_view addr,
                 std::string_view port) {
    if (s.client_addr.empty())
        s.client_addr = strip_ipv6_tag(addr);
    if (s.client_name.empty())
        s.client_name = name;
    if (s.client_port.empty())
        s.client_port = port;
}

void touch(MtaSession& session, UnixTime time) {
    if (time > session.last_activity)
        session.last_activity = time;
}

// Ports rule a match out only when both sides logged one.
bool ports_agree(const MtaSession& session, std::string_view port) {
    return session.client_port.empty() || port.empty() || session.client_port == port;
}

// A session holding a finding of another milter connection is another
// connection.
bool conn_agrees(const MtaSession& session, std::string_view conn) {
    return std::all_of(session.findings.begin(), session.findings.end(),
                       [&](const auto& entry) { return entry.second.conn_id == conn; });
}

bool names_sender(const MtaSession& session, std::string_view sender) {
    return !sender.empty() &&
           std::any_of(session.rejects.begin(), session.rejects.end(),
                       [&](const RejectLine& line) { return line.sender == sender; });
}

// A session found to belong with a finding (or a milter-only session):
// same address, agreeing port and connection.
bool same_client(const MtaSession& session, std::string_view addr, std::string_view port,
                 std::string_view conn) {
    return session.client_addr == addr && ports_agree(session, port) && conn_agrees(session, conn);
}

RejectLine reject_line(UnixTime time, const SessionEvent& e) {
    RejectLine line;
    line.time = time;
    line.stage = e.stage_text;
    line.at = e.stage;
    line.reply = e.reply;
    line.temporary = e.temporary;
    line.sender = e.sender;
    line.recipient = e.recipient;
    return line;
}

// The silence after which an open session is over (for a source that
// logs no end, silence is its end).
UnixTime idle_limit(const MtaSession& session, const JoinerLimits& limits) {
    return session.idle_seconds > 0 ? session.idle_seconds : limits.idle_timeout;
}

void count_commands(MtaSession& s, const Counters& c) {
    if (!c.present)
        return;
    s.counted = true;
    s.mail_ok = c.mail.ok;
    s.mail_sent = c.mail.total;
    s.greeted = c.greeting.ok > 0;
    s.starttls_sent = c.starttls.total > 0;
    s.rcpt_ok = c.rcpt.ok;
    s.rcpt_sent = c.rcpt.total;
    // A message sent in chunks counts one BDAT per chunk.
    s.data_ok = c.data.ok + (c.bdat.ok > 0 ? 1 : 0);
    if (c.rcpt.ok > 0)
        s.rcpt_accepted = true;
    s.rcpt_refused = std::max(s.rcpt_refused, c.rcpt.refused());
    s.data_sent_known = true;
    s.data_sent = c.data.total + c.bdat.total;
    s.data_refused = std::max(s.data_refused, c.data.refused() + c.bdat.refused());
}

}  // namespace

struct Joiner::HostState {
    struct Held {
        MtaSession session;
        bool gone = false;  // taken over by another session
    };

    std::string name;
    UnixTime clock = std::numeric_limits<UnixTime>::min();
    UnixTime next_sweep = std::numeric_limits<UnixTime>::min();
    UnixTime next_idle_scan = std::numeric_limits<UnixTime>::min();
    StringMap<MtaSession> open;               // by scope and key
    StringMap<std::string> open_by_queue_id;  // queue id -> key in `open`
    // Client address -> session in `open` (a map node: it stays put): a
    // finding looks up the sessions of its client instead of scanning them
    // all (postscreen's sessions that PASS to smtpd log no end and stay
    // open for the idle time).
    StringMultimap<MtaSession*> open_by_addr;
    // When an open session may be silent too long (see above): an entry
    // names the session's slot, and the slot's generation when pushed. A
    // slot is freed when its session leaves `open`, and its generation
    // then moves on, so the entry of a session gone since is known
    // without a look-up; one that matches by chance (the generation came
    // round) only has the session's silence checked. 16 bytes an entry,
    // in a min-heap on time (std::push_heap) rebuilt in its own room: with
    // a copy of the key, the entries cost a tenth of a run.
    struct Slot {
        MtaSession* session = nullptr;  // in its node of `open`: it stays put
        const std::string* key = nullptr;
        std::uint32_t generation = 0;
    };
    std::vector<Slot> slots;
    std::vector<std::uint32_t> free_slots;
    struct Due {
        UnixTime time;
        std::uint32_t slot;
        std::uint32_t generation;
        // A total order: sessions due at the same second go in the order
        // of their slots, however the heap was filled (rebuilt from `open`,
        // a hash table, below).
        bool operator>(const Due& other) const {
            return std::tie(time, slot, generation) >
                   std::tie(other.time, other.slot, other.generation);
        }
    };
    std::vector<Due> idle_due;

    // A slot for a session just put in `open` under `key`.
    void take_slot(MtaSession& session, const std::string& key) {
        if (free_slots.empty()) {
            session.idle_slot = static_cast<std::uint32_t>(slots.size());
            slots.emplace_back();
        } else {
            session.idle_slot = free_slots.back();
            free_slots.pop_back();
        }
        Slot& slot = slots[session.idle_slot];
        slot.session = &session;
        slot.key = &key;
    }
    void free_slot(const MtaSession& session) {
        Slot& slot = slots[session.idle_slot];
        ++slot.generation;
        slot.session = nullptr;
        slot.key = nullptr;
        free_slots.push_back(session.idle_slot);
    }
    // The slot of the open session an entry names, or nullptr when it is gone.
    const Slot* due_slot(const Due& due) const {
        const Slot& slot = slots[due.slot];
        return slot.generation == due.generation && slot.session != nullptr ? &slot : nullptr;
    }
    Due due_entry(const MtaSession& session, const JoinerLimits& limits) const {
        return {later(session.last_activity, idle_limit(session, limits)), session.idle_slot,
                slots[session.idle_slot].generation};
    }

    // A session's entry, when it opens or its idle time shortens. Entries of sessions that ended
    // are dropped only when due: the heap is rebuilt from the open sessions when they are less than
    // half of it, so that it stays bounded by them even when the log's clock stands still.
    void push_due(const MtaSession& session, const JoinerLimits& limits) {
        push_due(due_entry(session, limits));
        if (idle_due.size() <= 2 * open.size() + 1024)
            return;
        idle_due.clear();
        for (const auto& [key, s] : open)
            idle_due.push_back(due_entry(s, limits));
        std::make_heap(idle_due.begin(), idle_due.end(), std::greater<>());
    }
    void push_due(const Due& due) {
        idle_due.push_back(due);
        std::push_heap(idle_due.begin(), idle_due.end(), std::greater<>());
    }
    Due pop_due() {
        std::pop_heap(idle_due.begin(), idle_due.end(), std::greater<>());
        const Due due = idle_due.back();
        idle_due.pop_back();
        return due;
    }

    // Ended sessions, by the time they ended; closing_base is the
    // sequence number of closing.front().
    std::deque<Held> closing;
    std::uint64_t closing_base = 0;
    StringMultimap<std::uint64_t> closing_by_addr;
    StringMap<std::uint64_t> closing_by_queue_id;

    Held* held(std::uint64_t seq) {
        if (seq < closing_base || seq - closing_base >= closing.size())
            return nullptr;
        Held& h = closing[seq - closing_base];
        return h.gone ? nullptr : &h;
    }

    void push_closing(MtaSession&& session) {
        const std::uint64_t seq = closing_base + closing.size();
        if (!session.client_addr.empty())
            closing_by_addr.emplace(session.client_addr, seq);
        for (const auto& id : session.queue_ids)
            closing_by_queue_id.insert_or_assign(id, seq);
        closing.push_back(Held{std::move(session), false});
    }

    // Removes the index entries of the held session `seq`.
    void unindex(std::uint64_t seq, const MtaSession& session) {
        auto [it, end] = closing_by_addr.equal_range(session.client_addr);
        for (; it != end; ++it) {
            if (it->second == seq) {
                closing_by_addr.erase(it);
                break;
            }
        }
        for (const auto& id : session.queue_ids) {
            auto q = closing_by_queue_id.find(id);
            if (q != closing_by_queue_id.end() && q->second == seq)
                closing_by_queue_id.erase(q);
        }
    }

    // Takes a held session out of the queue (it joins another one).
    MtaSession take(std::uint64_t seq) {
        Held& h = closing[seq - closing_base];
        unindex(seq, h.session);
        h.gone = true;
        return std::move(h.session);
    }

    // Indexes the address of an open session, just learnt.
    void index_open_addr(MtaSession& session) {
        if (!session.client_addr.empty())
            open_by_addr.emplace(session.client_addr, &session);
    }

    // Takes an open session out of `open` and its queue ids and address
    // out of the indexes.
    MtaSession take_open(StringMap<MtaSession>::iterator it) {
        for (const auto& id : it->second.queue_ids) {
            auto q = open_by_queue_id.find(id);
            if (q != open_by_queue_id.end() && q->second == it->first)
                open_by_queue_id.erase(q);
        }
        auto [a, end] = open_by_addr.equal_range(it->second.client_addr);
        for (; a != end; ++a) {
            if (a->second == &it->second) {
                open_by_addr.erase(a);
                break;
            }
        }
        free_slot(it->second);
        MtaSession session = std::move(it->second);
        open.erase(it);
        return session;
    }

    // The session, open or ended, that logged `queue_id`.
    MtaSession* by_queue_id(std::string_view queue_id) {
        if (auto q = open_by_queue_id.find(queue_id); q != open_by_queue_id.end()) {
            if (auto it = open.find(q->second); it != open.end())
                return &it->second;
        }
        if (auto q = closing_by_queue_id.find(queue_id); q != closing_by_queue_id.end()) {
            if (Held* h = held(q->second))
                return &h->session;
        }
        return nullptr;
    }
};

Joiner::Joiner(JoinSink& sink, JoinerLimits limits) : sink_(sink), limits_(limits) {}

Joiner::~Joiner() = default;

Joiner::HostState& Joiner::host_state(std::string_view host, UnixTime time) {
    HostState* state = last_host_;
    if (state == nullptr || state->name != host) {
        auto it = hosts_.find(host);
        if (it == hosts_.end()) {
            auto fresh = std::make_unique<HostState>();
            fresh->name = host;
            it = hosts_.emplace(std::string(host), std::move(fresh)).first;
        }
        state = it->second.get();
        last_host_ = state;
    }
    if (time > state->clock)
        state->clock = time;
    if (state->clock >= state->next_sweep)
        sweep(*state);
    return *state;
}

// --user keeps every open session's steps until it ends (only then is
// it known whose it was): one budget over all of them bounds the memory
// whatever the log holds.
void Joiner::record_step_within_budget(MtaSession& s, UnixTime time, const SessionEvent& e) {
    if (step_bytes_ >= limits_.max_step_bytes) {
        ++s.steps_total;
        return;
    }
    const size_t before = steps_bytes(s);
    record_step(s, time, e);
    step_bytes_ = step_bytes_ - before + steps_bytes(s);
}

void Joiner::emit(MtaSession&& session) {
    step_bytes_ -= std::min(step_bytes_, steps_bytes(session));
    if (!session.only_handed_over())
        ++stats_.sessions;
    if (!session.ended)
        ++stats_.expired;
    if (session.milter_only) {
        stats_.findings_standalone += session.findings_total;
    } else {
        stats_.findings_joined += session.findings_total;
    }
    session.outcome = session_outcome(session);
    sink_.on_session(std::move(session));
}

void Joiner::close(HostState& state, MtaSession&& session) {
    if (session.end < session.last_activity)
        session.end = session.last_activity;
    state.push_closing(std::move(session));
}

namespace {

// The open sessions that `chosen` holds for, in the order they are handed
// over when many go at once (the end of the log, an eviction): by last
// line, then start, then key. Not the hash table's order: the first
// session of a client to reach the aggregator gives its cause's first
// example, and the report must not depend on the C++ library's hash.
template <typename Open, typename Chosen>
std::vector<typename Open::iterator> in_handover_order(Open& open, Chosen chosen) {
    std::vector<typename Open::iterator> order;
    for (auto it = open.begin(); it != open.end(); ++it) {
        if (chosen(it->second))
            order.push_back(it);
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return std::tie(a->second.last_activity, a->second.start, a->first) <
               std::tie(b->second.last_activity, b->second.start, b->first);
    });
    return order;
}

}  // namespace

void Joiner::evict_oldest(HostState& state) {
    if (state.open.size() < limits_.max_open)
        return;
    std::vector<UnixTime> times;
    times.reserve(state.open.size());
    for (const auto& [key, session] : state.open)
        times.push_back(session.last_activity);
    const size_t victims = std::max<size_t>(1, state.open.size() / 10);
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(victims - 1),
                     times.end());
    const UnixTime cutoff = times[victims - 1];
    const auto oldest = [cutoff](const MtaSession& s) { return s.last_activity <= cutoff; };
    for (const auto& it : in_handover_order(state.open, oldest)) {
        MtaSession session = state.take_open(it);
        session.end = session.last_activity;
        ++stats_.evicted;
        emit(std::move(session));
    }
}

// `time + delay`, held at the largest time: finish() sweeps with the clock
// near the end of UnixTime's range to close every session.
UnixTime Joiner::later(UnixTime time, UnixTime delay) {
    constexpr UnixTime last = std::numeric_limits<UnixTime>::max();
    return time > last - delay ? last : time + delay;
}

void Joiner::sweep(HostState& state) {
    const UnixTime now = state.clock;
    state.next_sweep = later(now, limits_.sweep_interval);
    if (now >= state.next_idle_scan) {
        state.next_idle_scan = later(now, limits_.idle_scan_interval);
        expire_idle(state, now);
    }
    while (!state.closing.empty()) {
        auto& front = state.closing.front();
        if (!front.gone) {
            if (front.session.end + limits_.grace >= now)
                break;
            state.unindex(state.closing_base, front.session);
            emit(std::move(front.session));
        }
        state.closing.pop_front();
        ++state.closing_base;
    }
}

// Hands over the open sessions silent for longer than their idle time.
void Joiner::expire_idle(HostState& state, UnixTime now) {
    auto& due = state.idle_due;
    while (!due.empty() && due.front().time < now) {
        HostState::Due entry = state.pop_due();
        const HostState::Slot* slot = state.due_slot(entry);
        if (slot == nullptr)
            continue;  // ended
        const MtaSession& due_session = *slot->session;
        if (due_session.last_activity + idle_limit(due_session, limits_) < now) {
            MtaSession session = state.take_open(state.open.find(*slot->key));
            if (!session.end_logged)
                session.ended = true;
            session.end = session.last_activity;
            emit(std::move(session));
        } else {
            entry.time = later(due_session.last_activity, idle_limit(due_session, limits_));
            state.push_due(entry);
        }
    }
}

// A milter-only session that logged `qid` belongs to `session`. The
// milter may log under another host name than the MTA (another machine,
// or a container): its own host is searched first, then the others.
void Joiner::take_milter_by_queue_id(HostState& state, MtaSession& session, std::string_view qid) {
    const auto take_from = [&](HostState& from) {
        auto it = from.closing_by_queue_id.find(qid);
        if (it == from.closing_by_queue_id.end())
            return false;
        HostState::Held* h = from.held(it->second);
        if (h == nullptr || !h->session.milter_only || &h->session == &session)
            return false;
        session.absorb_findings(from.take(it->second));
        return true;
    };
    if (take_from(state) || hosts_.size() == 1)
        return;
    for (auto& [name, other] : hosts_) {
        if (other.get() != &state && take_from(*other))
            return;
    }
}

// Milter-only sessions of the same client whose findings fall within
// `session` (they were read before its first line) belong to it.
void Joiner::take_milter_by_client(HostState& state, MtaSession& session) {
    take_milter_by_client_from(state, session);
    if (hosts_.size() == 1)
        return;
    for (auto& [name, other] : hosts_) {
        if (other.get() != &state)
            take_milter_by_client_from(*other, session);
    }
}

void Joiner::take_milter_by_client_from(HostState& state, MtaSession& session) {
    std::vector<std::uint64_t> matches;
    auto [it, end] = state.closing_by_addr.equal_range(session.client_addr);
    for (; it != end; ++it) {
        const HostState::Held* h = state.held(it->second);
        if (h == nullptr || !h->session.milter_only)
            continue;
        const MtaSession& m = h->session;
        if (m.start + limits_.slack < session.start || m.start > session.end)
            continue;
        if (!ports_agree(session, m.client_port) || m.findings.empty())
            continue;
        if (!conn_agrees(session, m.findings.front().second.conn_id))
            continue;
        matches.push_back(it->second);
    }
    for (const std::uint64_t seq : matches)
        session.absorb_findings(state.take(seq));
}

MtaSession& Joiner::open_session(HostState& state, std::string_view mta, UnixTime time,
                                 const SessionEvent& e, std::string_view key) {
    key_buffer_.assign(e.scope);
    key_buffer_ += '\n';
    key_buffer_ += key;
    auto it = state.open.find(key_buffer_);
    if (it != state.open.end()) {
        const MtaSession& old = it->second;
        const std::string_view addr = strip_ipv6_tag(e.client.addr);
        // The key names another connection now: the old one lost its end.
        const bool other_client =
            !addr.empty() && !old.client_addr.empty() && addr != old.client_addr;
        const bool silent_too_long = time > old.last_activity + idle_limit(old, limits_);
        if (e.kind == EventKind::open || other_client || silent_too_long) {
            MtaSession ended = state.take_open(it);
            if (!ended.end_logged)
                ended.ended = true;
            close(state, std::move(ended));
            it = state.open.end();
        }
    }
    if (it == state.open.end()) {
        evict_oldest(state);
        it = state.open.try_emplace(key_buffer_).first;  // built in place, not moved
        MtaSession& fresh = it->second;
        fresh.mta = mta;
        fresh.host = state.name;
        fresh.start = time;
        fresh.last_activity = time;
        fresh.end_logged = !e.end_unlogged;
        fresh.idle_seconds = e.idle_seconds;
        state.take_slot(fresh, it->first);
        state.push_due(fresh, limits_);
    }
    return it->second;
}

void Joiner::apply(HostState& state, MtaSession& s, UnixTime time, const SessionEvent& e) {
    if (s.client_addr.empty()) {
        fill_client(s, e.client.name, e.client.addr, e.client.port);
        auto open = s.client_addr.empty() ? state.open.end() : state.open.find(key_buffer_);
        if (open != state.open.end() && &open->second == &s)
            state.index_open_addr(open->second);
    }
    fill_client(s, e.client.name, e.client.addr, e.client.port);
    if (s.helo.empty())
        s.helo = e.helo;
    // A refused AUTH names the login tried, not one the client holds.
    if (!e.login.empty() && e.kind != EventKind::auth_failed)
        s.login = e.login;
    s.local = s.local || e.local;
    s.rcpt_accepted = s.rcpt_accepted || e.recipient_accepted;
    if (!s.source_cause)
        s.source_cause = e.cause_hint;
    touch(s, time);
    if (s.add_queue_id(e.queue_id)) {
        auto open = state.open.find(key_buffer_);
        if (open != state.open.end() && &open->second == &s)
            state.open_by_queue_id.insert_or_assign(std::string(e.queue_id), key_buffer_);
        take_milter_by_queue_id(state, s, e.queue_id);
    }
    if (limits_.record_steps)
        record_step_within_budget(s, time, e);
    switch (e.kind) {
        case EventKind::open:
        case EventKind::accepted:
            break;
        case EventKind::info:
            if (e.handed_over) {
                s.handed_over = true;
                s.ended = true;
                s.end = time;
            }
            break;
        case EventKind::reject:
            s.add_reject(reject_line(time, e));
            if (e.stage == Stage::rcpt)
                ++s.rcpt_refused;
            if (e.stage == Stage::data)
                ++s.data_stage_rejects;
            break;
        case EventKind::transaction_end:
            s.rcpt_accepted = s.rcpt_accepted || e.recipients_accepted > 0;
            for (auto& line : s.rejects) {
                if (line.sender.empty())
                    line.sender = e.sender;
            }
            break;
        case EventKind::data_refused:
            ++s.data_refused;
            break;
        case EventKind::no_valid_rcpt:
            ++s.data_no_rcpt;
            break;
        case EventKind::message_refused:
            ++s.messages_refused;
            s.rcpt_accepted = true;
            s.add_reject(reject_line(time, e));
            break;
        case EventKind::pipelining:
            if (!s.pipelining) {
                s.pipelining = true;
                s.pipelining_time = time;
                s.pipelining_after = e.after;
                s.pipelining_input = e.input;
                s.pipelining_tls = e.tls_handshake;
            }
            break;
        case EventKind::auth_failed:
            if (s.auth_failures++ == 0)
                s.auth_failure = e.reply;
            break;
        case EventKind::error_limit:
            s.error_limit = true;
            break;
        case EventKind::close:
            count_commands(s, e.counters);
            if (e.data_always_logged) {
                s.data_sent_known = true;
                s.data_sent =
                    std::max(s.data_sent, s.data_no_rcpt + s.data_refused + s.data_stage_rejects);
            }
            s.ended = true;
            s.handed_over = false;  // it did not pass the connection on after all
            s.end = time;
            break;
    }
}

// `session`, open under key_buffer_, ended: it waits for late findings.
void Joiner::end_session(HostState& state, MtaSession& session) {
    auto it = state.open.find(key_buffer_);
    if (it == state.open.end() || &it->second != &session)
        return;  // ended already
    take_milter_by_client(state, session);
    close(state, state.take_open(it));
}

void Joiner::event(std::string_view mta, std::string_view host, UnixTime time,
                   const SessionEvent& e) {
    HostState& state = host_state(host, time);
    MtaSession* session = nullptr;
    std::string_view key = e.key;
    if (key.empty() && !e.queue_id.empty()) {
        session = state.by_queue_id(e.queue_id);
        key = e.queue_id;  // else a session known by its queue id alone
    }
    if (key.empty())
        key = strip_ipv6_tag(e.client.addr);
    if (session == nullptr) {
        if (key.empty())
            return;  // nothing names a session
        session = &open_session(state, mta, time, e, key);
    } else {
        key_buffer_.assign(e.scope);
        key_buffer_ += '\n';
        key_buffer_ += key;
    }
    apply(state, *session, time, e);
    if (e.kind == EventKind::close)
        end_session(state, *session);
    else if (e.handed_over)
        wait_briefly(state, *session);
}

// `session`, open under key_buffer_, passed its connection on: it is over
// unless a close follows at once (JoinerLimits::handover_wait).
void Joiner::wait_briefly(HostState& state, MtaSession& session) {
    auto it = state.open.find(key_buffer_);
    if (it == state.open.end() || &it->second != &session)
        return;
    if (session.idle_seconds > 0 && session.idle_seconds <= limits_.handover_wait)
        return;
    session.idle_seconds = limits_.handover_wait;
    state.push_due(session, limits_);
}

MtaSession* Joiner::finding_target(HostState& state, const policy::Finding& finding,
                                   UnixTime time) {
    const std::string_view addr = strip_ipv6_tag(finding.client_addr);
    const std::string_view qid = finding.queue_id;
    if (!qid.empty()) {
        if (MtaSession* s = state.by_queue_id(qid))
            return s;
    }
    MtaSession* target = nullptr;
    int best = -1;
    // With a queue id that no MTA line named, only the milter's own earlier
    // findings of the same connection qualify.
    const bool milter_only = !qid.empty();
    // Ties (the same score and start) go to the first considered, or with
    // `key`, the smallest key: open sessions without an address are
    // considered in a hash table's order.
    std::string_view target_key;
    const auto consider = [&](MtaSession& session, bool open, std::string_view key = {}) {
        if (milter_only && !session.milter_only)
            return;
        if (!same_client(session, addr, finding.client_port, finding.conn_id))
            return;
        if (time + limits_.slack < session.start)
            return;
        if (!open && session.end + limits_.grace < time)
            return;
        int score = open ? 2 : 0;
        if (!session.client_port.empty() && !finding.client_port.empty())
            score += 8;
        if (names_sender(session, finding.sender))
            score += 4;
        const bool later = score == best && session.start > target->start;
        const bool tied = score == best && session.start == target->start && key < target_key;
        if (score > best || later || tied) {
            best = score;
            target = &session;
            target_key = key;
        }
    };
    if (addr.empty()) {
        for (auto& [key, session] : state.open)
            consider(session, true, key);
    } else {
        auto [a, a_end] = state.open_by_addr.equal_range(addr);
        for (; a != a_end; ++a)
            consider(*a->second, true);
    }
    auto [it, end] = state.closing_by_addr.equal_range(addr);
    for (; it != end; ++it) {
        if (HostState::Held* h = state.held(it->second))
            consider(h->session, false);
    }
    return target;
}

void Joiner::finding(std::string_view host, UnixTime time, policy::Finding&& finding) {
    HostState& state = host_state(host, time);
    MtaSession* target = finding_target(state, finding, time);
    HostState* target_state = &state;
    // The milter may log under another host name than its MTA.
    for (auto it = hosts_.begin(); target == nullptr && it != hosts_.end(); ++it) {
        if (it->second.get() != &state) {
            target_state = it->second.get();
            target = finding_target(*target_state, finding, time);
        }
    }
    const std::string_view addr = strip_ipv6_tag(finding.client_addr);
    if (target == nullptr) {
        MtaSession session;
        session.milter_only = true;
        session.host = state.name;
        session.start = session.end = session.last_activity = time;
        fill_client(session, finding.client_name, addr, finding.client_port);
        session.helo = finding.helo;
        session.login = finding.auth_login;
        session.ended = true;
        session.add_queue_id(finding.queue_id);
        session.add_finding(time, std::move(finding));
        state.push_closing(std::move(session));
        return;
    }
    if (target->client_addr.empty() && !addr.empty()) {
        fill_client(*target, finding.client_name, addr, finding.client_port);
        // Found by its queue id: index the address if it is open.
        HostState& owner = *target_state;
        auto key = owner.open_by_queue_id.find(finding.queue_id);
        auto open =
            key == owner.open_by_queue_id.end() ? owner.open.end() : owner.open.find(key->second);
        if (open != owner.open.end() && &open->second == target)
            owner.index_open_addr(open->second);
    }
    fill_client(*target, finding.client_name, addr, finding.client_port);
    if (target->helo.empty())
        target->helo = finding.helo;
    if (target->login.empty())
        target->login = finding.auth_login;
    touch(*target, time);
    if (target->milter_only && target->end < time)
        target->end = time;
    target->add_finding(time, std::move(finding));
}

void Joiner::summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) {
    host_state(host, time);
    sink_.on_summary(host, time, std::move(summary));
}

void Joiner::finish() {
    for (auto& host : hosts_) {
        HostState& state = *host.second;
        // Open sessions first, so that they can still take over milter-only
        // sessions queued before them.
        for (const auto& it :
             in_handover_order(state.open, [](const MtaSession&) { return true; })) {
            MtaSession& session = it->second;
            if (!session.end_logged)
                session.ended = true;
            session.end = session.last_activity;
            take_milter_by_client(state, session);
            close(state, std::move(session));
        }
        state.open.clear();
        state.open_by_queue_id.clear();
        state.open_by_addr.clear();
        state.idle_due.clear();
        state.slots.clear();
        state.free_slots.clear();
        state.clock = std::numeric_limits<UnixTime>::max() - limits_.grace - 1;
        state.next_sweep = std::numeric_limits<UnixTime>::min();
        state.next_idle_scan = std::numeric_limits<UnixTime>::min();
        sweep(state);
    }
}

size_t Joiner::held_sessions() const {
    size_t total = 0;
    for (const auto& [name, state] : hosts_) {
        total += state->open.size();
        for (const auto& h : state->closing)
            total += h.gone ? 0 : 1;
    }
    return total;
}

}  // namespace milter503::report
