# NAME
#	demo.sh - what `make demo` prints about a session (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/demo.sh
#	title TEXT			# a heading
#	show_dialogue TRANSCRIPT	# the client's side of a swaks dialogue
#	show_findings ADDR [SECONDS]	# milter503's findings about client ADDR
# DESCRIPTION
#	Shared by tests/integration/demo.sh (Postfix) and
#	tests/integration/sendmail/demo.sh. Bold headings when stdout is a
#	terminal (B, D, R hold the escapes, empty otherwise). show_findings
#	reads MT_LOG (lib/milter.sh) and waits up to SECONDS (default 3) for
#	the client's first finding line: the milter writes asynchronously.

[ -n "${IT_DEMO_LOADED:-}" ] && return 0
IT_DEMO_LOADED=1

if [ -t 1 ]; then
    B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'
else
    B= D= R=
fi

title() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }

# Without the banner, the EHLO capability list (Postfix ends it with a
# 250 that is no status, Sendmail with "250 HELP"), the credentials and
# the message body.
show_dialogue() {
    awk '
        /^ -> EHLO / || /^<-  220 / || /^<-  250-/ || /^<-  250 HELP/ { next }
        /^<-  250 [^2]/ && !seen_ehlo_end { seen_ehlo_end = 1; next }
        /^ -> AUTH / { print "    C: AUTH PLAIN (credentials)"; next }
        /^ -> QUIT/ || /^<-  221 / { next }
        body && /^ -> \.$/ { body = 0; printf "    C: (message: %d lines)\n    C: .\n", n; next }
        body { n++; next }
        /^ -> / { sub(/^ -> /, ""); print "    C: " $0; next }
        /^<-  354 / { body = 1; n = 0 }
        /^<~?(-|\*\*) / { sub(/^<~?(-|\*\*) +/, ""); print "    S: " $0; next }
        /^\*\*\* / { sub(/^\*\*\* /, ""); print "    swaks: " $0 }
    ' "$1"
}

# One finding a paragraph, its fields unquoted for reading.
show_findings() {
    local addr=$1
    milter_wait_log " finding=.* client=[^ ]*\[${addr//./\\.}\]:[0-9]+ " "${2:-3}" || true
    milter_lines_for "$addr" | awk -v D="$D" -v R="$R" '
        function field(k,    s) {
            if (!match(msg, " " k "=(\"([^\"\\\\]|\\\\.)*\"|[^ ]*)")) return ""
            s = substr(msg, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
            if (s ~ /^"/) { s = substr(s, 2, length(s) - 2); gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s) }
            return s
        }
        {
            msg = $0
            sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", msg)
            qid = msg; sub(/:.*/, "", qid)
            msg = " " msg
            printf "    %s  (cause %s, queue id %s)\n", field("finding"), field("cause"), qid
            printf "      %sclient%s %s  %shelo%s %s  %sport%s %s  %slogin%s %s\n", D, R, field("client"), D, R, field("helo"), D, R, field("port"), D, R, field("auth")
            printf "      %ssender%s %s  %saccepted/refused rcpts%s %s/%s\n", D, R, field("from"), D, R, field("rcpt_ok"), field("rcpt_rejected")
            if ((v = field("header_from")) != "") printf "      %sFrom: header%s %s\n", D, R, v
            if ((v = field("rejected")) != "" && v != "-") printf "      %srefused%s %s\n", D, R, v
            if ((v = field("detail")) != "") printf "      %sdetail%s %s\n", D, R, v
            if ((v = field("advice")) != "") printf "      %sadvice%s %s\n", D, R, v
        }
        END { if (NR == 0) print "    (no finding: nothing wrong with this session)" }
    '
}
