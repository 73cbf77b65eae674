#!/bin/bash
# NAME
#	selftest.sh - checks the checkers the integration scenarios rely on
# DESCRIPTION
#	milter_check_log_format must accept the milter's real line shapes and
#	reject every kind of damage a hostile client could cause (forged or
#	repeated fields, bare quotes, control bytes, invalid UTF-8), and
#	it_escape_value must agree with policy/log_format.cpp; the scenario
#	table must be consistent. Needs no MTA.
set -u
IT_NAME=selftest
. "$(dirname "$0")/harness.sh"
it_workdir
h='2026-11-25T04:31:14.619131+00:00 mx milter503[4242]: '
failures=0

accept() {
    printf '%s\n' "$h$1" >"$IT_WORK/line.log"
    if ! out=$(milter_check_log_format "$IT_WORK/line.log"); then
        echo "FAIL: rejected a good line: $1 ($out)" >&2
        failures=$((failures + 1))
    fi
}
reject() {
    printf '%s\n' "$1" >"$IT_WORK/line.log"
    if milter_check_log_format "$IT_WORK/line.log" >/dev/null; then
        echo "FAIL: accepted a bad line: $(printf '%s' "$1" | cat -v)" >&2
        failures=$((failures + 1))
    fi
}

accept 'NOQUEUE: finding=no-accepted-rcpt cause=relay-denied conn=3 client=localhost[127.0.0.5]:40312 helo=outlook.test port=25 auth=- from=<bob@example.test> rcpt_ok=0 rcpt_rejected=1 rejected="<someone@remote.test> 5.7.1 Relay access denied" advice="Log in (SMTP AUTH) before sending."'
accept '4XyzAbc: finding=header-from-mismatch cause=policy-reject conn=7 client=unknown[127.0.0.7]:1 helo="evil\"helo=x\\\x01\x7f" port=587 auth=alice@example.test from=<alice@example.test> header_from=<boss@example.test> rcpt_ok=1 rcpt_rejected=0 rejected="" advice="x"'
accept 'summary: client=127.0.0.5 sessions=1 transactions=1 findings=no-accepted-rcpt:1,unauthenticated-sender:1 cause=relay-denied suppressed=0 first=2026-11-25T04:31:14Z last=2026-11-25T04:31:15Z advice="..."'
accept 'milter503 0.1.0 starting on inet:8894@127.0.0.1'
accept 'NOQUEUE: finding=no-accepted-rcpt cause=server-fault fix=admin conn=2 client=unknown[127.0.0.27]:40312 helo=mail.remote.test port=25 auth=- from=<someone@remote.test> rcpt_ok=0 rcpt_rejected=1 rejected="<alice@example.test> 4.3.5 Recipient address rejected: Server configuration problem" advice="x"'
accept 'alert: cause=domain-not-served fix=admin findings=1 clients=1 first=2026-11-25T04:31:14.619131+00:00 client=127.0.0.28 rejected="<info@newdomain.test> 5.7.1 Relay access denied" advice="x"'
accept 'alert: cause=unknown-recipient fix=admin domain=example.test findings=3 clients=3 first=2026-11-25T04:31:14Z client=127.0.0.28 rejected=- advice="x"'
accept 'NOQUEUE: finding=no-accepted-rcpt helo="Müller"'
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a\"b"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=\"a\"b\""
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a=b"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a from=<forged@x> port=25 from=<bob@example.test>"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a bogus=1"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo="
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=\"a\\qb\""
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=\"unterminated"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a"$'\x01'"b"
reject "${h}NOQUEUE: finding=no-accepted-rcpt helo=a"$'\xff'"b"
reject "${h}hello finding=no-accepted-rcpt"
reject "NOQUEUE: finding=no-accepted-rcpt no header"
reject "${h}alert: cause=server-fault fix=admin client=127.0.0.27 client=127.0.0.28"
reject "${h}alert: cause=server-fault fix=admin bogus=1"

# The scenario table: every scenario loads for each MTA that runs it, one
# client per scenario, its session exists, its causes are in the cause
# table, its alerts in it or among the conditions (policy/nat_detector.cpp)
# (a misspelt cause would only ever fail as "cause=x not found").
clients=
for mta in postfix sendmail; do
    for name in $(scenario_names "$mta"); do
        scenario_load "$name" "$mta"
        declare -F "session_$SC_SESSION" >/dev/null ||
            { echo "FAIL: scenario $name: no session_$SC_SESSION" >&2; failures=$((failures + 1)); }
        causes=("$SC_REPORT_CAUSE")
        for f in "${SC_FINDINGS[@]}"; do
            read -r _ cause _ <<<"$f"
            causes+=("$cause")
        done
        for cause in "${causes[@]}"; do
            [ "$cause" = - ] && continue
            grep -qF "\"$cause\"" "$IT_ROOT/policy/cause.cpp" ||
                { echo "FAIL: scenario $name ($mta): cause '$cause' is not in policy/cause.cpp" >&2; failures=$((failures + 1)); }
        done
        for cause in "${SC_ALERTS[@]}"; do
            grep -qF "\"$cause\"" "$IT_ROOT/policy/cause.cpp" "$IT_ROOT/policy/nat_detector.cpp" ||
                { echo "FAIL: scenario $name ($mta): alert '$cause' is neither a cause nor a condition" >&2; failures=$((failures + 1)); }
        done
    done
done
dups=$(scenario__lines | awk '$1 == "client" { print $2 }' | sort | uniq -d)
[ -z "$dups" ] || { echo "FAIL: clients used by more than one scenario: $dups" >&2; failures=$((failures + 1)); }

check_escape() {
    local got
    got=$(it_escape_value "$1")
    if [ "$got" != "$2" ]; then
        echo "FAIL: it_escape_value $(printf '%q' "$1") = $got, want $2" >&2
        failures=$((failures + 1))
    fi
}
check_escape 'abc' 'abc'
check_escape '' '""'
check_escape 'a b' '"a b"'
check_escape 'a=b' '"a=b"'
check_escape 'x"y\z' '"x\"y\\z"'
check_escape $'a\x01\x7f\xff' '"a\x01\x7f\xff"'
check_escape '<bob@example.test>' '<bob@example.test>'

[ "$failures" -eq 0 ] || it_fail "$failures self-test check(s) failed"
it_log "PASS"
