// Inputs the fuzz targets (fuzz/, scripts/fuzz) found crashing or breaking an invariant, kept
// so the fixes stay fixed. The launcher's are in fuzz_regressions_launcher_test.cpp, which is
// built only with spark-launch (tests/unit/CMakeLists.txt).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "fabric/checks/checks.hpp"
#include "fabric/common/config.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/discovery/gpu_cache.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {
namespace {

bool has_control_bytes(const std::string& text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) return true;
    }
    return false;
}

template <typename Error, typename Call>
std::string error_of(Call call) {
    try {
        call();
    } catch (const Error& error) {
        return error.what();
    }
    return "no error";
}

std::string config_error(const std::string& yaml) {
    return error_of<ConfigError>([&] { parse_site_config(yaml, "site.yaml", "spark-dgx-1"); });
}

// A number too large for its int field was converted from a float: undefined behaviour
// (UBSan: "outside the range of representable values of type 'int'").
TEST(FuzzRegressions, GpuCacheRefusesNumbersThatAreNotWholeOrTooLarge) {
    const std::string too_long = "{\n \"cuda_driver_version\": 111111111111111111111111110111111111111}\n";
    EXPECT_NE(error_of<std::runtime_error>([&] { gpu_cache_from_json(too_long, "gpu.json"); })
                  .find("gpu.json: not a GPU cache (rerun spark-fabric probe-gpu): \"cuda_driver_version\": number "),
              std::string::npos);
    EXPECT_NE(error_of<std::runtime_error>([] { gpu_cache_from_json(R"({"gpus": [{"index": 1e300}]})", "gpu.json"); })
                  .find("is not a whole number in range"),
              std::string::npos);
    EXPECT_EQ(gpu_cache_from_json(R"({"cuda_driver_version": 13000})", "gpu.json").cuda_driver_version, 13000);
}

TEST(FuzzRegressions, FactsRefuseNumbersThatAreNotWholeOrTooLarge) {
    for (const char* text : {R"({"format": 1e300})", R"({"format": 1, "netdevs": [{"name": "enp1s0f1np1", "mtu": 9e99}]})",
                             R"({"format": 1, "memlock_limit_kib": 1.5})",
                             R"({"format": 1, "netdevs": [{"name": "x", "ipv4": [{"prefix_length": 24e80}]}]})",
                             R"({"format": 1, "gpu_cache": {"cuda_driver_version": -4e20}})"}) {
        const std::string error = error_of<std::runtime_error>([&] { facts_from_json(text, "facts.json"); });
        EXPECT_EQ(error.rfind("facts.json: ", 0), 0u) << text;
        EXPECT_NE(error.find("is not a whole number in range"), std::string::npos) << error;
    }
    EXPECT_EQ(facts_from_json(R"({"format": 1, "memlock_limit_kib": -1})", "facts.json").memlock_limit_kib, -1);
}

// An integer that nlohmann::json holds as 64 bits but an int field cannot: it used to wrap
// silently (an MTU of 5000000000 became 705032704).
TEST(FuzzRegressions, FactsRefuseIntegersOutsideTheirField) {
    for (const char* text : {R"({"format": 1, "netdevs": [{"name": "enp1s0f1np1", "mtu": 5000000000}]})",
                             R"({"format": 1, "gpus": [{"numa_node": -2147483649}]})",
                             R"({"format": 1, "memlock_limit_kib": 18446744073709551615})"}) {
        const std::string error = error_of<std::runtime_error>([&] { facts_from_json(text, "facts.json"); });
        EXPECT_NE(error.find("is not a whole number in range"), std::string::npos) << text << ": " << error;
    }
    const NodeFacts wide = facts_from_json(R"({"format": 1, "memlock_limit_kib": 8589934592,
        "netdevs": [{"name": "enp1s0f1np1", "mtu": 2147483647}]})", "facts.json");
    EXPECT_EQ(wide.memlock_limit_kib, 8589934592LL);
    EXPECT_EQ(wide.netdevs.at(0).mtu, 2147483647);
}

