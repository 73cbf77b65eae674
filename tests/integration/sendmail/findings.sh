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
#	with swaks (lib.sh's sm_session_*), stops Sendmail and then the
#	milter (so its log is complete, summary lines included) and checks
#	what the client saw, what Sendmail logged, and the milter's lines,
#	matching the queue id at the start of a finding line with the one in
#	Sendmail's own log line about the same transaction.
#
#	Scenarios (one ctest test each; see CMakeLists.txt):
#	  no-accepted-rcpt       127.0.0.5, no AUTH, MAIL bob@example.test,
#	                         RCPT someone@remote.test, DATA, pipelined:
#	                         550 5.7.1 Relaying denied, 503 5.0.0 Need RCPT.
#	                         Sendmail passes no RCPT to the milter at all:
#	                         rejected=unreported, cause relay-denied (local
#	                         sender, client neither trusted nor logged in),
#	                         queue id = the check_rcpt reject line's.
#	  unauthenticated-sender the same session: local sender without AUTH
#	  rejected-unreported    127.0.0.9, remote sender, RCPT full@example.test
#	                         refused by the access map (452 4.2.2 Mailbox
#	                         full): hidden from the milter like any
#	                         check_rcpt refusal; not a relay attempt, so
#	                         cause rejected-unreported (not relay-denied),
#	                         queue id = the check_rcpt reject line's
#	  mail-refused           127.0.0.14, MAIL FROM refused by the access map
#	                         (check_mail): no transaction, so no finding,
#	                         the session still counted (what the README
#	                         says a milter cannot see)
#	  unknown-recipient      127.0.0.13, RCPT nosuchuser@example.test: Sendmail
#	                         does pass this refusal ({rcpt_mailer}=error),
#	                         so rejected= names it, cause unknown-recipient
#	  sender-login-mismatch  127.0.0.6, AUTH alice, MAIL FROM bob (accepted:
#	                         Sendmail has no sender/login check of its own)
#	  header-from-mismatch   127.0.0.7, AUTH alice, From: Boss <boss@...>
#	  display-name-special   127.0.0.8, AUTH alice, From: "Mark's email" <...>
#	  clean-send             inbound mail to alice, 127.0.0.1 (trusted)
#	                         relaying, AUTH alice as alice: no finding at all
#	  mc-omits-macros        sendmail.mc lists none of the macros milter503
#	                         reads: they still arrive, because Sendmail
#	                         honours the milter's smfi_setsymlist list
#	  missing-macro          the .mc omits {auth_authen} and a proxy
#	                         (milter-proxy.pl) hides SMFIF_SETSYMLIST, so the
#	                         .mc lists apply: the milter says once which macro
#	                         is missing and the define() line to add; that
#	                         line, pasted into the .mc, makes it arrive
#	  snippet                conf/sendmail.mc.snippet as shipped (only the
#	                         port changed): the findings and queue ids are
#	                         right, and with the milter stopped Sendmail goes
#	                         on without it (fail open)
#
#	Every scenario also checks: Sendmail logged no milter error, the
#	milter exited 0 on SIGTERM, logged no missing-macro line unless that
#	is the scenario, and every line of its log is well formed
#	(lib/milter.sh milter_check_log_format).
#
#	Exit status 0 when every check passed, 1 otherwise, with the log
#	excerpts on stderr. Missing tools, packages or the milter binary are
#	failures, not skips. IT_KEEP=1 keeps the work directory; the logs of
#	the last run are copied to BUILD_DIR/tests/integration/logs/sendmail-SCENARIO.
set -u

SCENARIOS="no-accepted-rcpt unauthenticated-sender rejected-unreported mail-refused unknown-recipient sender-login-mismatch
header-from-mismatch display-name-special clean-send mc-omits-macros missing-macro snippet"

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
    *)
        echo "$0: unknown scenario '$SCENARIO' (try --list)" >&2
        exit 64
        ;;
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

