// NAME
//	milter-talk 1
// SUMMARY
//	play a scripted MTA conversation against a milter, once or under load
// SYNOPSIS
//	milter-talk -p SOCKET [--expect-continue] SCRIPT
//	milter-talk -p SOCKET --sessions N [--parallel K] [--stop-on-error] SCRIPT
// DESCRIPTION
//	SCRIPT holds one command per line (`#` comments). Arguments are
//	separated by blanks; "double quotes" keep blanks; \xHH, \n, \r, \t,
//	\0, \\ and \" are escapes, so any byte can be sent. In every
//	argument %n is replaced by the session number and %a by an IPv4
//	address made from it (10.x.y.z), so a load run has many clients.
//
//	  negotiate [ACTIONS PROTOCOL]   hex; default Postfix's 1ff 1fffff
//	  macro STAGE NAME=VALUE...      STAGE: C H M R T N E (the command)
//	  connect HOST FAMILY PORT ADDR  FAMILY 4, 6, L or U
//	  helo NAME | mail ARG... | rcpt ARG... | data | header NAME VALUE
//	  eoh | body TEXT | eom | abort | quit
//	  raw HEX                        bytes as they are
//	  shutdown-write                 half-close: the milter reads EOF
//	  expect-closed                  the milter must drop the connection
//	  no-negotiate                   start without negotiation
//
//	The script starts with an implicit `negotiate` unless it has one
//	(or says no-negotiate).
//	Once: each step and the milter's answer is printed; with
//	--expect-continue the exit status is 2 when any answer is not
//	continue (or no answer, for stages negotiated without reply) or
//	when the milter asks to change the message. --sessions: the script
//	runs N times on new connections, K at once, and one line reports
//	sessions per second and session latency percentiles; with
//	--stop-on-error the run ends at the first failed session.
//	--timeout MS bounds every wait for an answer (default 10000).
//	Exit status 1 on protocol or connection errors.
#include <libmilter/mfdef.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "policy/log_format.hpp"
#include "tests/tools/milter_client.hpp"

namespace milter503::tools {
namespace {

struct Step {
    unsigned line = 0;
    std::string command;
    std::vector<std::string> args;
};

char unescape(std::string_view text, size_t& i) {
    const char c = text[++i];
    switch (c) {
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        case '0':
            return '\0';
        case 'x':
            if (i + 2 < text.size() && logfmt::hex_digit_value(text[i + 1]) >= 0 &&
                logfmt::hex_digit_value(text[i + 2]) >= 0) {
                i += 2;
                return static_cast<char>(logfmt::hex_digit_value(text[i - 1]) * 16 +
                                         logfmt::hex_digit_value(text[i]));
            }
            throw ProtocolError("bad \\x escape");
        default:
            return c;
    }
}

std::vector<std::string> tokenize(std::string_view text) {
    std::vector<std::string> tokens;
    std::string current;
    bool in_token = false, quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size()) {
            current += unescape(text, i);
            in_token = true;
        } else if (c == '"') {
            quoted = !quoted;
            in_token = true;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            if (in_token)
                tokens.push_back(std::move(current));
            current.clear();
            in_token = false;
        } else {
            current += c;
            in_token = true;
        }
    }
    if (quoted)
        throw ProtocolError("unterminated quote");
    if (in_token)
        tokens.push_back(std::move(current));
    return tokens;
}

std::vector<Step> read_script(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ProtocolError("cannot read " + path);
    std::vector<Step> steps;
    unsigned number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.empty() || line.front() == '#')
            continue;
        try {
            auto tokens = tokenize(line);
            if (tokens.empty())
                continue;
            Step step{number, tokens.front(), {tokens.begin() + 1, tokens.end()}};
            steps.push_back(std::move(step));
        } catch (const ProtocolError& e) {
            throw ProtocolError(path + ":" + std::to_string(number) + ": " + e.what());
        }
    }
    return steps;
}

std::string substitute(std::string text, unsigned session) {
    const std::string address = "10." + std::to_string((session >> 16) & 0xff) + "." +
                                std::to_string((session >> 8) & 0xff) + "." +
                                std::to_string(session & 0xff);
    for (size_t pos = 0; (pos = text.find('%', pos)) != std::string::npos;) {
        const char what = pos + 1 < text.size() ? text[pos + 1] : '\0';
        const std::string with = what == 'n'   ? std::to_string(session)
                                 : what == 'a' ? address
                                               : std::string();
        if (with.empty()) {
            ++pos;
            continue;
        }
        text.replace(pos, 2, with);
        pos += with.size();
    }
    return text;
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '\\') {
            char buffer[8];
            std::snprintf(buffer, sizeof buffer, "\\x%02x", u);
            out += buffer;
        } else {
            out += c;
        }
    }
    return out;
}

