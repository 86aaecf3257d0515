#include "launcher/driver/preflight.hpp"

#include <unistd.h>

#include <iostream>

#include "fabric/checks/survey.hpp"
#include "fabric/common/config.hpp"
#include "fabric/common/shell_quote.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/program_paths.hpp"

namespace sparkfabric::launch {
namespace {

// The survey bounds each of its phases itself (10 s per node step, 60 s for an image's); this
// only keeps a survey that hangs anyway from holding the launch for ever.
constexpr int kSurveySeconds = 600;

// `spark-fabric survey --format json` over what the launch will use. The program will run in an
// image through pyxis: each node is surveyed from inside it too (its NCCL, nccl.conf, net
// plugins). A docker/podman image on hosts has no pyxis to start it.
Argv survey_command(const LaunchRequest& request) {
    Argv argv{sibling_spark_fabric()};
    if (!request.config_path.empty()) argv.insert(argv.end(), {"--config", request.config_path});
    argv.insert(argv.end(), {"survey", "--format", "json"});
    if (!request.hostfile.empty()) argv.insert(argv.end(), {"--hostfile", request.hostfile});
    if (request.container_runtime.empty() && !request.container_image.empty()) {
        argv.insert(argv.end(), {"--container-image", request.container_image});
        if (!request.container_mounts.empty()) argv.insert(argv.end(), {"--container-mounts", request.container_mounts});
    }
    return argv;
}

}  // namespace

int preflight(const LaunchRequest& request) {
    if (request.print || request.preflight == Preflight::off) return 0;
    if (request.preflight == Preflight::site) {
        const std::string path = request.config_path.empty() ? kDefaultConfigPath : request.config_path;
        if (access(path.c_str(), R_OK) != 0 || !load_site_config_file(path, local_hostname()).preflight) return 0;
    }
    const Argv survey = survey_command(request);
    const long started = monotonic_ms();
    const Captured answer = run_capture(survey, kSurveySeconds);  // its stderr (why it failed) stays on ours
    SurveyResult result;
    try {
        result = survey_from_json(answer.out, "spark-fabric survey");
    } catch (const std::exception&) {
        throw LaunchError("the preflight survey gave no result (" + shell_join(survey) + " exited " +
                          std::to_string(answer.status) + "; its message is above); nothing was started");
    }
    std::cerr << survey_to_text(result, isatty(STDERR_FILENO) != 0);
    if (result.exit_code == 2) {
        std::cerr << "spark-launch: the preflight survey found errors (above); nothing was started\n";
        return 2;
    }
    std::cerr << "spark-launch: preflight survey passed" << (result.exit_code == 1 ? " with warnings" : "") << " in "
              << monotonic_ms() - started << " ms; launching\n";
    return 0;
}

}  // namespace sparkfabric::launch
