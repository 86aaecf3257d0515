// Reading a file that root's code will act on (the site config, the GPU cache) without being
// fooled: no symlink followed, a regular file of bounded size, and where trust is required,
// owned by root and writable by nobody else. Every check is made on the open descriptor, so
// the file judged is the file read (no window for a swap between check and read).
#pragma once

#include <sys/types.h>

#include <string>

namespace sparkfabric {

struct TrustedRead {
    bool opened = false;     // false: open failed (open_errno says why; ENOENT: no such file)
    int open_errno = 0;
    std::string refusal;     // non-empty: opened but refused, with the fix where there is one
    std::string text;        // the contents, when neither
};

// `owner_fix` is how to put a file not owned by root right, e.g. "chown root FILE".
TrustedRead read_trusted_file(const std::string& path, bool require_trusted, size_t max_bytes,
                              const std::string& owner_fix);

// Why this process cannot open `path` (after EACCES), naming the file or the directory in the
// way with its mode and owner, and the fix: "PATH: cannot be read by uid 1000 (mode 0600, owner
// root): ...". The plugin reads as the job's user, so a file root made with a strict umask
// fails every job.
std::string unreadable_file_message(const std::string& path);

// Empty, or why the directory holding `path` lets others replace it: owned by neither root nor
// `owner`, or writable by group or others (with the fix).
std::string directory_refusal(const std::string& path, uid_t owner = 0);

}  // namespace sparkfabric