# expect_accepted_message ADDR SENDER: the session was accepted, Sendmail
# logged the message's from= line under the queue id the client was
# given; sets QID.
expect_accepted_message() {
    expect_reply 'Message accepted for delivery'
    QID=$(transcript_qid)
    [ -n "$QID" ] || it_fail "no queue id in the 250 reply to DATA" "$SM_TRANSCRIPT"
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

# The relay attempt: what the client saw and the queue id of Sendmail's
# check_rcpt reject line (RELAY_QID).
relay_session_checked() {
    local reject_re
    sm_session_relay
    expect_reply '550 5.7.1 <someone@remote.test>... Relaying denied'
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    reject_re='ruleset=check_rcpt, arg1=<someone@remote\.test>, relay=[^,]*\[127\.0\.0\.5\], reject=550 5\.7\.1 '
    expect_maillog "$reject_re"
    RELAY_QID=$(sm_maillog_qid "$reject_re")
    [ -n "$RELAY_QID" ] || it_fail "Sendmail's check_rcpt line has no queue id" "$SM_MAILLOG"
    # Sendmail's own record of the empty transaction, same queue id.
    expect_maillog "$RELAY_QID: from=<bob@example\.test>, size=0, .*nrcpts=0, .*relay=[^,]*\[127\.0\.0\.5\]"
    RELAY_REJECT_LINE=$(grep -E -- "$reject_re" "$SM_MAILLOG" | head -n 1)
}

# The relay attempt's finding (after finish).
expect_relay_finding() {
    expect_finding 127.0.0.5 no-accepted-rcpt "$RELAY_QID: finding=" ' cause=relay-denied ' \
        ' helo=outlook.test ' ' auth=- ' ' from=<bob@example.test> ' ' rcpt_ok=0 ' \
        ' rcpt_rejected=0 ' ' rejected=unreported ' ' detail="' 'inferred' ' advice="'
    expect_same_qid "$(found_qid)" "$RELAY_QID" "the refused relay of 127.0.0.5"
}

# ---- scenarios ------------------------------------------------------------

sm_init "$BUILD"
case "$SCENARIO" in
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
    rejected-unreported)
        SM_ACCESS=$SM_ACCESS_FULL
        ;;
    mail-refused)
        SM_ACCESS=$SM_ACCESS_BAD_SENDER
        ;;
    snippet)
        SM_MC_SNIPPET=$IT_ROOT/conf/sendmail.mc.snippet
        [ -f "$SM_MC_SNIPPET" ] || it_fail "no $SM_MC_SNIPPET"
        ;;
esac
sm_milter_start
[ "$SCENARIO" = missing-macro ] && sm_proxy_start
sm_create
sm_start
it_log "Sendmail smtp=127.0.0.1:$SM_PORT milter=127.0.0.1:$MT_PORT${SM_PROXY_PORT:+ (proxy 127.0.0.1:$SM_PROXY_PORT)} work=$IT_WORK"

case "$SCENARIO" in
no-accepted-rcpt)
    relay_session_checked
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_relay_finding
    it_log "Sendmail: $RELAY_REJECT_LINE"
    it_log "milter:   $FOUND_LINE"
    expect_summary 127.0.0.5 'no-accepted-rcpt:1' ' sessions=1 ' ' transactions=1 '
    ;;
unauthenticated-sender)
    relay_session_checked
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.5 unauthenticated-sender "$RELAY_QID: finding=" \
        ' cause=sender-not-logged-in ' ' auth=- ' ' from=<bob@example.test> '
    expect_same_qid "$(found_qid)" "$RELAY_QID" "bob's unauthenticated MAIL"
    expect_summary 127.0.0.5 'unauthenticated-sender:1'
    ;;
rejected-unreported)
    sm_session_mailbox_full
    expect_reply '452 4.2.2 Mailbox full'
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    full_re='ruleset=check_rcpt, arg1=<full@example\.test>, relay=[^,]*\[127\.0\.0\.9\], reject=452 4\.2\.2 Mailbox full'
    expect_maillog "$full_re"
    qid=$(sm_maillog_qid "$full_re")
    expect_maillog "$qid: from=<someone@remote\.test>, size=0, .*nrcpts=0, .*relay=[^,]*\[127\.0\.0\.9\]"
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.9 no-accepted-rcpt "$qid: finding=" ' cause=rejected-unreported ' \
        ' from=<someone@remote.test> ' ' rcpt_ok=0 ' ' rcpt_rejected=0 ' ' rejected=unreported ' \
        'ruleset=check_rcpt'
    expect_same_qid "$(found_qid)" "$qid" "the refused RCPT to a full mailbox"
    case "$FOUND_LINE" in
        *inferred*) it_fail "an inbound refusal was inferred to be a relay attempt:
