// NAME
//	fuzz_format - the writers of lines a client's values go into
// DESCRIPTION
//	The first byte picks a check, NUL-separated fields are the values:
//	- a finding built from the fields: its line is one clean line of at
//	  most logfmt::max_line_bytes that parse_finding() reads, and writing
//	  what was read gives the same line (the capped form is stable);
//	- an admin alert quoting such a finding: within the limit too;
//	- cap_value(): short values whole, long ones a start of the value and
//	  the marker, within the cap, never cutting a UTF-8 character;
//	- canonical_address(): the same mailbox, and canonical twice is once.
#include <cstdlib>

#include "policy/address.hpp"
#include "policy/alerts.hpp"
#include "policy/finding.hpp"
#include "policy/log_format.hpp"
#include "policy/text.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

using namespace milter503;

void check(bool condition) {
    if (!condition)
        std::abort();
}

bool clean(const std::string& line) {
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f)
            return false;
    }
    return true;
}

policy::Finding finding_from(fuzz::FuzzInput& in) {
    policy::Finding f;
    f.kind = policy::all_finding_kinds[in.take_byte() % policy::finding_kind_count];
    f.cause = static_cast<policy::Cause>(in.take_byte() % policy::cause_count);
    f.fix = policy::cause_fix(f.cause);
    f.rcpt_ok = in.take_byte();
    f.queue_id = in.take_field();
    f.conn_id = "1";
    f.client_name = in.take_field();
    f.client_addr = in.take_field();
    f.client_port = in.take_field();
    f.helo = in.take_field();
    f.daemon_port = in.take_field();
    f.auth_login = in.take_field();
    f.sender = in.take_field();
    f.header_from = in.take_field();
    f.detail = in.take_field();
    f.advice = std::string(policy::cause_advice(f.cause));
    while (!in.empty()) {
        policy::RejectedRcpt rcpt;
        rcpt.recipient = in.take_field();
        rcpt.status = in.take_field();
        rcpt.text = in.take_field();
        f.rejected.push_back(std::move(rcpt));
    }
    f.rcpt_rejected = static_cast<unsigned>(f.rejected.size());
    f.rejected_unreported = f.rejected.empty() && f.rcpt_ok % 2 == 1;
    return f;
}

void fuzz_finding(fuzz::FuzzInput& in) {
    const policy::Finding f = finding_from(in);
    const std::string line = policy::format_finding(f);
    check(line.size() <= logfmt::max_line_bytes);
    check(clean(line));
    const auto parsed = policy::parse_finding(line);
    check(parsed.has_value());
    check(parsed->kind == f.kind && parsed->cause == f.cause && parsed->rcpt_ok == f.rcpt_ok &&
          parsed->rcpt_rejected == f.rcpt_rejected);
    check(policy::format_finding(*parsed) == line);

    policy::Alert alert;
    alert.cause = f.cause;
    alert.domain = "example.test";
    alert.findings = 1;
    alert.clients = 1;
    alert.example = f;
    alert.example.client_addr = "192.0.2.1";
    const std::string alert_line = policy::format_alert(alert);
    check(alert_line.size() <= logfmt::max_line_bytes && clean(alert_line));
}

void fuzz_cap(fuzz::FuzzInput& in) {
    const size_t cap = in.take_byte();
    const std::string_view value = in.rest();
    const std::string capped = logfmt::cap_value(value, cap);
    if (value.size() <= cap) {
        check(capped == value);
        return;
    }
    const size_t kept = capped.rfind("...[cut ");
    check(kept != std::string::npos);
    check(capped.substr(kept) == logfmt::cut_marker(value.size() - kept));
    check(value.substr(0, kept) == capped.substr(0, kept));
    check(capped.size() <= cap || kept == 0);
    // The cut falls between characters: what follows it starts one.
    size_t i = 0;
    while (i < kept) {
        const size_t len = text::utf8_sequence_length(value, i);
        i += len == 0 ? 1 : len;
    }
    check(i == kept);
}

void fuzz_canonical(fuzz::FuzzInput& in) {
    const std::string a = in.take_field();
    const std::string b(in.rest());
    const std::string canonical = policy::canonical_address(a);
    check(policy::canonical_address(canonical) == canonical);
    check(policy::same_address(a, canonical));
    check(policy::same_address(a, b) == policy::same_address(b, a));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    switch (in.take_byte() % 3) {
        case 0:
            fuzz_finding(in);
            break;
        case 1:
            fuzz_cap(in);
            break;
        default:
            fuzz_canonical(in);
            break;
    }
    return 0;
}
