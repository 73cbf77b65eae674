// NAME
//	fuzz_session - any sequence of milter events into policy::Session
// DESCRIPTION
//	Each event is one selector byte and its fields (NUL-separated): the
//	same events libmilter delivers, in any order, with any bytes. Every
//	finding must become one log line of printable, valid UTF-8 text that
//	parse_finding() reads back to the same line, and the client table's
//	summary lines must read back too. A violation aborts, which the
//	fuzzer reports as a crash.
#include <cstdlib>

#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "policy/session.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace milter503::policy {
namespace {

void check(bool condition) {
    if (!condition)
        std::abort();
}

void check_line(const std::string& line) {
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        check(u >= 0x20 && u != 0x7f);
    }
}

void check_finding(const Finding& finding) {
    const std::string line = format_finding(finding);
    check_line(line);
    const auto parsed = parse_finding(line);
    check(parsed.has_value());
    check(format_finding(*parsed) == line);
}

std::shared_ptr<const Settings> fuzz_settings() {
    auto settings = std::make_shared<Settings>();
    settings->check_header_from = true;
    settings->check_display_name = true;
    settings->submission_ports = {"587", "465"};
    settings->local_domains.add("example.test");
    settings->local_domains.add(".sub.test");
    settings->trusted_networks.add(*parse_cidr("192.168.0.0/16"));
    settings->trusted_networks.add(*parse_cidr("2001:db8::/32"));
    MapError error;
    settings->sender_login_map = std::make_shared<const SenderLoginMap>(*SenderLoginMap::parse(
        "bob@example.test bob\n@example.test admin\nsales alice, bob\n", "map", &error));
    return settings;
}

std::vector<Finding> next_event(Session& session, fuzz::FuzzInput& in) {
    switch (in.take_byte() % 9) {
        case 0: {
            ConnectEvent e;
            e.conn_id = in.take_field();
            e.client_name = in.take_field();
            e.client_addr = in.take_field();
            e.client_port = in.take_field();
            e.daemon_port = in.take_field();
            return session.on_connect(e);
        }
        case 1:
            return session.on_helo(in.take_field());
        case 2: {
            MailEvent e;
            e.sender = in.take_field();
            e.auth_login = in.take_field();
            e.queue_id = in.take_field();
            return session.on_mail(e);
        }
        case 3: {
            RcptEvent e;
            e.recipient = in.take_field();
            e.mailer = in.take_field();
            e.host = in.take_field();
            e.addr = in.take_field();
            e.queue_id = in.take_field();
            return session.on_rcpt(e);
        }
        case 4:
            return session.on_data(in.take_field());
        case 5: {
            const std::string name = in.take_field();
            return session.on_header(name, in.take_field());
        }
        case 6:
            return session.on_end_of_message(in.take_field());
        case 7:
            return session.on_abort();
        default:
            return session.on_close();
    }
}

}  // namespace
}  // namespace milter503::policy

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace milter503::policy;
    static const auto settings = fuzz_settings();
    ClientTable clients(8, 3);
    Session session(settings, &clients);
    milter503::fuzz::FuzzInput in(data, size);
    const auto record = [&](const std::vector<Finding>& findings) {
        for (const auto& f : findings) {
            check_finding(f);
            clients.record_finding(f, Clock::time_point{});
        }
    };
    while (!in.empty())
        record(next_event(session, in));
    record(session.on_close());
    for (const auto& summary : clients.snapshot()) {
        const std::string line = format_summary(summary);
        check_line(line);
        check(parse_summary(line).has_value());
    }
    return 0;
}
