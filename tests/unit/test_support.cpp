#include "test_support.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fabric/common/exit_status.hpp"

namespace sparkfabric::testing {

std::string fixture_tree(const std::string& name) { return std::string(SPARKFABRIC_FIXTURE_TREES) + "/" + name; }
std::string fixture_file(const std::string& name) { return std::string(SPARKFABRIC_FIXTURES) + "/" + name; }

AddressMap fixture_addresses(const std::string& name) {
    return load_address_file(fixture_tree(name) + "/addresses.yaml");
}

Plan fixture_plan(const std::string& fixture, const JobShape& job, const SiteConfig& config) {
    return make_plan(discover_fixture(fixture), config, job);
}

JobShape job_on(int nodes) {
    JobShape job;
    job.nodes = nodes;
    return job;
}

NodeFacts discover_fixture(const std::string& name) {
    DiscoveryOptions options;
    options.sysfs_root = fixture_tree(name) + "/sys";
    options.procfs_root = fixture_tree(name) + "/proc";
    options.addresses = fixture_addresses(name);
    return discover_node(options);
}

namespace {

std::string slurp(int fd) {
    std::string text;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(got));
    return text;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    char out_name[] = "/tmp/sf-test-out-XXXXXX";
    char err_name[] = "/tmp/sf-test-err-XXXXXX";
    const int out_fd = mkstemp(out_name);
    const int err_fd = mkstemp(err_name);
    unlink(out_name);
    unlink(err_name);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
        alarm(60);  // a hung binary fails the test instead of hanging the suite
        std::vector<char*> args;
        for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    ProgramResult result;
    int status = 0;
    waitpid(pid, &status, 0);
    result.status = exit_status(status);
    lseek(out_fd, 0, SEEK_SET);
    lseek(err_fd, 0, SEEK_SET);
    result.out = slurp(out_fd);
    result.err = slurp(err_fd);
    close(out_fd);
    close(err_fd);
    return result;
}

ScratchDir::ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
    path = pattern;
}

ScratchDir::~ScratchDir() { std::filesystem::remove_all(path); }

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

void write_executable(const std::filesystem::path& path, const std::string& text) {
    write_file(path, text);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                           std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                           std::filesystem::perms::others_exec);
}

void install_nccl(const std::filesystem::path& dir, const std::string& version) {
    write_file(dir / ("libnccl.so." + version), "not really a library");
    std::filesystem::create_symlink("libnccl.so." + version, dir / "libnccl.so.2");
}

const std::string& baked_image_probe_output() {
    using namespace std::string_literals;
    static const std::string output =
        "=== an NGC-style entrypoint banner ===\n"
        "sparkfabric-image-probe 1\n"
        "machine\tx86_64\n"
        "link\t/usr/lib/x86_64-linux-gnu/libnccl.so.2\t/usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3\n"
        "link\t/usr/lib/x86_64-linux-gnu/libnccl-net.so\t/usr/lib/x86_64-linux-gnu/libnccl-net.so\n"
        "file\t/etc/nccl.conf\n"
        "+NCCL_IB_USE_INLINE=1\n"
        "+NCCL_SOCKET_IFNAME=eth0\n"
        "+# NCCL settings of the cluster this image was built on\n"
        "file\t/etc/environment\n"
        "+NCCL_SOCKET_IFNAME=eth0\n"
        "+NCCL_IB_HCA=mlx5_9\n"
        "+GLOO_SOCKET_IFNAME=eth0\n"
        "+NCCL_DEBUG=WARN\n"
        "+NCCL_VERSION=2.21.5\n"
        "net\tlo\n"
        "net\tenp1s0f1np1\n"
        "net\tenP2p1s0f1np1\n"
        "env0\n"
        "HOME=/home/sparkuser\0NCCL_DEBUG=WARN\0NCCL_VERSION=2.21.5\0"
        "PROMPT=two\nlines\0NCCL_SOCKET_IFNAME==enp1s0f1np1,enP2p1s0f1np1\0"s;
    return output;
}

StepRequest fixture_step_request(const std::string& fixture, const std::string& check_option) {
    StepRequest request;
    request.sysfs_root = fixture_tree(fixture) + "/sys";
    request.procfs_root = fixture_tree(fixture) + "/proc";
    request.addresses = fixture_addresses(fixture);
    request.nccl_conf_root = fixture_tree(fixture);  // the tree's etc/nccl.conf, never this machine's
    request.config_path = "/nonexistent/sparkfabric.yaml";  // no site config: defaults
    request.require_trusted_config = false;
    request.check_option = check_option;
    return request;
}

std::string planned_value(const Plan& plan, const std::string& name) {
    const auto* variable = plan.find(name);
    return variable == nullptr ? std::string("<unset>") : variable->value;
}

const Finding* find_finding(const std::vector<Finding>& findings, const std::string& code) {
    for (const auto& finding : findings) {
        if (finding.code == code) return &finding;
    }
    return nullptr;
}

}  // namespace sparkfabric::testing
