#!/usr/bin/env python3
"""policy-server.py - a Postfix policy service for the integration tests

Usage: policy-server.py PORT ANSWERS LOG

Listens on 127.0.0.1:PORT and speaks the Postfix SMTP access policy
delegation protocol (https://www.postfix.org/SMTPD_POLICY_README.html):
a request is `name=value` lines ended by an empty line, the answer is
`action=...` and an empty line; Postfix keeps the connection for more
requests.

ANSWERS holds one line per client, `ADDRESS ACTION`, ACTION being what a
real policy service would answer that client (the scenario table says
which service and where the text comes from). In ACTION, {sender},
{recipient}, {recipient_domain} and {client_address} are replaced by the
request's values, as those services fill in their own texts. A client
that is not listed gets DUNNO. Every request and answer is appended to
LOG, so a failing test shows what Postfix asked.

Stop it with SIGTERM; the test does, to turn the answers into Postfix's
"451 4.3.5 Server configuration problem".
"""

import signal
import socketserver
import sys
import threading


def load_answers(path):
    answers = {}
    with open(path, encoding="utf-8") as table:
        for line in table:
            line = line.strip()
            if line and not line.startswith("#"):
                address, action = line.split(None, 1)
                answers[address] = action
    return answers


class PolicyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        request = {}
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line:
                name, _, value = line.partition("=")
                request[name] = value
                continue
            self.answer(request)
            request = {}

    def answer(self, request):
        action = self.server.answers.get(request.get("client_address", ""), "DUNNO")
        values = dict(request)
        values["recipient_domain"] = request.get("recipient", "").rpartition("@")[2]
        action = action.format_map(Defaulting(values))
        self.wfile.write(f"action={action}\n\n".encode())
        self.wfile.flush()
        with self.server.log_lock, open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write("request: %s\nanswer: action=%s\n" % (
                " ".join(f"{k}={v}" for k, v in sorted(request.items()) if v), action))


class Defaulting(dict):
    def __missing__(self, key):
        return ""


class PolicyServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    if len(sys.argv) != 4:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 64
    port, answers_path, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = PolicyServer(("127.0.0.1", port), PolicyHandler)
    server.answers = load_answers(answers_path)
    server.log_path = log_path
    server.log_lock = threading.Lock()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
