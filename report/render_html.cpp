// NAME
//	render_html 3
// SUMMARY
//	self-contained HTML renderer with an inline SVG chart
#include "report/render_html.hpp"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

#include "report/text_escape.hpp"

namespace milter503::report {
namespace {

// Distinct colors for the causes (Tableau 20, then 16 more), in table
// order; unknown is grey.
constexpr std::array<std::string_view, 36> cause_colors = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
    "#dbdb8d", "#9edae5", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
    "#e6550d", "#31a354", "#756bb1", "#636363", "#fd8d3c", "#74c476", "#9e9ac8", "#6baed6",
    "#e7ba52", "#ad494a", "#a55194", "#5254a3",
};
static_assert(cause_colors.size() >= cause_slots - 1, "a color for every cause");

std::string_view color_of(size_t slot) {
    return slot == unknown_cause_slot ? "#7f7f7f" : cause_colors[slot];
}

constexpr UnixTime hour = 3600;
constexpr UnixTime day = 86400;
// At most this many bars: per hour up to 62 days, then per day, then
// per as many days as keep the chart this wide (a stray line dated years
// away must not make a chart of thousands of bars).
constexpr size_t max_bars = size_t{62} * 24;

constexpr std::string_view style = R"(
body{font-family:system-ui,sans-serif;margin:2em;color:#222;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse}th,td{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.client{border-top:2px solid #888;margin-top:1.5em;padding-top:.5em}
.ev{font-family:ui-monospace,monospace;font-size:.9em;white-space:pre-wrap;word-break:break-all}
.advice{background:#f4f4f4;padding:.4em .6em;border-left:4px solid #888}
.legend span{display:inline-block;margin-right:1.2em}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}
.muted{color:#666}
)";

std::string esc(std::string_view text) {
    return html_escape(text);
}

std::string join_escaped(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += ", ";
        out += esc(item);
    }
    return out.empty() ? "-" : out;
}

struct Bar {
    UnixTime start = 0;
    std::array<unsigned long, cause_slots> counts{};
    unsigned long total() const {
        unsigned long sum = 0;
        for (const auto c : counts)
            sum += c;
        return sum;
    }
};

// The width of a bar: an hour, a day or whole days, so that the span
// takes at most max_bars.
UnixTime bar_width_for(UnixTime first, UnixTime last) {
    const UnixTime span = last - first;
    const auto most = static_cast<UnixTime>(max_bars);
    if (span / hour + 1 <= most)
        return hour;
    return day * (span / day / most + 1);
}

// Contiguous bars from the first to the last bucket (bar_width_for()).
std::vector<Bar> make_bars(const std::vector<HourBucket>& hourly, UnixTime& width) {
    std::vector<Bar> bars;
    if (hourly.empty())
        return bars;
    const UnixTime first = hourly.front().hour;
    const UnixTime last = hourly.back().hour;
    width = bar_width_for(first, last);
    const UnixTime start = first - (first % width + width) % width;
    bars.resize(static_cast<size_t>((last - start) / width + 1));
    for (size_t i = 0; i < bars.size(); ++i)
        bars[i].start = start + static_cast<UnixTime>(i) * width;
    for (const auto& bucket : hourly) {
        Bar& bar = bars[static_cast<size_t>((bucket.hour - start) / width)];
        for (size_t slot = 0; slot < cause_slots; ++slot)
            bar.counts[slot] += bucket.counts[slot];
    }
    return bars;
}

// The server's own problems, before any client.
void append_alerts(std::string& out, const std::vector<ServerAlert>& alerts) {
    if (alerts.empty())
        return;
    out +=
        "<h2>Server alerts (fix: admin)</h2>\n<table>\n<tr><th>alert</th><th class=\"n\">"
        "events</th><th class=\"n\">clients</th><th>first</th><th>last</th><th>e.g.</th>"
        "<th>advice</th></tr>\n";
    for (const ServerAlert& a : alerts) {
        fmt::format_to(
            std::back_inserter(out),
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}"
            "</td><td class=\"ev\">{}{}</td><td>{}</td></tr>\n",
            esc(a.subject), a.events, a.clients, format_utc(a.first), format_utc(a.last),
            esc(a.example_client), a.detail.empty() ? std::string() : ": " + esc(a.detail),
            esc(a.advice));
    }
    out += "</table>\n";
}

