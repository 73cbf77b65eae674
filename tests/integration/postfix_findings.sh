#!/bin/bash
# NAME
#	postfix_findings.sh - one milter503 scenario against a real, private Postfix
# SYNOPSIS
#	tests/integration/postfix_findings.sh BUILD_DIR SCENARIO
#	tests/integration/postfix_findings.sh --list
# DESCRIPTION
#	Starts BUILD_DIR/bin/milter503 and a private Postfix instance on free
#	loopback ports (lib/harness.sh), replays one SMTP session with swaks
#	from its own loopback address, stops the milter (so its log is
#	complete, summary lines included) and checks:
#
#	  - what the client saw (swaks dialogue),
#	  - what Postfix logged (the 503/554 really happened: data=0/1),
#	  - the milter's finding lines for that client,
#	  - for every scenario: Postfix logged no milter trouble, the milter
#	    exited 0 on SIGTERM, and every line of its log is well formed.
#
#	Scenarios (one ctest test each; see tests/integration/CMakeLists.txt):
#	  no-accepted-rcpt        Outlook-style pipelined MAIL/RCPT/DATA, no AUTH,
#	                          relay denied
#	  unauthenticated-sender  the same session: local sender without AUTH
#	  sender-login-mismatch   AUTH alice, MAIL FROM bob
#	  header-from-mismatch    AUTH alice, From: Boss <boss@...>
#	  display-name-special    From: "Mark's email" <alice@...>
#	  mailbox-full            recipient answered 452 4.2.2 Mailbox full
#	  greylisted              recipient answered 450 4.7.1 Greylisted: cause greylisted
#	  unknown-recipient       550 5.1.1 User unknown in virtual mailbox table
#	  left-trusted-network    a sender seen relaying from the trusted network is
#	                          then refused relaying from outside (VPN off)
#	  clean-submission        correct AUTH send on the submission port: no finding
#	  hostile-session         quotes, =, control bytes, long addresses
#
#	Exit status 0 when every check passed, 1 otherwise (with the relevant
#	log excerpts on stderr). Missing postfix, swaks or the milter binary is
#	a failure, not a skip. IT_KEEP=1 keeps the work directory; the logs of
#	the last run are copied to BUILD_DIR/tests/integration/logs/SCENARIO.
set -u

SCENARIOS="no-accepted-rcpt unauthenticated-sender sender-login-mismatch header-from-mismatch
display-name-special mailbox-full greylisted unknown-recipient left-trusted-network clean-submission
hostile-session"

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
IT_NAME="postfix_findings[$SCENARIO]"

. "$(dirname "$0")/lib/harness.sh"

[ -d "$BUILD" ] && IT_ARTIFACTS=$(cd "$BUILD" && pwd)/tests/integration/logs/$SCENARIO

# ---- assertions -----------------------------------------------------------

# The client's view, as swaks printed it.
expect_reply() {
    grep -qF -- "$1" "$SESSION_TRANSCRIPT" ||
        it_fail "client $SESSION_ADDR did not get the reply '$1'" "$SESSION_TRANSCRIPT"
}

# Postfix's own log (extended regex).
expect_maillog() {
    grep -Eq -- "$1" "$PF_MAILLOG" ||
        it_fail "Postfix did not log /$1/" "$PF_MAILLOG"
}

# Postfix logged the refused DATA for this session: the 503/554 happened.
expect_data_refused() {
    expect_maillog "disconnect from [^ ]*\[${1//./\\.}\]:[0-9]+ .*mail=1 rcpt=0/[0-9]+ data=0/1"
}

expect_milter_alive() {
    milter_alive || it_fail "milter503 died during the scenario ($1)" "$MT_LOG" "$MT_DIR/stderr.out" "$PF_MAILLOG"
}

# Checks that hold for every scenario; run after harness_milter_done.
common_checks() {
    local bad
    [ "${MT_STATUS:-}" = 0 ] ||
        it_fail "milter503 exited with status '${MT_STATUS:-}' on SIGTERM (want 0)" "$MT_LOG" "$MT_DIR/stderr.out"
    bad=$(grep -Ei 'milter' "$PF_MAILLOG" | grep -Ei 'warning|error|fatal|panic' || true)
    [ -z "$bad" ] || it_fail "Postfix logged milter trouble:
$bad" "$PF_MAILLOG"
    bad=$(milter_check_log_format "$MT_LOG") ||
        it_fail "malformed milter log lines:
$(printf '%s\n' "$bad" | cat -v)" "$MT_LOG"
    grep -q . "$MT_DIR/stderr.out" 2>/dev/null &&
        it_log "note: milter503 wrote to stderr: $(head -c 500 "$MT_DIR/stderr.out" | cat -v)"
    return 0
}

