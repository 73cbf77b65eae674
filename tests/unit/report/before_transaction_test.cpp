// NAME
//	before_transaction_test - causes the MTA's log shows and a milter cannot
// DESCRIPTION
//	Each case is one session that real Postfix (3.7.11, Debian 12) or
//	Sendmail (8.17.1.9) wrote while the integration scenario of the same
//	name ran (tests/data/MTA/SCENARIO/, see tests/data/README.md). The truth
//	of each was read by hand off the maillog and Postfix's source
//	(src/smtpd/smtpd.c, smtpd_sasl_glue.c, smtpd_check.c at
//	vdukhovni/postfix@17830e5c):
//	  auth-failed            "SASL LOGIN authentication failed", then the
//	                         RCPT refused as relaying: the login, not its
//	                         absence; rcpt=0/1 data=0/1 prove the 554
//	  tls-required           no reject line; mail=0/1 rcpt=0/1 data=0/1 and
//	                         no starttls= after ehlo=1: the 530s
//	  refused-at-mail        "reject: MAIL ... Access denied" (the generic
//	                         REJECT text) with smtpd_delay_reject = no;
//	                         RCPT and DATA then 503, counted
//	  improper-pipelining    "improper command pipelining after EHLO" then
//	                         ehlo=0/1: no transaction, no DATA
//	  tls-on-plaintext-port  "after CONNECT ...: \026\003\001...": a TLS
//	                         ClientHello; commands=0/0
#include <gtest/gtest.h>

#include "policy/text.hpp"
#include "report/aggregate.hpp"
#include "report/analyzer.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

struct Case {
    const char* scenario;  // tests/data/SCENARIO/{maillog,milter.log}
    const char* client;
    const char* cause;
    const char* fix;
    unsigned long sessions_503;
    unsigned long sessions_pipelining;
    const char* pipelining_after;  // "" when none
};

constexpr Case cases[] = {
    {"postfix/auth-failed", "127.0.0.38", "auth-failed", "user", 1, 0, ""},
    {"postfix/tls-required", "127.0.0.39", "tls-required", "user", 1, 0, ""},
    {"postfix/refused-at-mail", "127.0.0.40", "refused-at-mail", "user", 1, 0, ""},
    {"postfix/improper-pipelining", "127.0.0.37", "improper-pipelining", "user", 0, 1, "EHLO"},
    {"postfix/tls-on-plaintext-port", "127.0.0.41", "tls-on-plaintext-port", "user", 0, 1,
     "CONNECT"},
    // Sendmail 8.17: "QUEUEID: AUTH failure (LOGIN): user not found ...,
    // relay=[127.0.0.38]", then check_rcpt's relay refusal and nrcpts=0
    // (DATA unproven: no 503 counted).
    {"sendmail/auth-failed", "127.0.0.38", "auth-failed", "user", 0, 0, ""},
};

Report analyze_scenario(const std::string& scenario) {
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 12, 31, 0, 0, 0};
    static const LocalZone utc = LocalZone::fixed(0);
    Analyzer analyzer(options, utc);
    analyzer.read_files(
        {test::data_path(scenario + "/maillog"), test::data_path(scenario + "/milter.log")},
        [](const std::string& path, const std::string& error) {
            ADD_FAILURE() << path << ": " << error;
        });
    return analyzer.finish();
}

class BeforeTransaction : public testing::TestWithParam<Case> {};

TEST_P(BeforeTransaction, CauseWhoActsAndWhatTheLogProves) {
    const Case& want = GetParam();
    const Report report = analyze_scenario(want.scenario);
    ASSERT_EQ(report.clients.size(), 1u) << want.scenario;
    const ClientReport& got = report.clients.front();
    EXPECT_EQ(got.address, want.client);
    ASSERT_NE(top_cause(got), nullptr);
    EXPECT_EQ(cause_slot_name(top_cause(got)->slot), want.cause);
    EXPECT_EQ(fix_name(*top_cause(got)), want.fix);
    EXPECT_FALSE(top_cause(got)->advice.empty());
    EXPECT_EQ(got.sessions, 1u);
    EXPECT_EQ(got.sessions_503, want.sessions_503);
    EXPECT_EQ(got.sessions_pipelining, want.sessions_pipelining);
    if (*want.pipelining_after != '\0') {
        ASSERT_TRUE(got.pipelining.has_value());
        EXPECT_NE(got.pipelining->stage.find(want.pipelining_after), std::string::npos)
            << got.pipelining->stage;
        EXPECT_FALSE(got.pipelining->text.empty());  // what the client sent
    }
}

