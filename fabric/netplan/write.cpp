#include "fabric/netplan/write.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fabric/netplan/emit.hpp"
#include "fabric/netplan/read.hpp"

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;

std::string failure(const std::string& what, const std::string& path) {
    return "cannot " + what + " " + path + ": " + std::strerror(errno) + " (writing /etc/netplan needs root)";
}

// Writes `text` to a new mode-600 file beside `path` and renames it over `path`.
void replace_file(const std::string& path, const std::string& text) {
    std::string temporary = path + ".XXXXXX";  // not *.yaml: netplan never reads it
    const int fd = mkstemp(temporary.data());   // mode 600
    if (fd < 0) throw NetplanWriteError(failure("create a file beside", path));
    size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string message = failure("write", temporary);
            ::close(fd);
            ::unlink(temporary.c_str());
            throw NetplanWriteError(message);
        }
        written += static_cast<size_t>(n);
    }
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0 ||
        ::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string message = failure("replace", path);
        ::unlink(temporary.c_str());
        throw NetplanWriteError(message);
    }
}

}  // namespace

void write_private_file(const std::string& path, const std::string& text) { replace_file(path, text); }

NetplanWriteResult write_netplan_file(const std::string& root_dir, const std::string& text) {
    NetplanWriteResult result;
    result.path = netplan_path(root_dir, kNetplanFileName);
    std::error_code error;
    fs::create_directories(fs::path(result.path).parent_path(), error);
    if (error) throw NetplanWriteError("cannot create " + fs::path(result.path).parent_path().string() + ": " + error.message());
    if (fs::exists(result.path, error)) {
        std::ifstream previous(result.path);
        if (!previous) throw NetplanWriteError(failure("read", result.path));
        std::stringstream old_text;
        old_text << previous.rdbuf();
        if (old_text.str() == text) {
            result.unchanged = true;
            return result;
        }
        result.backup = result.path + ".bak";
        replace_file(result.backup, old_text.str());
    }
    replace_file(result.path, text);
    return result;
}

}  // namespace sparkfabric
