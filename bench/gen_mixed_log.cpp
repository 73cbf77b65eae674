// NAME
//	milter503-bench-gen 1
// SUMMARY
//	write a large, realistic mixed mail log for the benchmark
// SYNOPSIS
//	milter503-bench-gen LINES [SEED] > mail.log
//	milter503-bench-gen --port25 CLIENTS LINES [SEED] > mail.log
// DESCRIPTION
//	Writes at least LINES lines (then finishes the sessions in flight) of
//	one syslog file in the traditional format (RFC 3164, as rsyslog writes
//	/var/log/mail.log), starting Nov 25 00:00:00, about 12 lines a second,
//	from two hosts:
//	  mx1  Postfix (smtpd, cleanup, qmgr, smtp, local, anvil) and milter503
//	  mx2  Sendmail (sm-mta) and milter503
//	with 40 sessions in flight at any time, interleaved line by line, so
//	that the joiner holds as many open sessions as a busy server. The mix
//	per session: 70 % delivered; 12 % relay attempts without AUTH, MAIL,
//	RCPT and DATA pipelined (reject, data=0/1, two milter findings); 5 %
//	sender not owned by the login; 4 % mailbox full; 5 % connections that
//	send no mail; 4 % with improper pipelining. A quarter of the sessions
//	go to Sendmail (check_rcpt reject and nrcpts=0 for the refused ones).
//	The milter logs a summary line per client every 10 000 sessions.
//	Client addresses come from a pool of 5000; smtpd process ids are
//	reused as Postfix does. Same LINES and SEED, same file.
//
//	--port25 CLIENTS writes instead what a public MX on port 25 sees: one
//	Postfix host behind postscreen, RFC 3339 time stamps, and about
//	CLIENTS distinct client addresses spread evenly over the LINES lines
//	(a new address whenever fewer than CLIENTS * written / LINES have been
//	seen, else the second and last session of an address seen once). The
//	mix per session: 30 % bots dropped by postscreen (PREGREET or DNSBL,
//	never reaching smtpd); 33 % relay attempts (postscreen PASS NEW, then
//	the reject, two milter findings and data=0/1); 20 % mail delivered
//	from other MTAs without AUTH; 17 % connections that send no mail.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

std::mt19937_64 rng;

unsigned pick(unsigned n) {
    return static_cast<unsigned>(rng() % n);
}

std::string hex_id(size_t length) {
    static const char digits[] = "0123456789ABCDEF";
    std::string id;
    for (size_t i = 0; i < length; ++i)
        id += digits[pick(16)];
    return id;
}

std::string sendmail_id() {
    static const char chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string id = "6AP";
    for (int i = 0; i < 5; ++i)
        id += chars[pick(62)];
    id += std::to_string(100000 + pick(900000));
    return id;
}

struct Clock {
    std::int64_t seconds = 0;  // since Nov 25 00:00:00
    std::string stamp() const {
        const std::int64_t day = 25 + seconds / 86400;
        const std::int64_t s = seconds % 86400;
        char buffer[64];
        // Past Nov 30 the log simply goes on into December.
        const bool december = day > 30;
        std::snprintf(buffer, sizeof buffer, "%s %2lld %02lld:%02lld:%02lld",
                      december ? "Dec" : "Nov", static_cast<long long>(december ? day - 30 : day),
                      static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60),
                      static_cast<long long>(s % 60));
        return buffer;
    }
};

enum class Kind { delivered, relay, not_owned, mailbox_full, no_mail, pipelining };

Kind pick_kind() {
    const unsigned r = pick(100);
    if (r < 70)
        return Kind::delivered;
    if (r < 82)
        return Kind::relay;
    if (r < 87)
        return Kind::not_owned;
    if (r < 91)
        return Kind::mailbox_full;
    if (r < 96)
        return Kind::no_mail;
    return Kind::pipelining;
}

struct Client {
    std::string addr;
    std::string name;
};

std::vector<Client> make_clients() {
    std::vector<Client> clients;
    for (unsigned i = 0; i < 5000; ++i) {
        Client c;
        c.addr = "10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) +
                 "." + std::to_string(i % 256);
        c.name = pick(3) == 0 ? "unknown" : "host" + std::to_string(i) + ".example.net";
        clients.push_back(c);
    }
    return clients;
}

// One session: its lines, produced one at a time.
struct Session {
    std::vector<std::string> lines;  // without the time stamp
    size_t next = 0;
};

