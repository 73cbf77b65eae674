#!/bin/bash
# NAME
#	demo.sh - the Sendmail part of `make demo`: the classic failures through Sendmail 8.17
# SYNOPSIS
#	tests/integration/sendmail/demo.sh BUILD_DIR OUT_DIR
# DESCRIPTION
#	Run by tests/integration/demo.sh after its Postfix part. Starts
#	BUILD_DIR/bin/milter503 and a private Sendmail from Debian's packages
#	(lib.sh: unpacked, never installed, own namespace and syslog, free
#	loopback ports), replays the failures the Postfix part showed, from
#	the same client addresses ("mailbox full" comes from an access-map
#	entry here, and like every check_rcpt refusal it reaches no milter),
#	plus a recipient that does not exist (a refusal Sendmail does pass
#	on), and prints for each what the client saw, what Sendmail logged
#	and what milter503 logged. Then the per-client
#	summary; everything is stopped, and the two logs are kept as
#	OUT_DIR/sendmail-maillog and OUT_DIR/sendmail-milter.log.
set -u
IT_NAME=demo-sendmail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta.sh"
. "$IT_LIB/demo.sh"

[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 64; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || it_fail "build directory $1 does not exist"
OUT=$2

# Sendmail's lines about the session's transactions: every line under a
# queue id that one of its lines names the client with, less the milter
# chatter of confMILTER_LOG_LEVEL.
show_sendmail_log() {
    local addr=$1 qids
    qids=$(grep -F -- "[$addr]" "$SM_MAILLOG" |
        sed -nE 's/^.* sm-mta\[[0-9]+\]: ([A-Za-z0-9]+): .*$/\1/p' | sort -u)
    [ -n "$qids" ] || { echo "    (nothing)"; return; }
    grep -F -- "$qids" "$SM_MAILLOG" | grep -Fv -- 'Milter' |
        sed -e 's/^.* sm-mta\[[0-9]*\]: /    /'
}

# scenario NUMBER TEXT NAME: plays scenario NAME of scenarios.table.
scenario() {
    local number=$1 text=$2
    scenario_load "$3" sendmail
    title "Sendmail $number. $text"
    scenario_run_session
    printf '  %sWhat the client (%s) saw:%s\n' "$B" "$SESSION_ADDR" "$R"
    show_dialogue "$SM_TRANSCRIPT"
    printf '  %sSendmail logged:%s\n' "$B" "$R"
    show_sendmail_log "$SESSION_ADDR"
    printf '  %sWhat milter503 logged:%s\n' "$B" "$R"
    if [ -n "$SC_NONE" ]; then
        show_findings "$SESSION_ADDR" 1
    else
        show_findings "$SESSION_ADDR"
    fi
}

sm_init "$BUILD"
sm_milter_start
SM_MC_SNIPPET=$IT_ROOT/conf/sendmail.mc.snippet
# The access map line of the mailbox-full scenario.
scenario_load mailbox-full sendmail
SM_ACCESS=${SC_SETUP[0]#access }
sm_create
sm_start
MTA_SMTP_PORT=$SM_PORT

title "The same failures through Sendmail"
cat <<EOF
A private Sendmail $SM_VERSION (Debian's packages, unpacked, not installed) runs in $IT_WORK:
  port 127.0.0.1:$SM_PORT, local domain example.test, relaying for 127.0.0.1 and for
  SASL-authenticated clients only, SASL login alice; conf/sendmail.mc.snippet as shipped;
  the access map answers "452 4.2.2 Mailbox full" for full@example.test.
milter503 listens on inet:$MT_PORT@127.0.0.1. Unlike Postfix, Sendmail does not pass the
recipients its check_rcpt ruleset refused to any milter: milter503 sees MAIL, then the
abort, and names Sendmail's queue id so that its reject line can be found.
EOF

scenario 1 "Outlook without SMTP AUTH, MAIL/RCPT/DATA pipelined to a remote recipient" no-accepted-rcpt
scenario 2 "Logged in as alice, but sending as bob@example.test" sender-login-mismatch
scenario 3 "Logged in as alice, From: header says boss@example.test" header-from-mismatch
scenario 4 "From: display name with an apostrophe (\"Mark's email\")" display-name-special
scenario 5 "Recipient's mailbox is full (Sendmail hides this refusal from milters)" mailbox-full
scenario 6 "A recipient that does not exist (Sendmail does pass this refusal on)" unknown-recipient
scenario 7 "Correct mail: inbound, alice logged in, bob from the office" clean-send

title "Sendmail: per-client summary (kill -USR2 milter503)"
milter_summary
milter_wait_log ' summary: ' 5 || it_log "no summary line after SIGUSR2"
sleep 0.5
grep -F ' summary: ' "$MT_LOG" | sed -e 's/^[^ ]* [^ ]* [^ ]* summary: /  /'

title "Sendmail: stopping"
sm_stop
milter_stop
echo "  milter503 exited with status ${MT_STATUS:-?} on SIGTERM"
[ "${MT_STATUS:-}" = 0 ] || it_fail "milter503 exited with status '${MT_STATUS:-}'" "$MT_LOG"
mkdir -p "$OUT"
cp "$SM_MAILLOG" "$OUT/sendmail-maillog"
cp "$MT_LOG" "$OUT/sendmail-milter.log"
echo "  Sendmail stopped. Logs kept: $OUT/sendmail-maillog $OUT/sendmail-milter.log"
exit 0
