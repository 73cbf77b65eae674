// The docs list every row of the cause and finding tables: README's cause
// table (who acts, what, the user's advice word for word), milter503(8)
// and report/README.md. Adding a row without its docs fails here.
#include <gtest/gtest.h>

#include <string>

#include "policy/cause.hpp"
#include "policy/finding.hpp"
#include "tests/unit/source_text.hpp"

namespace milter503::policy {
namespace {

using test::roff;

std::string read_doc(const char* relative) {
    return test::source_text(relative);
}

TEST(Docs, ReadmeHasEveryCauseWithWhoActsAndTheAdvice) {
    const std::string readme = read_doc("README.md");
    for (const CauseInfo& row : cause_table()) {
        const std::string line = "| `" + std::string(row.name) + "` | " +
                                 std::string(actor_name(row.fix)) + " | " + std::string(row.what) +
                                 " | " + std::string(row.user_advice) + " |";
        EXPECT_NE(readme.find(line), std::string::npos) << "README.md lacks the row\n" << line;
    }
}

TEST(Docs, ReadmeHasEveryFinding) {
    const std::string readme = read_doc("README.md");
    for (const FindingInfo& row : finding_table()) {
        const std::string line = "| `" + std::string(row.name) + "` | " + std::string(row.when);
        EXPECT_NE(readme.find(line), std::string::npos) << "README.md lacks the row\n" << line;
    }
}

TEST(Docs, ManualPageHasEveryCauseWithWhoActs) {
    const std::string page = read_doc("packaging/man/milter503.8");
    for (const CauseInfo& row : cause_table()) {
        const std::string entry = ".BR " + roff(row.name) +
                                  " \" (fix=" + std::string(actor_name(row.fix)) + ")\"\n" +
                                  roff(row.what);
        EXPECT_NE(page.find(entry), std::string::npos) << "milter503.8 lacks\n" << entry;
    }
}

TEST(Docs, ReportReadmeHasEveryCauseWithWhoActs) {
    const std::string readme = read_doc("report/README.md");
    for (const CauseInfo& row : cause_table()) {
        const std::string line =
            "| `" + std::string(row.name) + "` | " + std::string(actor_name(row.fix)) + " |";
        EXPECT_NE(readme.find(line), std::string::npos) << "report/README.md lacks\n" << line;
    }
}

}  // namespace
}  // namespace milter503::policy
