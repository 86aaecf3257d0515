#include "launcher/run/process.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fabric/common/exit_status.hpp"
#include "launcher/run/descendants.hpp"

namespace sparkfabric::launch {
namespace {

std::vector<char*> c_argv(const Argv& argv) {
    std::vector<char*> pointers;
    for (const auto& word : argv) pointers.push_back(const_cast<char*>(word.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

// A SIGCHLD disposition of SIG_IGN, inherited through exec from whoever started spark-launch,
// makes the kernel reap children itself: waitpid then fails with ECHILD and a failed command
// would read as status 0 (wait(2), "POSIX.1-2001 specifies that if the disposition of SIGCHLD is
// set to SIG_IGN ..."). Children are waited for here, so the default comes back first.
void make_children_waitable() {
    struct sigaction current {};
    if (sigaction(SIGCHLD, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) signal(SIGCHLD, SIG_DFL);
}

// The status of a child, or 127 when it cannot be waited for: never a success by default.
int wait_status(pid_t pid) {
    int status = 0;
    pid_t got = 0;
    do {
        got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    return got == pid ? exit_status(status) : 127;
}

// A command past its time, and what it started (the srun step or ssh session below a wrapper):
// SIGTERM first, so srun cancels its step and ssh closes its session, SIGKILL after a short grace.
void end_timed_out(pid_t pid) {
    constexpr int kGraceMs = 3000;
    std::vector<pid_t> below = descendants_of(pid);
    kill(pid, SIGTERM);
    for (const pid_t descendant : below) kill(descendant, SIGTERM);
    for (int waited = 0; waited < kGraceMs; waited += 50) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        usleep(50 * 1000);
    }
    if (pid > 0) {
        for (const pid_t descendant : descendants_of(pid)) below.push_back(descendant);
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
    for (const pid_t descendant : below) kill(descendant, SIGKILL);
}

pid_t spawn(const Argv& argv, int stdout_fd, int stderr_fd = -1) {
    make_children_waitable();
    const pid_t pid = fork();
    if (pid == 0) {
        // SIGPIPE back to its default, as supervise's children get it: an ignored signal stays
        // ignored across exec, and run_in_runtime_image ignores it for itself.
        signal(SIGPIPE, SIG_DFL);
        if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
        if (stderr_fd >= 0) dup2(stderr_fd, STDERR_FILENO);
        auto pointers = c_argv(argv);
        execvp(pointers[0], pointers.data());
        dprintf(STDERR_FILENO, "spark-launch: cannot run %s: %s\n", argv[0].c_str(), std::strerror(errno));
        _exit(127);
    }
    return pid;
}

// Reads the child's stdout (and stderr, when asked) until both close or the time is up; then
// SIGKILL. Each stream keeps its first MiB.
Captured capture(const Argv& argv, int timeout_seconds, bool keep_stderr) {
    Captured result;
    int out_fds[2];
    int err_fds[2] = {-1, -1};
    if (pipe2(out_fds, O_CLOEXEC) != 0) return result;
    if (keep_stderr && pipe2(err_fds, O_CLOEXEC) != 0) {
        close(out_fds[0]);
        close(out_fds[1]);
        return result;
    }
    const pid_t pid = spawn(argv, out_fds[1], err_fds[1]);
    close(out_fds[1]);
    if (keep_stderr) close(err_fds[1]);
    if (pid < 0) {
        close(out_fds[0]);
        if (keep_stderr) close(err_fds[0]);
        return result;
    }
    const long start_ms = monotonic_ms();
    bool timed_out = false;
    char buffer[4096];
    pollfd streams[2] = {{out_fds[0], POLLIN, 0}, {err_fds[0], POLLIN, 0}};  // fd -1: poll skips it
    std::string* texts[2] = {&result.out, &result.err};
    while (streams[0].fd >= 0 || streams[1].fd >= 0) {
        const long left_ms = timeout_seconds * 1000L - (monotonic_ms() - start_ms);
        if (left_ms <= 0) {
            timed_out = true;
            break;
        }
        if (poll(streams, 2, static_cast<int>(left_ms)) <= 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (streams[i].fd < 0 || streams[i].revents == 0) continue;
            const ssize_t got = read(streams[i].fd, buffer, sizeof buffer);
            if (got <= 0) {
                close(streams[i].fd);
                streams[i].fd = -1;
                continue;
            }
            if (i == 0 && result.first_output_ms < 0) result.first_output_ms = monotonic_ms() - start_ms;
            if (texts[i]->size() < (1u << 20)) texts[i]->append(buffer, static_cast<size_t>(got));
        }
    }
    for (const auto& stream : streams) {
        if (stream.fd >= 0) close(stream.fd);
    }
    if (timed_out) {
        end_timed_out(pid);
        result.status = 124;
    } else {
        result.status = wait_status(pid);
    }
    return result;
}

}  // namespace

std::string exec_replace(const Argv& argv) {
    auto pointers = c_argv(argv);
    execvp(pointers[0], pointers.data());
    return "cannot run " + argv[0] + ": " + std::strerror(errno);
}

Captured run_capture(const Argv& argv, int timeout_seconds) { return capture(argv, timeout_seconds, false); }

Captured run_capture_both(const Argv& argv, int timeout_seconds) { return capture(argv, timeout_seconds, true); }

int run_parallel(const std::vector<Argv>& commands) {
    std::vector<pid_t> children;
    for (const auto& argv : commands) children.push_back(spawn(argv, -1));
    int first_failure = 0;
    for (const pid_t pid : children) {
        const int status = pid < 0 ? 127 : wait_status(pid);
        if (first_failure == 0 && status != 0) first_failure = status;
    }
    return first_failure;
}

long monotonic_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

std::string self_executable() {
    char path[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    return length > 0 ? std::string(path, static_cast<size_t>(length)) : std::string("spark-launch");
}

}  // namespace sparkfabric::launch
