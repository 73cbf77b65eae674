// NAME
//	render_text 3
// SUMMARY
//	plain text renderer
#include "report/render_text.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "policy/text.hpp"
#include "report/text_escape.hpp"

namespace milter503::report {
namespace {

constexpr size_t wrap_width = 100;
constexpr size_t max_name_width = 32;

std::string plural(unsigned long n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Left-aligned cell, padded by display width (UTF-8 aware).
void pad_right(std::string& out, std::string_view text, size_t width) {
    out += text;
    const size_t w = display_width(text);
    if (w < width)
        out.append(width - w, ' ');
}

void pad_left(std::string& out, std::string_view text, size_t width) {
    const size_t w = display_width(text);
    if (w < width)
        out.append(width - w, ' ');
    out += text;
}

// Cut to `width` columns at a code point boundary, "..." taking the last
// three, when it is wider.
void truncate(std::string& text, size_t width) {
    if (display_width(text) <= width)
        return;
    size_t cut = 0;
    size_t columns = 0;
    while (cut < text.size() && columns + 3 < width) {
        const size_t len = text::utf8_sequence_length(text, cut);
        cut += len == 0 ? 1 : len;
        ++columns;
    }
    text.resize(cut);
    text += "...";
}

void append_joined(std::string& out, const std::vector<std::string>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0)
            out += ", ";
        append_terminal_safe(out, items[i]);
    }
}

// Appends `label` + `text` wrapped at wrap_width, continuation lines
// indented to the text's column.
void append_wrapped(std::string& out, std::string_view label, std::string_view text) {
    const size_t indent = label.size();
    out += label;
    size_t column = indent;
    bool first = true;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view word = text.substr(pos, end - pos);
        pos = end + 1;
        if (word.empty())
            continue;
        const size_t width = display_width(word);
        if (!first && column + 1 + width > wrap_width) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
            first = true;
        }
        if (!first) {
            out += ' ';
            ++column;
        }
        out += word;
        column += width;
        first = false;
    }
    out += '\n';
}

void append_evidence(std::string& out, const Evidence& e) {
    append_utc(out, e.time);
    out += ' ';
    append_terminal_safe(out, e.host.empty() ? "-" : e.host);
    out += ' ';
    out += e.mta;
    if (!e.stage.empty()) {
        out += ' ';
        append_terminal_safe(out, e.stage);
    }
    out += ": ";
    append_terminal_safe(out, e.text);
    if (e.sender.empty() && e.recipient.empty())
        return;
    out += " (";
    if (!e.sender.empty()) {
        out += "from=<";
        append_terminal_safe(out, e.sender);
        out += '>';
    }
    if (!e.recipient.empty()) {
        if (!e.sender.empty())
            out += ' ';
        out += "to=<";
        append_terminal_safe(out, e.recipient);
        out += '>';
    }
    out += ')';
}

// The sessions of the outcomes other than the 503 (a client or totals).
template <typename Counts>
unsigned long other_outcomes(const Counts& c) {
    return c.sessions_no_rcpt_data_unlogged + c.sessions_rcpt_refused_no_data +
           c.sessions_refused_after_data + c.sessions_data_refused_with_rcpts;
}

std::string findings_text(const std::map<policy::FindingKind, unsigned long>& findings) {
    std::string out;
    for (const auto& [kind, count] : findings) {
        if (!out.empty())
            out += ", ";
        fmt::format_to(std::back_inserter(out), "{} {}", policy::finding_name(kind), count);
    }
    return out;
}

// Seven columns, one word each (LAST SEEN's value too): scripts read the
// rows by field count and position (tests/integration/lib/report.sh).
// Who must act and the other outcomes are in each client's block.
constexpr std::array<std::string_view, 7> table_header = {"CLIENT",  "NAME",  "SESSIONS", "503/554",
                                                          "FLAGGED", "CAUSE", "LAST SEEN"};
constexpr std::array<bool, 7> right_aligned = {false, false, true, true, true, false, false};

using TableRow = std::array<std::string, 7>;

