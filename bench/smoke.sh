#!/bin/bash
# NAME
#	smoke.sh - the benchmark's generator writes a log the report reads whole
# SYNOPSIS
#	bench/smoke.sh BUILD_DIR
# DESCRIPTION
#	20 000 generated lines through milter503-report --format json: no
#	malformed line, no milter finding left without its MTA session, and
#	some sessions with DATA refused. Not a timing test.
set -eu
BUILD=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$BUILD/bin/milter503-bench-gen" 20000 2>/dev/null >"$dir/mixed.log"
"$BUILD/bin/milter503-report" --format json "$dir/mixed.log" >"$dir/report.json"
fail() { echo "smoke: $*" >&2; grep -A8 '"input"' "$dir/report.json" >&2; exit 1; }
grep -q '"malformed": 0,' "$dir/report.json" || fail "malformed lines in the generated log"
grep -q '"findings_standalone": 0' "$dir/report.json" || fail "milter findings not joined"
grep -q '"expired": 0,' "$dir/report.json" || fail "sessions without their end"
refused=$(sed -n '/"totals"/,/}/s/.*"sessions_503": \([0-9]*\).*/\1/p' "$dir/report.json")
[ "${refused:-0}" -gt 0 ] || fail "no session with DATA refused"
echo "smoke: ok ($refused sessions with DATA refused)"
