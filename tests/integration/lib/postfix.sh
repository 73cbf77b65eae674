# NAME
#	postfix.sh - a private, throw-away Postfix instance on loopback (bash, sourced)
# SYNOPSIS
#	. tests/integration/lib/common.sh
#	. tests/integration/lib/postfix.sh
#	pf_create MILTER_PORT	# write the instance; "" = no milter
#	pf_start		# start it, wait until both ports listen
#	pf_wait_disconnect ADDR	# wait until smtpd logged the session's end
#	pf_stop			# stop every process, remove the directory
# DESCRIPTION
#	Nothing under /etc/postfix is read or changed and no system Postfix
#	is needed. The instance lives in PF_DIR = IT_WORK/postfix, under the
#	run's root-owned 0755 work directory (common.sh it_workdir):
#
#	  etc/     main.cf, master.cf and the texthash: maps (root, 0755)
#	  etc/sasl/ smtpd.conf + sasldb2 for Cyrus SASL (root:postfix, 0750);
#	           Debian's smtpd looks for smtpd.conf in $config_directory/sasl
#	           whatever cyrus_sasl_config_path says
#	  spool/   queue_directory (root; sub-directories owned by postfix)
#	  data/    data_directory (postfix, 0700)
#	  mail/    virtual mailboxes (Maildir, owned by nobody)
#	  maillog  Postfix's log, written by its own postlogd (no syslog)
#
#	How it starts: `postfix -c DIR start` refuses a configuration
#	directory that the default main.cf does not list in
#	alternate_config_directories, so instead the master daemon is run
#	directly as root, `MAIL_CONFIG=DIR master -c DIR -d`, under setsid
#	in the background. The master only applies that check to non-root
#	callers, it exports MAIL_CONFIG to every daemon it spawns, and with
#	-d it stays in the foreground, so PF_MASTER_PID is the master itself
#	and its process group holds every Postfix process of this instance.
#	The queue sub-directories that `postfix check` would create are made
#	here with the owners and modes of /etc/postfix/postfix-files.
#
#	The mail system:
#	  - smtpd on 127.0.0.1:PF_SMTP_PORT ("port 25") and a submission
#	    smtpd on 127.0.0.1:PF_SUBMISSION_PORT that requires SASL;
#	    both ports are free ports picked at run time.
#	  - mynetworks = 127.0.0.1/32: any other loopback address
#	    (127.0.0.5, ...) is an outside client and gets "Relay access
#	    denied" for a remote recipient unless it authenticates.
#	  - example.test is a virtual mailbox domain with the users
#	    alice, bob, carol, boss and full; mail is delivered to Maildirs
#	    under PF_DIR/mail, nothing ever leaves the host (default_transport
#	    is error:).
#	  - Cyrus SASL, sasldb: logins alice@example.test and
#	    bob@example.test, passwords in PF_PASSWORD_alice / _bob.
#	  - smtpd_sender_login_maps (PF_SENDER_LOGIN_MAP): every user owns
#	    his own address. reject_authenticated_sender_login_mismatch in
#	    smtpd_sender_restrictions gives "not owned by user LOGIN";
#	    reject_unauthenticated_sender_login_mismatch comes after
#	    permit_mynetworks (the office) and the
#	    relay check, so an outside client with a local sender and a
#	    remote recipient gets "Relay access denied" (the Outlook case),
#	    and "not logged in" only for a local recipient.
#	  - full@example.test: check_recipient_access answers
#	    `452 4.2.2 Mailbox full`, which is the reply a quota policy
#	    service (postfwd, a Dovecot quota-status service) gives;
#	    senders in bad.test are refused by check_sender_access.
#	  - PF_RESTRICTIONS: the scenario's own restrictions (from
#	    scenarios.table), in smtpd_recipient_restrictions after the
#	    sender login check, so that Postfix words their refusals as a
#	    site that lists them there does ("<rcpt>: Recipient address
#	    rejected: ...", "Sender address rejected", "Helo command rejected").
#	  - PF_MAIN_SETTINGS: the scenario's own main.cf settings
#	    ("NAME=VALUE", from scenarios.table), applied with postconf -e
#	    over the ones above (smtpd_forbid_unauth_pipelining = yes, say).
#	  - The policy service: when PF_POLICY_ANSWERS ("ADDR ACTION" lines)
#	    is set, check_policy_service inet:127.0.0.1:PF_POLICY_PORT comes
#	    right after them: lib/policy-server.py, which pf_policy_start
#	    starts and pf_policy_stop stops, answering each client its ACTION.
#	  - DNS: the master runs in a private mount namespace whose
#	    /etc/resolv.conf names only lib/private-dns.py on 127.53.x.y:53,
#	    which answers the scenario's PF_DNS_RECORDS ("NAME TYPE VALUE"
#	    lines: a DNS blocklist's answers) and NXDOMAIN to everything else:
#	    a sender domain that does not exist gets the same reply on every
#	    machine, with or without a working resolver (without one Postfix
#	    would wait for time-outs), and no test name is ever asked outside.
#	  - smtpd_milters = { inet:127.0.0.1:MILTER_PORT, default_action=accept },
#	    milter_protocol 6 (the default), so the milter sees the refused
#	    recipients.
#	  - smtpd_error_sleep_time = 0 and no reverse lookup of the client
#	    (smtpd_peername_lookup = no: clients are "unknown[127.0.0.N]"),
#	    so a scenario takes well under a second.
#
#	pf_stop (registered with it_atexit by pf_create) sends SIGTERM to the
#	master, which stops its children, then SIGKILLs whatever is left in
#	the process group. it_workdir's own clean-up removes the files.

