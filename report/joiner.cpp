// NAME
//	joiner 3
// SUMMARY
//	per-host session state machine of milter503-report
// DESCRIPTION
//	See joiner.hpp. The sweep runs at most once per sweep_interval of a
//	host's log time and walks only that host's open sessions, which are
//	as many as the MTA had concurrent connections.
#include "report/joiner.hpp"

#include <deque>
#include <limits>
#include <utility>

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
    if (findings.size() < max_evidence) findings.emplace_back(time, std::move(finding));
}

void MtaSession::add_queue_id(std::string_view queue_id) {
    if (queue_id.empty() || queue_id == "NOQUEUE" || has_queue_id(queue_id)) return;
    if (queue_ids.size() < max_evidence) queue_ids.emplace_back(queue_id);
}

bool MtaSession::has_queue_id(std::string_view queue_id) const {
    for (const auto& id : queue_ids) {
        if (id == queue_id) return true;
    }
    return false;
}

struct Joiner::HostState {
    std::string name;
    UnixTime clock = std::numeric_limits<UnixTime>::min();
    UnixTime next_sweep = std::numeric_limits<UnixTime>::min();
    std::unordered_map<std::uint32_t, MtaSession> postfix;
    std::unordered_map<std::string, MtaSession> by_queue_id;
    std::unordered_map<std::string, MtaSession> exim;
    std::deque<MtaSession> closing;
};

namespace {

std::uint32_t parse_pid(std::string_view pid) {
    std::uint32_t value = 0;
    for (const char c : pid) {
        if (c < '0' || c > '9') return 0;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    return value;
}

std::string_view strip_ipv6_tag(std::string_view addr) {
    if (addr.substr(0, 5) == "IPv6:") addr.remove_prefix(5);
    return addr;
}

void fill_client(MtaSession& s, std::string_view name, std::string_view addr,
                 std::string_view port) {
    if (s.client_addr.empty()) s.client_addr = strip_ipv6_tag(addr);
    if (s.client_name.empty()) s.client_name = name;
    if (s.client_port.empty()) s.client_port = port;
}

}  // namespace

Joiner::Joiner(JoinSink& sink, JoinerLimits limits) : sink_(sink), limits_(limits) {}

Joiner::~Joiner() = default;

Joiner::HostState& Joiner::host_state(std::string_view host, UnixTime time) {
    HostState* state = last_host_;
    if (state == nullptr || state->name != host) {
        auto it = hosts_.find(std::string(host));
        if (it == hosts_.end()) {
            auto fresh = std::make_unique<HostState>();
            fresh->name = host;
            it = hosts_.emplace(std::string(host), std::move(fresh)).first;
        }
        state = it->second.get();
        last_host_ = state;
    }
    if (time > state->clock) state->clock = time;
    if (state->clock >= state->next_sweep) sweep(*state);
    return *state;
}

void Joiner::emit(MtaSession&& session) {
    ++stats_.sessions;
    if (!session.ended) ++stats_.expired;
    if (session.mta == Mta::milter) {
        stats_.findings_standalone += session.findings_total;
    } else {
        stats_.findings_joined += session.findings_total;
    }
    sink_.on_session(std::move(session));
}

void Joiner::close(HostState& state, MtaSession&& session) {
    if (session.end < session.last_activity) session.end = session.last_activity;
    state.closing.push_back(std::move(session));
}

void Joiner::sweep(HostState& state) {
    const UnixTime now = state.clock;
    state.next_sweep = now + limits_.sweep_interval;
    const auto expire = [&](auto& map, UnixTime timeout) {
        for (auto it = map.begin(); it != map.end();) {
            if (it->second.last_activity + timeout < now) {
                MtaSession session = std::move(it->second);
                it = map.erase(it);
                if (session.mta == Mta::exim || session.mta == Mta::milter) session.ended = true;
                session.end = session.last_activity;
                emit(std::move(session));
            } else {
                ++it;
            }
        }
    };
    expire(state.postfix, limits_.idle_timeout);
    expire(state.by_queue_id, limits_.idle_timeout);
    // Exim logs no end of session: a quiet client address ends its group.
    expire(state.exim, limits_.exim_window);
    while (!state.closing.empty() && state.closing.front().end + limits_.grace < now) {
        emit(std::move(state.closing.front()));
        state.closing.pop_front();
    }
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
        fill_client(fresh, client.name, client.addr, client.port);
        it = state.postfix.emplace(pid, std::move(fresh)).first;
    }
    MtaSession& session = it->second;
    if (time > session.last_activity) session.last_activity = time;
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
            session.data_refused = event.data.present && event.data.total > event.data.ok;
            session.accepted = event.data.present && event.data.ok > 0;
            session.ended = true;
            session.end = time;
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
            if (session.helo.empty()) session.helo = event.helo;
            session.add_queue_id(event.queue_id);
            break;
        }
        case EventKind::pipelining:
            session.pipelining = true;
            break;
        case EventKind::client:
            if (!event.sasl_username.empty()) session.login = event.sasl_username;
            session.add_queue_id(event.queue_id);
            break;
    }
}

MtaSession& Joiner::queue_session(HostState& state, std::string_view queue_id, UnixTime time,
                                  Mta mta) {
    auto it = state.by_queue_id.find(std::string(queue_id));
    if (it == state.by_queue_id.end()) {
        MtaSession fresh;
        fresh.mta = mta;
        fresh.host = state.name;
        fresh.start = time;
        fresh.add_queue_id(queue_id);
        it = state.by_queue_id.emplace(std::string(queue_id), std::move(fresh)).first;
    } else if (mta != Mta::milter) {
        it->second.mta = mta;  // a milter-only session met its MTA lines
    }
    MtaSession& session = it->second;
    if (time > session.last_activity) session.last_activity = time;
    return session;
}

