// NAME
//	milter_client 3h
// SUMMARY
//	the MTA side of the milter protocol, for tests and benchmarks
// SYNOPSIS
//	#include "tests/tools/milter_client.hpp"
// DESCRIPTION
//	MilterClient speaks protocol version 6 to a milter socket the way
//	Postfix's milter8.c and Sendmail's milter.c do: option negotiation
//	(with the macro lists the milter asks for), then one packet per SMTP
//	event. It honours the negotiated flags: a stage the milter declined
//	(SMFIP_NO*) is not sent, a stage it answers without reply (SMFIP_NR_*)
//	is not waited for.
//
//	It exists so that tests can drive a milter with bytes no MTA would
//	pass on (control bytes in HELO, malformed packets, a connection cut
//	mid-session), and so that benchmarks can load a milter without an
//	MTA in front. Every read has a time limit: a milter that hangs fails
//	the caller instead of hanging it. Errors throw ProtocolError.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace milter503::tools {

class ProtocolError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Negotiated {
    uint32_t version = 0;
    uint32_t actions = 0;
    uint32_t protocol = 0;
    std::map<int, std::string> macro_lists;  // SMFIM_* stage -> "i {auth_authen} ..."
};

// One answer of the milter to one command. `modifications` holds the
// packets (add header, change from, ...) sent before the final answer of
// end-of-message; a milter that never changes mail sends none.
struct Reply {
    char code = 0;  // SMFIR_CONTINUE, SMFIR_REJECT, ...; 0: none expected
    std::string data;
    std::vector<std::pair<char, std::string>> modifications;
};

using MacroList = std::vector<std::pair<std::string, std::string>>;

class MilterClient {
  public:
    // `socket`: inet:PORT@HOST, inet6:PORT@HOST, unix:/path or local:/path.
    explicit MilterClient(std::string_view socket,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~MilterClient();
    MilterClient(const MilterClient&) = delete;
    MilterClient& operator=(const MilterClient&) = delete;

    const Negotiated& negotiate(uint32_t actions, uint32_t protocol);
    const Negotiated& negotiated() const { return negotiated_; }

    // `stage` is the command the macros belong to (SMFIC_CONNECT, ...).
    void macros(char stage, const MacroList& macros);

    // The event commands. nullopt: not sent, because the milter asked
    // not to get this stage at negotiation.
    std::optional<Reply> connect(std::string_view host, char family, uint16_t port,
                                 std::string_view address);
    std::optional<Reply> helo(std::string_view name);
    std::optional<Reply> mail(const std::vector<std::string>& args);
    std::optional<Reply> rcpt(const std::vector<std::string>& args);
    std::optional<Reply> data();
    std::optional<Reply> header(std::string_view name, std::string_view value);
    std::optional<Reply> end_of_header();
    std::optional<Reply> body(std::string_view chunk);
    std::optional<Reply> end_of_message();
    void abort();
    void quit();

    // Writes bytes as they are (for malformed packets).
    void send_raw(std::string_view bytes);
    // Half-close: the milter reads end of file, as when an MTA dies.
    void shutdown_write();
    // True when the milter closed the connection within the time limit
    // (anything it sends first is discarded).
    bool wait_closed();

    // A packet: 4-byte length (network order, counting the command byte),
    // the command, the data.
    static std::string packet(char command, std::string_view data);

  private:
    bool skipped(uint32_t no_flag) const { return (negotiated_.protocol & no_flag) != 0; }
    std::optional<Reply> exchange(char command, std::string_view data, uint32_t no_flag,
                                  uint32_t no_reply_flag);
    void write_all(std::string_view bytes);
    void read_exact(char* out, size_t size);
    std::pair<char, std::string> read_packet();
    Reply read_reply();

    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    Negotiated negotiated_;
};

// "<a@b>" "SIZE=10" -> "<a@b>\0SIZE=10\0": the argument lists of MAIL and RCPT.
std::string nul_joined(const std::vector<std::string>& parts);

}  // namespace milter503::tools