[ -n "${IT_POSTFIX_LOADED:-}" ] && return 0
IT_POSTFIX_LOADED=1

PF_DAEMON_DIR=${PF_DAEMON_DIR:-$(postconf -h daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin)}
PF_DOMAIN=example.test
PF_HOSTNAME=$(hostname -s 2>/dev/null || hostname)
PF_HOSTNAME=${PF_HOSTNAME%%.*}
PF_USERS="alice bob carol boss full greylist"
PF_RESTRICTIONS=()
PF_MAIN_SETTINGS=()
PF_SASL_USERS="alice bob"
# pf_create MILTER_PORT: writes a complete instance, sets PF_DIR, PF_CONF,
# PF_MAILLOG, PF_SMTP_PORT, PF_SUBMISSION_PORT, PF_SENDER_LOGIN_MAP.
pf_create() {
    local milter_port=$1 u
    it_require postconf saslpasswd2 ss setsid
    [ -x "$PF_DAEMON_DIR/master" ] || it_fail "Postfix master not found in $PF_DAEMON_DIR (install postfix)"
    getent passwd postfix >/dev/null || it_fail "user postfix missing (install postfix)"
    getent group postdrop >/dev/null || it_fail "group postdrop missing (install postfix)"
    [ "$(id -u)" -eq 0 ] || it_fail "the private Postfix must be started as root (its master drops privileges itself)"
    it_workdir
    PF_DIR=$IT_WORK/postfix
    install -d -o root -g root -m 0755 "$PF_DIR"
    it_atexit pf_stop
    PF_CONF=$PF_DIR/etc
    PF_MAILLOG=$PF_DIR/maillog
    PF_SENDER_LOGIN_MAP=$PF_CONF/sender_login
    PF_SMTP_PORT=${PF_SMTP_PORT:-$(it_free_port)}
    PF_SUBMISSION_PORT=${PF_SUBMISSION_PORT:-$(it_free_port)}
    PF_MILTER_PORT=$milter_port

    install -d -o root -g root -m 0755 "$PF_CONF" "$PF_DIR/spool" "$PF_DIR/spool/pid"
    install -d -o postfix -g root -m 0700 "$PF_DIR/data"
    for u in active bounce corrupt defer deferred flush hold incoming private saved trace; do
        install -d -o postfix -g root -m 0700 "$PF_DIR/spool/$u"
    done
    install -d -o postfix -g postdrop -m 0730 "$PF_DIR/spool/maildrop"
    install -d -o postfix -g postdrop -m 0710 "$PF_DIR/spool/public"
    install -d -o nobody -g nogroup -m 0755 "$PF_DIR/mail"
    install -d -o root -g postfix -m 0750 "$PF_CONF/sasl"

    # Maps (texthash: needs no postmap).
    : >"$PF_CONF/vmailbox"
    : >"$PF_SENDER_LOGIN_MAP"
    for u in $PF_USERS; do
        echo "$u@$PF_DOMAIN $PF_DOMAIN/$u/" >>"$PF_CONF/vmailbox"
        echo "$u@$PF_DOMAIN $u@$PF_DOMAIN" >>"$PF_SENDER_LOGIN_MAP"
    done
    cat >"$PF_CONF/recipient_access" <<EOF
# What a quota policy service answers for a full mailbox.
full@$PF_DOMAIN 452 4.2.2 Mailbox full
EOF
    printf '%s\n' "bad.test REJECT" >"$PF_CONF/sender_access"
    PF_POLICY_PORT=${PF_POLICY_PORT:-$(it_free_port)}
    PF_POLICY_ANSWERS_FILE=$PF_CONF/policy_answers
    printf '%s\n' "${PF_POLICY_ANSWERS:-}" >"$PF_POLICY_ANSWERS_FILE"

    # Cyrus SASL: sasldb with one entry per login.
    cat >"$PF_CONF/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PF_CONF/sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
    for u in $PF_SASL_USERS; do
        eval "PF_PASSWORD_$u=pw-$u-$RANDOM$RANDOM"
        eval "printf '%s' \"\$PF_PASSWORD_$u\"" |
            saslpasswd2 -p -c -f "$PF_CONF/sasl/sasldb2" -u "$PF_DOMAIN" "$u" ||
            it_fail "saslpasswd2 failed for $u"
    done
    chown root:postfix "$PF_CONF/sasl/sasldb2" "$PF_CONF/sasl/smtpd.conf"
    chmod 0640 "$PF_CONF/sasl/sasldb2" "$PF_CONF/sasl/smtpd.conf"

    local milters=
    [ -n "$milter_port" ] && milters="{ inet:127.0.0.1:$milter_port, default_action=accept }"

    cat >"$PF_CONF/main.cf" <<EOF
# Private test instance of milter503's integration tests; see
# tests/integration/lib/postfix.sh. Started with master -c $PF_CONF.
compatibility_level = 3.6
config_directory = $PF_CONF
meta_directory = /etc/postfix
queue_directory = $PF_DIR/spool
data_directory = $PF_DIR/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-it
maillog_file = $PF_MAILLOG
maillog_file_prefixes = $PF_DIR
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME

# Postfix logs the first label of myhostname: the machine's own, as on a
# real host, where the milter's lines carry it too (milter503-report joins
# the two per host).
myhostname = $PF_HOSTNAME.$PF_DOMAIN
mydomain = $PF_DOMAIN
myorigin = $PF_DOMAIN
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
relayhost =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
readme_directory = no
# Nothing leaves the host.
default_transport = error:this test instance delivers nothing off-host
relay_transport = error:this test instance delivers nothing off-host

virtual_mailbox_domains = $PF_DOMAIN
virtual_mailbox_base = $PF_DIR/mail
virtual_mailbox_maps = texthash:$PF_CONF/vmailbox
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(getent group nogroup | cut -d: -f3)

smtpd_banner = \$myhostname ESMTP milter503 test
smtpd_peername_lookup = no
smtpd_client_port_logging = yes
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
smtpd_tls_security_level = none
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $PF_CONF/sasl
smtpd_sasl_security_options = noanonymous
smtpd_sender_login_maps = texthash:$PF_SENDER_LOGIN_MAP
smtpd_sender_restrictions = reject_authenticated_sender_login_mismatch,
    check_sender_access texthash:$PF_CONF/sender_access
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = permit_mynetworks, reject_unauthenticated_sender_login_mismatch,
    $(pf__restrictions)check_recipient_access texthash:$PF_CONF/recipient_access, permit
# A client pipelining where it may not is refused per RCPT by
# reject_unauth_pipelining (which the milter sees), not disconnected at
# once (the default from Postfix 3.9 on).
smtpd_forbid_unauth_pipelining = no

smtpd_milters = $milters
non_smtpd_milters =
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 20s
EOF

    pf__write_master_cf
    if [ ${#PF_MAIN_SETTINGS[@]} -gt 0 ]; then
        pf__tls_certificate
        postconf -c "$PF_CONF" -e "${PF_MAIN_SETTINGS[@]}" ||
            it_fail "postconf -e ${PF_MAIN_SETTINGS[*]} failed" "$PF_CONF/main.cf"
    fi

    local err
    err=$(postconf -c "$PF_CONF" -n 2>&1 >/dev/null) ||
        it_fail "postconf rejects the generated main.cf: $err" "$PF_CONF/main.cf"
    [ -z "$err" ] || it_log "postconf: $err"
    return 0
}

# pf__write_master_cf: master.cf for the current PF_SMTP_PORT and
# PF_SUBMISSION_PORT.
pf__write_master_cf() {
    cat >"$PF_CONF/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
127.0.0.1:$PF_SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix-it/submission
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o milter_macro_daemon_name=ORIGINATING
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# pf__tls_certificate: a scenario that turns TLS on gets a throw-away
# self-signed certificate of its own (nothing on the machine is used).
pf__tls_certificate() {
    local setting wants_tls=
    for setting in "${PF_MAIN_SETTINGS[@]}"; do
        case "$setting" in
            smtpd_tls_security_level=none) wants_tls= ;;
            smtpd_tls_security_level=*) wants_tls=1 ;;
        esac
    done
    [ -n "$wants_tls" ] || return 0
    it_require openssl
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$PF_HOSTNAME.$PF_DOMAIN" \
        -keyout "$PF_CONF/tls.key" -out "$PF_CONF/tls.crt" >"$PF_DIR/openssl.out" 2>&1 ||
        it_fail "openssl could not make the test's certificate" "$PF_DIR/openssl.out"
    chmod 0600 "$PF_CONF/tls.key"
    PF_MAIN_SETTINGS+=("smtpd_tls_cert_file=$PF_CONF/tls.crt" "smtpd_tls_key_file=$PF_CONF/tls.key")
}

# pf__restrictions: the scenario's part of smtpd_recipient_restrictions,
# each restriction followed by a comma.
pf__restrictions() {
    local r
    for r in "${PF_RESTRICTIONS[@]}"; do
        printf '%s, ' "$r"
    done
    [ -n "${PF_POLICY_ANSWERS:-}" ] && printf 'check_policy_service inet:127.0.0.1:%s, ' "$PF_POLICY_PORT"
    return 0
}

# pf_policy_start: the policy service (idempotent).
pf_policy_start() {
    [ -n "${PF_POLICY_PID:-}" ] && return 0
    it_require python3
    PF_POLICY_LOG=$PF_DIR/policy.log
    : >"$PF_POLICY_LOG"
    python3 "$IT_LIB/policy-server.py" "$PF_POLICY_PORT" "$PF_POLICY_ANSWERS_FILE" "$PF_POLICY_LOG" \
        </dev/null >>"$PF_DIR/policy.out" 2>&1 &
    PF_POLICY_PID=$!
    it_atexit pf_policy_stop
    it_wait_for 10 eval 'it_pid_alive $PF_POLICY_PID && it_port_listening $PF_POLICY_PORT' ||
        it_fail "the policy service does not listen on 127.0.0.1:$PF_POLICY_PORT" "$PF_DIR/policy.out"
}

# pf_policy_stop: idempotent.
pf_policy_stop() {
    [ -n "${PF_POLICY_PID:-}" ] || return 0
    it_kill_wait "$PF_POLICY_PID" 5
    PF_POLICY_PID=
}

# pf__resolver_start: lib/private-dns.py on a loopback address of its
# own (port 53 there is free whatever the host runs) and the resolv.conf
# naming it, which pf_start mounts over /etc/resolv.conf for Postfix only.
pf__resolver_start() {
    [ -n "${PF_DNS_PID:-}" ] && return 0
    it_require python3 unshare mount
    PF_DNS_ADDR=127.53.$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
    printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$PF_DNS_ADDR" >"$PF_DIR/resolv.conf"
    printf '%s\n' "${PF_DNS_RECORDS:-}" >"$PF_DIR/dns-zone"
    python3 "$IT_LIB/private-dns.py" "$PF_DNS_ADDR" "$PF_DIR/dns-zone" </dev/null >>"$PF_DIR/dns.out" 2>&1 &
    PF_DNS_PID=$!
    it_atexit pf__resolver_stop
    it_wait_for 10 eval 'ss -Hlun "sport = :53" | grep -qF "$PF_DNS_ADDR:53"' ||
        it_fail "the private resolver does not listen on $PF_DNS_ADDR:53" "$PF_DIR/dns.out"
}

pf__resolver_stop() {
    [ -n "${PF_DNS_PID:-}" ] || return 0
    it_kill_wait "$PF_DNS_PID" 5
    PF_DNS_PID=
}

# pf_start: runs the master; on a port collision (another process took a
# port between pf_create and now) picks new ports and tries again.
pf_start() {
    local try
    pf__resolver_start
    for try in 1 2 3; do
        # unshare without --fork and sh's exec keep the pid: $! is the master.
        MAIL_CONFIG=$PF_CONF setsid unshare --mount --propagation private -- \
            sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' pf-master \
            "$PF_DIR/resolv.conf" "$PF_DAEMON_DIR/master" -c "$PF_CONF" -d \
            </dev/null >>"$PF_DIR/master.out" 2>&1 &
        PF_MASTER_PID=$!
        if it_wait_for 15 pf__ready; then
            return 0
        fi
        if it_pid_alive "$PF_MASTER_PID"; then
            it_fail "Postfix master $PF_MASTER_PID runs but ports $PF_SMTP_PORT/$PF_SUBMISSION_PORT do not listen" \
                "$PF_MAILLOG" "$PF_DIR/master.out"
        fi
        wait "$PF_MASTER_PID" 2>/dev/null
        PF_MASTER_PID=
        if grep -q 'bind .*: Address already in use' "$PF_MAILLOG" "$PF_DIR/master.out" 2>/dev/null; then
            it_log "port collision, picking new ports (try $try)"
            PF_SMTP_PORT=$(it_free_port)
            PF_SUBMISSION_PORT=$(it_free_port)
            pf__write_master_cf
            continue
        fi
        it_fail "Postfix master exited at start" "$PF_MAILLOG" "$PF_DIR/master.out"
    done
    it_fail "Postfix did not start after 3 tries" "$PF_MAILLOG" "$PF_DIR/master.out"
}

pf__ready() {
    it_pid_alive "$PF_MASTER_PID" || return 1
    it_port_listening "$PF_SMTP_PORT" && it_port_listening "$PF_SUBMISSION_PORT"
}

# pf_stop: idempotent; safe when pf_create failed half-way.
pf_stop() {
    if [ -n "${PF_MASTER_PID:-}" ]; then
        if it_pid_alive "$PF_MASTER_PID"; then
            kill -TERM "$PF_MASTER_PID" 2>/dev/null
            it_wait_for 10 eval '! it_pid_alive $PF_MASTER_PID' ||
                it_log "Postfix master $PF_MASTER_PID did not stop on SIGTERM"
        fi
        # Anything of this instance that outlived the master (its process
        # group is its pid: setsid made it a session leader).
        if pgrep -g "$PF_MASTER_PID" >/dev/null 2>&1; then
            kill -KILL -- "-$PF_MASTER_PID" 2>/dev/null
            it_wait_for 5 eval '! pgrep -g $PF_MASTER_PID >/dev/null'
        fi
        wait "$PF_MASTER_PID" 2>/dev/null
        PF_MASTER_PID=
    fi
    return 0
}

# pf_wait_disconnect ADDR [COUNT] [SECONDS]: waits until smtpd logged COUNT
# (default 1) "disconnect from ...[ADDR]" lines: the session is over and
# the milter has seen its close.
pf_wait_disconnect() {
    local addr=$1 count=${2:-1} limit=${3:-20}
    it_wait_for "$limit" pf__count_ge "disconnect from [^ ]*\[$addr\]" "$count" ||
        it_fail "Postfix never logged the end of the session from $addr" "$PF_MAILLOG"
}

pf__count_ge() {
    local n
    n=$(grep -c -- "$1" "$PF_MAILLOG" 2>/dev/null)
    [ "${n:-0}" -ge "$2" ]
}

# pf_wait_delivered RCPT [SECONDS]: waits for status=sent to RCPT.
pf_wait_delivered() {
    local rcpt=$1 limit=${2:-20}
    it_wait_for "$limit" grep -q -- "to=<$rcpt>.*status=sent" "$PF_MAILLOG" ||
        it_fail "mail to $rcpt was not delivered" "$PF_MAILLOG"
}

# pf_swaks ARGS...: swaks against the port-25 smtpd with time-outs set,
# output (the SMTP dialogue) on stdout; swaks's exit status is returned.
pf_swaks() {
    swaks --server 127.0.0.1 --port "$PF_SMTP_PORT" --timeout 20 --hide-informational "$@"
}

# pf_auth USER: sets PF_AUTH to the swaks options that log in as
# USER@example.test with AUTH PLAIN.
pf_auth() {
    local pw
    eval "pw=\$PF_PASSWORD_$1"
    PF_AUTH=(--auth PLAIN --auth-user "$1@$PF_DOMAIN" --auth-password "$pw")
}
