#!/bin/bash
# NAME
#	findings.sh - one milter503 scenario against a real, private Sendmail 8.17
# SYNOPSIS
#	tests/integration/sendmail/findings.sh BUILD_DIR SCENARIO
#	tests/integration/sendmail/findings.sh --list
# DESCRIPTION
#	Starts BUILD_DIR/bin/milter503 and a private Sendmail from Debian's
#	packages (lib.sh: unpacked, never installed; own mount and UTS
#	namespace, own syslog) on free loopback ports and plays SCENARIO:
#
#	  - a row of ../scenarios.table (lines `sendmail ...`), shared with
#	    the Postfix runs: its session(s) from its client address
#	    (lib/sessions.sh), its access map lines, then the table's checks
#	    (replies, findings with cause= and fix=, alerts, milter503-report)
#	    and Sendmail's side of them: every queue id a finding names is one
#	    Sendmail logged for the client; a refused DATA has Sendmail's
#	    `nrcpts=0` line under that queue id; a refusal the milter could
#	    not see (rejected=unreported) has its check_rcpt reject line there.
#	    What the table cannot say is in the scenario's sendmail_check_*
#	    function below.
#	  - or one of the Sendmail configuration cases, which test how the
#	    milter gets its macros, not a finding:
#	      mc-omits-macros  sendmail.mc lists none of the macros milter503
#	                       reads: they still arrive, because Sendmail
#	                       honours the milter's smfi_setsymlist list
#	      missing-macro    the .mc omits {auth_authen} and a proxy
#	                       (milter-proxy.pl) hides SMFIF_SETSYMLIST, so the
#	                       .mc lists apply: the milter says once which macro
#	                       is missing and the define() line to add; that
#	                       line, pasted into the .mc, makes it arrive
#	      snippet          conf/sendmail.mc.snippet as shipped (only the
#	                       port changed): the findings and queue ids are
#	                       right, and with the milter stopped Sendmail goes
#	                       on without it (fail open)
#
#	Sendmail stops first, then the milter, so that the milter's log is
#	complete. Every scenario also checks: Sendmail logged no milter error,
#	the milter exited 0 on SIGTERM, logged no missing-macro line unless
#	that is the case under test, and every line of its log is well formed
#	(lib/milter.sh milter_check_log_format).
#
#	Exit status 0 when every check passed, 1 otherwise, with the log
#	excerpts on stderr. Missing tools, packages or the milter binary are
#	failures, not skips. IT_KEEP=1 keeps the work directory; the logs of
#	the last run are copied to BUILD_DIR/tests/integration/logs/sendmail-SCENARIO.
set -u
IT_NAME=sendmail_findings
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta.sh"

CONFIG_CASES="mc-omits-macros missing-macro snippet"

if [ "${1:-}" = --list ]; then
    scenario_names sendmail
    printf '%s\n' $CONFIG_CASES
    exit 0
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SCENARIO   (scenarios: $0 --list)" >&2
    exit 64
fi
BUILD=$1
SCENARIO=$2
IT_NAME="sendmail_findings[$SCENARIO]"
# The release series lib.sh will fetch (apt's candidate): the table's
# sendmail-SERIES lines apply to it.
SC_SERIES=$(apt-cache policy sendmail-bin 2>/dev/null |
    sed -n 's/^ *Candidate: *\([0-9]*\.[0-9]*\).*/\1/p')
case " $CONFIG_CASES " in
    *" $SCENARIO "*) CONFIG_CASE=$SCENARIO ;;
    *)
        CONFIG_CASE=
        scenario_load "$SCENARIO" sendmail
        ;;
esac

. "$IT_LIB/report.sh"

# ---- assertions -----------------------------------------------------------

expect_reply() {
    grep -qF -- "$1" "$SESSION_TRANSCRIPT" ||
        it_fail "client $SESSION_ADDR did not get the reply '$1'" "$SESSION_TRANSCRIPT" "$SM_MAILLOG"
}

