#!/bin/bash
# NAME
#	findings.sh - one milter503 scenario against a real, private Sendmail 8.17
# SYNOPSIS
#	tests/integration/sendmail/findings.sh BUILD_DIR SCENARIO
#	tests/integration/sendmail/findings.sh --list
# DESCRIPTION
#	Starts BUILD_DIR/bin/milter503 and a private Sendmail from Debian's
#	packages (lib.sh: unpacked, never installed; own mount and UTS
#	namespace, own syslog) on free loopback ports, replays one scenario
#	with swaks from its own loopback address, stops Sendmail and then the
#	milter (so its log is complete, summary lines included) and checks
#	what the client saw, what Sendmail logged, and the milter's lines,
#	matching the queue id at the start of a finding line with the one
#	in Sendmail's own log line about the same transaction.
#
#	Scenarios (one ctest test each; see CMakeLists.txt):
#	  no-accepted-rcpt       127.0.0.5, no AUTH, MAIL bob@example.test,
#	                         RCPT someone@remote.test, DATA, pipelined:
#	                         550 5.7.1 Relaying denied, 503 5.0.0 Need RCPT.
#	                         Sendmail passes no RCPT to the milter at all.
#	  unauthenticated-sender the same session: local sender without AUTH
#	  sender-login-mismatch  127.0.0.6, AUTH alice, MAIL FROM bob (accepted:
#	                         Sendmail has no sender/login check of its own)
#	  header-from-mismatch   127.0.0.7, AUTH alice, From: Boss <boss@...>
#	  clean-send             127.0.0.10 inbound mail to alice, 127.0.0.1
#	                         (trusted) relaying, 127.0.0.12 AUTH alice as
#	                         alice: no finding at all
#	  missing-macro          confMILTER_MACROS_ENVFROM without {auth_authen}:
#	                         the milter must say so once, with the line to add
#	  snippet                conf/sendmail.mc.snippet as shipped (only the
#	                         port changed): the macros arrive, and with the
#	                         milter stopped Sendmail goes on without it
#	                         (fail open: no F=R/F=T/F=4)
#
#	Every scenario also checks: Sendmail logged no milter error, the
#	milter exited 0 on SIGTERM, logged no `macro=` (missing macro) line
#	unless that is the scenario, and every line of its log is well formed
#	(lib/milter.sh milter_check_log_format).
#
#	Exit status 0 when every check passed, 1 otherwise, with the log
#	excerpts on stderr. Missing tools, packages or the milter binary are
#	failures, not skips. IT_KEEP=1 keeps the work directory; the logs of
#	the last run are copied to BUILD_DIR/tests/integration/logs/sendmail-SCENARIO.
set -u

SCENARIOS="no-accepted-rcpt unauthenticated-sender sender-login-mismatch header-from-mismatch
clean-send missing-macro snippet"

if [ "${1:-}" = --list ]; then
    printf '%s\n' $SCENARIOS
    exit 0
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SCENARIO   (scenarios: $0 --list)" >&2
    exit 64
fi
BUILD=$1
SCENARIO=$2
case " $(echo $SCENARIOS) " in
    *" $SCENARIO "*) ;;
    *) echo "$0: unknown scenario '$SCENARIO' (try --list)" >&2; exit 64 ;;
esac
IT_NAME="sendmail_findings[$SCENARIO]"

. "$(dirname "$0")/lib.sh"

[ -d "$BUILD" ] && IT_ARTIFACTS=$(cd "$BUILD" && pwd)/tests/integration/logs/sendmail-$SCENARIO

# ---- assertions -----------------------------------------------------------

expect_reply() {
    grep -qF -- "$1" "$SM_TRANSCRIPT" ||
        it_fail "client $SESSION_ADDR did not get the reply '$1'" "$SM_TRANSCRIPT" "$SM_MAILLOG"
}

# expect_maillog REGEX: Sendmail's syslog has a matching line (extended).
expect_maillog() {
    sm_wait_maillog "$1" 5 || it_fail "Sendmail did not log /$1/" "$SM_MAILLOG"
}

