// NAME
//	milter_line 3
// SUMMARY
//	dispatch of milter503 lines to the policy parsers
#include "report/milter_line.hpp"

#include "policy/log_format.hpp"

namespace milter503::report {
namespace {

// `text` starts with `key` followed by `separator`.
bool starts_with_key(std::string_view text, std::string_view key, char separator) {
    return text.size() > key.size() && text.substr(0, key.size()) == key &&
           text[key.size()] == separator;
}

}  // namespace

bool is_milter(std::string_view program) {
    return program == "milter503" || program.substr(0, 10) == "milter503/";
}

Parsed parse_milter_line(std::string_view message, MilterLine& out) {
    out = MilterLine{};
    if (starts_with_key(message, logfmt::summary_prefix, ':')) {
        out.summary = policy::parse_summary(message);
        return out.summary ? Parsed::used : Parsed::malformed;
    }
    if (starts_with_key(message, logfmt::alert_prefix, ':')) {
        out.alert = policy::parse_alert(message);
        return out.alert ? Parsed::used : Parsed::malformed;
    }
    const size_t colon = message.find(": ");
    if (colon == std::string_view::npos)
        return Parsed::ignored;
    const std::string_view fields = message.substr(colon + 2);
    if (!starts_with_key(fields, logfmt::key::finding, '='))
        return Parsed::ignored;
    out.finding = policy::parse_finding(message);
    return out.finding ? Parsed::used : Parsed::malformed;
}

Parsed read_milter(const LogLine& line, EventSink& sink) {
    MilterLine milter;
    const Parsed parsed = parse_milter_line(line.message, milter);
    if (milter.finding)
        sink.finding(std::move(*milter.finding));
    if (milter.summary)
        sink.summary(std::move(*milter.summary));
    if (milter.alert)
        sink.alert(std::move(*milter.alert));
    return parsed;
}

}  // namespace milter503::report