# expect_maillog REGEX: Sendmail's syslog has a matching line (extended).
expect_maillog() {
    sm_wait_maillog "$1" 5 || it_fail "Sendmail did not log /$1/" "$SM_MAILLOG"
}

# The queue id at the start of FOUND_LINE (`... milter503[PID]: QID: finding=`).
found_qid() {
    printf '%s\n' "$FOUND_LINE" | sed -nE 's/^.* milter503\[[0-9]+\]: ([A-Za-z0-9]+): finding=.*$/\1/p'
}

# The queue id Sendmail gave the accepted message (the session's transcript).
transcript_qid() {
    sed -nE 's/^<- +250 2\.0\.0 ([A-Za-z0-9]+) Message accepted for delivery.*/\1/p' "$SESSION_TRANSCRIPT" | tail -n 1
}

# expect_accepted_message ADDR SENDER: the session was accepted, Sendmail
# logged the message's from= line under the queue id the client was
# given; sets QID.
expect_accepted_message() {
    expect_reply 'Message accepted for delivery'
    QID=$(transcript_qid)
    [ -n "$QID" ] || it_fail "no queue id in the 250 reply to DATA" "$SESSION_TRANSCRIPT"
    expect_maillog "$QID: from=<${2//./\\.}>, .*relay=[^,]*\[${1//./\\.}\]"
}

expect_milter_alive() {
    milter_alive || it_fail "milter503 died during the scenario ($1)" "$MT_LOG" "$MT_DIR/stderr.out" "$SM_MAILLOG"
}

# The missing-macro lines of the milter log.
missing_macro_lines() {
    grep -F -- ' missing-macro: ' "$MT_LOG" || true
}

# Sendmail's own view of the milter: nothing but the normal chatter of
# confMILTER_LOG_LEVEL 10 (init, connect to filters, accept, abort).
expect_no_milter_trouble() {
    local bad
    bad=$(grep -E 'Milter \(milter503\)|milter_[a-z_]+\(milter503\)|Milter: ' "$SM_MAILLOG" |
        grep -Ev 'Milter \(milter503\): init success to negotiate$|Milter: connect to filters$|Milter accept: message$' ||
        true)
    [ -z "$bad" ] || it_fail "Sendmail logged milter trouble:
$bad" "$SM_MAILLOG"
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
    expect_no_milter_trouble
    bad=$(missing_macro_lines)
    [ -z "$bad" ] || it_fail "the milter reports a missing macro:
$bad" "$MT_LOG" "$SM_DIR/sendmail.mc"
    bad=$(milter_check_log_format "$MT_LOG") ||
        it_fail "malformed milter log lines:
$(printf '%s\n' "$bad" | cat -v)" "$MT_LOG"
    grep -q . "$MT_DIR/stderr.out" 2>/dev/null &&
        it_log "note: milter503 wrote to stderr: $(head -c 500 "$MT_DIR/stderr.out" | cat -v)"
    return 0
}

# Sendmail's side of the client's findings: each queue id is one Sendmail
# logged for this client; a no-accepted-rcpt finding's transaction ended
# without a message (nrcpts=0), and a refusal the milter was not told
# about is Sendmail's check_rcpt reject line under the same queue id.
expect_sendmail_side_of_findings() {
    local line qid client_re="relay=[^,]*\[${SC_CLIENT//./\\.}\]"
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        FOUND_LINE=$line
        qid=$(found_qid)
        [ -n "$qid" ] && [ "$qid" != NOQUEUE ] ||
            it_fail "a Sendmail finding without its queue id:
$line" "$MT_LOG"
        expect_maillog "$qid: .*$client_re"
        case "$line" in
            *' finding=no-accepted-rcpt '*)
                expect_maillog "$qid: from=<[^>]*>, size=0, .*nrcpts=0, .*$client_re" ;;
        esac
        case "$line" in
            *' rejected=unreported '*)
                expect_maillog "$qid: ruleset=check_rcpt, arg1=<[^>]*>, $client_re, reject=" ;;
        esac
    done <<<"$(milter_lines_for "$SC_CLIENT")"
}

