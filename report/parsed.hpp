// NAME
//	parsed 3h
// SUMMARY
//	what a message parser made of one log line
// SYNOPSIS
//	#include "report/parsed.hpp"
// DESCRIPTION
//	ignored: a well-formed line the report has no use for (other programs,
//	delivery lines, warnings). used: an event was produced. malformed: the
//	line is one of the forms the report reads, but truncated or garbled
//	(counted and shown in the report footer, never fatal).
#pragma once

namespace milter503::report {

enum class Parsed { ignored, used, malformed };

}  // namespace milter503::report
