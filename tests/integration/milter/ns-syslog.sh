#!/bin/bash
# NAME
#	ns-syslog.sh - run a command beside a private rsyslogd (inside unshare)
# SYNOPSIS
#	setsid unshare --mount --propagation private --fork \
#	    tests/integration/milter/ns-syslog.sh DIR COMMAND [ARG...]
# DESCRIPTION
#	syslog(3) always writes to /dev/log, so a test of the real syslog path
#	needs its own /dev/log: in a private mount namespace this script puts
#	a small tmpfs on /dev (the device nodes a daemon needs, no more),
#	starts `rsyslogd -n -f DIR/rsyslog.conf`, waits for its /dev/log, then
#	runs COMMAND. Its pid goes to DIR/command.pid, its exit status to
#	DIR/command.status when it ends; rsyslogd (pid in DIR/rsyslogd.pid)
#	is then given a moment to write the last lines and stopped, so the
#	namespace is empty when this script exits. Nothing outside DIR and
#	the namespace is touched.
set -eu

dir=$1
shift

. "$(dirname "$0")/../lib/private-dev.sh"
private_dev

rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" </dev/null >>"$dir/rsyslogd.out" 2>&1 &
rsyslogd_pid=$!
for ((i = 0; i < 100; i++)); do
    [ -S /dev/log ] && break
    kill -0 "$rsyslogd_pid" 2>/dev/null || break
    sleep 0.1
done
if [ ! -S /dev/log ]; then
    echo "ns-syslog: rsyslogd did not create /dev/log" >&2
    kill "$rsyslogd_pid" 2>/dev/null || true
    exit 1
fi

"$@" </dev/null >>"$dir/command.out" 2>&1 &
command_pid=$!
echo "$command_pid" >"$dir/command.pid"
status=0
wait "$command_pid" || status=$?
echo "$status" >"$dir/command.status"

sleep 0.5
kill -TERM "$rsyslogd_pid" 2>/dev/null || true
wait "$rsyslogd_pid" 2>/dev/null || true
exit 0
