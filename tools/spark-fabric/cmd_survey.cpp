// `spark-fabric survey`: every node of the allocation (or a hostfile) checked against its peers
// (what it runs on each node, `survey-node` and `survey-probe`, is in cmd_survey_agents.cpp).
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/software.hpp"
#include "tools/spark-fabric/command_flags.hpp"
#ifdef SPARKFABRIC_HAVE_SURVEY
#include "launcher/run/program_paths.hpp"
#include "tools/spark-fabric/survey/survey_run.hpp"
#endif

namespace sparkfabric::cli {
namespace {

#ifdef SPARKFABRIC_HAVE_SURVEY
// --container-image, else pyxis's PYXIS_CONTAINER_IMAGE (as spark-launch takes it). pyxis
// applies PYXIS_CONTAINER_* to every srun step of the allocation, and the survey's own agents
// must run on the hosts (spark-fabric is not in the image): so they are unset here, for the
// steps this survey starts.
void resolve_container_image(const std::map<std::string, std::string>& flags, survey::SurveyRequest& request) {
    const auto flag = [&](const char* name) { return flags.count(name) != 0 ? flags.at(name) : std::string(); };
    request.container_image = flag("--container-image");
    request.container_mounts = flag("--container-mounts");
    if (request.container_image.empty() && request.hostfile.empty()) {
        if (const char* image = std::getenv("PYXIS_CONTAINER_IMAGE")) request.container_image = image;
        if (const char* mounts = std::getenv("PYXIS_CONTAINER_MOUNTS"); mounts != nullptr && request.container_mounts.empty()) {
            request.container_mounts = mounts;
        }
    }
    std::vector<std::string> names;
    for (char** entry = ::environ; *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, "PYXIS_CONTAINER_", 16) != 0) continue;
        if (const char* equals = std::strchr(*entry, '=')) names.emplace_back(*entry, static_cast<size_t>(equals - *entry));
    }
    for (const auto& name : names) unsetenv(name.c_str());
    if (request.container_image.empty() && !request.container_mounts.empty()) {
        throw UsageError{"survey: --container-mounts needs --container-image"};
    }
}
#endif

}  // namespace

int run_survey(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(
        args,
        {{"--hostfile"}, {"--format"}, {"--timeout"}, {"--probe-timeout-ms"}, {"--color"}, {"--bandwidth", false},
         {"--container-image"}, {"--container-mounts"}},
        "survey");
    const std::string format = flags.count("--format") != 0 ? flags.at("--format") : "text";
    if (format != "text" && format != "json") throw UsageError{"survey: --format must be text or json"};
    const std::string colour = flags.count("--color") != 0 ? flags.at("--color") : "auto";
    if (colour != "auto" && colour != "always" && colour != "never") {
        throw UsageError{"survey: --color must be auto, always or never"};
    }
#ifdef SPARKFABRIC_HAVE_SURVEY
    survey::SurveyRequest request;
    request.hostfile = flags.count("--hostfile") != 0 ? flags.at("--hostfile") : "";
    request.config_path = globals.config_explicit ? globals.config_path : "";
    request.spark_fabric = launch::sibling_spark_fabric();
    request.timeout_seconds = bounded_flag(flags, "--timeout", 10, 1, 600, "survey");
    request.probe_timeout_ms = bounded_flag(flags, "--probe-timeout-ms", 2000, 1, 60000, "survey");
    request.bandwidth = flags.count("--bandwidth") != 0;
    resolve_container_image(flags, request);
    if (flags.count("--timeout") != 0) request.image_timeout_seconds = request.timeout_seconds;
    const survey::SurveyRun run = survey::run_survey(request);
    if (format == "json") {
        std::cout << survey_to_json(run.result);
    } else {
        const bool paint = colour == "always" || (colour == "auto" && isatty(STDOUT_FILENO) != 0);
        std::cout << survey_to_text(run.result, paint);
        std::cout << "\nsurvey took " << static_cast<int>(run.seconds * 1000) << " ms\n";
    }
    return run.result.exit_code;
#else
    (void)globals;
    throw UsageError{"survey: this spark-fabric was built without Slurm (-DSPARKFABRIC_BUILD_PLUGIN=OFF)"};
#endif
}

}  // namespace sparkfabric::cli
