// NAME
//	fuzz_text - the parsers of text that comes from clients or admins
// DESCRIPTION
//	The first byte picks a parser, the rest is its input: From: header
//	values, envelope arguments, reply texts, networks, sender login maps,
//	milter503.conf, and the log-line readers of milter503-report's shared
//	format. None may crash, hang or read out of bounds on any input;
//	where a writer and a reader pair up, what is written reads back.
#include <cstdlib>

#include "conf/config.hpp"
#include "policy/address.hpp"
#include "policy/cause.hpp"
#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "policy/header_from.hpp"
#include "policy/log_format.hpp"
#include "policy/network.hpp"
#include "policy/sender_login.hpp"
#include "tests/fuzz/fuzz_input.hpp"

namespace {

void check(bool condition) {
    if (!condition)
        std::abort();
}

void fuzz_header(std::string_view text) {
    const auto from = milter503::policy::parse_header_from(text);
    (void)milter503::policy::special_characters(from.display_name, from.display_name_quoted);
    (void)milter503::policy::special_characters(text);
}

void fuzz_value_round_trip(std::string_view text) {
    namespace logfmt = milter503::logfmt;
    std::string line;
    logfmt::append_field(line, "k", text);
    logfmt::append_field(line, "other", "x");
    const auto fields = logfmt::parse_fields(line);
    check(fields.has_value() && fields->size() == 2);
    check((*fields)[0].second == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace milter503;
    fuzz::FuzzInput in(data, size);
    const uint8_t selector = in.take_byte();
    const std::string_view text = in.rest();
    switch (selector % 10) {
        case 0:
            fuzz_header(text);
            break;
        case 1: {
            const std::string address = policy::strip_angle(text);
            (void)policy::split_address(address);
            (void)policy::same_address(address, text);
            break;
        }
        case 2: {
            const std::string status = in.take_field();
            (void)policy::classify_rejection(status, in.rest());
            break;
        }
        case 3: {
            std::string why;
            (void)policy::parse_cidr(text, &why);
            (void)policy::parse_ip(text);
            break;
        }
        case 4: {
            policy::MapError error;
            const auto map = policy::SenderLoginMap::parse(text, "fuzz.map", &error);
            if (map) {
                policy::DomainSet local;
                local.add("example.test");
                (void)policy::login_owns_sender("bob", "bob+x@example.test", &*map, local);
            }
            break;
        }
        case 5: {
            conf::ConfigError error;
            (void)conf::parse_config(text, "/fuzz/milter503.conf", &error);
            break;
        }
        case 6:
            (void)policy::parse_finding(text);
            break;
        case 7:
            (void)policy::parse_summary(text);
            break;
        case 8:
            (void)logfmt::parse_fields(text);
            break;
        default:
            fuzz_value_round_trip(text);
            break;
    }
    return 0;
}
