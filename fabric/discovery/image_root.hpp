// The NCCL runtime of a container image from its probe (image_probe.hpp): the probe's facts are
// rebuilt as a small tree in a temporary directory (an empty file under each library's real
// name, the links the loader follows to it, the wheels' Version lines, the conf files) and read
// by discover_nccl_runtime, the plugin's own discovery, so the image is judged by the same code
// whether the plugin reads it inside a job or the survey reads it from outside. The tree is
// removed before this returns.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/discovery/image_probe.hpp"
#include "fabric/discovery/nccl_runtime.hpp"

namespace sparkfabric {

// `environment` is the task's inside the image (LD_LIBRARY_PATH, NCCL_CONF_FILE, HOME);
// `interfaces` those the plan needs, checked against the probe's network namespace. Paths that
// are not absolute or hold "." or ".." are left out of the tree.
NcclRuntime image_nccl_runtime(const ImageProbe& probe, const std::string& where, const EnvLookup& environment,
                               const std::vector<std::string>& interfaces);

}  // namespace sparkfabric