// A client's cells written over `row`, reusing its strings' room: twice a
// client (the widths, then the rows), 10^5 clients on a public MX.
void table_cells(const ClientReport& c, TableRow& row) {
    for (std::string& cell : row)
        cell.clear();
    append_terminal_safe(row[0], c.address);
    truncate(row[0], 39);
    if (c.names.empty())
        row[1] = "-";
    else
        append_terminal_safe(row[1], c.names.front());
    truncate(row[1], max_name_width);
    fmt::format_to(std::back_inserter(row[2]), "{}", c.sessions);
    fmt::format_to(std::back_inserter(row[3]), "{}", c.sessions_503);
    fmt::format_to(std::back_inserter(row[4]), "{}", c.sessions_flagged);
    const CauseReport* cause = top_cause(c);
    row[5] = cause ? cause_slot_name(cause->slot) : "-";
    if (c.sessions > 0)
        append_utc(row[6], c.last_seen);
    else
        row[6] = "-";
}

// Two passes over the clients, the widths first: rows of 10^5 clients
// are not held.
void append_table(std::string& out, const Report& report, const OutputSink& sink) {
    std::array<size_t, 7> width{};
    for (size_t i = 0; i < table_header.size(); ++i)
        width[i] = table_header[i].size();
    TableRow row;
    for (const size_t index : listing_order(report)) {
        table_cells(report.head(index), row);
        for (size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], display_width(row[i]));
    }
    const auto append_row = [&](const auto& cells) {
        const size_t begin = out.size();
        for (size_t i = 0; i < cells.size(); ++i) {
            if (i > 0)
                out += "  ";
            if (right_aligned[i]) {
                pad_left(out, cells[i], width[i]);
            } else if (i + 1 < cells.size()) {
                pad_right(out, cells[i], width[i]);
            } else {
                out += cells[i];
            }
        }
        while (out.size() > begin && out.back() == ' ')
            out.pop_back();
        out += '\n';
    };
    append_row(table_header);
    for (const size_t index : listing_order(report)) {
        table_cells(report.head(index), row);
        append_row(row);
        drain(out, sink);
    }
}

void append_client(std::string& out, const ClientReport& c) {
    out += '\n';
    append_terminal_safe(out, c.address);
    if (!c.names.empty()) {
        out += " (";
        append_joined(out, c.names);
        out += ')';
    }
    out += '\n';
    fmt::format_to(std::back_inserter(out), "  kind: {} ({})\n", kind_name(c.kind),
                   c.kind_rule.empty() ? std::string_view("no rule held") : c.kind_rule);
    fmt::format_to(
        std::back_inserter(out),
        "  sessions: {}, DATA refused (503/554): {}, flagged by the milter: {}, with rejected "
        "commands: {}, improper pipelining: {}\n",
        c.sessions, c.sessions_503, c.sessions_flagged, c.sessions_rejected, c.sessions_pipelining);
    if (other_outcomes(c) > 0) {
        fmt::format_to(
            std::back_inserter(out),
            "  no recipient accepted, DATA not logged: {}; recipients refused, no DATA: {}; "
            "message refused after DATA: {}; DATA refused with recipients accepted: {}\n",
            c.sessions_no_rcpt_data_unlogged, c.sessions_rcpt_refused_no_data,
            c.sessions_refused_after_data, c.sessions_data_refused_with_rcpts);
    }
    if (c.sessions_milter_only > 0) {
        fmt::format_to(std::back_inserter(out), "  milter findings without MTA log lines: {}\n",
                       c.sessions_milter_only);
    }
    if (c.sessions > 0) {
        out += "  seen: ";
        append_utc(out, c.first_seen);
        out += " to ";
        append_utc(out, c.last_seen);
        if (!c.hosts.empty()) {
            out += " on ";
            append_joined(out, c.hosts);
        }
        out += '\n';
    }
    if (c.pipelining) {
        out += "  first ";
        append_evidence(out, *c.pipelining);
        out += '\n';
    }
    if (!c.helos.empty()) {
        out += "  helo: ";
        append_joined(out, c.helos);
        out += '\n';
    }
    if (!c.logins.empty()) {
        out += "  logins: ";
        append_joined(out, c.logins);
        out += '\n';
    }
    if (!c.findings.empty())
        out += "  findings: " + findings_text(c.findings) + "\n";
    for (const auto& cause : c.causes) {
        out +=
            fmt::format("  cause {} (fix: {}): {} (503/554: {}, flagged: {}), first {}, last {}\n",
                        cause_slot_name(cause.slot), fix_name(cause),
                        plural(cause.sessions, "session", "sessions"), cause.sessions_503,
                        cause.sessions_flagged, format_utc(cause.first), format_utc(cause.last));
        for (const auto& e : cause.examples) {
            out += "    ";
            append_evidence(out, e);
            out += '\n';
        }
        if (cause.latest) {
            const bool shown =
                std::any_of(cause.examples.begin(), cause.examples.end(), [&](const Evidence& e) {
                    return e.time == cause.latest->time && e.text == cause.latest->text;
                });
            if (!shown) {
                out += "    latest: ";
                append_evidence(out, *cause.latest);
                out += '\n';
            }
        }
        append_wrapped(out, "    advice: ", terminal_safe(cause.advice));
    }
    if (c.milter_summary) {
        const auto& s = c.milter_summary->summary;
        std::string findings;
        for (const auto& [kind, count] : s.findings) {
            if (!findings.empty())
                findings += ",";
            findings += fmt::format("{}:{}", policy::finding_name(kind), count);
        }
        const auto cause = policy::top_cause(s);
        fmt::format_to(
            std::back_inserter(out),
            "  milter summary ({}, {}): sessions {}, transactions {}, findings {}, cause {}, "
            "suppressed {}\n",
            terminal_safe(c.milter_summary->host.empty() ? "-" : c.milter_summary->host),
            format_utc(c.milter_summary->time), s.sessions, s.transactions,
            findings.empty() ? "-" : findings, cause ? policy::cause_name(*cause) : "-",
            s.suppressed);
    }
}

