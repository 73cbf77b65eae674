// NAME
//	render_test - text, JSON and HTML output: structure and escaping
// DESCRIPTION
//	The report under test comes from a log whose client controls every
//	byte it can: a HELO and a recipient with markup, quotes, control
//	bytes and invalid UTF-8. JSON is parsed back with Boost.PropertyTree;
//	HTML is checked for escaped text and for the absence of anything that
//	would load a resource or run a script.
#include <gtest/gtest.h>

#include <set>

#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "report/analyzer.hpp"
#include "report/render_html.hpp"
#include "report/render_json.hpp"
#include "report/render_text.hpp"
#include "report/text_escape.hpp"

namespace milter503::report {
namespace {

namespace pt = boost::property_tree;

// A Postfix session and the milter's finding, with hostile values.
Report hostile_report() {
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 11, 26, 0, 0, 0};
    Analyzer analyzer(options, utc);
    SyslogParser parser = analyzer.stream_parser();
    policy::Finding f;
    f.kind = policy::FindingKind::no_accepted_rcpt;
    f.cause = policy::Cause::relay_denied;
    f.conn_id = "1";
    f.client_name = "unknown";
    f.client_addr = "127.0.0.11";
    f.client_port = "40621";
    f.helo = "<script>alert(\"x\")</script>\x1b[31m\xff";
    f.daemon_port = "25";
    f.sender = "a&b@example.test";
    f.rcpt_rejected = 1;
    f.rejected.push_back(
        {"<img src=http://evil.test/x>@remote.test", "5.7.1", "Relay access denied"});
    f.advice = "Log in & <b>retry</b>.";
    // Not relay-denied's own reader (user): the finding's fix= is shown.
    f.fix = policy::Actor::admin;
    const std::string prefix = "Nov 26 05:55:06 vm ";
    for (const std::string& line : {
             prefix + "postfix/smtpd[1]: connect from unknown[127.0.0.11]:40621",
             prefix + "postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[127.0.0.11]:40621: "
                      "554 5.7.1 <x@remote.test>: Relay access denied; from=<a&b@example.test> "
                      "to=<<script>@remote.test> proto=ESMTP helo=<<b>evil</b>>",
             prefix + "milter503[2]: " + policy::format_finding(f),
             prefix + "postfix/smtpd[1]: disconnect from unknown[127.0.0.11]:40621 ehlo=1 mail=1 "
                      "rcpt=0/1 data=0/1 quit=1 commands=3/5",
         }) {
        analyzer.add_line(line, parser);
    }
    return analyzer.finish();
}

TEST(RenderJson, ParsesBackWithTheDocumentedSchema) {
    const std::string json = render_json(hostile_report());
    pt::ptree root;
    std::istringstream in(json);
    ASSERT_NO_THROW(pt::read_json(in, root)) << json;
    EXPECT_EQ(root.get<std::string>("schema"), "milter503-report/1");
    EXPECT_EQ(root.get<std::string>("period.first"), "2026-11-26T05:55:06Z");
    EXPECT_EQ(root.get<unsigned>("totals.sessions"), 1u);
    EXPECT_EQ(root.get<unsigned>("totals.sessions_503"), 1u);
    EXPECT_EQ(root.get<unsigned>("totals.sessions_flagged"), 1u);
    EXPECT_EQ(root.get<std::string>("filters.since"), "null");
    const pt::ptree& clients = root.get_child("clients");
    ASSERT_EQ(clients.size(), 1u);
    const pt::ptree& c = clients.front().second;
    EXPECT_EQ(c.get<std::string>("address"), "127.0.0.11");
    EXPECT_EQ(c.get<unsigned>("sessions_503"), 1u);
    EXPECT_EQ(c.get<std::string>("cause"), "relay-denied");
    EXPECT_EQ(c.get<std::string>("fix"), "admin");  // the finding's fix=
    EXPECT_EQ(c.get<unsigned>("findings.no-accepted-rcpt"), 1u);
    const pt::ptree& cause = c.get_child("causes").front().second;
    EXPECT_EQ(cause.get<std::string>("fix"), "admin");
    EXPECT_EQ(cause.get<std::string>("advice"), "Log in & <b>retry</b>.");
    EXPECT_EQ(cause.get_child("evidence").front().second.get<std::string>("sender"),
              "a&b@example.test");
    const pt::ptree& hour = root.get_child("hourly").front().second;
    EXPECT_EQ(hour.get<std::string>("hour"), "2026-11-26T05:00:00Z");
    EXPECT_EQ(hour.get<unsigned>("causes.relay-denied"), 1u);
    EXPECT_EQ(root.get<unsigned>("input.lines"), 4u);
    EXPECT_EQ(root.get<unsigned>("join.findings_joined"), 1u);
}

TEST(RenderJson, StringsAreValidJson) {
    std::string out;
    append_json_string(out, "a\"b\\c\n\x01\x7f\xff\xc3\xa9");
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xef\xbf\xbd\xc3\xa9\"");
}

TEST(RenderHtml, ClientTextIsEscaped) {
    const std::string html = render_html(hostile_report());
    for (const char* markup : {"<script", "<img", "<b>evil", "<b>retry"}) {
        EXPECT_EQ(html.find(markup), std::string::npos) << markup;
    }
    // The milter's HELO, Postfix's HELO, the recipient, the sender, the advice.
    for (const char* escaped : {"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
                                "&lt;b&gt;evil&lt;/b&gt;", "to=&lt;&lt;script&gt;@remote.test&gt;",
                                "a&amp;b@example.test", "Log in &amp; &lt;b&gt;retry&lt;/b&gt;."}) {
        EXPECT_NE(html.find(escaped), std::string::npos) << escaped;
    }
    EXPECT_NE(html.find("relay-denied (fix: admin)"), std::string::npos);
    EXPECT_EQ(html.find('\x1b'), std::string::npos);
    EXPECT_EQ(html.find('\xff'), std::string::npos);
}