# ---- what the table cannot say (sendmail_check_SCENARIO) ------------------

# check_rcpt refused the relay: the milter saw no RCPT and says so.
sendmail_check_no_accepted_rcpt() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' helo=outlook.test ' ' auth=- ' ' rcpt_ok=0 ' \
        ' rcpt_rejected=0 ' ' rejected=unreported ' ' detail="' 'inferred' " port=$SM_PORT "
    it_log "Sendmail: $(grep -E -- "ruleset=check_rcpt, .*\[${SC_CLIENT//./\\.}\]" "$SM_MAILLOG" | head -n 1)"
    it_log "milter:   $FOUND_LINE"
    expect_summary "$SC_CLIENT" 'no-accepted-rcpt:1' 'unauthenticated-sender:1' ' sessions=1 ' ' transactions=1 '
}

sendmail_check_sender_login_mismatch() {
    expect_accepted_message "$SC_CLIENT" bob@example.test
    expect_maillog "$QID: from=<bob@example\.test>, .*proto=ESMTPA, "
    expect_finding "$SC_CLIENT" sender-login-mismatch "$QID: finding=" ' auth=alice '
    expect_summary "$SC_CLIENT" 'sender-login-mismatch:1'
}

sendmail_check_header_from_mismatch() {
    expect_accepted_message "$SC_CLIENT" alice@example.test
    expect_finding "$SC_CLIENT" header-from-mismatch "$QID: finding=" ' auth=alice ' \
        ' header_from=<boss@example.test> '
}

sendmail_check_display_name_special() {
    expect_accepted_message "$SC_CLIENT" alice@example.test
    expect_finding "$SC_CLIENT" display-name-special "$QID: finding=" ' auth=alice ' \
        ' header_from=<alice@example.test> '
}

# Sendmail hides the 4.2.2 from milters: no mailbox-full finding, and the
# refusal is not taken for a relay attempt.
sendmail_check_mailbox_full() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' rcpt_ok=0 ' ' rcpt_rejected=0 ' \
        ' rejected=unreported ' 'ruleset=check_rcpt'
    case "$FOUND_LINE" in
        *inferred*) it_fail "an inbound refusal was inferred to be a relay attempt:
$FOUND_LINE" "$MT_LOG" ;;
    esac
    expect_maillog 'ruleset=check_rcpt, arg1=<full@example\.test>, relay=[^,]*\[127\.0\.0\.9\], reject=452 4\.2\.2 Mailbox full'
}

# Sendmail does pass this refusal: nothing is inferred.
sendmail_check_unknown_recipient() {
    expect_finding "$SC_CLIENT" no-accepted-rcpt ' rcpt_ok=0 ' ' rcpt_rejected=1 '
    case "$FOUND_LINE" in
        *' detail='*inferred*) it_fail "the cause was inferred although Sendmail passed the refusal:
$FOUND_LINE" "$MT_LOG" ;;
    esac
    expect_maillog "[A-Za-z0-9]+: <nosuchuser@example\.test>\.\.\. User unknown"
}

sendmail_check_left_trusted_network() {
    SESSION_TRANSCRIPT=${SESSION_TRANSCRIPTS[0]}
    expect_accepted_message 127.0.0.1 bob@example.test
    expect_no_finding 127.0.0.1
}

sendmail_check_clean_send() {
    local t
    for t in "${SESSION_TRANSCRIPTS[@]}"; do
        SESSION_TRANSCRIPT=$t
        expect_reply 'Message accepted for delivery'
    done
    expect_no_finding 127.0.0.1
    # The milter did see them: no finding is not the same as not asked.
    expect_summary "$SC_CLIENT" ' sessions=2 ' ' transactions=2 ' ' findings=- '
    expect_summary 127.0.0.1 ' sessions=1 ' ' transactions=1 ' ' findings=- '
}

