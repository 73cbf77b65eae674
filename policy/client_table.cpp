// NAME
//	client_table 3
// SUMMARY
//	per-client counters, the finding rate limit and the summary line
// DESCRIPTION
//	Memory is bounded twice by max_clients: the client entries and the
//	remembered trusted senders each keep at most that many, dropping the
//	least recently used. A bound of 0 is taken as 1, so the entry being
//	counted always exists.
//
//	Rate limit: a client's window opens with its first finding and lasts
//	60 seconds; within it at most findings_per_minute lines may be
//	written, the rest are counted as suppressed. The next finding after
//	the window (or one dated before it: the clock was set back) opens a
//	new window. findings_per_minute = 0 means no limit, like the other
//	"0 = off" settings of milter503.conf.
//
//	A summary line carries only the top cause, not every cause count, so
//	parse_summary() gives that cause the client's total finding count.
#include "policy/client_table.hpp"

#include "policy/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "policy/address.hpp"
#include "policy/log_format.hpp"

namespace milter503::policy {
namespace {

namespace key = logfmt::key;
using std::chrono::days;
using std::chrono::seconds;

constexpr auto rate_window = std::chrono::seconds(60);

size_t bound(size_t max_clients) {
    return std::max<size_t>(max_clients, 1);
}

std::optional<unsigned long> parse_number(std::string_view text) {
    unsigned long value = 0;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end)
        return std::nullopt;
    return value;
}

// Fixed-width digits at text[pos..pos+width).
std::optional<int> digits(std::string_view text, size_t pos, size_t width) {
    int value = 0;
    for (size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

std::string format_findings(const ClientSummary& summary) {
    std::string out;
    for (const auto& [kind, count] : summary.findings) {
        if (count == 0)
            continue;
        if (!out.empty())
            out += ',';
        out += finding_name(kind);
        out += ':';
        out += std::to_string(count);
    }
    return out.empty() ? std::string(logfmt::none) : out;
}

std::optional<std::map<FindingKind, unsigned long>> parse_findings(std::string_view text) {
    std::map<FindingKind, unsigned long> findings;
    if (text == logfmt::none)
        return findings;
    while (true) {
        const size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        const size_t colon = item.find(':');
        if (colon == std::string_view::npos)
            return std::nullopt;
        const auto kind = finding_from_name(item.substr(0, colon));
        const auto count = parse_number(item.substr(colon + 1));
        if (!kind || !count)
            return std::nullopt;
        findings[*kind] += *count;
        if (comma == std::string_view::npos)
            return findings;
        text.remove_prefix(comma + 1);
    }
}

struct SummaryFields {
    const std::string* client = nullptr;
    const std::string* sessions = nullptr;
    const std::string* transactions = nullptr;
    const std::string* findings = nullptr;
    const std::string* cause = nullptr;
    const std::string* suppressed = nullptr;
    const std::string* first = nullptr;
    const std::string* last = nullptr;

    explicit SummaryFields(const logfmt::Fields& fields)
        : client(logfmt::find_field(fields, key::client)),
          sessions(logfmt::find_field(fields, key::sessions)),
          transactions(logfmt::find_field(fields, key::transactions)),
          findings(logfmt::find_field(fields, key::findings)),
          cause(logfmt::find_field(fields, key::cause)),
          suppressed(logfmt::find_field(fields, key::suppressed)),
          first(logfmt::find_field(fields, key::first)),
          last(logfmt::find_field(fields, key::last)) {}

    bool complete() const {
        return client && sessions && transactions && findings && cause && suppressed && first &&
               last;
    }
};

std::optional<ClientSummary> read_summary(const SummaryFields& in) {
    ClientSummary out;
    out.client_addr = *in.client;
    const auto sessions = parse_number(*in.sessions);
    const auto transactions = parse_number(*in.transactions);
    const auto suppressed = parse_number(*in.suppressed);
    const auto findings = parse_findings(*in.findings);
    const auto first = parse_iso8601(*in.first);
    const auto last = parse_iso8601(*in.last);
    if (!sessions || !transactions || !suppressed || !findings || !first || !last) {
        return std::nullopt;
    }
    out.sessions = *sessions;
    out.transactions = *transactions;
    out.suppressed = *suppressed;
    out.findings = *findings;
    out.first = *first;
    out.last = *last;
    if (*in.cause == logfmt::none)
        return out;
    const auto cause = cause_from_name(*in.cause);
    if (!cause)
        return std::nullopt;
    unsigned long total = 0;
    for (const auto& [kind, count] : out.findings)
        total += count;
    out.causes[*cause] = std::max<unsigned long>(total, 1);
    return out;
}

}  // namespace

std::string format_iso8601(Clock::time_point when) {
    const auto secs = std::chrono::floor<seconds>(when);
    const auto day = std::chrono::floor<days>(secs);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{secs - day};
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buffer;
}

std::optional<Clock::time_point> parse_iso8601(std::string_view text) {
    if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z') {
        return std::nullopt;
    }
    const auto y = digits(text, 0, 4);
    const auto mo = digits(text, 5, 2);
    const auto d = digits(text, 8, 2);
    const auto h = digits(text, 11, 2);
    const auto mi = digits(text, 14, 2);
    const auto s = digits(text, 17, 2);
    // system_clock counts nanoseconds in 64 bits: years outside about
    // 1678-2262 overflow it (found by tests/fuzz/fuzz_text.cpp under UBSan).
    if (!y || !mo || !d || !h || !mi || !s || *y < 1970 || *y > 2200 || *h > 23 || *mi > 59 ||
        *s > 59)
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{*y},
                                           std::chrono::month{static_cast<unsigned>(*mo)},
                                           std::chrono::day{static_cast<unsigned>(*d)}};
    if (!date.ok())
        return std::nullopt;
    return Clock::time_point(std::chrono::sys_days{date} + std::chrono::hours{*h} +
                             std::chrono::minutes{*mi} + seconds{*s});
}

