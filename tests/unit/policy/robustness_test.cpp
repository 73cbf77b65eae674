// Randomized robustness (fixed seeds, bounded iterations): random event
// orders with random bytes into Session, and every finding it emits must
// format to one clean line that parse_finding() reads back unchanged.
#include <gtest/gtest.h>

#include <random>

#include "policy/client_table.hpp"
#include "policy/finding.hpp"
#include "policy/session.hpp"

namespace milter503::policy {
namespace {

class Fuzzer {
  public:
    explicit Fuzzer(unsigned seed) : rng_(seed) {}

    unsigned below(unsigned n) { return static_cast<unsigned>(rng_() % n); }

    // Mostly plausible values, sometimes hostile bytes.
    std::string value() {
        static const char* const plausible[] = {"",
                                                "<bob@example.test>",
                                                "<>",
                                                "bob@example.test",
                                                "Relay access denied",
                                                "5.7.1",
                                                "4.2.2",
                                                "error",
                                                "local",
                                                "From",
                                                "Mark's email <m@example.test>",
                                                "127.0.0.5",
                                                "::1",
                                                "192.168.1.1",
                                                "alice",
                                                "<ceo@example.test> SIZE=1"};
        if (below(3) != 0)
            return plausible[below(std::size(plausible))];
        std::string out(below(40), '\0');
        for (char& c : out)
            c = static_cast<char>(rng_() % 256);
        return out;
    }

  private:
    std::mt19937 rng_;
};

void expect_clean_round_trip(const Finding& f) {
    const std::string line = format_finding(f);
    for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        ASSERT_FALSE(u < 0x20 || u == 0x7f) << line;
    }
    const auto parsed = parse_finding(line);
    ASSERT_TRUE(parsed.has_value()) << line;
    EXPECT_EQ(parsed->sender, f.sender);
    EXPECT_EQ(parsed->helo, f.helo);
    EXPECT_EQ(parsed->queue_id, f.queue_id);
    EXPECT_EQ(parsed->rejected.size(), f.rejected.size());
    EXPECT_EQ(parsed->detail, f.detail);
    EXPECT_EQ(format_finding(*parsed), line);
}

std::shared_ptr<Settings> fuzz_settings() {
    auto settings = std::make_shared<Settings>();
    settings->check_header_from = true;
    settings->check_display_name = true;
    settings->submission_ports = {"587", "465"};
    settings->local_domains.add("example.test");
    settings->trusted_networks.add(*parse_cidr("192.168.0.0/16"));
    MapError error;
    settings->sender_login_map = std::make_shared<const SenderLoginMap>(
        *SenderLoginMap::parse("bob@example.test bob\n@example.test admin\n", "m", &error));
    return settings;
}

TEST(Robustness, RandomSessionEventsNeverCrash) {
    Fuzzer fuzz(503);
    ClientTable history(64, 30);
    const auto settings = fuzz_settings();
    size_t total_findings = 0;
    for (int session_no = 0; session_no < 400; ++session_no) {
        Session s(settings, &history);
        const unsigned events = fuzz.below(30);
        for (unsigned e = 0; e < events; ++e) {
            std::vector<Finding> findings;
            switch (fuzz.below(8)) {
                case 0:
                    findings = s.on_connect(
                        {fuzz.value(), fuzz.value(), fuzz.value(), fuzz.value(), fuzz.value()});
                    break;
                case 1:
                    findings = s.on_helo(fuzz.value());
                    break;
                case 2:
                    findings = s.on_mail({fuzz.value(), fuzz.value(), fuzz.value()});
                    break;
                case 3:
                    findings = s.on_rcpt({fuzz.value(), fuzz.below(2) ? "error" : fuzz.value(),
                                          fuzz.value(), fuzz.value(), fuzz.value()});
                    break;
                case 4:
                    findings = s.on_header(fuzz.value(), fuzz.value());
                    break;
                case 5:
                    findings = s.on_end_of_message(fuzz.value());
                    break;
                case 6:
                    findings = s.on_abort();
                    break;
                default:
                    findings = s.on_close();
                    break;
            }
            for (const auto& f : findings) {
                expect_clean_round_trip(f);
                history.record_finding(f, Clock::time_point{});
                ++total_findings;
            }
        }
        for (const auto& f : s.on_close())
            expect_clean_round_trip(f);
    }
    EXPECT_GT(total_findings, 100u);  // the fuzzer reaches the finding paths
    EXPECT_LE(history.size(), 64u);
    for (const auto& summary : history.snapshot()) {
        const auto parsed = parse_summary(format_summary(summary));
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(parsed->client_addr, summary.client_addr);
    }
}

TEST(Robustness, RandomLinesIntoTheReaders) {
    Fuzzer fuzz(1125);
    for (int round = 0; round < 3000; ++round) {
        std::string line;
        const unsigned parts = fuzz.below(12);
        for (unsigned p = 0; p < parts; ++p) {
            static const char* const pieces[] = {
                "NOQUEUE: ", "summary: ",    "finding=", "cause=", "rejected=", "\"",
                "\\",        "\\x",          "<",        "> ",     "; ",        " ",
                "=",         "relay-denied", "-"};
            line += fuzz.below(2) ? pieces[fuzz.below(std::size(pieces))] : fuzz.value();
        }
        (void)parse_finding(line);
        (void)parse_summary(line);
        (void)logfmt::parse_fields(line);
    }
}

}  // namespace
}  // namespace milter503::policy
