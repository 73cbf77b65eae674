#!/usr/bin/perl
# NAME
#	milter-proxy.pl - relay the milter protocol, hiding SMFIF_SETSYMLIST from the milter
# SYNOPSIS
#	perl milter-proxy.pl LISTEN_PORT MILTER_PORT LOG
# DESCRIPTION
#	Started by lib.sh (sm_proxy_start) for the missing-macro scenario.
#	Sendmail 8.14 and later honour smfi_setsymlist: milter503 asks for
#	every macro it reads, and Sendmail then sends exactly those, whatever
#	confMILTER_MACROS_* in sendmail.mc says. To see what the milter does
#	when the .mc lists do apply (an MTA that does not offer the feature),
#	this proxy clears SMFIF_SETSYMLIST (0x100) in the actions Sendmail
#	offers in its first packet (SMFIC_OPTNEG); every other byte is passed
#	through unchanged, both ways.
#
#	Listens on 127.0.0.1:LISTEN_PORT, connects to 127.0.0.1:MILTER_PORT
#	once per connection (one forked child each) and appends to LOG, per
#	connection, what Sendmail offered and what the milter answered:
#	  optneg: version=6 actions=0x1ff->0xff protocol=0x1fffff
#	  reply: version=6 actions=0x0 protocol=0x... macro_lists=no
#	Stopped with SIGTERM to its process group.
use strict;
use warnings;
use IO::Handle;
use IO::Select;
use IO::Socket::INET;
use POSIX ();

use constant SMFIF_SETSYMLIST => 0x100;

my ($listen_port, $milter_port, $log_path) = @ARGV;
die "usage: $0 LISTEN_PORT MILTER_PORT LOG\n" unless defined $log_path;

open(my $log, '>>', $log_path) or die "$0: $log_path: $!\n";
$log->autoflush(1);

my $server = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => $listen_port,
    Proto     => 'tcp',
    Listen    => 16,
    ReuseAddr => 1,
) or die "$0: listen on 127.0.0.1:$listen_port: $!\n";

# Children are reaped by the kernel; the parent only accepts.
$SIG{CHLD} = 'IGNORE';

while (1) {
    my $mta = $server->accept or next;
    my $pid = fork;
    if (!defined $pid) {
        print $log "fork failed: $!\n";
        close $mta;
        next;
    }
    if ($pid == 0) {
        close $server;
        relay($mta);
        POSIX::_exit(0);
    }
    close $mta;
}

sub read_exact {
    my ($fh, $want) = @_;
    my $buf = '';
    while (length($buf) < $want) {
        my $got = sysread($fh, $buf, $want - length($buf), length($buf));
        return undef unless $got;
    }
    return $buf;
}

# One milter packet: 4-byte length (command byte + data), command, data.
sub read_packet {
    my ($fh) = @_;
    my $head = read_exact($fh, 4);
    return () unless defined $head;
    my $len = unpack('N', $head);
    return () if $len < 1 || $len > (1 << 20);
    my $body = read_exact($fh, $len);
    return () unless defined $body;
    return ($head, $body);
}

sub write_all {
    my ($fh, $buf) = @_;
    while (length $buf) {
        my $put = syswrite($fh, $buf);
        return 0 unless $put;
        substr($buf, 0, $put) = '';
    }
    return 1;
}

sub relay {
    my ($mta) = @_;
    my $milter = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $milter_port,
        Proto    => 'tcp',
    );
    if (!$milter) {
        print $log "connect to 127.0.0.1:$milter_port failed: $!\n";
        return;
    }

    my ($head, $body) = read_packet($mta);
    return unless defined $body;
    if (substr($body, 0, 1) eq 'O' && length($body) >= 13) {
        my ($version, $actions, $protocol) = unpack('N3', substr($body, 1, 12));
        my $hidden = $actions & ~SMFIF_SETSYMLIST;
        substr($body, 1, 12) = pack('N3', $version, $hidden, $protocol);
        printf $log "optneg: version=%u actions=0x%x->0x%x protocol=0x%x\n",
            $version, $actions, $hidden, $protocol;
    } else {
        printf $log "first packet is '%s', not SMFIC_OPTNEG: passed unchanged\n",
            substr($body, 0, 1);
    }
    return unless write_all($milter, $head . $body);

    my ($rhead, $rbody) = read_packet($milter);
    return unless defined $rbody;
    if (substr($rbody, 0, 1) eq 'O' && length($rbody) >= 13) {
        my ($version, $actions, $protocol) = unpack('N3', substr($rbody, 1, 12));
        # Macro lists follow the 12 bytes only after smfi_setsymlist.
        printf $log "reply: version=%u actions=0x%x protocol=0x%x macro_lists=%s\n",
            $version, $actions, $protocol, length($rbody) > 13 ? 'yes' : 'no';
    }
    return unless write_all($mta, $rhead . $rbody);

    my $select = IO::Select->new($mta, $milter);
    while (1) {
        for my $from ($select->can_read) {
            my $to = $from == $mta ? $milter : $mta;
            my $got = sysread($from, my $buf, 65536);
            return unless $got;
            return unless write_all($to, $buf);
        }
    }
}
