# NAME
#	lib.sh - a private Sendmail from Debian's packages (8.17 on Debian 12, 8.18 on 13), on loopback (bash, sourced)
# SYNOPSIS
#	. tests/integration/sendmail/lib.sh
#	sm_init BUILD_DIR		# checks, work directory, packages, watchdog
#	sm_milter_start			# milter503 on a free port (optional)
#	sm_proxy_start			# milter proxy hiding SMFIF_SETSYMLIST (optional)
#	sm_create			# unpack, write the instance, build sendmail.cf
#	sm_start			# rsyslogd + sendmail -bD, wait for the port
#	sm_swaks NAME ADDR SWAKS_ARGS...	# one SMTP session from 127.0.0.N
#	sm_session_NAME			# the scenarios' sessions (end of this file)
#	sm_wait_maillog REGEX [SECONDS]	# poll Sendmail's syslog
#	sm_stop				# stop Sendmail and its syslog
#	sm_create; sm_start		# again: a new instance (new .mc) in SM_DIR
# DESCRIPTION
#	Debian's sendmail-bin conflicts with postfix, which the Postfix
#	tests need installed, so Sendmail is never installed: sm_init runs
#	`apt-get download sendmail-bin sendmail-base sendmail-cf` once into
#	SM_CACHE (BUILD_DIR/sendmail-debs, so the build tree holds it and
#	nothing is left elsewhere; `apt-get update` first if apt has no
#	package lists yet), and sm_create unpacks the three .debs with
#	`dpkg-deb -x` into SM_DIR/root.
#
#	Each test run owns SM_DIR = IT_WORK/sendmail, where IT_WORK is a
#	root-owned 0755 directory under /var/lib/milter503-test (common.sh's
#	it_workdir with IT_TMPBASE moved there): Sendmail refuses its queue,
#	alias and SASL files when a directory above them is group or world
#	writable, and it does not trust the sticky bit, so neither /tmp nor
#	/var/tmp will do. Nothing outside IT_WORK is written, except the
#	package cache, and the base directory is removed again when empty.
#
#	The instance (SM_DIR):
#	  root/		the unpacked packages; the binary is
#			root/usr/libexec/sendmail/sendmail, the m4 files are
#			root/usr/share/sendmail/cf.
#	  sendmail.mc	built into sendmail.cf with m4 (see sm__write_mc for
#			every option and why it is there).
#	  mqueue/	queue; DeliveryMode=queueonly, so nothing is delivered
#			and nothing leaves the host ("deferred" would also drop
#			the relay checks from the ruleset).
#	  maillog	Sendmail's syslog lines, written by a private rsyslogd.
#	  etc/hosts	127.0.0.1 mx.example.test.
#	  aliases	alice, bob, carol, boss -> root, so RCPT to them passes
#			the local user check.
#	  sasldb2	Cyrus SASL: login alice (realm example.test), password
#			SM_PASSWORD.
#
#	How it runs: ns-run.sh, under `setsid unshare --mount --uts
#	--propagation private --fork`, sets the host name, mounts a private
#	/dev (with /dev/log the socket of a private rsyslogd), /etc/hosts
#	and SASL directory, then runs `sendmail -bD` (foreground daemon) as
#	root. SM_NS_PID is the process group of everything in there.
#	sm_stop: SIGTERM to sendmail; ns-run.sh then stops rsyslogd; after
#	15 s whatever is left in the process group gets SIGKILL. The mounts
#	and namespaces go away with their last process.
#
#	Clean-up on every path: sm_stop, milter_stop and the proxy's stop
#	are it_atexit commands, run on exit, failure, SIGINT and SIGTERM.
#	sm_init starts a watchdog that sends the script SIGTERM after
#	SM_DEADLINE seconds (default 150), so a hung run cleans up before
#	ctest's TIMEOUT kills it. Should a run still be killed with SIGKILL,
#	the next sm_init stops what that run left (sm__reap_stale) before
#	common.sh removes its directory.
#
#	The mail system: DAEMON_OPTIONS Port=SM_PORT, Addr=127.0.0.1,
#	Name=MTA; example.test is local (LOCAL_DOMAIN); relaying only for
#	127.0.0.1 (Sendmail's built-in rule) and for SASL-authenticated
#	clients (TRUST_AUTH_MECH), so 127.0.0.5 gets
#	`550 5.7.1 <x@remote.test>... Relaying denied`.
#
#	Variables read by sm_create:
#	  SM_MILTER_PORT	milter503's port; empty: no INPUT_MAIL_FILTER
#	  SM_MILTER_FLAGS	F= part, default `F=T' (tempfail when the milter
#			is down, so a dead milter fails the tests loudly)
#	  SM_MC_MACROS	the confMILTER_MACROS_* lines of the .mc; unset: the
#			ones conf/sendmail.mc.snippet once had (Sendmail's
#			defaults plus what milter503 uses)
#	  SM_MC_EXTRA	more .mc lines, just before the MAILER lines
#	  SM_SMTP_AUTH	yes (default) / no: offer AUTH PLAIN LOGIN
#	  SM_ACCESS	lines of an access map (FEATURE access_db and
#			blocklist_recipients, built with the package's makemap),
#			e.g. `To:full@example.test ERROR:4.2.2:452 4.2.2 Mailbox full'
#	  SM_MC_SNIPPET	a file of .mc lines (conf/sendmail.mc.snippet) used
#			instead of the test's own milter lines; its
#			inet:8894@127.0.0.1 becomes SM_MILTER_PORT

