// NAME
//	milter_client 3
// SUMMARY
//	MilterClient: packets, negotiation and replies over a socket
// DESCRIPTION
//	Negotiation reply (libmilter's mi_sendopts): version, actions and
//	protocol as three 32-bit words, then, when the milter called
//	smfi_setsymlist, pairs of a 32-bit stage and a NUL-terminated macro
//	list. Replies of end-of-message may be preceded by modification
//	packets and progress packets; the final answer is one of the codes
//	in final_codes.
#include "tests/tools/milter_client.hpp"

#include <arpa/inet.h>
#include <libmilter/mfdef.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace milter503::tools {
namespace {

constexpr std::string_view final_codes = "acdrty4fs";
constexpr uint32_t max_packet = 1024 * 1024;

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

void append_u32(std::string& out, uint32_t value) {
    const uint32_t network = htonl(value);
    out.append(reinterpret_cast<const char*>(&network), sizeof network);
}

uint32_t read_u32(std::string_view data, size_t offset) {
    uint32_t network = 0;
    std::memcpy(&network, data.data() + offset, sizeof network);
    return ntohl(network);
}

int connect_inet(const std::string& host, const std::string& port, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
        throw ProtocolError("cannot resolve " + host + " port " + port);
    }
    const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // Commands without reply followed by one that waits (DATA, header,
    // EOM) are small writes: without TCP_NODELAY, Nagle's algorithm and
    // delayed ACKs add 40 ms to each (Postfix buffers them instead).
    const int one = 1;
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const bool ok = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    const std::string why = ok ? std::string() : errno_text("connect " + host + ":" + port);
    freeaddrinfo(found);
    if (!ok) {
        if (fd >= 0)
            ::close(fd);
        throw ProtocolError(why);
    }
    return fd;
}

int connect_unix(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw ProtocolError("socket path too long");
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        const std::string why = errno_text("connect " + path);
        if (fd >= 0)
            ::close(fd);
        throw ProtocolError(why);
    }
    return fd;
}

// libmilter's socket forms.
int connect_socket(std::string_view spec) {
    const size_t colon = spec.find(':');
    if (colon == std::string_view::npos)
        throw ProtocolError("bad socket " + std::string(spec));
    const std::string kind(spec.substr(0, colon));
    const std::string rest(spec.substr(colon + 1));
    if (kind == "unix" || kind == "local")
        return connect_unix(rest);
    const size_t at = rest.find('@');
    if ((kind != "inet" && kind != "inet6") || at == std::string::npos) {
        throw ProtocolError("bad socket " + std::string(spec));
    }
    return connect_inet(rest.substr(at + 1), rest.substr(0, at),
                        kind == "inet" ? AF_INET : AF_INET6);
}

}  // namespace

std::string nul_joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) {
        out += part;
        out += '\0';
    }
    return out;
}

std::string MilterClient::packet(char command, std::string_view data) {
    std::string out;
    append_u32(out, static_cast<uint32_t>(data.size() + 1));
    out += command;
    out.append(data);
    return out;
}

MilterClient::MilterClient(std::string_view socket, std::chrono::milliseconds timeout)
    : fd_(connect_socket(socket)), timeout_(timeout) {}

MilterClient::~MilterClient() {
    if (fd_ >= 0)
        ::close(fd_);
}

void MilterClient::write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t written = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            throw ProtocolError(errno_text("write to milter"));
        bytes.remove_prefix(static_cast<size_t>(written));
    }
}

