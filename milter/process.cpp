// NAME
//	process 3
// SUMMARY
//	become_user, write_pid_file, daemonize
#include "milter/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace milter503::milter {
namespace {

std::string errno_text(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

}  // namespace

std::string become_user(const std::string& user_and_group) {
    const auto colon = user_and_group.find(':');
    const std::string user = user_and_group.substr(0, colon);
    const passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr)
        return "unknown user \"" + user + "\"";
    gid_t gid = pw->pw_gid;
    if (colon != std::string::npos) {
        const std::string group = user_and_group.substr(colon + 1);
        const struct group* gr = getgrnam(group.c_str());
        if (gr == nullptr)
            return "unknown group \"" + group + "\"";
        gid = gr->gr_gid;
    }
    const uid_t uid = pw->pw_uid;
    if (geteuid() != 0) {
        if (geteuid() == uid)
            return {};
        return "must be root to become \"" + user + "\"";
    }
    if (initgroups(pw->pw_name, gid) != 0)
        return errno_text("initgroups");
    if (setgid(gid) != 0)
        return errno_text("setgid");
    if (setuid(uid) != 0)
        return errno_text("setuid");
    return {};
}

std::string write_pid_file(const std::string& path) {
    std::ofstream out(path, std::ios::trunc);
    if (!out)
        return errno_text("cannot write pid file " + path);
    out << getpid() << "\n";
    return out ? std::string() : errno_text("cannot write pid file " + path);
}

std::string daemonize() {
    const pid_t child = fork();
    if (child < 0)
        return errno_text("fork");
    if (child > 0)
        _exit(0);
    if (setsid() < 0)
        return errno_text("setsid");
    const int null = open("/dev/null", O_RDWR);
    if (null < 0)
        return errno_text("/dev/null");
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    if (null > STDERR_FILENO)
        ::close(null);
    return {};
}

}  // namespace milter503::milter
