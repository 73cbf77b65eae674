# shellcheck shell=bash
# NAME
#	mta.sh - what lib/sessions.sh needs from the private Sendmail (bash, sourced)
# SYNOPSIS
#	. tests/integration/sendmail/lib.sh
#	. tests/integration/sendmail/mta.sh
#	sm_create; sm_start; MTA_SMTP_PORT=$SM_PORT
#	session_NAME ADDR		# lib/sessions.sh
# DESCRIPTION
#	Sources lib/scenarios.sh and lib/sessions.sh and gives the sessions
#	Sendmail's side: the port (MTA_SMTP_PORT, set after sm_start), no
#	submission port, the SASL login alice, and after each session a wait
#	until the daemon has no child left (lib.sh sm_wait_idle), i.e. until
#	Sendmail has told the milter everything. The transcript is also
#	lib.sh's SM_TRANSCRIPT. Used by findings.sh and demo.sh.

[ -n "${SM_MTA_LOADED:-}" ] && return 0
SM_MTA_LOADED=1

. "$IT_LIB/scenarios.sh"
. "$IT_LIB/sessions.sh"

MTA_SUBMISSION_PORT=

mta_login() {
    [ "$1" = alice ] || it_fail "the test Sendmail knows only the login alice"
    MTA_AUTH=("${SM_AUTH_ALICE[@]}")
}

mta_session_begin() { :; }

mta_session_end() {
    sm_wait_idle
    SM_TRANSCRIPT=$SESSION_TRANSCRIPT
}

mta_policy_start() { it_fail "Sendmail has no policy service"; }
mta_policy_stop() { it_fail "Sendmail has no policy service"; }
