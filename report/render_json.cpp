// NAME
//	render_json 3
// SUMMARY
//	JSON renderer
// DESCRIPTION
//	A minimal writer: objects and arrays on their own lines, two spaces
//	of indentation, keys in a fixed order (the schema's).
#include "report/render_json.hpp"

#include <fmt/format.h>

#include "report/text_escape.hpp"

namespace milter503::report {
namespace {

class JsonWriter {
  public:
    explicit JsonWriter(const OutputSink& sink) : sink_(sink) {}

    // Between array elements: hands what was written to the sink once it
    // is large (output_sink.hpp).
    void drain() { report::drain(out_, sink_); }
    void finish() {
        out_ += '\n';
        report::flush(out_, sink_);
    }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }

    void key(std::string_view name) {
        separate();
        append_json_string(out_, name);
        out_ += ": ";
        after_key_ = true;
    }

    void string(std::string_view value) {
        separate();
        append_json_string(out_, value);
    }
    void null() {
        separate();
        out_ += "null";
    }
    void boolean(bool value) {
        separate();
        out_ += value ? "true" : "false";
    }
    void number(std::uint64_t value) {
        separate();
        out_ += std::to_string(value);
    }
    void time(UnixTime t) { string(format_utc(t)); }
    void optional_string(std::string_view value) {
        if (value.empty()) {
            null();
        } else {
            string(value);
        }
    }

    template <typename T>
    void field(std::string_view name, const T& value) {
        key(name);
        if constexpr (std::is_same_v<T, bool>) {
            boolean(value);
        } else if constexpr (std::is_integral_v<T>) {
            number(static_cast<std::uint64_t>(value));
        } else {
            string(value);
        }
    }

    void string_array(std::string_view name, const std::vector<std::string>& values) {
        key(name);
        begin_array();
        for (const auto& value : values)
            string(value);
        end_array();
    }

  private:
    void open(char bracket) {
        separate();
        out_ += bracket;
        ++depth_;
        first_ = true;
    }
    void close(char bracket) {
        --depth_;
        if (!first_)
            newline();
        out_ += bracket;
        first_ = false;
    }
    // Before a value or key: a comma and a new line unless right after a
    // key or at the start of a container.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (!first_)
            out_ += ',';
        if (depth_ > 0)
            newline();
        first_ = false;
    }
    void newline() {
        out_ += '\n';
        out_.append(static_cast<size_t>(depth_) * 2, ' ');
    }

    const OutputSink& sink_;
    std::string out_;
    int depth_ = 0;
    bool first_ = true;
    bool after_key_ = false;
};

void write_evidence(JsonWriter& w, const Evidence& e) {
    w.begin_object();
    w.key("time");
    w.time(e.time);
    w.key("host");
    w.optional_string(e.host);
    w.field("mta", e.mta);
    w.key("stage");
    w.optional_string(e.stage);
    w.field("text", std::string_view(e.text));
    w.key("sender");
    w.optional_string(e.sender);
    w.key("recipient");
    w.optional_string(e.recipient);
    w.end_object();
}

void write_cause(JsonWriter& w, const CauseReport& c) {
    w.begin_object();
    w.field("cause", cause_slot_name(c.slot));
    w.field("fix", fix_name(c));
    w.field("sessions", c.sessions);
    w.field("sessions_503", c.sessions_503);
    w.field("sessions_flagged", c.sessions_flagged);
    w.key("first");
    w.time(c.first);
    w.key("last");
    w.time(c.last);
    w.field("advice", std::string_view(c.advice));
    w.key("evidence");
    w.begin_array();
    for (const auto& e : c.examples)
        write_evidence(w, e);
    w.end_array();
    w.key("latest");
    if (c.latest) {
        write_evidence(w, *c.latest);
    } else {
        w.null();
    }
    w.end_object();
}

void write_summary(JsonWriter& w, const MilterSummary& m) {
    const policy::ClientSummary& s = m.summary;
    w.begin_object();
    w.key("host");
    w.optional_string(m.host);
    w.key("time");
    w.time(m.time);
    w.field("sessions", s.sessions);
    w.field("transactions", s.transactions);
    w.key("findings");
    w.begin_object();
    for (const auto& [kind, count] : s.findings)
        w.field(policy::finding_name(kind), count);
    w.end_object();
    w.key("cause");
    if (const auto cause = policy::top_cause(s)) {
        w.string(policy::cause_name(*cause));
    } else {
        w.null();
    }
    w.field("suppressed", s.suppressed);
    w.key("first");
    w.string(policy::format_iso8601(s.first));
    w.key("last");
    w.string(policy::format_iso8601(s.last));
    w.end_object();
}

