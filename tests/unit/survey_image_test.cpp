// survey --container-image without Slurm: the probe's output (as the constant sh script printed it
// in the baked image) rebuilt and judged against a node's plan, and the survey's table and JSON
// with the image's columns, rows and findings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/discovery/image_probe.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

using namespace std::string_literals;

const Finding* with_code(const std::vector<Finding>& findings, const std::string& code, const std::string& subject = "") {
    for (const auto& finding : findings) {
        if (finding.code == code && (subject.empty() || finding.subject == subject)) return &finding;
    }
    return nullptr;
}

TEST(ImageView, TheBakedImageIsJudgedAgainstTheNodesPlan) {
    const Plan plan = testing::fixture_plan("cage1", testing::job_on(2));
    ASSERT_TRUE(plan.fabric_found);
    const ImageView view = image_view_from_probe("/images/baked.sqsh", testing::baked_image_probe_output(), plan);
    ASSERT_EQ(view.runtime.software.nccl.size(), 1u);
    EXPECT_EQ(view.runtime.software.nccl[0].path, "/usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3");
    EXPECT_EQ(view.runtime.software.nccl[0].version, "2.27.3");
    EXPECT_EQ(view.runtime.software.nccl_net_plugins, (std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libnccl-net.so"}));
    ASSERT_EQ(view.runtime.conf.size(), 2u);
    EXPECT_EQ(view.runtime.conf[0].name, "NCCL_IB_USE_INLINE");
    EXPECT_EQ(view.runtime.machine, "x86_64");
    EXPECT_TRUE(view.runtime.missing_interfaces.empty());
    EXPECT_EQ(view.image_environment.at("NCCL_IB_HCA"), "mlx5_9");
    EXPECT_EQ(view.image_environment.count("HOME"), 0u);  // only names NCCL or the plan reads

    const auto findings = judge_image(view, plan);
    const Finding* hang = with_code(findings, "nccl-conf-known-hang");
    ASSERT_NE(hang, nullptr);
    EXPECT_EQ(hang->subject, "/etc/nccl.conf:1");
    EXPECT_NE(hang->fix.find("in the image /images/baked.sqsh"), std::string::npos);
    // Line 2 sets NCCL_SOCKET_IFNAME, which the plan sets in the environment: NCCL ignores it.
    EXPECT_EQ(with_code(findings, "nccl-conf-overrides-plan"), nullptr);
    EXPECT_NE(with_code(findings, "nccl-net-plugin-bundled"), nullptr);
    const Finding* library = with_code(findings, "nccl-library");
    ASSERT_NE(library, nullptr);
    EXPECT_EQ(library->message, "the task loads NCCL 2.27.3 from the image /images/baked.sqsh");
    EXPECT_NE(with_code(findings, "nccl-version-label-stale"), nullptr);
    const Finding* replaced = with_code(findings, "container-env-replaced", "NCCL_SOCKET_IFNAME");
    ASSERT_NE(replaced, nullptr);
    EXPECT_EQ(replaced->severity, Severity::info);
    EXPECT_EQ(replaced->message, "the image sets NCCL_SOCKET_IFNAME=eth0; in a job the sparkfabric plugin replaces it: the "
                                 "task gets '" + testing::planned_value(plan, "NCCL_SOCKET_IFNAME") + "' (sparkfabric's plan)");
    const Finding* unset = with_code(findings, "container-env-replaced", "NCCL_IB_HCA");
    ASSERT_NE(unset, nullptr);
    EXPECT_NE(unset->message.find("NCCL_IB_HCA=mlx5_9; in a job the sparkfabric plugin replaces it: the task gets '" +
                                  testing::planned_value(plan, "NCCL_IB_HCA")),
              std::string::npos)
        << unset->message;
    EXPECT_EQ(with_code(findings, "container-env-replaced", "NCCL_DEBUG"), nullptr);  // not a name sparkfabric owns
    EXPECT_EQ(image_column("nccl-conf-known-hang"), "image-conf");
    EXPECT_EQ(image_column("nccl-net-plugin-bundled"), "image-nccl");
    EXPECT_EQ(image_column("container-env-replaced"), "image");
}

TEST(ImageView, WheelsLoaderPathAndInterfacesComeFromTheProbe) {
    const Plan plan = testing::fixture_plan("cage1", testing::job_on(2));
    // torch's pip wheels (NCCL in nvidia/nccl/lib, its version only in the wheel's metadata), an
    // older NCCL first on LD_LIBRARY_PATH, a conf file from NCCL_CONF_FILE, no fabric interfaces.
    const std::string output =
        "sparkfabric-image-probe 1\n"
        "machine\taarch64\n"
        "link\t/opt/old/libnccl.so.2\t/opt/old/libnccl.so.2.18.1\n"
        "link\t/usr/local/lib/python3.12/dist-packages/nvidia/nccl/lib/libnccl.so.2\t"
        "/usr/local/lib/python3.12/dist-packages/nvidia/nccl/lib/libnccl.so.2\n"
        "meta\t/usr/local/lib/python3.12/dist-packages/nvidia_nccl_cu12-2.28.9.dist-info\t2.28.9\n"
        "meta\t/usr/local/lib/python3.12/dist-packages/torch-2.9.0.dist-info\t2.9.0\n"
        "link\t../escape/libnccl.so.2\t/etc/passwd\n"
        "file\t/opt/job/nccl.conf\n+NCCL_ALGO=Ring\n"
        "net\tlo\nnet\teth0\n"
        "env0\nLD_LIBRARY_PATH=/opt/old\0NCCL_CONF_FILE=/opt/job/nccl.conf\0"s;
    const ImageView view = image_view_from_probe("nvcr.io#nvidia/pytorch:25.09-py3", output, plan);
    const auto& nccl = view.runtime.software.nccl;
    ASSERT_EQ(nccl.size(), 2u);
    EXPECT_EQ(nccl[0].version, "2.18.1");  // LD_LIBRARY_PATH first: the one the loader takes
    EXPECT_EQ(nccl[1].path, "/usr/local/lib/python3.12/dist-packages/nvidia/nccl/lib/libnccl.so.2");
    EXPECT_EQ(nccl[1].version, "2.28.9");
    EXPECT_EQ(view.runtime.software.torch_version, "2.9.0");
    ASSERT_EQ(view.runtime.conf.size(), 1u);
    EXPECT_EQ(view.runtime.conf[0].file, "/opt/job/nccl.conf");
    std::vector<std::string> wanted = plan.interfaces;  // each once, the bootstrap interface among them
    if (std::find(wanted.begin(), wanted.end(), plan.bootstrap_interface) == wanted.end()) {
        wanted.push_back(plan.bootstrap_interface);
    }
    EXPECT_EQ(view.runtime.missing_interfaces, wanted);

    const auto findings = judge_image(view, plan);
    EXPECT_NE(with_code(findings, "nccl-version-hang"), nullptr);  // aarch64, 2.18.1
    EXPECT_NE(with_code(findings, "nccl-conf-overrides-plan"), nullptr);  // NCCL_ALGO: the plan leaves it unset here
    EXPECT_NE(with_code(findings, "container-fabric-not-visible"), nullptr);
}

// The real probe script under this machine's sh, over an image-like tree of the job's own Python
// environments: a libnccl in LD_PRELOAD comes first, then LD_LIBRARY_PATH's (an entry with a space,
// a relative one skipped), then the wheels of the venv (VIRTUAL_ENV), of the first python3 on PATH
// (a uv-style /opt/app) and of ~/.local, in that order.
TEST(ImageView, ThePreloadAndTheJobsPythonEnvironmentsAreFoundInTheImage) {
    namespace fs = std::filesystem;
    const std::string root = ::testing::TempDir() + "/image-envs";
    fs::remove_all(root);
    auto wheel = [&](const std::string& prefix, const std::string& version) {
        const std::string packages = root + prefix + "/lib/python3.12/site-packages";
        fs::create_directories(packages + "/nvidia/nccl/lib");
        fs::create_directories(packages + "/nvidia_nccl_cu12-" + version + ".dist-info");
        std::ofstream(packages + "/nvidia/nccl/lib/libnccl.so.2") << "";
        std::ofstream(packages + "/nvidia_nccl_cu12-" + version + ".dist-info/METADATA") << "Name: nvidia-nccl-cu12\nVersion: " << version << "\n";
    };
    wheel("/venv", "2.27.3");
    wheel("/opt/app", "2.28.3");
    wheel("/home/user/.local", "2.26.2");
    testing::write_executable(root + "/opt/app/bin/python3", "#!/bin/sh\n");
    fs::create_directories(root + "/preload");
    std::ofstream(root + "/preload/libnccl.so.2.29.7") << "";
    fs::create_directories(root + "/ld dir");
    std::ofstream(root + "/ld dir/libnccl.so.2.25.1") << "";
    fs::create_symlink("libnccl.so.2.25.1", root + "/ld dir/libnccl.so.2");
    const auto run = testing::run_program(
        {"/bin/sh", "-c", image_probe_script(), "sparkfabric-image-probe"},
        {{"LD_PRELOAD", "/lib/none.so " + root + "/preload/libnccl.so.2.29.7"},
         {"LD_LIBRARY_PATH", "relative:" + root + "/ld dir"},
         {"VIRTUAL_ENV", root + "/venv"},
         {"PATH", "relative:" + root + "/opt/app/bin:/usr/bin:/bin"},
         {"HOME", root + "/home/user"}});
    ASSERT_EQ(run.status, 0) << run.err;
    const ImageView view = image_view_from_probe("uv-image", run.out, testing::fixture_plan("cage1", testing::job_on(2)));
    std::vector<std::string> found;
    for (const auto& library : view.runtime.software.nccl) {
        if (library.source != "system") found.push_back(library.version + " " + library.source);  // this machine's own
    }
    EXPECT_EQ(found, (std::vector<std::string>{"2.29.7 LD_PRELOAD", "2.25.1 LD_LIBRARY_PATH", "2.27.3 pip", "2.28.3 pip",
                                                "2.26.2 pip"}));
}

std::vector<NodeReport> two_nodes_in(const std::string& image_output) {
    std::vector<NodeReport> reports;
    for (const char* node : {"spark-dgx-1", "spark-dgx-2"}) {
        NodeReport report;
        report.node = node;
        report.facts = testing::discover_fixture("cage1");
        report.facts.hostname = node;
        report.plan = testing::fixture_plan("cage1", testing::job_on(2));
        report.findings = run_checks(report.facts, {}, report.plan);
        report.image = image_view_from_probe("/images/baked.sqsh", image_output, report.plan);
        reports.push_back(report);
    }
    return reports;
}

TEST(SurveyImage, TheTableHasTheImagesColumnsRowsAndFindings) {
    auto reports = two_nodes_in(testing::baked_image_probe_output());
    const SurveyResult result = analyze_survey({"spark-dgx-1", "spark-dgx-2"}, reports, {}, {});
    for (const char* column : kImageColumns) {
        EXPECT_NE(std::find(result.checks.begin(), result.checks.end(), column), result.checks.end()) << column;
    }
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("image"), Cell::ok);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("image-conf"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("image-nccl"), Cell::warn);  // the bundled net plugin
    EXPECT_EQ(result.exit_code, 1);
    const std::string text = survey_to_text(result, false);
    EXPECT_NE(text.find("inside the image /images/baked.sqsh (* differs between nodes):\n"
                        "    NCCL: 2.27.3 at /usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3\n"
                        "    torch: none found\n"
                        "    nccl.conf: /etc/nccl.conf:1 NCCL_IB_USE_INLINE=1, /etc/nccl.conf:2 NCCL_SOCKET_IFNAME=eth0\n"
                        "    net plugins: /usr/lib/x86_64-linux-gnu/libnccl-net.so\n"
                        "    environment: GLOO_SOCKET_IFNAME=eth0 NCCL_DEBUG=WARN NCCL_IB_HCA=mlx5_9 "
                        "NCCL_SOCKET_IFNAME=eth0 NCCL_VERSION=2.21.5\n"
                        "    machine: x86_64\n"),
              std::string::npos)
        << text;
    // One image, the same findings on every node: one line each, for all nodes.
    EXPECT_NE(text.find("warn all nodes: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1"), std::string::npos) << text;
    EXPECT_EQ(text.find("spark-dgx-2: /etc/nccl.conf:1"), std::string::npos) << text;
    EXPECT_NE(text.find("info all nodes: NCCL_SOCKET_IFNAME: the image sets NCCL_SOCKET_IFNAME=eth0; in a job the "
                        "sparkfabric plugin replaces it"),
              std::string::npos)
        << text;

    const auto json = nlohmann::json::parse(survey_to_json(result));
    EXPECT_EQ(json["image"]["name"], "/images/baked.sqsh");
    EXPECT_EQ(json["image"]["nodes"]["spark-dgx-2"]["nccl"][0]["version"], "2.27.3");
    EXPECT_EQ(json["image"]["nodes"]["spark-dgx-2"]["nccl_conf"][0]["name"], "NCCL_IB_USE_INLINE");
    EXPECT_EQ(json["image"]["nodes"]["spark-dgx-2"]["environment"]["NCCL_IB_HCA"], "mlx5_9");
    EXPECT_EQ(json["image"]["nodes"]["spark-dgx-2"]["rows"]["machine"], "x86_64");
    EXPECT_EQ(json["cells"]["spark-dgx-1"]["image-conf"], "warn");
    EXPECT_TRUE(nlohmann::json::parse(survey_to_json(analyze_survey({"a"}, {}, {}, {})))["image"].is_null());
}

TEST(SurveyImage, ANodeWhereTheImageDidNotStartFailsAndNodesThatDifferAreSideBySide) {
    auto reports = two_nodes_in(testing::baked_image_probe_output());
    reports[0].image->runtime.machine = "aarch64";  // a node with another copy of the tag
    reports[1].image = ImageView{};
    reports[1].image->image = "/images/baked.sqsh";
    reports[1].image->error = "the image /images/baked.sqsh did not start on spark-dgx-2: No such file or directory";
    const SurveyResult result = analyze_survey({"spark-dgx-1", "spark-dgx-2"}, reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("image"), Cell::fail);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("image-nccl"), Cell::none);
    EXPECT_EQ(result.exit_code, 2);
    const std::string text = survey_to_text(result, false);
    EXPECT_NE(text.find("FAIL spark-dgx-2: /images/baked.sqsh: the image /images/baked.sqsh did not start on spark-dgx-2: "
                        "No such file or directory"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("srun -w spark-dgx-2 --container-image=/images/baked.sqsh true"), std::string::npos) << text;
    EXPECT_NE(text.find("    machine: aarch64\n"), std::string::npos) << text;  // only node 1 gave rows
    EXPECT_NE(text.find("warn spark-dgx-1: /etc/nccl.conf:1"), std::string::npos) << text;  // its own: one node has a view

    reports = two_nodes_in(testing::baked_image_probe_output());
    reports[1].image->runtime.machine = "aarch64";
    const std::string both = survey_to_text(analyze_survey({"spark-dgx-1", "spark-dgx-2"}, reports, {}, {}), false);
    EXPECT_NE(both.find("  * machine:\n      spark-dgx-1 x86_64\n      spark-dgx-2 aarch64\n"), std::string::npos) << both;
}

}  // namespace
}  // namespace sparkfabric