unsigned connection_id = 0;

std::string finding(const std::string& qid, const char* kind, const char* cause, const Client& c,
                    const std::string& port, const char* helo, const char* auth, const char* sender,
                    const char* rejected, unsigned ok, unsigned refused) {
    return "milter503[900]: " + qid + ": finding=" + kind + " cause=" + cause +
           " conn=" + std::to_string(connection_id) + " client=" + c.name + "[" + c.addr +
           "]:" + port + " helo=" + helo + " port=25 auth=" + auth + " from=<" + sender +
           "> rcpt_ok=" + std::to_string(ok) + " rcpt_rejected=" + std::to_string(refused) +
           " rejected=" + rejected +
           " advice=\"Turn on \\\"My outgoing server (SMTP) requires authentication\\\" in the "
           "mail client and send through the submission port 587 (or 465) with the mailbox "
           "login.\"";
}

// A relay attempt without a login, refused at RCPT, the milter's two
// findings, and the 554 of DATA in the counters (both mixes have them).
void add_relay_attempt(Session& s, const std::string& smtpd, const std::string& who,
                       const Client& c, const std::string& port) {
    const std::string sender = "bob" + std::to_string(pick(300)) + "@example.org";
    s.lines.push_back(smtpd + "NOQUEUE: reject: RCPT from " + who +
                      ": 554 5.7.1 <x@remote.example>: Relay access denied; from=<" + sender +
                      "> to=<x@remote.example> proto=ESMTP helo=<outlook.test>");
    s.lines.push_back(finding("NOQUEUE", "unauthenticated-sender", "sender-not-logged-in", c, port,
                              "outlook.test", "-", sender.c_str(), "-", 0, 0));
    s.lines.push_back(finding("NOQUEUE", "no-accepted-rcpt", "relay-denied", c, port,
                              "outlook.test", "-", sender.c_str(),
                              "\"<x@remote.example> 5.7.1 Relay access denied\"", 0, 1));
    s.lines.push_back(smtpd + "disconnect from " + who +
                      " ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5");
}

Session postfix_session(const Client& c, unsigned pid, Kind kind) {
    Session s;
    ++connection_id;
    const std::string port = std::to_string(1024 + pick(60000));
    const std::string who = c.name + "[" + c.addr + "]:" + port;
    const std::string smtpd = "postfix/smtpd[" + std::to_string(pid) + "]: ";
    const std::string qid = hex_id(11);
    const std::string user = "user" + std::to_string(pick(900)) + "@example.org";
    s.lines.push_back(smtpd + "connect from " + who);
    switch (kind) {
        case Kind::delivered:
        case Kind::pipelining: {
            if (kind == Kind::pipelining) {
                s.lines.push_back(smtpd + "improper command pipelining after EHLO from " + who +
                                  ": MAIL FROM:<" + user + ">\\r\\nRCPT TO:<a@example.org>\\r\\n");
            }
            s.lines.push_back(smtpd + qid + ": client=" + who +
                              ", sasl_method=PLAIN, sasl_username=" + user);
            s.lines.push_back("postfix/cleanup[" + std::to_string(pid + 7) + "]: " + qid +
                              ": message-id=<" + hex_id(16) + "@example.org>");
            const unsigned size = 1000 + pick(90000);
            s.lines.push_back("postfix/qmgr[500]: " + qid + ": from=<" + user +
                              ">, size=" + std::to_string(size) + ", nrcpt=1 (queue active)");
            s.lines.push_back(smtpd + "disconnect from " + who +
                              " ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6");
            if (pick(2) == 0) {
                s.lines.push_back("postfix/smtp[" + std::to_string(pid + 11) + "]: " + qid +
                                  ": to=<someone" + std::to_string(pick(5000)) +
                                  "@remote.example>, relay=mx.remote.example[192.0.2.25]:25, "
                                  "delay=0.52, delays=0.05/0.01/0.2/0.26, dsn=2.0.0, status=sent "
                                  "(250 2.0.0 Ok: queued as " +
                                  hex_id(10) + ")");
            } else {
                s.lines.push_back("postfix/local[" + std::to_string(pid + 13) + "]: " + qid +
                                  ": to=<" + user +
                                  ">, relay=local, delay=0.11, delays=0.08/0.01/0/0.02, "
                                  "dsn=2.0.0, status=sent (delivered to mailbox)");
            }
            s.lines.push_back("postfix/qmgr[500]: " + qid + ": removed");
            break;
        }
        case Kind::relay: {
            add_relay_attempt(s, smtpd, who, c, port);
            break;
        }
        case Kind::not_owned: {
            s.lines.push_back(smtpd + "NOQUEUE: reject: RCPT from " + who +
                              ": 553 5.7.1 <boss@example.org>: "
                              "Sender address rejected: not owned by user " +
                              user +
                              "; from=<boss@example.org> to=<carol@example.org> proto=ESMTP "
                              "helo=<laptop>");
            s.lines.push_back(finding("NOQUEUE", "no-accepted-rcpt", "sender-not-owned", c, port,
                                      "laptop", user.c_str(), "boss@example.org",
                                      "\"<carol@example.org> 5.7.1 Sender address rejected: not "
                                      "owned by user\"",
                                      0, 1));
            s.lines.push_back(smtpd + "disconnect from " + who +
                              " ehlo=1 auth=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=4/6");
            break;
        }
        case Kind::mailbox_full: {
            s.lines.push_back(smtpd + "NOQUEUE: reject: RCPT from " + who +
                              ": 452 4.2.2 <full@example.org>: Recipient address rejected: "
                              "Mailbox full; from=<a@remote.example> to=<full@example.org> "
                              "proto=ESMTP helo=<mail.remote.example>");
            s.lines.push_back(finding("NOQUEUE", "mailbox-full", "mailbox-full", c, port,
                                      "mail.remote.example", "-", "a@remote.example",
                                      "\"<full@example.org> 4.2.2 Mailbox full\"", 0, 1));
            s.lines.push_back(smtpd + "disconnect from " + who +
                              " ehlo=1 mail=1 rcpt=0/1 data=0/1 quit=1 commands=3/5");
            break;
        }
        case Kind::no_mail:
            s.lines.push_back(smtpd + "disconnect from " + who + " ehlo=1 quit=1 commands=2");
            s.lines.push_back(
                "postfix/anvil[501]: statistics: max connection rate 3/60s for (smtp:" + c.addr +
                ") at Nov 25 00:00:00");
            break;
    }
    return s;
}