[ -n "${SM_LIB_LOADED:-}" ] && return 0
SM_LIB_LOADED=1

SM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SM_BASE=${SM_BASE:-/var/lib/milter503-test}
IT_TMPBASE=$SM_BASE
# shellcheck source=../lib/common.sh
. "$SM_LIB/../lib/common.sh"
# shellcheck source=../lib/milter.sh
. "$SM_LIB/../lib/milter.sh"

SM_PACKAGES="sendmail-bin sendmail-base sendmail-cf"
SM_DOMAIN=example.test
SM_HOSTNAME=mx.example.test
SM_PASSWORD=${SM_PASSWORD:-alice-secret-1}

# sm_init BUILD_DIR: fail (never skip) when something is missing; create
# IT_WORK; make sure the packages are in the cache.
sm_init() {
    SM_BUILD=$(cd "${1:?usage: sm_init BUILD_DIR}" && pwd) || it_fail "no build directory $1"
    [ "$(id -u)" -eq 0 ] ||
        it_fail "must run as root (Sendmail's daemon, mount and unshare need it)"
    it_require m4 swaks rsyslogd unshare setsid mount mknod logger saslpasswd2 \
        apt-get dpkg-deb ss flock ldd perl
    SM_CACHE=${SM_CACHE:-$SM_BUILD/sendmail-debs}
    sm__watchdog "${SM_DEADLINE:-150}"
    install -d -m 0755 "$SM_BASE" || it_fail "cannot create $SM_BASE"
    # Registered before it_workdir: runs after the work dir is removed.
    # Always, not only by the run that created it: with two runs at once
    # (two build trees), the last one out removes it.
    it_atexit "rmdir -- '$SM_BASE' 2>/dev/null || true"
    sm__reap_stale
    it_workdir
    SM_DIR=$IT_WORK/sendmail
    SM_MAILLOG=$SM_DIR/maillog
    # The MTA log shown when an assertion on the milter's log fails (lib/milter.sh).
    MT_MTA_LOG=$SM_MAILLOG
    install -d -m 0755 "$SM_DIR"
    sm_fetch
}

# sm__watchdog SECONDS: SIGTERM to this script after SECONDS, so that its
# trap stops Sendmail and the milter (and keeps the logs) before ctest's
# TIMEOUT would SIGKILL it. It polls instead of sleeping once, so that it
# also ends within a second when the script is gone (SIGKILL).
sm__watchdog() {
    local limit=$1 script=$$
    (
        trap 'exit 0' TERM
        for ((i = 0; i < limit; i++)); do
            sleep 1
            kill -0 "$script" 2>/dev/null || exit 0
        done
        echo "$IT_NAME: FAIL: still running after $limit s (SM_DEADLINE), stopping" >&2
        kill -TERM "$script"
    ) </dev/null &
    SM_WATCHDOG_PID=$!
    it_atexit 'kill -TERM $SM_WATCHDOG_PID 2>/dev/null; wait $SM_WATCHDOG_PID 2>/dev/null || true'
}

# sm__reap_stale: a run killed with SIGKILL leaves its Sendmail namespace
# and milter proxy running. Stop them, but only when their owner is gone
# and their command line names that run's directory; common.sh's
# it_reap_stale then removes the directory (and stops its milter).
sm__reap_stale() {
    local d owner pid pgid
    for d in "$SM_BASE"/"$IT_STAMP".*; do
        [ -d "$d" ] && [ -f "$d/owner" ] || continue
        owner=$(cat "$d/owner" 2>/dev/null)
        it_pid_alive "$owner" && continue
        for pid in $(cat "$d/sendmail/ns.pid" "$d/proxy/pid" 2>/dev/null | tr -dc '0-9\n'); do
            pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -dc 0-9)
            [ "$pgid" = "$pid" ] || continue
            if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$d/"; then
                it_log "stopping stale process group $pid of $d"
                kill -KILL -- "-$pid" 2>/dev/null || true
            fi
        done
    done
    return 0
}