$FOUND_LINE" "$MT_LOG" ;;
    esac
    # Sendmail hides the 4.2.2: no mailbox-full finding can be made.
    expect_no_finding 127.0.0.9 mailbox-full
    expect_no_finding 127.0.0.9 unauthenticated-sender
    it_log "Sendmail: $(grep -E -- "$full_re" "$SM_MAILLOG" | head -n 1)"
    it_log "milter:   $FOUND_LINE"
    ;;
mail-refused)
    sm_session_bad_sender
    expect_reply '550 5.7.1 <spam@bad.test>... Access denied'
    expect_reply '503 5.0.0 Need MAIL command'
    expect_maillog 'ruleset=check_mail, arg1=<spam@bad\.test>, relay=[^,]*\[127\.0\.0\.14\], reject=550 5\.7\.1 '
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_no_finding 127.0.0.14
    expect_summary 127.0.0.14 ' sessions=1 ' ' transactions=0 ' ' findings=- '
    ;;
unknown-recipient)
    sm_session_unknown_rcpt
    expect_reply '550 5.1.1 <nosuchuser@example.test>... User unknown'
    expect_reply '503 5.0.0 Need RCPT (recipient)'
    unknown_re=': <nosuchuser@example\.test>\.\.\. User unknown'
    expect_maillog "$unknown_re"
    qid=$(sm_maillog_qid "$unknown_re")
    expect_maillog "$qid: from=<someone@remote\.test>, size=0, .*nrcpts=0, .*relay=[^,]*\[127\.0\.0\.13\]"
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.13 no-accepted-rcpt "$qid: finding=" ' cause=unknown-recipient ' \
        ' from=<someone@remote.test> ' ' rcpt_ok=0 ' ' rcpt_rejected=1 ' \
        ' rejected="<nosuchuser@example.test> 5.1.1 User unknown" '
    expect_same_qid "$(found_qid)" "$qid" "the unknown recipient"
    case "$FOUND_LINE" in
        *' detail='*inferred*) it_fail "the cause was inferred although Sendmail passed the refusal:
$FOUND_LINE" "$MT_LOG" ;;
    esac
    it_log "Sendmail: $(grep -E -- "$unknown_re" "$SM_MAILLOG" | head -n 1)"
    it_log "milter:   $FOUND_LINE"
    expect_no_finding 127.0.0.13 unauthenticated-sender
    ;;
sender-login-mismatch)
    sm_session_login_mismatch
    expect_reply '235 2.0.0 OK Authenticated'
    expect_accepted_message 127.0.0.6 bob@example.test
    expect_maillog "$QID: from=<bob@example\.test>, .*proto=ESMTPA, "
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.6 sender-login-mismatch "$QID: finding=" ' cause=sender-not-owned ' \
        ' auth=alice ' ' from=<bob@example.test> '
    expect_same_qid "$(found_qid)" "$QID" "bob's message sent as alice"
    it_log "Sendmail: $(grep -E -- "$QID: from=" "$SM_MAILLOG" | head -n 1)"
    it_log "milter:   $FOUND_LINE"
    expect_no_finding 127.0.0.6 no-accepted-rcpt
    expect_no_finding 127.0.0.6 unauthenticated-sender
    expect_summary 127.0.0.6 'sender-login-mismatch:1'
    ;;
header-from-mismatch)
    sm_session_header_from
    expect_reply '235 2.0.0 OK Authenticated'
    expect_accepted_message 127.0.0.7 alice@example.test
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.7 header-from-mismatch "$QID: finding=" ' from=<alice@example.test> ' \
        ' header_from=<boss@example.test> ' ' auth=alice '
    expect_same_qid "$(found_qid)" "$QID" "alice's message with From: boss"
    expect_no_finding 127.0.0.7 sender-login-mismatch
    expect_no_finding 127.0.0.7 no-accepted-rcpt
    ;;