void append_chart(std::string& out, const Report& report) {
    UnixTime width = hour;
    const std::vector<Bar> bars = make_bars(report.hourly, width);
    const std::string per = width == hour  ? "hour"
                            : width == day ? "day"
                                           : fmt::format("{} days", width / day);
    fmt::format_to(std::back_inserter(out),
                   "<h2>Sessions with DATA refused (503/554) per {}, by cause</h2>\n", per);
    if (bars.empty()) {
        out += "<p class=\"muted\">No session had its DATA refused.</p>\n";
        return;
    }
    unsigned long peak = 1;
    std::array<bool, cause_slots> used{};
    for (const auto& bar : bars) {
        peak = std::max(peak, bar.total());
        for (size_t slot = 0; slot < cause_slots; ++slot)
            used[slot] = used[slot] || bar.counts[slot];
    }
    const double plot_height = 200;
    const double left = 40;
    const double bottom = 30;
    const double bar_width =
        std::max(2.0, std::min(24.0, 900.0 / static_cast<double>(bars.size())));
    const double svg_width = left + bar_width * static_cast<double>(bars.size()) + 10;
    const double svg_height = plot_height + bottom + 10;
    fmt::format_to(
        std::back_inserter(out),
        "<svg role=\"img\" aria-label=\"DATA refused per {}\" width=\"{:.0f}\" height=\"{:.0f}\" "
        "viewBox=\"0 0 {:.0f} {:.0f}\">\n",
        per, svg_width, svg_height, svg_width, svg_height);
    // Axes and the peak label.
    fmt::format_to(
        std::back_inserter(out),
        "<line x1=\"{0:.1f}\" y1=\"10\" x2=\"{0:.1f}\" y2=\"{1:.1f}\" stroke=\"#888\"/>\n"
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#888\"/>\n"
        "<text x=\"{3:.1f}\" y=\"14\" font-size=\"11\" text-anchor=\"end\">{4}</text>\n"
        "<text x=\"{3:.1f}\" y=\"{1:.1f}\" font-size=\"11\" text-anchor=\"end\">0</text>\n",
        left, 10 + plot_height, svg_width - 10, left - 4, peak);
    for (size_t i = 0; i < bars.size(); ++i) {
        const Bar& bar = bars[i];
        const double x = left + bar_width * static_cast<double>(i);
        double y = 10 + plot_height;
        const std::string label =
            width == hour ? format_utc_hour(bar.start) : format_utc(bar.start).substr(0, 10);
        for (size_t slot = 0; slot < cause_slots; ++slot) {
            if (bar.counts[slot] == 0)
                continue;
            const double h =
                plot_height * static_cast<double>(bar.counts[slot]) / static_cast<double>(peak);
            y -= h;
            fmt::format_to(std::back_inserter(out),
                           "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                           "fill=\"{}\"><title>{} UTC, {}: {}</title></rect>\n",
                           x + 0.5, y, std::max(1.0, bar_width - 1), h, color_of(slot), label,
                           cause_slot_name(slot), bar.counts[slot]);
        }
    }
    const auto axis_label = [&](size_t index, std::string_view anchor) {
        const UnixTime t = bars[index].start;
        const std::string text = width == hour ? format_utc_hour(t) : format_utc(t).substr(0, 10);
        fmt::format_to(
            std::back_inserter(out),
            "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"{}\">{}</text>\n",
            left + bar_width * (static_cast<double>(index) + 0.5), 10 + plot_height + 16, anchor,
            text);
    };
    axis_label(0, "start");
    if (bars.size() > 1)
        axis_label(bars.size() - 1, "end");
    out += "</svg>\n<p class=\"legend\">";
    for (size_t slot = 0; slot < cause_slots; ++slot) {
        if (!used[slot])
            continue;
        fmt::format_to(std::back_inserter(out), "<span><i style=\"background:{}\"></i>{}</span>",
                       color_of(slot), cause_slot_name(slot));
    }
    out += "</p>\n";
}

