// NAME
//	real_log_test - the report on real MTAs' logs against hand-made truths
// DESCRIPTION
//	Each file of tests/data/real/ was written by a real Postfix, Sendmail
//	or Exim that nobody on this project ran; its NAME.truth was made by
//	hand from the MTA's source (tests/data/real/README.md). For every file
//	the report must give each listed client the truth's session counts
//	(503s proven, refused after DATA, recipients refused with no DATA, no
//	recipient accepted with DATA not logged, DATA refused with recipients,
//	improper pipelining) and cause, every other client none of them, and
//	the truth's totals. A cause may be one of the truth's `tie=` causes;
//	where the shared cause table does not yet give the truth's cause,
//	cause_table_gaps names the table's answer instead.
//
//	The year of RFC 3164 lines is fixed (2026): the truths do not depend
//	on it, and the files' modification times do.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "report/analyzer.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

constexpr std::array<std::string_view, 6> count_keys = {
    "sessions_503",          "refused_after_data",      "rcpt_refused_no_data",
    "no_rcpt_data_unlogged", "data_refused_with_rcpts", "improper_pipelining"};

using Counts = std::array<unsigned long, count_keys.size()>;

struct TruthClient {
    std::string address;
    Counts counts{};
    std::vector<std::string> causes;  // the truth's, then its ties
};

struct Truth {
    std::vector<TruthClient> clients;
    Counts totals{};
    bool has_totals = false;
};

// `key=value` fields of one truth line.
std::map<std::string, std::string> fields(const std::string& line) {
    std::map<std::string, std::string> out;
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
        const size_t eq = word.find('=');
        if (eq != std::string::npos)
            out[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return out;
}

Counts counts_of(const std::map<std::string, std::string>& f) {
    Counts counts{};
    for (size_t i = 0; i < count_keys.size(); ++i)
        counts[i] = std::stoul(f.at(std::string(count_keys[i])));
    return counts;
}

Truth read_truth(const std::string& path) {
    Truth truth;
    std::istringstream in(test::read_file(path));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto f = fields(line);
        if (line.starts_with("totals ")) {
            truth.totals = counts_of(f);
            truth.has_totals = true;
            continue;
        }
        TruthClient client;
        client.address = f.at("client");
        client.counts = counts_of(f);
        client.causes.push_back(f.at("cause"));
        if (const auto tie = f.find("tie"); tie != f.end()) {
            std::istringstream list(tie->second);
            std::string cause;
            while (std::getline(list, cause, ','))
                client.causes.push_back(cause);
        }
        truth.clients.push_back(std::move(client));
    }
    return truth;
}

Counts counts_of(const ClientReport& c) {
    return {c.sessions_503,
            c.sessions_refused_after_data,
            c.sessions_rcpt_refused_no_data,
            c.sessions_no_rcpt_data_unlogged,
            c.sessions_data_refused_with_rcpts,
            c.sessions_pipelining};
}

Counts counts_of(const Totals& t) {
    return {t.sessions_503,
            t.sessions_refused_after_data,
            t.sessions_rcpt_refused_no_data,
            t.sessions_no_rcpt_data_unlogged,
            t.sessions_data_refused_with_rcpts,
            t.sessions_pipelining};
}

std::string describe(const Counts& counts) {
    std::string out;
    for (size_t i = 0; i < counts.size(); ++i)
        out += std::string(count_keys[i]) + "=" + std::to_string(counts[i]) + " ";
    return out;
}

Report analyze(const std::string& path) {
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 11, 26, 0, 0, 0};
    Analyzer analyzer(options, utc);
    analyzer.read_files({path}, [&](const std::string& file, const std::string& error) {
        ADD_FAILURE() << file << ": " << error;
    });
    return analyzer.finish();
}

class RealLog : public ::testing::TestWithParam<std::string_view> {};

TEST_P(RealLog, CountsAndCausesAsTheTruth) {
    const std::string name(GetParam());
    const Truth truth = read_truth(test::data_path("real/" + name + ".truth"));
    ASSERT_FALSE(truth.clients.empty()) << name;
    ASSERT_TRUE(truth.has_totals) << name;
    const Report report = analyze(test::data_path("real/" + name + ".log"));

    std::map<std::string, const ClientReport*> by_address;
    for (const auto& client : report.clients)
        by_address[client.address] = &client;
    for (const TruthClient& expected : truth.clients) {
        SCOPED_TRACE(name + " client " + expected.address);
        const auto found = by_address.find(expected.address);
        ASSERT_NE(found, by_address.end()) << "not reported";
        const ClientReport& got = *found->second;
        EXPECT_EQ(describe(counts_of(got)), describe(expected.counts));
        const CauseReport* top = top_cause(got);
        ASSERT_NE(top, nullptr);
        const std::vector<std::string>& allowed = expected.causes;  // the cause and its ties
        const std::string cause(cause_slot_name(top->slot));
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), cause), allowed.end())
            << "cause " << cause << ", truth " << expected.causes.front();
        by_address.erase(found);
    }
    // Any other client reported had nothing the truth counts.
    for (const auto& [address, client] : by_address)
        EXPECT_EQ(describe(counts_of(*client)), describe(Counts{})) << name << " " << address;
    EXPECT_EQ(describe(counts_of(report.totals)), describe(truth.totals)) << name;
    // The footer adds up.
    const InputReport& in = report.input;
    EXPECT_EQ(in.lines, in.used + in.ignored + in.malformed + in.outside_period + in.overlong)
        << name;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, RealLog,
    ::testing::Values("postfix-fail2ban", "postfix-crowdsec", "postfix-lightmeter-milter-reject",
                      "postfix-lightmeter-reject-then-milter", "postfix-lightmeter-postscreen",
                      "postfix-mailtrap-issue", "postfix-xsibackup-issue",
                      "postfix-modoboa-postscreen-issue", "sendmail-fail2ban-reject",
                      "sendmail-solaris-blog", "exim-testsuite-0458", "exim-testsuite-0900",
                      "exim-fail2ban", "exim-crowdsec", "postfix-lightmeter-mail-log",
                      "postfix-lightmeter-mail-log-1", "exim-crowdsec-syslog", "exim-crowdsec-spam",
                      "exim-fail2ban-spam"),
    [](const ::testing::TestParamInfo<std::string_view>& info) {
        std::string name(info.param);
        for (char& c : name) {
            if (c == '-')
                c = '_';
        }
        return name;
    });

}  // namespace
}  // namespace milter503::report
