// NAME
//	milter503-bench-measure 1
// SUMMARY
//	run a command, print its wall time, peak resident memory and CPU time
// SYNOPSIS
//	milter503-bench-measure OUTPUT COMMAND [ARG...]
// DESCRIPTION
//	Runs COMMAND with its standard output to the file OUTPUT (/dev/null
//	to discard it) and prints `SECONDS MAX_RSS_KIB STATUS CPU_SECONDS` on
//	standard output: wall-clock time, the peak resident set size of the
//	command (wait4's ru_maxrss), its exit status and the CPU time of all
//	its threads (user and system). No external `time` needed.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s OUTPUT COMMAND [ARG...]\n", argv[0]);
        return 64;
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) {
        std::perror("fork");
        return 71;
    }
    if (pid == 0) {
        const int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(126);
        execvp(argv[2], argv + 2);
        std::perror(argv[2]);
        _exit(127);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) < 0) {
        std::perror("wait4");
        return 71;
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    std::printf("%.3f %ld %d %.3f\n", elapsed.count(), usage.ru_maxrss,
                WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                seconds(usage.ru_utime) + seconds(usage.ru_stime));
    return 0;
}