void append_table(std::string& out, const Report& report, const OutputSink& sink) {
    out += "<h2>Clients</h2>\n";
    if (report.client_count() == 0) {
        out += "<p>No client had its DATA refused or a milter finding.</p>\n";
        return;
    }
    out +=
        "<table>\n<tr><th>Client</th><th>Name</th><th class=\"n\">Sessions</th>"
        "<th class=\"n\">503/554</th><th class=\"n\">DATA not logged</th>"
        "<th class=\"n\">Flagged</th><th>Cause</th><th>Fix</th>"
        "<th>Last seen (UTC)</th></tr>\n";
    for (const size_t i : listing_order(report)) {
        const ClientReport& c = report.head(i);
        const CauseReport* cause = top_cause(c);
        fmt::format_to(
            std::back_inserter(out),
            "<tr><td><a href=\"#client-{}\">{}</a></td><td>{}</td><td class=\"n\">{}</td>"
            "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td></tr>\n",
            i + 1, esc(c.address), c.names.empty() ? "-" : esc(c.names.front()), c.sessions,
            c.sessions_503, c.sessions_no_rcpt_data_unlogged, c.sessions_flagged,
            cause ? cause_slot_name(cause->slot) : "-", cause ? fix_name(*cause) : "-",
            c.sessions > 0 ? format_utc(c.last_seen) : "-");
        drain(out, sink);
    }
    out += "</table>\n";
    const unsigned long omitted = report.totals.clients_reported - report.client_count();
    if (omitted > 0) {
        fmt::format_to(std::back_inserter(out),
                       "<p class=\"muted\">{} more clients not shown (--top {}).</p>\n", omitted,
                       report.filters.top);
    }
}

// All strangers in one block (client_kind.hpp).
void append_strangers(std::string& out, const Report& report) {
    const StrangerSummary s = summarise_strangers(report);
    if (s.clients == 0 || !strangers_summed_up(report))
        return;
    fmt::format_to(
        std::back_inserter(out),
        "<h2>Strangers</h2>\n<p>{} clients of kind stranger (--kind stranger lists them), {} "
        "sessions, DATA refused (503/554): {}.</p>\n<p>Top causes (sessions):",
        s.clients, s.sessions, s.sessions_503);
    for (size_t i = 0; i < s.causes.size(); ++i) {
        fmt::format_to(std::back_inserter(out), "{} {} {}", i == 0 ? "" : ",",
                       cause_slot_name(s.causes[i].first), s.causes[i].second);
    }
    out += ".</p>\n<p>Top sources (clients):";
    for (size_t i = 0; i < s.sources.size(); ++i)
        fmt::format_to(std::back_inserter(out), "{} {} {}", i == 0 ? "" : ",",
                       esc(s.sources[i].first), s.sources[i].second);
    out += ".</p>\n";
}

std::string evidence_html(const Evidence& e) {
    std::string line =
        fmt::format("{} {} {}", format_utc(e.time), esc(e.host.empty() ? "-" : e.host), e.mta);
    if (!e.stage.empty())
        line += " " + esc(e.stage);
    line += ": " + esc(e.text);
    if (!e.sender.empty())
        line += " from=&lt;" + esc(e.sender) + "&gt;";
    if (!e.recipient.empty())
        line += " to=&lt;" + esc(e.recipient) + "&gt;";
    return line;
}