void write_client(JsonWriter& w, const ClientReport& c) {
    w.begin_object();
    w.field("address", std::string_view(c.address));
    w.string_array("names", c.names);
    w.string_array("helos", c.helos);
    w.string_array("logins", c.logins);
    w.string_array("hosts", c.hosts);
    w.field("sessions", c.sessions);
    w.field("sessions_503", c.sessions_503);
    w.field("sessions_flagged", c.sessions_flagged);
    w.field("sessions_rejected", c.sessions_rejected);
    w.field("sessions_pipelining", c.sessions_pipelining);
    w.field("sessions_milter_only", c.sessions_milter_only);
    w.field("sessions_no_rcpt_data_unlogged", c.sessions_no_rcpt_data_unlogged);
    w.field("sessions_rcpt_refused_no_data", c.sessions_rcpt_refused_no_data);
    w.field("sessions_refused_after_data", c.sessions_refused_after_data);
    w.field("sessions_data_refused_with_rcpts", c.sessions_data_refused_with_rcpts);
    w.key("first_seen");
    if (c.sessions > 0) {
        w.time(c.first_seen);
    } else {
        w.null();
    }
    w.key("last_seen");
    if (c.sessions > 0) {
        w.time(c.last_seen);
    } else {
        w.null();
    }
    const CauseReport* top = top_cause(c);
    w.key("cause");
    if (top) {
        w.string(cause_slot_name(top->slot));
    } else {
        w.null();
    }
    w.key("fix");
    if (top) {
        w.string(fix_name(*top));
    } else {
        w.null();
    }
    w.key("findings");
    w.begin_object();
    for (const auto& [kind, count] : c.findings)
        w.field(policy::finding_name(kind), count);
    w.end_object();
    w.key("causes");
    w.begin_array();
    for (const auto& cause : c.causes)
        write_cause(w, cause);
    w.end_array();
    w.key("pipelining");
    if (c.pipelining) {
        write_evidence(w, *c.pipelining);
    } else {
        w.null();
    }
    w.key("milter_summary");
    if (c.milter_summary) {
        write_summary(w, *c.milter_summary);
    } else {
        w.null();
    }
    w.field("kind", kind_name(c.kind));
    w.key("kind_rule");
    w.optional_string(c.kind_rule);
    w.end_object();
}

void write_step(JsonWriter& w, const SessionStep& step) {
    w.begin_object();
    w.key("time");
    w.time(step.time);
    w.field("step", step.what);
    w.field("refused", step.refused);
    w.field("text", std::string_view(step.text));
    w.key("sender");
    w.optional_string(step.sender);
    w.key("recipient");
    w.optional_string(step.recipient);
    w.key("login");
    w.optional_string(step.login);
    w.end_object();
}

void write_traced(JsonWriter& w, const TracedSession& t) {
    w.begin_object();
    w.key("start");
    w.time(t.start);
    w.key("end");
    w.time(t.end);
    w.field("ended", t.ended);
    w.key("host");
    w.optional_string(t.host);
    w.field("mta", t.mta);
    w.field("address", std::string_view(t.client_addr));
    w.key("name");
    w.optional_string(t.client_name);
    w.key("port");
    w.optional_string(t.client_port);
    w.key("helo");
    w.optional_string(t.helo);
    w.key("login");
    w.optional_string(t.login);
    w.field("outcome", outcome_name(t.outcome));
    w.key("cause");
    if (t.cause) {
        w.string(policy::cause_name(*t.cause));
    } else {
        w.null();
    }
    w.key("fix");
    if (t.cause) {
        w.string(policy::actor_name(t.fix));
    } else {
        w.null();
    }
    w.key("advice");
    w.optional_string(t.advice);
    w.key("steps");
    w.begin_array();
    for (const auto& step : t.steps)
        write_step(w, step);
    w.end_array();
    w.field("steps_omitted", t.steps_omitted);
    w.end_object();
}

void write_trace(JsonWriter& w, const UserTraceReport& trace) {
    w.begin_object();
    w.field("user", std::string_view(trace.user));
    w.field("sessions_total", trace.sessions.size() + trace.earlier);
    w.field("sessions_not_shown", trace.earlier);
    w.key("sessions");
    w.begin_array();
    for (const auto& session : trace.sessions)
        write_traced(w, session);
    w.end_array();
    w.end_object();
}

}  // namespace

