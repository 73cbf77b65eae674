#!/bin/bash
# NAME
#	harness.sh - the private Sendmail itself works, without any milter
# SYNOPSIS
#	tests/integration/sendmail/harness.sh BUILD_DIR
# DESCRIPTION
#	Proves the test bed the other Sendmail tests stand on, so that a
#	failure there is not blamed on milter503: the packages unpack, the
#	daemon starts without the 60 s host name sleep, the private syslog
#	receives Sendmail's lines, 127.0.0.5 is refused relaying with
#	`550 5.7.1 ... Relaying denied` followed by `503 5.0.0 Need RCPT
#	(recipient)` for the pipelined DATA, the refusal is logged by
#	check_rcpt with a queue id, 127.0.0.1 may relay, and SMTP AUTH PLAIN
#	works against the private sasldb.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

sm_init "${1:?usage: $0 BUILD_DIR}"
SM_MILTER_PORT=
sm_create
started=$SECONDS
sm_start
((SECONDS - started < 20)) || it_fail "Sendmail needed $((SECONDS - started)) s to start" "$SM_MAILLOG"

sm_wait_maillog 'milter503-test.*private syslog .* is up' ||
    it_fail "the private rsyslogd did not log the start line" "$SM_MAILLOG" "$SM_DIR/rsyslogd.out"
sm_wait_maillog 'sm-mta\[[0-9]+\]: starting daemon' ||
    it_fail "Sendmail's start line is not in the private syslog" "$SM_MAILLOG" "$SM_DIR/sendmail.out"
grep -q 'My unqualified host name' "$SM_MAILLOG" &&
    it_fail "Sendmail complains about its host name" "$SM_MAILLOG"

# (a) the Outlook sequence: MAIL, RCPT, DATA pipelined, relay denied.
sm_swaks relay 127.0.0.5 --pipeline --ehlo outlook.test \
    --from bob@example.test --to someone@remote.test || true
sm_assert_transcript '<\*\* +550 5\.7\.1 <someone@remote\.test>\.\.\. Relaying denied' "550 Relaying denied"
sm_assert_transcript '<\*\* +503 5\.0\.0 Need RCPT \(recipient\)' "503 Need RCPT"
sm_wait_maillog 'ruleset=check_rcpt, arg1=<someone@remote\.test>, relay=.*127\.0\.0\.5.*reject=550 5\.7\.1' ||
    it_fail "no check_rcpt reject line for 127.0.0.5" "$SM_MAILLOG"
qid=$(sm_maillog_qid 'ruleset=check_rcpt, arg1=<someone@remote\.test>, relay=.*127\.0\.0\.5')
[ -n "$qid" ] || it_fail "the check_rcpt line has no queue id" "$SM_MAILLOG"
it_log "check_rcpt reject logged under queue id $qid"

# 127.0.0.1 relays (Sendmail's built-in rule), mail is queued, not sent.
sm_swaks trusted 127.0.0.1 --from bob@example.test --to someone@remote.test ||
    it_fail "127.0.0.1 could not relay" "$SM_TRANSCRIPT" "$SM_MAILLOG"
sm_assert_transcript '<- +250 2\.0\.0 [A-Za-z0-9]+ Message accepted for delivery' "250 Message accepted"

# A local recipient from an outside client.
sm_swaks inbound 127.0.0.6 --from carol@remote.test --to alice@example.test ||
    it_fail "inbound mail to alice@example.test refused" "$SM_TRANSCRIPT" "$SM_MAILLOG"

# SMTP AUTH: a wrong password fails, the right one lets 127.0.0.8 relay.
if sm_swaks badauth 127.0.0.8 --auth PLAIN --auth-user alice --auth-password wrong \
    --from alice@example.test --to someone@remote.test; then
    it_fail "AUTH with a wrong password succeeded" "$SM_TRANSCRIPT"
fi
sm_assert_transcript '<~?\*\* +535 5\.7\.0 authentication failed' "535 for a wrong password"
sm_swaks auth 127.0.0.8 --auth PLAIN --auth-user alice --auth-password "$SM_PASSWORD" \
    --from alice@example.test --to someone@remote.test ||
    it_fail "AUTH PLAIN as alice failed" "$SM_TRANSCRIPT" "$SM_MAILLOG"
sm_assert_transcript '235 2\.0\.0 OK Authenticated' "235 Authenticated"
sm_wait_maillog 'AUTH=server, relay=.*127\.0\.0\.8.*, authid=alice' ||
    it_fail "no AUTH=server line for alice" "$SM_MAILLOG"

sm_stop
it_log "PASS"
