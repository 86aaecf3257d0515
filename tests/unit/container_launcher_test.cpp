// spark-launch --container-image: the one container step's command, and the constant script
// that picks each node's command inside the image (run here with this machine's sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/container/container_launch.hpp"
#include "launcher/kinds/ray_image.hpp"
#include "test_support.hpp"

namespace sparkfabric::launch {
namespace {

LaunchRequest image_request(const std::string& launcher) {
    LaunchRequest request;
    request.kind = *parse_launch_kind(launcher);
    request.container_image = "/images/torch.sqsh";
    return request;
}

// The part of the step that runs inside the image: sh -c SCRIPT NAME TOKEN GROUPS... (the
// image's sh from its PATH; this machine's /bin/sh here).
std::vector<std::string> inside(const Argv& step) {
    std::vector<std::string> argv(std::find(step.begin(), step.end(), "sh"), step.end());
    argv[0] = "/bin/sh";
    return argv;
}

const std::vector<Argv> kThreeNodes{
    {"printf", "%s|", "node0"},
    {"printf", "%s|", "a b", "", "$(touch /tmp/sf-never)", "*", "'\"", "VLLM_HOST_IP=@SPARKFABRIC_OWN_ADDRESS@",
     "@SPARKFABRIC_OWN_ADDRESS@", "--x"},
    {"printf", "%s|", "node2"},
};

TEST(ContainerLaunch, TheStepRunsOneTaskPerNodeInTheImage) {
    LaunchRequest request = image_request("vllm");
    request.container_mounts = "/data:/data:ro";
    const Argv step = container_step_command(request, kThreeNodes);
    const Argv head(step.begin(), std::find(step.begin(), step.end(), "sh"));
    EXPECT_EQ(head, (Argv{"srun", "--nodes=3", "--ntasks=3", "--ntasks-per-node=1", "--kill-on-bad-exit=1", "--overlap",
                          "--container-image=/images/torch.sqsh", "--container-mounts=/data:/data:ro"}));
}

TEST(ContainerLaunch, EachNodeRunsItsOwnCommandWithItsOwnAddress) {
    const Argv step = inside(container_step_command(image_request("vllm"), kThreeNodes));
    auto on_node = [&](const std::string& id) {
        return testing::run_program(step, {{"SLURM_NODEID", id}, {"SPARKFABRIC_BOOTSTRAP_ADDR", "192.168.200.2"}});
    };
    EXPECT_EQ(on_node("0").out, "node0|");
    EXPECT_EQ(on_node("2").out, "node2|");
    const auto middle = on_node("1");
    EXPECT_EQ(middle.status, 0) << middle.err;
    // Every argument arrives as given: nothing is expanded by a shell, the token is replaced.
    EXPECT_EQ(middle.out, "a b||$(touch /tmp/sf-never)|*|'\"|VLLM_HOST_IP=192.168.200.2|192.168.200.2|--x|");
}

TEST(ContainerLaunch, AMissingAddressStopsTheNodeWithTheReason) {
    const Argv step = inside(container_step_command(image_request("vllm"), kThreeNodes));
    const auto result = testing::run_program(step, {{"SLURM_NODEID", "1"}});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("SPARKFABRIC_BOOTSTRAP_ADDR is not set in the container"), std::string::npos) << result.err;
    // A node whose command needs no address runs without it.
    EXPECT_EQ(testing::run_program(step, {{"SLURM_NODEID", "0"}}).out, "node0|");
}

TEST(ContainerLaunch, PyxisVariablesBecomeTheRequestAndLeaveOwnSteps) {
    setenv("PYXIS_CONTAINER_IMAGE", "/images/env.sqsh", 1);
    setenv("PYXIS_CONTAINER_MOUNTS", "/a:/b", 1);
    setenv("PYXIS_CONTAINER_WORKDIR", "/w", 1);
    LaunchRequest request;
    request.kind = LaunchKind::torchrun;
    resolve_container(request);
    EXPECT_EQ(request.container_image, "/images/env.sqsh");
    EXPECT_EQ(request.container_mounts, "/a:/b");
    EXPECT_EQ(std::getenv("PYXIS_CONTAINER_IMAGE"), nullptr);
    EXPECT_EQ(std::getenv("PYXIS_CONTAINER_WORKDIR"), nullptr);
    // The option wins over the variable.
    setenv("PYXIS_CONTAINER_IMAGE", "/images/env.sqsh", 1);
    LaunchRequest given = image_request("sglang");
    resolve_container(given);
    EXPECT_EQ(given.container_image, "/images/torch.sqsh");
    EXPECT_EQ(std::getenv("PYXIS_CONTAINER_IMAGE"), nullptr);
}

TEST(ContainerLaunch, WhatRunsInWhichImage) {
    for (const std::string launcher : {"torchrun", "vllm", "sglang", "srun", "mpirun", "ray"}) {
        LaunchRequest under_pyxis = image_request(launcher);
        EXPECT_NO_THROW(resolve_container(under_pyxis)) << launcher;
    }
    // On --hostfile hosts mpirun and ray would run on the hosts, not in the docker/podman image.
    for (const std::string launcher : {"mpirun", "ray"}) {
        LaunchRequest request = image_request(launcher);
        request.hostfile = "hosts";
        request.container_runtime = "podman";
        try {
            resolve_container(request);
            ADD_FAILURE() << launcher << " accepted in a podman image";
        } catch (const LaunchError& error) {
            EXPECT_NE(std::string(error.what()).find(launcher + " in a podman image on --hostfile hosts is not supported"),
                      std::string::npos)
                << error.what();
        }
    }
    LaunchRequest hosts = image_request("torchrun");
    hosts.hostfile = "hosts";
    EXPECT_THROW(resolve_container(hosts), LaunchError);  // plain hosts have no pyxis: a runtime is needed
    hosts.container_runtime = "podman";
    EXPECT_NO_THROW(resolve_container(hosts));
    LaunchRequest slurm_runtime = image_request("torchrun");
    slurm_runtime.container_runtime = "docker";
    EXPECT_THROW(resolve_container(slurm_runtime), LaunchError);  // inside Slurm: pyxis
    LaunchRequest mounts_only;
    mounts_only.kind = LaunchKind::torchrun;
    mounts_only.container_mounts = "/a:/a";
    EXPECT_THROW(resolve_container(mounts_only), LaunchError);
}

TEST(ContainerLaunch, HostfileRuntimeRunsTheImageWithThePlaybooksFlagsAndThePlan) {
    LaunchRequest request = image_request("torchrun");
    request.hostfile = "hosts";
    request.container_runtime = "docker";
    request.container_mounts = "/data:/data:ro,/models:/models";
    const Argv argv = runtime_run_command(request, "sparkfabric-42", {{"NCCL_SOCKET_IFNAME", "=enp1s0f1np1"}, {"VLLM_HOST_IP", "10.0.0.2"}},
                                          {"torchrun", "train.py"});
    const Argv head{"docker", "run", "--rm", "--name", "sparkfabric-42", "--network", "host", "--ipc", "host", "--ulimit", "memlock=-1"};
    ASSERT_GE(argv.size(), head.size());
    EXPECT_EQ(Argv(argv.begin(), argv.begin() + static_cast<long>(head.size())), head);
    const Argv tail{"-v", "/data:/data:ro", "-v", "/models:/models", "-e", "NCCL_SOCKET_IFNAME==enp1s0f1np1", "-e",
                    "VLLM_HOST_IP=10.0.0.2", "/images/torch.sqsh", "torchrun", "train.py"};
    EXPECT_EQ(Argv(argv.end() - static_cast<long>(tail.size()), argv.end()), tail);
    // RDMA devices and GPUs only where this host has them: a missing device stops the runtime.
    const bool rdma = std::find(argv.begin(), argv.end(), "/dev/infiniband") != argv.end();
    EXPECT_EQ(rdma, access("/dev/infiniband", F_OK) == 0);
}

// Ray in an image: the node's script, run here with this machine's sh and python3, and
// commands that log what ran instead of Ray.
struct RayScriptRun {
    int status = -1;
    std::string log;  // one line per command that ran
    std::string err;
};

RayScriptRun run_ray_script(const RayNodeCommands& commands, const NodeRole& role, const std::string& log) {
    std::remove(log.c_str());
    Argv argv = ray_image_command(commands, role, 1, "python3");
    argv[0] = "/bin/sh";
    const auto result = testing::run_program(argv, {{"SLURMD_NODENAME", "node-under-test"}});
    std::ifstream file(log);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    return {result.status, text, result.err};
}

Argv logs(const std::string& log, const std::string& what) { return {"sh", "-c", "echo \"$0\" >> " + log, what}; }

TEST(RayInImage, TheCommandsAreTheScriptsArgumentsInGroups) {
    const RayNodeCommands head{{"ray", "start", "--head"}, {}, {"python3", "job.py"}, {"ray", "stop"}, "10.0.0.1:6379", {}};
    const Argv argv = ray_image_command(head, {2, 0, "10.0.0.1", "6379", "@own@"}, 30, "/venv/bin/python3");
    ASSERT_GE(argv.size(), 8u);
    EXPECT_EQ((Argv{argv[0], argv[1], argv[3], argv[4], argv[5], argv[6], argv[7]}),
              (Argv{"sh", "-c", "sparkfabric-ray", "head", "10.0.0.1:6379", "30", "/venv/bin/python3"}));
    // start, stop, the wait (the helper's text through the image's python), the command
    const auto helper = std::find_if(argv.begin() + 8, argv.end(), [](const std::string& arg) { return arg.find("ray.init") != std::string::npos; });
    ASSERT_NE(helper, argv.end()) << "the head waits for the nodes with ray_wait_nodes.py's text";
    EXPECT_EQ(*(helper - 2), "/venv/bin/python3");
    EXPECT_EQ((Argv{*(helper + 1), *(helper + 2), *(helper + 3)}), (Argv{"10.0.0.1:6379", "2", "30"}));
    EXPECT_EQ((Argv{argv.end() - 3, argv.end()}), (Argv{"2", "python3", "job.py"}));
    const RayNodeCommands worker{{"ray", "start", "--address=10.0.0.1:6379"}, {}, {}, {"ray", "stop"}, "10.0.0.1:6379", {}};
    const Argv worker_argv = ray_image_command(worker, {2, 1, "10.0.0.1", "6379", "@own@"}, 30, "python3");
    EXPECT_EQ((Argv{worker_argv.begin() + 8, worker_argv.end()}),
              (Argv{"3", "ray", "start", "--address=10.0.0.1:6379", "2", "ray", "stop"}));
}

TEST(RayInImage, AWorkerWhoseHeadNeverAnswersStartsNothing) {
    const std::string log = ::testing::TempDir() + "sf-ray-worker-" + std::to_string(getpid());
    const RayNodeCommands worker{logs(log, "start"), {}, {}, logs(log, "stop"), "127.0.0.1:1", {}};
    const RayScriptRun run = run_ray_script(worker, {2, 1, "127.0.0.1", "1", "127.0.0.2"}, log);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.log, "");
    EXPECT_NE(run.err.find("spark-launch: node-under-test: Ray's head at 127.0.0.1:1 did not answer within 1 s"),
              std::string::npos)
        << run.err;
}