std::optional<Cause> top_cause(const ClientSummary& summary) {
    std::optional<Cause> top;
    unsigned long best = 0;
    for (size_t i = 0; i < cause_count; ++i) {
        const auto cause = static_cast<Cause>(i);
        const auto found = summary.causes.find(cause);
        if (found != summary.causes.end() && found->second > best) {
            top = cause;
            best = found->second;
        }
    }
    return top;
}

std::string format_summary(const ClientSummary& summary) {
    const auto top = top_cause(summary);
    std::string out(logfmt::summary_prefix);
    out += ':';
    logfmt::append_field(out, key::client, summary.client_addr);
    logfmt::append_field(out, key::sessions, std::to_string(summary.sessions));
    logfmt::append_field(out, key::transactions, std::to_string(summary.transactions));
    logfmt::append_field(out, key::findings, format_findings(summary));
    logfmt::append_field(out, key::cause, top ? cause_name(*top) : logfmt::none);
    logfmt::append_field(out, key::suppressed, std::to_string(summary.suppressed));
    logfmt::append_field(out, key::first, format_iso8601(summary.first));
    logfmt::append_field(out, key::last, format_iso8601(summary.last));
    logfmt::append_field(out, key::advice, top ? cause_advice(*top) : logfmt::none);
    return out;
}

std::optional<ClientSummary> parse_summary(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    if (!line.starts_with(logfmt::summary_prefix))
        return std::nullopt;
    line.remove_prefix(logfmt::summary_prefix.size());
    if (!line.starts_with(": "))
        return std::nullopt;
    const auto fields = logfmt::parse_fields(line.substr(2));
    if (!fields)
        return std::nullopt;
    const SummaryFields found(*fields);
    if (!found.complete())
        return std::nullopt;
    return read_summary(found);
}

ClientTable::ClientTable(size_t max_clients, unsigned findings_per_minute)
    : max_clients_(max_clients), findings_per_minute_(findings_per_minute) {}

