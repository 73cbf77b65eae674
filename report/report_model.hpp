// NAME
//	report_model 3h
// SUMMARY
//	the finished report that the text, JSON and HTML renderers print
// SYNOPSIS
//	#include "report/report_model.hpp"
// DESCRIPTION
//	A plain value: built once by Aggregator::build() and the Analyzer,
//	then only read. Causes are the policy::Cause values plus one
//	"unknown" slot for refused sessions without any reject line or
//	finding to explain them. All times are UnixTime (UTC).
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cause.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "report/client_kind.hpp"
#include "report/joiner.hpp"
#include "report/mta_session.hpp"
#include "report/timestamp.hpp"
#include "report/user_trace.hpp"

namespace milter503::report {

inline constexpr std::string_view report_schema = "milter503-report/1";

inline constexpr size_t cause_slots = std::size(policy::all_causes) + 1;
inline constexpr size_t unknown_cause_slot = cause_slots - 1;

size_t cause_slot(std::optional<policy::Cause> cause);
// "relay-denied", ..., "unknown"
std::string_view cause_slot_name(size_t slot);

struct Evidence {
    UnixTime time = 0;
    std::string host;
    std::string_view mta = "milter";  // "postfix", "sendmail", "exim", "milter"
    std::string stage;                // "RCPT", "check_rcpt", "finding", ...
    std::string text;                 // the reject reply as logged
    std::string sender;               // may be empty
    std::string recipient;            // may be empty
};

struct CauseReport {
    size_t slot = unknown_cause_slot;
    // Who must act: the milter's fix= when a finding named the cause, else
    // policy::cause_fix(); admin for "unknown" (only the log can tell).
    policy::Actor fix = policy::Actor::admin;
    unsigned long sessions = 0;  // sessions refused or flagged with this cause
    unsigned long sessions_503 = 0;
    unsigned long sessions_flagged = 0;
    UnixTime first = 0;
    UnixTime last = 0;
    std::vector<Evidence> examples;  // the first few distinct texts
    std::optional<Evidence> latest;  // the most recent one
    std::string advice;
};

struct MilterSummary {
    std::string host;
    UnixTime time = 0;  // of the summary line
    policy::ClientSummary summary;
};

struct ClientReport {
    std::string address;
    std::vector<std::string> names;  // reverse names the MTAs logged
    std::vector<std::string> helos;
    std::vector<std::string> logins;  // SASL logins seen from this address
    std::vector<std::string> hosts;   // log hosts (MTAs) it talked to
    unsigned long sessions = 0;
    unsigned long sessions_503 = 0;       // DATA refused, proven by the MTA log
    unsigned long sessions_flagged = 0;   // with a milter finding
    unsigned long sessions_rejected = 0;  // with at least one reject line
    unsigned long sessions_pipelining = 0;
    unsigned long sessions_milter_only = 0;  // findings without MTA lines
    // The other outcomes (mta_session.hpp session_outcome()).
    unsigned long sessions_refused_after_data = 0;
    unsigned long sessions_rcpt_refused_no_data = 0;
    unsigned long sessions_no_rcpt_data_unlogged = 0;
    unsigned long sessions_data_refused_with_rcpts = 0;
    std::map<policy::FindingKind, unsigned long> findings;
    std::vector<CauseReport> causes;  // most sessions first
    UnixTime first_seen = 0;
    UnixTime last_seen = 0;
    std::optional<MilterSummary> milter_summary;  // the latest
    // The first improper pipelining: stage "improper pipelining after CMD",
    // text what the client had sent, as logged.
    std::optional<Evidence> pipelining;
    // One of the server's own users or a stranger (client_kind.hpp), and
    // the rule of kind_rules() that said so (empty: none held).
    ClientKind kind = ClientKind::unknown;
    std::string_view kind_rule;
};

// "user", "admin", "sender" of a cause, as the milter writes fix=.
inline std::string_view fix_name(const CauseReport& cause) {
    return policy::actor_name(cause.fix);
}

// The cause with the most sessions, or nullptr.
inline const CauseReport* top_cause(const ClientReport& client) {
    return client.causes.empty() ? nullptr : &client.causes.front();
}

struct HourBucket {
    UnixTime hour = 0;  // start of the hour
    std::array<unsigned long, cause_slots> counts{};
};

struct Totals {
    unsigned long clients_seen = 0;
    unsigned long clients_reported = 0;  // before --top, after --kind
    // Reported clients by ClientKind (user, stranger, unknown), before
    // --kind and --top.
    std::array<unsigned long, 3> clients_by_kind{};
    unsigned long sessions = 0;
    unsigned long sessions_503 = 0;
    unsigned long sessions_flagged = 0;
    unsigned long sessions_pipelining = 0;
    unsigned long sessions_refused_after_data = 0;
    unsigned long sessions_rcpt_refused_no_data = 0;
    unsigned long sessions_no_rcpt_data_unlogged = 0;
    unsigned long sessions_data_refused_with_rcpts = 0;
};

struct FileReport {
    std::string name;
    bool compressed = false;
    std::uint64_t lines = 0;
    std::string error;  // empty: read to the end
};

struct InputReport {
    std::vector<FileReport> files;
    std::uint64_t lines = 0;
    std::uint64_t used = 0;
    std::uint64_t ignored = 0;
    std::uint64_t malformed = 0;
    std::uint64_t outside_period = 0;
    std::uint64_t overlong = 0;
};

struct Filters {
    std::optional<UnixTime> since;
    std::optional<UnixTime> until;
    std::optional<std::string> client;
    size_t top = 0;                   // 0: all
    std::optional<ClientKind> kind;   // --kind user|stranger (none: all)
    std::optional<std::string> user;  // --user LOGIN-OR-ADDRESS
};

// A problem of the server's, whichever client met it (server_alerts.hpp).
struct ServerAlert {
    std::string subject;        // "server-fault", "nat-gateway", "auth-backend-down", ...
    std::string source;         // "milter" (its alert lines) or "log" (the MTA's)
    unsigned long events = 0;   // alert lines, or failed logins / sessions
    unsigned long clients = 0;  // distinct clients
    UnixTime first = 0;
    UnixTime last = 0;
    std::string example_client;
    std::string detail;  // e.g. the failed login's reason, the domain
    std::string advice;
};

// The clients of a report made one at a time from the aggregator's
// tables, for a report too large to hold whole: 10^5 clients of a public
// MX are hundreds of MB as ClientReports, and a renderer needs one at a
// time. What client() and head() return is valid until the next call of
// either. The tables' owner (the Analyzer) must outlive the source.
class ClientSource {
  public:
    virtual ~ClientSource() = default;
    virtual size_t size() const = 0;
    virtual ClientKind kind(size_t index) const = 0;
    virtual const ClientReport& client(size_t index) const = 0;
    // Only what the client tables and the strangers block read: the
    // address, names, counts, times, kind and its causes' slots, fixes
    // and counts (no evidence, no advice).
    virtual const ClientReport& head(size_t index) const = 0;
};

struct Report {
    bool has_period = false;
    UnixTime first = 0;  // first and last line time used
    UnixTime last = 0;
    Filters filters;
    Totals totals;
    // Sorted, at most filters.top: held here, or made on demand by
    // client_source when it is set (AnalyzerOptions::clients_on_demand).
    // Renderers read them through client_count(), client() and head().
    std::vector<ClientReport> clients;
    std::shared_ptr<const ClientSource> client_source;
    std::vector<HourBucket> hourly;  // hours with at least one 503, ascending
    InputReport input;
    JoinStats join;
    std::optional<UserTraceReport> user_trace;  // --user
    std::vector<ServerAlert> alerts;            // most events first

