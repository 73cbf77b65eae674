// NAME
//	aggregate 3h
// SUMMARY
//	per-client totals, causes with evidence, and 503s per hour
// SYNOPSIS
//	#include "report/aggregate.hpp"
// DESCRIPTION
//	Aggregator is the JoinSink: each finished session is folded into its
//	client's entry and then dropped. A client costs a few counters; the
//	names, logins, causes and evidence are kept only for clients that had
//	a session of interest (an outcome, a finding, improper pipelining) or
//	a reject line, or a milter summary, each list bounded, their texts
//	in a StringPool (each distinct text once, as a 32-bit id), packed
//	between the client's sessions (client_record.hpp: about 48 bytes for
//	a client of one session) and held whole once it has had a few. Local
//	submissions (no SMTP client) are not clients. A client whose sessions
//	all had nothing to report, no login and an IPv4 address (most of a
//	public MX's: one session, dropped by postscreen or sending nothing)
//	costs a 16-byte slot of a flat table (QuietClients) until a session
//	of interest gives it an entry.
//
//	The cause of a session is the one the milter found (its
//	no-accepted-rcpt finding first; not rejected-unreported, the milter
//	not knowing, when the MTA logged the refusal), else policy::classify_rejection() of
//	the first reject line the MTA logged (a refusal at CONNECT, HELO or
//	MAIL whose text names no cause: refused-at-connect/-helo/-mail), else
//	for improper pipelining `tls-on-plaintext-port` when the client sent
//	a TLS handshake, `improper-pipelining` otherwise, else `tls-required`
//	when the counters show MAIL refused after a good greeting, no STARTTLS
//	and nothing logged (inferred), else `too-many-errors` when the MTA hung
//	up for that, else `no-recipient-sent` when its counters show MAIL and
//	no RCPT, else "unknown". A cause that a login fixes (relay-denied,
//	sender-not-logged-in, ...) becomes `auth-failed` when the session's
//	AUTH failed. The advice is the milter's sentence for that cause when
//	a finding carried one, else policy::cause_advice().
//
//	build() sorts the reported clients by 503 count, then flagged count,
//	then the other sessions of interest, then sessions, then address, and
//	keeps the first `top` (0: all). A client is reported when it had a
//	session of interest (or its milter summary counts findings); with a
//	client filter only that address is aggregated at all.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "report/client_kind.hpp"
#include "report/client_record.hpp"
#include "report/joiner.hpp"
#include "report/report_model.hpp"
#include "report/string_pool.hpp"

namespace milter503::report {

// The cause of one session as described above.
std::optional<policy::Cause> session_cause(const MtaSession& session);

class Aggregator : public JoinSink {
  public:
    explicit Aggregator(std::optional<std::string> client_filter = std::nullopt);
    ~Aggregator() override;

    void on_session(MtaSession&& session) override;
    void on_summary(std::string_view host, UnixTime time, policy::ClientSummary&& summary) override;

    // Fills clients, hourly and totals of a Report. Call once, at the
    // end. `on_demand`: the clients are not made here but as the renderer
    // reads them (Report::client_source), one at a time; this Aggregator
    // must then outlive the report.
    void build(size_t top, Report& report, bool on_demand = false);

  private:
    // Counts in 32 bits: a client's 4 * 10^9 sessions would take a log of
    // 10^10 lines.
    struct Entry {
        StringPool::Id address = StringPool::empty;
        std::uint32_t sessions = 0;
        std::uint32_t sessions_503 = 0;
        std::uint32_t sessions_flagged = 0;
        std::uint32_t sessions_rejected = 0;
        std::uint32_t sessions_pipelining = 0;
        std::uint32_t sessions_milter_only = 0;
        std::uint32_t sessions_refused_after_data = 0;
        std::uint32_t sessions_rcpt_refused_no_data = 0;
        std::uint32_t sessions_no_rcpt_data_unlogged = 0;
        std::uint32_t sessions_data_refused_with_rcpts = 0;
        UnixTime first_seen = 0;
        UnixTime last_seen = 0;
        DetailSlot detail;  // client_record.hpp
    };

    class QuietClients;

    bool wanted(std::string_view addr) const;
    Entry& entry(std::string_view addr);
    bool has_entry(std::string_view addr) const;
    void count_session(Entry& entry, const MtaSession& session);
    void note_detail(ClientDetail& detail, const MtaSession& session);
    void note_cause(ClientDetail& detail, const MtaSession& session);
    // A client's detail to change, then to put back (see editing_):
    // what edit() returns is valid until the next edit() or read().
    ClientDetail& edit(Entry& entry);
    void put_back(Entry& entry, ClientDetail& detail);
    // A client's detail to read (null: none), valid until the next read().
    const ClientDetail* read(const Entry& entry) const;
    const KindRule* kind_of(const ClientDetail* detail) const;
    bool add_quiet(std::string_view addr, const MtaSession& session);
    void fill_head(const Entry& entry, ClientReport& into) const;
    void fill_head(const Entry& entry, const ClientDetail* detail, ClientReport& into) const;
    void fill_client(const Entry& entry, ClientReport& into) const;

    // One per reported client: the peak of a run on a public MX is in
    // build(), with all of them. The order's keys are copied in, so that
    // sorting reads this vector alone (reading each client's entry and
    // address text was a twelfth of a full report): 32 bytes.
    struct Ranked {
        std::uint64_t refused_flagged;  // sessions_503 << 32 | sessions_flagged
        std::uint64_t address_prefix;   // its first 8 bytes, big-endian, 0-padded
        // other_interest(), at most 2^32 - 1: two counts of 32 bits a
        // session (Entry) overflow before it does.
        std::uint32_t other;
        std::uint32_t sessions;
        std::uint32_t entry;  // index into entries_
        std::uint8_t kind;    // ClientKind
        std::uint8_t rule;    // index into kind_rules(), no_rule: none
    };
    static constexpr std::uint8_t no_rule = 0xff;
    Ranked ranked_client(std::uint32_t index, const KindRule* rule) const;
    class OnDemand;

    std::optional<std::string> client_filter_;
    // The texts kept of clients of interest, each held once, their
    // addresses among them.
    StringPool pool_;
    // The clients not in the quiet table, in the order first seen, and
    // by the pool id of their address: entry_of_[id] - 1 (0: none).
    // Not a map of strings: a map node and its key were a third of a
    // client's cost, and finding it a tenth of a run. A deque, not a
    // vector: no room reserved ahead, no second copy while it grows.
    std::deque<Entry> entries_;
    std::vector<std::uint32_t> entry_of_;
    std::map<UnixTime, std::array<unsigned long, cause_slots>> hourly_;
    KindBook kinds_;  // what the user/stranger rules read across clients
    std::unique_ptr<QuietClients> quiet_;
    // A client's detail is packed between its sessions (10^5 and more
    // clients of one or two sessions each on a public MX) and unpacked
    // into these to be changed or read; one that is changed often (a
    // client of many sessions) or holds a rare part stays whole.
    ClientDetail editing_;
    mutable ClientDetail reading_;
    std::vector<std::uint8_t> packing_;
};

}  // namespace milter503::report
