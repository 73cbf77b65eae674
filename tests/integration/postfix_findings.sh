#!/bin/bash
# NAME
#	postfix_findings.sh - one scenario of scenarios.table against a real, private Postfix
# SYNOPSIS
#	tests/integration/postfix_findings.sh BUILD_DIR SCENARIO
#	tests/integration/postfix_findings.sh --list
# DESCRIPTION
#	Starts BUILD_DIR/bin/milter503 and a private Postfix instance on free
#	loopback ports (lib/harness.sh), plays the scenario's session(s) from
#	its client address (lib/sessions.sh), stops the milter (so its log
#	is complete, summary lines included) and checks what the table
#	(scenarios.table, lines `postfix ...`) says:
#
#	  - the replies the client saw,
#	  - that Postfix logged the refused DATA (data=0/1) when the report
#	    is to count one, and that every queue id a finding names is one
#	    Postfix gave this client,
#	  - the milter's findings for the client (kind, cause=, fix=, the
#	    sender, the quoted refusal) and nothing else, and its alerts,
#	  - what milter503-report makes of Postfix's and the milter's logs,
#	  - for every scenario: Postfix logged no milter trouble, the milter
#	    exited 0 on SIGTERM, and every line of its log is well formed;
#
#	then what the table cannot say, in the scenario's postfix_check_*
#	function below. --list prints the scenarios Postfix runs.
#
#	Exit status 0 when every check passed, 1 otherwise (with the relevant
#	log excerpts on stderr). Missing postfix, swaks, python3 or the milter
#	binary is a failure, not a skip. IT_KEEP=1 keeps the work directory;
#	the logs of the last run are copied to BUILD_DIR/tests/integration/logs/SCENARIO.
set -u
IT_NAME=postfix_findings
. "$(dirname "$0")/lib/harness.sh"

if [ "${1:-}" = --list ]; then
    scenario_names postfix
    exit 0
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SCENARIO   (scenarios: $0 --list)" >&2
    exit 64
fi
BUILD=$1
SCENARIO=$2
IT_NAME="postfix_findings[$SCENARIO]"
scenario_load "$SCENARIO" postfix

[ -d "$BUILD" ] && IT_ARTIFACTS=$(cd "$BUILD" && pwd)/tests/integration/logs/$SCENARIO

# ---- assertions -----------------------------------------------------------

# Postfix's own log (extended regex).
expect_maillog() {
    grep -Eq -- "$1" "$PF_MAILLOG" ||
        it_fail "Postfix did not log /$1/" "$PF_MAILLOG"
}

expect_milter_alive() {
    milter_alive || it_fail "milter503 died during the scenario ($1)" "$MT_LOG" "$MT_DIR/stderr.out" "$PF_MAILLOG"
}

# Postfix refused the DATA of a session of ADDR (the 554/503 happened): its
# disconnect line counts a MAIL (accepted, or refused itself), no accepted
# RCPT and a refused DATA.
expect_data_refused() {
    expect_maillog "disconnect from [^ ]*\[${1//./\\.}\]:[0-9]+ .*mail=(1|0/1) (rcpt=0/[0-9]+ )?data=0/1"
}

# Every queue id in the client's finding lines is one Postfix gave it.
expect_queue_ids_of_client() {
    local qid
    for qid in $(milter_lines_for "$SC_CLIENT" | sed -nE 's/^.* milter503\[[0-9]+\]: ([A-Za-z0-9]+): finding=.*$/\1/p' | sort -u); do
        [ "$qid" = NOQUEUE ] && continue
        expect_maillog "postfix-it(/submission)?/smtpd\[[0-9]+\]: $qid: client=[^ ]*\[${SC_CLIENT//./\\.}\]"
    done
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

queue_id_of() {
    sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$1" | tail -n 1
}

# The policy service was asked about the client (and answered).
expect_policy_asked() {
    grep -q -- "^request: .*client_address=${SC_CLIENT//./\\.} " "$PF_POLICY_LOG" ||
        it_fail "the policy service was never asked about $SC_CLIENT" "$PF_POLICY_LOG" "$PF_MAILLOG"
}

# ---- what the table cannot say (postfix_check_SCENARIO) -------------------

postfix_check_no_accepted_rcpt() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt 'NOQUEUE: ' ' helo=outlook.test ' ' auth=- ' \
        ' rcpt_ok=0 ' ' rcpt_rejected=1 ' 'someone@remote.test'
    expect_summary "$SC_CLIENT" 'no-accepted-rcpt:1' 'unauthenticated-sender:1' ' sessions=1 '
}

postfix_check_sender_login_mismatch() {
    expect_finding "$SC_CLIENT" sender-login-mismatch ' auth=alice@example.test '
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' rcpt_ok=0 ' ' rcpt_rejected=1 '
    expect_summary "$SC_CLIENT" 'sender-login-mismatch:1' 'no-accepted-rcpt:1'
}

postfix_check_header_from_mismatch() {
    pf_wait_delivered carol@example.test
    expect_finding "$SC_CLIENT" header-from-mismatch "$(queue_id_of "$SESSION_TRANSCRIPT"): " \
        ' header_from=<boss@example.test> ' ' auth=alice@example.test '
}

postfix_check_display_name_special() {
    pf_wait_delivered carol@example.test
    expect_finding "$SC_CLIENT" display-name-special "$(queue_id_of "$SESSION_TRANSCRIPT"): "
}

