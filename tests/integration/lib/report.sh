# NAME
#	report.sh - check what milter503-report makes of a scenario's logs (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/report.sh
#	report_expect CLIENT N503 CAUSE FILE...
# DESCRIPTION
#	Runs BUILD/bin/milter503-report --client CLIENT on the log FILEs (the
#	MTA's and the milter's, in any order) and fails the scenario unless
#	the report's row for CLIENT says:
#	  - N503 sessions whose DATA got 503/554 (proven by the MTA's log),
#	  - top cause CAUSE (`-` when the client had neither a refused DATA
#	    nor a finding),
#	and unless every milter finding was joined to an MTA session (the
#	footer's "0 on their own"; set REPORT_ALLOW_STANDALONE=1 to skip that).
#	Call it after the milter has stopped, so that its log is complete.
#	The binary is $REPORT_BIN, else HARNESS_BUILD/bin or BUILD/bin.
#	The report is kept next to the logs as report-CLIENT.txt (IT_WORK, or
#	the directory of the first FILE).

[ -n "${IT_REPORT_LOADED:-}" ] && return 0
IT_REPORT_LOADED=1

report_expect() {
    local client=$1 n503=$2 cause=$3 bin out row got503 gotcause dir
    shift 3
    [ $# -gt 0 ] || it_fail "usage: report_expect CLIENT N503 CAUSE FILE..."
    bin=${REPORT_BIN:-${HARNESS_BUILD:-${BUILD:-.}}/bin/milter503-report}
    [ -x "$bin" ] || it_fail "milter503-report is not built ($bin)"
    dir=${IT_WORK:-$(dirname "$1")}
    out=$dir/report-$client.txt
    "$bin" --client "$client" "$@" >"$out" 2>&1 ||
        it_fail "milter503-report exited with status $? on $*" "$out"
    # The table row: CLIENT NAME SESSIONS 503/554 FLAGGED CAUSE LAST-SEEN.
    row=$(awk -v c="$client" '$1 == c && NF == 7 { print; exit }' "$out")
    if [ -z "$row" ]; then
        got503=0 gotcause=-
    else
        got503=$(printf '%s\n' "$row" | awk '{ print $4 }')
        gotcause=$(printf '%s\n' "$row" | awk '{ print $6 }')
    fi
    [ "$got503" = "$n503" ] ||
        it_fail "milter503-report: client $client had $got503 sessions with DATA refused, want $n503" "$out" "$@"
    [ "$gotcause" = "$cause" ] ||
        it_fail "milter503-report: client $client cause '$gotcause', want '$cause'" "$out" "$@"
    if [ -z "${REPORT_ALLOW_STANDALONE:-}" ] &&
        ! grep -Eq 'milter findings: [0-9]+ joined to MTA sessions, 0 on their own' "$out"; then
        it_fail "milter503-report: some milter findings were not joined to their MTA session" "$out" "$@"
    fi
    it_log "report: client $client: $got503 sessions with DATA refused (503/554), cause $gotcause"
}
