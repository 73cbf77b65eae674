# NAME
#	private-dev.sh - a minimal /dev for a test's private mount namespace (POSIX sh, sourced)
# SYNOPSIS
#	. tests/integration/lib/private-dev.sh; private_dev
# DESCRIPTION
#	Only inside `unshare --mount --propagation private`: puts a small
#	tmpfs over /dev with the device nodes a daemon needs, so that the
#	test's own rsyslogd can create /dev/log without touching the host's.
#	Used by milter/ns-syslog.sh and sendmail/ns-run.sh.
private_dev() {
    mount -t tmpfs -o mode=0755,size=256k,nosuid milter503-dev /dev
    mknod -m 0666 /dev/null c 1 3
    mknod -m 0666 /dev/zero c 1 5
    mknod -m 0666 /dev/full c 1 7
    mknod -m 0666 /dev/random c 1 8
    mknod -m 0666 /dev/urandom c 1 9
    mknod -m 0666 /dev/tty c 5 0
    ln -s /proc/self/fd /dev/fd
    ln -s /proc/self/fd/0 /dev/stdin
    ln -s /proc/self/fd/1 /dev/stdout
    ln -s /proc/self/fd/2 /dev/stderr
}
