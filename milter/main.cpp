// NAME
//	milter503 8
// SUMMARY
//	diagnose SMTP sessions that end in "503 valid RCPT command must precede DATA"
// SYNOPSIS
//	milter503 [-f] [-n] [-V] [-c FILE] [-p SOCKET] [-u USER[:GROUP]] [-P PIDFILE] [-l TARGET]
// DESCRIPTION
//	See milter503(8) and README.md.
#include <sysexits.h>

#include <exception>
#include <iostream>

#include "milter/daemon.hpp"

int main(int argc, char** argv) {
    try {
        return milter503::milter::run_daemon(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "milter503: " << e.what() << "\n";
        return EX_SOFTWARE;
    }
}
