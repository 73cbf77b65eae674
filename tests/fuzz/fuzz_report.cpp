// NAME
//	fuzz_report - milter503-report on any log text
// DESCRIPTION
//	The input is split into lines and fed to the Analyzer as one log
//	file; the report is then rendered in all three formats. Mail logs
//	carry text that clients chose (HELO, addresses, reply texts), so no
//	line may crash the report, and the HTML must never contain a tag or
//	attribute the input put there. The clients are made as the renderers
//	read them (milter503-report's own way), and the text report must be
//	the one of the clients made beforehand.
#include <cstdlib>

#include "report/analyzer.hpp"
#include "report/render_html.hpp"
#include "report/render_json.hpp"
#include "report/render_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace milter503::report;
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 11, 26, 0, 0, 0};
    Analyzer analyzer(options, utc);
    options.clients_on_demand = true;
    Analyzer on_demand(options, utc);
    SyslogParser parser = analyzer.stream_parser();
    SyslogParser on_demand_parser = on_demand.stream_parser();
    std::string_view text(reinterpret_cast<const char*>(data), size);
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        analyzer.add_line(text.substr(0, newline), parser);
        on_demand.add_line(text.substr(0, newline), on_demand_parser);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    }
    const Report made = analyzer.finish();
    const Report report = on_demand.finish();
    if (render_text(report) != render_text(made))
        std::abort();
    (void)render_json(report);
    const std::string html = render_html(report);
    if (html.find("<script") != std::string::npos || html.find("<img") != std::string::npos) {
        std::abort();
    }
    return 0;
}
