# NAME
#	harness.sh - private Postfix + milter503 + the scenario sessions (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/harness.sh
#	harness_up BUILD_DIR		# milter503 from BUILD_DIR/bin, Postfix in front
#	session_NAME			# one scenario's SMTP session(s), see below
#	harness_milter_done		# SIGTERM the milter: its log is complete
#	it_escape_value VALUE		# VALUE as the milter's log writes it
# DESCRIPTION
#	Sourcing this file sources common.sh, postfix.sh and milter.sh.
#	Each session_* function runs swaks from its own loopback address (so
#	the milter's per-client lines can be told apart), saves the dialogue
#	in IT_WORK/swaks-NAME.txt, waits until Postfix has logged the end of
#	the session and sets SESSION_ADDR / SESSION_TRANSCRIPT. The same
#	functions drive the ctest scenarios and `make demo`.
#
#	  name            client      what the client does
#	  outlook         127.0.0.5   no AUTH, local sender, remote recipient,
#	                              MAIL/RCPT/DATA pipelined: Relay access denied
#	  login_mismatch  127.0.0.6   AUTH alice, MAIL FROM bob: not owned by user
#	  header_from     127.0.0.7   AUTH alice, From: Boss <boss@example.test>
#	  display_name    127.0.0.8   AUTH alice, From: "Mark's email" <alice@...>
#	  mailbox_full    127.0.0.9   remote sender to full@example.test: 452 4.2.2
#	  clean           127.0.0.10  AUTH alice on the submission port, all correct
#	  greylisted      127.0.0.12  remote sender to greylist@example.test: 450 4.7.1
#	  unknown_user    127.0.0.14  remote sender to nosuchuser@example.test: 550 5.1.1
#	  office, moved   127.0.0.1,  bob sends from the office (trusted), then
#	                  127.0.0.13  from outside without AUTH: Relay access denied
#	  hostile_*       127.0.0.11  quotes, =, backslashes, control bytes, long
#	                              addresses in HELO, MAIL, RCPT and From:

[ -n "${IT_HARNESS_LOADED:-}" ] && return 0
IT_HARNESS_LOADED=1

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$IT_LIB/postfix.sh"
. "$IT_LIB/milter.sh"

# harness_up BUILD_DIR: everything a scenario needs, torn down at exit.
harness_up() {
    local build=$1 mport
    [ -n "$build" ] || it_fail "usage: $IT_NAME BUILD_DIR ..."
    [ -d "$build" ] || it_fail "build directory $build does not exist"
    build=$(cd "$build" && pwd)
    HARNESS_BUILD=$build
    it_require swaks postconf saslpasswd2 ss setsid iconv awk
    it_workdir
    mport=$(it_free_port)
    pf_create "$mport"
    milter_write_conf
    milter_start "$build/bin/milter503" "$mport"
    pf_start
}

# harness_milter_done: stop the milter (it writes its summary lines on
# SIGTERM) so that its log holds everything about the sessions so far.
harness_milter_done() {
    milter_stop
}

# session_run NAME ADDR SWAKS-ARGS...: one swaks session from ADDR.
# swaks exits non-zero whenever the server refuses something, which is
# the point of most scenarios, so its status is kept in SESSION_STATUS
# and not treated as an error.
session_run() {
    local name=$1 addr=$2 before
    shift 2
    SESSION_ADDR=$addr
    SESSION_TRANSCRIPT=$IT_WORK/swaks-$name.txt
    before=$(grep -c -- "disconnect from [^ ]*\[$addr\]" "$PF_MAILLOG" 2>/dev/null)
    SESSION_STATUS=0
    swaks --server 127.0.0.1 --timeout 20 --hide-informational \
        --local-interface "$addr" "$@" >"$SESSION_TRANSCRIPT" 2>&1 || SESSION_STATUS=$?
    pf_wait_disconnect "$addr" $((${before:-0} + 1))
}

session_outlook() {
    session_run outlook 127.0.0.5 --port "$PF_SMTP_PORT" --pipeline \
        --helo outlook.test --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>"
}

session_login_mismatch() {
    pf_auth alice
    session_run login_mismatch 127.0.0.6 --port "$PF_SMTP_PORT" --pipeline "${PF_AUTH[@]}" \
        --helo laptop.example.test --from bob@example.test --to carol@example.test \
        --header "From: Bob <bob@example.test>"
}

session_header_from() {
    pf_auth alice
    session_run header_from 127.0.0.7 --port "$PF_SMTP_PORT" --pipeline "${PF_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Boss <boss@example.test>"
}

