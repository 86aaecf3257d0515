// survey --container-image: one probe step per node inside the image, all at once, each
// bounded. spark-fabric cannot run in the image (neither it nor its shared libraries are
// there), so each step runs the constant sh script of discovery/image_probe.hpp through pyxis,
// exactly as a job's task starts (`srun --container-image`), and the host judges its output.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fabric/checks/survey.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::survey {

using launch::Argv;
using launch::Captured;

struct ImageSurvey {
    std::string image;   // --container-image, as pyxis takes it (a squashfs file, a registry reference)
    std::string mounts;  // --container-mounts, if any
    int timeout_seconds = 60;
};

// The step that probes `node`.
Argv image_probe_step(const ImageSurvey& survey, const std::string& node);

// Every answering node's view from inside the image, judged later against its report's plan;
// a node whose step gave nothing gets a view with only `error`.
std::map<std::string, ImageView> probe_images(const ImageSurvey& survey, const std::vector<NodeReport>& reports);

// One line for a step that gave no view: the image, the node, and the reason pyxis or enroot
// gave (their log is many lines on the step's stderr), or that there was no answer in time.
std::string image_probe_failure(const ImageSurvey& survey, const std::string& node, const Captured& captured);

}  // namespace sparkfabric::survey
