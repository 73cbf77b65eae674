// NAME
//	client_kind 3
// SUMMARY
//	the rules table of user, stranger, unknown
// DESCRIPTION
//	See client_kind.hpp. Each rule's test reads only the client's report,
//	its KindSignals and the KindBook; the order of the table is the order
//	of precedence: proofs of a user first (a login, the milter's word),
//	then signs of a stranger, then the weaker sign of a user.
#include "report/client_kind.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "policy/network.hpp"
#include "policy/text.hpp"
#include "report/report_model.hpp"

namespace milter503::report {
namespace {

bool has_login(const KindInput& in) {
    return !in.logins.empty();
}

bool left_trusted_network(const KindInput& in) {
    return in.left_trusted_network;
}

bool has_many_senders(const KindInput& in) {
    return in.signals.senders() >= many_senders;
}

bool address_helo(const KindInput& in) {
    return std::any_of(in.helos.begin(), in.helos.end(), [](std::string_view h) {
        return helo_is_address(h, false, false) || helo_is_address(h, true, true);
    });
}

bool mailbox_sender(const KindInput& in) {
    for (size_t i = 0; i < in.signals.senders(); ++i) {
        if (in.book.is_mailbox(in.signals.sender_hashes[i]))
            return true;
    }
    return false;
}

}  // namespace

std::string_view kind_name(ClientKind kind) {
    switch (kind) {
        case ClientKind::user:
            return "user";
        case ClientKind::stranger:
            return "stranger";
        case ClientKind::unknown:
            return "unknown";
    }
    return "unknown";
}

std::optional<ClientKind> parse_kind(std::string_view text) {
    for (const ClientKind kind : {ClientKind::user, ClientKind::stranger, ClientKind::unknown}) {
        if (text == kind_name(kind))
            return kind;
    }
    return std::nullopt;
}

// FNV-1a over the lower-cased bytes: no copy per session. Never 0, which
// marks a free place in KindSignals (1 instead: the mailboxes' hashes are
// made here too, so the two still meet).
std::uint64_t address_hash(std::string_view address) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : address) {
        hash ^= static_cast<unsigned char>(text::to_lower(c));
        hash *= 1099511628211ULL;
    }
    return hash == 0 ? 1 : hash;
}

void KindSignals::add_sender(std::string_view sender) {
    const size_t held = senders();
    if (sender.empty() || held >= many_senders)
        return;
    const std::uint64_t hash = address_hash(sender);
    if (has_sender(hash))
        return;
    sender_hashes[held] = hash;
}

bool KindSignals::has_sender(std::uint64_t hash) const {
    const auto end = sender_hashes.begin() + static_cast<std::ptrdiff_t>(senders());
    return std::find(sender_hashes.begin(), end, hash) != end;
}

size_t KindSignals::senders() const {
    return static_cast<size_t>(std::find(sender_hashes.begin(), sender_hashes.end(), 0) -
                               sender_hashes.begin());
}

const std::vector<KindRule>& kind_rules() {
    // clang-format off
    static const std::vector<KindRule> rules = {
        {"logged-in", ClientKind::user,
         "a SASL login from the address (Postfix sasl_username=, Sendmail authid=, the milter's auth=)",
         "only someone who holds a mailbox's password can log in",
         has_login},
        {"left-trusted-network", ClientKind::user,
         "a session whose cause is left-trusted-network (a milter finding)",
         "the milter knew the sender as a user who sent from a trusted network before",
         left_trusted_network},
        {"many-senders", ClientKind::stranger,
         "5 or more distinct envelope senders in its refused or flagged sessions",
         "a person's mail client sends as one or two addresses; spam software rotates them",
         has_many_senders},
        {"address-helo", ClientKind::stranger,
         "a HELO that is a bare IP address, or a bracketed literal of a public address",
         "mail clients send their host name or their private address ([192.168.1.2], [127.0.0.1]); spam software sends the public one",
         address_helo},
        {"mailbox-sender", ClientKind::user,
         "an envelope sender that logged in on this server (from any client) in the same log",
         "the sender is one of the server's own mailboxes (the log names them only by their logins)",
         mailbox_sender},
    };
    // clang-format on
    return rules;
}

void KindBook::note_session(const MtaSession& session) {
    if (!session.login.empty() && mailboxes_.size() < max_mailboxes)
        mailboxes_.insert(address_hash(session.login));
    for (const auto& [time, finding] : session.findings) {
        if (!finding.auth_login.empty() && mailboxes_.size() < max_mailboxes)
            mailboxes_.insert(address_hash(finding.auth_login));
    }
}

void KindBook::observe(KindSignals& signals, const MtaSession& session) {
    for (const RejectLine& line : session.rejects)
        signals.add_sender(line.sender);
    for (const auto& [time, finding] : session.findings)
        signals.add_sender(finding.sender);
}

bool KindBook::is_mailbox(std::uint64_t sender_hash) const {
    return mailboxes_.count(sender_hash) > 0;
}

const KindRule* KindBook::classify(const KindInput& input) {
    for (const KindRule& rule : kind_rules()) {
        if (rule.holds(input))
            return &rule;
    }
    return nullptr;
}

bool helo_is_address(std::string_view helo, bool bracketed, bool public_only) {
    if (bracketed) {
        if (helo.size() < 3 || helo.front() != '[' || helo.back() != ']')
            return false;
        helo = helo.substr(1, helo.size() - 2);
    } else if (helo.find('[') != std::string_view::npos) {
        return false;  // parse_ip() would take the brackets off
    }
    const auto address = policy::parse_ip(helo);
    if (!address)
        return false;
    return !public_only || !policy::non_public_networks().contains(*address);
}

std::string source_network(std::string_view address) {
    const auto ip = policy::parse_ip(address);
    if (!ip)
        return std::string(address);
    const auto& b = ip->bytes;
    if (!ip->v6)
        return fmt::format("{}.{}.{}.0/24", b[0], b[1], b[2]);
    return fmt::format("{:x}:{:x}:{:x}::/48", b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5]);
}

StrangerSummary summarise_strangers(const Report& report, size_t top) {
    StrangerSummary summary;
    std::map<size_t, unsigned long> causes;
    std::map<std::string, unsigned long> sources;
    for (size_t i = 0; i < report.client_count(); ++i) {
        if (report.client_kind(i) != ClientKind::stranger)
            continue;
        const ClientReport& c = report.head(i);
        ++summary.clients;
        summary.sessions += c.sessions;
        summary.sessions_503 += c.sessions_503;
        for (const CauseReport& cause : c.causes)
            causes[cause.slot] += cause.sessions;
        ++sources[source_network(c.address)];
    }
    const auto most_first = [](const auto& a, const auto& b) { return a.second > b.second; };
    summary.causes.assign(causes.begin(), causes.end());
    std::stable_sort(summary.causes.begin(), summary.causes.end(), most_first);
    if (summary.causes.size() > top)
        summary.causes.resize(top);
    summary.sources.assign(sources.begin(), sources.end());
    std::stable_sort(summary.sources.begin(), summary.sources.end(), most_first);
    if (summary.sources.size() > top)
        summary.sources.resize(top);
    return summary;
}

}  // namespace milter503::report
