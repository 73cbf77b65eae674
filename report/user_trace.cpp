// NAME
//	user_trace 3
// SUMMARY
//	the steps of a session, and the sessions of one user
// DESCRIPTION
//	See user_trace.hpp. A step's text is what the line said (the reply,
//	the counters), never a guess at what the log did not say.
#include "report/user_trace.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "policy/text.hpp"
#include "report/aggregate.hpp"

namespace milter503::report {
namespace {

std::string_view stage_step(Stage stage) {
    switch (stage) {
        case Stage::connect:
            return "connect";
        case Stage::helo:
            return "helo";
        case Stage::mail:
            return "mail";
        case Stage::rcpt:
            return "rcpt";
        case Stage::data:
            return "data";
        case Stage::content:
            return "message";
        case Stage::other:
            return "command";
    }
    return "command";
}

std::string count_text(std::string_view name, const CommandCount& count) {
    if (!count.present)
        return {};
    if (count.ok == count.total)
        return fmt::format(" {}={}", name, count.ok);
    return fmt::format(" {}={}/{}", name, count.ok, count.total);
}

std::string client_text(const ClientRef& client) {
    std::string text = fmt::format("{}[{}]", client.name, client.addr);
    if (!client.port.empty())
        text += fmt::format(":{}", client.port);
    return text;
}

// A hostile client can fill a log line (64 KiB) with one reply or
// address: a step keeps the start of each text.
void cap(std::string& text) {
    if (text.size() <= max_step_text)
        return;
    size_t cut = max_step_text;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;  // not inside a UTF-8 sequence
    text.resize(cut);
    text += "...";
}

void add_step(MtaSession& s, SessionStep step) {
    for (std::string* text : {&step.text, &step.sender, &step.recipient, &step.login})
        cap(*text);
    ++s.steps_total;
    if (s.steps.size() < max_steps) {
        s.steps.push_back(std::move(step));
    } else {
        s.steps.back() = std::move(step);  // keep the first ones and the latest
    }
}

SessionStep step(UnixTime time, std::string_view what, bool refused, std::string text,
                 const SessionEvent& e) {
    return SessionStep{
        time, what, refused, std::move(text), std::string(e.sender), std::string(e.recipient), {}};
}

// A refused command's reply; with the command as logged when the step's
// name does not say it (VRFY, ETRN, a header check).
std::string refusal_text(const SessionEvent& e) {
    const bool named = e.stage != Stage::other && e.stage != Stage::content;
    if (named || e.stage_text.empty())
        return std::string(e.reply);
    return fmt::format("{}: {}", e.stage_text, e.reply);
}

// Time order; within a second (the MTA logs whole seconds) the end of the
// connection comes last.
bool step_before(const SessionStep& a, const SessionStep& b) {
    if (a.time != b.time)
        return a.time < b.time;
    return a.what != "disconnect" && b.what == "disconnect";
}

SessionStep finding_step(UnixTime time, const policy::Finding& f) {
    std::string text = fmt::format("milter finding {} (cause {})", policy::finding_name(f.kind),
                                   policy::cause_name(f.cause));
    if (!f.rejected.empty()) {
        const policy::RejectedRcpt& r = f.rejected.front();
        text += fmt::format(": <{}> {} {}", r.recipient, r.status, r.text);
    } else if (!f.detail.empty()) {
        text += ": " + f.detail;
    }
    return SessionStep{time, "finding", false, std::move(text), f.sender, {}, {}};
}

bool same_user(std::string_view a, std::string_view b) {
    return !a.empty() && text::equal_nocase(a, b);
}

}  // namespace

std::string_view outcome_text(Outcome outcome) {
    switch (outcome) {
        case Outcome::none:
            return "no refusal that the log proves";
        case Outcome::no_rcpt_data_refused:
            return "DATA refused (503/554): no recipient had been accepted";
        case Outcome::data_refused_with_rcpts:
            return "DATA refused although recipients were accepted";
        case Outcome::refused_after_data:
            return "the message was refused after its content";
        case Outcome::rcpt_refused_no_data:
            return "every recipient refused; no DATA came";
        case Outcome::no_rcpt_data_unlogged:
            return "every recipient refused; the log does not say whether DATA came";
    }
    return "no refusal that the log proves";
}

size_t steps_bytes(const MtaSession& s) {
    size_t bytes = 0;
    for (const SessionStep& st : s.steps)
        bytes +=
            sizeof st + st.text.size() + st.sender.size() + st.recipient.size() + st.login.size();
    return bytes;
}

void record_step(MtaSession& s, UnixTime time, const SessionEvent& e) {
    switch (e.kind) {
        case EventKind::open:
            add_step(s, step(time, "connect", false, client_text(e.client), e));
            break;
        case EventKind::info:
        case EventKind::accepted:
            if (!e.login.empty()) {
                SessionStep login = step(time, "login", false, std::string(e.login), e);
                login.login = e.login;
                add_step(s, std::move(login));
            }
            if (e.kind == EventKind::accepted) {
                std::string text = e.recipient_accepted ? "a recipient was accepted" : "accepted";
                if (!e.queue_id.empty())
                    text += fmt::format(" (queue id {})", e.queue_id);
                add_step(s, step(time, "accepted", false, std::move(text), e));
            }
            break;
        case EventKind::reject:
            add_step(s, step(time, stage_step(e.stage), true, refusal_text(e), e));
            break;
        case EventKind::transaction_end:
            add_step(s,
                     step(time, "transaction", false,
                          fmt::format("ended, {} recipients accepted", e.recipients_accepted), e));
            break;
        case EventKind::data_refused:
            add_step(
                s, step(time, "data", true,
                        "DATA refused; this line does not say why (lost connection after it)", e));
            break;
        case EventKind::no_valid_rcpt:
            add_step(s, step(time, "data", true,
                             e.reply.empty() ? std::string("refused: no valid recipient")
                                             : refusal_text(e),
                             e));
            break;
        case EventKind::message_refused:
            add_step(s, step(time, "message", true, refusal_text(e), e));
            break;
        case EventKind::auth_failed: {
            SessionStep failed = step(time, "login", true, std::string(e.reply), e);
            failed.login = e.login;
            add_step(s, std::move(failed));
            break;
        }
        case EventKind::error_limit:
            add_step(s,
                     step(time, "errors", true,
                          fmt::format("the server hung up: too many errors after {}", e.after), e));
            break;
        case EventKind::pipelining:
            add_step(s, step(time, "pipelining", true,
                             fmt::format("improper pipelining after {}: {}", e.after, e.input), e));
            break;
        case EventKind::close: {
            const Counters& c = e.counters;
            std::string text = count_text("mail", c.mail) + count_text("rcpt", c.rcpt) +
                               count_text("data", c.data) + count_text("bdat", c.bdat);
            add_step(s, step(time, "disconnect", false,
                             text.empty() ? std::string("connection closed") : text.substr(1), e));
            break;
        }
    }
}

UserTracer::UserTracer(std::string user, JoinSink& next, size_t max_sessions)
    : next_(next), max_sessions_(std::max<size_t>(1, max_sessions)) {
    trace_.user = std::move(user);
}

bool UserTracer::matches(const MtaSession& s) const {
    const std::string_view user = trace_.user;
    if (same_user(s.login, user))
        return true;
    for (const RejectLine& line : s.rejects) {
        if (same_user(line.sender, user))
            return true;
    }
    for (const auto& [time, finding] : s.findings) {
        if (same_user(finding.sender, user) || same_user(finding.auth_login, user))
            return true;
    }
    // A refused AUTH counts too: "my password stopped working".
    return std::any_of(s.steps.begin(), s.steps.end(), [&](const SessionStep& st) {
        return same_user(st.sender, user) || same_user(st.login, user);
    });
}

void UserTracer::on_session(MtaSession&& s) {
    if (!s.local && matches(s)) {
        TracedSession t;
        t.host = s.host;
        t.mta = s.mta;
        t.client_addr = s.client_addr;
        t.client_name = s.client_name;
        t.client_port = s.client_port;
        t.helo = s.helo;
        t.login = s.login;
        t.start = s.start;
        t.end = s.end;
        t.ended = s.ended;
        t.outcome = s.outcome;
        t.steps = s.steps;
        t.steps_omitted = s.steps_total > s.steps.size()
                              ? s.steps_total - static_cast<unsigned>(s.steps.size())
                              : 0;
        for (const auto& [time, finding] : s.findings)
            t.steps.push_back(finding_step(time, finding));
        std::stable_sort(t.steps.begin(), t.steps.end(), step_before);
        t.cause = session_cause(s);
        if (t.cause) {
            t.fix = policy::cause_fix(*t.cause);
            for (const auto& [time, finding] : s.findings) {
                if (finding.cause == *t.cause && !finding.advice.empty()) {
                    t.advice = finding.advice;
                    t.fix = finding.fix;
                    break;
                }
            }
            if (t.advice.empty())
                t.advice = policy::cause_advice(*t.cause);
        }
        trace_.sessions.push_back(std::move(t));
        if (trace_.sessions.size() >= 2 * max_sessions_)
            trim();
    }
    next_.on_session(std::move(s));
}

void UserTracer::on_summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) {
    next_.on_summary(host, time, std::move(summary));
}

// Keeps the latest max_sessions_, sorted by start.
void UserTracer::trim() {
    auto& sessions = trace_.sessions;
    std::stable_sort(
        sessions.begin(), sessions.end(),
        [](const TracedSession& a, const TracedSession& b) { return a.start < b.start; });
    if (sessions.size() > max_sessions_) {
        const size_t drop = sessions.size() - max_sessions_;
        trace_.earlier += drop;
        sessions.erase(sessions.begin(), sessions.begin() + static_cast<std::ptrdiff_t>(drop));
    }
}

UserTraceReport UserTracer::take() {
    trim();
    return std::move(trace_);
}

}  // namespace milter503::report