queue_id_of_transcript() {
    sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$SESSION_TRANSCRIPT" | tail -n 1
}

# ---- scenarios ------------------------------------------------------------

harness_up "$BUILD"
MT_MTA_LOG=$PF_MAILLOG
it_log "Postfix smtp=127.0.0.1:$PF_SMTP_PORT submission=127.0.0.1:$PF_SUBMISSION_PORT milter=127.0.0.1:$MT_PORT work=$IT_WORK"

case "$SCENARIO" in
no-accepted-rcpt | unauthenticated-sender)
    session_outlook
    expect_reply '554 5.7.1 <someone@remote.test>: Relay access denied'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.5
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    if [ "$SCENARIO" = no-accepted-rcpt ]; then
        expect_finding 127.0.0.5 no-accepted-rcpt 'NOQUEUE: ' ' cause=relay-denied ' \
            ' helo=outlook.test ' ' auth=- ' ' from=<bob@example.test> ' ' rcpt_ok=0 ' \
            ' rcpt_rejected=1 ' 'someone@remote.test' '5.7.1' 'Relay access denied'
        expect_summary 127.0.0.5 'no-accepted-rcpt:1' ' sessions=1 '
    else
        expect_finding 127.0.0.5 unauthenticated-sender ' cause=sender-not-logged-in ' \
            ' auth=- ' ' from=<bob@example.test> '
        expect_summary 127.0.0.5 'unauthenticated-sender:1'
    fi
    ;;
sender-login-mismatch)
    session_login_mismatch
    expect_reply '235 2.7.0 Authentication successful'
    expect_reply '553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.6
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.6 sender-login-mismatch ' cause=sender-not-owned ' \
        ' auth=alice@example.test ' ' from=<bob@example.test> '
    expect_finding 127.0.0.6 no-accepted-rcpt ' cause=sender-not-owned ' 'not owned by user' \
        ' rcpt_ok=0 ' ' rcpt_rejected=1 '
    expect_no_finding 127.0.0.6 unauthenticated-sender
    expect_summary 127.0.0.6 'sender-login-mismatch:1' 'no-accepted-rcpt:1'
    ;;
header-from-mismatch)
    session_header_from
    expect_reply '250 2.0.0 Ok: queued as'
    qid=$(queue_id_of_transcript)
    pf_wait_delivered carol@example.test
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.7 header-from-mismatch "$qid: " ' from=<alice@example.test> ' \
        ' header_from=<boss@example.test> ' ' auth=alice@example.test '
    expect_no_finding 127.0.0.7 no-accepted-rcpt
    expect_no_finding 127.0.0.7 display-name-special
    ;;
display-name-special)
    session_display_name
    expect_reply '250 2.0.0 Ok: queued as'
    qid=$(queue_id_of_transcript)
    pf_wait_delivered carol@example.test
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.8 display-name-special "$qid: " ' from=<alice@example.test> '
    expect_no_finding 127.0.0.8 header-from-mismatch
    expect_no_finding 127.0.0.8 no-accepted-rcpt
    ;;
mailbox-full)
    session_mailbox_full
    expect_reply '452 4.2.2 <full@example.test>: Recipient address rejected: Mailbox full'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.9
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.9 mailbox-full ' cause=mailbox-full ' 'full@example.test' '4.2.2' \
        ' from=<someone@remote.test> '
    expect_no_finding 127.0.0.9 unauthenticated-sender
    ;;
greylisted)
    session_greylisted
    expect_reply '450 4.7.1 <greylist@example.test>: Recipient address rejected: Greylisted'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.12
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.12 no-accepted-rcpt ' cause=greylisted fix=user ' '4.7.1' 'Greylisted' \
        'greylist@example.test' ' from=<someone@remote.test> '
    expect_no_finding 127.0.0.12 mailbox-full
    ;;
unknown-recipient)
    session_unknown_user
    expect_reply '550 5.1.1 <nosuchuser@example.test>: Recipient address rejected: User unknown'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.14
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_finding 127.0.0.14 no-accepted-rcpt ' cause=unknown-recipient ' '5.1.1' \
        'nosuchuser@example.test' 'User unknown'
    ;;
