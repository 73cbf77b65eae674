#!/usr/bin/env python3
"""smtp-client.py - an SMTP client that sends what swaks will not (integration tests)

Usage: smtp-client.py --source ADDR --port PORT [--greeting HELO|EHLO]
                      --helo NAME [--burst [--with-greeting]] COMMAND...
       smtp-client.py --source ADDR --port PORT --helo NAME --tls-at-once

Connects from ADDR to 127.0.0.1:PORT, greets with GREETING NAME (EHLO by
default), then sends the COMMANDs: one at a time, waiting for each reply
(lockstep), or with --burst all in one write right after the greeting's
reply, the way a client pipelines (--tls-at-once: a TLS handshake
instead of SMTP, as a program set to SSL/TLS on a STARTTLS port sends); --with-greeting puts the greeting in
that write too, without waiting for its reply (what Postfix >= 3.9's
smtpd_forbid_unauth_pipelining refuses). When DATA is answered 354 it
sends a three-line message and the final dot, then QUIT in any case. A
server that closes the connection right after a 4xx/5xx reply ends the
dialogue ("*** connection closed by the server after the refusal").

swaks always greets with EHLO, needs a RCPT and pipelines only after the
server announced PIPELINING, so it cannot play:
  - a client pipelining after HELO (reject_unauth_pipelining), or its
    commands with the EHLO itself,
  - a client that sends MAIL and DATA without any RCPT.

The transcript on stdout uses swaks's markers, so the tests and the demo
read both alike: " -> " what the client sent, "<-  " a 2xx/3xx reply,
"<** " a 4xx/5xx reply, "*** " a client-side problem. Exit status 0 when
the dialogue completed (refusals included), 1 on a connection problem.
"""

import argparse
import socket
import ssl
import sys

TIMEOUT_SECONDS = 20
MESSAGE = ["From: <{sender}>", "Subject: milter503 test", "", "test", "."]


class ClosedAfterRefusal(Exception):
    """The server refused and hung up: the dialogue is over."""


class Dialogue:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""
        self.refused = False

    def send(self, lines):
        for line in lines:
            print(" -> " + line, flush=True)
        self.sock.sendall("".join(line + "\r\n" for line in lines).encode())

    def read_line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("connection closed by the server")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    # One reply (all its lines); returns its code.
    def read_reply(self):
        while True:
            try:
                line = self.read_line()
            except ConnectionError:
                if self.refused:
                    raise ClosedAfterRefusal() from None
                raise
            self.refused = line[:1] in ("4", "5")
            marker = "<** " if line[:1] in ("4", "5") else "<-  "
            print(marker + line, flush=True)
            if len(line) < 4 or line[3] != "-":
                return line[:3]


def sender_of(commands):
    for command in commands:
        if command.upper().startswith("MAIL FROM:"):
            return command[10:].strip().strip("<>")
    return ""


# A mail program set to SSL/TLS (implicit TLS) on a plain SMTP port: its
# TLS handshake is the first thing it sends, and it fails on the 220.
def run_tls_at_once(sock):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    print(" -> (TLS handshake)", flush=True)
    try:
        context.wrap_socket(sock).close()
    except (ssl.SSLError, OSError) as error:
        print(f"*** TLS handshake failed: {error}", flush=True)


def run(args):
    sock = socket.create_connection(("127.0.0.1", args.port), TIMEOUT_SECONDS,
                                    source_address=(args.source, 0))
    if args.tls_at_once:
        run_tls_at_once(sock)
        return
    dialogue = Dialogue(sock)
    dialogue.read_reply()
    greeting = f"{args.greeting} {args.helo}"
    if args.burst and args.with_greeting:
        dialogue.send([greeting] + args.commands)
        codes = [dialogue.read_reply() for _ in [greeting] + args.commands]
    elif args.burst:
        dialogue.send([greeting])
        dialogue.read_reply()
        dialogue.send(args.commands)
        codes = [dialogue.read_reply() for _ in args.commands]
    else:
        dialogue.send([greeting])
        dialogue.read_reply()
        codes = []
        for command in args.commands:
            dialogue.send([command])
            codes.append(dialogue.read_reply())
    if codes and codes[-1] == "354":
        message = [line.format(sender=sender_of(args.commands)) for line in MESSAGE]
        dialogue.send(message)
        dialogue.read_reply()
    dialogue.send(["QUIT"])
    dialogue.read_reply()
    sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--greeting", choices=["HELO", "EHLO"], default="EHLO")
    parser.add_argument("--helo", required=True)
    parser.add_argument("--burst", action="store_true")
    parser.add_argument("--with-greeting", action="store_true")
    parser.add_argument("--tls-at-once", action="store_true")
    parser.add_argument("commands", nargs="*")
    args = parser.parse_args()
    try:
        run(args)
    except ClosedAfterRefusal:
        print("*** connection closed by the server after the refusal", flush=True)
    except (OSError, ConnectionError) as error:
        print(f"*** {error}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
