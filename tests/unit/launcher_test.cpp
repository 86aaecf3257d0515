// spark-launch: argument parsing, node lists (libslurm), hostfiles, the command builders and the
// head's plan as it travels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "fabric/common/validate.hpp"
#include "fabric/plan/plan_json.hpp"
#include "fabric/plan/plan_report.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/local_step.hpp"
#include "launcher/driver/node_launch.hpp"
#include "launcher/kinds/kind.hpp"
#include "launcher/kinds/mpirun.hpp"
#include "launcher/kinds/srun.hpp"
#include "launcher/kinds/torchrun.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"
#include "launcher/run/remote.hpp"
#include "test_support.hpp"

namespace sparkfabric::launch {
namespace {

std::string error_of(const std::vector<std::string>& args) {
    try {
        parse_launch_args(args);
    } catch (const LaunchError& error) {
        return error.what();
    }
    return "no error";
}

// Sets (or, with nullopt, unsets) variables for one test, and puts back what was there.
class ScopedEnv {
public:
    using Values = std::vector<std::pair<std::string, std::optional<std::string>>>;
    explicit ScopedEnv(const Values& values) {
        for (const auto& [name, value] : values) {
            const char* before = std::getenv(name.c_str());
            saved_.emplace_back(name, before ? std::optional<std::string>(before) : std::nullopt);
            set(name, value);
        }
    }
    ~ScopedEnv() {
        for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) set(it->first, it->second);
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    static void set(const std::string& name, const std::optional<std::string>& value) {
        if (value) {
            setenv(name.c_str(), value->c_str(), 1);
        } else {
            unsetenv(name.c_str());
        }
    }
    Values saved_;
};

TEST(LaunchArgs, ParsesLauncherOptionsAndProgram) {
    const auto request = parse_launch_args({"--print", "--port", "29501", "--nproc-per-node=2", "--torchrun-arg",
                                            "--redirects=1", "torchrun", "--", "train.py", "--lr", "0.1"});
    EXPECT_TRUE(request.print);
    EXPECT_EQ(request.port, 29501);
    EXPECT_EQ(request.nproc_per_node, 2);
    EXPECT_EQ(request.kind, LaunchKind::torchrun);
    EXPECT_EQ(request.torchrun_args, std::vector<std::string>{"--redirects=1"});
    EXPECT_EQ(request.program, (std::vector<std::string>{"train.py", "--lr", "0.1"}));
}

TEST(LaunchArgs, ClearErrors) {
    EXPECT_EQ(error_of({"torchrun"}), "no program given: spark-launch torchrun -- PROGRAM [ARGS]");
    EXPECT_EQ(error_of({"torchrun", "--"}), "no program given: spark-launch torchrun -- PROGRAM [ARGS]");
    EXPECT_EQ(error_of({"deepspeed", "--", "x"}), "unknown launcher 'deepspeed': use torchrun, mpirun, srun, vllm, sglang or ray");
    EXPECT_EQ(error_of({"--", "x"}), "no launcher given: use torchrun, mpirun, srun, vllm, sglang or ray");
    EXPECT_EQ(error_of({"--port", "70000", "torchrun", "--", "x"}), "--port: '70000' is not a port from 1 to 65535");
    EXPECT_EQ(error_of({"--port", "0", "mpirun", "--", "x"}), "--port: '0' is not a port from 1 to 65535");
    EXPECT_EQ(error_of({"--nproc-per-node", "0", "mpirun", "--", "x"}),
              "--nproc-per-node: '0' is not a whole number from 1 to 1024");
    EXPECT_EQ(error_of({"--frobnicate", "mpirun", "--", "x"}), "unknown option '--frobnicate' (see spark-launch --help)");
    EXPECT_NE(error_of({"mpirun", "x"}).find("put the program after --"), std::string::npos);
    EXPECT_EQ(error_of({"--port"}), "--port needs a value");
    EXPECT_EQ(error_of({"--local-addr", "maybe", "torchrun", "--", "x"}), "--local-addr: 'maybe' is not auto, on or off");
    EXPECT_NE(error_of({"--rdzv-id", "a;b", "torchrun", "--", "x"}).find("--rdzv-id"), std::string::npos);
}

TEST(LaunchArgs, EveryUserOptionReachesTheRequest) {
    const auto request = parse_launch_args({"--allow-large", "--no-preflight", "--rdzv-id=run-7.a_b", "--local-addr", "off",
                                            "--join-timeout", "45", "--container-runtime=podman", "--container-image", "img",
                                            "--container-mounts=/data:/data", "--python", "/venv/bin/python3", "--ray", "/venv/bin/ray",
                                            "--ray-start-arg=--num-gpus=1", "--mpirun", "/opt/ompi/bin/mpirun", "--torchrun",
                                            "/venv/bin/torchrun", "--config", "/etc/site.yaml", "--hostfile", "hosts", "ray", "--", "x"});
    EXPECT_TRUE(request.allow_large);
    EXPECT_EQ(request.preflight, Preflight::off);
    EXPECT_EQ(request.rdzv_id, "run-7.a_b");
    EXPECT_EQ(request.local_addr, LocalAddr::off);
    EXPECT_EQ(request.join_timeout, 45);
    EXPECT_EQ(request.container_runtime, "podman");
    EXPECT_EQ(request.container_image, "img");
    EXPECT_EQ(request.container_mounts, "/data:/data");
    EXPECT_EQ(request.python, "/venv/bin/python3");
    EXPECT_EQ(request.ray, "/venv/bin/ray");
    EXPECT_EQ(request.ray_start_args, std::vector<std::string>{"--num-gpus=1"});
    EXPECT_EQ(request.mpirun, "/opt/ompi/bin/mpirun");
    EXPECT_EQ(request.torchrun, "/venv/bin/torchrun");
    EXPECT_EQ(request.config_path, "/etc/site.yaml");
    EXPECT_EQ(request.hostfile, "hosts");
    EXPECT_EQ(parse_launch_args({"--preflight", "torchrun", "--", "x"}).preflight, Preflight::on);
    EXPECT_EQ(parse_launch_args({"--local-addr=on", "torchrun", "--", "x"}).local_addr, LocalAddr::on);
    EXPECT_EQ(parse_launch_args({"--local-addr=auto", "torchrun", "--", "x"}).local_addr, LocalAddr::automatic);
}

TEST(LaunchArgs, EachOptionsValidationError) {
    EXPECT_EQ(error_of({"--join-timeout", "0", "ray", "--", "x"}), "--join-timeout: '0' is not a whole number from 1 to 86400");
    EXPECT_EQ(error_of({"--join-timeout", "soon", "ray", "--", "x"}),
              "--join-timeout: 'soon' is not a whole number from 1 to 86400");
    EXPECT_EQ(error_of({"--container-runtime", "lxc", "torchrun", "--", "x"}), "--container-runtime: 'lxc' is not docker or podman");
    EXPECT_EQ(error_of({"--container-image=", "torchrun", "--", "x"}), "--container-image needs an image");
    EXPECT_EQ(error_of({"--rdzv-id", "a b", "torchrun", "--", "x"}), "--rdzv-id: use letters, digits, '-', '_' and '.'");
    EXPECT_EQ(error_of({"--nproc-per-node", "1025", "torchrun", "--", "x"}),
              "--nproc-per-node: '1025' is not a whole number from 1 to 1024");
    EXPECT_EQ(error_of({"--hostfile"}), "--hostfile needs a value");
    EXPECT_EQ(error_of({"torchrun", "extra", "--", "x"}).substr(0, 16), "unexpected 'extr");
}

TEST(LaunchSize, MoreThanTenNodesOnlyWithAllowLarge) {
    LaunchRequest request;
    EXPECT_NO_THROW(check_size(10, request));
    try {
        check_size(11, request);
        ADD_FAILURE() << "11 nodes passed without --allow-large";
    } catch (const LaunchError& error) {
        EXPECT_EQ(std::string(error.what()), "11 nodes: a DGX Spark stack is 2 to 10 nodes; add --allow-large if you mean it");
    }
    request.allow_large = true;
    EXPECT_NO_THROW(check_size(11, request));
}

// Slurm's GPU counts, in the forms srun and sbatch set them (--gpus-per-node=2 gives
// SLURM_GPUS_PER_NODE=2, --gres=gpu:2 or --gpus-per-node=gpu:h100:2 the typed forms).
TEST(LaunchSize, ProcessesPerNodeFromSlurmsGpuCounts) {
    const ScopedEnv clear_on({{"SLURM_GPUS_ON_NODE", std::nullopt}, {"SLURM_GPUS_PER_NODE", std::nullopt}});
    LaunchRequest request;
    EXPECT_EQ(default_procs_per_node(request), 1);
    for (const auto& [value, expected] : std::vector<std::pair<std::string, int>>{
             {"2", 2}, {"gpu:2", 2}, {"gpu:h100:3", 3}, {"gpu:0", 1}, {"none", 1}, {"", 1}}) {
        const ScopedEnv per_node({{"SLURM_GPUS_PER_NODE", value}});
        EXPECT_EQ(default_procs_per_node(request), expected) << "SLURM_GPUS_PER_NODE=" << value;
    }
    const ScopedEnv both({{"SLURM_GPUS_ON_NODE", "4"}, {"SLURM_GPUS_PER_NODE", "gpu:2"}});
    EXPECT_EQ(default_procs_per_node(request), 4);  // what this node has wins
    request.nproc_per_node = 8;
    EXPECT_EQ(default_procs_per_node(request), 8);  // and the user's --nproc-per-node over both
}

TEST(Nodelist, ExpandsSlurmForms) {
    EXPECT_EQ(expand_nodelist("spark-dgx-[1-3]"), (std::vector<std::string>{"spark-dgx-1", "spark-dgx-2", "spark-dgx-3"}));
    EXPECT_EQ(expand_nodelist("spark-dgx-[01-02],login1"), (std::vector<std::string>{"spark-dgx-01", "spark-dgx-02", "login1"}));
    EXPECT_EQ(expand_nodelist("spark-dgx-[1-10]").size(), 10u);
    EXPECT_EQ(expand_nodelist("spark-dgx-[1-2,7]")[2], "spark-dgx-7");
    EXPECT_EQ(expand_nodelist("spark-a,spark-dgx-[9-10]"), (std::vector<std::string>{"spark-a", "spark-dgx-9", "spark-dgx-10"}));
    EXPECT_THROW(expand_nodelist(""), LaunchError);
    EXPECT_THROW(expand_nodelist("bad[1-"), LaunchError);
}

TEST(Hostfile, HostsSlotsCommentsAndBlankLines) {
    const auto hosts = parse_hostfile("# two Sparks on a desk\n192.168.200.1 slots=1\n\n  192.168.200.2   # peer\n", "hf");
    ASSERT_EQ(hosts.size(), 2u);
    EXPECT_EQ(hosts[0], (HostEntry{"192.168.200.1", 1}));
    EXPECT_EQ(hosts[1], (HostEntry{"192.168.200.2", 0}));
}

TEST(Hostfile, ErrorsNameTheLine) {
    auto error_of_file = [](const std::string& text) {
        try {
            parse_hostfile(text, "hosts.txt");
        } catch (const LaunchError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of_file("a\nb;rm -rf /\n"), "hosts.txt:2: 'b;rm' is not a host name or address");
    EXPECT_EQ(error_of_file("a slots=x\n"), "hosts.txt:1: 'slots=x' is not understood; a line is: HOST [slots=N]");
    EXPECT_EQ(error_of_file("a cpus=2\n"), "hosts.txt:1: 'cpus=2' is not understood; a line is: HOST [slots=N]");
    EXPECT_EQ(error_of_file("a\na\n"), "hosts.txt:2: host 'a' is listed twice");
    EXPECT_EQ(error_of_file("# nothing\n\n"), "hosts.txt: no hosts (one host per line, optional slots=N)");
    EXPECT_THROW(load_hostfile("/nonexistent/hosts"), LaunchError);
}

TEST(Commands, TorchrunHeadAndWorker) {
    TorchrunNode node;
    node.nnodes = 2;
    node.nproc_per_node = 1;
    node.endpoint_address = "192.168.200.1";
    node.port = "20042";
    node.rdzv_id = "slurm-42";
    node.is_host = true;
    node.local_address = "192.168.200.1";
    node.program = {"train.py", "--epochs", "1"};
    EXPECT_EQ(torchrun_command(node),
              (Argv{"torchrun", "--nnodes=2", "--nproc_per_node=1", "--rdzv_backend=c10d",
                    "--rdzv_endpoint=192.168.200.1:20042", "--rdzv_id=slurm-42", "--rdzv_conf=is_host=true",
                    "--local_addr=192.168.200.1", "train.py", "--epochs", "1"}));
    node.is_host = false;
    node.local_address.clear();
    const Argv worker = torchrun_command(node);
    EXPECT_EQ(std::find(worker.begin(), worker.end(), "--rdzv_conf=is_host=true"), worker.end());
    EXPECT_EQ(worker.size(), 9u);
}

TEST(Commands, MpirunInsideSlurmAndOnHosts) {
    MpirunJob job;
    job.nnodes = 3;
    job.procs_per_node = 2;
    job.program = {"./nccl_check"};
    // No -x and no --mca with one node's values: every rank keeps its own node's.
    EXPECT_EQ(mpirun_command(job), (Argv{"mpirun", "-np", "6", "--map-by", "ppr:2:node", "./nccl_check"}));
    job.hosts = {{"a", 1}, {"b", 0}};
    job.as_root = true;
    const Argv on_hosts = mpirun_command(job);
    EXPECT_EQ(on_hosts[1], "--allow-run-as-root");
    EXPECT_EQ(on_hosts[3], "3");  // a:1 + b:2 (procs per node for b)
    EXPECT_EQ(on_hosts[5], "a:1,b:2");
}

TEST(Commands, SrunAndSshAndPorts) {
    EXPECT_EQ(srun_mpi_command(2, 1, {"./a.out"}),
              (Argv{"srun", "--mpi=pmix", "--nodes=2", "--ntasks=2", "--ntasks-per-node=1", "--kill-on-bad-exit=1",
                    "./a.out"}));
    EXPECT_EQ(ssh_command("spark-b", {"torchrun", "a b.py"}),
              (Argv{"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "spark-b", "--", "torchrun 'a b.py'"}));
    // The remote command is one string that the host's login shell parses, zsh included.
    EXPECT_EQ(ssh_command("spark-b", {"spark-launch", "=enp1s0f1np1", "~x", "a:~b"}).back(),
              "spark-launch '=enp1s0f1np1' '~x' 'a:~b'");
    const Argv stage = srun_node_stage_command("/usr/bin/spark-launch", 10, {"--stage", "node"});
    EXPECT_EQ(stage[1], "--nodes=10");
    EXPECT_EQ(stage[3], "--ntasks-per-node=1");
}

// The head's plan travels as `spark-launch --stage plan` prints it: the one JSON form of a plan
// (what `spark-fabric env --format json` prints), the free port among its variables.
TEST(HeadPlan, TheAnswerCarriesThePlanAndThePort) {
    Plan plan;
    plan.variables = {{"NCCL_IB_HCA", "=a:1,b:1", "", false},
                      {"SPARKFABRIC_FABRIC_ADDR", "192.168.200.1", "", false},
                      {"SPARKFABRIC_REASON", "two\nlines", "", false}};
    const auto values = plan_values(plan_from_head(plan_to_json(with_launch_port(plan, 20123), "spark-1"), "spark-1"));
    // SPARKFABRIC_REASON is left out: only what an environment can hold.
    const std::map<std::string, std::string> expected{{"NCCL_IB_HCA", "=a:1,b:1"},
                                                      {"SPARKFABRIC_FABRIC_ADDR", "192.168.200.1"},
                                                      {"SPARKFABRIC_LAUNCH_PORT", "20123"}};
    EXPECT_EQ(values, expected);
    EXPECT_EQ(plan_values(with_launch_port(plan, 0)).count("SPARKFABRIC_LAUNCH_PORT"), 0u);
}

TEST(HeadPlan, AMalformedAnswerIsALaunchErrorNamingTheHead) {
    nlohmann::json unknown_mode = Plan{};
    unknown_mode["mode"] = "fast";
    for (const std::string& answer : {std::string("garbage line\n"), std::string("NCCL_IB_HCA==a:1,b:1\n"), std::string(),
                                     std::string("[1]"), std::string(R"({"fabric_found": "yes"})"), unknown_mode.dump(),
                                     std::string("{\"a\": \"\x1b[2J\x7f")}) {
        try {
            plan_from_head(answer, "spark-7");
            ADD_FAILURE() << "read: " << answer;
        } catch (const LaunchError& error) {
            const std::string message = error.what();
            EXPECT_NE(message.find("spark-7"), std::string::npos) << message;
            EXPECT_NE(message.find("--stage plan"), std::string::npos) << message;
            EXPECT_EQ(message.find("json.exception"), std::string::npos) << message;
            EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }))
                << "no control bytes: " << printable(message);
        }
    }
}

#ifdef SPARK_LAUNCH_BIN
TEST(HeadPlan, StagePlanPrintsWhatTheLauncherReads) {
    const auto result = testing::run_program({SPARK_LAUNCH_BIN, "--stage", "plan", "--nnodes", "2", "--port-from", "20000"});
    ASSERT_EQ(result.status, 0) << result.err;
    const auto values = plan_values(plan_from_head(result.out, "this node"));
    int port = 0;
    ASSERT_TRUE(values.count("SPARKFABRIC_LAUNCH_PORT")) << result.out;
    EXPECT_TRUE(parse_port(values.at("SPARKFABRIC_LAUNCH_PORT"), port));
    EXPECT_GE(port, 20000);
    const auto without_port = testing::run_program({SPARK_LAUNCH_BIN, "--stage", "plan", "--nnodes", "2"});
    ASSERT_EQ(without_port.status, 0) << without_port.err;
    EXPECT_EQ(plan_values(plan_from_head(without_port.out, "this node")).count("SPARKFABRIC_LAUNCH_PORT"), 0u);
}

// A --hostfile host's node stage probes the image's torch with docker or podman first; a runtime
// that cannot run the image says why by its exit status (a podman here that only exits so).
TEST(RuntimeProbe, TheRuntimesExitStatusSaysWhatIsWrong) {
    const testing::ScratchDir dir("sf-runtime-probe");
    const std::string podman = dir.path + "/podman";
    const auto node_stage = [&](int status, const std::vector<std::string>& more) {
        testing::write_executable(podman, "#!/bin/sh\nexit " + std::to_string(status) + "\n");
        std::vector<std::string> argv{SPARK_LAUNCH_BIN, "--stage", "node", "--nnodes", "1", "--nproc-per-node", "1",
                                      "--port", "29500", "--head-address", "127.0.0.1", "--node-rank", "0",
                                      "--container-runtime", "podman", "--container-image", "img"};
        argv.insert(argv.end(), more.begin(), more.end());
        argv.insert(argv.end(), {"torchrun", "--", "train.py"});
        return testing::run_program(argv, {{"PATH", dir.path + ":/usr/bin:/bin"}});
    };
    const auto missing = node_stage(125, {});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("podman could not run the image img on "), std::string::npos) << missing.err;
    EXPECT_NE(missing.err.find("`podman pull img` on every host"), std::string::npos) << missing.err;
    const auto no_python = node_stage(127, {"--python", "/opt/venv/bin/python3"});
    EXPECT_EQ(no_python.status, 2);
    EXPECT_NE(no_python.err.find("the image img has no /opt/venv/bin/python3 that podman can start on "), std::string::npos)
        << no_python.err;
    const auto default_python = node_stage(126, {});
    EXPECT_NE(default_python.err.find("the image img has no python3 that podman can start on "), std::string::npos)
        << default_python.err;
}
#endif

}  // namespace
}  // namespace sparkfabric::launch
