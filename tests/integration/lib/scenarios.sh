# NAME
#	scenarios.sh - the scenario table and its checks, for every MTA (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/scenarios.sh
#	scenario_names MTA		# the scenarios MTA runs, one per line
#	scenario_load NAME MTA		# SC_* from the table, see below
#	scenario_run_session		# session_$SC_SESSION $SC_CLIENT
#	scenario_check_replies		# what the client saw
#	scenario_check_findings		# the milter's findings and alerts
#	scenario_check_report LOG...	# what milter503-report makes of the logs
# DESCRIPTION
#	The table is tests/integration/scenarios.table (its header says what
#	each line means). scenario_load fails the run when NAME is not in it
#	or has no `MTA report` line (the MTA does not run it), and sets:
#
#	  SC_ABOUT SC_CLIENT SC_SESSION
#	  SC_FINDINGS	"KIND CAUSE FIX" per expected finding
#	  SC_NONE	1 when the table says `MTA none`
#	  SC_REPLIES SC_REFUSALS SC_ALERTS	one element per line
#	  SC_REPORT_CAUSE SC_REPORT_503
#	  SC_SETUP	"KIND VALUE" per restriction/policy/dns/access/main line
#
#	Lines keyed `MTA-SERIES` (e.g. `sendmail-8.18`) apply when SC_SERIES
#	is SERIES (the runner sets it from the MTA under test) and replace the
#	MTA's lines of the same kind.
#
#	The checks use lib/milter.sh's assertions (MT_LOG) and lib/report.sh;
#	SESSION_TRANSCRIPTS lists the transcripts of the scenario's sessions
#	(lib/sessions.sh), SESSION_FROM the envelope sender its findings name.

[ -n "${IT_SCENARIOS_LOADED:-}" ] && return 0
IT_SCENARIOS_LOADED=1

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SCENARIO_TABLE=${SCENARIO_TABLE:-$IT_ROOT/tests/integration/scenarios.table}

# scenario__lines: the table without comments and blank lines.
scenario__lines() {
    [ -r "$SCENARIO_TABLE" ] || it_fail "scenario table $SCENARIO_TABLE not readable"
    grep -Ev '^[[:space:]]*(#|$)' "$SCENARIO_TABLE"
}

scenario_names() {
    scenario__lines | awk -v mta="$1" '$1 == "scenario" { name = $2 } $1 == mta && $2 == "report" { print name }'
}

scenario_load() {
    local want=$1 mta=$2 current= key rest what found=
    local -A series_seen=()
    SC_NAME=$want SC_MTA=$mta SC_ABOUT= SC_CLIENT= SC_SESSION= SC_NONE= SC_SKIP=
    SC_REPORT_CAUSE= SC_REPORT_503=
    SC_FINDINGS=() SC_REPLIES=() SC_REFUSALS=() SC_ALERTS=() SC_SETUP=()
    while read -r key rest; do
        if [ "$key" = scenario ]; then
            current=$rest
            [ "$current" = "$want" ] && found=1
            continue
        fi
        [ "$current" = "$want" ] || continue
        case "$key" in
            about) SC_ABOUT=$rest ;;
            client) SC_CLIENT=$rest ;;
            session) SC_SESSION=$rest ;;
            "$mta" | "$mta-${SC_SERIES:-none}")
                read -r what rest <<<"$rest"
                # A line for this MTA's release series replaces the
                # MTA's lines of its kind (the first one clears them).
                if [ "$key" != "$mta" ] && [ -z "${series_seen[$what]:-}" ]; then
                    series_seen[$what]=1
                    case "$what" in
                        finding) SC_FINDINGS=() ;;
                        reply) SC_REPLIES=() ;;
                        refusal) SC_REFUSALS=() ;;
                        alert) SC_ALERTS=() ;;
                    esac
                fi
                case "$what" in
                    -) SC_SKIP=${rest:-the table says so} ;;
                    finding) SC_FINDINGS+=("$rest") ;;
                    none) SC_NONE=1 ;;
                    reply) SC_REPLIES+=("$rest") ;;
                    refusal) [ "$rest" = - ] || SC_REFUSALS+=("$rest") ;;
                    alert) SC_ALERTS+=("$rest") ;;
                    report) read -r SC_REPORT_CAUSE SC_REPORT_503 <<<"$rest" ;;
                    restriction | policy | dns | access | main) SC_SETUP+=("$what $rest") ;;
                    *) it_fail "scenario $want: unknown line '$mta $what' in $SCENARIO_TABLE" ;;
                esac
                ;;
            postfix | sendmail | postfix-* | sendmail-*) ;;
            *) it_fail "scenario $want: unknown keyword '$key' in $SCENARIO_TABLE" ;;
        esac
    done < <(scenario__lines)
    [ -n "$found" ] || it_fail "no scenario '$want' in $SCENARIO_TABLE"
    [ -z "$SC_SKIP" ] || it_fail "$mta does not run scenario $want: $SC_SKIP"
    [ -n "$SC_REPORT_CAUSE" ] && [ -n "$SC_REPORT_503" ] ||
        it_fail "scenario $want has no '$mta report CAUSE N503' line"
    [ -n "$SC_CLIENT" ] && [ -n "$SC_SESSION" ] || it_fail "scenario $want lacks its client or session"
    if [ -n "$SC_NONE" ] && [ ${#SC_FINDINGS[@]} -gt 0 ]; then
        it_fail "scenario $want says both '$mta none' and '$mta finding'"
    fi
    [ -n "$SC_NONE" ] || [ ${#SC_FINDINGS[@]} -gt 0 ] ||
        it_fail "scenario $want: say '$mta none' or list the findings"
    return 0
}

# scenario_client NAME: the client address of scenario NAME.
scenario_client() {
    scenario__lines | awk -v want="$1" '$1 == "scenario" { name = $2 } name == want && $1 == "client" { print $2; exit }'
}

scenario_run_session() {
    declare -F "session_$SC_SESSION" >/dev/null ||
        it_fail "scenario $SC_NAME: no session_$SC_SESSION in lib/sessions.sh"
    SESSION_TRANSCRIPTS=()
    "session_$SC_SESSION" "$SC_CLIENT"
}

# ---- the client's view ------------------------------------------------------

scenario__transcript_has() {
    local t
    for t in "${SESSION_TRANSCRIPTS[@]}"; do
        grep -qF -- "$1" "$t" && return 0
    done
    return 1
}

scenario_check_replies() {
    local text
    for text in "${SC_REPLIES[@]}" "${SC_REFUSALS[@]}"; do
        scenario__transcript_has "$text" ||
            it_fail "client $SC_CLIENT did not get the reply '$text'" "${SESSION_TRANSCRIPTS[@]}" "${MT_MTA_LOG:-}"
    done
}

# scenario_refusal_quote MTA REPLY: what the milter quotes of a refused
# RCPT's reply: the enhanced status and the text the MTA passes it.
#   postfix:  {rcpt_addr} is the reply after its third word (code, status
#             and the word Postfix takes for "<address>:"; src/smtpd/
#             smtpd_milter.c), so "Client host rejected: ..." arrives as
#             "host rejected: ...".
#   sendmail: {rcpt_addr} is the whole reply; the milter drops "<a>... ".
scenario_refusal_quote() {
    case "$1" in
        postfix) printf '%s\n' "$2" | sed -E 's/^[0-9]{3} ([^ ]+) [^ ]+ /\1 /' ;;
        sendmail) printf '%s\n' "$2" | sed -E 's/^[0-9]{3} ([^ ]+) <[^>]*>\.\.\. /\1 /' ;;
        *) it_fail "scenario_refusal_quote: MTA '$1'" ;;
    esac
}