# The milter's finding lines about client ADDR.
milter_lines_for() {
    grep -F -- "[$1]" "$MT_LOG" | grep -- ' finding=' || true
}

# expect_finding ADDR FINDING SUBSTRING...: exactly one finding line of
# that kind about client ADDR, containing every SUBSTRING (FOUND_LINE).
expect_finding() {
    local addr=$1 finding=$2 line s
    shift 2
    line=$(milter_lines_for "$addr" | grep -F -- " finding=$finding ")
    [ -n "$line" ] ||
        it_fail "no finding=$finding for client [$addr] in the milter log" "$MT_LOG" "$SM_MAILLOG"
    [ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] ||
        it_fail "finding=$finding logged more than once for client [$addr] (one transaction)" "$MT_LOG"
    for s in "$@"; do
        case "$line" in
            *"$s"*) ;;
            *) it_fail "finding=$finding for [$addr] lacks '$s'; line:
$line" "$MT_LOG" "$SM_MAILLOG" ;;
        esac
    done
    FOUND_LINE=$line
}

expect_no_finding() {
    local addr=$1 finding=${2:-} lines
    lines=$(milter_lines_for "$addr")
    [ -n "$finding" ] && lines=$(printf '%s\n' "$lines" | grep -F -- " finding=$finding " || true)
    [ -z "$lines" ] ||
        it_fail "unexpected finding${finding:+=$finding} for client [$addr]:
$lines" "$MT_LOG"
}

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

# expect_same_qid MILTER_QID SENDMAIL_QID WHAT
expect_same_qid() {
    [ -n "$2" ] || it_fail "no queue id in Sendmail's log for $3" "$SM_MAILLOG"
    [ "$1" = "$2" ] ||
        it_fail "queue id mismatch for $3: milter '$1', Sendmail '$2'" "$MT_LOG" "$SM_MAILLOG"
}

# The queue id at the start of FOUND_LINE (`... milter503[PID]: QID: finding=`).
found_qid() {
    printf '%s\n' "$FOUND_LINE" | sed -nE 's/^.* milter503\[[0-9]+\]: ([A-Za-z0-9]+): finding=.*$/\1/p'
}

# The queue id Sendmail gave the accepted message (swaks transcript).
transcript_qid() {
    sed -nE 's/^<- +250 2\.0\.0 ([A-Za-z0-9]+) Message accepted for delivery.*/\1/p' "$SM_TRANSCRIPT" | tail -n 1
}

expect_milter_alive() {
    milter_alive || it_fail "milter503 died during the scenario ($1)" "$MT_LOG" "$MT_DIR/stderr.out" "$SM_MAILLOG"
}

# Stop Sendmail, then the milter (summary lines on SIGTERM).
finish() {
    sm_stop
    milter_stop
}

# Checks that hold for every scenario; after finish.
common_checks() {
    local bad
    [ "${MT_STATUS:-}" = 0 ] ||
        it_fail "milter503 exited with status '${MT_STATUS:-}' on SIGTERM (want 0)" "$MT_LOG" "$MT_DIR/stderr.out"
    # Sendmail logs every milter failure as "Milter (NAME): ..." or
    # "milter_...": a timeout, a protocol error, a connect error.
    bad=$(grep -E 'Milter \(milter503\)|milter_[a-z_]+\(milter503\)' "$SM_MAILLOG" |
        grep -Evi 'init success|negotiate|: (was|is) (not )?(connected|running)' || true)
    [ -z "$bad" ] || it_fail "Sendmail logged milter trouble:
$bad" "$SM_MAILLOG"
    if [ "${EXPECT_MACRO_LINES:-no}" = no ]; then
        bad=$(grep -E 'macro=|missing-macro' "$MT_LOG" || true)
        [ -z "$bad" ] || it_fail "the milter reports a missing macro although the .mc lists them all:
$bad" "$MT_LOG" "$SM_DIR/sendmail.mc"
    fi
    bad=$(milter_check_log_format "$MT_LOG") ||
        it_fail "malformed milter log lines:
$(printf '%s\n' "$bad" | cat -v)" "$MT_LOG"
    grep -q . "$MT_DIR/stderr.out" 2>/dev/null &&
        it_log "note: milter503 wrote to stderr: $(head -c 500 "$MT_DIR/stderr.out" | cat -v)"
    return 0
}

