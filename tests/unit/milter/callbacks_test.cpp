// The libmilter callbacks driven through the seam, as Postfix and Sendmail
// call them: macros in, one log line per finding out, and never anything
// but CONTINUE back to the MTA.
#include "milter/callbacks.hpp"

#include <libmilter/mfdef.h>

#include <gtest/gtest.h>

#include "fake_milter.hpp"
#include "policy/finding.hpp"
#include "policy/log_format.hpp"

namespace milter503::milter {
namespace {

using testing::FakeApi;
using testing::RecordingSink;

conf::Config test_config(const std::string& extra = "") {
    conf::ConfigError error;
    auto config =
        conf::parse_config("LocalDomains example.test\nTrustedNetworks 127.0.0.1/32 ::1\n" + extra,
                           "test.conf", &error);
    EXPECT_TRUE(config.has_value()) << error.to_string();
    return *config;
}

class Callbacks : public ::testing::Test {
  protected:
    Callbacks() : service_(test_config(), sink_) { bind_callbacks(&service_, &api_); }
    ~Callbacks() override { bind_callbacks(nullptr, nullptr); }

    SMFICTX* context(int n) { return reinterpret_cast<SMFICTX*>(static_cast<intptr_t>(n)); }

    // negotiate + connect as Postfix does, from ADDR:PORT to port 25.
    void open(SMFICTX* ctx, const char* addr, uint16_t port, const char* mta = "Postfix 3.7.11") {
        unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
        EXPECT_EQ(callback::negotiate(ctx, 0x1ff, 0x1fffff, 0, 0, &f0, &f1, &f2, &f3),
                  SMFIS_CONTINUE);
        negotiated_flags_ = f1;
        api_.set_macro(ctx, "v", mta);
        api_.set_macro(ctx, "{daemon_port}", "25");
        sockaddr_in in = testing::ipv4(addr, port);
        EXPECT_EQ(
            callback::connect(ctx, const_cast<char*>("unknown"), reinterpret_cast<sockaddr*>(&in)),
            SMFIS_CONTINUE);
    }

    sfsistat mail(SMFICTX* ctx, const char* sender) {
        char* argv[] = {const_cast<char*>(sender), nullptr};
        return callback::envfrom(ctx, argv);
    }

    sfsistat rcpt(SMFICTX* ctx, const char* recipient, const char* mailer, const char* host = "",
                  const char* addr = "") {
        api_.set_macro(ctx, "{rcpt_mailer}", mailer);
        api_.set_macro(ctx, "{rcpt_host}", host);
        api_.set_macro(ctx, "{rcpt_addr}", addr);
        char* argv[] = {const_cast<char*>(recipient), nullptr};
        return callback::envrcpt(ctx, argv);
    }

