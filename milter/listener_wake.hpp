// NAME
//	listener_wake 3h
// SUMMARY
//	wake libmilter's listener so that a stop takes effect at once
// SYNOPSIS
//	#include "milter/listener_wake.hpp"
// DESCRIPTION
//	libmilter's listener (listener.c, mi_listener()) looks at its stop
//	flag only when its select() returns: at the next connection, or
//	after MI_CHK_TIME, five seconds compiled into the library, and it
//	holds the lock smfi_stop() takes while it waits. wake_listener()
//	connects to the milter's own socket and hangs up at once: the
//	listener loops, lets go of the lock, and once smfi_stop() has set the
//	flag, sees it and returns (the daemon wakes it until the stop took):
//	a stop (systemctl stop, SIGTERM) takes a fraction of a second plus
//	the log flush, instead of up to five seconds. libmilter takes the
//	wake-up for a connection that closed before its first command and
//	drops it; no callback runs.
//
//	`socket` is the milter's Socket value (inet:PORT@HOST,
//	inet6:PORT@HOST, unix:PATH, local:PATH or a bare path); a wildcard or
//	empty host is reached on loopback.
// DIAGNOSTICS
//	None: best effort. When the connection fails (the socket is gone),
//	the listener still notices the stop at its next poll.
#pragma once

#include <string_view>

namespace milter503::milter {

void wake_listener(std::string_view socket);

}  // namespace milter503::milter
