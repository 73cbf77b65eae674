#!/bin/bash
# NAME
#	capture_client_kinds.sh - real Postfix lines for the user/stranger rules and --user
# SYNOPSIS
#	tests/integration/capture_client_kinds.sh BUILD_DIR OUT_DIR
# DESCRIPTION
#	Not a ctest: run by hand to (re)capture tests/data/postfix/client-kinds/
#	(see tests/data/README.md). Starts the private Postfix and milter503
#	of the integration tests (lib/harness.sh, free loopback ports) and
#	plays, with swaks:
#	  127.0.0.10  alice logs in on the submission port and sends (her login
#	              is the mailbox the mailbox-sender rule knows)
#	  127.0.0.21  sends as alice@example.test on port 25 without logging in
#	              (relay denied twice: her mail client lost its login)
#	  127.0.0.20  a relay attempt with 6 different envelope senders, HELO
#	              mailer.example.net (many-senders)
#	  127.0.0.22  HELO 203.0.113.9, a bare address (address-helo)
#	then stops the milter and copies Postfix's maillog and the milter's
#	log to OUT_DIR.
set -u
IT_NAME=capture_client_kinds
. "$(dirname "$0")/lib/harness.sh"
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR OUT_DIR" >&2; exit 64; }
OUT=$2
mkdir -p -- "$OUT" || exit 1
harness_up "$1"

session_clean_submission 127.0.0.10
for i in 1 2; do
    session_swaks "alice_unauth_$i" 127.0.0.21 smtp --pipeline --helo alice-laptop.example.test \
        --from alice@example.test --to "friend$i@remote.test"
done
for sender in anna@shop1.test ben@shop2.test carl@shop3.test dora@shop4.test eve@shop5.test \
    fred@shop6.test; do
    session_swaks "bot_${sender%%@*}" 127.0.0.20 smtp --pipeline --helo mailer.example.net \
        --from "$sender" --to victim@remote.test
done
session_swaks bare_helo 127.0.0.22 smtp --pipeline --helo 203.0.113.9 \
    --from promo@offers.test --to someone@remote.test
harness_milter_done
cp -- "$PF_MAILLOG" "$OUT/maillog" && cp -- "$MT_LOG" "$OUT/milter.log"
it_log "captured in $OUT"
exit 0
