// NAME
//	dgram-fill 1
// SUMMARY
//	fill a unix datagram socket's queue so that every sender blocks
// SYNOPSIS
//	dgram-fill SOCKET_PATH
// DESCRIPTION
//	Stopping syslogd (SIGSTOP) does not by itself make syslog(3) block:
//	a sender blocks when its own send buffer is full or when the
//	receiver's queue holds net.unix.max_dgram_qlen datagrams, and with
//	systemd's 512 the first sender's buffer fills first, so the next
//	process writes without waiting. dgram-fill sends small datagrams
//	(facility local7, priority debug, which the tests' rsyslog.conf
//	discards) from one socket after another, without waiting, until a new
//	socket cannot send its first one: the receiver's queue is full, and
//	any other sender now blocks until the receiver reads again.
//
//	It prints `full: DATAGRAMS datagrams from SOCKETS sockets` and keeps
//	the sockets open until killed. Exit status 1 when the queue could not
//	be filled (the receiver reads, or a socket error).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

// More than any kernel default needs (max_dgram_qlen over the datagrams
// one socket's buffer holds), fewer than the default file limit.
constexpr int max_sockets = 1000;
constexpr char datagram[] = "<191>dgram-fill: queue filler";

int connect_to(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        std::fprintf(stderr, "dgram-fill: path too long: %s\n", path.c_str());
        return -1;
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::fprintf(stderr, "dgram-fill: %s: %s\n", path.c_str(), std::strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

// Datagrams sent before the socket would block; -1 on another error.
long send_until_blocked(int fd) {
    long sent = 0;
    while (send(fd, datagram, sizeof datagram - 1, MSG_DONTWAIT) >= 0)
        ++sent;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
        std::fprintf(stderr, "dgram-fill: send: %s\n", std::strerror(errno));
        return -1;
    }
    return sent;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: dgram-fill SOCKET_PATH\n");
        return 64;
    }
    std::vector<int> sockets;
    long total = 0;
    while (sockets.size() < max_sockets) {
        const int fd = connect_to(argv[1]);
        if (fd < 0)
            return 1;
        sockets.push_back(fd);
        const long sent = send_until_blocked(fd);
        if (sent < 0)
            return 1;
        if (sent == 0) {
            std::printf("full: %ld datagrams from %zu sockets\n", total, sockets.size() - 1);
            std::fflush(stdout);
            while (true)
                pause();
        }
        total += sent;
    }
    std::fprintf(stderr, "dgram-fill: %ld datagrams from %d sockets and not full: is it read?\n",
                 total, max_sockets);
    return 1;
}
