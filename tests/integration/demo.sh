#!/bin/bash
# NAME
#	demo.sh - show milter503 diagnosing the classic "503 5.5.1" sessions (make demo)
# SYNOPSIS
#	tests/integration/demo.sh BUILD_DIR
# DESCRIPTION
#	Starts BUILD_DIR/bin/milter503 and a private Postfix on free loopback
#	ports (nothing under /etc/postfix is touched; see lib/postfix.sh),
#	replays the usual failures from distinct client addresses and prints,
#	for each, what the client saw and what milter503 logged. Then asks
#	the milter for its per-client summary (SIGUSR2), stops everything,
#	keeps both logs in BUILD_DIR/demo/ and, when it has been built, runs
#	milter503-report on them. Needs root, postfix, swaks, sasl2-bin.
#	After the Postfix run, sendmail/demo.sh replays the failures through
#	a private Sendmail 8.17 (Debian's packages, unpacked, not installed).
set -u
IT_NAME=demo
. "$(dirname "$0")/lib/harness.sh"
. "$IT_LIB/demo.sh"

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 64; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || it_fail "build directory $1 does not exist"
OUT=$BUILD/demo

# scenario NUMBER TEXT NAME: plays scenario NAME of scenarios.table.
scenario() {
    local number=$1 text=$2
    scenario_load "$3" postfix
    title "$number. $text"
    scenario_run_session
    printf '  %sWhat the client (%s) saw:%s\n' "$B" "$SESSION_ADDR" "$R"
    show_dialogue "$SESSION_TRANSCRIPT"
    printf '  %sPostfix logged:%s\n' "$B" "$R"
    grep -E "(reject|disconnect from).*\[${SESSION_ADDR//./\\.}\]" "$PF_MAILLOG" | tail -n 3 |
        sed -e 's/^.*postfix-it\/\(submission\/\)\{0,1\}smtpd\[[0-9]*\]: /    /'
    printf '  %sWhat milter503 logged:%s\n' "$B" "$R"
    if [ -n "$SC_NONE" ]; then show_findings "$SESSION_ADDR" 1; else show_findings "$SESSION_ADDR"; fi
}

harness_up "$BUILD"

title "milter503 demo"
cat <<EOF
A private Postfix $(postconf -d -h mail_version) runs in $IT_WORK:
  smtpd ("port 25") on 127.0.0.1:$PF_SMTP_PORT, submission smtpd on 127.0.0.1:$PF_SUBMISSION_PORT,
  local domain example.test, mynetworks 127.0.0.1/32, SASL logins alice@ and bob@example.test,
  full@example.test answers "452 4.2.2 Mailbox full" (what a quota service says).
milter503 listens on inet:$MT_PORT@127.0.0.1 (smtpd_milters, default_action=accept).
Each client below connects from its own loopback address; swaks plays the mail client.
EOF

scenario 1 "Outlook without SMTP AUTH, MAIL/RCPT/DATA pipelined to a remote recipient" no-accepted-rcpt
scenario 2 "Logged in as alice, but sending as bob@example.test" sender-login-mismatch
scenario 3 "Logged in as alice, From: header says boss@example.test" header-from-mismatch
scenario 4 "From: display name with an apostrophe (\"Mark's email\")" display-name-special
scenario 5 "Recipient's mailbox is full" mailbox-full
scenario 6 "Correct: alice logs in on the submission port and sends as herself" clean-submission

title "Per-client summary (kill -USR2 milter503)"
milter_summary
milter_wait_log ' summary: ' 5 || it_log "no summary line after SIGUSR2"
sleep 0.5
grep -F ' summary: ' "$MT_LOG" | sed -e 's/^[^ ]* [^ ]* [^ ]* summary: /  /'

title "Stopping"
harness_milter_done
echo "  milter503 exited with status ${MT_STATUS:-?} on SIGTERM"
mkdir -p "$OUT"
cp "$PF_MAILLOG" "$OUT/maillog"
cp "$MT_LOG" "$OUT/milter.log"
pf_stop
echo "  Postfix stopped. Logs kept: $OUT/maillog $OUT/milter.log"

# ---- SENDMAIL -------------------------------------------------------------
# The same failures through a private Sendmail 8.17 (its own script: it
# needs a work directory Sendmail accepts, under /var/lib, not /var/tmp).
# Its logs join the others in $OUT as sendmail-maillog, sendmail-milter.log.
bash "$(dirname "$0")/sendmail/demo.sh" "$BUILD" "$OUT" ||
    it_fail "the Sendmail part of the demo failed (status $?)"

# ---- REPORT ---------------------------------------------------------------
# Last: what milter503-report makes of everything replayed above, every log
# kept in $OUT (the MTAs' and the milter's), merged by time and joined per
# session; the same as HTML in $OUT/report.html.
REPORT=$BUILD/bin/milter503-report
[ -x "$REPORT" ] || it_fail "milter503-report is not built ($REPORT)"
logs=()
for f in "$OUT"/*maillog* "$OUT"/*milter*.log; do
    [ -f "$f" ] && logs+=("$f")
done
title "milter503-report ${logs[*]#"$OUT/"}   (in $OUT)"
"$REPORT" "${logs[@]}" || it_fail "milter503-report failed (status $?)"
"$REPORT" --format html "${logs[@]}" >"$OUT/report.html" ||
    it_fail "milter503-report --format html failed (status $?)"
printf '\n  The same report as one HTML file: %s\n' "$OUT/report.html"
exit 0
