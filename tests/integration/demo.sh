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

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 64; }
BUILD=$(cd "$1" 2>/dev/null && pwd) || it_fail "build directory $1 does not exist"
OUT=$BUILD/demo

if [ -t 1 ]; then
    B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'
else
    B= D= R=
fi

title() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }

# The client's side of the dialogue, without the banner, the EHLO
# capability list, the credentials and the message body.
show_dialogue() {
    awk '
        /^ -> EHLO / || /^<-  220 / || /^<-  250-/ { next }
        /^<-  250 [^2]/ && !seen_ehlo_end { seen_ehlo_end = 1; next }
        /^ -> AUTH / { print "    C: AUTH PLAIN (credentials)"; next }
        /^ -> QUIT/ || /^<-  221 / { next }
        body && /^ -> \.$/ { body = 0; printf "    C: (message: %d lines)\n    C: .\n", n; next }
        body { n++; next }
        /^ -> / { sub(/^ -> /, ""); print "    C: " $0; next }
        /^<-  354 / { body = 1; n = 0 }
        /^<(-|\*\*) / { sub(/^<(-|\*\*) +/, ""); print "    S: " $0; next }
        /^\*\*\* / { sub(/^\*\*\* /, ""); print "    swaks: " $0 }
    ' "$SESSION_TRANSCRIPT"
}

# The milter's lines about one client, one finding per paragraph.
show_findings() {
    local addr=$1
    # Lines are written asynchronously: give the last one a moment.
    milter_wait_log "\[${addr//./\\.}\]:[0-9]+ .*finding=" "${2:-3}" || true
    milter_lines_for "$addr" | awk -v D="$D" -v R="$R" '
        function field(k,    s) {
            if (!match(msg, " " k "=(\"([^\"\\\\]|\\\\.)*\"|[^ ]*)")) return ""
            s = substr(msg, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
            if (s ~ /^"/) { s = substr(s, 2, length(s) - 2); gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s) }
            return s
        }
        {
            msg = $0
            sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", msg)
            qid = msg; sub(/:.*/, "", qid)
            printf "    %s  (cause %s, queue id %s)\n", field("finding"), field("cause"), qid
            printf "      %sclient%s %s  %shelo%s %s  %sport%s %s  %slogin%s %s\n", D, R, field("client"), D, R, field("helo"), D, R, field("port"), D, R, field("auth")
            printf "      %ssender%s %s  %saccepted/refused rcpts%s %s/%s\n", D, R, field("from"), D, R, field("rcpt_ok"), field("rcpt_rejected")
            if ((v = field("header_from")) != "") printf "      %sFrom: header%s %s\n", D, R, v
            if ((v = field("rejected")) != "" && v != "-") printf "      %srefused%s %s\n", D, R, v
            if ((v = field("detail")) != "") printf "      %sdetail%s %s\n", D, R, v
            if ((v = field("advice")) != "") printf "      %sadvice%s %s\n", D, R, v
        }
        END { if (NR == 0) print "    (no finding: nothing wrong with this session)" }
    '
}

scenario() {
    local number=$1 text=$2 fn=$3
    title "$number. $text"
    "$fn"
    printf '  %sWhat the client (%s) saw:%s\n' "$B" "$SESSION_ADDR" "$R"
    show_dialogue
    printf '  %sPostfix logged:%s\n' "$B" "$R"
    grep -E "(reject|disconnect from).*\[${SESSION_ADDR//./\\.}\]" "$PF_MAILLOG" | tail -n 3 |
        sed -e 's/^.*postfix-it\/\(submission\/\)\{0,1\}smtpd\[[0-9]*\]: /    /'
    printf '  %sWhat milter503 logged:%s\n' "$B" "$R"
    if [ "$fn" = session_clean ]; then show_findings "$SESSION_ADDR" 1; else show_findings "$SESSION_ADDR"; fi
}

harness_up "$BUILD"

title "milter503 demo"
cat <<EOF
A private Postfix $(postconf -h mail_version) runs in $IT_WORK:
  smtpd ("port 25") on 127.0.0.1:$PF_SMTP_PORT, submission smtpd on 127.0.0.1:$PF_SUBMISSION_PORT,
  local domain example.test, mynetworks 127.0.0.1/32, SASL logins alice@ and bob@example.test,
  full@example.test answers "452 4.2.2 Mailbox full" (what a quota service says).
milter503 listens on inet:$MT_PORT@127.0.0.1 (smtpd_milters, default_action=accept).
Each client below connects from its own loopback address; swaks plays the mail client.
EOF

scenario 1 "Outlook without SMTP AUTH, MAIL/RCPT/DATA pipelined to a remote recipient" session_outlook
scenario 2 "Logged in as alice, but sending as bob@example.test" session_login_mismatch
scenario 3 "Logged in as alice, From: header says boss@example.test" session_header_from
scenario 4 "From: display name with an apostrophe (\"Mark's email\")" session_display_name
scenario 5 "Recipient's mailbox is full" session_mailbox_full
scenario 6 "Correct: alice logs in on the submission port and sends as herself" session_clean

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
