// NAME
//	client_kind 3h
// SUMMARY
//	is a client one of the server's own users or a stranger: one rules table
// SYNOPSIS
//	#include "report/client_kind.hpp"
// DESCRIPTION
//	Every reported client gets a kind, `user`, `stranger` or `unknown`,
//	from the first row of kind_rules() whose test holds for it (no row:
//	unknown). A row names the signal it reads and why that signal says
//	what it says; report/README.md and milter503-report(1) list every row
//	(tests/unit/report/client_kind_test.cpp fails when they miss one).
//
//	The signals are what the log shows of the client's sessions:
//	  logins      SASL logins from the address (ClientReport::logins:
//	              Postfix sasl_username=, Sendmail authid=, the
//	              milter's auth=), from any of its sessions
//	  causes      the causes of its refused or flagged sessions
//	  helos       the HELO names it gave (ClientReport::helos)
//	  senders     the distinct envelope senders of its reject lines and
//	              findings (KindSignals: at most many_senders kept, as
//	              hashes)
//	  mailboxes   the SASL logins seen anywhere in the log, from any
//	              client (KindBook): the server's own mailboxes as far as
//	              the log names them
//
//	KindBook holds what spans clients (the mailboxes, bounded) and is fed
//	every session; KindSignals is the per-client part, fed the sessions
//	that are kept in detail. classify() runs once per reported client, at
//	the end.
//
//	summarise_strangers() is the one block the text and HTML reports
//	print for all strangers: count, sessions, top causes, top networks
//	(/24 for IPv4, /48 for IPv6).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "report/mta_session.hpp"

namespace milter503::report {

struct ClientReport;

enum class ClientKind { user, stranger, unknown };

// "user", "stranger", "unknown".
std::string_view kind_name(ClientKind kind);
// The inverse of kind_name(); nullopt for another text.
std::optional<ClientKind> parse_kind(std::string_view text);

// Distinct envelope senders at which a client counts as many-senders.
inline constexpr size_t many_senders = 5;

// The per-client signals that ClientReport does not already hold.
// 40 bytes, one per client of interest: no count is kept, a hash of 0
// ends the list (address_hash() gives none).
struct KindSignals {
    std::array<std::uint64_t, many_senders> sender_hashes{};  // lower-cased, distinct

    void add_sender(std::string_view sender);
    bool has_sender(std::uint64_t hash) const;
    size_t senders() const;  // up to many_senders
};

class KindBook;

// What classify() reads.
// What the rules read of one client.
struct KindInput {
    std::span<const std::string_view> logins;  // successful logins from it
    std::span<const std::string_view> helos;
    bool left_trusted_network = false;  // the milter's finding of that name
    const KindSignals& signals;
    const KindBook& book;
};

struct KindRule {
    std::string_view name;  // "logged-in", ... (JSON kind_rule)
    ClientKind kind;
    std::string_view signal;  // what it reads, one line
    std::string_view why;     // why that says user or stranger, one line
    bool (*holds)(const KindInput& input);
};

// The rules, in order: the first that holds decides.
const std::vector<KindRule>& kind_rules();

class KindBook {
  public:
    static constexpr size_t max_mailboxes = 100000;

    // Every session (before any client filter): notes its login.
    void note_session(const MtaSession& session);
    // A session kept in detail for its client: its senders.
    static void observe(KindSignals& signals, const MtaSession& session);
    // A login seen anywhere in the log (lower-cased).
    bool is_mailbox(std::uint64_t sender_hash) const;

    // The row of kind_rules() that decides the client's kind (null: none
    // holds, ClientKind::unknown).
    static const KindRule* classify(const KindInput& input);

  private:
    std::unordered_set<std::uint64_t> mailboxes_;
};

// The hash KindSignals and KindBook compare: of the lower-cased address.
std::uint64_t address_hash(std::string_view address);

// A HELO argument that is an IP address: `[192.0.2.1]`, `[IPv6:2001:db8::1]`
// (bracketed) or a bare address. `public_only`: only addresses outside
// the private, loopback, link-local and shared (CGN) ranges.
bool helo_is_address(std::string_view helo, bool bracketed, bool public_only);

// The network a client address is counted under in the strangers block:
// `198.51.100.0/24`, `2001:db8:1::/48`, else the address itself.
std::string source_network(std::string_view address);

struct StrangerSummary {
    unsigned long clients = 0;
    unsigned long sessions = 0;
    unsigned long sessions_503 = 0;
    std::vector<std::pair<size_t, unsigned long>> causes;        // slot, sessions; most first
    std::vector<std::pair<std::string, unsigned long>> sources;  // network, clients; most first
};

struct Report;

// At most `top` causes and sources.
StrangerSummary summarise_strangers(const Report& report, size_t top = 5);

}  // namespace milter503::report
