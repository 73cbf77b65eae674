#!/usr/bin/env python3
"""nxdomain-dns.py - a resolver that knows no name at all (integration tests)

Usage: nxdomain-dns.py ADDRESS

Answers every DNS query on ADDRESS:53 (UDP) with NXDOMAIN, which is what
any working resolver answers for a name under .invalid (RFC 6761, 6.4).
The private Postfix runs with this as its only nameserver, so that
reject_unknown_sender_domain gives the same reply on every machine: the
"domain does not exist" answer, never the "DNS is unreachable" path (a
timeout per lookup) of a test machine without a resolver. Stop it with
SIGTERM.
"""

import signal
import socket
import struct
import sys

RCODE_NXDOMAIN = 3
FLAG_RESPONSE = 0x8000
FLAG_RECURSION_DESIRED = 0x0100
FLAG_RECURSION_AVAILABLE = 0x0080


def end_of_question(packet):
    offset = 12
    while offset < len(packet) and packet[offset] != 0:
        offset += packet[offset] + 1
    return offset + 1 + 4  # the root label, QTYPE, QCLASS


def nxdomain_reply(query):
    ident, flags, qdcount = struct.unpack(">HHH", query[:6])
    if qdcount != 1:
        return None
    question = query[12:end_of_question(query)]
    flags = FLAG_RESPONSE | (flags & FLAG_RECURSION_DESIRED) | FLAG_RECURSION_AVAILABLE
    return struct.pack(">HHHHHH", ident, flags | RCODE_NXDOMAIN, 1, 0, 0, 0) + question


def main():
    if len(sys.argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 64
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sys.argv[1], 53))
    while True:
        query, peer = sock.recvfrom(512)
        if len(query) < 17:
            continue
        reply = nxdomain_reply(query)
        if reply:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    sys.exit(main())
