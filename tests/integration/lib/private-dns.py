#!/usr/bin/env python3
"""private-dns.py - the private Postfix's only resolver (integration tests)

Usage: private-dns.py ADDRESS ZONE

Answers DNS queries on ADDRESS:53 (UDP) from ZONE, a file of
`NAME TYPE VALUE` lines (TYPE A or TXT; a TXT VALUE is the rest of the
line), and every other query with NXDOMAIN, which is what any working
resolver answers for a name under .invalid (RFC 6761, 6.4).

So reject_unknown_sender_domain gets the same "domain does not exist"
answer on every machine, never the "DNS is unreachable" path (a time-out
per lookup) of a test machine without a resolver; a DNS blocklist answers
what the scenario table says it answers for its client; and no test name
is ever asked outside. Stop it with SIGTERM.
"""

import signal
import socket
import struct
import sys

TYPE_A = 1
TYPE_TXT = 16
CLASS_IN = 1
TTL = 60
RCODE_NXDOMAIN = 3
FLAG_RESPONSE = 0x8000
FLAG_AUTHORITATIVE = 0x0400
FLAG_RECURSION_DESIRED = 0x0100
FLAG_RECURSION_AVAILABLE = 0x0080
NAME_OF_QUESTION = 0xC00C  # a compression pointer to the question's name


def load_zone(path):
    records = {}
    with open(path, encoding="utf-8") as zone:
        for line in zone:
            fields = line.split(None, 2)
            if len(fields) < 3 or fields[0].startswith("#"):
                continue
            name, kind, value = fields[0].lower().rstrip("."), fields[1].upper(), fields[2].strip()
            rtype = {"A": TYPE_A, "TXT": TYPE_TXT}[kind]
            records.setdefault((name, rtype), []).append(value)
    return records


def rdata(rtype, value):
    if rtype == TYPE_A:
        return socket.inet_aton(value)
    text = value.encode()
    return b"".join(bytes([len(text[i:i + 255])]) + text[i:i + 255] for i in range(0, len(text), 255))


def parse_question(query):
    labels, offset = [], 12
    while offset < len(query) and query[offset] != 0:
        length = query[offset]
        labels.append(query[offset + 1:offset + 1 + length].decode("ascii", "replace"))
        offset += length + 1
    qtype, qclass = struct.unpack(">HH", query[offset + 1:offset + 5])
    return ".".join(labels).lower(), qtype, qclass, query[12:offset + 5]


def reply(query, records):
    ident, flags, qdcount = struct.unpack(">HHH", query[:6])
    if qdcount != 1:
        return None
    name, qtype, qclass, question = parse_question(query)
    flags = FLAG_RESPONSE | FLAG_AUTHORITATIVE | (flags & FLAG_RECURSION_DESIRED) | FLAG_RECURSION_AVAILABLE
    answers = records.get((name, qtype), []) if qclass == CLASS_IN else []
    known = any(key[0] == name for key in records)
    if not known:
        flags |= RCODE_NXDOMAIN
    body = b""
    for value in answers:
        data = rdata(qtype, value)
        body += struct.pack(">HHHIH", NAME_OF_QUESTION, qtype, CLASS_IN, TTL, len(data)) + data
    return struct.pack(">HHHHHH", ident, flags, 1, len(answers), 0, 0) + question + body


def main():
    if len(sys.argv) != 3:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 64
    records = load_zone(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((sys.argv[1], 53))
    while True:
        query, peer = sock.recvfrom(4096)
        if len(query) < 17:
            continue
        answer = reply(query, records)
        if answer:
            sock.sendto(answer, peer)


if __name__ == "__main__":
    sys.exit(main())
