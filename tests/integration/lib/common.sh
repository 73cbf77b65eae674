# NAME
#	common.sh - shared helpers for the integration scripts (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/common.sh
#	it_atexit 'command ...'	# run at exit, last registered first
#	it_fail MESSAGE [FILE...]	# print MESSAGE and FILEs, exit 1
#	it_wait_for SECONDS COMMAND...	# poll COMMAND until it succeeds
#	it_workdir			# IT_WORK: this run's private directory
# DESCRIPTION
#	One EXIT/INT/TERM trap runs the registered clean-up commands exactly
#	once, so a failing assertion, Ctrl-C or a ctest time-out (SIGTERM)
#	all stop the private Postfix and milter and free their ports.
#	Every message goes to stderr prefixed with the script name.

[ -n "${IT_COMMON_LOADED:-}" ] && return 0
IT_COMMON_LOADED=1

IT_NAME=${IT_NAME:-$(basename "$0")}
IT_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IT_ROOT=$(cd "$IT_LIB/../../.." && pwd)
IT_CLEANUP=()
IT_CLEANING=

it_log() { printf '%s: %s\n' "$IT_NAME" "$*" >&2; }

it_atexit() { IT_CLEANUP+=("$1"); }

it_cleanup() {
    [ -n "$IT_CLEANING" ] && return 0
    IT_CLEANING=1
    # A second Ctrl-C must not cut the clean-up short.
    trap '' INT TERM HUP
    local i
    for ((i = ${#IT_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${IT_CLEANUP[i]}" || true
    done
    IT_CLEANUP=()
}

it_on_signal() {
    local sig=$1 code=$2
    trap - INT TERM
    it_log "caught SIG$sig, cleaning up"
    it_cleanup
    trap - EXIT
    exit "$code"
}

trap 'rc=$?; it_cleanup; exit $rc' EXIT
trap 'it_on_signal INT 130' INT
trap 'it_on_signal TERM 143' TERM
trap 'it_on_signal HUP 129' HUP

# it_fail MESSAGE [FILE...]: the excerpts that explain the failure, then exit 1.
it_fail() {
    local msg=$1 f
    shift
    {
        printf '\n%s: FAIL: %s\n' "$IT_NAME" "$msg"
        for f in "$@"; do
            [ -n "$f" ] || continue
            printf -- '----- %s -----\n' "$f"
            if [ -s "$f" ]; then
                # cat -v: the hostile scenario puts control bytes in logs.
                tail -n 60 "$f" | cat -v
            else
                echo '(missing or empty)'
            fi
        done
        printf -- '-----\n'
    } >&2
    exit 1
}

# it_require PROGRAM...: fail (not skip) when a program is missing.
it_require() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 ||
            it_fail "required program '$p' not found (run: sudo scripts/install-deps test)"
    done
}

# it_wait_for SECONDS COMMAND...: 0 as soon as COMMAND succeeds, 1 on time-out.
it_wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# it_port_listening PORT [ADDR]: is something listening on ADDR:PORT (TCP)?
it_port_listening() {
    local port=$1 addr=${2:-127.0.0.1}
    ss -Hltn "sport = :$port" 2>/dev/null |
        awk -v a="$addr:$port" -v p="$port" '$4 == a || $4 == "*:" p || $4 == "0.0.0.0:" p { f = 1 } END { exit !f }'
}

# it_free_port: prints a TCP port nobody uses on this host (listening,
# connected or in TIME_WAIT) and that this script has not handed out yet.
IT_PORTS_GIVEN=" "
it_free_port() {
    local used p i
    used=" $(ss -Hatn 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }') "
    for ((i = 0; i < 500; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
        case "$used$IT_PORTS_GIVEN" in *" $p "*) continue ;; esac
        IT_PORTS_GIVEN="$IT_PORTS_GIVEN$p "
        echo "$p"
        return 0
    done
    it_fail "no free TCP port found"
}

# it_pid_alive PID: the process exists and is not a zombie.
it_pid_alive() {
    local st
    [ -n "$1" ] || return 1
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    case "$st" in Z*|"") return 1 ;; esac
    return 0
}

# it_kill_wait PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL.
# Only for processes this script started.
it_kill_wait() {
    local pid=$1 limit=${2:-10}
    it_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    if ! it_wait_for "$limit" eval "! it_pid_alive $pid"; then
        it_log "pid $pid ignored SIGTERM for ${limit}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        it_wait_for 5 eval "! it_pid_alive $pid"
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# it_workdir: creates IT_WORK, a root-owned 0755 directory under /var/tmp
# (Postfix and Sendmail refuse files under a world-writable directory
# such as /tmp itself), removed at exit unless IT_KEEP=1. When
# IT_ARTIFACTS is set, the logs (*.log, maillog, swaks transcripts) are
# copied there first, so a failed ctest run can be inspected afterwards.
IT_TMPBASE=${IT_TMPBASE:-/var/tmp}
IT_STAMP=milter503-it
it_workdir() {
    [ -n "${IT_WORK:-}" ] && return 0
    it_reap_stale
    IT_WORK=$(mktemp -d "$IT_TMPBASE/$IT_STAMP.XXXXXX") || it_fail "mktemp failed"
    it_atexit it__remove_workdir
    chmod 0755 "$IT_WORK"
    echo $$ >"$IT_WORK/owner"
}

it__remove_workdir() {
    [ -n "${IT_WORK:-}" ] && [ -d "$IT_WORK" ] || return 0
    if [ -n "${IT_ARTIFACTS:-}" ]; then
        rm -rf -- "$IT_ARTIFACTS"
        mkdir -p -- "$IT_ARTIFACTS" &&
            find "$IT_WORK" -maxdepth 2 -type f \( -name '*.log' -o -name maillog -o -name '*.txt' -o -name '*.conf' -o -name '*.out' \) \
                -exec cp -p -- {} "$IT_ARTIFACTS/" \;
    fi
    if [ "${IT_KEEP:-0}" = 1 ]; then
        it_log "IT_KEEP=1: keeping $IT_WORK"
    else
        rm -rf -- "$IT_WORK"
    fi
    IT_WORK=
}

# it_reap_stale: removes work directories left by a run that was
# SIGKILLed (ctest time-out, OOM), i.e. whose owner process is gone.
# Stops only the processes whose pid file is in such a directory and
# whose command line names it (a Postfix master, a milter).
it_reap_stale() {
    local d owner f pid
    for d in "$IT_TMPBASE"/"$IT_STAMP".*; do
        [ -d "$d" ] && [ -f "$d/owner" ] || continue
        owner=$(cat "$d/owner" 2>/dev/null)
        it_pid_alive "$owner" && continue
        for f in "$d"/postfix/spool/pid/master.pid "$d"/milter/pid "$d"/syslog/command.pid; do
            [ -f "$f" ] || continue
            pid=$(tr -dc 0-9 <"$f")
            [ -n "$pid" ] || continue
            if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$d/"; then
                it_log "stopping stale process $pid of $d"
                kill -TERM "$pid" 2>/dev/null
                sleep 1
                kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
            fi
        done
        rm -rf -- "$d"
    done
    return 0
}