left-trusted-network)
    session_office
    expect_reply '250 2.0.0 Ok: queued as'
    session_moved
    expect_reply '554 5.7.1 <someone@remote.test>: Relay access denied'
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.13
    expect_milter_alive "after the sessions"
    harness_milter_done
    common_checks
    expect_no_finding 127.0.0.1
    expect_finding 127.0.0.13 no-accepted-rcpt ' cause=left-trusted-network ' \
        ' from=<bob@example.test> ' 'Relay access denied'
    expect_finding 127.0.0.13 unauthenticated-sender ' cause=left-trusted-network '
    ;;
clean-submission)
    session_clean
    expect_reply '235 2.7.0 Authentication successful'
    expect_reply '250 2.0.0 Ok: queued as'
    pf_wait_delivered carol@example.test
    expect_maillog "postfix-it/submission/smtpd\[[0-9]+\]: disconnect from [^ ]*\[127\.0\.0\.10\]"
    expect_milter_alive "after the session"
    harness_milter_done
    common_checks
    expect_no_finding 127.0.0.10
    ;;
hostile-session)
    session_hostile_envelope
    expect_reply '554 5.5.1 Error: no valid recipients'
    expect_data_refused 127.0.0.11
    expect_milter_alive "after the hostile envelope"
    session_hostile_header
    expect_reply '235 2.7.0 Authentication successful'
    expect_reply '250 2.0.0 Ok: queued as'
    qid=$(queue_id_of_transcript)
    pf_wait_delivered carol@example.test
    expect_milter_alive "after the hostile From: header"
    # An ordinary client right after: still served, still no finding.
    session_clean
    expect_reply '250 2.0.0 Ok: queued as'
    expect_milter_alive "after the clean session that followed"
    harness_milter_done
    common_checks
    expect_no_finding 127.0.0.10
    # The envelope session: the values come back escaped, as one field each.
    # Postfix may have replaced the control bytes in HELO by '?'.
    expect_finding 127.0.0.11 no-accepted-rcpt ' cause=relay-denied ' ' rcpt_rejected=2 '
    helo_raw="helo=$(it_escape_value "$HOSTILE_HELO") "
    helo_printable="helo=$(it_escape_value "$(LC_ALL=C; printf '%s' "$HOSTILE_HELO" | tr '\001-\037\177' '?')") "
    case "$FOUND_LINE" in
        *"$helo_raw"* | *"$helo_printable"*) ;;
        *) it_fail "hostile HELO not written as one escaped field
want: $helo_raw
  or: $helo_printable
line: $FOUND_LINE" "$MT_LOG" ;;
    esac
    expect_finding 127.0.0.11 no-accepted-rcpt "from=$(it_escape_value "<$HOSTILE_SENDER>") "
    expect_finding 127.0.0.11 unauthenticated-sender "from=$(it_escape_value "<$HOSTILE_SENDER>") "
    expect_finding 127.0.0.11 header-from-mismatch "$qid: " ' header_from=<boss@example.test> '
    ;;
esac

# milter503-report on the logs this scenario produced: client, 503 count, cause.
. "$(dirname "$0")/lib/report.sh"
case "$SCENARIO" in
no-accepted-rcpt | unauthenticated-sender) report_expect 127.0.0.5 1 relay-denied "$PF_MAILLOG" "$MT_LOG" ;;
sender-login-mismatch) report_expect 127.0.0.6 1 sender-not-owned "$PF_MAILLOG" "$MT_LOG" ;;
header-from-mismatch) report_expect 127.0.0.7 0 sender-not-owned "$PF_MAILLOG" "$MT_LOG" ;;
display-name-special) report_expect 127.0.0.8 0 policy-reject "$PF_MAILLOG" "$MT_LOG" ;;
mailbox-full) report_expect 127.0.0.9 1 mailbox-full "$PF_MAILLOG" "$MT_LOG" ;;
greylisted) report_expect 127.0.0.12 1 greylisted "$PF_MAILLOG" "$MT_LOG" ;;
unknown-recipient) report_expect 127.0.0.14 1 unknown-recipient "$PF_MAILLOG" "$MT_LOG" ;;
left-trusted-network) report_expect 127.0.0.13 1 left-trusted-network "$PF_MAILLOG" "$MT_LOG" ;;
clean-submission) report_expect 127.0.0.10 0 - "$PF_MAILLOG" "$MT_LOG" ;;
hostile-session) report_expect 127.0.0.11 1 relay-denied "$PF_MAILLOG" "$MT_LOG" ;;
esac

it_log "PASS"
exit 0
