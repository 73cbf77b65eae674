#!/bin/bash
# NAME
#	protocol_abuse.sh - milter503 under bytes and packets no MTA would send
# SYNOPSIS
#	tests/integration/milter/protocol_abuse.sh BUILD_DIR CASE
# DESCRIPTION
#	Starts the real milter503 daemon and talks to it with milter-talk
#	(tests/tools), the MTA side of the milter protocol, so that the input
#	is exactly what the test chooses: Postfix and Sendmail clean up
#	control bytes and refuse malformed commands before a milter sees them,
#	a hostile or broken MTA-side peer does not.
#
#	  hostile-values  control bytes, a forged line after a newline, NUL,
#	                  invalid UTF-8, a 60 KiB header, in every field: the
#	                  milter answers CONTINUE to all, writes one line per
#	                  finding, every value escaped in one field
#	  event-order     the unusual event sequences libmilter lets through
#	                  (abort without a transaction, a delivered message after
#	                  an aborted one, close without connect, MAIL after MAIL,
#	                  a connection cut mid-transaction): all CONTINUE, and the findings that
#	                  are due, no others
#	  malformed       broken packets (zero, huge and short lengths, unknown
#	                  commands, truncated data): the connection is dropped,
#	                  the daemon lives on and serves the next session
#	  many-clients    5000 sessions from 2000 addresses over 8 connections
#	                  at once with MaxClients 50: no error, and the summary
#	                  holds exactly the 50 most recent clients
#	  signals         SIGUSR1 reloads (new sessions see the new rules, a bad
#	                  file is refused with FILE:LINE and the old rules kept),
#	                  SIGUSR2 writes the summary, SIGTERM exits 0
#	  summary-interval  SummaryInterval 2: the summary comes by itself,
#	                  again and again, with no signal
#	  stalled-peers   MtaTimeout 2: 100 peers that stop inside a packet
#	                  (half a length, or a length and no body) hold 100
#	                  threads; all are dropped and the threads freed in
#	                  seconds, not after libmilter's default 7210 s; then
#	                  the daemon still serves
#
#	Each case ends with the same checks: the daemon is alive until
#	SIGTERM, exits 0, and every log line is well formed
#	(lib/milter.sh milter_check_log_format).
set -u