# check_mail refused MAIL: no transaction, but the session is counted.
sendmail_check_mail_refused() {
    expect_maillog "ruleset=check_mail, arg1=<spam@bad\.test>, relay=[^,]*\[${SC_CLIENT//./\\.}\], reject=550 5\.7\.1 "
    expect_summary "$SC_CLIENT" ' sessions=1 ' ' transactions=0 ' ' findings=- '
}

# ---- the configuration cases ------------------------------------------------

# The relay attempt of no-accepted-rcpt and its check_rcpt queue id
# (RELAY_QID), checked as the table says.
relay_session_checked() {
    local reject_re
    RELAY_CLIENT=$(scenario_client no-accepted-rcpt)
    session_outlook "$RELAY_CLIENT"
    expect_reply '550 5.7.1 <someone@remote.test>... Relaying denied'
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    reject_re="ruleset=check_rcpt, arg1=<someone@remote\.test>, relay=[^,]*\[${RELAY_CLIENT//./\\.}\], reject=550 5\.7\.1 "
    expect_maillog "$reject_re"
    RELAY_QID=$(sm_maillog_qid "$reject_re")
    [ -n "$RELAY_QID" ] || it_fail "Sendmail's check_rcpt line has no queue id" "$SM_MAILLOG"
}

expect_relay_finding() {
    expect_finding "$RELAY_CLIENT" no-accepted-rcpt "$RELAY_QID: finding=" \
        ' cause=relay-denied fix=user ' ' rejected=unreported ' 'inferred'
}

config_mc_omits_macros() {
    local m login_client unknown_client login_qid
    # Proof that the .mc really withholds them from other milters.
    for m in 'macros.envfrom=.*auth_authen' 'macros.envfrom=i' 'macros.envrcpt=.*rcpt_mailer' \
        'macros.connect=.*daemon_port'; do
        grep -Eq "^O Milter\.$m" "$SM_DIR/sendmail.cf" &&
            it_fail "sendmail.cf still lists /$m/" "$SM_DIR/sendmail.cf"
    done
    relay_session_checked
    login_client=$(scenario_client sender-login-mismatch)
    session_login_mismatch "$login_client"
    expect_accepted_message "$login_client" bob@example.test
    login_qid=$QID
    unknown_client=$(scenario_client unknown-recipient)
    session_unknown_recipient "$unknown_client"
    expect_reply '550 5.1.1 <nosuchuser@example.test>... User unknown'
    expect_milter_alive "after the sessions"
    finish
    common_checks
    # i at MAIL:
    expect_relay_finding
    # {auth_authen}:
    expect_finding "$login_client" sender-login-mismatch "$login_qid: finding=" ' auth=alice '
    # {rcpt_mailer} {rcpt_host} {rcpt_addr}: 8.18 passes no reply for it
    # (scenarios.table, unknown-recipient).
    if [ "$SC_SERIES" = 8.18 ]; then
        expect_finding "$unknown_client" no-accepted-rcpt ' cause=rejected-unreported ' \
            ' rejected="<nosuchuser@example.test> '
    else
        expect_finding "$unknown_client" no-accepted-rcpt ' cause=unknown-recipient ' \
            ' rejected="<nosuchuser@example.test> 5.1.1 '
    fi
    # {daemon_port}:
    expect_finding "$RELAY_CLIENT" no-accepted-rcpt " port=$SM_PORT "
}