    FakeApi api_;
    RecordingSink sink_;
    Service service_;
    unsigned long negotiated_flags_ = 0;
};

TEST_F(Callbacks, NegotiateAsksForRejectedRecipientsNoBodyAndOurMacros) {
    SMFICTX* ctx = context(1);
    unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    callback::negotiate(ctx, 0x1ff, 0x1fffff, 0, 0, &f0, &f1, &f2, &f3);
    EXPECT_EQ(f0, static_cast<unsigned long>(SMFIF_SETSYMLIST)) << "no action that changes mail";
    EXPECT_NE(f1 & SMFIP_RCPT_REJ, 0u);
    EXPECT_NE(f1 & SMFIP_NOBODY, 0u);
    // No answer-less stages: they make Postfix over TCP 3x slower (see
    // callbacks.cpp and bench/milter-run).
    EXPECT_EQ(f1 & (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA |
                    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_NR_UNKN),
              0u);
    EXPECT_EQ(f1 & SMFIP_NOHDRS, 0u) << "From: is needed";
    EXPECT_NE(api_.symlists(ctx)[SMFIM_CONNECT].find("{daemon_port}"), std::string::npos);
    EXPECT_NE(api_.symlists(ctx)[SMFIM_ENVFROM].find("{auth_authen}"), std::string::npos);
    EXPECT_NE(api_.symlists(ctx)[SMFIM_ENVRCPT].find("{rcpt_mailer}"), std::string::npos);
    EXPECT_EQ(f1 & SMFIP_NODATA, 0u) << "DATA carries Postfix's first queue id";
    EXPECT_EQ(api_.symlists(ctx)[SMFIM_DATA], "i");
    callback::close(ctx);
    EXPECT_EQ(api_.priv(ctx), nullptr);
}

TEST_F(Callbacks, NegotiateOnlyTakesWhatTheMtaOffers) {
    SMFICTX* ctx = context(2);
    unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    callback::negotiate(ctx, 0, SMFIP_NOBODY, 0, 0, &f0, &f1, &f2, &f3);
    EXPECT_EQ(f0, 0u);
    EXPECT_EQ(f1, static_cast<unsigned long>(SMFIP_NOBODY));
    EXPECT_TRUE(api_.symlists(ctx).empty()) << "setsymlist needs SMFIF_SETSYMLIST offered";
    char* argv[] = {const_cast<char*>("<a@b>"), nullptr};
    EXPECT_EQ(callback::envfrom(ctx, argv), SMFIS_CONTINUE);
    callback::close(ctx);
}

TEST_F(Callbacks, PostfixRelayDeniedSessionLogsNoAcceptedRcpt) {
    SMFICTX* ctx = context(3);
    open(ctx, "127.0.0.5", 40312);
    EXPECT_EQ(callback::helo(ctx, const_cast<char*>("outlook.test")), SMFIS_CONTINUE);
    EXPECT_EQ(mail(ctx, "<bob@example.test>"), SMFIS_CONTINUE);
    EXPECT_EQ(rcpt(ctx, "<someone@remote.test>", "error", "5.7.1", "Relay access denied"),
              SMFIS_CONTINUE);
    EXPECT_EQ(callback::abort(ctx), SMFIS_CONTINUE);
    EXPECT_EQ(callback::close(ctx), SMFIS_CONTINUE);

    const auto lines = sink_.matching({"finding=no-accepted-rcpt"});
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(sink_.lines());
    auto finding = policy::parse_finding(lines[0]);
    ASSERT_TRUE(finding.has_value()) << lines[0];
    EXPECT_EQ(finding->cause, policy::Cause::relay_denied);
    EXPECT_EQ(finding->client_addr, "127.0.0.5");
    EXPECT_EQ(finding->client_port, "40312");
    EXPECT_EQ(finding->daemon_port, "25");
    EXPECT_EQ(finding->helo, "outlook.test");
    EXPECT_EQ(finding->sender, "bob@example.test");
    EXPECT_EQ(finding->rcpt_ok, 0u);
    ASSERT_EQ(finding->rejected.size(), 1u);
    EXPECT_EQ(finding->rejected[0].text, "Relay access denied");
    EXPECT_EQ(lines[0].rfind("NOQUEUE: ", 0), 0u);
    EXPECT_EQ(sink_.matching({"finding=unauthenticated-sender"}).size(), 1u);
}

TEST_F(Callbacks, AcceptedSessionFromTrustedClientLogsNothing) {
    SMFICTX* ctx = context(4);
    open(ctx, "127.0.0.1", 50000);
    mail(ctx, "<alice@example.test>");
    api_.set_macro(ctx, "i", "4XyzAbc");
    rcpt(ctx, "<bob@example.test>", "local");
    callback::header(ctx, const_cast<char*>("From"),
                     const_cast<char*>("Alice <alice@example.test>"));
    EXPECT_EQ(callback::eom(ctx), SMFIS_CONTINUE);
    callback::close(ctx);
    EXPECT_TRUE(sink_.matching({"finding="}).empty()) << ::testing::PrintToString(sink_.lines());
}

TEST_F(Callbacks, CloseWithoutNegotiateOrConnectIsHarmless) {
    SMFICTX* ctx = context(5);
    EXPECT_EQ(callback::close(ctx), SMFIS_CONTINUE);
    EXPECT_EQ(callback::abort(ctx), SMFIS_CONTINUE);
    EXPECT_TRUE(sink_.lines().empty());
}

TEST_F(Callbacks, NullArgumentsFromTheMtaDoNotCrash) {
    SMFICTX* ctx = context(6);
    open(ctx, "127.0.0.5", 1);
    EXPECT_EQ(callback::helo(ctx, nullptr), SMFIS_CONTINUE);
    EXPECT_EQ(callback::envfrom(ctx, nullptr), SMFIS_CONTINUE);
    EXPECT_EQ(callback::envrcpt(ctx, nullptr), SMFIS_CONTINUE);
    EXPECT_EQ(callback::header(ctx, nullptr, nullptr), SMFIS_CONTINUE);
    EXPECT_EQ(callback::connect(ctx, nullptr, nullptr), SMFIS_CONTINUE);
    callback::close(ctx);
}

TEST_F(Callbacks, HostileHeloCannotForgeALineOrAField) {
    SMFICTX* ctx = context(7);
    open(ctx, "127.0.0.5", 2);
    callback::helo(ctx,
                   const_cast<char*>("x\r\nNOQUEUE: finding=forged cause=relay-denied rcpt_ok=9"));
    mail(ctx, "<bob@example.test>");
    rcpt(ctx, "<x@remote.test>", "error", "5.7.1", "Relay access denied");
    callback::close(ctx);
    for (const auto& line : sink_.lines()) {
        EXPECT_EQ(line.find('\n'), std::string::npos) << line;
        EXPECT_EQ(line.find('\r'), std::string::npos) << line;
    }
    const auto lines = sink_.matching({"finding=no-accepted-rcpt"});
    ASSERT_EQ(lines.size(), 1u);
    auto finding = policy::parse_finding(lines[0]);
    ASSERT_TRUE(finding.has_value());
    EXPECT_EQ(finding->rcpt_ok, 0u);
    EXPECT_EQ(finding->helo, "x\r\nNOQUEUE: finding=forged cause=relay-denied rcpt_ok=9");
}

TEST_F(Callbacks, SendmailAbortWithoutRcptIsUnreportedWithQueueId) {
    SMFICTX* ctx = context(8);
    open(ctx, "127.0.0.5", 3, "8.17.1.9");
    api_.set_macro(ctx, "i", "6AP4XYY3010021");
    mail(ctx, "<bob@example.test>");
    callback::abort(ctx);
    callback::close(ctx);
    const auto lines = sink_.matching({"finding=no-accepted-rcpt"});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("6AP4XYY3010021: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find("rejected=unreported"), std::string::npos) << lines[0];
}

// Seen from Sendmail 8.17 for RCPT to a user that does not exist:
// {rcpt_host}=5.1.1 {rcpt_addr}="550 5.1.1 User unknown".
TEST_F(Callbacks, SendmailRefusalTextLosesItsReplyCodeAndStatus) {
    SMFICTX* ctx = context(9);
    open(ctx, "127.0.0.13", 9, "8.17.1.9");
    api_.set_macro(ctx, "i", "6AQ5vZvj010887");
    mail(ctx, "<someone@remote.test>");
    rcpt(ctx, "<nosuchuser@example.test>", "error", "5.1.1", "550 5.1.1 User unknown");
    rcpt(ctx, "<x@example.test>", "error", "4.2.2", "452 Mailbox full");
    rcpt(ctx, "<y@example.test>", "error", "5.7.1", "550 5.7.1is not a status");
    rcpt(ctx, "<z@example.test>", "error", "5.7.1", "5.7.1 Relay access denied");
    callback::abort(ctx);
    callback::close(ctx);
    const auto lines = sink_.matching({"finding=no-accepted-rcpt"});
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(sink_.lines());
    auto finding = policy::parse_finding(lines[0]);
    ASSERT_TRUE(finding.has_value()) << lines[0];
    ASSERT_EQ(finding->rejected.size(), 4u);
    EXPECT_EQ(finding->rejected[0].status, "5.1.1");
    EXPECT_EQ(finding->rejected[0].text, "User unknown");
    EXPECT_EQ(finding->rejected[1].text, "Mailbox full");
    EXPECT_EQ(finding->rejected[2].text, "5.7.1is not a status");
    // A leading status equal to {rcpt_host} is the same status twice.
    EXPECT_EQ(finding->rejected[3].text, "Relay access denied");
    EXPECT_EQ(finding->cause, policy::Cause::unknown_recipient);
}

TEST_F(Callbacks, MissingMacroIsReportedOnceWithTheLineToAdd) {
    for (int n = 10; n < 13; ++n) {
        SMFICTX* ctx = context(n);
        open(ctx, "127.0.0.1", static_cast<uint16_t>(n), "8.17.1.9");
        api_.set_macro(ctx, "i", "6AP4XYY30100" + std::to_string(n));
        api_.set_macro(ctx, "{auth_type}", "PLAIN");  // but no {auth_authen}
        mail(ctx, "<alice@example.test>");
        callback::close(ctx);
    }
    const auto lines = sink_.matching({"missing-macro:", "macro={auth_authen}"});
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(sink_.lines());
    EXPECT_NE(lines[0].find("confMILTER_MACROS_ENVFROM"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("milter_mail_macros = "), std::string::npos) << lines[0];
}

TEST_F(Callbacks, MissingRcptMailerIsReported) {
    SMFICTX* ctx = context(20);
    open(ctx, "127.0.0.1", 20);
    mail(ctx, "<alice@example.test>");
    char* argv[] = {const_cast<char*>("<bob@example.test>"), nullptr};
    callback::envrcpt(ctx, argv);
    callback::close(ctx);
    const auto lines = sink_.matching({"missing-macro:", "macro={rcpt_mailer}"});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("{rcpt_mailer}, {rcpt_host}, {rcpt_addr}"), std::string::npos);
}

TEST_F(Callbacks, ReloadAppliesToNewConnectionsOnly) {
    SMFICTX* before = context(30);
    open(before, "127.0.0.5", 30);
    service_.replace_config(test_config("CheckHeaderFrom no\n"));
    SMFICTX* after = context(31);
    open(after, "127.0.0.6", 31);
    for (SMFICTX* ctx : {before, after}) {
        api_.set_macro(ctx, "{auth_authen}", "alice");
        mail(ctx, "<alice@example.test>");
        rcpt(ctx, "<bob@example.test>", "local");
        callback::header(ctx, const_cast<char*>("From"), const_cast<char*>("<boss@example.test>"));
        callback::eom(ctx);
        callback::close(ctx);
    }
    EXPECT_EQ(sink_.matching({"finding=header-from-mismatch", "127.0.0.5"}).size(), 1u);
    EXPECT_EQ(sink_.matching({"finding=header-from-mismatch", "127.0.0.6"}).size(), 0u);
}

// RFC 5321 4.1.2: a quoted local part that needs no quotes is the same
// mailbox; one that needs them (a space) is another.
TEST_F(Callbacks, QuotedLocalPartInFromIsTheEnvelopeSender) {
    const auto send = [&](SMFICTX* ctx, const char* addr, const char* from) {
        open(ctx, addr, 32);
        api_.set_macro(ctx, "{auth_authen}", "alice");
        mail(ctx, "<alice@example.test>");
        rcpt(ctx, "<bob@example.test>", "local");
        callback::header(ctx, const_cast<char*>("From"), const_cast<char*>(from));
        callback::eom(ctx);
        callback::close(ctx);
    };
    send(context(32), "127.0.0.7", "Alice <\"alice\"@example.test>");
    send(context(33), "127.0.0.8", "Alice <\"ali ce\"@example.test>");
    EXPECT_EQ(sink_.matching({"finding=header-from-mismatch", "127.0.0.7"}).size(), 0u)
        << ::testing::PrintToString(sink_.lines());
    EXPECT_EQ(sink_.matching({"finding=header-from-mismatch", "127.0.0.8"}).size(), 1u);
}

// LogWhy: one `why:` line per phase, in the shared key=value format, only
// when asked; it is what a bug report needs.
TEST_F(Callbacks, LogWhyWritesOneLinePerPhaseOnlyWhenAsked) {
    const auto run_session = [&](SMFICTX* ctx, const char* addr) {
        open(ctx, addr, 60);
        callback::helo(ctx, const_cast<char*>("outlook.test"));
        mail(ctx, "<bob@example.test>");
        rcpt(ctx, "<x@remote.test>", "error", "5.7.1", "Relay access denied");
        callback::abort(ctx);
        callback::close(ctx);
    };
    run_session(context(60), "127.0.0.60");
    EXPECT_TRUE(sink_.matching({"why:"}).empty());

    service_.replace_config(test_config("LogWhy yes\n"));
    run_session(context(61), "127.0.0.61");
    const auto why = sink_.matching({"why:", "client=127.0.0.61"});
    std::vector<std::string> phases;
    for (const auto& line : why) {
        const auto fields = logfmt::parse_fields(line.substr(line.find(':') + 2));
        ASSERT_TRUE(fields.has_value()) << line;
        const std::string* phase = logfmt::find_field(*fields, logfmt::key::phase);
        ASSERT_NE(phase, nullptr) << line;
        phases.push_back(*phase);
    }
    ASSERT_EQ(phases,
              (std::vector<std::string>{"connect", "helo", "mail", "rcpt", "abort", "close"}));
    EXPECT_NE(why[3].find("5.7.1 Relay access denied"), std::string::npos) << why[3];
}

// Every line stays within what a syslog receiver takes whole, whatever the
// client or a peer on the milter socket sends: a 60 kB HELO, 20 refused
// recipients with 1,000-byte local parts, a 60 kB {client_addr}.
TEST_F(Callbacks, LongValuesFromThePeerGiveLinesWithinTheSyslogLimit) {
    service_.replace_config(test_config("LogWhy yes\nAlertInterval 600\n"));
    SMFICTX* ctx = context(70);
    unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    callback::negotiate(ctx, 0x1ff, 0x1fffff, 0, 0, &f0, &f1, &f2, &f3);
    api_.set_macro(ctx, "v", "Postfix 3.7.11");
    api_.set_macro(ctx, "{daemon_port}", "25");
    const std::string long_addr(61440, '1');
    api_.set_macro(ctx, "{client_addr}", long_addr.c_str());
    callback::connect(ctx, const_cast<char*>("unknown"), nullptr);
    const std::string helo(61440, 'H');
    callback::helo(ctx, const_cast<char*>(helo.c_str()));
    mail(ctx, "<bob@example.test>");
    for (int i = 0; i < 20; ++i) {
        const std::string rcpt_to =
            "<" + std::string(1000, static_cast<char>('a' + i)) + "@remote.test>";
        rcpt(ctx, rcpt_to.c_str(), "error", "5.7.1", "Relay access denied");
    }
    callback::abort(ctx);
    callback::close(ctx);
    service_.log_summary();

    ASSERT_EQ(sink_.matching({"summary:"}).size(), 1u);
    for (const auto& line : sink_.lines())
        EXPECT_LE(line.size(), logfmt::max_line_bytes) << line.substr(0, 200);
    const auto lines = sink_.matching({"finding=no-accepted-rcpt"});
    ASSERT_EQ(lines.size(), 1u);
    const auto finding = policy::parse_finding(lines[0]);
    ASSERT_TRUE(finding.has_value()) << lines[0];
    EXPECT_EQ(finding->cause, policy::Cause::relay_denied);
    EXPECT_EQ(finding->rcpt_rejected, 20u);
    EXPECT_TRUE(finding->helo.ends_with(" bytes]")) << finding->helo;
}

TEST_F(Callbacks, SummaryCountsSessionsAndFindingsPerClient) {
    for (int n = 40; n < 42; ++n) {
        SMFICTX* ctx = context(n);
        open(ctx, "127.0.0.5", static_cast<uint16_t>(n));
        mail(ctx, "<bob@example.test>");
        rcpt(ctx, "<x@remote.test>", "error", "5.7.1", "Relay access denied");
        callback::close(ctx);
    }
    service_.log_summary();
    const auto lines = sink_.matching({"summary:", "client=127.0.0.5"});
    ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(sink_.lines());
    auto summary = policy::parse_summary(lines[0]);
    ASSERT_TRUE(summary.has_value()) << lines[0];
    EXPECT_EQ(summary->sessions, 2u);
    EXPECT_EQ(summary->transactions, 2u);
    EXPECT_EQ(summary->findings[policy::FindingKind::no_accepted_rcpt], 2u);
    ASSERT_TRUE(policy::top_cause(*summary).has_value());
    EXPECT_EQ(*policy::top_cause(*summary), policy::Cause::relay_denied);
}

}  // namespace
}  // namespace milter503::milter