# scenario__as_rejected_field TEXT: TEXT as it stands in the finding line's
# rejected= field: `\` and `;` as \x5c and \x3b inside an entry
# (policy/finding.cpp), then the value quoted, so `\` and `"` get a
# backslash (policy/log_format.cpp). Printable ASCII only.
scenario__as_rejected_field() {
    printf '%s\n' "$1" | sed -e 's/\\/\\x5c/g' -e 's/;/\\x3b/g' -e 's/[\\"]/\\&/g'
}

# ---- the milter's view ------------------------------------------------------

scenario_check_findings() {
    local expected kind cause fix want_kinds= got_kinds quote
    if [ -n "$SC_NONE" ]; then
        expect_no_finding "$SC_CLIENT"
    fi
    for expected in "${SC_FINDINGS[@]}"; do
        read -r kind cause fix <<<"$expected"
        expect_finding "$SC_CLIENT" "$kind" " cause=$cause fix=$fix " \
            ${SESSION_FROM:+" from=<$SESSION_FROM> "}
        if [ "$kind" = no-accepted-rcpt ]; then
            for quote in "${SC_REFUSALS[@]}"; do
                expect_finding "$SC_CLIENT" "$kind" \
                    "$(scenario__as_rejected_field "$(scenario_refusal_quote "$SC_MTA" "$quote")")"
            done
        fi
        want_kinds+="$kind"$'\n'
    done
    want_kinds=$(printf '%s' "$want_kinds" | sort -u)
    got_kinds=$(milter_lines_for "$SC_CLIENT" | sed -nE 's/^.* finding=([^ ]+) .*$/\1/p' | sort -u)
    [ "$got_kinds" = "$want_kinds" ] ||
        it_fail "client $SC_CLIENT: findings of kinds [$(echo $got_kinds)], the table says [$(echo $want_kinds)]" \
            "$MT_LOG"
    scenario__check_alerts
}

# Alerts are the admin's: exactly the causes (or conditions, such as
# nat-gateway) listed, each naming the client.
scenario__check_alerts() {
    local cause line want got
    for cause in "${SC_ALERTS[@]}"; do
        line=$(grep -E -- " alert: (cause|condition)=$cause fix=admin " "$MT_LOG" | grep -F -- " client=$SC_CLIENT ")
        [ -n "$line" ] || it_fail "no 'alert: cause|condition=$cause fix=admin ... client=$SC_CLIENT' line" "$MT_LOG"
        [ "$(printf '%s\n' "$line" | wc -l)" -eq 1 ] ||
            it_fail "alert for $cause logged more than once (rate limit)" "$MT_LOG"
    done
    want=$(printf '%s\n' "${SC_ALERTS[@]}" | sed '/^$/d' | sort -u)
    got=$(sed -nE 's/^.* alert: (cause|condition)=([^ ]+) .*$/\2/p' "$MT_LOG" | sort -u)
    [ "$got" = "$want" ] ||
        it_fail "alerts for [$(echo $got)], the table says [$(echo $want)]" "$MT_LOG"
}

# ---- milter503-report -------------------------------------------------------

scenario_check_report() {
    . "$IT_LIB/report.sh"
    report_expect "$SC_CLIENT" "$SC_REPORT_503" "$SC_REPORT_CAUSE" "$@"
}
