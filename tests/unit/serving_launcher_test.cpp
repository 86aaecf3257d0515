// spark-launch vllm, sglang and ray: each node's command line, the user's flags respected or
// refused, the new options, and the node-side pieces Ray needs (stops, connects).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include "fabric/checks/checks.hpp"
#include "fabric/common/exit_status.hpp"
#include "launcher/kinds/kind.hpp"
#include "launcher/kinds/ray.hpp"
#include "launcher/kinds/sglang.hpp"
#include "launcher/kinds/vllm.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/run/program_paths.hpp"
#include "launcher/run/supervise.hpp"

namespace sparkfabric::launch {
namespace {

using Env = std::vector<std::pair<std::string, std::string>>;

const NodeRole kHead{2, 0, "192.168.200.1", "20042", "192.168.200.1"};
const NodeRole kWorker{2, 1, "192.168.200.1", "20042", "192.168.200.2"};

long count(const Argv& argv, const std::string& word) { return std::count(argv.begin(), argv.end(), word); }

std::string error_of(const std::string& launcher, const Argv& program, int nnodes) {
    try {
        per_node_kind(*parse_launch_kind(launcher)).check_program(program, nnodes);
    } catch (const LaunchError& error) {
        return error.what();
    }
    return "no error";
}

TEST(VllmCommand, HeadGetsNativeMultiNodeFlagsAndItsOwnAddress) {
    const NodeCommand head = vllm_node_command({"serve", "Qwen/Qwen3-8B", "--tensor-parallel-size", "1"}, kHead);
    EXPECT_EQ(head.argv, (Argv{"vllm", "serve", "Qwen/Qwen3-8B", "--tensor-parallel-size", "1",
                               "--distributed-executor-backend", "mp", "--nnodes", "2", "--node-rank", "0",
                               "--master-addr", "192.168.200.1", "--master-port", "20042"}));
    EXPECT_EQ(head.environment, (Env{{"VLLM_HOST_IP", "192.168.200.1"}}));
}

TEST(VllmCommand, WorkersAreHeadlessWithTheirOwnAddress) {
    const NodeCommand worker = vllm_node_command({"serve", "m"}, kWorker);
    EXPECT_EQ(count(worker.argv, "--headless"), 1);
    EXPECT_EQ(worker.argv[std::find(worker.argv.begin(), worker.argv.end(), "--node-rank") - worker.argv.begin() + 1], "1");
    EXPECT_EQ(worker.environment, (Env{{"VLLM_HOST_IP", "192.168.200.2"}}));
    EXPECT_EQ(count(vllm_node_command({"serve", "m"}, kHead).argv, "--headless"), 0);
}

TEST(VllmCommand, KeepsWhatTheUserGaveAndTheVllmTheyNamed) {
    const NodeCommand node = vllm_node_command(
        {"/opt/venv/bin/vllm", "serve", "m", "--master_port", "29501", "--nnodes=2", "--master-addr", "10.0.0.9"}, kWorker);
    EXPECT_EQ(node.argv[0], "/opt/venv/bin/vllm");
    EXPECT_EQ(count(node.argv, "vllm"), 0);
    EXPECT_EQ(count(node.argv, "--master-port"), 0);  // given as --master_port
    EXPECT_EQ(count(node.argv, "--nnodes"), 0);       // given as --nnodes=2
    EXPECT_EQ(count(node.argv, "--master-addr"), 1);
    EXPECT_EQ(count(node.argv, "--distributed-executor-backend"), 1);
}

TEST(ServingArgs, RefusesWhatDiffersByNodeAndContradictions) {
    EXPECT_EQ(error_of("vllm", {"serve", "m", "--node-rank", "1"}, 2),
              "--node-rank differs from node to node: spark-launch vllm sets it on each node; remove it");
    EXPECT_NE(error_of("vllm", {"serve", "m", "--node_rank=1"}, 2).find("--node-rank differs"), std::string::npos);
    EXPECT_NE(error_of("vllm", {"serve", "m", "--headless"}, 2).find("--headless differs"), std::string::npos);
    EXPECT_EQ(error_of("sglang", {"--model-path", "m", "--nnodes", "3"}, 2),
              "--nnodes 3: this launch has 2 nodes; remove --nnodes (spark-launch sets it) or launch on that many nodes");
    EXPECT_NE(error_of("vllm", {"serve", "m", "--distributed-executor-backend", "ray"}, 2).find("spark-launch ray -- vllm serve"),
              std::string::npos);
    EXPECT_EQ(error_of("vllm", {"serve", "m", "--nnodes", "2", "--distributed-executor-backend=mp"}, 2), "no error");
    EXPECT_EQ(error_of("sglang", {"--model-path", "m"}, 4), "no error");
}

TEST(SglangCommand, LaunchServerWithRanksAndTheHeadsInitAddress) {
    const NodeCommand worker = sglang_node_command("python3", {"--model-path", "m", "--tp", "2"}, kWorker);
    EXPECT_EQ(worker.argv, (Argv{"python3", "-m", "sglang.launch_server", "--model-path", "m", "--tp", "2", "--nnodes", "2",
                                 "--node-rank", "1", "--dist-init-addr", "192.168.200.1:20042"}));
    // SGLang advertises SGLANG_HOST_IP to the other nodes: each node's own address, not the head's.
    EXPECT_EQ(worker.environment, (Env{{"SGLANG_HOST_IP", "192.168.200.2"}}));
    // A whole line as the user typed it keeps its python; their --dist-init-addr stays theirs.
    const NodeCommand typed = sglang_node_command(
        "python3", {"/opt/venv/bin/python3.12", "-m", "sglang.launch_server", "--dist-init-addr", "10.0.0.9:5000"}, kHead);
    EXPECT_EQ(typed.argv[0], "/opt/venv/bin/python3.12");
    EXPECT_EQ(count(typed.argv, "sglang.launch_server"), 1);
    EXPECT_EQ(count(typed.argv, "--dist-init-addr"), 1);
    EXPECT_EQ(count(typed.argv, "10.0.0.9:5000"), 1);
    EXPECT_EQ(typed.environment, (Env{{"SGLANG_HOST_IP", "192.168.200.1"}}));
}

TEST(RayCommands, HeadStartsWaitsRunsAndStops) {
    const RayNodeCommands head = ray_node_commands("ray", "/usr/bin/python3", {"--num-gpus=1"}, {"python3", "job.py"}, kHead, 120);
    EXPECT_EQ(head.start, (Argv{"ray", "start", "--head", "--node-ip-address=192.168.200.1", "--port=20042", "--num-gpus=1"}));
    ASSERT_EQ(head.wait_nodes.size(), 5u);
    EXPECT_EQ(head.wait_nodes[0], "/usr/bin/python3");
    EXPECT_NE(head.wait_nodes[1].find("ray_wait_nodes.py"), std::string::npos);
    EXPECT_EQ(access(head.wait_nodes[1].c_str(), R_OK), 0);
    EXPECT_EQ((Argv{head.wait_nodes[2], head.wait_nodes[3], head.wait_nodes[4]}), (Argv{"192.168.200.1:20042", "2", "120"}));
    EXPECT_EQ(head.program, (Argv{"python3", "job.py"}));
    EXPECT_EQ(head.stop, (Argv{"ray", "stop"}));
    EXPECT_EQ(head.address, "192.168.200.1:20042");
    EXPECT_EQ(head.environment, (Env{{"VLLM_HOST_IP", "192.168.200.1"}}));
}

TEST(RayCommands, WorkersJoinTheHeadAtTheirOwnAddressAndRunNothingElse) {
    const RayNodeCommands worker = ray_node_commands("/opt/venv/bin/ray", "python3", {}, {"job.py"}, kWorker, 120);
    EXPECT_EQ(worker.start,
              (Argv{"/opt/venv/bin/ray", "start", "--address=192.168.200.1:20042", "--node-ip-address=192.168.200.2"}));
    EXPECT_TRUE(worker.wait_nodes.empty());
    EXPECT_TRUE(worker.program.empty());
    EXPECT_EQ(worker.stop, (Argv{"/opt/venv/bin/ray", "stop"}));
    EXPECT_EQ(worker.environment, (Env{{"VLLM_HOST_IP", "192.168.200.2"}}));
}

TEST(LaunchArgs, ServingLaunchersAndTheirOptions) {
    const auto request = parse_launch_args({"--python", "/opt/venv/bin/python", "--ray", "/opt/venv/bin/ray",
                                            "--ray-start-arg=--num-gpus=1", "--join-timeout", "60", "ray", "--", "job.py"});
    EXPECT_EQ(request.kind, LaunchKind::ray);
    EXPECT_EQ(request.python, "/opt/venv/bin/python");
    EXPECT_EQ(request.ray, "/opt/venv/bin/ray");
    EXPECT_EQ(request.ray_start_args, Argv{"--num-gpus=1"});
    EXPECT_EQ(request.join_timeout, 60);
    EXPECT_EQ(parse_launch_args({"vllm", "--", "serve", "m"}).program, (Argv{"serve", "m"}));
    EXPECT_EQ(parse_launch_args({"sglang", "--", "--model-path", "m"}).kind, LaunchKind::sglang);
    EXPECT_TRUE(is_per_node_launcher(LaunchKind::vllm) && is_per_node_launcher(LaunchKind::torchrun) &&
                !is_per_node_launcher(LaunchKind::mpirun));
    EXPECT_THROW(parse_launch_args({"--join-timeout", "0", "ray", "--", "x"}), LaunchError);
    EXPECT_THROW(parse_launch_args({"--join-timeout", "soon", "ray", "--", "x"}), LaunchError);
    EXPECT_THROW(parse_launch_args({"vllm", "--"}), LaunchError);
}

TEST(ProgramPaths, InterpreterFromTheShebang) {
    const std::string dir = ::testing::TempDir();
    const std::string direct = dir + "/sf_direct_script";
    const std::string via_env = dir + "/sf_env_script";
    const std::string binary = dir + "/sf_not_a_script";
    FILE* file = std::fopen(direct.c_str(), "w");
    std::fputs("#!/opt/venv/bin/python3 -u\nimport ray\n", file);
    std::fclose(file);
    file = std::fopen(via_env.c_str(), "w");
    std::fputs("#!/usr/bin/env sh\n", file);
    std::fclose(file);
    file = std::fopen(binary.c_str(), "w");
    std::fputs("\x7f" "ELF", file);
    std::fclose(file);
    EXPECT_EQ(script_interpreter(direct), "/opt/venv/bin/python3");
    EXPECT_EQ(script_interpreter(via_env), on_path("sh"));
    EXPECT_EQ(script_interpreter(binary), "");
    EXPECT_EQ(script_interpreter(dir + "/sf_missing"), "");
    EXPECT_EQ(on_path("sf-no-such-program"), "");
}

TEST(TcpConnect, ConnectedRefusedAndUnresolved) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(listener, 4), 0);
    socklen_t length = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    const int port = ntohs(address.sin_port);
    EXPECT_EQ(tcp_connect("", "127.0.0.1", port, 1000).error, 0);
    EXPECT_EQ(tcp_connect("127.0.0.1", "127.0.0.1", port, 1000).error, 0);
    close(listener);
    EXPECT_EQ(tcp_connect("", "127.0.0.1", port, 1000).error, ECONNREFUSED);
    EXPECT_NE(tcp_connect("", "no-such-host.invalid", port, 1000).problem, "");
    EXPECT_NE(tcp_connect("192.0.2.77", "127.0.0.1", port, 1000).problem, "");  // not an address of ours
}

