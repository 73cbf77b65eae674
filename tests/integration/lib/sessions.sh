# NAME
#	sessions.sh - the scenarios' SMTP sessions, for any MTA (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/sessions.sh
#	session_NAME ADDR		# one scenario's session(s) from client ADDR
# DESCRIPTION
#	What each scenario's client sends (scenarios.table names the
#	function and the address). The MTA's runner provides:
#
#	  MTA_SMTP_PORT, MTA_SUBMISSION_PORT (empty: none)
#	  mta_login USER		MTA_AUTH = the swaks options that log in as USER
#	  mta_session_begin ADDR	before a session (e.g. count the MTA's lines)
#	  mta_session_end ADDR		wait until the MTA is done with the session
#	  mta_policy_start, mta_policy_stop	the policy service (Postfix)
#
#	Each session saves its dialogue in IT_WORK/client-NAME.txt, appends
#	it to SESSION_TRANSCRIPTS and sets SESSION_TRANSCRIPT, SESSION_ADDR,
#	SESSION_STATUS (the client's exit status: non-zero whenever the
#	server refused something, which is the point of most sessions) and
#	SESSION_FROM (the envelope sender the findings must name; empty when
#	they name an escaped one). swaks plays the mail client; for what
#	swaks cannot send, lib/smtp-client.py.

[ -n "${IT_SESSIONS_LOADED:-}" ] && return 0
IT_SESSIONS_LOADED=1

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# session_client NAME ADDR COMMAND...: runs one client, its output is the
# transcript; returns when the MTA is done with the session.
session_client() {
    local name=$1 addr=$2
    shift 2
    SESSION_ADDR=$addr
    SESSION_TRANSCRIPT=$IT_WORK/client-$name.txt
    SESSION_TRANSCRIPTS+=("$SESSION_TRANSCRIPT")
    mta_session_begin "$addr"
    SESSION_STATUS=0
    "$@" >"$SESSION_TRANSCRIPT" 2>&1 || SESSION_STATUS=$?
    mta_session_end "$addr"
}

# session_swaks NAME ADDR smtp|submission SWAKS-ARGS...
session_swaks() {
    local name=$1 addr=$2 port
    case "$3" in
        smtp) port=$MTA_SMTP_PORT ;;
        submission) port=${MTA_SUBMISSION_PORT:?this MTA has no submission port} ;;
        *) it_fail "session_swaks: port kind '$3'" ;;
    esac
    shift 3
    session_client "$name" "$addr" swaks --server 127.0.0.1 --port "$port" --timeout 20 \
        --hide-informational --local-interface "$addr" "$@"
}

# session_raw NAME ADDR SMTP-CLIENT-ARGS...: lib/smtp-client.py on port 25.
session_raw() {
    local name=$1 addr=$2
    shift 2
    it_require python3
    session_client "$name" "$addr" python3 "$IT_LIB/smtp-client.py" --source "$addr" \
        --port "$MTA_SMTP_PORT" "$@"
}

# A remote sender's mail to a local user, the way servers send: pipelined.
session__inbound() {
    local name=$1 addr=$2 helo=$3 from=$4 to=$5
    SESSION_FROM=$from
    session_swaks "$name" "$addr" smtp --pipeline --helo "$helo" --from "$from" --to "$to" \
        --header "From: <$from>"
}

# ---- the scenarios' sessions (scenarios.table: session NAME) ---------------

# Outlook without SMTP AUTH: local sender, remote recipient, MAIL/RCPT/DATA
# pipelined: relay denied.
session_outlook() {
    SESSION_FROM=bob@example.test
    session_swaks outlook "$1" smtp --pipeline --helo outlook.test \
        --from bob@example.test --to someone@remote.test --header "From: Bob <bob@example.test>"
}

# bob from outside, not logged in, to a colleague (a local recipient, so
# no relay refusal comes first).
session_not_logged_in() {
    SESSION_FROM=bob@example.test
    session_swaks not_logged_in "$1" smtp --pipeline --helo home.example.test \
        --from bob@example.test --to carol@example.test --header "From: Bob <bob@example.test>"
}