# ---- sessions ---------------------------------------------------------------

AUTH_ALICE=(--auth PLAIN --auth-user alice --auth-password "$SM_PASSWORD")

session_relay() {
    sm_swaks relay 127.0.0.5 --pipeline --ehlo outlook.test \
        --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>" || true
}

session_login_mismatch() {
    sm_swaks login_mismatch 127.0.0.6 --pipeline "${AUTH_ALICE[@]}" --ehlo laptop.example.test \
        --from bob@example.test --to carol@example.test \
        --header "From: Bob <bob@example.test>" || true
}

session_header_from() {
    sm_swaks header_from 127.0.0.7 --pipeline "${AUTH_ALICE[@]}" --ehlo laptop.example.test \
        --from alice@example.test --to carol@example.test \
        --header "From: Boss <boss@example.test>" || true
}

session_inbound() {
    sm_swaks inbound 127.0.0.10 --pipeline --ehlo mail.remote.test \
        --from someone@remote.test --to alice@example.test \
        --header "From: Someone <someone@remote.test>" || true
}

session_trusted() {
    sm_swaks trusted 127.0.0.1 --pipeline --ehlo app.example.test \
        --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>" || true
}

session_auth_clean() {
    sm_swaks auth_clean 127.0.0.12 --pipeline "${AUTH_ALICE[@]}" --ehlo laptop.example.test \
        --from alice@example.test --to someone@remote.test \
        --header "From: Alice <alice@example.test>" || true
}

# ---- scenarios ------------------------------------------------------------

sm_init "$BUILD"
case "$SCENARIO" in
missing-macro)
    # Sendmail's default envfrom list less {auth_authen}.
    SM_MACROS_ENVFROM='i, {auth_type}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}'
    EXPECT_MACRO_LINES=yes
    ;;
snippet)
    SM_MC_SNIPPET=$IT_ROOT/conf/sendmail.mc.snippet
    ;;
esac
sm_milter_start
sm_create
sm_start
it_log "Sendmail smtp=127.0.0.1:$SM_PORT milter=127.0.0.1:$MT_PORT work=$IT_WORK"

case "$SCENARIO" in
no-accepted-rcpt | unauthenticated-sender)
    session_relay
    expect_reply '550 5.7.1 <someone@remote.test>... Relaying denied'
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    reject_re='ruleset=check_rcpt, arg1=<someone@remote\.test>, relay=[^,]*\[127\.0\.0\.5\], reject=550 5\.7\.1 '
    expect_maillog "$reject_re"
    sm_qid=$(sm_maillog_qid "$reject_re")
    # Sendmail's own record of the empty transaction, same queue id.
    expect_maillog "$sm_qid: from=<bob@example\.test>, size=0, .*nrcpts=0, .*relay=[^,]*\[127\.0\.0\.5\]"
    expect_milter_alive "after the session"
    finish
    common_checks
    if [ "$SCENARIO" = no-accepted-rcpt ]; then
        expect_finding 127.0.0.5 no-accepted-rcpt "$sm_qid: finding=" ' helo=outlook.test ' \
            ' auth=- ' ' from=<bob@example.test> ' ' rcpt_ok=0 ' ' rejected=unreported ' ' advice='
        case "$FOUND_LINE" in
            *' cause=relay-denied '* | *' cause=rejected-unreported '*) ;;
            *) it_fail "no-accepted-rcpt for 127.0.0.5: want cause relay-denied or rejected-unreported; line:
$FOUND_LINE" "$MT_LOG" ;;
        esac
        expect_same_qid "$(found_qid)" "$sm_qid" "the refused relay of 127.0.0.5"
        it_log "Sendmail: $(grep -E "$reject_re" "$SM_MAILLOG" | head -n 1)"
        it_log "milter:   $FOUND_LINE"
        expect_summary 127.0.0.5 'no-accepted-rcpt:1' ' sessions=1 '
    else
        expect_finding 127.0.0.5 unauthenticated-sender "$sm_qid: finding=" \
            ' cause=sender-not-logged-in ' ' auth=- ' ' from=<bob@example.test> '
        expect_summary 127.0.0.5 'unauthenticated-sender:1'
    fi
    ;;
