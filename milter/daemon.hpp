// NAME
//	daemon 3h
// SUMMARY
//	milter503's main program: configuration, signals, libmilter's loop
// SYNOPSIS
//	#include "milter/daemon.hpp"
// DESCRIPTION
//	run_daemon() is main(): it returns a <sysexits.h> code.
//	libmilter's own signal thread stops smfi_main() on SIGHUP, SIGINT and
//	SIGTERM; milter503 waits for SIGUSR1 (reload) and SIGUSR2 (summary) on
//	a thread of its own, which also writes the periodic summary.
#pragma once

namespace milter503::milter {

int run_daemon(int argc, const char* const* argv);

}  // namespace milter503::milter
