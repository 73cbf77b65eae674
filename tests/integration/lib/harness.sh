# NAME
#	harness.sh - private Postfix + milter503 for the scenarios (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/harness.sh
#	harness_up BUILD_DIR		# milter503 from BUILD_DIR/bin, Postfix in front
#	session_NAME ADDR		# a scenario's session(s), lib/sessions.sh
#	harness_milter_done		# SIGTERM the milter: its log is complete
#	it_escape_value VALUE		# VALUE as the milter's log writes it
# DESCRIPTION
#	Sourcing this file sources common.sh, postfix.sh, milter.sh,
#	scenarios.sh and sessions.sh, and gives sessions.sh what it needs
#	from Postfix (mta_*): the port-25 and submission ports, SASL logins
#	as USER@example.test, the policy service, and after each session a
#	wait until Postfix has logged its end ("disconnect from ...[ADDR]"),
#	so that the milter has seen its close. PF_RESTRICTIONS,
#	PF_POLICY_ANSWERS and PF_DNS_RECORDS, set before harness_up, add a
#	scenario's own restrictions, policy service and DNS records
#	(lib/postfix.sh). The same functions
#	drive the ctest scenarios (postfix_findings.sh) and `make demo`.

[ -n "${IT_HARNESS_LOADED:-}" ] && return 0
IT_HARNESS_LOADED=1

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$IT_LIB/postfix.sh"
. "$IT_LIB/milter.sh"
. "$IT_LIB/scenarios.sh"
. "$IT_LIB/sessions.sh"

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
    MTA_SMTP_PORT=$PF_SMTP_PORT
    MTA_SUBMISSION_PORT=$PF_SUBMISSION_PORT
    milter_write_conf
    milter_start "$build/bin/milter503" "$mport"
    pf_start
}

# ---- what lib/sessions.sh needs from the MTA -------------------------------

mta_login() {
    pf_auth "$1"
    MTA_AUTH=("${PF_AUTH[@]}")
}

mta_session_begin() {
    HARNESS_DISCONNECTS=$(grep -c -- "disconnect from [^ ]*\[$1\]" "$PF_MAILLOG" 2>/dev/null)
}

mta_session_end() {
    pf_wait_disconnect "$1" $((${HARNESS_DISCONNECTS:-0} + 1))
}

mta_policy_start() { pf_policy_start; }
mta_policy_stop() { pf_policy_stop; }

# harness_milter_done: stop the milter (it writes its summary lines on
# SIGTERM) so that its log holds everything about the sessions so far.
harness_milter_done() {
    milter_stop
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