Session sendmail_session(const Client& c, unsigned pid, Kind kind) {
    Session s;
    ++connection_id;
    const std::string sm = "sm-mta[" + std::to_string(pid) + "]: ";
    const std::string qid = sendmail_id();
    const std::string relay =
        "relay=" + (c.name == "unknown" ? "" : c.name + " ") + "[" + c.addr + "]";
    s.lines.push_back(sm + qid + ": Milter: connect to filters");
    if (kind == Kind::relay || kind == Kind::not_owned || kind == Kind::mailbox_full) {
        s.lines.push_back(sm + qid + ": ruleset=check_rcpt, arg1=<x@remote.example>, " + relay +
                          ", reject=550 5.7.1 <x@remote.example>... Relaying denied. IP name "
                          "lookup failed [" +
                          c.addr + "]");
        const std::string port = std::to_string(1024 + pick(60000));
        s.lines.push_back(finding(qid, "no-accepted-rcpt", "relay-denied", c, port, "outlook.test",
                                  "-", "bob@example.org", "unreported", 0, 0));
        s.lines.push_back(sm + qid +
                          ": from=<bob@example.org>, size=0, class=0, nrcpts=0, "
                          "proto=ESMTP, daemon=MTA, " +
                          relay);
    } else {
        s.lines.push_back(sm + "AUTH=server, " + relay + ", authid=alice, mech=PLAIN, bits=0");
        s.lines.push_back(sm + qid +
                          ": from=<alice@example.org>, size=" + std::to_string(500 + pick(50000)) +
                          ", class=0, nrcpts=1, msgid=<" + hex_id(12) +
                          "@example.org>, "
                          "proto=ESMTPA, daemon=MTA, " +
                          relay);
        s.lines.push_back(sm + qid + ": Milter accept: message");
        s.lines.push_back(sm + qid +
                          ": to=<someone@remote.example>, delay=00:00:01, "
                          "xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.remote.example. "
                          "[192.0.2.25], dsn=2.0.0, stat=Sent (Ok: queued)");
    }
    return s;
}