postfix_check_left_trusted_network() {
    expect_reply_in "${SESSION_TRANSCRIPTS[0]}" '250 2.0.0 Ok: queued as'
    expect_no_finding 127.0.0.1
}

postfix_check_clean_submission() {
    pf_wait_delivered carol@example.test
    expect_maillog "postfix-it/submission/smtpd\[[0-9]+\]: disconnect from [^ ]*\[${SC_CLIENT//./\\.}\]"
}

postfix_check_clean_send() {
    local t
    for t in "${SESSION_TRANSCRIPTS[@]}"; do
        expect_reply_in "$t" '250 2.0.0 Ok: queued as'
    done
    expect_no_finding 127.0.0.1
    # The milter did see them: no finding is not the same as not asked.
    expect_summary "$SC_CLIENT" ' sessions=2 ' ' transactions=2 ' ' findings=- '
    expect_summary 127.0.0.1 ' sessions=1 ' ' transactions=1 ' ' findings=- '
}

# The envelope session's values come back escaped, as one field each;
# Postfix may have replaced the control bytes in HELO by '?'.
postfix_check_hostile_session() {
    local helo_raw helo_printable
    expect_reply_in "$HOSTILE_ENVELOPE_TRANSCRIPT" '554 5.5.1 Error: no valid recipients'
    expect_reply_in "$HOSTILE_HEADER_TRANSCRIPT" '235 2.7.0 Authentication successful'
    expect_data_refused "$SC_CLIENT"
    expect_no_finding 127.0.0.1
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' rcpt_rejected=2 '
    helo_raw="helo=$(it_escape_value "$HOSTILE_HELO") "
    helo_printable="helo=$(it_escape_value "$(LC_ALL=C; printf '%s' "$HOSTILE_HELO" | tr '\001-\037\177' '?')") "
    case "$FOUND_LINE" in
        *"$helo_raw"* | *"$helo_printable"*) ;;
        *) it_fail "hostile HELO not written as one escaped field
want: $helo_raw
  or: $helo_printable
line: $FOUND_LINE" "$MT_LOG" ;;
    esac
    expect_finding "$SC_CLIENT" no-accepted-rcpt "from=$(it_escape_value "<$HOSTILE_SENDER>") "
    expect_finding "$SC_CLIENT" unauthenticated-sender "from=$(it_escape_value "<$HOSTILE_SENDER>") "
    expect_finding "$SC_CLIENT" header-from-mismatch "$(queue_id_of "$HOSTILE_HEADER_TRANSCRIPT"): " \
        ' from=<alice@example.test> ' ' header_from=<boss@example.test> '
}

# Postfix took "<unknown[ADDR]:PORT>:" for the address: the milter has the
# whole text (compare client-rejected, whose reply has no such word).
postfix_check_client_access_denied() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt \
        ' rejected="<alice@example.test> 5.7.1 Client host rejected: Access denied" '
}

postfix_check_greylisted() { expect_policy_asked; }
postfix_check_rate_limited() { expect_policy_asked; }
postfix_check_spf_fail() { expect_policy_asked; }

# The service answered the first session (delivered), then was down.
postfix_check_server_fault() {
    expect_policy_asked
    expect_reply_in "${SESSION_TRANSCRIPTS[0]}" '250 2.0.0 Ok: queued as'
    expect_maillog "warning: connect to 127\.0\.0\.1:$PF_POLICY_PORT: Connection refused"
}

postfix_check_pipelining() {
    expect_maillog "improper command pipelining after MAIL from [^ ]*\[${SC_CLIENT//./\\.}\]:[0-9]+: RCPT TO:"
}

postfix_check_no_recipient_sent() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' rcpt_ok=0 ' ' rcpt_rejected=0 '
}

expect_reply_in() {
    grep -qF -- "$2" "$1" || it_fail "the client did not get the reply '$2'" "$1"
}

# ---- the scenario ---------------------------------------------------------

# The scenario's own restrictions, policy service answers and DNS records.
for setup in "${SC_SETUP[@]}"; do
    case "$setup" in
        "restriction "*) PF_RESTRICTIONS+=("${setup#restriction }") ;;
        "policy "*) PF_POLICY_ANSWERS+="$SC_CLIENT ${setup#policy }"$'\n' ;;
        "dns "*) PF_DNS_RECORDS+="${setup#dns }"$'\n' ;;
        "main "*) PF_MAIN_SETTINGS+=("${setup#main }") ;;
        *) it_fail "scenario $SCENARIO: Postfix has no '$setup'" ;;
    esac
done
harness_up "$BUILD"
MT_MTA_LOG=$PF_MAILLOG
it_log "$SC_ABOUT"
it_log "Postfix smtp=127.0.0.1:$PF_SMTP_PORT submission=127.0.0.1:$PF_SUBMISSION_PORT milter=127.0.0.1:$MT_PORT client=$SC_CLIENT work=$IT_WORK"

scenario_run_session
scenario_check_replies
[ "$SC_REPORT_503" -gt 0 ] && expect_data_refused "$SC_CLIENT"
expect_milter_alive "after the session"
harness_milter_done
common_checks
scenario_check_findings
expect_queue_ids_of_client
hook=postfix_check_${SCENARIO//-/_}
if declare -F "$hook" >/dev/null; then
    "$hook"
fi
scenario_check_report "$PF_MAILLOG" "$MT_LOG"

it_log "PASS"
exit 0
