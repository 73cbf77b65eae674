// NAME
//	render_text 3h
// SUMMARY
//	the report as a terminal table plus a detail block per client
// SYNOPSIS
//	#include "report/render_text.hpp"
// DESCRIPTION
//	One header line with the period and totals, an aligned table (one row
//	per client: address, name, sessions, 503/554, flagged, top cause,
//	last seen), then per client the names, HELOs, logins, each cause with
//	its evidence lines and the advice, and the milter's own summary. A
//	footer counts the input lines (used, ignored, malformed, outside the
//	period, too long) and the joins. Times are UTC. Client-controlled
//	text goes through terminal_safe().
#pragma once

#include <string>

#include "report/output_sink.hpp"
#include "report/report_model.hpp"

namespace milter503::report {

// Writes the report to `sink`, a piece at a time (output_sink.hpp).
void render_text(const Report& report, const OutputSink& sink);
// The whole report as one string.
std::string render_text(const Report& report);

}  // namespace milter503::report
