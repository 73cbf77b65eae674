#!/bin/bash
# NAME
#	smoke.sh - the benchmark's generator writes a log the report reads whole
# SYNOPSIS
#	bench/smoke.sh BUILD_DIR
# DESCRIPTION
#	20 000 generated lines of each mix (the mixed one and --port25 with
#	3000 clients) through milter503-report --format json: no malformed
#	line, no milter finding left without its MTA session, and some
#	sessions with DATA refused; for --port25, the clients it says it
#	wrote. Not a timing test.
set -eu
BUILD=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "smoke: $*" >&2; grep -A8 '"input"' "$dir/report.json" >&2; exit 1; }
check() {  # check MIX: the report of $dir/MIX.log
    "$BUILD/bin/milter503-report" --format json "$dir/$1.log" >"$dir/report.json"
    grep -q '"malformed": 0,' "$dir/report.json" || fail "$1: malformed lines in the generated log"
    grep -q '"findings_standalone": 0' "$dir/report.json" || fail "$1: milter findings not joined"
    refused=$(sed -n '/"totals"/,/}/s/.*"sessions_503": \([0-9]*\).*/\1/p' "$dir/report.json")
    [ "${refused:-0}" -gt 0 ] || fail "$1: no session with DATA refused"
    echo "smoke: $1 ok ($refused sessions with DATA refused)"
}
"$BUILD/bin/milter503-bench-gen" 20000 2>/dev/null >"$dir/mixed.log"
check mixed
grep -q '"expired": 0,' "$dir/report.json" || fail "mixed: sessions without their end"
# postscreen logs no end of a session it passes to smtpd: those expire.
"$BUILD/bin/milter503-bench-gen" --port25 3000 20000 2>"$dir/gen.err" >"$dir/port25.log"
check port25
wrote=$(sed -n 's/.* \([0-9]*\) clients$/\1/p' "$dir/gen.err")
seen=$(sed -n 's/^ *"clients_seen": \([0-9]*\).*/\1/p' "$dir/report.json" | head -n 1)
[ -n "$wrote" ] && [ "$wrote" = "$seen" ] || fail "port25: $wrote clients written, $seen seen"
