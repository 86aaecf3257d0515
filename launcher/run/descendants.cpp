#include "launcher/run/descendants.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "launcher/run/process.hpp"

namespace sparkfabric::launch {
namespace {

struct ProcessEntry {
    pid_t parent = 0;
    bool zombie = false;
};

// /proc/PID/stat: "PID (COMM) STATE PPID ...". COMM may hold spaces and ')', so the fields are
// read after the last ')' (proc(5)).
bool read_stat(pid_t pid, ProcessEntry& entry) {
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(file, line)) return false;
    const auto close = line.rfind(')');
    if (close == std::string::npos) return false;
    std::istringstream fields(line.substr(close + 1));
    char state = 0;
    long parent = 0;
    if (!(fields >> state >> parent)) return false;
    entry.parent = static_cast<pid_t>(parent);
    entry.zombie = state == 'Z' || state == 'X';
    return true;
}

std::map<pid_t, ProcessEntry> process_table() {
    std::map<pid_t, ProcessEntry> table;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return table;
    while (const dirent* entry = readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0') continue;
        ProcessEntry process;
        if (read_stat(static_cast<pid_t>(pid), process)) table[static_cast<pid_t>(pid)] = process;
    }
    closedir(proc);
    return table;
}

void reap_own_children() {
    int status = 0;
    while (waitpid(-1, &status, WNOHANG) > 0) {
    }
}

void signal_each(const std::vector<pid_t>& pids, int signal_number) {
    for (const pid_t pid : pids) kill(pid, signal_number);
}

}  // namespace

std::vector<pid_t> descendants_of(pid_t root) {
    const auto table = process_table();
    std::multimap<pid_t, pid_t> children;
    for (const auto& [pid, entry] : table) children.emplace(entry.parent, pid);
    std::vector<pid_t> found;
    std::vector<pid_t> frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        const auto [first, last] = children.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            frontier.push_back(it->second);  // a zombie's own children are still below root
            if (!table.at(it->second).zombie) found.push_back(it->second);
        }
    }
    return found;
}

bool become_subreaper() { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

size_t end_descendants(int grace_seconds) {
    reap_own_children();
    const std::vector<pid_t> first = descendants_of(getpid());
    if (first.empty()) return 0;
    signal_each(first, SIGTERM);
    const long kill_at = monotonic_ms() + grace_seconds * 1000L;
    while (monotonic_ms() < kill_at) {
        reap_own_children();
        if (descendants_of(getpid()).empty()) return first.size();
        usleep(100 * 1000);
    }
    // Those still here, and any started meanwhile; then a short bounded wait for the reaping.
    signal_each(descendants_of(getpid()), SIGKILL);
    for (const long until = monotonic_ms() + 2000; monotonic_ms() < until; usleep(50 * 1000)) {
        reap_own_children();
        if (descendants_of(getpid()).empty()) break;
    }
    return first.size();
}

}  // namespace sparkfabric::launch