session_login_mismatch() {
    mta_login alice
    SESSION_FROM=bob@example.test
    session_swaks login_mismatch "$1" smtp --pipeline "${MTA_AUTH[@]}" \
        --helo laptop.example.test --from bob@example.test --to carol@example.test \
        --header "From: Bob <bob@example.test>"
}

session_header_from() {
    mta_login alice
    SESSION_FROM=alice@example.test
    session_swaks header_from "$1" smtp --pipeline "${MTA_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Boss <boss@example.test>"
}

session_display_name() {
    mta_login alice
    SESSION_FROM=alice@example.test
    session_swaks display_name "$1" smtp --pipeline "${MTA_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: \"Mark's email\" <alice@example.test>"
}

session_mailbox_full() {
    session__inbound mailbox_full "$1" mail.remote.test someone@remote.test full@example.test
}

session_unknown_recipient() {
    session__inbound unknown_recipient "$1" mail.remote.test someone@remote.test nosuchuser@example.test
}

# bob sends from the office (127.0.0.1, trusted, no AUTH needed), then from
# home with the VPN off to a remote recipient: relay denied, same sender.
session_left_trusted_network() {
    SESSION_FROM=bob@example.test
    session_swaks office 127.0.0.1 smtp --pipeline --helo office.example.test \
        --from bob@example.test --to carol@example.test --header "From: Bob <bob@example.test>"
    session_swaks moved "$1" smtp --pipeline --helo home.example.test \
        --from bob@example.test --to someone@remote.test --header "From: Bob <bob@example.test>"
}

session_clean_submission() {
    mta_login alice
    SESSION_FROM=alice@example.test
    session_swaks clean_submission "$1" submission --pipeline "${MTA_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Alice <alice@example.test>"
}

# Correct mail on port 25: bob from the office (127.0.0.1, trusted, no
# login), inbound from a remote server, alice logged in (last, so that the
# demo shows the client's own session).
session_clean_send() {
    session_swaks clean_trusted 127.0.0.1 smtp --pipeline --helo app.example.test \
        --from bob@example.test --to carol@example.test --header "From: Bob <bob@example.test>"
    session__inbound clean_inbound "$1" mail.remote.test someone@remote.test alice@example.test
    mta_login alice
    session_swaks clean_auth "$1" smtp --pipeline "${MTA_AUTH[@]}" \
        --helo laptop.example.test --from alice@example.test --to carol@example.test \
        --header "From: Alice <alice@example.test>"
    SESSION_FROM=
}

session_deferred() {
    session__inbound deferred "$1" mail.remote.test someone@remote.test alice@example.test
}

session_mail_refused() {
    session__inbound mail_refused "$1" mail.bad.test spam@bad.test alice@example.test
}

# The hostile values, also used by the test to compute the expected log
# fields. swaks sends them byte for byte (no CR or LF: those would end
# the SMTP line and are the MTA's business, not the milter's).
HOSTILE_HELO=$'evil"helo=x\\\x01\x7f'
HOSTILE_LONG=$(printf 'a%.0s' {1..200})
HOSTILE_SENDER="$HOSTILE_LONG.x=y@example.test"
HOSTILE_RCPT='"odd rcpt=\"x\""@remote.test'
HOSTILE_FROM_HEADER=$'From: "Evil \\"=x\\" O\'Neil \x01 from=<forged@x>" <boss@example.test>'

# Unauthenticated, pipelined, relay denied, with the nastiest HELO, sender
# and recipient swaks can send; then logged in and accepted, with a From:
# header full of field syntax; then an ordinary client, still served.
session_hostile() {
    session_swaks hostile_envelope "$1" smtp --pipeline \
        --helo "$HOSTILE_HELO" --from "$HOSTILE_SENDER" \
        --to "$HOSTILE_RCPT,someone@remote.test" --header "From: <$HOSTILE_SENDER>"
    HOSTILE_ENVELOPE_TRANSCRIPT=$SESSION_TRANSCRIPT
    mta_login alice
    session_swaks hostile_header "$1" smtp --pipeline "${MTA_AUTH[@]}" \
        --helo "$HOSTILE_HELO" --from alice@example.test --to carol@example.test \
        --header "$HOSTILE_FROM_HEADER"
    HOSTILE_HEADER_TRANSCRIPT=$SESSION_TRANSCRIPT
    session_swaks hostile_then_clean 127.0.0.1 smtp --pipeline --helo office.example.test \
        --from bob@example.test --to carol@example.test --header "From: Bob <bob@example.test>"
    SESSION_FROM=
}

