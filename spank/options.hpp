// The plugin's options (--fabric, --nccl-mode, --fabric-check, --fabric-explain) and its
// plugstack arguments (config=, sysfs_root=, procfs_root=).
#pragma once

#include "spank/slurm_headers.hpp"

#include <string>

namespace sparkfabric::spank {

struct OptionValues {
    std::string fabric;      // raw values; empty when not given
    std::string nccl_mode;
    std::string check;
    bool explain = false;
};

struct PluginArguments {
    std::string config_path;
    bool config_explicit = false;
    std::string sysfs_root = "/sys";
    std::string procfs_root = "/proc";
};

OptionValues& option_values();
PluginArguments& plugin_arguments();

// Registers every option; called from slurm_spank_init in each context that uses them.
int register_options(spank_t sp);

// Parses `config=FILE sysfs_root=DIR procfs_root=DIR`; on error logs it and returns -1.
int parse_plugin_arguments(int argc, char** argv);

}  // namespace sparkfabric::spank