void append_client(std::string& out, const ClientReport& c, size_t index) {
    fmt::format_to(std::back_inserter(out), "<div class=\"client\" id=\"client-{}\">\n<h3>{}",
                   index, esc(c.address));
    if (!c.names.empty())
        out += " (" + join_escaped(c.names) + ")";
    out += "</h3>\n<table>\n";
    fmt::format_to(std::back_inserter(out), "<tr><th>Kind</th><td>{} ({})</td></tr>\n",
                   kind_name(c.kind),
                   c.kind_rule.empty() ? std::string_view("no rule held") : c.kind_rule);
    fmt::format_to(std::back_inserter(out),
                   "<tr><th>Sessions</th><td>{}</td></tr>\n<tr><th>DATA refused "
                   "(503/554)</th><td>{}</td></tr>\n"
                   "<tr><th>Flagged by the milter</th><td>{}</td></tr>\n"
                   "<tr><th>With rejected commands</th><td>{}</td></tr>\n"
                   "<tr><th>Improper pipelining</th><td>{}</td></tr>\n"
                   "<tr><th>No recipient accepted, DATA not logged</th><td>{}</td></tr>\n"
                   "<tr><th>Recipients refused, no DATA</th><td>{}</td></tr>\n"
                   "<tr><th>Message refused after DATA</th><td>{}</td></tr>\n"
                   "<tr><th>DATA refused with recipients accepted</th><td>{}</td></tr>\n",
                   c.sessions, c.sessions_503, c.sessions_flagged, c.sessions_rejected,
                   c.sessions_pipelining, c.sessions_no_rcpt_data_unlogged,
                   c.sessions_rcpt_refused_no_data, c.sessions_refused_after_data,
                   c.sessions_data_refused_with_rcpts);
    if (c.sessions > 0) {
        out +=
            fmt::format("<tr><th>Seen (UTC)</th><td>{} to {} on {}</td></tr>\n",
                        format_utc(c.first_seen), format_utc(c.last_seen), join_escaped(c.hosts));
    }
    if (c.pipelining)
        out += "<tr><th>First improper pipelining</th><td>" + evidence_html(*c.pipelining) +
               "</td></tr>\n";
    out += "<tr><th>HELO</th><td>" + join_escaped(c.helos) + "</td></tr>\n";
    out += "<tr><th>Logins</th><td>" + join_escaped(c.logins) + "</td></tr>\n";
    if (!c.findings.empty()) {
        std::string findings;
        for (const auto& [kind, count] : c.findings) {
            if (!findings.empty())
                findings += ", ";
            findings += fmt::format("{} {}", policy::finding_name(kind), count);
        }
        out += "<tr><th>Milter findings</th><td>" + findings + "</td></tr>\n";
    }
    if (c.milter_summary) {
        const auto& s = c.milter_summary->summary;
        fmt::format_to(std::back_inserter(out),
                       "<tr><th>Milter summary</th><td>{} at {}: {} sessions, {} transactions, {} "
                       "suppressed</td></tr>\n",
                       esc(c.milter_summary->host.empty() ? "-" : c.milter_summary->host),
                       format_utc(c.milter_summary->time), s.sessions, s.transactions,
                       s.suppressed);
    }
    out += "</table>\n";
    for (const auto& cause : c.causes) {
        fmt::format_to(
            std::back_inserter(out),
            "<h4><i style=\"display:inline-block;width:.8em;height:.8em;background:{}\"></i> {} "
            "(fix: {}): {} sessions (503/554: {}, flagged: {}), first {}, last {}</h4>\n",
            color_of(cause.slot), cause_slot_name(cause.slot), fix_name(cause), cause.sessions,
            cause.sessions_503, cause.sessions_flagged, format_utc(cause.first),
            format_utc(cause.last));
        out += "<div class=\"ev\">";
        for (const auto& e : cause.examples)
            out += evidence_html(e) + "\n";
        if (cause.latest)
            out += "latest: " + evidence_html(*cause.latest) + "\n";
        out += "</div>\n<p class=\"advice\">" + esc(cause.advice) + "</p>\n";
    }
    out += "</div>\n";
}

void append_footer(std::string& out, const Report& report) {
    const InputReport& in = report.input;
    fmt::format_to(
        std::back_inserter(out),
        "<h2>Input</h2>\n<p>{} lines: {} used, {} ignored, {} malformed, {} outside the period, {} "
        "too long. Sessions: {} ({} without their end line); milter findings: {} joined to MTA "
        "sessions, {} on their own.</p>\n<ul>\n",
        in.lines, in.used, in.ignored, in.malformed, in.outside_period, in.overlong,
        report.join.sessions, report.join.expired, report.join.findings_joined,
        report.join.findings_standalone);
    for (const auto& file : in.files) {
        fmt::format_to(std::back_inserter(out), "<li>{}: {} lines{}{}</li>\n", esc(file.name),
                       file.lines, file.compressed ? " (gzip)" : "",
                       file.error.empty() ? "" : ", " + esc(file.error));
    }
    out += "</ul>\n";
}

