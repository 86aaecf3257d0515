// spark-launch's runtime decisions: torch quirks from the detected version, rendezvous ids and
// ports, and keeping a hostfile launch together (real processes, real signals).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "launcher/driver/rendezvous.hpp"
#include "launcher/kinds/torch_runtime.hpp"
#include "launcher/kinds/torchrun.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/supervise.hpp"

namespace sparkfabric::launch {
namespace {

bool has(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

TEST(TorchRuntime, VersionFromVersionPy) {
    EXPECT_EQ(parse_torch_version("__version__ = '1.13.0a0'\ndebug = False\n"), (TorchVersion{1, 13}));
    EXPECT_EQ(parse_torch_version("__version__ = \"2.6.0+debian\"\n"), (TorchVersion{2, 6}));
    EXPECT_EQ(parse_torch_version("from typing import Optional\n__version__ = '2.11.0+cu130'\n"), (TorchVersion{2, 11}));
    EXPECT_EQ(parse_torch_version("version = 'x'\n"), std::nullopt);
    EXPECT_EQ(parse_version_text("2.6"), (TorchVersion{2, 6}));
    EXPECT_EQ(parse_version_text("two"), std::nullopt);
}

TEST(TorchRuntime, Torch1GetsRedirectsAndTeeButNoLocalAddr) {
    const auto quirks = torchrun_quirks(TorchVersion{1, 13}, Libuv::unknown, {});
    EXPECT_EQ(quirks.arguments, (std::vector<std::string>{"--redirects=2", "--tee=2"}));
    EXPECT_FALSE(quirks.local_addr);
    EXPECT_TRUE(quirks.rdzv_conf.empty());
    // The user's own choice is never doubled.
    const auto own = torchrun_quirks(TorchVersion{1, 13}, Libuv::unknown, {"--redirects=1", "--tee", "3"});
    EXPECT_TRUE(own.arguments.empty());
}

TEST(TorchRuntime, TorchWithoutLibuvGetsUseLibuvOff) {
    const auto without = torchrun_quirks(TorchVersion{2, 6}, Libuv::no, {});
    EXPECT_TRUE(has(without.rdzv_conf, "use_libuv=0"));
    EXPECT_EQ(without.environment.at("USE_LIBUV"), "0");
    EXPECT_EQ(without.environment.at("TORCH_DISABLE_SHARE_RDZV_TCP_STORE"), "1");
    EXPECT_TRUE(without.legacy_store);  // the c10d backend's store ignores both: torchrun runs through the shim
    EXPECT_NE(legacy_store_script().find("torchrun_legacy_store.py"), std::string::npos);
    EXPECT_EQ(access(legacy_store_script().c_str(), R_OK), 0);
    TorchrunNode node;
    node.runner = {"/usr/bin/python3", legacy_store_script()};
    node.program = {"train.py"};
    const auto argv = torchrun_command(node);
    EXPECT_EQ(argv[0], "/usr/bin/python3");
    EXPECT_EQ(argv[1], legacy_store_script());
    EXPECT_EQ(argv[2], "--nnodes=1");
    EXPECT_EQ(argv.back(), "train.py");
    EXPECT_FALSE(torchrun_quirks(TorchVersion{2, 6}, Libuv::yes, {}).legacy_store);
    EXPECT_TRUE(without.arguments.empty());
    EXPECT_TRUE(without.local_addr);
    // With libuv, or before 2.4 (libuv was not the default), or unknown: nothing to add.
    EXPECT_TRUE(torchrun_quirks(TorchVersion{2, 6}, Libuv::yes, {}).rdzv_conf.empty());
    EXPECT_TRUE(torchrun_quirks(TorchVersion{2, 3}, Libuv::no, {}).rdzv_conf.empty());
    EXPECT_TRUE(torchrun_quirks(TorchVersion{2, 6}, Libuv::unknown, {}).rdzv_conf.empty());
    EXPECT_FALSE(torchrun_quirks(TorchVersion{2, 6}, Libuv::yes, {"--local-addr=10.0.0.1"}).local_addr);
    EXPECT_TRUE(libuv_is_default(TorchVersion{2, 4}));
    EXPECT_FALSE(libuv_is_default(TorchVersion{1, 13}));
    EXPECT_FALSE(libuv_is_default(std::nullopt));
}

// torchrun_worker.py (beside the legacy-store shim, which starts the workers through it) runs
// the program as `python PROGRAM` or `python -m MODULE` would: as __main__, its own argv, its
// directory (or the working directory) first on sys.path. No torch is needed for that part.
TEST(TorchRuntime, WorkerShimRunsTheProgramAsPythonWould) {
    const std::string shim_dir = legacy_store_script().substr(0, legacy_store_script().rfind('/'));
    const std::string worker = shim_dir + "/torchrun_worker.py";
    ASSERT_EQ(access(worker.c_str(), R_OK), 0);
    const std::string dir = ::testing::TempDir() + "sf-worker-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/prog.py") << "import sys\nprint(__name__, sys.argv[1:], sys.path[0])\n";
    const Captured script = run_capture({"python3", worker, dir + "/prog.py", "a", "--b"}, 30);
    EXPECT_EQ(script.status, 0);
    EXPECT_EQ(script.out, "__main__ ['a', '--b'] " + dir + "\n");
    const Captured module = run_capture({"sh", "-c", "cd \"$1\" && python3 \"$2\" -m prog c", "sh", dir, worker}, 30);
    EXPECT_EQ(module.status, 0);
    EXPECT_EQ(module.out, "__main__ ['c'] " + dir + "\n");
    std::ofstream(dir + "/fails.py") << "raise SystemExit(3)\n";
    EXPECT_EQ(run_capture({"python3", worker, dir + "/fails.py"}, 30).status, 3);
    std::filesystem::remove_all(dir);
}

TEST(TorchRuntime, FindsTorchOfAVenvFromTorchrunsInterpreter) {
    const std::string root = ::testing::TempDir() + "sf-venv-" + std::to_string(getpid());
    ASSERT_EQ(std::system(("mkdir -p " + root + "/bin " + root + "/lib/python3.13/site-packages/torch").c_str()), 0);
    std::ofstream(root + "/bin/torchrun") << "#!" << root << "/bin/python\nimport sys\n";
    std::ofstream(root + "/bin/python") << "";
    std::ofstream(root + "/lib/python3.13/site-packages/torch/version.py") << "__version__ = '2.6.0'\n";
    const TorchInstall install = find_torch(root + "/bin/torchrun");
    EXPECT_EQ(install.interpreter, root + "/bin/python");
    EXPECT_EQ(install.version, (TorchVersion{2, 6}));
    EXPECT_FALSE(find_torch(root + "/bin/none").version);
}

TEST(Rendezvous, IdsAndPortsDifferPerLaunch) {
    const LaunchIdentity a{"42", "", 0x1234abcd};
    const LaunchIdentity b{"42", "", 0x99990000};
    EXPECT_EQ(rendezvous_id(a), "slurm-42-x-1234abcd");
    EXPECT_EQ(rendezvous_id(LaunchIdentity{"42", "3", 1}), "slurm-42-3-00000001");
    EXPECT_EQ(rendezvous_id(LaunchIdentity{"", "", 1}), "sparkfabric-00000001");
    EXPECT_NE(rendezvous_id(a), rendezvous_id(b));
    std::set<int> ports;
    for (uint32_t random = 0; random < 50; ++random) {
        const int port = first_port_to_try(LaunchIdentity{"42", "0", random});
        EXPECT_GE(port, kPortRangeStart);
        EXPECT_LT(port, kPortRangeStart + kPortRangeSize);
        ports.insert(port);
    }
    EXPECT_GT(ports.size(), 40u) << "the random part must spread launches of one job over the range";
    EXPECT_NE(this_launch().random, this_launch().random);
}

TEST(Rendezvous, NextFreePortSkipsTakenOnesAndWraps) {
    EXPECT_EQ(next_free_port(20005, [](int port) { return port >= 20007; }), 20007);
    EXPECT_EQ(next_free_port(29999, [](int port) { return port != 29999; }), 20000);
    EXPECT_EQ(next_free_port(20000, [](int) { return false; }, 5), 0);
    // A real listener makes its port "taken".
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(fd, 1), 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    EXPECT_FALSE(port_is_free_here(ntohs(address.sin_port)));
    close(fd);
}

TEST(Rendezvous, BootstrapAddressWinsOverTheFabricAddress) {
    EXPECT_EQ(bootstrap_address({{"SPARKFABRIC_FABRIC_ADDR", "192.168.200.1"}}), "192.168.200.1");
    EXPECT_EQ(bootstrap_address({{"SPARKFABRIC_FABRIC_ADDR", "192.168.200.1"}, {"SPARKFABRIC_BOOTSTRAP_ADDR", "10.77.0.1"}}),
              "10.77.0.1");
    EXPECT_EQ(bootstrap_address({}), "");
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + name + "-" + std::to_string(getpid()); }

bool wait_for_file(const std::string& path) {  // a bounded wait, not a timed assertion
    for (int i = 0; i < 400; ++i) {
        if (access(path.c_str(), F_OK) == 0) return true;
        usleep(50000);
    }
    return false;
}

std::string slurp(const std::string& path) {
    std::ifstream file(path);
    std::string text;
    std::getline(file, text);
    return text;
}

TEST(Supervise, FirstFailureStopsTheOthersAndNamesTheHost) {
    const std::string stopped = temp_path("sf-stopped");
    const std::string ready = temp_path("sf-a-ready");
    std::remove(stopped.c_str());
    std::remove(ready.c_str());
    // "a" runs until told to stop; "b" fails as soon as "a" is listening for the signal.
    const std::vector<Supervised> children{
        {{"sh", "-c", "trap 'echo stopped > " + stopped + "; exit 0' TERM; touch " + ready + "; sleep 60 & wait"},
         "host-a"},
        {{"sh", "-c", "while [ ! -e " + ready + " ]; do sleep 0.05; done; exit 3"}, "host-b"}};
    EXPECT_EQ(supervise(children, 5), 3);
    EXPECT_EQ(slurp(stopped), "stopped") << "the surviving child must have been told to stop";
}

// The node stage of a docker/podman host ignores SIGPIPE for itself (run_in_runtime_image); the
// programs it starts, through either way of starting one, get the default back.
TEST(Children, GetSigpipeBackWhereTheLauncherIgnoresIt) {
    const std::string seen = temp_path("sf-sigpipe");
    // "NAME 1" where SIGPIPE (13: bit 12 of /proc/self/status's SigIgn mask) is ignored, else "NAME 0".
    const auto report = [&seen](const std::string& name) {
        const std::string ignored_bit = "$(( 0x$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status) >> 12 & 1 ))";
        return Argv{"sh", "-c", "echo \"" + name + " " + ignored_bit + "\" >> " + seen};
    };
    const pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        run_capture(report("run_capture"), 10);
        _exit(supervise({{report("supervise"), "h"}}, 5));
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    std::ifstream file(seen);
    const std::string lines{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    EXPECT_EQ(lines, "run_capture 0\nsupervise 0\n");
}

TEST(Supervise, ChildrenDoNotShareTheTerminalsStdin) {
    const std::string seen = temp_path("sf-stdin");
    // spark-launch's own stdin holds a line (a terminal's typed input, in a real run); each child
    // reads from spark-launch's own pipe instead, which stays empty: the line is not taken.
    const pid_t pid = fork();
    if (pid == 0) {
        int typed[2];
        if (pipe(typed) != 0 || write(typed[1], "typed\n", 6) != 6) _exit(90);
        dup2(typed[0], STDIN_FILENO);
        const std::vector<Supervised> children{
            {{"bash", "-c", "read -t 1 line; echo \"read:$line\" > " + seen}, "h"}};
        _exit(supervise(children, 5));
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(slurp(seen), "read:");
}

// The remote half as ssh starts it: run_until_stdin_closes(argv, grace) in a child whose stdin
// is a pipe; the caller closes `writer` to stand for spark-launch (and its ssh) going away.
struct RemoteSide {
    pid_t pid = -1;
    int writer = -1;
};

RemoteSide start_remote_side(const Argv& argv, int grace_seconds) {
    int stdin_pipe[2];
    if (pipe(stdin_pipe) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(stdin_pipe[0], STDIN_FILENO);
        close(stdin_pipe[1]);
        _exit(run_until_stdin_closes(argv, grace_seconds));
    }
    close(stdin_pipe[0]);
    return {pid, stdin_pipe[1]};
}

// Whether `pid` has ended (gone, or a zombie that init has yet to reap); a bounded wait.
bool ends_within_seconds(pid_t pid, int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string line;
        if (!std::getline(stat, line)) return true;
        const auto close = line.rfind(')');
        if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return true;
        usleep(50000);
    }
    return false;
}

// Whether this kernel lets a process become a child subreaper; asked in a child, so that this
// test process is left as it was. qemu-user (the arm64 stage) refuses the prctl.
bool subreaper_supported() {
    const pid_t pid = fork();
    if (pid == 0) _exit(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : 1);
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(Supervise, RemoteSideEndsWorkersLeftInTheirOwnSessions) {
    if (!subreaper_supported()) GTEST_SKIP() << "PR_SET_CHILD_SUBREAPER is refused here (qemu-user does not pass it on)";
    const std::string ready = temp_path("sf-worker-ready");
    const std::string worker_pid = temp_path("sf-worker-pid");
    std::remove(ready.c_str());
    // As torch 2.x starts a worker: its own session, here also deaf to SIGTERM, so neither the
    // launcher's group signal nor its SIGTERM reaches it.
    const std::string worker_script = "trap '' TERM; echo \\$\\$ > " + worker_pid + "; exec sleep 300";
    const RemoteSide remote = start_remote_side({"sh", "-c", "setsid sh -c \"" + worker_script + "\" & touch " + ready + "; wait"}, 1);
    ASSERT_GT(remote.pid, 0);
    ASSERT_TRUE(wait_for_file(ready));
    ASSERT_TRUE(wait_for_file(worker_pid));
    usleep(200000);
    const pid_t worker = static_cast<pid_t>(std::stol(slurp(worker_pid)));
    close(remote.writer);
    int status = 0;
    ASSERT_EQ(waitpid(remote.pid, &status, 0), remote.pid);
    const bool ended = ends_within_seconds(worker, 5);
    if (!ended) kill(worker, SIGKILL);
    EXPECT_TRUE(ended) << "the worker in its own session outlived the remote side";
}

TEST(RunCapture, TimeoutEndsWhatTheCommandStarted) {
    // A wrapper whose own child (an srun step, an ssh session) keeps the output open.
    const Captured captured = run_capture({"sh", "-c", "sleep 300 & echo $!; wait"}, 1);
    EXPECT_EQ(captured.status, 124);
    const pid_t below = static_cast<pid_t>(std::stol(captured.out));
    const bool ended = ends_within_seconds(below, 5);
    if (!ended) kill(below, SIGKILL);
    EXPECT_TRUE(ended) << "the timed-out command's child lives on";
}

TEST(RunCapture, FailureStaysAFailureWithSigchldIgnored) {
    // Started by a parent that ignores SIGCHLD, spark-launch inherits SIG_IGN through exec.
    signal(SIGCHLD, SIG_IGN);
    const Captured failed = run_capture({"sh", "-c", "echo out; exit 3"}, 5);
    const int parallel = run_parallel({{"sh", "-c", "exit 4"}});
    signal(SIGCHLD, SIG_DFL);
    EXPECT_EQ(failed.status, 3);
    EXPECT_EQ(failed.out, "out\n");
    EXPECT_EQ(parallel, 4);
}

TEST(Supervise, RemoteSideEndsItsProgramWhenStdinCloses) {
    const std::string ready = temp_path("sf-ready");
    const std::string ended = temp_path("sf-ended");
    std::remove(ready.c_str());
    std::remove(ended.c_str());
    const RemoteSide remote = start_remote_side(
        {"sh", "-c", "trap 'echo ended > " + ended + "; exit 0' TERM; touch " + ready + "; sleep 60 & wait"}, 5);
    ASSERT_GT(remote.pid, 0);
    ASSERT_TRUE(wait_for_file(ready));
    close(remote.writer);  // what happens when spark-launch (and with it ssh) goes away
    int status = 0;
    ASSERT_EQ(waitpid(remote.pid, &status, 0), remote.pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(slurp(ended), "ended");
}

}  // namespace
}  // namespace sparkfabric::launch
