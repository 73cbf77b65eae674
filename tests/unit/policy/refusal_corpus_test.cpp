// The cause table against the real refusal texts of
// tests/data/refusals/refusals.tsv: replies that Postfix, Sendmail, Exim,
// qmail, Exchange, policy services and providers really sent, each with
// its provenance and a cause established by hand from the MTA's source or
// documentation (see that directory's README). Every row must come out
// as its cause, whether the reply arrives as the milter sees it (status
// and text apart) or as a log line carries it (one string).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "policy/cause.hpp"
#include "policy/text.hpp"

namespace milter503::policy {
namespace {

struct Row {
    int line = 0;
    std::string code, status, text, cause, fix, source;
};

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, '\t'))
        out.push_back(cell);
    if (!line.empty() && line.back() == '\t')
        out.emplace_back();
    return out;
}

std::vector<Row> load_rows() {
    const std::string path =
        std::string(MILTER503_SOURCE_DIR) + "/tests/data/refusals/refusals.tsv";
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    std::vector<Row> rows;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (number == 1)
            continue;  // header
        const auto cells = split_tabs(line);
        EXPECT_EQ(cells.size(), 7u) << path << ":" << number;
        if (cells.size() < 6)
            continue;
        rows.push_back({number, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]});
    }
    return rows;
}

const std::vector<Row>& rows() {
    static const std::vector<Row> loaded = load_rows();
    return loaded;
}

TEST(RefusalCorpus, EnoughRealTextsWithProvenance) {
    EXPECT_GE(rows().size(), 150u);
    for (const Row& row : rows())
        EXPECT_FALSE(row.source.empty()) << "line " << row.line;
}

TEST(RefusalCorpus, EveryRowNamesAKnownCauseAndItsReader) {
    for (const Row& row : rows()) {
        const auto cause = cause_from_name(row.cause);
        ASSERT_TRUE(cause.has_value()) << "line " << row.line << ": " << row.cause;
        EXPECT_EQ(actor_name(cause_fix(*cause)), row.fix) << "line " << row.line;
    }
}

TEST(RefusalCorpus, StatusAndTextApartAsTheMilterSeesThem) {
    for (const Row& row : rows()) {
        const Cause got = classify_rejection(row.status, row.code + " " + row.text);
        EXPECT_EQ(cause_name(got), row.cause)
            << "MISMATCH line " << row.line << " want " << row.cause << " got " << cause_name(got)
            << ": " << row.code << " " << row.status << " " << row.text;
    }
}

TEST(RefusalCorpus, WholeReplyAsALogLineCarriesIt) {
    for (const Row& row : rows()) {
        std::string reply = row.code + " ";
        if (!row.status.empty())
            reply += row.status + " ";
        reply += row.text;
        const Cause got = classify_rejection("", reply);
        EXPECT_EQ(cause_name(got), row.cause)
            << "MISMATCH line " << row.line << " want " << row.cause << " got " << cause_name(got)
            << ": " << reply;
    }
}

// Postfix passes a refused recipient's reply to milters as {rcpt_host} the
// status and {rcpt_addr} the text after its third word, which it takes for
// "<address>:" (src/smtpd/smtpd_milter.c): a reply without that prefix
// loses its first word ("Client host rejected: ..." arrives as "host
// rejected: ..."). The cause must survive that cut.
TEST(RefusalCorpus, PostfixMilterCutOfTheThirdWord) {
    size_t checked = 0;
    for (const Row& row : rows()) {
        // Only replies Postfix writes: its own ("<address>: ..." or from its
        // source) and what it wraps from policy services.
        const bool from_postfix = row.text.starts_with('<') ||
                                  text::find_nocase(row.source, "postfix") != std::string::npos;
        if (row.status.empty() || !from_postfix)
            continue;
        ++checked;
        std::string_view text = row.text;
        const size_t space = text.find(' ');
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
        const Cause got = classify_rejection(row.status, text);
        EXPECT_EQ(cause_name(got), row.cause)
            << "MISMATCH line " << row.line << " want " << row.cause << " got " << cause_name(got)
            << ": " << row.status << " " << text;
    }
    EXPECT_GE(checked, 100u);  // 101 Postfix rows when this was written
}

// Every cause a reply text can select has real texts in the corpus.
TEST(RefusalCorpus, EveryTextCauseHasRealTexts) {
    std::map<std::string, int> count;
    for (const Row& row : rows())
        ++count[row.cause];
    for (const CauseInfo& row : cause_table()) {
        if (row.phrases.empty() && row.statuses.empty() && row.cause != Cause::policy_reject)
            continue;  // decided by the session, never by a text
        EXPECT_GE(count[std::string(row.name)], 3) << row.name;
    }
}

}  // namespace
}  // namespace milter503::policy