INSTANTIATE_TEST_SUITE_P(Mta, BeforeTransaction, testing::ValuesIn(cases),
                         [](const testing::TestParamInfo<Case>& info) {
                             std::string name = info.param.scenario;
                             for (char& c : name)
                                 c = text::is_alnum(c) ? c : '_';
                             return name;
                         });

// The rules of session_cause() that the captured sessions above do not
// all reach, on sessions put together by hand (the texts are the MTAs'
// own: postscreen_smtpd.c, smtpd_check.c).
MtaSession refused(std::string reply, Stage at = Stage::rcpt) {
    MtaSession s;
    RejectLine line;
    line.reply = std::move(reply);
    line.at = at;
    s.rejects.push_back(line);
    return s;
}

TEST(SessionCause, TheSourcesOwnWordBeatsAGenericReplyOnly) {
    MtaSession s = refused("550 5.5.1 Protocol error");
    s.source_cause = policy::Cause::bare_lf;  // postscreen's BARE NEWLINE line
    EXPECT_EQ(session_cause(s), policy::Cause::bare_lf);
    s = refused("450 4.3.2 Service currently unavailable");
    s.source_cause = policy::Cause::greylisted;
    EXPECT_EQ(session_cause(s), policy::Cause::greylisted);
    s = refused("550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org");
    s.source_cause = policy::Cause::improper_pipelining;
    EXPECT_EQ(session_cause(s), policy::Cause::dnsbl_listed);
}

TEST(SessionCause, TheMtaLineSaysWhatTheMilterCouldNotSee) {
    // Sendmail 8.18 passes a refused local user to the milter without
    // status or text (rejected-unreported); its log has the refusal.
    MtaSession s = refused("User unknown");
    policy::Finding f;
    f.kind = policy::FindingKind::no_accepted_rcpt;
    f.cause = policy::Cause::rejected_unreported;
    s.findings.emplace_back(0, f);
    EXPECT_EQ(session_cause(s), policy::Cause::unknown_recipient);
    s.rejects.clear();  // nothing logged either: the milter's word stands
    EXPECT_EQ(session_cause(s), policy::Cause::rejected_unreported);
}

TEST(SessionCause, AFailedLoginTurnsOnlyWhatALoginFixes) {
    MtaSession s = refused("554 5.7.1 <a@remote.test>: Relay access denied");
    s.auth_failures = 1;
    EXPECT_EQ(session_cause(s), policy::Cause::auth_failed);
    s = refused("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown");
    s.auth_failures = 1;
    EXPECT_EQ(session_cause(s), policy::Cause::unknown_recipient);
}

TEST(SessionCause, AGenericRefusalBeforeRcptIsNamedByItsStage) {
    EXPECT_EQ(session_cause(refused("554 5.7.1 <spam@bad.test>: Sender address rejected: Access "
                                    "denied",
                                    Stage::mail)),
              policy::Cause::refused_at_mail);
    EXPECT_EQ(session_cause(refused("554 5.7.1 Access denied", Stage::connect)),
              policy::Cause::refused_at_connect);
    // A refusal at RCPT keeps the generic cause; a specific text keeps its own.
    EXPECT_EQ(session_cause(refused("554 5.7.1 Access denied")), policy::Cause::policy_reject);
    EXPECT_EQ(session_cause(refused("450 4.7.1 Client host rejected: cannot find your hostname",
                                    Stage::connect)),
              policy::Cause::client_rejected);
}

TEST(SessionCause, TlsRequiredIsInferredOnlyWithoutAnyOtherSign) {
    MtaSession s;
    s.counted = true;
    s.greeted = true;
    s.mail_sent = 1;
    EXPECT_EQ(session_cause(s), policy::Cause::tls_required);
    s.starttls_sent = true;  // it tried: something else refused MAIL
    EXPECT_EQ(session_cause(s), std::nullopt);
    s.starttls_sent = false;
    s.greeted = false;  // "503 5.5.1 Error: send HELO/EHLO first"
    EXPECT_EQ(session_cause(s), std::nullopt);
}

}  // namespace
}  // namespace milter503::report