// RFC 3339 with microseconds, as rsyslog's default file format writes
// on Debian 12 and later.
std::string rfc3339(std::int64_t micros) {
    const std::int64_t seconds = micros / 1000000;
    const std::int64_t day = 25 + seconds / 86400;
    const std::int64_t s = seconds % 86400;
    const bool december = day > 30;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "2026-%s-%02lldT%02lld:%02lld:%02lld.%06lld+00:00",
                  december ? "12" : "11", static_cast<long long>(december ? day - 30 : day),
                  static_cast<long long>(s / 3600), static_cast<long long>(s % 3600 / 60),
                  static_cast<long long>(s % 60), static_cast<long long>(micros % 1000000));
    return buffer;
}

enum class Port25 { bot, relay, inbound, no_mail };

Port25 pick_port25() {
    const unsigned r = pick(100);
    if (r < 30)
        return Port25::bot;
    if (r < 63)
        return Port25::relay;
    if (r < 83)
        return Port25::inbound;
    return Port25::no_mail;
}

// The n-th distinct address: n times an odd constant is a bijection of
// the 32-bit numbers, so addresses never repeat and look scattered.
Client port25_client(std::uint32_t n) {
    const std::uint32_t a = n * 2654435761U + 0x5bd1e995U;
    Client c;
    c.addr = std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 255) + "." +
             std::to_string(a >> 8 & 255) + "." + std::to_string(a & 255);
    c.name = pick(5) < 3 ? "unknown" : "h" + hex_id(8) + ".dyn.example.net";
    return c;
}

Session port25_session(const Client& c, unsigned pid, Port25 kind) {
    Session s;
    ++connection_id;
    const std::string port = std::to_string(1024 + pick(60000));
    const std::string endpoint = "[" + c.addr + "]:" + port;
    const std::string who = c.name + "[" + c.addr + "]:" + port;
    const std::string screen = "postfix/postscreen[400]: ";
    const std::string smtpd = "postfix/smtpd[" + std::to_string(pid) + "]: ";
    s.lines.push_back(screen + "CONNECT from " + endpoint + " to [192.0.2.1]:25");
    if (kind == Port25::bot) {
        if (pick(2) == 0) {
            s.lines.push_back(screen + "PREGREET 11 after 0.1 from " + endpoint + ": EHLO " +
                              hex_id(6) + "\\r\\n");
        } else {
            s.lines.push_back(screen + "DNSBL rank 3 for " + endpoint);
        }
        s.lines.push_back(screen + "DISCONNECT " + endpoint);
        return s;
    }
    s.lines.push_back(screen + (kind == Port25::relay ? "PASS NEW " : "PASS OLD ") + endpoint);
    s.lines.push_back(smtpd + "connect from " + who);
    switch (kind) {
        case Port25::bot:
            break;
        case Port25::relay: {
            add_relay_attempt(s, smtpd, who, c, port);
            break;
        }
        case Port25::inbound: {
            const std::string qid = hex_id(11);
            s.lines.push_back(smtpd + qid + ": client=" + who);
            s.lines.push_back("postfix/cleanup[" + std::to_string(pid + 7) + "]: " + qid +
                              ": message-id=<" + hex_id(16) + "@sender.example>");
            s.lines.push_back("postfix/qmgr[500]: " + qid + ": from=<news@sender.example>, size=" +
                              std::to_string(1000 + pick(90000)) + ", nrcpt=1 (queue active)");
            s.lines.push_back(smtpd + "disconnect from " + who +
                              " ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5");
            s.lines.push_back("postfix/local[" + std::to_string(pid + 13) + "]: " + qid +
                              ": to=<user" + std::to_string(pick(900)) +
                              "@example.org>, relay=local, delay=0.11, "
                              "delays=0.08/0.01/0/0.02, dsn=2.0.0, status=sent (delivered to "
                              "mailbox)");
            s.lines.push_back("postfix/qmgr[500]: " + qid + ": removed");
            break;
        }
        case Port25::no_mail:
            s.lines.push_back(smtpd + "lost connection after EHLO from " + who);
            s.lines.push_back(smtpd + "disconnect from " + who + " ehlo=1 commands=1");
            break;
    }
    return s;
}

