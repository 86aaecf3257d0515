// The GPU cache as root writes it (probe-gpu) and the plugin reads it (as the job's user):
// modes that do not depend on root's umask, no cache in a directory others can write, and an
// unreadable file or config named with its mode.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "fabric/common/config.hpp"
#include "fabric/discovery/gpu_cache.hpp"

namespace sparkfabric {
namespace {

const GpuCache kCache{13000, "t", {{0, "NVIDIA GB10", "000F:01:00.0", true, true, false}}};

std::string fresh_dir(const std::string& name) {
    const std::string dir = ::testing::TempDir() + "sf-gpu-cache-" + name + "-" + std::to_string(getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    chmod(dir.c_str(), 0755);
    return dir;
}

mode_t mode_of(const std::string& path) {
    struct stat info {};
    return stat(path.c_str(), &info) == 0 ? info.st_mode & 07777 : 0;
}

// Runs `body` in a child process as an ordinary user (nobody), as the plugin reads the cache in
// user_init; what it returns comes back through a pipe.
std::string as_nobody(const std::function<std::string()>& body) {
    int fds[2];
    if (pipe(fds) != 0) return "pipe failed";
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        std::string text = "cannot become nobody";
        if (setgid(65534) == 0 && setuid(65534) == 0) text = body();
        [[maybe_unused]] const auto written = write(fds[1], text.data(), text.size());
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = read(fds[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(got));
    close(fds[0]);
    waitpid(child, nullptr, 0);
    return text;
}

TEST(GpuCacheFile, ModesDoNotDependOnTheUmask) {
    const std::string dir = fresh_dir("umask");
    const mode_t saved = umask(077);
    std::string error;
    try {
        write_gpu_cache(dir + "/new/gpu.json", kCache);
    } catch (const std::exception& failure) {
        error = failure.what();
    }
    umask(saved);
    ASSERT_EQ(error, "");
    EXPECT_EQ(mode_of(dir + "/new"), 0755u);
    EXPECT_EQ(mode_of(dir + "/new/gpu.json"), 0644u);
    // Rewritten in place: still 0644, and no temporary file left beside it.
    umask(077);
    write_gpu_cache(dir + "/new/gpu.json", kCache);
    umask(saved);
    EXPECT_EQ(mode_of(dir + "/new/gpu.json"), 0644u);
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir + "/new"), {}), 1);
    // A directory an earlier probe-gpu left at 0700 is named, with the fix, not written into.
    chmod((dir + "/new").c_str(), 0700);
    try {
        write_gpu_cache(dir + "/new/gpu.json", kCache);
        ADD_FAILURE() << "a cache written where no job's user can read it";
    } catch (const std::exception& failure) {
        EXPECT_NE(std::string(failure.what()).find("(mode 0700) cannot be entered by the jobs' users"), std::string::npos)
            << failure.what();
        EXPECT_NE(std::string(failure.what()).find("chmod 755 " + dir + "/new"), std::string::npos) << failure.what();
    }
    std::filesystem::remove_all(dir);
}

TEST(GpuCacheFile, ADirectoryOthersCanWriteIsRefused) {
    const std::string dir = fresh_dir("shared");
    chmod(dir.c_str(), 0777);
    try {
        write_gpu_cache(dir + "/gpu.json", kCache);
        ADD_FAILURE() << "a cache written into a directory anyone can write";
    } catch (const std::exception& failure) {
        const std::string message = failure.what();
        EXPECT_NE(message.find(dir + ": writable by group or others"), std::string::npos) << message;
        EXPECT_NE(message.find("chmod go-w " + dir), std::string::npos) << message;
    }
    EXPECT_FALSE(std::filesystem::exists(dir + "/gpu.json"));
    // Read under the plugin's rules, a cache there is refused too: anyone could swap it.
    chmod(dir.c_str(), 0755);
    write_gpu_cache(dir + "/gpu.json", kCache);
    chmod(dir.c_str(), 0777);
    if (geteuid() == 0) {
        std::string error;
        EXPECT_FALSE(read_gpu_cache(dir + "/gpu.json", error, true));
        EXPECT_NE(error.find("writable by group or others"), std::string::npos) << error;
    }
    std::filesystem::remove_all(dir);
}

TEST(GpuCacheFile, AnUnreadableCacheOrConfigIsNamedWithItsMode) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to read as another user";
    const std::string dir = fresh_dir("unreadable");
    write_gpu_cache(dir + "/gpu.json", kCache);
    chmod((dir + "/gpu.json").c_str(), 0600);
    std::ofstream(dir + "/site.yaml") << "nccl: {mode: safe}\n";
    chmod((dir + "/site.yaml").c_str(), 0600);
    const std::string cache_error = as_nobody([&] {
        std::string error;
        read_gpu_cache(dir + "/gpu.json", error, true);
        return error;
    });
    EXPECT_NE(cache_error.find(dir + "/gpu.json: cannot be read by uid 65534 (mode 0600"), std::string::npos)
        << cache_error;
    EXPECT_NE(cache_error.find("chmod 644 " + dir + "/gpu.json"), std::string::npos) << cache_error;
    const std::string config_error = as_nobody([&] {
        try {
            load_site_config_file(dir + "/site.yaml", "node", true);
        } catch (const ConfigError& error) {
            return std::string(error.what());
        }
        return std::string("read");
    });
    EXPECT_NE(config_error.find(dir + "/site.yaml: cannot be read by uid 65534 (mode 0600"), std::string::npos)
        << config_error;
    // A directory the user cannot enter names the directory.
    chmod((dir + "/gpu.json").c_str(), 0644);
    chmod(dir.c_str(), 0700);
    const std::string dir_error = as_nobody([&] {
        std::string error;
        read_gpu_cache(dir + "/gpu.json", error, true);
        return error;
    });
    EXPECT_NE(dir_error.find("directory " + dir + " (mode 0700"), std::string::npos) << dir_error;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sparkfabric
