# NAME
#	milter.sh - run milter503 for a test (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/common.sh
#	. tests/integration/lib/milter.sh
#	milter_write_conf		# MT_CONF from PF_* (postfix.sh)
#	milter_start BINARY PORT	# foreground daemon in the background
#	milter_wait_log REGEX [SECONDS]	# poll MT_LOG
#	milter_stop			# SIGTERM, wait; MT_STATUS = exit status
#	expect_finding ADDR FINDING TEXT...	# assertions on MT_LOG, see below
# DESCRIPTION
#	The files live in IT_WORK/milter: milter503.conf, milter.log (the
#	-l file: target) and stderr.out (anything printed before the log
#	opens). The daemon is started under setsid with -f, so MT_PID is the
#	daemon itself and a Ctrl-C on the terminal reaches only the script,
#	whose trap stops the milter the same way a test does (SIGTERM).
#	milter_start is registered with it_atexit, so the daemon never
#	outlives the script.

[ -n "${IT_MILTER_LOADED:-}" ] && return 0
IT_MILTER_LOADED=1

# milter_write_conf: the configuration the scenarios expect, matching the
# private MTA: example.test is local, only 127.0.0.1 is trusted, the
# submission smtpd's port is the submission port. newdomain.test is local
# too, but no MTA of the tests serves it: an admin who added a domain to
# milter503 and forgot the MTA (scenario domain-not-served).
milter_write_conf() {
    it_workdir
    MT_DIR=$IT_WORK/milter
    install -d -m 0755 "$MT_DIR"
    MT_CONF=$MT_DIR/milter503.conf
    MT_LOG=$MT_DIR/milter.log
    cat >"$MT_CONF" <<EOF
# Written by tests/integration/lib/milter.sh for one test run.
LocalDomains ${PF_DOMAIN:-example.test} newdomain.test
TrustedNetworks 127.0.0.1/32 ::1
SubmissionPorts ${PF_SUBMISSION_PORT:-587}
SenderLoginMap ${PF_SENDER_LOGIN_MAP:?pf_create first}
CheckHeaderFrom yes
CheckDisplayName yes
SummaryInterval 3600
# High enough that no test line is rate-limited away.
LogRateLimit 1000
LogWhy no
EOF
}

# milter_start BINARY PORT: checks the configuration (-n), starts the
# daemon on inet:PORT@127.0.0.1 and waits until the port accepts
# connections. Sets MT_PID, MT_PORT.
milter_start() {
    MT_BIN=$1
    MT_PORT=$2
    if [ -z "${MT_USER+set}" ]; then
        MT_USER=
        [ "$(id -u)" -eq 0 ] && MT_USER=nobody:nogroup
    fi
    [ -x "$MT_BIN" ] || it_fail "milter binary $MT_BIN not built (cmake --build BUILD --target milter503)"
    [ -n "${MT_CONF:-}" ] || milter_write_conf
    local out
    out=$("$MT_BIN" -n -c "$MT_CONF" 2>&1) ||
        it_fail "milter503 -n rejects the test configuration: $out" "$MT_CONF"
    : >"$MT_LOG"
    # As root it insists on a user to become (-u); the log file is opened first.
    setsid "$MT_BIN" -f -c "$MT_CONF" -p "inet:$MT_PORT@127.0.0.1" -l "file:$MT_LOG" \
        ${MT_USER:+-u "$MT_USER"} \
        </dev/null >>"$MT_DIR/stderr.out" 2>&1 &
    MT_PID=$!
    echo "$MT_PID" >"$MT_DIR/pid"
    it_atexit milter_stop
    if ! it_wait_for 15 milter__ready; then
        if it_pid_alive "$MT_PID"; then
            it_fail "milter503 (pid $MT_PID) runs but does not listen on 127.0.0.1:$MT_PORT" \
                "$MT_LOG" "$MT_DIR/stderr.out"
        fi
        wait "$MT_PID" 2>/dev/null
        local rc=$?
        MT_PID=
        it_fail "milter503 exited at start with status $rc" "$MT_LOG" "$MT_DIR/stderr.out"
    fi
}

milter__ready() {
    it_pid_alive "$MT_PID" && it_port_listening "$MT_PORT"
}

# milter_alive: the daemon still runs and still listens.
milter_alive() {
    [ -n "${MT_PID:-}" ] && milter__ready
}

# milter_stop: SIGTERM (the daemon logs its summary lines and exits),
# wait up to 15 s, then SIGKILL. MT_STATUS is the exit status (137 after
# SIGKILL, "" when it was not running). Idempotent.
milter_stop() {
    [ -n "${MT_PID:-}" ] || return 0
    MT_STATUS=
    if it_pid_alive "$MT_PID"; then
        kill -TERM "$MT_PID" 2>/dev/null
        if ! it_wait_for 15 eval '! it_pid_alive $MT_PID'; then
            it_log "milter503 $MT_PID ignored SIGTERM for 15 s, sending SIGKILL"
            kill -KILL "$MT_PID" 2>/dev/null
        fi
    fi
    wait "$MT_PID" 2>/dev/null
    MT_STATUS=$?
    MT_PID=
    rm -f "$MT_DIR/pid"
    return 0
}

# milter_summary: SIGUSR2 makes the daemon log one summary line per client.
milter_summary() {
    [ -n "${MT_PID:-}" ] && kill -USR2 "$MT_PID" 2>/dev/null
}