config_missing_macro() {
    local login_client lines bad define_line
    login_client=$(scenario_client sender-login-mismatch)
    session_login_mismatch "$login_client"
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    session_header_from "$(scenario_client header-from-mismatch)"
    expect_reply 'Message accepted for delivery'
    expect_milter_alive "after the sessions"
    finish
    # The condition under test really held: every negotiation lost
    # SMFIF_SETSYMLIST and the milter sent no macro list.
    grep -Eq '^optneg: .*actions=0x[0-9a-f]*1[0-9a-f]{2}->' "$SM_PROXY_LOG" ||
        it_fail "Sendmail did not offer SMFIF_SETSYMLIST (0x100)" "$SM_PROXY_LOG"
    [ "$(grep -c '^optneg: ' "$SM_PROXY_LOG")" -ge 2 ] &&
        [ "$(grep -c '^reply: .* macro_lists=no$' "$SM_PROXY_LOG")" -eq "$(grep -c '^optneg: ' "$SM_PROXY_LOG")" ] ||
        it_fail "the proxy did not see one negotiation per session without macro lists" "$SM_PROXY_LOG"
    [ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited with status '${MT_STATUS:-}'" "$MT_LOG"
    expect_no_milter_trouble
    bad=$(milter_check_log_format "$MT_LOG") || it_fail "malformed milter log lines:
$bad" "$MT_LOG"
    lines=$(missing_macro_lines)
    [ -n "$lines" ] || it_fail "the milter did not report the missing {auth_authen}" "$MT_LOG" "$SM_DIR/sendmail.mc"
    [ "$(printf '%s\n' "$lines" | wc -l)" -eq 1 ] ||
        it_fail "want exactly one missing-macro line for two sessions, got:
$lines" "$MT_LOG"
    case "$lines" in
        *' macro={auth_authen} stage=envfrom '*' sendmail_mc="'*) ;;
        *) it_fail "the missing-macro line does not name {auth_authen} at envfrom with a sendmail_mc line:
$lines" "$MT_LOG" ;;
    esac
    # Without the login the authenticated client looks unauthenticated.
    expect_finding "$login_client" unauthenticated-sender ' auth=- '
    define_line=$(printf '%s\n' "$lines" | sed -nE 's/^.* sendmail_mc="([^"\\]*)".*$/\1/p')
    printf '%s\n' "$define_line" |
        grep -Eq "^define\(\`confMILTER_MACROS_ENVFROM', \`[^']*\{auth_authen\}[^']*'\)dnl$" ||
        it_fail "sendmail_mc is not a confMILTER_MACROS_ENVFROM define with {auth_authen}: '$define_line'" "$MT_LOG"
    it_log "milter: $lines"

    # Follow the advice: paste the line into sendmail.mc, rebuild, and
    # run a fresh milter (its once-per-process memory starts empty).
    cp -- "$MT_LOG" "$MT_DIR/milter-before-fix.log"
    cp -- "$SM_MAILLOG" "$SM_DIR/maillog-before-fix.log"
    SM_MC_EXTRA=$define_line
    MT_PORT=$(it_free_port)
    milter_start "$SM_BUILD/bin/milter503" "$MT_PORT"
    sm_proxy_start
    sm_create
    grep -q '^O Milter\.macros\.envfrom=.*{auth_authen}' "$SM_DIR/sendmail.cf" ||
        it_fail "the pasted line did not put {auth_authen} into sendmail.cf" "$SM_DIR/sendmail.mc"
    sm_start
    MTA_SMTP_PORT=$SM_PORT
    session_login_mismatch "$login_client"
    expect_accepted_message "$login_client" bob@example.test
    finish
    grep -q '^reply: .* macro_lists=no$' "$SM_PROXY_LOG" ||
        it_fail "the proxy was bypassed after the fix" "$SM_PROXY_LOG"
    common_checks
    expect_finding "$login_client" sender-login-mismatch "$QID: finding=" ' auth=alice '
    expect_no_finding "$login_client" unauthenticated-sender
}

