// NAME
//	syslog_line_test - each header form the report reads, and what it refuses
#include "report/syslog_line.hpp"

#include <gtest/gtest.h>

namespace milter503::report {
namespace {

class SyslogLine : public ::testing::Test {
  protected:
    LocalZone utc = LocalZone::fixed(0);
    SyslogParser parser{utc, YearGuess(2026, CivilTime{2026, 11, 26, 0, 0, 0})};
    const UnixTime t = unix_from_civil(CivilTime{2026, 11, 25, 4, 31, 14});
};

TEST_F(SyslogLine, Rfc3164) {
    const auto line =
        parser.parse("Nov 25 04:31:14 mx postfix/smtpd[2345]: connect from x[1.2.3.4]");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->form, LineForm::rfc3164);
    EXPECT_EQ(line->time, t);
    EXPECT_EQ(line->host, "mx");
    EXPECT_EQ(line->program, "postfix/smtpd");
    EXPECT_EQ(line->pid, "2345");
    EXPECT_EQ(line->message, "connect from x[1.2.3.4]");
}

TEST_F(SyslogLine, Rfc3164DayPaddingFractionsAndLocalTime) {
    const auto space = parser.parse("Nov  5 04:31:14 mx sm-mta[1]: x");
    ASSERT_TRUE(space);
    EXPECT_EQ(space->time, unix_from_civil(CivilTime{2026, 11, 5, 4, 31, 14}));
    const auto zero = parser.parse("Nov 05 04:31:14.123456 mx sm-mta[1]: x");
    ASSERT_TRUE(zero);
    EXPECT_EQ(zero->time, space->time);
    const LocalZone cet = LocalZone::fixed(3600);
    SyslogParser local(cet, YearGuess(2026, CivilTime{2026, 11, 26, 0, 0, 0}));
    EXPECT_EQ(local.parse("Nov 25 05:31:14 mx sm-mta[1]: x")->time, t);
}

// The parser reuses the last stamp's conversion; the year guess must still
// see every line: here the log crosses New Year, then repeats a stamp.
TEST_F(SyslogLine, RepeatedStampsAndTheYearRollover) {
    SyslogParser p(utc, YearGuess(std::nullopt, CivilTime{2027, 1, 2, 0, 0, 0}));
    const auto dec1 = p.parse("Dec 31 23:59:59 mx sm-mta[1]: a");
    const auto dec2 = p.parse("Dec 31 23:59:59 mx sm-mta[1]: b");
    const auto jan = p.parse("Jan  1 00:00:00 mx sm-mta[1]: c");
    const auto jan2 = p.parse("Jan  1 00:00:00 mx sm-mta[1]: d");
    ASSERT_TRUE(dec1 && dec2 && jan && jan2);
    EXPECT_EQ(dec1->time, unix_from_civil(CivilTime{2026, 12, 31, 23, 59, 59}));
    EXPECT_EQ(dec2->time, dec1->time);
    EXPECT_EQ(jan->time, dec1->time + 1);
    EXPECT_EQ(jan2->time, jan->time);
    EXPECT_EQ(dec2->message, "b");
}

TEST_F(SyslogLine, Rfc3339WithAndWithoutFractions) {
    const auto rsyslog =
        parser.parse("2026-11-25T04:31:14.619131+00:00 mx postfix/smtpd[2345]: connect");
    ASSERT_TRUE(rsyslog);
    EXPECT_EQ(rsyslog->form, LineForm::rfc3339);
    EXPECT_EQ(rsyslog->time, t);
    EXPECT_EQ(rsyslog->host, "mx");
    EXPECT_EQ(rsyslog->message, "connect");
    EXPECT_EQ(parser.parse("2026-11-25T05:31:14+01:00 mx p: m")->time, t);
    EXPECT_EQ(parser.parse("2026-11-25T04:31:14Z mx p: m")->time, t);
}

TEST_F(SyslogLine, JournaldShortIso) {
    EXPECT_EQ(parser.parse("2026-11-25T04:31:14+0000 mx postfix/smtpd[2345]: m")->time, t);
    EXPECT_EQ(parser.parse("2026-11-25T06:31:14.000123+0200 mx postfix/smtpd[2345]: m")->time, t);
}

TEST_F(SyslogLine, EximMainLog) {
    const auto plain = parser.parse("2026-11-25 04:31:14 H=(outlook.test) [127.0.0.5] rejected");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->form, LineForm::exim_mainlog);
    EXPECT_EQ(plain->time, t);
    EXPECT_EQ(plain->program, "exim");
    EXPECT_EQ(plain->host, "");
    EXPECT_EQ(plain->message, "H=(outlook.test) [127.0.0.5] rejected");
    const auto selectors = parser.parse("2026-11-25 05:31:14.250 +0100 [4321] H=x [1.2.3.4] y");
    ASSERT_TRUE(selectors);
    EXPECT_EQ(selectors->time, t);
    EXPECT_EQ(selectors->message, "H=x [1.2.3.4] y");
}

