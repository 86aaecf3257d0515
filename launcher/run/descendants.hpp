// The processes below one process, found in /proc, and ending them: what a hostfile launch needs
// where no Slurm cgroup ends a job's leftovers (a torch 2.x worker starts in its own session, and a
// worker's own helpers may too), and what a timed-out capture needs for the srun or ssh below it.
#pragma once

#include <sys/types.h>

#include <vector>

namespace sparkfabric::launch {

// Every live (not zombie) process whose parent chain reaches `root`, `root` itself excluded.
// A snapshot: call it before killing a parent, whose children then move to a subreaper or init.
std::vector<pid_t> descendants_of(pid_t root);

// Makes this process the one that orphans below it are reparented to (PR_SET_CHILD_SUBREAPER),
// so that end_descendants finds a worker whose parent died first. False where the kernel refuses.
bool become_subreaper();

// SIGTERM to every process below this one, SIGKILL after grace_seconds to those still there,
// reaping this process's own children meanwhile. Bounded: returns within grace_seconds + 2 s.
// Returns how many processes it found below this one at the start.
size_t end_descendants(int grace_seconds);

}  // namespace sparkfabric::launch
