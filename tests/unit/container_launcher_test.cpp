// spark-launch --container-image: the one container step's command, and the constant script
// that picks each node's command inside the image (run here with this machine's sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include <unistd.h>

#include "launcher/container_launch.hpp"
#include "test_support.hpp"

namespace sparkfabric::launch {
namespace {

LaunchRequest image_request(const std::string& launcher) {
    LaunchRequest request;
    request.launcher = launcher;
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
    request.launcher = "torchrun";
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

TEST(ContainerLaunch, LaunchersThatCannotRunInAnImageAreRefused) {
    for (const std::string launcher : {"mpirun", "ray"}) {
        LaunchRequest request = image_request(launcher);
        try {
            resolve_container(request);
            ADD_FAILURE() << launcher << " accepted";
        } catch (const LaunchError& error) {
            EXPECT_NE(std::string(error.what()).find("not supported yet"), std::string::npos) << error.what();
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
    mounts_only.launcher = "torchrun";
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

}  // namespace
}  // namespace sparkfabric::launch