CASES="hostile-values event-order malformed many-clients signals summary-interval stalled-peers"
if [ $# -ne 2 ] || ! case " $CASES " in *" $2 "*) true ;; *) false ;; esac; then
    echo "usage: $0 BUILD_DIR CASE   (cases: $CASES)" >&2
    exit 64
fi
BUILD=$(cd "$1" && pwd) || exit 64
CASE=$2
IT_NAME="protocol_abuse[$CASE]"
. "$(dirname "$0")/../lib/common.sh"
. "$IT_LIB/milter.sh"
IT_ARTIFACTS=$BUILD/tests/integration/logs/milter-$CASE

TALK=$BUILD/bin/milter-talk
[ -x "$TALK" ] || it_fail "$TALK not built"
it_require ss setsid iconv awk
it_workdir
MT_DIR=$IT_WORK/milter
install -d -m 0755 "$MT_DIR"
MT_CONF=$MT_DIR/milter503.conf
MT_LOG=$MT_DIR/milter.log

write_conf() {
    cat >"$MT_CONF" <<EOF
LocalDomains example.test
TrustedNetworks 127.0.0.1/32 ::1
LogRateLimit 0
$*
EOF
}

# talk NAME [milter-talk options]: runs the script IT_WORK/NAME.script.
talk() {
    local name=$1
    shift
    "$TALK" -p "inet:$MT_PORT@127.0.0.1" "$@" "$IT_WORK/$name.script" >"$IT_WORK/$name.txt" 2>&1
}

# The Postfix-like start of a session from ADDR, up to MAIL from SENDER.
session_head() {
    local addr=$1 helo=$2 sender=$3
    cat <<EOF
macro C j=mx.example.test v=Postfix\x202.10 {daemon_port}=25 {daemon_name}=mx
connect unknown 4 40000 $addr
helo $helo
macro M i=
mail $sender
EOF
}

relay_rcpt() {
    printf '%s\n' 'macro R {rcpt_mailer}=error {rcpt_host}=5.7.1 "{rcpt_addr}=Relay access denied"' \
        "rcpt $1"
}

finding_lines() { grep -F -- " client=unknown[$1]:" "$MT_LOG" | grep -F -- ' finding=' || true; }

expect_count() {
    local addr=$1 want=$2 got
    got=$(finding_lines "$addr" | wc -l)
    [ "$got" -eq "$want" ] || it_fail "client $addr: $got finding lines, want $want" "$MT_LOG"
}

expect_line() {
    local addr=$1 s
    shift
    local lines
    lines=$(finding_lines "$addr")
    for s in "$@"; do
        lines=$(printf '%s\n' "$lines" | grep -F -- "$s" || true)
    done
    [ -n "$lines" ] || it_fail "no finding line for $addr with: $*" "$MT_LOG"
}

# A plain relay attempt from ADDR must still get its finding: the daemon
# serves normally after whatever came before.
expect_still_serving() {
    local addr=$1
    { session_head "$addr" after.test '<bob@example.test>'; relay_rcpt '<x@remote.test>'
      echo abort; echo quit; } >"$IT_WORK/after.script"
    talk after --expect-continue || it_fail "the session after the abuse failed" "$IT_WORK/after.txt" "$MT_LOG"
    milter_wait_log "finding=no-accepted-rcpt .*client=unknown\[$addr\]" ||
        it_fail "no finding for the session after the abuse" "$MT_LOG"
}

start_milter() {
    MT_USER=
    [ "$(id -u)" -eq 0 ] && MT_USER=nobody:nogroup
    milter_start "$BUILD/bin/milter503" "$(it_free_port)"
}

case_hostile_values() {
    write_conf
    start_milter
    local big
    big=$(head -c 61440 /dev/zero | tr '\0' 'A')
    {
        session_head 127.0.0.21 'evil\nNOQUEUE:\x20finding=forged\x20cause=relay-denied\r' \
            '"<bob@example.test>\x1b[31m\x20from=<forged@x>"'
        echo 'macro R {rcpt_mailer}=error {rcpt_host}=5.7.1\x0a "{rcpt_addr}=Relay\x20denied\x0aNOQUEUE:\x20finding=forged;\xff\xfe\x00tail"'
        echo 'rcpt "<a;b>\x20c\x5c\x22@remote.test>"'
        echo abort
        # A second transaction on the same connection, authenticated, with hostile headers.
        echo 'macro M {auth_type}=PLAIN {auth_authen}=alice\x0bx i=QID1'
        echo 'mail <alice@example.test>'
        echo 'macro R {rcpt_mailer}=local {rcpt_host}= {rcpt_addr}=carol i=QID1'
        echo 'rcpt <carol@example.test>'
        echo 'macro T i=QID1'
        echo data
        echo "header Subject $big"
        echo 'header From "\"Mark\x27s\x1b]0;pwn\x07\" <boss@example.test\x0d\x0a>"'
        echo 'header From "second <other@example.test>"'
        echo eoh
        echo 'body "hello\r\n"'
        echo eom
        echo quit
    } >"$IT_WORK/hostile.script"
    talk hostile --expect-continue || it_fail "an answer was not CONTINUE" "$IT_WORK/hostile.txt"
    milter_stop
    # First transaction: unauthenticated-sender and no-accepted-rcpt.
    # Second: sender-login-mismatch (the login "alice\vx" is not alice),
    # header-from-mismatch and display-name-special, for the first From:
    # only. A forged line or field would add lines or break the format.
    expect_count 127.0.0.21 5
    expect_line 127.0.0.21 'finding=no-accepted-rcpt' 'helo="evil\x0aNOQUEUE: finding=forged cause=relay-denied\x0d"'
    expect_line 127.0.0.21 'finding=header-from-mismatch' 'QID1: ' 'auth="alice\x0bx"'
    expect_line 127.0.0.21 'finding=display-name-special' 'QID1: '
    expect_line 127.0.0.21 'finding=sender-login-mismatch' 'QID1: '
    finish_checks
}

case_event_order() {
    write_conf
    start_milter
    # Each script is one connection from 127.0.1.N; the comment says
    # what is due.
    script() { cat >"$IT_WORK/order$1.script"; }
    local n=6
    # 1: aborts with no transaction, twice. (RCPT, DATA or EOM before MAIL
    # never reach milter503: libmilter's own state machine drops them
    # without an answer, which an MTA would time out on; Session's unit
    # tests cover those orders.)
    script 1 <<EOF
connect unknown 4 40000 127.0.1.1
helo a.test
abort
abort
quit
EOF
    # 2: MAIL, MAIL (RSET between), both refused: two no-accepted-rcpt.
    { session_head 127.0.1.2 b.test '<carol@remote.test>'; relay_rcpt '<x@remote.test>'
      echo 'mail <carol@remote.test>'; relay_rcpt '<y@remote.test>'; echo quit; } | script 2
    # 3: a refused transaction aborted (RSET), then one that is delivered
    # on the same connection: one finding, for the first.
    { session_head 127.0.1.3 c.test '<carol@remote.test>'; relay_rcpt '<x@remote.test>'
      echo abort; echo 'mail <carol@remote.test>'
      echo 'macro R {rcpt_mailer}=local {rcpt_host}= {rcpt_addr}=alice'; echo 'rcpt <alice@example.test>'
      echo data; echo 'header Received "from c.test"'; echo eom; echo quit; } | script 3
    # 4: negotiate and quit: close without connect.
    echo quit | script 4
    # 5: an accepted RCPT, DATA, a matching From:, EOM: delivered, no finding.
    { session_head 127.0.1.5 e.test '<carol@remote.test>'
      echo 'macro R {rcpt_mailer}=local {rcpt_host}= {rcpt_addr}=alice'; echo 'rcpt <alice@example.test>'
      echo data; echo 'header From "Carol <carol@remote.test>"'; echo eom; echo quit; } | script 5
    # 6: the connection drops in the middle of a transaction: close ends it.
    { session_head 127.0.1.6 f.test '<carol@remote.test>'; relay_rcpt '<x@remote.test>'; } | script 6
    local i
    for ((i = 1; i <= n; i++)); do
        talk "order$i" --expect-continue || it_fail "script $i: an answer was not CONTINUE" "$IT_WORK/order$i.txt" "$MT_LOG"
    done
    expect_still_serving 127.0.1.99
    milter_stop
    expect_count 127.0.1.1 0
    expect_count 127.0.1.2 2
    expect_count 127.0.1.3 1
    expect_count 127.0.1.5 0
    expect_count 127.0.1.6 1
    expect_line 127.0.1.6 'finding=no-accepted-rcpt' 'cause=relay-denied'
    MT_PID=
    finish_checks
}

finish_checks() {
    [ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited '${MT_STATUS:-}' on SIGTERM (want 0)" "$MT_LOG" "$MT_DIR/stderr.out"
    local bad
    bad=$(milter_check_log_format "$MT_LOG") || it_fail "malformed log lines:
$(printf '%s\n' "$bad" | cat -v)" "$MT_LOG"
    it_log PASS
    exit 0
}

case_malformed() {
    write_conf
    start_milter
    local i=0 raw
    # Each: a negotiated connection, then bytes the milter must refuse.
    # length 0 | length 4 GiB | unknown command Z | HELO shorter than its
    # length | macros without NULs | CONNECT cut after the family byte |
    # MAIL with a 1-byte body that is not NUL-terminated
    for raw in 00000000 ffffffff41 000000015a 0000000a4868656c6c6f 000000054443616263 \
        00000004430078 000000024d; do
        i=$((i + 1))
        printf 'raw %s\nshutdown-write\nexpect-closed\n' "$raw" >"$IT_WORK/bad$i.script"
        talk "bad$i" || it_fail "malformed packet $raw: connection not dropped" "$IT_WORK/bad$i.txt" "$MT_LOG"
        milter_alive || it_fail "milter503 died on packet $raw" "$MT_LOG" "$MT_DIR/stderr.out"
    done
    # A negotiation that is garbage, on a fresh connection.
    printf 'no-negotiate\nraw 000000024f01\nshutdown-write\nexpect-closed\n' >"$IT_WORK/badneg.script"
    talk badneg || it_fail "garbage negotiation: connection not dropped" "$IT_WORK/badneg.txt" "$MT_LOG"
    milter_alive || it_fail "milter503 died on a garbage negotiation" "$MT_LOG" "$MT_DIR/stderr.out"
    expect_still_serving 127.0.2.1
    milter_stop
    finish_checks
}

case_many_clients() {
    write_conf MaxClients 50
    start_milter
    { session_head %a many.test '<bob@example.test>'; relay_rcpt '<x@remote.test>'
      echo abort; echo quit; } >"$IT_WORK/many.script"
    # %a is 10.x.y.z from the session number: 5000 sessions, and the
    # numbers 0..4999 give 5000 addresses; -n 2000 .. would repeat, so
    # the script itself repeats none: 5000 distinct clients.
    talk many --sessions 5000 --parallel 8 || it_fail "load run failed" "$IT_WORK/many.txt" "$MT_LOG"
    grep -q '^sessions=5000 errors=0 ' "$IT_WORK/many.txt" || it_fail "not every session completed" "$IT_WORK/many.txt"
    it_log "$(cat "$IT_WORK/many.txt")"
    milter_summary
    milter_wait_log 'summary: client=' || it_fail "no summary after SIGUSR2" "$MT_LOG"
    sleep 1
    local summaries
    summaries=$(grep -c ' summary: client=' "$MT_LOG")
    [ "$summaries" -eq 50 ] || it_fail "$summaries summary lines after SIGUSR2, want MaxClients=50" "$MT_LOG"
    # The survivors are the 50 most recent: none of the first 4000.
    grep ' summary: client=' "$MT_LOG" | grep -Eq 'client=10\.0\.(0|1|2|3|4|5|6|7|8|9|1[0-4])\.[0-9]+ ' &&
        it_fail "an early client survived eviction" "$MT_LOG"
    local findings
    findings=$(grep -c ' finding=no-accepted-rcpt ' "$MT_LOG")
    [ "$findings" -eq 5000 ] || it_fail "$findings no-accepted-rcpt lines, want 5000" "$MT_LOG"
    milter_stop
    finish_checks
}

case_signals() {
    write_conf
    start_milter
    { session_head 127.0.3.1 sig.test '<bob@new.test>'; relay_rcpt '<x@remote.test>'
      echo abort; echo quit; } >"$IT_WORK/sig.script"
    talk sig --expect-continue || it_fail "session failed" "$IT_WORK/sig.txt"
    milter_wait_log 'finding=no-accepted-rcpt .*127\.0\.3\.1' || it_fail "no finding" "$MT_LOG"
    grep -q 'finding=unauthenticated-sender .*127\.0\.3\.1' "$MT_LOG" &&
        it_fail "new.test is not local yet, but the sender was flagged" "$MT_LOG"

    # A bad file: refused with its line, the old rules stay.
    printf 'LocalDomains example.test new.test\nNoSuchKey 1\n' >"$MT_CONF"
    kill -USR1 "$MT_PID"
    milter_wait_log "reload-failed: .*$MT_CONF:2: unknown key" || it_fail "no reload-failed line naming FILE:LINE" "$MT_LOG"
    sed 's/127.0.3.1/127.0.3.2/' "$IT_WORK/sig.script" >"$IT_WORK/sig2.script"
    talk sig2 --expect-continue || it_fail "session failed" "$IT_WORK/sig2.txt"
    milter_wait_log 'finding=no-accepted-rcpt .*127\.0\.3\.2' || it_fail "no finding" "$MT_LOG"
    grep -q 'finding=unauthenticated-sender .*127\.0\.3\.2' "$MT_LOG" &&
        it_fail "the refused configuration was applied" "$MT_LOG"

    # A good file: new sessions use it.
    printf 'LocalDomains example.test new.test\nTrustedNetworks 127.0.0.1/32\nLogRateLimit 0\n' >"$MT_CONF"
    kill -USR1 "$MT_PID"
    milter_wait_log 'reloaded: ' || it_fail "no reloaded line" "$MT_LOG"
    sed 's/127.0.3.1/127.0.3.3/' "$IT_WORK/sig.script" >"$IT_WORK/sig3.script"
    talk sig3 --expect-continue || it_fail "session failed" "$IT_WORK/sig3.txt"
    milter_wait_log 'finding=unauthenticated-sender .*127\.0\.3\.3' ||
        it_fail "the reloaded LocalDomains did not apply to a new session" "$MT_LOG"

    kill -USR2 "$MT_PID"
    milter_wait_log 'summary: client=127\.0\.3\.3 sessions=1 ' || it_fail "no summary on SIGUSR2" "$MT_LOG"
    milter_stop
    [ "$(grep -c 'summary: client=127\.0\.3\.3 ' "$MT_LOG")" -eq 2 ] ||
        it_fail "want one summary on SIGUSR2 and one at SIGTERM" "$MT_LOG"
    grep -q 'stopping: status=0' "$MT_LOG" || it_fail "no stopping line" "$MT_LOG"
    finish_checks
}

case_summary_interval() {
    write_conf SummaryInterval 2
    start_milter
    { session_head 127.0.5.1 tick.test '<bob@example.test>'; relay_rcpt '<x@remote.test>'
      echo abort; echo quit; } >"$IT_WORK/tick.script"
    talk tick --expect-continue || it_fail "session failed" "$IT_WORK/tick.txt"
    it_wait_for 10 eval '[ "$(grep -c " summary: client=127\.0\.5\.1 " "$MT_LOG")" -ge 2 ]' ||
        it_fail "no two periodic summaries within 10 s with SummaryInterval 2" "$MT_LOG"
    milter_stop
    finish_checks
}

threads() { awk '/^Threads:/ { print $2 }' "/proc/$MT_PID/status"; }

case_stalled_peers() {
    write_conf MtaTimeout 2
    start_milter
    local base kind pids=() start took held now n
    base=$(threads)
    # 50 peers of each kind at once, stopping inside their first packet:
    # half a length, or a length (10, an option negotiation) and no body.
    printf 'no-negotiate\nraw 0000\nexpect-closed\n' >"$IT_WORK/half-length.script"
    printf 'no-negotiate\nraw 0000000a4f\nexpect-closed\n' >"$IT_WORK/no-body.script"
    start=$(date +%s.%N)
    for kind in half-length no-body; do
        talk "$kind" --sessions 50 --parallel 50 --timeout 20000 &
        pids+=($!)
    done
    # Each holds a thread of libmilter's in read(2) until MtaTimeout
    # (Debian's libmilter hands a session to a worker thread once it is
    # readable; the peak is short of 100 when some get theirs late).
    held=0
    while it_pid_alive "${pids[0]}" || it_pid_alive "${pids[1]}"; do
        now=$(threads)
        [ "$now" -gt "$held" ] && held=$now
        sleep 0.05
    done
    [ "$held" -ge $((base + 50)) ] ||
        it_fail "100 peers with part of a packet never held 50 threads (base $base, at most $held)"
    for n in "${!pids[@]}"; do
        wait "${pids[$n]}" ||
            it_fail "a stalled peer was not dropped within 20 s" "$IT_WORK/half-length.txt" "$IT_WORK/no-body.txt"
    done
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    it_log "100 stalled peers held threads $base -> $held, all dropped after $took s ($(cat "$IT_WORK/no-body.txt"))"
    awk -v t="$took" 'BEGIN { exit !(t < 8) }' || it_fail "stalled peers held for $took s with MtaTimeout 2"
    it_wait_for 5 eval '[ "$(threads)" -le $((base + 2)) ]' ||
        it_fail "threads not freed: $(threads), $base before the stalled peers"
    milter_alive || it_fail "milter503 died with stalled peers" "$MT_LOG" "$MT_DIR/stderr.out"
    expect_still_serving 127.0.6.2
    milter_stop
    finish_checks
}

"case_${CASE//-/_}"
