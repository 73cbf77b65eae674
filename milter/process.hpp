// NAME
//	process 3h
// SUMMARY
//	the daemon's relation to the system: user, pid file, background
// SYNOPSIS
//	#include "milter/process.hpp"
// DESCRIPTION
//	Small wrappers that report failures as text instead of errno, so the
//	caller can log them and exit with the right sysexits code.
#pragma once

#include <optional>
#include <string>

namespace milter503::milter {

// Becomes USER (and GROUP, else USER's primary group) with its
// supplementary groups. Returns an error message, empty on success.
std::string become_user(const std::string& user_and_group);

std::string write_pid_file(const std::string& path);

// Forks into the background (a new session, stdio on /dev/null).
std::string daemonize();

}  // namespace milter503::milter