// All strangers in one block: they are many, and no one will call.
void append_strangers(std::string& out, const Report& report) {
    const StrangerSummary s = summarise_strangers(report);
    if (s.clients == 0)
        return;
    fmt::format_to(std::back_inserter(out),
                   "\nstrangers (kind stranger; --kind stranger lists them): {}, {}, 503/554: {}\n",
                   plural(s.clients, "client", "clients"),
                   plural(s.sessions, "session", "sessions"), s.sessions_503);
    std::string causes;
    for (const auto& [slot, sessions] : s.causes)
        causes +=
            fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause_slot_name(slot), sessions);
    if (!causes.empty())
        out += "  top causes (sessions): " + causes + "\n";
    std::string sources;
    for (const auto& [network, clients] : s.sources) {
        sources +=
            fmt::format("{}{} {}", sources.empty() ? "" : ", ", terminal_safe(network), clients);
    }
    out += "  top sources (clients): " + sources + "\n";
}

void append_step(std::string& out, const SessionStep& step) {
    std::string line = fmt::format("    {} {}{}: {}", format_utc(step.time), step.what,
                                   step.refused ? " REFUSED" : "", terminal_safe(step.text));
    if (!step.sender.empty())
        line += " from=<" + terminal_safe(step.sender) + ">";
    if (!step.recipient.empty())
        line += " to=<" + terminal_safe(step.recipient) + ">";
    if (step.refused && !step.login.empty())
        line += " login=" + terminal_safe(step.login);
    out += line + "\n";
}

void append_trace(std::string& out, const UserTraceReport& trace) {
    fmt::format_to(std::back_inserter(out), "sessions of {}: {}", terminal_safe(trace.user),
                   trace.sessions.size() + trace.earlier);
    if (trace.earlier > 0)
        fmt::format_to(std::back_inserter(out), " ({} earlier ones not shown)", trace.earlier);
    out += "\n";
    if (trace.sessions.empty())
        out += "No session of this login or sender address in the log.\n";
    for (const TracedSession& t : trace.sessions) {
        fmt::format_to(std::back_inserter(out), "\n{} to {} {} {} client {}[{}]",
                       format_utc(t.start), format_utc(t.end),
                       terminal_safe(t.host.empty() ? "-" : t.host), t.mta,
                       terminal_safe(t.client_name.empty() ? "unknown" : t.client_name),
                       terminal_safe(t.client_addr));
        if (!t.client_port.empty())
            out += ":" + terminal_safe(t.client_port);
        out += "\n";
        if (!t.helo.empty())
            out += "  helo: " + terminal_safe(t.helo) + "\n";
        out += "  login: " + (t.login.empty() ? std::string("none seen") : terminal_safe(t.login)) +
               "\n";
        for (const SessionStep& step : t.steps)
            append_step(out, step);
        if (t.steps_omitted > 0)
            fmt::format_to(std::back_inserter(out), "    ({} more steps not kept)\n",
                           t.steps_omitted);
        if (!t.ended)
            out += "    (its end is not in the log)\n";
        fmt::format_to(std::back_inserter(out), "  outcome: {}\n", outcome_text(t.outcome));
        if (t.cause) {
            fmt::format_to(std::back_inserter(out), "  cause {} (fix: {})\n",
                           policy::cause_name(*t.cause), policy::actor_name(t.fix));
            append_wrapped(out, "  advice: ", terminal_safe(t.advice));
        }
    }
}

