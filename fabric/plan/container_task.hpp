// What the plugin does in task_init once a container plugin (pyxis) has put the task inside an
// image, without Slurm: restore every name sparkfabric owns (container_env.hpp), then judge the
// image's NCCL from the task's own view (checks/nccl_runtime.hpp). The plugin only moves these
// values in and out of Slurm, so tests can run all of it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fabric/discovery/nccl_runtime.hpp"
#include "fabric/plan/container_env.hpp"

namespace sparkfabric {

struct ContainerTaskRequest {
    OwnedValues owned;   // from user_init
    Plan plan;           // user_init's plan
    CheckLevel check_level = CheckLevel::warn;
    bool explain = false;
    std::string node;
    std::string root = "/";  // the task's file system (tests: a fixture image)
};

struct ContainerTaskOutcome {
    std::vector<std::pair<std::string, std::string>> to_set;
    std::vector<std::string> to_unset;
    std::vector<std::string> messages;  // for the job's stderr, one line each
    std::string failure;                // --fabric-check=strict and a warning about the image
};

// `environment` is the task's environment as the container left it.
ContainerTaskOutcome container_task(const ContainerTaskRequest& request, const EnvLookup& environment);

}  // namespace sparkfabric