# sm_fetch: the three .debs of one version in SM_CACHE (flock: parallel
# runs download once). Sets SM_DEBS.
sm_fetch() {
    local lock log=$SM_CACHE/download.log
    install -d -m 0755 "$SM_CACHE" || it_fail "cannot create $SM_CACHE"
    exec {lock}>"$SM_CACHE/.lock"
    flock -w 600 "$lock" || it_fail "timed out waiting for the lock on $SM_CACHE"
    if ! sm__cached_debs; then
        it_log "downloading $SM_PACKAGES into $SM_CACHE"
        rm -f -- "$SM_CACHE"/*.deb
        if ! sm__download >"$log" 2>&1; then
            # apt-get download needs the package lists; a fresh machine
            # (or a container image) may not have them yet.
            it_log "apt-get download failed, running apt-get update once"
            apt-get update -qq >>"$log" 2>&1 || true
            sm__download >>"$log" 2>&1 ||
                it_fail "apt-get download $SM_PACKAGES failed" "$log"
        fi
        if ! sm__cached_debs; then
            sm__describe_cache >>"$log"
            it_fail "downloaded packages are incomplete: no sendmail-base and sendmail-cf of sendmail-bin's source version" "$log"
        fi
    fi
    exec {lock}>&-
}

sm__download() {
    (cd "$SM_CACHE" && apt-get download -q -o APT::Sandbox::User=root $SM_PACKAGES)
}

# The newest sendmail-bin in the cache and the base/cf built from the same
# source version. A binNMU (a rebuild of sendmail-bin alone, as Debian 13's
# 8.18.1-6+b1 beside base/cf 8.18.1-6) has a version of its own, so the
# binary versions may differ; sendmail-bin depends on base and cf at its
# source version, which is what must match. Sets SM_DEBS, SM_VERSION
# (sendmail-bin's version) and SM_SOURCE_VERSION.
sm__cached_debs() {
    local bin src p f found
    bin=$(ls -1 "$SM_CACHE"/sendmail-bin_*.deb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$bin" ] || return 1
    src=$(sm__source_version "$bin") || return 1
    SM_DEBS=$bin
    SM_VERSION=$(dpkg-deb -f "$bin" Version)
    SM_SOURCE_VERSION=$src
    for p in sendmail-base sendmail-cf; do
        found=
        for f in "$SM_CACHE/${p}"_*.deb; do
            [ -f "$f" ] && [ "$(sm__source_version "$f")" = "$src" ] || continue
            found=$f
            break
        done
        [ -n "$found" ] || return 1
        SM_DEBS="$SM_DEBS $found"
    done
    return 0
}

# sm__describe_cache: each .deb in the cache with its source version.
sm__describe_cache() {
    local f
    echo "in $SM_CACHE (file: source version):"
    for f in "$SM_CACHE"/*.deb; do
        [ -f "$f" ] && echo "  ${f##*/}: $(sm__source_version "$f" || echo unreadable)"
    done
}

# sm__source_version DEB: the version of the source package DEB was built
# from: Source's "(VERSION)" when the binary's version differs (binNMU),
# else Version. Fails on a file that is not a readable .deb.
sm__source_version() {
    local source version
    version=$(dpkg-deb -f "$1" Version 2>/dev/null) && [ -n "$version" ] || return 1
    source=$(dpkg-deb -f "$1" Source 2>/dev/null) || return 1
    case $source in
        *"("*")"*)
            source=${source#*(}
            echo "${source%%)*}"
            ;;
        *) echo "$version" ;;
    esac
}

# sm_milter_start: milter503 (BUILD/bin/milter503) with the test
# configuration of lib/milter.sh (LocalDomains example.test,
# TrustedNetworks 127.0.0.1/32 ::1, SenderLoginMap: alice@example.test
# is owned by login alice). Sets SM_MILTER_PORT.
sm_milter_start() {
    local map=$IT_WORK/sender_login_map
    printf '%s\n' "# address owner(s)" "alice@$SM_DOMAIN alice" "bob@$SM_DOMAIN bob" >"$map"
    PF_DOMAIN=$SM_DOMAIN PF_SENDER_LOGIN_MAP=$map PF_SUBMISSION_PORT=587 milter_write_conf
    SM_MILTER_PORT=$(it_free_port)
    milter_start "$SM_BUILD/bin/milter503" "$SM_MILTER_PORT"
}