TEST(RenderHtml, SelfContainedWithAnInlineChart) {
    const std::string html = render_html(hostile_report());
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_NE(html.find("<rect"), std::string::npos);  // one bar: 05:00, relay-denied
    EXPECT_NE(html.find("relay-denied: 1</title>"), std::string::npos);
    for (const char* external : {"http:", "https:", "src=", "<link", "@import", "url(", "<script",
                                 "<iframe", "<object", "<embed"}) {
        EXPECT_EQ(html.find(external), std::string::npos) << external;
    }
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(RenderHtml, AStrayLineYearsAwayKeepsTheChartSmall) {
    // A line dated 1970 among 2026's (found by fuzz-report: thousands of
    // daily bars, seconds a report): the bars widen to whole days.
    Report report;
    HourBucket old_one;
    old_one.hour = 0;
    old_one.counts[cause_slot(policy::Cause::relay_denied)] = 1;
    HourBucket recent;
    recent.hour = UnixTime{1795581074} / 3600 * 3600;
    recent.counts[cause_slot(policy::Cause::auth_failed)] = 2;
    report.hourly = {old_one, recent};
    const std::string html = render_html(report);
    EXPECT_NE(html.find("per 14 days, by cause"), std::string::npos);  // 20782 days / 1488 bars
    EXPECT_NE(html.find("relay-denied: 1</title>"), std::string::npos);
    EXPECT_NE(html.find("auth-failed: 2</title>"), std::string::npos);
    EXPECT_LT(html.size(), 200'000u);
}

TEST(RenderHtml, EveryCauseHasAColorOfItsOwn) {
    Report report;
    HourBucket bucket;
    bucket.hour = UnixTime{1795581074} / 3600 * 3600;
    for (size_t slot = 0; slot < cause_slots; ++slot)
        bucket.counts[slot] = 1;
    report.hourly = {bucket};
    const std::string html = render_html(report);
    std::set<std::string> colors;
    for (size_t at = html.find("<rect"); at != std::string::npos; at = html.find("<rect", at + 1)) {
        const size_t fill = html.find("fill=\"", at) + 6;
        colors.insert(html.substr(fill, html.find('"', fill) - fill));
    }
    EXPECT_EQ(colors.size(), cause_slots);
    EXPECT_FALSE(colors.contains(""));
}

TEST(RenderHtml, EmptyReport) {
    static const LocalZone utc = LocalZone::fixed(0);
    Analyzer analyzer(AnalyzerOptions{}, utc);
    const std::string html = render_html(analyzer.finish());
    EXPECT_NE(html.find("No session had its DATA refused"), std::string::npos);
    EXPECT_EQ(html.find("<svg"), std::string::npos);
}

TEST(RenderText, TerminalSafe) {
    const std::string text = render_text(hostile_report());
    EXPECT_EQ(text.find('\x1b'), std::string::npos);  // no escape sequence reaches a terminal
    EXPECT_EQ(text.find('\xff'), std::string::npos);
    EXPECT_NE(text.find("\\x1b[31m\\xff"), std::string::npos);
    EXPECT_NE(text.find("127.0.0.11"), std::string::npos);
    EXPECT_NE(text.find("cause relay-denied (fix: admin)"), std::string::npos);
    EXPECT_EQ(terminal_safe("ok \xc2\x9b x"), "ok \\xc2\\x9b x");  // C1 CSI
    EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(TextEscape, PlainAsciiEightAtATimeAgreesWithEachByte) {
    // Every byte value at every position of a 17-byte text (two words and
    // a tail), amid printable ASCII: plain only when the byte is.
    for (int byte = 0; byte < 256; ++byte) {
        const auto c = static_cast<char>(byte);
        const bool plain = byte >= 0x20 && byte < 0x7f;
        for (size_t at = 0; at < 17; ++at) {
            std::string text(17, 'a');
            text[at] = c;
            EXPECT_EQ(all_plain_ascii(text), plain) << "byte " << byte << " at " << at;
            // Alone, a byte past 0x7f is no UTF-8 either: escaped.
            EXPECT_EQ(terminal_safe(text) == text, plain) << "byte " << byte << " at " << at;
        }
    }
    // Neighbours that borrow from each other in a word: 0x20 after 0x1f.
    EXPECT_FALSE(all_plain_ascii(std::string("abc\x1f\x20xyz", 8)));
    EXPECT_TRUE(all_plain_ascii(" ~~~~~~~ ~"));
    EXPECT_TRUE(all_plain_ascii(""));
}

TEST(TextEscape, HtmlAndWidths) {
    EXPECT_EQ(html_escape("<a href='x'>&\"</a>"),
              "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    EXPECT_EQ(html_escape("\x01\xff\xc3\xa9"), "\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9");
    EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);
    EXPECT_EQ(display_width("\xed\xa0\x80"), 3u);  // a surrogate is not UTF-8: 3 bytes, 3 columns
    EXPECT_EQ(display_width("\xf0\x9f\x98\x80"), 1u);
}

}  // namespace
}  // namespace milter503::report