session_greylisted() {
    mta_policy_start
    session__inbound greylisted "$1" mail.remote.test someone@remote.test greylist@example.test
}

session_unresolvable_sender() {
    session__inbound unresolvable_sender "$1" app.remote.test www-data@nonexistent.invalid alice@example.test
}

session_non_fqdn_sender() {
    session__inbound non_fqdn_sender "$1" app.remote.test root@server alice@example.test
}

session_unverified_sender() {
    session__inbound unverified_sender "$1" mail.remote.test someone@remote.test alice@example.test
}

session_bad_helo() {
    session__inbound bad_helo "$1" pc01 someone@remote.test alice@example.test
}

session_unknown_client() {
    session__inbound unknown_client "$1" mail.remote.test someone@remote.test alice@example.test
}

session_dnsbl_listed() {
    session__inbound dnsbl_listed "$1" mail.remote.test someone@remote.test alice@example.test
}

session_dnsbl_unusable() {
    session__inbound dnsbl_unusable "$1" mail.remote.test someone@remote.test alice@example.test
}

# HELO, not EHLO (so no PIPELINING was announced), then MAIL, RCPT and DATA
# in one write.
session_pipelining() {
    SESSION_FROM=someone@remote.test
    session_raw pipelining "$1" --greeting HELO --helo mail.remote.test --burst \
        "MAIL FROM:<someone@remote.test>" "RCPT TO:<alice@example.test>" DATA
}

session_rate_limited() {
    mta_policy_start
    session__inbound rate_limited "$1" mail.remote.test someone@remote.test alice@example.test
}

session_spf_fail() {
    mta_policy_start
    session__inbound spf_fail "$1" mail.remote.test someone@remote.test alice@example.test
}

# Answered and delivered while the policy service runs; refused once it
# is stopped.
session_policy_down() {
    mta_policy_start
    session__inbound policy_up "$1" mail.remote.test someone@remote.test alice@example.test
    mta_policy_stop
    session__inbound policy_down "$1" mail.remote.test someone@remote.test alice@example.test
}

session_domain_not_served() {
    session__inbound domain_not_served "$1" mail.remote.test someone@remote.test info@newdomain.test
}

# What a mail library sends for a web form whose To: is empty: MAIL, then
# DATA, pipelined after EHLO, no RCPT at all.
session_no_recipient() {
    SESSION_FROM=webform@remote.test
    session_raw no_recipient "$1" --helo www.remote.test --burst \
        "MAIL FROM:<webform@remote.test>" DATA
}

# EHLO, MAIL, RCPT and DATA in one write, without waiting for the EHLO's
# reply: what Postfix >= 3.9 refuses by default (smtpd_forbid_unauth_pipelining).
session_pipelining_with_ehlo() {
    SESSION_FROM=someone@remote.test
    session_raw pipelining_with_ehlo "$1" --helo mail.remote.test --burst --with-greeting \
        "MAIL FROM:<someone@remote.test>" "RCPT TO:<alice@example.test>" DATA
}

# Outlook with a wrong password: AUTH fails (535), it sends anyway
# (swaks --auth-optional goes on), pipelined, to a remote recipient.
session_wrong_password() {
    SESSION_FROM=bob@example.test
    session_swaks wrong_password "$1" smtp --pipeline --helo outlook.test \
        --auth-optional LOGIN --auth-user bob@example.test --auth-password not-the-password \
        --from bob@example.test --to someone@remote.test --header "From: Bob <bob@example.test>"
}

# Five servers behind one NAT or proxy address: five HELO names, five
# sender domains, each delivering to a local user.
session_behind_nat() {
    local i
    for i in 1 2 3 4 5; do
        session__inbound behind_nat_$i "$1" mx$i.sender$i.test someone@sender$i.test alice@example.test
    done
}
