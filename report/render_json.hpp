// NAME
//	render_json 3h
// SUMMARY
//	the report as one JSON document (schema "milter503-report/1")
// SYNOPSIS
//	#include "report/render_json.hpp"
// DESCRIPTION
//	The schema is documented in report/README.md ("JSON schema") and
//	checked by tests/unit/report/render_json_test.cpp. Times are strings
//	`YYYY-MM-DDTHH:MM:SSZ` (UTC); absent values are null; counts are
//	integers; strings are valid UTF-8 (bytes that are not become U+FFFD).
//	Fields are only ever added within one schema version.
#pragma once

#include <string>

#include "report/output_sink.hpp"
#include "report/report_model.hpp"

namespace milter503::report {

// Writes the report to `sink`, a piece at a time (output_sink.hpp).
void render_json(const Report& report, const OutputSink& sink);
// The whole report as one string.
std::string render_json(const Report& report);

}  // namespace milter503::report