// The --port25 mix described above.
int write_port25(unsigned long long clients, unsigned long long target) {
    constexpr size_t in_flight = 40;
    std::vector<Session> active;
    std::vector<Client> seen_once;  // addresses that may come back once
    unsigned long long written = 0;
    unsigned long long sessions = 0;
    std::uint32_t distinct = 0;
    std::int64_t micros = 0;
    unsigned next_pid = 20000;
    const auto start_session = [&] {
        Client c;
        // A little ahead of the even spread, so that the last ones are
        // reached before the sessions in flight end the file.
        const double due = static_cast<double>(clients) * static_cast<double>(written) /
                               static_cast<double>(target) +
                           static_cast<double>(in_flight);
        const bool fresh = seen_once.empty() || (distinct < clients && distinct < due);
        if (fresh) {
            c = port25_client(distinct++);
            if (seen_once.size() < 100000)
                seen_once.push_back(c);
        } else {
            const size_t i = pick(static_cast<unsigned>(seen_once.size()));
            c = std::move(seen_once[i]);
            seen_once[i] = std::move(seen_once.back());
            seen_once.pop_back();
        }
        ++sessions;
        next_pid = 20000 + (next_pid - 20000 + 1 + pick(3)) % 40000;
        return port25_session(c, next_pid, pick_port25());
    };
    for (size_t i = 0; i < in_flight; ++i)
        active.push_back(start_session());
    std::string out;
    while (!active.empty()) {
        const size_t i = pick(static_cast<unsigned>(active.size()));
        Session& session = active[i];
        micros += pick(120000);  // about 16 lines a second
        out += rfc3339(micros);
        out += " mx1 ";
        out += session.lines[session.next++];
        out += '\n';
        ++written;
        if (session.next == session.lines.size()) {
            if (written < target)
                active[i] = start_session();
            else
                active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
        }
        if (out.size() > (1 << 20)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "milter503-bench-gen: %llu lines, %llu sessions, %lu clients\n", written,
                 sessions, static_cast<unsigned long>(distinct));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc >= 3 && std::string(argv[1]) == "--port25" && argc <= 5) {
        rng.seed(argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 503);
        return write_port25(std::strtoull(argv[2], nullptr, 10),
                            std::strtoull(argv[3], nullptr, 10));
    }
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr,
                     "usage: %s LINES [SEED] > mail.log\n"
                     "       %s --port25 CLIENTS LINES [SEED] > mail.log\n",
                     argv[0], argv[0]);
        return 64;
    }
    const unsigned long long target = std::strtoull(argv[1], nullptr, 10);
    rng.seed(argc == 3 ? std::strtoull(argv[2], nullptr, 10) : 503);
    const std::vector<Client> clients = make_clients();
    constexpr size_t in_flight = 40;
    std::vector<std::pair<std::string, Session>> active;  // host, session
    unsigned long long written = 0;
    unsigned long long sessions = 0;
    Clock clock;
    unsigned next_pid = 20000;
    const auto start_session = [&] {
        const Client& c = clients[pick(static_cast<unsigned>(clients.size()))];
        const Kind kind = pick_kind();
        ++sessions;
        next_pid = 20000 + (next_pid - 20000 + 1 + pick(3)) % 40000;
        if (pick(4) == 0)
            return std::make_pair(std::string("mx2"), sendmail_session(c, next_pid, kind));
        return std::make_pair(std::string("mx1"), postfix_session(c, next_pid, kind));
    };
    for (size_t i = 0; i < in_flight; ++i)
        active.push_back(start_session());
    std::string out;
    while (!active.empty()) {
        const size_t i = pick(static_cast<unsigned>(active.size()));
        auto& [host, session] = active[i];
        if (pick(12) == 0)
            ++clock.seconds;  // about 12 lines a second
        out += clock.stamp();
        out += ' ';
        out += host;
        out += ' ';
        out += session.lines[session.next++];
        out += '\n';
        ++written;
        if (session.next == session.lines.size()) {
            if (written < target) {
                active[i] = start_session();
                if (sessions % 10000 == 0) {
                    out += clock.stamp() +
                           " mx1 milter503[900]: summary: client=" + clients[0].addr +
                           " sessions=12 transactions=12 findings=no-accepted-rcpt:3 "
                           "cause=relay-denied suppressed=0 first=2026-11-25T00:00:00Z "
                           "last=2026-11-25T00:10:00Z advice=\"Log in.\"\n";
                    ++written;
                }
            } else {
                active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
            }
        }
        if (out.size() > (1 << 20)) {
            std::fwrite(out.data(), 1, out.size(), stdout);
            out.clear();
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fprintf(stderr, "milter503-bench-gen: %llu lines, %llu sessions\n", written, sessions);
    return 0;
}