sender-login-mismatch)
    session_login_mismatch
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    qid=$(transcript_qid)
    expect_maillog "$qid: from=<bob@example\.test>, .*proto=ESMTPA, .*relay=[^,]*\[127\.0\.0\.6\]"
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.6 sender-login-mismatch "$qid: finding=" ' cause=sender-not-owned ' \
        ' auth=alice ' ' from=<bob@example.test> '
    expect_same_qid "$(found_qid)" "$qid" "bob's message sent as alice"
    expect_no_finding 127.0.0.6 no-accepted-rcpt
    expect_no_finding 127.0.0.6 unauthenticated-sender
    expect_summary 127.0.0.6 'sender-login-mismatch:1'
    ;;
header-from-mismatch)
    session_header_from
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    qid=$(transcript_qid)
    expect_maillog "$qid: from=<alice@example\.test>, .*relay=[^,]*\[127\.0\.0\.7\]"
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.7 header-from-mismatch "$qid: finding=" ' from=<alice@example.test> ' \
        ' header_from=<boss@example.test> ' ' auth=alice '
    expect_same_qid "$(found_qid)" "$qid" "alice's message with From: boss"
    expect_no_finding 127.0.0.7 sender-login-mismatch
    expect_no_finding 127.0.0.7 no-accepted-rcpt
    ;;
clean-send)
    session_inbound
    expect_reply 'Message accepted for delivery'
    session_trusted
    expect_reply 'Message accepted for delivery'
    session_auth_clean
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    expect_milter_alive "after the sessions"
    finish
    common_checks
    lines=$(grep -- ' finding=' "$MT_LOG" || true)
    [ -z "$lines" ] || it_fail "findings for clean mail:
$lines" "$MT_LOG" "$SM_MAILLOG"
    # The milter did see them (no finding is not the same as not asked).
    for addr in 127.0.0.10 127.0.0.1 127.0.0.12; do
        expect_summary "$addr" ' sessions=1 ' ' transactions=1 ' ' findings=- '
    done
    ;;
missing-macro)
    # {auth_type} arrives, {auth_authen} does not: the milter cannot see
    # the login and must say which line of sendmail.mc to change.
    session_login_mismatch
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    session_header_from
    expect_milter_alive "after the sessions"
    finish
    common_checks
    lines=$(grep -E 'macro=\{?auth_authen\}?' "$MT_LOG" || true)
    [ -n "$lines" ] || it_fail "the milter did not report the missing {auth_authen}" "$MT_LOG" "$SM_DIR/sendmail.mc"
    [ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] ||
        it_fail "missing {auth_authen} reported more than once:
$lines" "$MT_LOG"
    case "$lines" in
        *confMILTER_MACROS_ENVFROM*auth_authen*) ;;
        *) it_fail "the missing-macro line does not give the confMILTER_MACROS_ENVFROM line to add:
$lines" "$MT_LOG" ;;
    esac
    it_log "milter: $lines"
    ;;
snippet)
    session_relay
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    expect_milter_alive "after the relay session"
    # Fail open: with the milter gone, Sendmail must go on without it.
    milter_stop
    session_inbound
    expect_reply 'Message accepted for delivery'
    expect_maillog 'Milter \(milter503\): error connecting to filter'
    sm_stop
    # common_checks would flag the (expected) connect error: check the rest.
    [ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited with status '${MT_STATUS:-}'" "$MT_LOG"
    bad=$(grep -E 'macro=|missing-macro' "$MT_LOG" || true)
    [ -z "$bad" ] || it_fail "missing macros with the shipped snippet:
$bad" "$MT_LOG" "$SM_DIR/sendmail.mc"
    bad=$(milter_check_log_format "$MT_LOG") || it_fail "malformed milter log lines:
$bad" "$MT_LOG"
    expect_finding 127.0.0.5 no-accepted-rcpt ' rejected=unreported ' ' from=<bob@example.test> '
    ;;
esac

it_log "PASS"
exit 0