void MilterClient::read_exact(char* out, size_t size) {
    while (size > 0) {
        pollfd waiting{fd_, POLLIN, 0};
        const int ready = ::poll(&waiting, 1, static_cast<int>(timeout_.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            throw ProtocolError("milter did not answer in time");
        const ssize_t got = ::read(fd_, out, size);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw ProtocolError(errno_text("read from milter"));
        if (got == 0)
            throw ProtocolError("milter closed the connection");
        out += got;
        size -= static_cast<size_t>(got);
    }
}

std::pair<char, std::string> MilterClient::read_packet() {
    char length_bytes[4];
    read_exact(length_bytes, sizeof length_bytes);
    const uint32_t length = read_u32(std::string_view(length_bytes, 4), 0);
    if (length == 0 || length > max_packet) {
        throw ProtocolError("bad packet length " + std::to_string(length));
    }
    std::string body(length, '\0');
    read_exact(body.data(), body.size());
    return {body[0], body.substr(1)};
}

Reply MilterClient::read_reply() {
    Reply reply;
    while (true) {
        auto [code, data] = read_packet();
        if (code == SMFIR_PROGRESS)
            continue;
        if (final_codes.find(code) != std::string_view::npos) {
            reply.code = code;
            reply.data = std::move(data);
            return reply;
        }
        reply.modifications.emplace_back(code, std::move(data));
    }
}

const Negotiated& MilterClient::negotiate(uint32_t actions, uint32_t protocol) {
    std::string data;
    append_u32(data, SMFI_PROT_VERSION);
    append_u32(data, actions);
    append_u32(data, protocol);
    write_all(packet(SMFIC_OPTNEG, data));
    const auto [code, answer] = read_packet();
    if (code != SMFIC_OPTNEG || answer.size() < MILTER_OPTLEN) {
        throw ProtocolError("bad negotiation reply");
    }
    negotiated_ = Negotiated{read_u32(answer, 0), read_u32(answer, 4), read_u32(answer, 8), {}};
    for (size_t pos = MILTER_OPTLEN; pos + 4 < answer.size();) {
        const auto stage = static_cast<int>(read_u32(answer, pos));
        pos += 4;
        const size_t end = answer.find('\0', pos);
        const size_t stop = end == std::string::npos ? answer.size() : end;
        negotiated_.macro_lists[stage] = answer.substr(pos, stop - pos);
        pos = stop + 1;
    }
    return negotiated_;
}

void MilterClient::macros(char stage, const MacroList& macros) {
    std::string data(1, stage);
    for (const auto& [name, value] : macros) {
        data += name;
        data += '\0';
        data += value;
        data += '\0';
    }
    write_all(packet(SMFIC_MACRO, data));
}

std::optional<Reply> MilterClient::exchange(char command, std::string_view data, uint32_t no_flag,
                                            uint32_t no_reply_flag) {
    if (no_flag != 0 && skipped(no_flag))
        return std::nullopt;
    write_all(packet(command, data));
    if (no_reply_flag != 0 && (negotiated_.protocol & no_reply_flag) != 0)
        return Reply{};
    return read_reply();
}

std::optional<Reply> MilterClient::connect(std::string_view host, char family, uint16_t port,
                                           std::string_view address) {
    std::string data(host);
    data += '\0';
    data += family;
    if (family != SMFIA_UNKNOWN) {
        const uint16_t network = htons(port);
        data.append(reinterpret_cast<const char*>(&network), sizeof network);
        data.append(address);
        data += '\0';
    }
    return exchange(SMFIC_CONNECT, data, SMFIP_NOCONNECT, SMFIP_NR_CONN);
}

std::optional<Reply> MilterClient::helo(std::string_view name) {
    std::string data(name);
    data += '\0';
    return exchange(SMFIC_HELO, data, SMFIP_NOHELO, SMFIP_NR_HELO);
}

std::optional<Reply> MilterClient::mail(const std::vector<std::string>& args) {
    return exchange(SMFIC_MAIL, nul_joined(args), SMFIP_NOMAIL, SMFIP_NR_MAIL);
}

std::optional<Reply> MilterClient::rcpt(const std::vector<std::string>& args) {
    return exchange(SMFIC_RCPT, nul_joined(args), SMFIP_NORCPT, SMFIP_NR_RCPT);
}

std::optional<Reply> MilterClient::data() {
    return exchange(SMFIC_DATA, {}, SMFIP_NODATA, SMFIP_NR_DATA);
}

std::optional<Reply> MilterClient::header(std::string_view name, std::string_view value) {
    return exchange(SMFIC_HEADER, nul_joined({std::string(name), std::string(value)}), SMFIP_NOHDRS,
                    SMFIP_NR_HDR);
}

std::optional<Reply> MilterClient::end_of_header() {
    return exchange(SMFIC_EOH, {}, SMFIP_NOEOH, SMFIP_NR_EOH);
}

std::optional<Reply> MilterClient::body(std::string_view chunk) {
    return exchange(SMFIC_BODY, chunk, SMFIP_NOBODY, SMFIP_NR_BODY);
}

std::optional<Reply> MilterClient::end_of_message() {
    return exchange(SMFIC_BODYEOB, {}, 0, 0);
}

void MilterClient::abort() {
    write_all(packet(SMFIC_ABORT, {}));
}

void MilterClient::quit() {
    write_all(packet(SMFIC_QUIT, {}));
}

void MilterClient::send_raw(std::string_view bytes) {
    write_all(bytes);
}

void MilterClient::shutdown_write() {
    ::shutdown(fd_, SHUT_WR);
}

bool MilterClient::wait_closed() {
    char sink[4096];
    while (true) {
        pollfd waiting{fd_, POLLIN, 0};
        const int ready = ::poll(&waiting, 1, static_cast<int>(timeout_.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return false;
        const ssize_t got = ::read(fd_, sink, sizeof sink);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return true;
    }
}

}  // namespace milter503::tools
