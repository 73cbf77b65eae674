#!/bin/sh
# NAME
#	ns-run.sh - the inside of the private Sendmail's mount/UTS namespace
# SYNOPSIS
#	setsid unshare --mount --uts --propagation private --fork -- \
#	    sh ns-run.sh SM_DIR
# DESCRIPTION
#	Started by lib.sh (sm_start), never by hand. Everything it changes
#	is private to the new namespaces and disappears with their last
#	process; nothing on the host is edited:
#
#	  hostname	mx.example.test (UTS namespace): Sendmail sleeps 60 s
#			at start when its host name is not fully qualified.
#	  /dev		a small tmpfs with null, zero, full, random, urandom,
#			tty and fd links. Sendmail logs only through syslog(3),
#			i.e. the datagram socket /dev/log, which a host may not
#			have at all (or has for journald): here /dev/log is the
#			socket of a private rsyslogd writing to SM_DIR/maillog.
#	  /etc/hosts	SM_DIR/etc/hosts, so mx.example.test resolves without
#			DNS (Sendmail also reads it through its own hosts file
#			option, but libc's gethostbyname() needs it too).
#	  SASL dir	Sendmail clears its environment before Cyrus SASL reads
#			its configuration, so SASL_CONF_PATH cannot point at a
#			private Sendmail.conf: the first existing directory of
#			libsasl2's search path gets a bind-mounted copy of itself
#			plus our Sendmail.conf (prepared by lib.sh in
#			SM_DIR/sasl-dir, target named in SM_DIR/sasl-target).
#
#	Then: rsyslogd -n in the background, `sendmail -bi` (aliases.db),
#	`sendmail -bD` (daemon in the foreground) in the background; their
#	pids go to SM_DIR/rsyslogd.pid (its own) and SM_DIR/sendmail.pid. When
#	sendmail exits (lib.sh sends it SIGTERM), rsyslogd gets a moment to
#	write the last lines and is stopped; then the namespace is empty.
set -eu

dir=$1
root=$dir/root
sendmail=$root/usr/libexec/sendmail/sendmail

hostname mx.example.test

. "$(dirname "$0")/../lib/private-dev.sh"
private_dev

mount --bind "$dir/etc/hosts" /etc/hosts

if [ -s "$dir/sasl-target" ]; then
    mount --bind "$dir/sasl-dir" "$(cat "$dir/sasl-target")"
fi

rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" </dev/null \
    >>"$dir/rsyslogd.out" 2>&1 &
rsyslogd_pid=$!
i=0
while [ ! -S /dev/log ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$rsyslogd_pid" 2>/dev/null; then
        echo "ns-run: rsyslogd did not create /dev/log" >&2
        kill "$rsyslogd_pid" 2>/dev/null || true
        exit 1
    fi
    sleep 0.1
done
logger -t milter503-test "private syslog for $dir is up"

"$sendmail" -C "$dir/sendmail.cf" -bi </dev/null >>"$dir/sendmail.out" 2>&1 || {
    echo "ns-run: sendmail -bi (aliases) failed" >&2
    kill "$rsyslogd_pid" 2>/dev/null || true
    exit 1
}

"$sendmail" -C "$dir/sendmail.cf" -L sm-mta -bD </dev/null \
    >>"$dir/sendmail.out" 2>&1 &
sendmail_pid=$!
echo "$sendmail_pid" >"$dir/sendmail.pid"

status=0
wait "$sendmail_pid" || status=$?

# Let rsyslogd write what sendmail's last children logged, then stop it.
sleep 0.5
kill -TERM "$rsyslogd_pid" 2>/dev/null || true
wait "$rsyslogd_pid" 2>/dev/null || true
echo "ns-run: sendmail exited with status $status" >>"$dir/sendmail.out"
exit 0