# milter_wait_log REGEX [SECONDS]: 0 once an (extended) REGEX matches MT_LOG.
milter_wait_log() {
    it_wait_for "${2:-15}" grep -Eq -- "$1" "$MT_LOG"
}

# milter_check_log_format [FILE]: every line of the milter's log is a
# well-formed record: `TIMESTAMP HOST milter503[PID]: MESSAGE`, valid
# UTF-8 with no control bytes, and every finding or summary line consists
# of nothing but `key=value` fields in policy/log_format.hpp's syntax
# (bare, or quoted with \" \\ \xHH escapes). Prints the bad lines.
milter_check_log_format() {
    local f=${1:-$MT_LOG} bad
    iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || {
        echo "not valid UTF-8: $f"
        return 1
    }
    bad=$(LC_ALL=C awk '
        BEGIN {
            hex = "[0-9A-Fa-f][0-9A-Fa-f]"
            bare = "([^ \"\\\\=[:cntrl:]]|\\\\x" hex ")+"
            quoted = "\"([^\"\\\\[:cntrl:]]|\\\\[\"\\\\]|\\\\x" hex ")*\""
            field = "[a-z_]+=(" bare "|" quoted ")"
            fields = "^" field "( " field ")*$"
            n = split("finding cause fix conn client helo port auth from header_from rcpt_ok " \
                      "rcpt_rejected rejected rejected_unlisted advice detail sessions transactions findings " \
                      "suppressed first last macro phase domain clients condition helos sender_domains", keys, " ")
            for (i = 1; i <= n; i++) known[keys[i]] = 1
        }
        /[[:cntrl:]]/ { print NR ": control byte: " $0; next }
        !/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+[-+][0-9:]+ [^ ]+ milter503\[[0-9]+\]: / {
            print NR ": no syslog-like header: " $0; next
        }
        {
            msg = $0
            sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", msg)
            if (msg ~ /^[A-Za-z0-9]+: [a-z_]+=/) {
                rest = msg
                sub(/^[A-Za-z0-9]+: /, "", rest)
                if (rest !~ fields) { print NR ": malformed fields: " $0; next }
                # starting:, stopping:, fatal:, ... have keys of their own;
                # findings, summaries and alerts share the key list.
                if (rest !~ /^(finding|client)=/ && msg !~ /^alert: /) next
                # Walk the fields: each key known, none twice (a forged
                # " from=<x>" inside a value would show up here).
                split("", seen)
                while (rest != "") {
                    if (!match(rest, "^" field)) { print NR ": unparsable: " $0; next }
                    k = substr(rest, 1, index(rest, "=") - 1)
                    if (!(k in known)) { print NR ": unknown key " k ": " $0; next }
                    if (k in seen) { print NR ": key " k " twice: " $0; next }
                    seen[k] = 1
                    rest = substr(rest, RLENGTH + 1)
                    sub(/^ /, "", rest)
                }
            } else if (msg ~ /finding=/) {
                print NR ": finding outside a QUEUEID: line: " $0
            }
        }' "$f")
    [ -z "$bad" ] && return 0
    printf '%s\n' "$bad"
    return 1
}

# ---- assertions on the milter's log (postfix_findings.sh, sendmail/) -------
# MT_MTA_LOG: the MTA's own log, shown beside the milter's when one fails.

# milter_lines_for ADDR: the milter's finding lines about client ADDR.
milter_lines_for() {
    grep -F -- "[$1]" "$MT_LOG" | grep -- ' finding=' || true
}

# expect_finding ADDR FINDING SUBSTRING...: exactly one finding line of that
# kind about client ADDR (one session), containing every SUBSTRING; the
# line is left in FOUND_LINE.
expect_finding() {
    local addr=$1 finding=$2 line s
    shift 2
    line=$(milter_lines_for "$addr" | grep -F -- " finding=$finding ")
    [ -n "$line" ] ||
        it_fail "no finding=$finding for client [$addr] in the milter log" "$MT_LOG" "${MT_MTA_LOG:-}"
    [ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] ||
        it_fail "finding=$finding logged more than once for client [$addr] (one session)" "$MT_LOG"
    for s in "$@"; do
        case "$line" in
            *"$s"*) ;;
            *) it_fail "finding=$finding for [$addr] lacks '$s'; line:
$line" "$MT_LOG" "${MT_MTA_LOG:-}" ;;
        esac
    done
    FOUND_LINE=$line
}

# expect_no_finding ADDR [FINDING]: no finding (of that kind) about ADDR.
expect_no_finding() {
    local addr=$1 finding=${2:-} lines
    lines=$(milter_lines_for "$addr")
    [ -n "$finding" ] && lines=$(printf '%s\n' "$lines" | grep -F -- " finding=$finding " || true)
    [ -z "$lines" ] ||
        it_fail "unexpected finding${finding:+=$finding} for client [$addr]:
$lines" "$MT_LOG"
}

# expect_summary ADDR SUBSTRING...: the last summary line about ADDR (they
# are written at SIGTERM) contains every SUBSTRING.
expect_summary() {
    local addr=$1 s line
    shift
    line=$(grep -F -- "summary: client=$addr " "$MT_LOG" | tail -n 1)
    [ -n "$line" ] || it_fail "no summary line for client $addr after SIGTERM" "$MT_LOG"
    for s in "$@"; do
        case "$line" in
            *"$s"*) ;;
            *) it_fail "summary for $addr lacks '$s'; line:
$line" "$MT_LOG" ;;
        esac
    done
}
