// NAME
//	milter503-report 1
// SUMMARY
//	per-client report of SMTP sessions whose DATA got 503/554
// SYNOPSIS
//	milter503-report [--format text|json|html] [--top N] [--since T]
//	    [--until T] [--client ADDR] [--kind user|stranger|unknown|all]
//	    [--user LOGIN-OR-ADDRESS] [--year YYYY] [FILE...]
// DESCRIPTION
//	Reads the files (gzip or plain, in the order of their first line's
//	time), or standard input, and prints the report on standard output.
//	Where its CPU affinity allows two cores, the sessions are joined on a
//	second thread while the lines are read (join_thread.hpp).
//	Exit status (sysexits.h): 0 done, also when nothing was found;
//	64 bad command line (usage on standard error); 66 a file could not be
//	read, or not to its end: the file is named on standard error, the
//	other files are still read and the report is still printed.
#include <sched.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "report/analyzer.hpp"
#include "report/options.hpp"
#include "report/render_html.hpp"
#include "report/render_json.hpp"
#include "report/render_text.hpp"
#include "version.hpp"

namespace {

using namespace milter503::report;

// Whether this process may run on two cores at once: then a second
// thread joins the sessions while the first reads (join_thread.hpp).
bool has_second_core() {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
        return CPU_COUNT(&cpus) > 1;
    return std::thread::hardware_concurrency() > 1;
}

int run(const Options& options, const LocalZone& zone) {
    AnalyzerOptions analyzer_options;
    analyzer_options.year = options.year;
    analyzer_options.now = zone.to_civil(std::time(nullptr));
    analyzer_options.filters = options.filters;
    analyzer_options.clients_on_demand = true;  // `analyzer` outlives the report
    analyzer_options.join_thread = has_second_core();
    Analyzer analyzer(analyzer_options, zone);

    int status = EX_OK;
    const std::vector<std::string> files =
        options.files.empty() ? std::vector<std::string>{"-"} : options.files;
    analyzer.read_files(files, [&](const std::string& path, const std::string& error) {
        std::cerr << "milter503-report: " << path << ": " << error << "\n";
        status = EX_NOINPUT;
    });
    const Report report = analyzer.finish();
    bool written = true;
    const OutputSink to_stdout = [&written](std::string_view piece) {
        written = written && std::fwrite(piece.data(), 1, piece.size(), stdout) == piece.size();
    };
    switch (options.format) {
        case Format::text:
            render_text(report, to_stdout);
            break;
        case Format::json:
            render_json(report, to_stdout);
            break;
        case Format::html:
            render_html(report, to_stdout);
            break;
    }
    if (!written || std::fflush(stdout) != 0) {
        std::perror("milter503-report: standard output");
        return EX_IOERR;
    }
    // Done: the exit returns the per-client tables to the system at once,
    // where destroying them entry by entry costs a tenth of the run on a
    // large log.
    std::cerr.flush();
    std::_Exit(status);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const LocalZone zone;
    const auto parsed = parse_options(args, zone);
    if (const auto* error = std::get_if<UsageError>(&parsed)) {
        std::cerr << "milter503-report: " << error->message << "\n\n" << usage_text();
        return EX_USAGE;
    }
    const auto& options = std::get<Options>(parsed);
    if (options.help) {
        std::cout << usage_text();
        return EX_OK;
    }
    if (options.version) {
        std::cout << "milter503-report " << milter503::version << "\n";
        return EX_OK;
    }
    try {
        return run(options, zone);
    } catch (const std::exception& e) {
        std::cerr << "milter503-report: " << e.what() << "\n";
        return EX_SOFTWARE;
    }
}
