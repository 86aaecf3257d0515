// A waitpid status as a shell reports it: one reading for spark-launch's commands and for the
// programs the tests run (which build without the launcher too).
#pragma once

#include <sys/wait.h>

namespace sparkfabric {

// The exit status, or 128 + the signal that ended it.
inline int exit_status(int wait_status) {
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace sparkfabric