// --user: every session of the login or sender, step by step (user_trace.hpp),
// in place of the clients.
void append_trace(std::string& out, const UserTraceReport& trace) {
    fmt::format_to(std::back_inserter(out), "<h2>Sessions of {}</h2>\n<p>{} sessions",
                   esc(trace.user), trace.sessions.size() + trace.earlier);
    if (trace.earlier > 0)
        fmt::format_to(std::back_inserter(out), " ({} earlier ones not shown)", trace.earlier);
    out += ".</p>\n";
    if (trace.sessions.empty())
        out += "<p>No session of this login or sender address in the log.</p>\n";
    for (const TracedSession& t : trace.sessions) {
        fmt::format_to(
            std::back_inserter(out),
            "<div class=\"client\">\n<h3>{} to {} (UTC), {} {}, client {}[{}]{}{}</h3>\n<table>\n",
            format_utc(t.start), format_utc(t.end), esc(t.host.empty() ? "-" : t.host), t.mta,
            esc(t.client_name.empty() ? "unknown" : t.client_name), esc(t.client_addr),
            t.client_port.empty() ? "" : ":", esc(t.client_port));
        out += "<tr><th>HELO</th><td>" + esc(t.helo) + "</td></tr>\n";
        out += "<tr><th>Login</th><td>" + (t.login.empty() ? "none seen" : esc(t.login)) +
               "</td></tr>\n</table>\n<table>\n<tr><th>Time (UTC)</th><th>Step</th><th>Text</th>"
               "<th>From</th><th>To</th></tr>\n";
        for (const SessionStep& step : t.steps) {
            fmt::format_to(std::back_inserter(out),
                           "<tr><td>{}</td><td>{}{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>\n",
                           format_utc(step.time), step.what, step.refused ? " <b>refused</b>" : "",
                           esc(step.text),
                           step.refused && !step.login.empty() ? " (login " + esc(step.login) + ")"
                                                               : std::string(),
                           esc(step.sender), esc(step.recipient));
        }
        out += "</table>\n";
        if (t.steps_omitted > 0)
            fmt::format_to(std::back_inserter(out),
                           "<p class=\"muted\">{} more steps not kept.</p>\n", t.steps_omitted);
        if (!t.ended)
            out += "<p class=\"muted\">Its end is not in the log.</p>\n";
        fmt::format_to(std::back_inserter(out), "<p>Outcome: {}</p>\n", outcome_text(t.outcome));
        if (t.cause) {
            out +=
                fmt::format("<h4>{} (fix: {})</h4>\n<p class=\"advice\">{}</p>\n",
                            policy::cause_name(*t.cause), policy::actor_name(t.fix), esc(t.advice));
        }
        out += "</div>\n";
    }
}

}  // namespace

void render_html(const Report& report, const OutputSink& sink) {
    std::string out;
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<title>milter503 report</title>\n<style>";
    out += style;
    out += "</style>\n</head>\n<body>\n<h1>milter503 report</h1>\n";
    if (report.has_period) {
        fmt::format_to(std::back_inserter(out), "<p>{} to {} (UTC)</p>\n", format_utc(report.first),
                       format_utc(report.last));
    } else {
        out += "<p>No log lines in the period.</p>\n";
    }
    const Totals& t = report.totals;
    fmt::format_to(
        std::back_inserter(out),
        "<p>{} sessions from {} clients; DATA refused (503/554): <b>{}</b>; flagged by the "
        "milter: <b>{}</b>; improper pipelining: {}.</p>\n"
        "<p>Not proven 503s: no recipient accepted, DATA not logged: {}; recipients refused, no "
        "DATA: {}; message refused after DATA: {}; DATA refused with recipients accepted: "
        "{}.</p>\n",
        t.sessions, t.clients_seen, t.sessions_503, t.sessions_flagged, t.sessions_pipelining,
        t.sessions_no_rcpt_data_unlogged, t.sessions_rcpt_refused_no_data,
        t.sessions_refused_after_data, t.sessions_data_refused_with_rcpts);
    append_alerts(out, report.alerts);
    if (report.user_trace) {
        append_trace(out, *report.user_trace);
    } else {
        append_chart(out, report);
        append_table(out, report, sink);
        append_strangers(out, report);
        drain(out, sink);
        for (const size_t i : listing_order(report)) {
            append_client(out, report.client(i), i + 1);
            drain(out, sink);
        }
    }
    append_footer(out, report);
    out += "</body>\n</html>\n";
    flush(out, sink);
}

std::string render_html(const Report& report) {
    return render_to_string([&](const OutputSink& sink) { render_html(report, sink); });
}

}  // namespace milter503::report