void Joiner::sendmail(std::string_view host, UnixTime time, const sendmail::Event& event) {
    HostState& state = host_state(host, time);
    using sendmail::EventKind;
    if (event.kind == EventKind::auth) {
        sink_.on_login(strip_ipv6_tag(event.relay_addr), event.authid);
        return;
    }
    if (event.queue_id.empty() || event.queue_id == "NOQUEUE") return;
    MtaSession& session = queue_session(state, event.queue_id, time, Mta::sendmail);
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
                if (line.sender.empty()) line.sender = event.sender;
            }
            session.ended = true;
            session.end = time;
            auto it = state.by_queue_id.find(std::string(event.queue_id));
            close(state, std::move(it->second));
            state.by_queue_id.erase(it);
            break;
        }
        case EventKind::auth:
            break;
    }
}

MtaSession& Joiner::exim_session(HostState& state, UnixTime time, const exim::Event& event) {
    const std::string addr(strip_ipv6_tag(event.addr));
    auto it = state.exim.find(addr);
    if (it == state.exim.end()) {
        MtaSession fresh;
        fresh.mta = Mta::exim;
        fresh.host = state.name;
        fresh.start = time;
        it = state.exim.emplace(addr, std::move(fresh)).first;
    }
    MtaSession& session = it->second;
    fill_client(session, event.host_name, event.addr, event.port);
    if (session.helo.empty()) session.helo = event.helo;
    if (time > session.last_activity) session.last_activity = time;
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
            if (!event.login.empty()) session.login = event.login;
            break;
    }
    session.ended = true;
    session.end = time;
    auto it = state.exim.find(std::string(strip_ipv6_tag(event.addr)));
    close(state, std::move(it->second));
    state.exim.erase(it);
}

void Joiner::finding(std::string_view host, UnixTime time, policy::Finding&& finding) {
    HostState& state = host_state(host, time);
    const std::string_view addr = strip_ipv6_tag(finding.client_addr);
    MtaSession* target = nullptr;

    if (!finding.queue_id.empty()) {
        auto it = state.by_queue_id.find(finding.queue_id);
        if (it != state.by_queue_id.end()) target = &it->second;
        for (auto& [pid, session] : state.postfix) {
            if (target == nullptr && session.has_queue_id(finding.queue_id)) target = &session;
        }
        for (auto& session : state.closing) {
            if (target == nullptr && session.has_queue_id(finding.queue_id)) target = &session;
        }
        if (target == nullptr) {
            // Sendmail: the MTA's own lines for this queue id may follow.
            target = &queue_session(state, finding.queue_id, time, Mta::milter);
        }
    } else {
        int best_score = -1;
        const auto consider = [&](MtaSession& session, bool open) {
            if (session.client_addr != addr) return;
            if (!open && session.end + limits_.grace < time) return;
            const bool port_known = !session.client_port.empty() && !finding.client_port.empty();
            if (port_known && session.client_port != finding.client_port) return;
            int score = port_known ? 8 : 0;
            if (open) score += 2;
            for (const auto& line : session.rejects) {
                if (!finding.sender.empty() && line.sender == finding.sender) {
                    score += 4;
                    break;
                }
            }
            if (score > best_score || (score == best_score && target != nullptr &&
                                       session.start > target->start)) {
                best_score = score;
                target = &session;
            }
        };
        for (auto& [pid, session] : state.postfix) consider(session, true);
        for (auto& [id, session] : state.by_queue_id) consider(session, true);
        for (auto& session : state.closing) consider(session, false);
    }

    if (target == nullptr) {
        MtaSession session;
        session.mta = Mta::milter;
        session.host = state.name;
        session.start = session.end = session.last_activity = time;
        fill_client(session, finding.client_name, addr, finding.client_port);
        session.helo = finding.helo;
        session.login = finding.auth_login;
        session.ended = true;
        session.add_finding(time, std::move(finding));
        close(state, std::move(session));
        return;
    }
    fill_client(*target, finding.client_name, addr, finding.client_port);
    if (target->helo.empty()) target->helo = finding.helo;
    if (target->login.empty()) target->login = finding.auth_login;
    if (time > target->last_activity) target->last_activity = time;
    target->add_finding(time, std::move(finding));
}

void Joiner::summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) {
    host_state(host, time);
    sink_.on_summary(host, time, std::move(summary));
}

void Joiner::finish() {
    for (auto& [name, state] : hosts_) {
        for (auto& session : state->closing) emit(std::move(session));
        state->closing.clear();
        const auto drain = [&](auto& map) {
            for (auto& [key, session] : map) {
                if (session.mta == Mta::exim || session.mta == Mta::milter) session.ended = true;
                session.end = session.last_activity;
                emit(std::move(session));
            }
            map.clear();
        };
        drain(state->postfix);
        drain(state->by_queue_id);
        drain(state->exim);
    }
}

size_t Joiner::held_sessions() const {
    size_t total = 0;
    for (const auto& [name, state] : hosts_) {
        total += state->postfix.size() + state->by_queue_id.size() + state->exim.size() +
                 state->closing.size();
    }
    return total;
}

}  // namespace milter503::report
