// NAME
//	listener_wake 3
// SUMMARY
//	a connection to the milter's own socket, closed at once
#include "milter/listener_wake.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace milter503::milter {
namespace {

// A connect that gives up after `timeout_ms` (the listener is in this
// process: it answers at once or not at all).
void connect_and_close(int family, const sockaddr* address, socklen_t length) {
    const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (connect(fd, address, length) != 0 && errno == EINPROGRESS) {
        pollfd wait{fd, POLLOUT, 0};
        constexpr int timeout_ms = 500;
        (void)poll(&wait, 1, timeout_ms);
    }
    close(fd);
}

void wake_unix(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path))
        return;
    std::memcpy(address.sun_path, path.data(), path.size());
    connect_and_close(AF_UNIX, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
}

// The host a wildcard listener is reached on.
std::string reachable_host(std::string host, bool v6) {
    if (host.empty() || host == "0.0.0.0" || host == "::" || host == "*")
        return v6 ? "::1" : "127.0.0.1";
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        return host.substr(1, host.size() - 2);
    return host;
}

void wake_inet(std::string_view rest, bool v6) {
    const size_t at = rest.find('@');
    const std::string port(rest.substr(0, at));
    const std::string host =
        reachable_host(at == std::string_view::npos ? "" : std::string(rest.substr(at + 1)), v6);
    addrinfo hints{};
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr)
        return;
    connect_and_close(found->ai_family, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
}

}  // namespace

void wake_listener(std::string_view socket) {
    if (socket.starts_with('/')) {
        wake_unix(std::string(socket));
        return;
    }
    const size_t colon = socket.find(':');
    if (colon == std::string_view::npos)
        return;
    const std::string_view kind = socket.substr(0, colon);
    const std::string_view rest = socket.substr(colon + 1);
    if (kind == "unix" || kind == "local")
        wake_unix(std::string(rest));
    else if (kind == "inet" || kind == "inet6")
        wake_inet(rest, kind == "inet6");
}

}  // namespace milter503::milter