config_snippet() {
    local login_client login_qid inbound_client bad
    relay_session_checked
    login_client=$(scenario_client sender-login-mismatch)
    session_login_mismatch "$login_client"
    expect_accepted_message "$login_client" bob@example.test
    login_qid=$QID
    expect_milter_alive "after the sessions"
    # Fail open: with the milter gone, Sendmail must go on without it.
    milter_stop
    [ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited with status '${MT_STATUS:-}'" "$MT_LOG"
    inbound_client=$(scenario_client unknown-recipient)
    session__inbound after_milter "$inbound_client" mail.remote.test someone@remote.test alice@example.test
    expect_accepted_message "$inbound_client" someone@remote.test
    expect_maillog "$QID: Milter \(milter503\): error connecting to filter"
    sm_stop
    bad=$(missing_macro_lines)
    [ -z "$bad" ] || it_fail "missing macros with the shipped snippet:
$bad" "$MT_LOG" "$SM_DIR/sendmail.mc"
    bad=$(milter_check_log_format "$MT_LOG") || it_fail "malformed milter log lines:
$bad" "$MT_LOG"
    expect_relay_finding
    expect_finding "$login_client" sender-login-mismatch "$login_qid: finding=" ' auth=alice '
}

# ---- the run ----------------------------------------------------------------

sm_init "$BUILD"
[ -d "$BUILD" ] && IT_ARTIFACTS=$(cd "$BUILD" && pwd)/tests/integration/logs/sendmail-$SCENARIO
case "$CONFIG_CASE" in
    mc-omits-macros)
        # Nothing milter503 reads: no queue id, no auth, no rcpt_mailer,
        # no daemon_port.
        SM_MC_MACROS="define(\`confMILTER_MACROS_CONNECT', \`j')dnl
define(\`confMILTER_MACROS_HELO', \`{tls_version}')dnl
define(\`confMILTER_MACROS_ENVFROM', \`{mail_addr}')dnl
define(\`confMILTER_MACROS_ENVRCPT', \`{rcpt_addr}')dnl
define(\`confMILTER_MACROS_EOM', \`{msg_id}')dnl"
        ;;
    missing-macro)
        # Sendmail's envfrom default less {auth_authen}; {daemon_port}
        # added to connect, so that exactly one macro is missing.
        SM_MC_MACROS="define(\`confMILTER_MACROS_CONNECT', confMILTER_MACROS_CONNECT\`, {daemon_port}')dnl
define(\`confMILTER_MACROS_ENVFROM', \`i, {auth_type}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}')dnl"
        ;;
    snippet)
        SM_MC_SNIPPET=$IT_ROOT/conf/sendmail.mc.snippet
        [ -f "$SM_MC_SNIPPET" ] || it_fail "no $SM_MC_SNIPPET"
        ;;
    "")
        for setup in "${SC_SETUP[@]}"; do
            case "$setup" in
                "access "*) SM_ACCESS+="${SM_ACCESS:+$'\n'}${setup#access }" ;;
                *) it_fail "scenario $SCENARIO: Sendmail has no '$setup'" ;;
            esac
        done
        ;;
esac
sm_milter_start
[ "$CONFIG_CASE" = missing-macro ] && sm_proxy_start
sm_create
sm_start
MTA_SMTP_PORT=$SM_PORT
it_log "Sendmail smtp=127.0.0.1:$SM_PORT milter=127.0.0.1:$MT_PORT${SM_PROXY_PORT:+ (proxy 127.0.0.1:$SM_PROXY_PORT)} work=$IT_WORK"

if [ -n "$CONFIG_CASE" ]; then
    "config_${CONFIG_CASE//-/_}"
    it_log "PASS"
    exit 0
fi

it_log "$SC_ABOUT (client $SC_CLIENT)"
scenario_run_session
scenario_check_replies
expect_milter_alive "after the session"
finish
common_checks
scenario_check_findings
expect_sendmail_side_of_findings
hook=sendmail_check_${SCENARIO//-/_}
if declare -F "$hook" >/dev/null; then
    "$hook"
fi
scenario_check_report "$SM_MAILLOG" "$MT_LOG"

it_log "PASS"
exit 0