session_display_name() {
    pf_auth alice
    session_run display_name 127.0.0.8 --port "$PF_SMTP_PORT" --pipeline "${PF_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: \"Mark's email\" <alice@example.test>"
}

session_mailbox_full() {
    session_run mailbox_full 127.0.0.9 --port "$PF_SMTP_PORT" --pipeline \
        --helo mail.remote.test --from someone@remote.test --to full@example.test \
        --header "From: Someone <someone@remote.test>"
}

session_unknown_user() {
    session_run unknown_user 127.0.0.14 --port "$PF_SMTP_PORT" --pipeline \
        --helo mail.remote.test --from someone@remote.test --to nosuchuser@example.test \
        --header "From: Someone <someone@remote.test>"
}

session_greylisted() {
    session_run greylisted 127.0.0.12 --port "$PF_SMTP_PORT" --pipeline \
        --helo mail.remote.test --from someone@remote.test --to greylist@example.test \
        --header "From: Someone <someone@remote.test>"
}

# bob sends from the office (127.0.0.1, in mynetworks and TrustedNetworks,
# no AUTH needed), then from home with the VPN off (127.0.0.13) to a
# remote recipient: relay denied, the same sender. (The office mail goes
# to carol: this Postfix delivers nothing off-host.)
session_office() {
    session_run office 127.0.0.1 --port "$PF_SMTP_PORT" --pipeline \
        --helo office.example.test --from bob@example.test --to carol@example.test \
        --header "From: Bob <bob@example.test>"
}

session_moved() {
    session_run moved 127.0.0.13 --port "$PF_SMTP_PORT" --pipeline \
        --helo home.example.test --from bob@example.test --to someone@remote.test \
        --header "From: Bob <bob@example.test>"
}

session_clean() {
    pf_auth alice
    session_run clean 127.0.0.10 --port "$PF_SUBMISSION_PORT" --pipeline "${PF_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Alice <alice@example.test>"
}

# The hostile values, also used by the test to compute the expected log
# fields. swaks sends them byte for byte (no CR or LF: those would end
# the SMTP line and are Postfix's business, not the milter's).
HOSTILE_HELO=$'evil"helo=x\\\x01\x7f'
HOSTILE_LONG=$(printf 'a%.0s' {1..200})
HOSTILE_SENDER="$HOSTILE_LONG.x=y@example.test"
HOSTILE_RCPT='"odd rcpt=\"x\""@remote.test'
HOSTILE_FROM_HEADER=$'From: "Evil \\"=x\\" O\'Neil \x01 from=<forged@x>" <boss@example.test>'

# Unauthenticated, pipelined, relay denied, with the nastiest HELO,
# sender and recipient swaks can send.
session_hostile_envelope() {
    session_run hostile_envelope 127.0.0.11 --port "$PF_SMTP_PORT" --pipeline \
        --helo "$HOSTILE_HELO" --from "$HOSTILE_SENDER" \
        --to "$HOSTILE_RCPT,someone@remote.test" \
        --header "From: <$HOSTILE_SENDER>"
}

# Authenticated and accepted, with a From: header full of field syntax.
session_hostile_header() {
    pf_auth alice
    session_run hostile_header 127.0.0.11 --port "$PF_SMTP_PORT" --pipeline "${PF_AUTH[@]}" \
        --helo "$HOSTILE_HELO" --from alice@example.test --to carol@example.test \
        --header "$HOSTILE_FROM_HEADER"
}

# it_escape_value VALUE: what policy/log_format.cpp writes for VALUE.
# Handles ASCII exactly; every byte >= 0x80 is taken as invalid UTF-8
# (\xhh), so only use it for values without valid multi-byte characters.
it_escape_value() {
    local LC_ALL=C v=$1 i c n quote= out=
    [ -z "$v" ] && quote=1
    for ((i = 0; i < ${#v}; i++)); do
        c=${v:i:1}
        printf -v n '%d' "'$c"
        ((n < 0)) && n=$((n + 256))
        if [ "$c" = '"' ] || [ "$c" = '\' ]; then
            quote=1
            out+="\\$c"
        elif ((n < 0x21 || n >= 0x7f)); then
            quote=1
            # A space stays a space inside the quotes.
            if ((n == 0x20)); then out+=' '; else printf -v c '\\x%02x' "$n"; out+=$c; fi
        else
            [ "$c" = '=' ] && quote=1
            out+=$c
        fi
    done
    if [ -z "$quote" ]; then printf '%s' "$v"; else printf '"%s"' "$out"; fi
}

