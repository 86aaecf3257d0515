// Reading a file that root's code will act on (the site config, the GPU cache) without being
// fooled: no symlink followed, a regular file of bounded size, and where trust is required,
// owned by root and writable by nobody else. Every check is made on the open descriptor, so
// the file judged is the file read (no window for a swap between check and read).
#pragma once

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

}  // namespace sparkfabric