TEST_F(SyslogLine, TagWithoutPidAndLineWithoutTag) {
    const auto no_pid = parser.parse("Nov 25 04:31:14 mx milter503: summary: client=1.2.3.4");
    ASSERT_TRUE(no_pid);
    EXPECT_EQ(no_pid->program, "milter503");
    EXPECT_EQ(no_pid->pid, "");
    EXPECT_EQ(no_pid->message, "summary: client=1.2.3.4");
    const auto mark = parser.parse("Nov 25 04:31:14 mx -- MARK --");
    ASSERT_TRUE(mark);
    EXPECT_EQ(mark->program, "");
}

TEST_F(SyslogLine, RefusesGarbageAndTruncatedHeaders) {
    for (const char* bad :
         {"", "garbage", "Nov 25 04:31:1", "Nov 25 04:31:14", "Xyz 25 04:31:14 mx p: m",
          "Feb 30 04:31:14 mx p: m", "Nov 25 25:31:14 mx p: m", "2026-13-25T04:31:14Z mx p: m",
          "2026-11-25T04:31:14 mx p: m", "2026-11-25T04:31:14+0000",
          "Nov 25 04:31:14 mx postfix/smtpd[123 no close", "2026-11-25X04:31:14Z mx p: m"}) {
        EXPECT_FALSE(parser.parse(bad)) << bad;
    }
}

TEST_F(SyslogLine, UnpaddedDayAndSyslogDaemonMarks) {
    // postfix-fail2ban.log (Mar 7), sendmail-fail2ban-reject.log (BSD's
    // `<mail.notice>` before the host), sendmail-solaris-blog.log (Solaris'
    // message id after the tag).
    const auto unpadded = parser.parse(
        "Mar 7 02:09:33 server postfix/smtpd[27246]: 1D8CC1CA0A7F: milter-reject: DATA x");
    ASSERT_TRUE(unpadded);
    EXPECT_EQ(unpadded->time, unix_from_civil(CivilTime{2026, 3, 7, 2, 9, 33}));
    EXPECT_EQ(unpadded->host, "server");
    EXPECT_EQ(unpadded->pid, "27246");
    const auto bsd = parser.parse(
        "Jun 17 14:37:39 <mail.notice> robin sm-mta[2794]: 55HIbcGI002794: "
        "<baduser@yourhost.com>... "
        "User unknown");
    ASSERT_TRUE(bsd);
    EXPECT_EQ(bsd->host, "robin");
    EXPECT_EQ(bsd->program, "sm-mta");
    EXPECT_EQ(bsd->message, "55HIbcGI002794: <baduser@yourhost.com>... User unknown");
    const auto solaris = parser.parse(
        "Aug 11 05:55:40 relay_host sendmail[25741]: [ID 801593 mail.info] q7B4teTq025741: "
        "from=<root@x>, size=1741, class=0, nrcpts=0");
    ASSERT_TRUE(solaris);
    EXPECT_EQ(solaris->program, "sendmail");
    EXPECT_EQ(solaris->message, "q7B4teTq025741: from=<root@x>, size=1741, class=0, nrcpts=0");
    EXPECT_FALSE(parser.parse("Mar 7 2:09:33 server x[1]: y"));
}

TEST_F(SyslogLine, CarriageReturnIsDropped) {
    const auto line = parser.parse("Nov 25 04:31:14 mx p[1]: message\r");
    ASSERT_TRUE(line);
    EXPECT_EQ(line->message, "message");
}

}  // namespace
}  // namespace milter503::report