display-name-special)
    sm_session_display_name
    expect_reply '235 2.0.0 OK Authenticated'
    expect_accepted_message 127.0.0.8 alice@example.test
    expect_milter_alive "after the session"
    finish
    common_checks
    expect_finding 127.0.0.8 display-name-special "$QID: finding=" ' auth=alice ' \
        ' from=<alice@example.test> ' ' header_from=<alice@example.test> ' \
        ' cause=policy-reject '
    expect_same_qid "$(found_qid)" "$QID" "alice's message from \"Mark's email\""
    expect_no_finding 127.0.0.8 header-from-mismatch
    expect_no_finding 127.0.0.8 no-accepted-rcpt
    ;;
clean-send)
    sm_session_inbound
    expect_accepted_message 127.0.0.10 someone@remote.test
    sm_session_trusted
    expect_accepted_message 127.0.0.1 bob@example.test
    sm_session_auth_clean
    expect_reply '235 2.0.0 OK Authenticated'
    expect_accepted_message 127.0.0.12 alice@example.test
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
mc-omits-macros)
    # Proof that the .mc really withholds them from other milters.
    for m in 'macros.envfrom=.*auth_authen' 'macros.envfrom=i' 'macros.envrcpt=.*rcpt_mailer' \
        'macros.connect=.*daemon_port'; do
        grep -Eq "^O Milter\.$m" "$SM_DIR/sendmail.cf" &&
            it_fail "sendmail.cf still lists /$m/" "$SM_DIR/sendmail.cf"
    done
    relay_session_checked
    sm_session_login_mismatch
    expect_accepted_message 127.0.0.6 bob@example.test
    login_qid=$QID
    sm_session_unknown_rcpt
    expect_reply '550 5.1.1 <nosuchuser@example.test>... User unknown'
    expect_milter_alive "after the sessions"
    finish
    common_checks
    # i at MAIL:
    expect_relay_finding
    # {auth_authen}:
    expect_finding 127.0.0.6 sender-login-mismatch "$login_qid: finding=" ' auth=alice '
    # {rcpt_mailer} {rcpt_host} {rcpt_addr}:
    expect_finding 127.0.0.13 no-accepted-rcpt ' cause=unknown-recipient ' \
        ' rejected="<nosuchuser@example.test> 5.1.1 '
    # {daemon_port}:
    expect_finding 127.0.0.5 no-accepted-rcpt " port=$SM_PORT "
    ;;
missing-macro)
    sm_session_login_mismatch
    expect_reply '235 2.0.0 OK Authenticated'
    expect_reply 'Message accepted for delivery'
    sm_session_header_from
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
    expect_finding 127.0.0.6 unauthenticated-sender ' auth=- '
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
    sm_session_login_mismatch
    expect_accepted_message 127.0.0.6 bob@example.test
    finish
    grep -q '^reply: .* macro_lists=no$' "$SM_PROXY_LOG" ||
        it_fail "the proxy was bypassed after the fix" "$SM_PROXY_LOG"
    common_checks
    expect_finding 127.0.0.6 sender-login-mismatch "$QID: finding=" ' auth=alice '
    expect_no_finding 127.0.0.6 unauthenticated-sender
    ;;
snippet)
    relay_session_checked
    sm_session_login_mismatch
    expect_accepted_message 127.0.0.6 bob@example.test
    login_qid=$QID
    expect_milter_alive "after the sessions"
    # Fail open: with the milter gone, Sendmail must go on without it.
    milter_stop
    [ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited with status '${MT_STATUS:-}'" "$MT_LOG"
    sm_session_inbound
    expect_accepted_message 127.0.0.10 someone@remote.test
    expect_maillog "$QID: Milter \(milter503\): error connecting to filter"
    sm_stop
    bad=$(missing_macro_lines)
    [ -z "$bad" ] || it_fail "missing macros with the shipped snippet:
$bad" "$MT_LOG" "$SM_DIR/sendmail.mc"
    bad=$(milter_check_log_format "$MT_LOG") || it_fail "malformed milter log lines:
$bad" "$MT_LOG"
    expect_relay_finding
    expect_finding 127.0.0.6 sender-login-mismatch "$login_qid: finding=" ' auth=alice '
    ;;
esac

it_log "PASS"
exit 0
