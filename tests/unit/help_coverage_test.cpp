// Every option the command-line parsers accept is listed in --help: the test reads the option
// names out of the parsers' sources, so an option added without documenting it fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "test_support.hpp"

namespace sparkfabric {
namespace {

// The "--name" literals of one parser of user options. The options the programs pass to
// themselves on each node are parsed in files of their own, which the tests do not read here:
// launcher/request/stage_args.cpp (spark-launch's stages), tools/spark-fabric/cmd_survey_agents.cpp
// (survey-node, survey-probe).
std::set<std::string> options_in(const std::string& relative_path) {
    std::ifstream file(std::string(SPARKFABRIC_SOURCE_DIR) + "/" + relative_path);
    EXPECT_TRUE(file.good()) << relative_path;
    std::set<std::string> options;
    const std::regex literal("\"(--[a-z][a-z0-9-]*)\"");
    std::string line;
    while (std::getline(file, line)) {
        for (std::sregex_iterator it(line.begin(), line.end(), literal), end; it != end; ++it) {
            options.insert((*it)[1]);
        }
    }
    return options;
}

TEST(HelpCoverage, SparkFabricHelpListsEveryOption) {
    const auto help = testing::run_program({SPARK_FABRIC_BIN, "--help"});
    ASSERT_EQ(help.status, 0);
    size_t checked = 0;
    for (const char* source : {"tools/spark-fabric/main.cpp", "tools/spark-fabric/cmd_detect.cpp",
                               "tools/spark-fabric/cmd_env.cpp", "tools/spark-fabric/cmd_check.cpp",
                               "tools/spark-fabric/cmd_probe_gpu.cpp", "tools/spark-fabric/cmd_survey.cpp",
                               "tools/spark-fabric/cmd_netplan.cpp"}) {
        for (const auto& option : options_in(source)) {
            EXPECT_NE(help.out.find(option), std::string::npos) << option << " (" << source << ") is not in --help";
            ++checked;
        }
    }
    EXPECT_GE(checked, 15u);  // the parsers were found and read
}

// The plugin's options (srun/sbatch/salloc --NAME) are documented in the plugin page's table.
TEST(HelpCoverage, PluginDocListsEveryPluginOption) {
    std::ifstream source(std::string(SPARKFABRIC_SOURCE_DIR) + "/spank/options.cpp");
    std::ifstream page_file(std::string(SPARKFABRIC_SOURCE_DIR) + "/docs/plugin.md");
    ASSERT_TRUE(source.good() && page_file.good());
    std::stringstream page;
    page << page_file.rdbuf();
    const std::regex option_name("char [a-z_]+_name\\[\\] = \"([a-z-]+)\";");
    size_t checked = 0;
    std::string line;
    while (std::getline(source, line)) {
        std::smatch match;
        if (!std::regex_search(line, match, option_name)) continue;
        EXPECT_NE(page.str().find("`--" + match[1].str()), std::string::npos)
            << "--" << match[1] << " is not in docs/plugin.md";
        ++checked;
    }
    EXPECT_EQ(checked, 4u);  // fabric, nccl-mode, fabric-check, fabric-explain
}

#ifdef SPARK_LAUNCH_BIN
TEST(HelpCoverage, SparkLaunchHelpListsEveryOption) {
    const auto help = testing::run_program({SPARK_LAUNCH_BIN, "--help"});
    ASSERT_EQ(help.status, 0);
    const auto options = options_in("launcher/request/launch_request.cpp");
    EXPECT_GE(options.size(), 10u);
    for (const auto& option : options) {
        EXPECT_NE(help.out.find(option), std::string::npos) << option << " is not in spark-launch --help";
    }
    EXPECT_EQ(help.out.find("--stage"), std::string::npos) << "internal options stay out of --help";
}
#endif

}  // namespace
}  // namespace sparkfabric
