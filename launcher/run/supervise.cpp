#include "launcher/run/supervise.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fabric/common/exit_status.hpp"
#include "launcher/run/descendants.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::launch {
namespace {

int signal_pipe[2] = {-1, -1};

void on_signal(int signal_number) {
    const int saved = errno;
    const unsigned char byte = static_cast<unsigned char>(signal_number);
    [[maybe_unused]] const ssize_t written = write(signal_pipe[1], &byte, 1);
    errno = saved;
}

const int kForwarded[] = {SIGINT, SIGTERM, SIGHUP};

bool install_handlers() {
    if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (const int signal_number : kForwarded) sigaction(signal_number, &action, nullptr);
    sigaction(SIGCHLD, &action, nullptr);  // wakes the loop when a child ends
    return true;
}

void default_handlers() {
    for (const int signal_number : kForwarded) signal(signal_number, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
}

// Child side of fork: own process group, the given stdin, then exec. SIGPIPE back to its default
// (an ignored signal stays ignored across exec; run_in_runtime_image ignores it for itself).
[[noreturn]] void become(const Argv& argv, int stdin_fd) {
    default_handlers();
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    if (stdin_fd >= 0) {
        dup2(stdin_fd, STDIN_FILENO);
        if (stdin_fd != STDIN_FILENO) close(stdin_fd);
    }
    std::vector<char*> pointers;
    for (const auto& word : argv) pointers.push_back(const_cast<char*>(word.c_str()));
    pointers.push_back(nullptr);
    execvp(pointers[0], pointers.data());
    dprintf(STDERR_FILENO, "spark-launch: cannot run %s: %s\n", argv[0].c_str(), std::strerror(errno));
    _exit(127);
}

// Signals that arrived since the last call (0 for SIGCHLD wake-ups).
std::vector<int> drain_signals() {
    std::vector<int> signals;
    unsigned char byte = 0;
    while (read(signal_pipe[0], &byte, 1) == 1) {
        if (byte != SIGCHLD) signals.push_back(byte);
    }
    return signals;
}

}  // namespace

int supervise(const std::vector<Supervised>& children, int grace_seconds) {
    if (!install_handlers()) return 127;
    struct Running {
        pid_t pid = -1;
        int stdin_writer = -1;
        bool done = false;
        int status = 0;
    };
    std::vector<Running> running(children.size());
    for (size_t i = 0; i < children.size(); ++i) {
        int stdin_pipe[2];
        if (pipe2(stdin_pipe, O_CLOEXEC) != 0) return 127;
        const pid_t pid = fork();
        if (pid == 0) become(children[i].argv, stdin_pipe[0]);
        close(stdin_pipe[0]);
        running[i].stdin_writer = stdin_pipe[1];  // held, never written: EOF only when we go
        if (pid < 0) {
            running[i].done = true;
            running[i].status = 127;
            continue;
        }
        setpgid(pid, pid);  // also here, so a signal sent right away reaches the group
        running[i].pid = pid;
    }

    int result = 0;
    bool stopping = false;
    long kill_at = 0;
    auto stop_all = [&](int signal_number) {
        for (auto& child : running) {
            if (!child.done && child.pid > 0) kill(-child.pid, signal_number);
            if (child.stdin_writer >= 0) {
                close(child.stdin_writer);
                child.stdin_writer = -1;
            }
        }
        if (!stopping) kill_at = monotonic_ms() + grace_seconds * 1000L;
        stopping = true;
    };
    for (size_t i = 0; i < running.size(); ++i) {
        if (running[i].done && result == 0) {
            result = running[i].status;
            std::fprintf(stderr, "spark-launch: %s: could not start; stopping the launch\n", children[i].label.c_str());
            stop_all(SIGTERM);
        }
    }

    while (true) {
        bool all_done = true;
        for (auto& child : running) {
            if (child.done) continue;
            int status = 0;
            const pid_t reaped = waitpid(child.pid, &status, WNOHANG);
            if (reaped == child.pid) {
                child.done = true;
                child.status = exit_status(status);
            } else {
                all_done = false;
            }
        }
        for (size_t i = 0; i < running.size(); ++i) {
            if (!running[i].done || running[i].status == 0 || stopping) continue;
            result = running[i].status;
            std::fprintf(stderr, "spark-launch: %s failed with exit status %d; stopping the others\n",
                         children[i].label.c_str(), running[i].status);
            stop_all(SIGTERM);
        }
        if (all_done) break;
        if (stopping && monotonic_ms() >= kill_at) {
            for (auto& child : running) {
                if (!child.done) kill(-child.pid, SIGKILL);
            }
            kill_at = monotonic_ms() + 3600L * 1000L;  // once
        }
        pollfd wake{signal_pipe[0], POLLIN, 0};
        poll(&wake, 1, 200);
        for (const int signal_number : drain_signals()) {
            if (result == 0) result = 128 + signal_number;
            std::fprintf(stderr, "spark-launch: signal %d: passing it to every host, SIGKILL after %d s\n", signal_number,
                         grace_seconds);
            stop_all(signal_number);
        }
    }
    for (auto& child : running) {
        if (child.stdin_writer >= 0) close(child.stdin_writer);
    }
    default_handlers();
    return result;
}

StopGuard::StopGuard(bool watch_stdin) : watch_stdin_(watch_stdin) {
    if (!install_handlers()) stop_signal_ = SIGTERM;  // no way to hear a stop: run nothing
}

StopGuard::~StopGuard() { default_handlers(); }

bool StopGuard::poll_once(int milliseconds) {
    pollfd watched[2] = {{signal_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    poll(watched, watch_stdin_ ? 2 : 1, milliseconds);
    if (watch_stdin_ && (watched[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) != 0) {
        char discard[256];
        const ssize_t got = read(STDIN_FILENO, discard, sizeof discard);
        if (got <= 0 && !(got < 0 && errno == EINTR)) {
            watch_stdin_ = false;  // spark-launch (or its ssh) is gone
            if (stop_signal_ == 0) stop_signal_ = SIGTERM;
        }
    }
    for (const int signal_number : drain_signals()) {
        if (stop_signal_ == 0) stop_signal_ = signal_number;
    }
    return stop_signal_ != 0;
}

bool StopGuard::pause(int milliseconds) {
    const long until = monotonic_ms() + milliseconds;
    while (stop_signal_ == 0) {
        const long left = until - monotonic_ms();
        if (left <= 0) return true;
        poll_once(static_cast<int>(std::min(left, 200L)));
    }
    return false;
}

int StopGuard::run(const Argv& argv, int grace_seconds, Leftovers leftovers) {
    if (stop_signal_ != 0) return 128 + stop_signal_;
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    const pid_t pid = fork();
    if (pid == 0) become(argv, null_fd);
    if (null_fd >= 0) close(null_fd);
    if (pid < 0) return 127;
    setpgid(pid, pid);
    bool signalled = false;
    long kill_at = 0;
    while (true) {
        // Any child: as a subreaper this process also inherits orphans, which must not stay
        // zombies (a program waiting for such a pid to go, as `ray stop` does, would wait forever).
        int status = 0;
        pid_t reaped = 0;
        while ((reaped = waitpid(-1, &status, WNOHANG)) > 0 && reaped != pid) {
        }
        if (reaped == pid) {
            if (leftovers == Leftovers::kill) kill(-pid, SIGKILL);
            return exit_status(status);
        }
        if (stop_signal_ != 0 && !signalled) {
            kill(-pid, stop_signal_);
            kill_at = monotonic_ms() + grace_seconds * 1000L;
            signalled = true;
        } else if (signalled && monotonic_ms() >= kill_at) {
            kill(-pid, SIGKILL);
            kill_at = monotonic_ms() + 3600L * 1000L;  // once
        }
        poll_once(200);
    }
}

int run_until_stdin_closes(const Argv& argv, int grace_seconds) {
    StopGuard guard(true);
    // A worker in its own session, orphaned, comes back here instead of to init. Not for Ray's
    // node (ray_node.cpp): `ray stop` runs there while this process waits in run_capture, and
    // would wait for ever for daemons left zombies under it.
    become_subreaper();
    const int status = guard.run(argv, grace_seconds);
    // What the program left, in any session: its launcher had its grace to end them itself.
    const size_t left = end_descendants(kLeftoverGraceSeconds);
    if (left > 0) std::fprintf(stderr, "spark-launch: ended %zu process(es) %s left running\n", left, argv[0].c_str());
    return status;
}

}  // namespace sparkfabric::launch