    size_t client_count() const { return client_source ? client_source->size() : clients.size(); }
    ClientKind client_kind(size_t index) const {
        return client_source ? client_source->kind(index) : clients[index].kind;
    }
    // With a source: valid until the next call of client() or head().
    const ClientReport& client(size_t index) const {
        return client_source ? client_source->client(index) : clients[index];
    }
    const ClientReport& head(size_t index) const {
        return client_source ? client_source->head(index) : clients[index];
    }
};

// The text and HTML reports sum up the strangers in one block
// (summarise_strangers()), unless --kind stranger or --client asked for
// them; every other client is listed on its own.
inline bool strangers_summed_up(const Report& report) {
    return report.filters.kind != ClientKind::stranger && !report.filters.client.has_value();
}

inline bool listed_alone(const Report& report, ClientKind kind) {
    return kind != ClientKind::stranger || !strangers_summed_up(report);
}

// The clients the text and HTML reports list on their own, as indexes
// into report.clients: users first, then unknown, then (when listed)
// strangers, each in the report's order.
inline std::vector<size_t> listing_order(const Report& report) {
    std::vector<size_t> order;
    for (const ClientKind kind : {ClientKind::user, ClientKind::unknown, ClientKind::stranger}) {
        for (size_t i = 0; i < report.client_count(); ++i) {
            if (report.client_kind(i) == kind && listed_alone(report, kind))
                order.push_back(i);
        }
    }
    return order;
}

}  // namespace milter503::report