# sm_proxy_start: milter-proxy.pl between Sendmail and milter503
# (MT_PORT), taking SMFIF_SETSYMLIST out of Sendmail's offer, so that
# the milter cannot ask for its macros and gets what sendmail.mc lists,
# as from an MTA without that feature. Sets SM_PROXY_PORT and
# SM_MILTER_PORT (what the .mc must name); SM_PROXY_LOG records each
# negotiation. Calling it again replaces the proxy (new MT_PORT).
sm_proxy_start() {
    local dir=$IT_WORK/proxy
    sm_proxy_stop
    install -d -m 0755 "$dir"
    SM_PROXY_LOG=$dir/proxy.log
    SM_PROXY_PORT=$(it_free_port)
    setsid perl "$SM_LIB/milter-proxy.pl" "$SM_PROXY_PORT" "$MT_PORT" "$SM_PROXY_LOG" \
        </dev/null >>"$dir/stderr.out" 2>&1 &
    SM_PROXY_PID=$!
    echo "$SM_PROXY_PID" >"$dir/pid"
    it_atexit sm_proxy_stop
    it_wait_for 10 eval 'it_pid_alive $SM_PROXY_PID && it_port_listening $SM_PROXY_PORT' ||
        it_fail "milter-proxy.pl does not listen on 127.0.0.1:$SM_PROXY_PORT" "$dir/stderr.out"
    SM_MILTER_PORT=$SM_PROXY_PORT
}

# sm_proxy_stop: the proxy and its per-connection children (one process
# group). Idempotent.
sm_proxy_stop() {
    [ -n "${SM_PROXY_PID:-}" ] || return 0
    kill -TERM -- "-$SM_PROXY_PID" 2>/dev/null || true
    it_wait_for 5 eval '! it_pid_alive $SM_PROXY_PID' ||
        kill -KILL -- "-$SM_PROXY_PID" 2>/dev/null || true
    wait "$SM_PROXY_PID" 2>/dev/null || true
    rm -f -- "$IT_WORK/proxy/pid"
    SM_PROXY_PID=
    return 0
}

# sm_create: the instance in SM_DIR (see DESCRIPTION). Sets SM_PORT.
sm_create() {
    local f sendmail
    [ -n "${SM_DIR:-}" ] || it_fail "sm_init first"
    install -d -m 0755 "$SM_DIR/root" "$SM_DIR/etc" "$SM_DIR/rsyslog" "$SM_DIR/sasl-dir"
    install -d -m 0700 "$SM_DIR/mqueue"
    for f in $SM_DEBS; do
        dpkg-deb -x "$f" "$SM_DIR/root" || it_fail "dpkg-deb -x $f failed"
    done
    sendmail=$SM_DIR/root/usr/libexec/sendmail/sendmail
    [ -x "$sendmail" ] || it_fail "no $sendmail in $SM_DEBS"
    # The packages' libraries (libwrap0, liblockfile1, libsasl2, ...) are
    # not pulled in by dpkg-deb -x: say which one is missing.
    if ldd "$sendmail" | grep -q 'not found'; then
        it_fail "sendmail needs libraries that are not installed: $(ldd "$sendmail" | grep 'not found' | tr -s ' \t\n' ' ') (run: sudo scripts/install-deps test)"
    fi
    SM_PORT=$(it_free_port)

    printf '127.0.0.1\t%s mx localhost\n::1\tlocalhost ip6-localhost\n' "$SM_HOSTNAME" >"$SM_DIR/etc/hosts"
    # Host names from the hosts file only: no DNS (there is none here,
    # and a resolver timeout per lookup would slow every session down).
    printf 'hosts\tfiles\naliases\tfiles\n' >"$SM_DIR/service.switch"
    : >"$SM_DIR/relay-domains"
    printf '%s\n' "$SM_DOMAIN" >"$SM_DIR/local-host-names"
    printf '%s\n' "postmaster: root" "alice: root" "bob: root" "carol: root" "boss: root" \
        >"$SM_DIR/aliases"

    sm__write_rsyslog_conf
    sm__write_sasl
    sm__write_mc >"$SM_DIR/sendmail.mc"
    m4 "$SM_DIR/root/usr/share/sendmail/cf/m4/cf.m4" "$SM_DIR/sendmail.mc" \
        >"$SM_DIR/sendmail.cf" 2>"$SM_DIR/m4.out" ||
        it_fail "m4 could not build sendmail.cf" "$SM_DIR/m4.out" "$SM_DIR/sendmail.mc"
    if [ -n "${SM_MILTER_PORT:-}" ]; then
        grep -q "^Xmilter503, S=inet:$SM_MILTER_PORT@127.0.0.1" "$SM_DIR/sendmail.cf" ||
            it_fail "sendmail.cf has no Xmilter503 line for port $SM_MILTER_PORT" "$SM_DIR/sendmail.mc"
    fi
    # m4 warnings (an unknown FEATURE, a misquoted define) are errors here.
    if grep -v '^\*\*\*\*\* using ' "$SM_DIR/m4.out" | grep -q .; then
        it_fail "m4 warned while building sendmail.cf" "$SM_DIR/m4.out"
    fi
    chmod 0644 "$SM_DIR/sendmail.cf"
    if [ -n "${SM_ACCESS:-}" ]; then
        # makemap reads sendmail.cf (-C) for its safety checks.
        printf '%s\n' "$SM_ACCESS" >"$SM_DIR/access"
        "$SM_DIR/root/usr/libexec/sendmail/makemap" -C "$SM_DIR/sendmail.cf" hash \
            "$SM_DIR/access" <"$SM_DIR/access" >"$SM_DIR/makemap.out" 2>&1 ||
            it_fail "makemap could not build the access map" "$SM_DIR/makemap.out" "$SM_DIR/access"
    fi
}