void append_footer(std::string& out, const Report& report) {
    const InputReport& in = report.input;
    out += '\n';
    fmt::format_to(
        std::back_inserter(out),
        "input: {}, {}: {} used, {} ignored, {} malformed, {} outside the period, {} too long\n",
        plural(in.files.size(), "file", "files"), plural(in.lines, "line", "lines"), in.used,
        in.ignored, in.malformed, in.outside_period, in.overlong);
    for (const auto& file : in.files) {
        out += "  " + terminal_safe(file.name) + ": ";
        if (file.error.empty()) {
            out += plural(file.lines, "line", "lines");
        } else if (file.lines == 0 && !file.compressed) {
            out += "not read: " + terminal_safe(file.error);
        } else {
            out += plural(file.lines, "line", "lines") + ", then " + terminal_safe(file.error);
        }
        if (file.compressed)
            out += " (gzip)";
        out += '\n';
    }
    const JoinStats& join = report.join;
    const std::string evicted =
        join.evicted > 0 ? fmt::format(", {} of them early: too many open", join.evicted) : "";
    fmt::format_to(
        std::back_inserter(out),
        "sessions: {} ({} without their end line{}); milter findings: {} joined to MTA sessions, "
        "{} on their own\n",
        join.sessions, join.expired, evicted, join.findings_joined, join.findings_standalone);
}

}  // namespace

// The server's own problems first: the admin reads them before any client.
void append_alerts(std::string& out, const std::vector<ServerAlert>& alerts) {
    if (alerts.empty())
        return;
    out += "Server alerts (fix: admin):\n";
    for (const ServerAlert& a : alerts) {
        fmt::format_to(
            std::back_inserter(out), "  {}: {} from {}, {} to {}", terminal_safe(a.subject),
            plural(a.events, a.source == "milter" ? "alert" : "event",
                   a.source == "milter" ? "alerts" : "events"),
            plural(a.clients, "client", "clients"), format_utc(a.first), format_utc(a.last));
        if (!a.example_client.empty())
            out += ", e.g. " + terminal_safe(a.example_client);
        if (!a.detail.empty())
            out += ": " + terminal_safe(a.detail);
        out += '\n';
        if (!a.advice.empty())
            append_wrapped(out, "    ", terminal_safe(a.advice));
    }
    out += '\n';
}

void render_text(const Report& report, const OutputSink& sink) {
    std::string out;
    if (report.has_period) {
        fmt::format_to(std::back_inserter(out), "milter503 report, {} to {} (UTC)\n",
                       format_utc(report.first), format_utc(report.last));
    } else {
        out += "milter503 report: no log lines in the period\n";
    }
    const Totals& t = report.totals;
    fmt::format_to(
        std::back_inserter(out),
        "{} from {}; DATA refused (503/554): {}; flagged by the milter: {}; improper pipelining: "
        "{}\n",
        plural(t.sessions, "session", "sessions"), plural(t.clients_seen, "client", "clients"),
        t.sessions_503, t.sessions_flagged, t.sessions_pipelining);
    if (other_outcomes(t) > 0) {
        fmt::format_to(
            std::back_inserter(out),
            "not proven 503s: no recipient accepted, DATA not logged: {}; recipients refused, no "
            "DATA: {}; message refused after DATA: {}; DATA refused with recipients accepted: {}\n",
            t.sessions_no_rcpt_data_unlogged, t.sessions_rcpt_refused_no_data,
            t.sessions_refused_after_data, t.sessions_data_refused_with_rcpts);
    }
    out += '\n';
    append_alerts(out, report.alerts);
    if (report.user_trace) {
        append_trace(out, *report.user_trace);
    } else if (report.client_count() == 0) {
        out += "No client had its DATA refused or a milter finding.\n";
    } else {
        if (!listing_order(report).empty())
            append_table(out, report, sink);
        if (t.clients_reported > report.client_count()) {
            out +=
                fmt::format("({} more not shown: --top {})\n",
                            plural(t.clients_reported - report.client_count(), "client", "clients"),
                            report.filters.top);
        }
        if (strangers_summed_up(report))
            append_strangers(out, report);
        drain(out, sink);
        for (const size_t index : listing_order(report)) {
            append_client(out, report.client(index));
            drain(out, sink);
        }
    }
    append_footer(out, report);
    flush(out, sink);
}

std::string render_text(const Report& report) {
    return render_to_string([&](const OutputSink& sink) { render_text(report, sink); });
}

}  // namespace milter503::report
