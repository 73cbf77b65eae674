// NAME
//	render_html 3h
// SUMMARY
//	the report as one self-contained HTML file
// SYNOPSIS
//	#include "report/render_html.hpp"
// DESCRIPTION
//	Inline CSS and an inline SVG bar chart of 503/554 sessions per hour
//	stacked by cause (per day when the period is longer than 62 days);
//	no script, no external resource of any kind. Every text taken from
//	the logs goes through html_escape().
#pragma once

#include <string>

#include "report/output_sink.hpp"
#include "report/report_model.hpp"

namespace milter503::report {

// Writes the report to `sink`, a piece at a time (output_sink.hpp).
void render_html(const Report& report, const OutputSink& sink);
// The whole report as one string.
std::string render_html(const Report& report);

}  // namespace milter503::report