std::string describe(const std::optional<Reply>& reply) {
    if (!reply)
        return "skipped";
    std::string out;
    for (const auto& [code, data] : reply->modifications) {
        out += "modify:" + std::string(1, code) + ":" + printable(data) + " ";
    }
    switch (reply->code) {
        case 0:
            return out + "noreply";
        case SMFIR_CONTINUE:
            return out + "continue";
        case SMFIR_ACCEPT:
            return out + "accept";
        case SMFIR_REJECT:
            return out + "reject";
        case SMFIR_TEMPFAIL:
            return out + "tempfail";
        case SMFIR_DISCARD:
            return out + "discard";
        case SMFIR_REPLYCODE:
            return out + "replycode:" + printable(reply->data);
        default:
            return out + "code:" + printable(std::string(1, reply->code));
    }
}

bool harmless(const std::optional<Reply>& reply) {
    return !reply ||
           (reply->modifications.empty() && (reply->code == 0 || reply->code == SMFIR_CONTINUE));
}

std::string from_hex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = logfmt::hex_digit_value(hex[i]), lo = logfmt::hex_digit_value(hex[i + 1]);
        if (hi < 0 || lo < 0)
            throw ProtocolError("bad hex in raw");
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

const std::string& arg(const Step& step, size_t index) {
    if (index >= step.args.size()) {
        throw ProtocolError("line " + std::to_string(step.line) + ": " + step.command +
                            " needs more arguments");
    }
    return step.args[index];
}

MacroList macro_pairs(const Step& step) {
    MacroList pairs;
    for (size_t i = 1; i < step.args.size(); ++i) {
        const size_t eq = step.args[i].find('=');
        if (eq == std::string::npos)
            throw ProtocolError("macro needs NAME=VALUE");
        pairs.emplace_back(step.args[i].substr(0, eq), step.args[i].substr(eq + 1));
    }
    return pairs;
}

// Runs one step; returns the answer, or nullopt for steps without one.
std::optional<std::optional<Reply>> run_step(MilterClient& client, const Step& step) {
    const std::string& c = step.command;
    if (c == "negotiate") {
        const uint32_t actions = step.args.empty() ? 0x1ff : std::stoul(arg(step, 0), nullptr, 16);
        const uint32_t protocol =
            step.args.size() < 2 ? 0x1fffff : std::stoul(arg(step, 1), nullptr, 16);
        client.negotiate(actions, protocol);
        return std::nullopt;
    }
    if (c == "macro") {
        client.macros(arg(step, 0).at(0), macro_pairs(step));
        return std::nullopt;
    }
    if (c == "connect") {
        return client.connect(arg(step, 0), arg(step, 1).at(0),
                              static_cast<uint16_t>(std::stoul(arg(step, 2))), arg(step, 3));
    }
    if (c == "helo")
        return client.helo(arg(step, 0));
    if (c == "mail")
        return client.mail(step.args);
    if (c == "rcpt")
        return client.rcpt(step.args);
    if (c == "data")
        return client.data();
    if (c == "header")
        return client.header(arg(step, 0), arg(step, 1));
    if (c == "eoh")
        return client.end_of_header();
    if (c == "body")
        return client.body(arg(step, 0));
    if (c == "eom")
        return client.end_of_message();
    if (c == "abort") {
        client.abort();
        return std::nullopt;
    }
    if (c == "quit") {
        client.quit();
        return std::nullopt;
    }
    if (c == "raw") {
        client.send_raw(from_hex(arg(step, 0)));
        return std::nullopt;
    }
    if (c == "shutdown-write") {
        client.shutdown_write();
        return std::nullopt;
    }
    if (c == "no-negotiate")
        return std::nullopt;
    if (c == "expect-closed") {
        if (!client.wait_closed())
            throw ProtocolError("the milter kept the connection open");
        return std::nullopt;
    }
    throw ProtocolError("line " + std::to_string(step.line) + ": unknown command " + c);
}

Step with_session(const Step& step, unsigned session) {
    Step out = step;
    for (auto& a : out.args)
        a = substitute(a, session);
    return out;
}

bool has_negotiate(const std::vector<Step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const Step& s) {
        return s.command == "negotiate" || s.command == "no-negotiate";
    });
}

// One session, printing each step. False when an answer was not harmless.
bool run_once(const std::string& socket, const std::vector<Step>& steps,
              std::chrono::milliseconds timeout) {
    MilterClient client(socket, timeout);
    if (!has_negotiate(steps))
        client.negotiate(0x1ff, 0x1fffff);
    bool all_harmless = true;
    for (const auto& step : steps) {
        const auto answer = run_step(client, with_session(step, 0));
        if (!answer)
            continue;
        std::cout << step.command << " -> " << describe(*answer) << "\n";
        all_harmless = all_harmless && harmless(*answer);
    }
    return all_harmless;
}