// Text from a facts file (or a replayed sysfs tree) went raw into findings, SPARKFABRIC_REASON
// and the plugin's messages: operstate, the driver version, the kernel release.
TEST(FuzzRegressions, FactsTextInFindingsIsQuotedPrintably) {
    const NodeFacts facts = facts_from_json(R"({"format": 1, "kernel_release": "6.11\u001b[2J",
        "nvidia": {"present": true, "version": "580\u0007"},
        "netdevs": [{"name": "enp1s0f1np1", "carrier": false, "operstate": "d\u007fwn", "vendor": "0x15b3"}]})",
                                            "facts.json");
    JobShape job;
    job.nodes = 2;
    const Plan plan = make_plan(facts, SiteConfig{}, job);
    const auto findings = run_checks(facts, SiteConfig{}, plan);
    bool operstate_seen = false;
    for (const auto& finding : findings) {
        EXPECT_FALSE(has_control_bytes(format_finding(finding, "spark-a"))) << format_finding(finding);
        operstate_seen |= finding.message.find("operstate d\\x7fwn") != std::string::npos;
    }
    EXPECT_TRUE(operstate_seen);
    for (const auto& variable : plan.variables) EXPECT_FALSE(has_control_bytes(variable.value)) << variable.name;
}

// yaml-cpp's message quotes the offending byte: it reached the job's stderr raw.
TEST(FuzzRegressions, ConfigYamlErrorsAreQuotedPrintably) {
    const std::string error = config_error("fabric: {interfaces: [\"enp1\\\x05\"]}\n");
    EXPECT_EQ(error, "site.yaml:1: not valid YAML: unknown escape character: \\x05");
    EXPECT_FALSE(has_control_bytes(error));
}

TEST(FuzzRegressions, ConfigUnknownKeysAreQuotedPrintably) {
    const std::string error = config_error("fabric\x11\x1b[2J: 1\n");
    EXPECT_FALSE(has_control_bytes(error)) << error;
    EXPECT_EQ(error.rfind("site.yaml:1: key 'fabric\\x11\\x1b[2J': unknown key", 0), 0u) << error;
    EXPECT_FALSE(has_control_bytes(config_error("nccl: {mode: safe, \"en\\x07force\": []}\n")));
}

// A sequence or mapping as a key escaped as yaml-cpp's TypedBadConversion, not as ConfigError
// (the plugin then failed the job with "internal error" and no file or line).
TEST(FuzzRegressions, ConfigKeysThatAreNotNamesAreConfigErrors) {
    EXPECT_EQ(config_error("? [fabric, nccl]\n: 1\n"), "site.yaml:1: key '': a key must be a plain name");
    EXPECT_EQ(config_error("nccl:\n  extra_env: {[NCCL_DEBUG]: WARN}\n"),
              "site.yaml:2: key 'nccl.extra_env': a key must be a plain name");
    EXPECT_EQ(config_error("nodes:\n  {a: b}: {}\n"), "site.yaml:2: key 'nodes': a key must be a plain name");
    EXPECT_EQ(config_error("fabric: {{mtu: 1}: 1}\n"), "site.yaml:1: key 'fabric': a key must be a plain name");
}

// The same through --addresses: yaml-cpp's conversion error named neither file nor line.
TEST(FuzzRegressions, AddressFileKeysThatAreNotNamesNameTheFile) {
    char path[] = "/tmp/sf-fuzz-addresses-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    const auto load_error = [&](const std::string& text) {
        std::ofstream(path) << text;
        return error_of<std::runtime_error>([&] { load_address_file(path); });
    };
    EXPECT_EQ(load_error(" []: \nq]"), std::string(path) + ":1: '' must be an interface name with a list of address/len");
    EXPECT_EQ(load_error("{enp1s0f1np1: [10.0.0.1/24]}: [10.0.0.2/24]\n"),
              std::string(path) + ":1: '' must be an interface name with a list of address/len");
    EXPECT_FALSE(has_control_bytes(load_error("a: [\"\\\x01\"]\n")));
    unlink(path);
}

}  // namespace
}  // namespace sparkfabric
