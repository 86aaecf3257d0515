// Every spark-fabric option's validation error, run as a user would type it: exit status 2 and a
// message on stderr that names the command, the option and what it takes. One row per error.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace sparkfabric {
namespace {

struct BadInput {
    std::vector<std::string> args;  // after the program's name
    std::string message;            // what stderr must contain
};

const std::vector<BadInput> kBadInputs = {
    // global options
    {{"--sysfs-root"}, "--sysfs-root needs a value"},
    {{"--facts", "/nonexistent/facts.json", "env"}, "/nonexistent/facts.json: cannot read the facts file"},
    {{"--config", "/nonexistent/site.yaml", "env"}, "/nonexistent/site.yaml: cannot read the site config"},
    // detect
    {{"detect", "--json=1"}, "detect: --json takes no value"},
    // env
    {{"env", "--format", "yaml"}, "env: --format must be sh or json"},
    {{"env", "--fabric", ""}, "env: --fabric: empty value"},
    {{"env", "--fabric", "a b"}, "env: --fabric: 'a b' is not a network interface name"},
    {{"env", "--nccl-mode", "fast"}, "use auto, safe or dmabuf"},
    {{"env", "--tasks-per-node", "2"}, "env: unknown option '--tasks-per-node'"},  // removed: the plan never used it
    // check
    {{"check", "--format", "yaml"}, "check: --format must be text or json"},
    {{"check", "--peer-port", "0"}, "check: --peer-port must be a port from 1 to 65535"},
    {{"check", "--peer-port", "http"}, "check: --peer-port must be a port from 1 to 65535"},
    {{"check", "--timeout-ms", "0"}, "check: --timeout-ms must be from 1 to 60000"},
    {{"check", "--nodes", "0"}, "check: --nodes must be from 1 to 65535"},
    {{"check", "--peer", "a;b"}, "check: --peer must be a host name or IPv4 address"},
    // probe-gpu
    {{"probe-gpu", "--cache"}, "probe-gpu: --cache needs a value"},
    // survey: refused before any step starts
    {{"survey", "--format", "xml"}, "survey: --format must be text or json"},
    {{"survey", "--color", "blue"}, "survey: --color must be auto, always or never"},
    {{"survey", "--timeout", "0"}, "survey: --timeout must be a whole number from 1 to 600"},
    {{"survey", "--probe-timeout-ms", "0"}, "survey: --probe-timeout-ms must be a whole number from 1 to 60000"},
    {{"survey", "--container-mounts", "/data:/data"}, "survey: --container-mounts needs --container-image"},
    // enroot-hook: only enroot runs it
    {{"enroot-hook", "x"}, "enroot-hook takes no arguments (enroot runs it from hooks.d)"},
    {{"enroot-hook"}, "enroot-hook: ENROOT_ENVIRON is not set: only enroot runs this"},
};

TEST(CliValidation, EachBadValueIsAUsageErrorNamingTheOption) {
    for (const auto& bad : kBadInputs) {
        std::vector<std::string> argv{SPARK_FABRIC_BIN};
        argv.insert(argv.end(), bad.args.begin(), bad.args.end());
        const auto result = testing::run_program(argv);
        std::string typed;
        for (const auto& arg : bad.args) typed += " '" + arg + "'";
        EXPECT_EQ(result.status, 2) << "spark-fabric" << typed << "\n" << result.err;
        EXPECT_NE(result.err.find(bad.message), std::string::npos)
            << "spark-fabric" << typed << ": expected '" << bad.message << "' in:\n" << result.err;
        EXPECT_TRUE(result.out.empty()) << "spark-fabric" << typed << " printed to stdout: " << result.out;
    }
}

}  // namespace
}  // namespace sparkfabric