struct LoadResult {
    std::vector<double> latencies_ms;
    unsigned errors = 0;
    std::string first_error;
};

struct LoadPlan {
    std::string socket;
    std::vector<Step> steps;
    unsigned sessions = 0;
    unsigned parallel = 1;
    std::chrono::milliseconds timeout{10000};
    bool stop_on_error = false;
};

void run_sessions(const LoadPlan& plan, std::atomic<unsigned>& next, std::atomic<bool>& stop,
                  LoadResult& result) {
    const bool negotiate_first = !has_negotiate(plan.steps);
    for (unsigned session; !stop && (session = next++) < plan.sessions;) {
        const auto start = std::chrono::steady_clock::now();
        try {
            MilterClient client(plan.socket, plan.timeout);
            if (negotiate_first)
                client.negotiate(0x1ff, 0x1fffff);
            for (const auto& step : plan.steps)
                run_step(client, with_session(step, session));
        } catch (const std::exception& e) {
            if (result.errors++ == 0)
                result.first_error = e.what();
            if (plan.stop_on_error)
                stop = true;
            continue;
        }
        const std::chrono::duration<double, std::milli> took =
            std::chrono::steady_clock::now() - start;
        result.latencies_ms.push_back(took.count());
    }
}

double percentile(std::vector<double>& sorted, double p) {
    if (sorted.empty())
        return 0;
    const auto index = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
    return sorted[index];
}

int run_load(const LoadPlan& plan) {
    std::atomic<unsigned> next{0};
    std::atomic<bool> stop{false};
    std::vector<LoadResult> results(plan.parallel);
    const auto start = std::chrono::steady_clock::now();
    {
        std::vector<std::jthread> threads;
        for (unsigned t = 0; t < plan.parallel; ++t) {
            threads.emplace_back([&, t] { run_sessions(plan, next, stop, results[t]); });
        }
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    std::vector<double> all;
    unsigned errors = 0;
    std::string first_error;
    for (auto& r : results) {
        all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
        if (errors == 0 && r.errors > 0)
            first_error = r.first_error;
        errors += r.errors;
    }
    std::sort(all.begin(), all.end());
    std::printf(
        "sessions=%zu errors=%u seconds=%.3f sessions_per_second=%.0f p50_ms=%.3f p99_ms=%.3f "
        "max_ms=%.3f\n",
        all.size(), errors, seconds.count(), static_cast<double>(all.size()) / seconds.count(),
        percentile(all, 0.50), percentile(all, 0.99), all.empty() ? 0.0 : all.back());
    if (errors > 0)
        std::fprintf(stderr, "milter-talk: first error: %s\n", first_error.c_str());
    return errors == 0 ? 0 : 1;
}

int usage() {
    std::cerr << "usage: milter-talk -p SOCKET [--expect-continue] SCRIPT\n"
                 "       milter-talk -p SOCKET --sessions N [--parallel K] [--stop-on-error] "
                 "SCRIPT\n"
                 "       (both: [--timeout MS])\n";
    return 64;
}

}  // namespace
}  // namespace milter503::tools

int main(int argc, char** argv) {
    using namespace milter503::tools;
    LoadPlan plan;
    std::string script;
    bool expect_continue = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "-p" && has_value) {
            plan.socket = argv[++i];
        } else if (a == "--sessions" && has_value) {
            plan.sessions = static_cast<unsigned>(std::stoul(argv[++i]));
        } else if (a == "--parallel" && has_value) {
            plan.parallel = std::max(1U, static_cast<unsigned>(std::stoul(argv[++i])));
        } else if (a == "--timeout" && has_value) {
            plan.timeout = std::chrono::milliseconds(std::stoul(argv[++i]));
        } else if (a == "--stop-on-error") {
            plan.stop_on_error = true;
        } else if (a == "--expect-continue") {
            expect_continue = true;
        } else if (script.empty() && !a.starts_with("-")) {
            script = a;
        } else {
            return usage();
        }
    }
    if (plan.socket.empty() || script.empty())
        return usage();
    try {
        plan.steps = read_script(script);
        if (plan.sessions > 0)
            return run_load(plan);
        const bool all_harmless = run_once(plan.socket, plan.steps, plan.timeout);
        return expect_continue && !all_harmless ? 2 : 0;
    } catch (const std::exception& e) {
        std::cerr << "milter-talk: " << e.what() << "\n";
        return 1;
    }
}
