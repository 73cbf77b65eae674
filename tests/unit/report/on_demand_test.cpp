// NAME
//	on_demand_test - clients made as the renderer reads them, the same report
// DESCRIPTION
//	milter503-report makes each client's report as the renderer reads it
//	(AnalyzerOptions::clients_on_demand) instead of all before rendering.
//	On every log under tests/data (the real logs others wrote and the
//	captures of the integration runs), with and without --top and
//	--kind, the text, JSON and HTML output is byte for byte the one of
//	the clients made beforehand.
//
//	It also joins the sessions on a second thread while reading
//	(AnalyzerOptions::join_thread): with batches of a few lines, so that
//	nearly every line crosses between the threads, the output is again
//	the same byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/analyzer.hpp"
#include "report/render_html.hpp"
#include "report/render_json.hpp"
#include "report/render_text.hpp"
#include "test_util.hpp"

namespace milter503::report {
namespace {

namespace fs = std::filesystem;

// Every directory of log files: each real log alone, each scenario's
// maillog and milter.log together.
std::vector<std::vector<std::string>> all_inputs() {
    std::vector<std::vector<std::string>> inputs;
    for (const auto& entry : fs::directory_iterator(test::data_path("real"))) {
        if (entry.path().extension() == ".log")
            inputs.push_back({entry.path().string()});
    }
    for (const char* mta : {"postfix", "sendmail"}) {
        for (const auto& dir : fs::directory_iterator(test::data_path(mta))) {
            std::vector<std::string> files;
            for (const auto& file : fs::directory_iterator(dir.path()))
                if (file.path().extension() == ".log" || file.path().filename() == "maillog")
                    files.push_back(file.path().string());
            if (!files.empty())
                inputs.push_back(files);
        }
    }
    return inputs;
}

struct Rendered {
    std::string text;
    std::string json;
    std::string html;
};

struct Route {
    bool on_demand = false;
    bool join_thread = false;
};

Rendered render(const std::vector<std::string>& files, const Filters& filters, Route route) {
    static const LocalZone utc = LocalZone::fixed(0);
    AnalyzerOptions options;
    options.year = 2026;
    options.now = CivilTime{2026, 12, 1, 0, 0, 0};
    options.filters = filters;
    options.clients_on_demand = route.on_demand;
    options.join_thread = route.join_thread;
    if (route.join_thread)
        options.batch_text_room = 400;  // two or three lines a batch
    Analyzer analyzer(options, utc);
    analyzer.read_files(files, [](const std::string& path, const std::string& error) {
        ADD_FAILURE() << path << ": " << error;
    });
    const Report report = analyzer.finish();
    EXPECT_EQ(report.client_source != nullptr, route.on_demand);
    return {render_text(report), render_json(report), render_html(report)};
}

TEST(ClientsOnDemand, TheSameOutputOnEveryLog) {
    const auto inputs = all_inputs();
    ASSERT_GE(inputs.size(), 40u);
    std::vector<Filters> variants(4);
    variants[1].top = 1;
    variants[2].kind = ClientKind::stranger;
    variants[3].kind = ClientKind::unknown;
    size_t with_clients = 0;
    for (const auto& files : inputs) {
        for (const Filters& filters : variants) {
            const Rendered made = render(files, filters, Route{});
            const Rendered on_demand = render(files, filters, Route{.on_demand = true});
            EXPECT_EQ(on_demand.text, made.text) << files.front();
            EXPECT_EQ(on_demand.json, made.json) << files.front();
            EXPECT_EQ(on_demand.html, made.html) << files.front();
            with_clients += made.json.find("\"address\"") != std::string::npos ? 1 : 0;
        }
    }
    EXPECT_GE(with_clients, 60u);  // most runs list clients: the test compares something
}

TEST(JoinThread, TheSameOutputOnEveryLog) {
    size_t with_clients = 0;
    for (const auto& files : all_inputs()) {
        const Rendered one = render(files, Filters{}, Route{.on_demand = true});
        const Rendered two =
            render(files, Filters{}, Route{.on_demand = true, .join_thread = true});
        EXPECT_EQ(two.text, one.text) << files.front();
        EXPECT_EQ(two.json, one.json) << files.front();
        EXPECT_EQ(two.html, one.html) << files.front();
        with_clients += one.json.find("\"address\"") != std::string::npos ? 1 : 0;
    }
    EXPECT_GE(with_clients, 20u);
}

}  // namespace
}  // namespace milter503::report
