// NAME
//	joiner 3
// SUMMARY
//	per-host session state machine of milter503-report
// DESCRIPTION
//	See joiner.hpp. Ended sessions wait in a queue ordered by the time
//	they were closed, indexed by client address and queue id, so a late
//	finding or a milter-only session is found without a scan. The sweep
//	runs at most once per sweep_interval of a host's log time.
#include "report/joiner.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

namespace milter503::report {

std::string_view mta_name(Mta mta) {
    switch (mta) {
        case Mta::postfix:
            return "postfix";
        case Mta::sendmail:
            return "sendmail";
        case Mta::exim:
            return "exim";
        case Mta::milter:
            return "milter";
    }
    return "?";
}

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

void MtaSession::add_queue_id(std::string_view queue_id) {
    if (queue_id.empty() || queue_id == "NOQUEUE" || has_queue_id(queue_id))
        return;
    if (queue_ids.size() < max_evidence)
        queue_ids.emplace_back(queue_id);
}

bool MtaSession::has_queue_id(std::string_view queue_id) const {
    for (const auto& id : queue_ids) {
        if (id == queue_id)
            return true;
    }
    return false;
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

std::uint32_t parse_pid(std::string_view pid) {
    std::uint32_t value = 0;
    for (const char c : pid) {
        if (c < '0' || c > '9')
            return 0;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return value;
}

std::string_view strip_ipv6_tag(std::string_view addr) {
    if (addr.substr(0, 5) == "IPv6:")
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
    for (const auto& [time, finding] : session.findings) {
        if (finding.conn_id != conn)
            return false;
    }
    return true;
}

bool names_sender(const MtaSession& session, std::string_view sender) {
    if (sender.empty())
        return false;
    for (const auto& line : session.rejects) {
        if (line.sender == sender)
            return true;
    }
    return false;
}

// A session found to belong with a finding (or a milter-only session):
// same address, agreeing port and connection.
bool same_client(const MtaSession& session, std::string_view addr, std::string_view port,
                 std::string_view conn) {
    return session.client_addr == addr && ports_agree(session, port) && conn_agrees(session, conn);
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
    std::unordered_map<std::uint32_t, MtaSession> postfix;
    StringMap<MtaSession> sendmail;  // by queue id
    StringMap<MtaSession> exim;      // by client address

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

void Joiner::emit(MtaSession&& session) {
    ++stats_.sessions;
    if (!session.ended)
        ++stats_.expired;
    if (session.mta == Mta::milter) {
        stats_.findings_standalone += session.findings_total;
    } else {
        stats_.findings_joined += session.findings_total;
    }
    sink_.on_session(std::move(session));
}

void Joiner::close(HostState& state, MtaSession&& session) {
    if (session.end < session.last_activity)
        session.end = session.last_activity;
    state.push_closing(std::move(session));
}

template <typename Map>
void Joiner::evict_oldest(Map& map) {
    if (map.size() < limits_.max_open)
        return;
    std::vector<UnixTime> times;
    times.reserve(map.size());
    for (const auto& [key, session] : map)
        times.push_back(session.last_activity);
    const size_t victims = std::max<size_t>(1, map.size() / 10);
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(victims - 1),
                     times.end());
    const UnixTime cutoff = times[victims - 1];
    for (auto it = map.begin(); it != map.end();) {
        if (it->second.last_activity <= cutoff) {
            MtaSession session = std::move(it->second);
            it = map.erase(it);
            session.end = session.last_activity;
            ++stats_.evicted;
            emit(std::move(session));
        } else {
            ++it;
        }
    }
}

void Joiner::sweep(HostState& state) {
    const UnixTime now = state.clock;
    state.next_sweep = now + limits_.sweep_interval;
    const auto expire = [&](auto& map, UnixTime timeout) {
        for (auto it = map.begin(); it != map.end();) {
            if (it->second.last_activity + timeout < now) {
                MtaSession session = std::move(it->second);
                it = map.erase(it);
                // Exim logs no end of session: silence is its end.
                if (session.mta == Mta::exim)
                    session.ended = true;
                session.end = session.last_activity;
                emit(std::move(session));
            } else {
                ++it;
            }
        }
    };
    expire(state.postfix, limits_.idle_timeout);
    expire(state.sendmail, limits_.idle_timeout);
    expire(state.exim, limits_.exim_window);
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

// A milter-only session that logged `qid` belongs to `session`. The
// milter may log under another host name than the MTA (another machine,
// or a container): its own host is searched first, then the others.
void Joiner::take_milter_by_queue_id(HostState& state, MtaSession& session, std::string_view qid) {
    if (qid.empty() || qid == "NOQUEUE")
        return;
    const auto take_from = [&](HostState& from) {
        auto it = from.closing_by_queue_id.find(qid);
        if (it == from.closing_by_queue_id.end())
            return false;
        HostState::Held* h = from.held(it->second);
        if (h == nullptr || h->session.mta != Mta::milter)
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
        if (h == nullptr || h->session.mta != Mta::milter)
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

MtaSession& Joiner::postfix_session(HostState& state, std::uint32_t pid, UnixTime time,
                                    const ClientRef& client) {
    auto it = state.postfix.find(pid);
    if (it != state.postfix.end() && it->second.client_addr != client.addr) {
        // The pid serves another client now: the old session lost its end.
        close(state, std::move(it->second));
        state.postfix.erase(it);
        it = state.postfix.end();
    }
    if (it == state.postfix.end()) {
        MtaSession fresh;
        fresh.mta = Mta::postfix;
        fresh.host = state.name;
        fresh.start = time;
        fresh.last_activity = time;
        fill_client(fresh, client.name, client.addr, client.port);
        evict_oldest(state.postfix);
        it = state.postfix.emplace(pid, std::move(fresh)).first;
    }
    MtaSession& session = it->second;
    touch(session, time);
    return session;
}

void Joiner::postfix(std::string_view host, std::string_view pid_text, UnixTime time,
                     const postfix::Event& event) {
    HostState& state = host_state(host, time);
    const std::uint32_t pid = parse_pid(pid_text);
    using postfix::EventKind;
    if (event.kind == EventKind::connect) {
        auto it = state.postfix.find(pid);
        if (it != state.postfix.end()) {
            close(state, std::move(it->second));
            state.postfix.erase(it);
        }
    }
    MtaSession& session = postfix_session(state, pid, time, event.client);
    switch (event.kind) {
        case EventKind::connect:
            break;
        case EventKind::disconnect: {
            const auto& data = event.data;
            const unsigned refused =
                data.present && data.total > data.ok ? data.total - data.ok : 0;
            session.data_refused = refused > session.data_stage_rejects;
            session.accepted = data.present && data.ok > 0;
            session.ended = true;
            session.end = time;
            take_milter_by_client(state, session);
            auto it = state.postfix.find(pid);
            close(state, std::move(it->second));
            state.postfix.erase(it);
            break;
        }
        case EventKind::reject: {
            RejectLine line;
            line.time = time;
            line.stage = event.stage;
            line.reply = event.reply;
            line.sender = event.sender;
            line.recipient = event.recipient;
            session.add_reject(std::move(line));
            if (event.stage == "DATA")
                ++session.data_stage_rejects;
            if (session.helo.empty())
                session.helo = event.helo;
            session.add_queue_id(event.queue_id);
            take_milter_by_queue_id(state, session, event.queue_id);
            break;
        }
        case EventKind::pipelining:
            session.pipelining = true;
            break;
        case EventKind::client:
            if (!event.sasl_username.empty())
                session.login = event.sasl_username;
            session.add_queue_id(event.queue_id);
            take_milter_by_queue_id(state, session, event.queue_id);
            break;
    }
}

MtaSession& Joiner::sendmail_session(HostState& state, std::string_view queue_id, UnixTime time) {
    auto it = state.sendmail.find(queue_id);
    if (it == state.sendmail.end()) {
        MtaSession fresh;
        fresh.mta = Mta::sendmail;
        fresh.host = state.name;
        fresh.start = time;
        fresh.last_activity = time;
        fresh.add_queue_id(queue_id);
        take_milter_by_queue_id(state, fresh, queue_id);
        evict_oldest(state.sendmail);
        it = state.sendmail.emplace(std::string(queue_id), std::move(fresh)).first;
    }
    MtaSession& session = it->second;
    touch(session, time);
    return session;
}

void Joiner::sendmail(std::string_view host, UnixTime time, const sendmail::Event& event) {
    HostState& state = host_state(host, time);
    using sendmail::EventKind;
    if (event.kind == EventKind::auth) {
        sink_.on_login(strip_ipv6_tag(event.relay_addr), event.authid);
        return;
    }
    if (event.queue_id.empty() || event.queue_id == "NOQUEUE")
        return;
    MtaSession& session = sendmail_session(state, event.queue_id, time);
    fill_client(session, event.relay_name, event.relay_addr, {});
    switch (event.kind) {
        case EventKind::reject: {
            RejectLine line;
            line.time = time;
            line.stage = event.ruleset;
            line.reply = event.reply;
            if (event.ruleset == "check_mail") {
                line.sender = event.arg1;
            } else {
                line.recipient = event.arg1;
            }
            session.add_reject(std::move(line));
            break;
        }
        case EventKind::rcpt_error: {
            RejectLine line;
            line.time = time;
            line.stage = "RCPT";
            line.reply = event.reply;
            line.recipient = event.recipient;
            session.add_reject(std::move(line));
            break;
        }
        case EventKind::from: {
            // Sendmail logs from= when the transaction ends; nrcpts=0 after
            // rejected RCPTs: the client's DATA got "503 5.0.0 Need RCPT".
            session.data_refused = event.nrcpts == 0 && session.rejects_total > 0;
            session.accepted = event.nrcpts > 0;
            for (auto& line : session.rejects) {
                if (line.sender.empty())
                    line.sender = event.sender;
            }
            session.ended = true;
            session.end = time;
            auto it = state.sendmail.find(event.queue_id);
            close(state, std::move(it->second));
            state.sendmail.erase(it);
            break;
        }
        case EventKind::auth:
            break;
    }
}

MtaSession& Joiner::exim_session(HostState& state, UnixTime time, const exim::Event& event) {
    const std::string_view addr = strip_ipv6_tag(event.addr);
    auto it = state.exim.find(addr);
    if (it == state.exim.end()) {
        MtaSession fresh;
        fresh.mta = Mta::exim;
        fresh.host = state.name;
        fresh.start = time;
        fresh.last_activity = time;
        evict_oldest(state.exim);
        it = state.exim.emplace(std::string(addr), std::move(fresh)).first;
    }
    MtaSession& session = it->second;
    fill_client(session, event.host_name, event.addr, event.port);
    if (session.helo.empty())
        session.helo = event.helo;
    touch(session, time);
    return session;
}

void Joiner::exim(std::string_view host, UnixTime time, const exim::Event& event) {
    HostState& state = host_state(host, time);
    MtaSession& session = exim_session(state, time, event);
    using exim::EventKind;
    switch (event.kind) {
        case EventKind::reject_rcpt:
        case EventKind::reject_mail: {
            RejectLine line;
            line.time = time;
            line.stage = event.kind == EventKind::reject_rcpt ? "RCPT" : "MAIL";
            line.reply = event.text;
            line.sender = event.sender;
            line.recipient = event.recipient;
            session.add_reject(std::move(line));
            return;
        }
        case EventKind::no_valid_rcpt:
            session.data_refused = true;
            break;
        case EventKind::arrival:
            session.accepted = true;
            if (!event.login.empty())
                session.login = event.login;
            break;
    }
    session.ended = true;
    session.end = time;
    auto it = state.exim.find(strip_ipv6_tag(event.addr));
    close(state, std::move(it->second));
    state.exim.erase(it);
}

MtaSession* Joiner::finding_target(HostState& state, const policy::Finding& finding,
                                   UnixTime time) {
    const std::string_view addr = strip_ipv6_tag(finding.client_addr);
    const std::string_view qid = finding.queue_id;
    if (!qid.empty()) {
        if (auto it = state.sendmail.find(qid); it != state.sendmail.end())
            return &it->second;
        for (auto& [pid, session] : state.postfix) {
            if (session.has_queue_id(qid))
                return &session;
        }
        if (auto it = state.closing_by_queue_id.find(qid); it != state.closing_by_queue_id.end()) {
            if (HostState::Held* h = state.held(it->second))
                return &h->session;
        }
    }
    MtaSession* target = nullptr;
    int best = -1;
    // With a queue id that no MTA line named, only the milter's own earlier
    // findings of the same connection qualify.
    const bool milter_only = !qid.empty();
    const auto consider = [&](MtaSession& session, bool open) {
        if (milter_only && session.mta != Mta::milter)
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
        if (score > best || (score == best && session.start > target->start)) {
            best = score;
            target = &session;
        }
    };
    for (auto& [pid, session] : state.postfix)
        consider(session, true);
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
    // The milter may log under another host name than its MTA.
    for (auto it = hosts_.begin(); target == nullptr && it != hosts_.end(); ++it) {
        if (it->second.get() != &state)
            target = finding_target(*it->second, finding, time);
    }
    const std::string_view addr = strip_ipv6_tag(finding.client_addr);
    if (target == nullptr) {
        MtaSession session;
        session.mta = Mta::milter;
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
    fill_client(*target, finding.client_name, addr, finding.client_port);
    if (target->helo.empty())
        target->helo = finding.helo;
    if (target->login.empty())
        target->login = finding.auth_login;
    touch(*target, time);
    if (target->mta == Mta::milter && target->end < time)
        target->end = time;
    target->add_finding(time, std::move(finding));
}

void Joiner::summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) {
    host_state(host, time);
    sink_.on_summary(host, time, std::move(summary));
}

void Joiner::finish() {
    for (auto& host : hosts_) {
        // A named reference, not a structured binding: clang 14 (the fuzz
        // build) cannot capture those in a lambda.
        auto& state = host.second;
        const auto drain = [&](auto& map) {
            for (auto& [key, session] : map) {
                if (session.mta == Mta::exim)
                    session.ended = true;
                session.end = session.last_activity;
                take_milter_by_client(*state, session);
                close(*state, std::move(session));
            }
            map.clear();
        };
        // Open sessions first, so that they can still take over milter-only
        // sessions queued before them.
        drain(state->postfix);
        drain(state->sendmail);
        drain(state->exim);
        state->clock = std::numeric_limits<UnixTime>::max() - limits_.grace - 1;
        state->next_sweep = std::numeric_limits<UnixTime>::min();
        sweep(*state);
    }
}

size_t Joiner::held_sessions() const {
    size_t total = 0;
    for (const auto& [name, state] : hosts_) {
        total += state->postfix.size() + state->sendmail.size() + state->exim.size();
        for (const auto& h : state->closing)
            total += h.gone ? 0 : 1;
    }
    return total;
}

}  // namespace milter503::report