// A child that runs a StopGuard over `sleep 30`; returns its pid. stdin: the given pipe's
// read end (the child closes its copy of the write end, as ssh's remote side has none).
pid_t guarded_sleep(const int* stdin_pipe, bool watch_stdin) {
    const pid_t pid = fork();
    if (pid == 0) {
        if (stdin_pipe != nullptr) {
            dup2(stdin_pipe[0], STDIN_FILENO);
            close(stdin_pipe[1]);
        }
        StopGuard guard(watch_stdin);
        const int status = guard.run({"sleep", "30"}, 5);
        // Once stopped, later steps do not start, and a pause says so at once.
        _exit(guard.stopped() && guard.run({"true"}, 5) == 128 + guard.stop_signal() && !guard.pause(10000) ? status : 99);
    }
    return pid;
}

// The guarded child's exit status. It must have exited: ended by a signal itself, it would read
// as 128 + that signal, the very status its guard exits with once stopped.
int exit_code_of(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status)) << "the child was killed, not stopped by its guard: " << exit_status(status);
    return exit_status(status);
}

TEST(StopGuard, SignalStopsTheStepAndAllLaterOnes) {
    const pid_t pid = guarded_sleep(nullptr, false);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto started = std::chrono::steady_clock::now();
    kill(pid, SIGTERM);
    EXPECT_EQ(exit_code_of(pid), 128 + SIGTERM);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(StopGuard, StdinEofStopsLikeSigterm) {
    int stdin_pipe[2];
    ASSERT_EQ(pipe(stdin_pipe), 0);
    const pid_t pid = guarded_sleep(stdin_pipe, true);
    close(stdin_pipe[0]);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    close(stdin_pipe[1]);  // spark-launch (and with it ssh) gone
    EXPECT_EQ(exit_code_of(pid), 128 + SIGTERM);
}

TEST(StopGuard, KeepsWhatRayStartLeavesRunningWhenAsked) {
    const std::string marker = ::testing::TempDir() + "/sf_leftover_pid";
    std::remove(marker.c_str());
    StopGuard guard(false);
    // A "ray start" that leaves a daemon in its own process group and returns.
    const Argv starts_daemon{"sh", "-c", "sleep 30 & echo $! > " + marker};
    ASSERT_EQ(guard.run(starts_daemon, 5, StopGuard::Leftovers::keep), 0);
    FILE* file = std::fopen(marker.c_str(), "r");
    ASSERT_NE(file, nullptr);
    int daemon = 0;
    ASSERT_EQ(std::fscanf(file, "%d", &daemon), 1);
    std::fclose(file);
    EXPECT_EQ(kill(daemon, 0), 0) << "the daemon must outlive ray start";
    kill(daemon, SIGKILL);
    waitpid(daemon, nullptr, WNOHANG);
    ASSERT_EQ(guard.run(starts_daemon, 5), 0);  // the default: the group goes with the step
    file = std::fopen(marker.c_str(), "r");
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(std::fscanf(file, "%d", &daemon), 1);
    std::fclose(file);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const bool gone = kill(daemon, 0) != 0 || std::ifstream("/proc/" + std::to_string(daemon) + "/stat").good() == false ||
                      [&] {
                          std::ifstream stat("/proc/" + std::to_string(daemon) + "/stat");
                          std::string pid_field, name, state;
                          stat >> pid_field >> name >> state;
                          return state == "Z";
                      }();
    EXPECT_TRUE(gone);
}

}  // namespace
}  // namespace sparkfabric::launch