TEST(RayInImage, AHeadThatCannotStartStillStopsAndSaysWhy) {
    const std::string log = ::testing::TempDir() + "sf-ray-head-" + std::to_string(getpid());
    RayNodeCommands head{{"sh", "-c", "echo start >> " + log + "; exit 5"}, {}, logs(log, "program"), logs(log, "stop"),
                         "127.0.0.1:1", {}};
    const RayScriptRun run = run_ray_script(head, {2, 0, "127.0.0.1", "1", "127.0.0.1"}, log);
    EXPECT_EQ(run.status, 5);
    EXPECT_EQ(run.log, "start\nstop\n");  // no program after a failed start; ray stop all the same
}

TEST(RayInImage, ScancelStopsTheCommandAndRayStillStops) {
    const std::string dir = ::testing::TempDir() + "sf-ray-term-" + std::to_string(getpid());
    const std::string log = dir + "/log";
    std::filesystem::create_directories(dir + "/ray");
    // A Ray with every node alive, for ray_wait_nodes.py's text.
    std::ofstream(dir + "/ray/__init__.py") << "def init(**kwargs): pass\n"
                                               "def nodes(): return [{'Alive': True}, {'Alive': True}]\n"
                                               "def shutdown(): pass\n";
    const RayNodeCommands head{logs(log, "start"), {}, {"sh", "-c", "echo program >> " + log + "; exec sleep 30"},
                               logs(log, "stop"), "127.0.0.1:1", {}};
    Argv argv = ray_image_command(head, {2, 0, "127.0.0.1", "1", "127.0.0.1"}, 30, "python3");
    argv[0] = "/bin/sh";
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("PYTHONPATH", dir.c_str(), 1);
        std::vector<char*> pointers;
        for (auto& word : argv) pointers.push_back(word.data());
        pointers.push_back(nullptr);
        execv(pointers[0], pointers.data());
        _exit(127);
    }
    std::string text;
    for (int i = 0; i < 200 && text.find("program") == std::string::npos; ++i) {  // bounded: 10 s
        usleep(50000);
        std::ifstream file(log);
        text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    ASSERT_NE(text.find("program"), std::string::npos) << "the command never started: " << text;
    kill(pid, SIGTERM);  // what scancel sends every process of the step
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 143);  // the command's: ended by SIGTERM
    std::ifstream file(log);
    text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "start\nprogram\nstop\n");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sparkfabric::launch