sm__write_rsyslog_conf() {
    cat >"$SM_DIR/rsyslog.conf" <<EOF
# Private rsyslogd of one Sendmail test run (tests/integration/sendmail).
global(workDirectory="$SM_DIR/rsyslog")
# /dev/log is inside the private /dev of ns-run.sh's mount namespace.
module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0"
       SysSock.Unlink="on")
# Debian's own format for /var/log/mail.log.
*.* action(type="omfile" file="$SM_MAILLOG" template="RSYSLOG_TraditionalFileFormat")
EOF
}

# Cyrus SASL reads the application's Sendmail.conf from the first of
# libsasl2's configuration directories that has one. Sendmail empties its
# environment first (so SASL_CONF_PATH is never seen), hence the copy of
# the first existing directory of that path, with our Sendmail.conf in
# it, which ns-run.sh bind-mounts over the original in its namespace.
sm__write_sasl() {
    local lib path d target=
    if [ "${SM_SMTP_AUTH:-yes}" != yes ]; then
        : >"$SM_DIR/sasl-target"
        return 0
    fi
    lib=$(ldd "$SM_DIR/root/usr/libexec/sendmail/sendmail" | awk '/libsasl2\.so/ { print $3 }')
    path=$(grep -aoE -m 1 '/etc/sasl2:[^[:cntrl:]]+' "$lib" 2>/dev/null | head -n 1)
    [ -n "$path" ] || path=/etc/sasl2:/etc/sasl:/usr/lib/$(uname -m)-linux-gnu/sasl2:/usr/lib/sasl2
    for d in ${path//:/ }; do
        if [ -d "$d" ]; then
            target=$d
            break
        fi
    done
    [ -n "$target" ] || it_fail "none of libsasl2's configuration directories ($path) exists (install libsasl2-modules)"
    ls "$target"/../sasl2/libsasldb.so* /usr/lib/*/sasl2/libsasldb.so* >/dev/null 2>&1 ||
        it_fail "the sasldb auxprop plugin (libsasl2-modules-db) is not installed"
    ls /usr/lib/*/sasl2/libplain.so* >/dev/null 2>&1 ||
        it_fail "the PLAIN mechanism (libsasl2-modules) is not installed"
    cp -a "$target/." "$SM_DIR/sasl-dir/"
    rm -f "$SM_DIR/sasl-dir/Sendmail.conf"
    cat >"$SM_DIR/sasl-dir/Sendmail.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $SM_DIR/sasldb2
EOF
    chmod 0644 "$SM_DIR/sasl-dir/Sendmail.conf"
    echo "$target" >"$SM_DIR/sasl-target"
    printf '%s' "$SM_PASSWORD" |
        saslpasswd2 -p -c -f "$SM_DIR/sasldb2" -u "$SM_DOMAIN" alice ||
        it_fail "saslpasswd2 failed"
    chmod 0600 "$SM_DIR/sasldb2"
}

# The .mc. Every path Sendmail would take from /etc/mail or /var is
# pointed into SM_DIR.
sm__write_mc() {
    local d=$SM_DIR r=$SM_DIR/root
    cat <<EOF
divert(-1)
# sendmail.mc of one milter503 test run, written by
# tests/integration/sendmail/lib.sh. Build: m4 cf.m4 sendmail.mc.
divert(0)dnl
VERSIONID(\`milter503 integration test')dnl
OSTYPE(\`linux')dnl
dnl --- a private instance: every file under $d
define(\`QUEUE_DIR', \`$d/mqueue')dnl
define(\`ALIAS_FILE', \`$d/aliases')dnl
define(\`HELP_FILE', \`$r/etc/mail/helpfile')dnl
define(\`STATUS_FILE', \`$d/statistics')dnl
define(\`confPID_FILE', \`$d/sendmail.daemon.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOSTS_FILE', \`$d/etc/hosts')dnl
define(\`confCR_FILE', \`-o $d/relay-domains')dnl
define(\`confCW_FILE', \`-o $d/local-host-names')dnl
define(\`confDEF_USER_ID', \`daemon:daemon')dnl
dnl --- the host: a fully qualified name, or Sendmail sleeps 60 s at start
define(\`confDOMAIN_NAME', \`$SM_HOSTNAME')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
dnl --- fast and deterministic on a busy 2-core machine without DNS
define(\`confTO_IDENT', \`0s')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confMAX_DAEMON_CHILDREN', \`20')dnl
define(\`confDELIVERY_MODE', \`queueonly')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confMILTER_LOG_LEVEL', \`10')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
LOCAL_DOMAIN(\`$SM_DOMAIN')dnl
DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Name=MTA')dnl
EOF
    if [ -n "${SM_ACCESS:-}" ]; then
        cat <<EOF
dnl --- refusals at RCPT from the access map (check_rcpt)
FEATURE(\`access_db', \`hash -o -T<TMPF> $d/access')dnl
FEATURE(\`blocklist_recipients')dnl
EOF
    fi
    if [ "${SM_SMTP_AUTH:-yes}" = yes ]; then
        cat <<EOF
dnl --- SMTP AUTH with Cyrus SASL (sasldb), plain text allowed (no TLS here)
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
define(\`confAUTH_REALM', \`$SM_DOMAIN')dnl
define(\`confAUTH_OPTIONS', \`A')dnl
EOF
    fi
    if [ -n "${SM_MILTER_PORT:-}" ] && [ -n "${SM_MC_SNIPPET:-}" ]; then
        # The admins' snippet as shipped, only the port changed.
        echo "dnl --- $SM_MC_SNIPPET, port 8894 -> $SM_MILTER_PORT"
        sed "s/inet:8894@127\.0\.0\.1/inet:$SM_MILTER_PORT@127.0.0.1/" "$SM_MC_SNIPPET"
    elif [ -n "${SM_MILTER_PORT:-}" ]; then
        cat <<EOF
dnl --- milter503 as in conf/sendmail.mc.snippet, except F=T: a milter
dnl that is down must fail the test, not be skipped silently.
INPUT_MAIL_FILTER(\`milter503', \`S=inet:$SM_MILTER_PORT@127.0.0.1, ${SM_MILTER_FLAGS:-F=T}, T=C:10s;S:30s;R:30s;E:5m')dnl
EOF
        if [ -n "${SM_MC_MACROS+set}" ]; then
            printf '%s\n' "dnl --- the scenario's macro lists" "$SM_MC_MACROS"
        else
            # What an admin following older advice has: the defaults plus
            # every macro milter503 reads.
            cat <<EOF
define(\`confMILTER_MACROS_CONNECT', confMILTER_MACROS_CONNECT\`, {daemon_port}, {client_addr}, {client_port}, {client_name}')dnl
define(\`confMILTER_MACROS_ENVRCPT', confMILTER_MACROS_ENVRCPT\`, i')dnl
define(\`confMILTER_MACROS_EOM', confMILTER_MACROS_EOM\`, i')dnl
EOF
        fi
    fi
    if [ -n "${SM_MC_EXTRA:-}" ]; then
        printf '%s\n' "dnl --- added by the scenario" "$SM_MC_EXTRA"
    fi
    cat <<EOF
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
}

# sm_start: run the instance; wait until Sendmail listens on SM_PORT.
sm_start() {
    local sendmail_pid
    : >"$SM_MAILLOG"
    rm -f -- "$SM_DIR/sendmail.pid"
    setsid unshare --mount --uts --propagation private --fork -- \
        sh "$SM_LIB/ns-run.sh" "$SM_DIR" </dev/null >>"$SM_DIR/ns-run.out" 2>&1 &
    SM_NS_PID=$!
    echo "$SM_NS_PID" >"$SM_DIR/ns.pid"
    it_atexit sm_stop
    if ! it_wait_for 30 sm__ready; then
        if it_pid_alive "$SM_NS_PID"; then
            it_fail "Sendmail does not listen on 127.0.0.1:$SM_PORT after 30 s (a 60 s sleep means the host name is not fully qualified)" \
                "$SM_DIR/ns-run.out" "$SM_DIR/sendmail.out" "$SM_MAILLOG"
        fi
        it_fail "Sendmail did not start" "$SM_DIR/ns-run.out" "$SM_DIR/sendmail.out" \
            "$SM_DIR/rsyslogd.out" "$SM_MAILLOG"
    fi
    sendmail_pid=$(cat "$SM_DIR/sendmail.pid")
    it_log "Sendmail $SM_VERSION (pid $sendmail_pid) on 127.0.0.1:$SM_PORT, syslog in $SM_MAILLOG"
}

sm__ready() {
    [ -s "$SM_DIR/sendmail.pid" ] && it_pid_alive "$(cat "$SM_DIR/sendmail.pid")" &&
        it_port_listening "$SM_PORT"
}

# sm_stop: SIGTERM to sendmail (ns-run.sh then stops rsyslogd); SIGKILL
# to the process group after 15 s. Idempotent.
sm_stop() {
    local pid
    [ -n "${SM_NS_PID:-}" ] || return 0
    pid=$(cat "$SM_DIR/sendmail.pid" 2>/dev/null || true)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    if ! it_wait_for 15 eval '! it_pid_alive $SM_NS_PID'; then
        it_log "Sendmail's namespace (pgid $SM_NS_PID) still runs after 15 s: SIGKILL"
        kill -KILL -- "-$SM_NS_PID" 2>/dev/null || true
    fi
    wait "$SM_NS_PID" 2>/dev/null || true
    # sendmail's SMTP children are in the same process group.
    kill -KILL -- "-$SM_NS_PID" 2>/dev/null || true
    SM_NS_PID=
    rm -f -- "$SM_DIR/ns.pid"
    return 0
}

# sm_swaks NAME ADDR ARGS...: one session from 127.0.0.N to Sendmail;
# the transcript is IT_WORK/swaks-NAME.txt (SM_TRANSCRIPT, also
# SESSION_TRANSCRIPT / SESSION_ADDR as lib/harness.sh names them).
# Returns swaks' status (non-zero whenever the server refused something)
# after the Sendmail process that served the session has exited, i.e.
# after it has told the milter everything (abort, close).
sm_swaks() {
    local name=$1 addr=$2 status=0
    shift 2
    SM_TRANSCRIPT=$IT_WORK/swaks-$name.txt
    SESSION_TRANSCRIPT=$SM_TRANSCRIPT
    SESSION_ADDR=$addr
    swaks --server 127.0.0.1 --port "$SM_PORT" --local-interface "$addr" \
        --timeout 30 "$@" >"$SM_TRANSCRIPT" 2>&1 || status=$?
    sm_wait_idle
    return $status
}

# sm_wait_idle: wait (up to 15 s) until the daemon has no child left:
# every session it accepted is over, milter calls included.
sm_wait_idle() {
    local daemon
    daemon=$(cat "$SM_DIR/sendmail.pid" 2>/dev/null) || return 0
    it_wait_for 15 sm__no_children "$daemon" ||
        it_log "note: Sendmail still has children after 15 s: $(ps -o pid=,args= --ppid "$daemon" | tr '\n' ';')"
}

sm__no_children() {
    [ -z "$(ps -o pid= --ppid "$1" 2>/dev/null)" ]
}

# sm_wait_maillog REGEX [SECONDS]: 0 once an extended REGEX matches maillog.
sm_wait_maillog() {
    it_wait_for "${2:-15}" grep -Eq -- "$1" "$SM_MAILLOG"
}

# sm_maillog_qid REGEX: the queue id of the first maillog line matching
# REGEX (`... sm-mta[PID]: QUEUEID: ...`).
sm_maillog_qid() {
    grep -E -- "$1" "$SM_MAILLOG" | head -n 1 |
        sed -nE 's/^.* sm-mta\[[0-9]+\]: ([A-Za-z0-9]+): .*$/\1/p'
}

# sm_milter_qid REGEX: the queue id at the start of the first milter
# finding line matching REGEX (`... milter503[PID]: QUEUEID: finding=...`).
sm_milter_qid() {
    grep -E -- "$1" "$MT_LOG" | head -n 1 |
        sed -nE 's/^.* milter503\[[0-9]+\]: ([A-Za-z0-9]+): .*$/\1/p'
}

# sm_assert_transcript REGEX WHAT: the last swaks transcript matches.
sm_assert_transcript() {
    grep -Eq -- "$1" "$SM_TRANSCRIPT" ||
        it_fail "swaks transcript lacks $2 (/$1/)" "$SM_TRANSCRIPT" "$SM_MAILLOG"
}

# ---- sessions -------------------------------------------------------------
# One SMTP session each, from its own loopback address, as a mail client
# would send it (MAIL, RCPT and DATA pipelined); used by findings.sh and
# demo.sh. swaks' status is not checked: refusals are the point.
#
#   name          client      what the client does
#   relay         127.0.0.5   no AUTH, local sender bob, remote recipient:
#                             550 5.7.1 Relaying denied, 503 5.0.0 Need RCPT
#   login_mismatch 127.0.0.6  AUTH alice, MAIL FROM bob (Sendmail accepts it)
#   header_from   127.0.0.7   AUTH alice, From: Boss <boss@example.test>
#   display_name  127.0.0.8   AUTH alice, From: "Mark's email" <alice@...>
#   mailbox_full  127.0.0.9   remote sender to full@example.test, refused by
#                             the access map (SM_ACCESS=$SM_ACCESS_FULL):
#                             452 4.2.2 Mailbox full, 503 5.0.0 Need RCPT
#   unknown_rcpt  127.0.0.13  remote sender to nosuchuser@example.test:
#                             550 5.1.1 User unknown, 503 5.0.0 Need RCPT
#   inbound       127.0.0.10  remote sender to alice@example.test
#   bad_sender    127.0.0.14  MAIL FROM spam@bad.test, refused by the access
#                             map (SM_ACCESS=$SM_ACCESS_BAD_SENDER): 550 at
#                             MAIL, 503 Need MAIL before RCPT, 503 at DATA
#   trusted       127.0.0.1   no AUTH, relays (Sendmail trusts 127.0.0.1)
#   auth_clean    127.0.0.12  AUTH alice, sends as alice to a remote address
SM_AUTH_ALICE=(--auth PLAIN --auth-user alice --auth-password "$SM_PASSWORD")
# What a quota check in check_rcpt would answer (Sendmail has none of its
# own at RCPT time).
SM_ACCESS_FULL=$(printf 'To:full@%s\tERROR:4.2.2:452 4.2.2 Mailbox full' "$SM_DOMAIN")
SM_ACCESS_BAD_SENDER=$(printf 'From:bad.test\tREJECT')

sm_session_relay() {
    sm_swaks relay 127.0.0.5 --pipeline --ehlo outlook.test \
        --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>" || true
}

sm_session_login_mismatch() {
    sm_swaks login_mismatch 127.0.0.6 --pipeline "${SM_AUTH_ALICE[@]}" \
        --ehlo laptop.example.test --from bob@example.test --to carol@example.test \
        --header "From: Bob <bob@example.test>" || true
}

sm_session_header_from() {
    sm_swaks header_from 127.0.0.7 --pipeline "${SM_AUTH_ALICE[@]}" \
        --ehlo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Boss <boss@example.test>" || true
}

sm_session_display_name() {
    sm_swaks display_name 127.0.0.8 --pipeline "${SM_AUTH_ALICE[@]}" \
        --ehlo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: \"Mark's email\" <alice@example.test>" || true
}

sm_session_mailbox_full() {
    sm_swaks mailbox_full 127.0.0.9 --pipeline --ehlo mail.remote.test \
        --from someone@remote.test --to full@example.test \
        --header "From: Someone <someone@remote.test>" || true
}

sm_session_unknown_rcpt() {
    sm_swaks unknown_rcpt 127.0.0.13 --pipeline --ehlo mail.remote.test \
        --from someone@remote.test --to nosuchuser@example.test \
        --header "From: Someone <someone@remote.test>" || true
}

sm_session_inbound() {
    sm_swaks inbound 127.0.0.10 --pipeline --ehlo mail.remote.test \
        --from someone@remote.test --to alice@example.test \
        --header "From: Someone <someone@remote.test>" || true
}

sm_session_bad_sender() {
    sm_swaks bad_sender 127.0.0.14 --pipeline --ehlo mail.bad.test \
        --from spam@bad.test --to alice@example.test \
        --header "From: Spam <spam@bad.test>" || true
}

sm_session_trusted() {
    sm_swaks trusted 127.0.0.1 --pipeline --ehlo app.example.test \
        --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>" || true
}

sm_session_auth_clean() {
    sm_swaks auth_clean 127.0.0.12 --pipeline "${SM_AUTH_ALICE[@]}" \
        --ehlo laptop.example.test --from alice@example.test --to someone@remote.test \
        --header "From: Alice <alice@example.test>" || true
}