void render_json(const Report& report, const OutputSink& sink) {
    JsonWriter w(sink);
    w.begin_object();
    w.field("schema", report_schema);
    w.key("period");
    if (report.has_period) {
        w.begin_object();
        w.key("first");
        w.time(report.first);
        w.key("last");
        w.time(report.last);
        w.end_object();
    } else {
        w.null();
    }

    w.key("filters");
    w.begin_object();
    w.key("since");
    if (report.filters.since) {
        w.time(*report.filters.since);
    } else {
        w.null();
    }
    w.key("until");
    if (report.filters.until) {
        w.time(*report.filters.until);
    } else {
        w.null();
    }
    w.key("client");
    if (report.filters.client) {
        w.string(*report.filters.client);
    } else {
        w.null();
    }
    w.field("top", report.filters.top);
    w.key("kind");
    if (report.filters.kind) {
        w.string(kind_name(*report.filters.kind));
    } else {
        w.null();
    }
    w.key("user");
    if (report.filters.user) {
        w.string(*report.filters.user);
    } else {
        w.null();
    }
    w.end_object();

    const Totals& t = report.totals;
    w.key("totals");
    w.begin_object();
    w.field("clients_seen", t.clients_seen);
    w.field("clients_reported", t.clients_reported);
    w.field("sessions", t.sessions);
    w.field("sessions_503", t.sessions_503);
    w.field("sessions_flagged", t.sessions_flagged);
    w.field("sessions_pipelining", t.sessions_pipelining);
    w.field("sessions_no_rcpt_data_unlogged", t.sessions_no_rcpt_data_unlogged);
    w.field("sessions_rcpt_refused_no_data", t.sessions_rcpt_refused_no_data);
    w.field("sessions_refused_after_data", t.sessions_refused_after_data);
    w.field("sessions_data_refused_with_rcpts", t.sessions_data_refused_with_rcpts);
    w.field("clients_user", t.clients_by_kind[static_cast<size_t>(ClientKind::user)]);
    w.field("clients_stranger", t.clients_by_kind[static_cast<size_t>(ClientKind::stranger)]);
    w.field("clients_unknown", t.clients_by_kind[static_cast<size_t>(ClientKind::unknown)]);
    w.end_object();

    w.key("clients");
    w.begin_array();
    for (size_t i = 0; i < report.client_count(); ++i) {
        write_client(w, report.client(i));
        w.drain();
    }
    w.end_array();

    w.key("hourly");
    w.begin_array();
    for (const auto& bucket : report.hourly) {
        w.begin_object();
        w.key("hour");
        w.time(bucket.hour);
        unsigned long total = 0;
        for (const auto count : bucket.counts)
            total += count;
        w.field("total", total);
        w.key("causes");
        w.begin_object();
        for (size_t slot = 0; slot < cause_slots; ++slot) {
            if (bucket.counts[slot] > 0)
                w.field(cause_slot_name(slot), bucket.counts[slot]);
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();

    const InputReport& in = report.input;
    w.key("input");
    w.begin_object();
    w.key("files");
    w.begin_array();
    for (const auto& file : in.files) {
        w.begin_object();
        w.field("name", std::string_view(file.name));
        w.field("compressed", file.compressed);
        w.field("lines", file.lines);
        w.key("error");
        w.optional_string(file.error);
        w.end_object();
    }
    w.end_array();
    w.field("lines", in.lines);
    w.field("used", in.used);
    w.field("ignored", in.ignored);
    w.field("malformed", in.malformed);
    w.field("outside_period", in.outside_period);
    w.field("overlong", in.overlong);
    w.end_object();

    w.key("join");
    w.begin_object();
    w.field("sessions", report.join.sessions);
    w.field("expired", report.join.expired);
    w.field("evicted", report.join.evicted);
    w.field("findings_joined", report.join.findings_joined);
    w.field("findings_standalone", report.join.findings_standalone);
    w.end_object();

    w.key("alerts");
    w.begin_array();
    for (const ServerAlert& a : report.alerts) {
        w.begin_object();
        w.field("subject", std::string_view(a.subject));
        w.field("fix", std::string_view("admin"));
        w.field("source", std::string_view(a.source));
        w.field("events", a.events);
        w.field("clients", a.clients);
        w.key("first");
        w.time(a.first);
        w.key("last");
        w.time(a.last);
        w.field("example_client", std::string_view(a.example_client));
        w.field("detail", std::string_view(a.detail));
        w.field("advice", std::string_view(a.advice));
        w.end_object();
    }
    w.end_array();

    w.key("user_trace");
    if (report.user_trace) {
        write_trace(w, *report.user_trace);
    } else {
        w.null();
    }

    w.end_object();
    w.finish();
}

std::string render_json(const Report& report) {
    return render_to_string([&](const OutputSink& sink) { render_json(report, sink); });
}

}  // namespace milter503::report
