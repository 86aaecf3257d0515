// `spark-fabric survey --container-image=IMG`: each node's view from inside the image (a
// containerized job loads the image's NCCL, reads the image's nccl.conf, and starts from the
// image's environment), judged against that node's plan with the checks the plugin runs inside
// a container (checks/nccl_runtime.hpp), and the names sparkfabric owns that the image sets.
// The view comes from a probe step (discovery/image_probe.hpp) that tools/spark-fabric/survey/survey_image.cpp runs.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fabric/common/findings.hpp"
#include "fabric/discovery/nccl_runtime.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

inline constexpr const char* kImageColumns[] = {"image", "image-nccl", "image-conf"};

struct ImageView {
    std::string image;  // as given to --container-image
    std::string error;  // the image gave no view on this node (did not start, no answer): why, in one line
    NcclRuntime runtime;
    std::map<std::string, std::string> environment;  // the task's inside the image, as the probe ran
    // What the image's /etc/environment sets, of the names NCCL or the plan reads (NCCL_*, the
    // plannable names, the plan's own): the image author's values, whatever the job's are.
    std::map<std::string, std::string> image_environment;
};

// From the probe's stdout on a node with `plan`; throws runtime_error when the output is not
// the probe's.
ImageView image_view_from_probe(const std::string& image, const std::string& output, const Plan& plan);

// The image's NCCL judged with the environment a task gets there in a job (the plan's values
// for the names sparkfabric owns, since the plugin restores them; the image's or the job's for
// the rest), and an info "container-env-replaced" for each owned name the image sets otherwise.
std::vector<Finding> judge_image(const ImageView& view, const Plan& plan);

// The survey column of one of judge_image's findings: one of kImageColumns.
std::string image_column(const std::string& code);

// The survey's "inside the image" rows for one node: label, text.
std::vector<std::pair<std::string, std::string>> image_rows(const ImageView& view);

}  // namespace sparkfabric