void ClientTable::set_limits(size_t max_clients, unsigned findings_per_minute) {
    std::lock_guard lock(mutex_);
    max_clients_ = max_clients;
    findings_per_minute_ = findings_per_minute;
    evict_over_limit();
}

void ClientTable::record_session(std::string_view client_addr, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    ++touch(client_addr, now).sessions;
}

void ClientTable::record_transactions(std::string_view client_addr, unsigned count,
                                      Clock::time_point now) {
    std::lock_guard lock(mutex_);
    touch(client_addr, now).transactions += count;
}

bool ClientTable::record_finding(const Finding& finding, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    Entry& entry = touch(finding.client_addr, now);
    ++entry.findings.at(static_cast<size_t>(finding.kind));
    ++entry.causes.at(static_cast<size_t>(finding.cause));
    if (findings_per_minute_ == 0)
        return true;
    if (entry.window_count == 0 || now < entry.window_start ||
        now - entry.window_start >= rate_window) {
        entry.window_start = now;
        entry.window_count = 0;
    }
    if (entry.window_count < findings_per_minute_) {
        ++entry.window_count;
        return true;
    }
    ++entry.suppressed;
    return false;
}

std::vector<ClientSummary> ClientTable::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<ClientSummary> out;
    out.reserve(lru_.size());
    for (const std::string* addr : lru_)
        out.push_back(summary_of(*addr, entries_.at(*addr)));
    return out;
}

ClientSummary ClientTable::summary_of(const std::string& client_addr, const Entry& entry) {
    ClientSummary out;
    out.client_addr = client_addr;
    out.sessions = entry.sessions;
    out.transactions = entry.transactions;
    out.suppressed = entry.suppressed;
    out.first = entry.first;
    out.last = entry.last;
    for (size_t i = 0; i < finding_kind_count; ++i) {
        if (const auto count = entry.findings.at(i); count != 0)
            out.findings[static_cast<FindingKind>(i)] = count;
    }
    for (size_t i = 0; i < cause_count; ++i) {
        if (const auto count = entry.causes.at(i); count != 0)
            out.causes[static_cast<Cause>(i)] = count;
    }
    return out;
}

size_t ClientTable::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

bool ClientTable::was_trusted(std::string_view sender) const {
    if (sender.empty())
        return false;
    std::lock_guard lock(mutex_);
    return trusted_senders_.contains(text::to_lower_ascii(sender));
}

void ClientTable::remember_trusted(std::string_view sender) {
    if (sender.empty())
        return;
    std::string key = text::to_lower_ascii(sender);
    std::lock_guard lock(mutex_);
    if (const auto found = trusted_senders_.find(key); found != trusted_senders_.end()) {
        trusted_lru_.splice(trusted_lru_.begin(), trusted_lru_, found->second);
        return;
    }
    trusted_lru_.push_front(key);
    trusted_senders_.emplace(std::move(key), trusted_lru_.begin());
    evict_over_limit();
}

// Caller holds mutex_.
ClientTable::Entry& ClientTable::touch(std::string_view client_addr, Clock::time_point now) {
    std::string key(client_addr);
    auto found = entries_.find(key);
    if (found == entries_.end()) {
        found = entries_.emplace(std::move(key), Entry{}).first;
        lru_.push_front(&found->first);
        found->second.first = now;
        found->second.lru_position = lru_.begin();
        evict_over_limit();  // never the new entry: it is at the front
    } else {
        lru_.splice(lru_.begin(), lru_, found->second.lru_position);
    }
    found->second.last = now;
    return found->second;
}

// Caller holds mutex_.
void ClientTable::evict_over_limit() {
    const size_t limit = bound(max_clients_);
    while (entries_.size() > limit) {
        // By iterator: the key would refer into the node being erased.
        const auto oldest = entries_.find(*lru_.back());
        lru_.pop_back();
        entries_.erase(oldest);
    }
    while (trusted_senders_.size() > limit) {
        trusted_senders_.erase(trusted_lru_.back());
        trusted_lru_.pop_back();
    }
}

}  // namespace milter503::policy
