// NAME
//	client_table 3h
// SUMMARY
//	bounded per-client statistics, log rate limit and summary lines
// SYNOPSIS
//	#include "policy/client_table.hpp"
// DESCRIPTION
//	One entry per client address: sessions, transactions, findings by
//	kind and cause, the number of finding lines suppressed by the rate
//	limit, first and last time seen. At most `max_clients` entries: the
//	least recently seen is evicted. Thread-safe; callers pass the time.
//
//	The summary line (one per client):
//	`summary: client=ADDR sessions=N transactions=N findings=NAME:N,...
//	 cause=TOP_CAUSE suppressed=N first=ISO8601 last=ISO8601 advice="..."`
//	findings= and cause= are `-` when the client had none.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "policy/finding.hpp"
#include "policy/session.hpp"

namespace milter503::policy {

using Clock = std::chrono::system_clock;

struct ClientSummary {
    std::string client_addr;
    unsigned long sessions = 0;
    unsigned long transactions = 0;
    std::map<FindingKind, unsigned long> findings;
    std::map<Cause, unsigned long> causes;
    unsigned long suppressed = 0;
    Clock::time_point first{};
    Clock::time_point last{};
};

// "2026-11-25T04:31:14Z" (UTC, seconds).
std::string format_iso8601(Clock::time_point when);
std::optional<Clock::time_point> parse_iso8601(std::string_view text);

// The cause with the highest count; ties go to the earlier in all_causes.
std::optional<Cause> top_cause(const ClientSummary& summary);

std::string format_summary(const ClientSummary& summary);
// `line` starts at "summary:". nullopt when not a summary line.
std::optional<ClientSummary> parse_summary(std::string_view line);

class ClientTable : public SenderHistory {
  public:
    ClientTable(size_t max_clients, unsigned findings_per_minute);

    // New limits apply from the next call; excess entries are evicted.
    void set_limits(size_t max_clients, unsigned findings_per_minute);

    void record_session(std::string_view client_addr, Clock::time_point now);
    void record_transactions(std::string_view client_addr, unsigned count, Clock::time_point now);
    // Counts the finding. True when its line may be written, false when it
    // is over the per-client per-minute limit (then counted as suppressed).
    bool record_finding(const Finding& finding, Clock::time_point now);

    std::vector<ClientSummary> snapshot() const;  // most recently seen first
    size_t size() const;

    bool was_trusted(std::string_view sender) const override;
    void remember_trusted(std::string_view sender) override;

  private:
    // Up to 100000 of these live at once: counters in fixed arrays (a
    // ClientSummary's maps cost several hundred bytes more per client).
    struct Entry {
        unsigned long sessions = 0;
        unsigned long transactions = 0;
        unsigned long suppressed = 0;
        std::array<uint32_t, finding_kind_count> findings{};
        std::array<uint32_t, cause_count> causes{};
        Clock::time_point first{};
        Clock::time_point last{};
        Clock::time_point window_start{};
        unsigned window_count = 0;
        std::list<const std::string*>::iterator lru_position;
    };

    Entry& touch(std::string_view client_addr, Clock::time_point now);
    static ClientSummary summary_of(const std::string& client_addr, const Entry& entry);
    void evict_over_limit();

    mutable std::mutex mutex_;
    size_t max_clients_;
    unsigned findings_per_minute_;
    std::unordered_map<std::string, Entry> entries_;
    // Keys of entries_ (node-based, so the pointers stay valid), front:
    // most recent.
    std::list<const std::string*> lru_;
    std::list<std::string> trusted_lru_;
    std::unordered_map<std::string, std::list<std::string>::iterator> trusted_senders_;
};

}  // namespace milter503::policy
