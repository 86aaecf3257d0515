#include "spank/options.hpp"

#include <string>

#include "fabric/common/config.hpp"
#include "fabric/common/options.hpp"
#include "fabric/common/validate.hpp"
#include "spank/guard.hpp"

namespace sparkfabric::spank {
namespace {

enum OptionId { kFabric = 1, kNcclMode, kFabricCheck, kFabricExplain };

// Validates in srun/sbatch/salloc (remote == 0) so a bad value is refused before anything is
// queued, and again in slurmstepd, which must not trust what arrives.
int checked_option(int id, const char* optarg) {
    const std::string value = optarg != nullptr ? optarg : "";
    std::string error;
    bool valid = true;
    switch (id) {
        case kFabric:
            valid = parse_fabric_option(value, error).has_value();
            if (valid) option_values().fabric = value;
            break;
        case kNcclMode:
            valid = parse_nccl_mode(value, error).has_value();
            if (valid) option_values().nccl_mode = value;
            break;
        case kFabricCheck:
            valid = parse_check_level(value, error).has_value();
            if (valid) option_values().check = value;
            break;
        case kFabricExplain:
            option_values().explain = true;
            break;
        default:
            return -1;
    }
    if (!valid) slurm_error("sparkfabric: %s", error.c_str());
    return valid ? 0 : -1;
}

int option_callback(int id, const char* optarg, int /*remote*/) {
    return guarded("option", -1, [&] { return checked_option(id, optarg); });
}

// Slurm's struct takes char*, so the texts live in writable arrays.
char fabric_name[] = "fabric";
char fabric_arg[] = "auto|off|IF[,IF]";
char fabric_usage[] = "fabric interfaces for NCCL/MPI (sparkfabric): auto (the cabled ConnectX-7 cage), "
                      "off (inject nothing), or interface names";
char mode_name[] = "nccl-mode";
char mode_arg[] = "auto|safe|dmabuf";
char mode_usage[] = "NCCL transport mode (sparkfabric): safe = CPU-staged, dmabuf = GPUDirect via DMA-BUF, "
                    "auto = what the GPU supports";
char check_name[] = "fabric-check";
char check_arg[] = "off|warn|strict";
char check_usage[] = "fabric health check at launch (sparkfabric): strict fails the job on any problem";
char explain_name[] = "fabric-explain";
char explain_usage[] = "print each node's fabric settings and why, to the job's stderr (sparkfabric)";

struct spank_option options_table[] = {
    {fabric_name, fabric_arg, fabric_usage, 1, kFabric, option_callback},
    {mode_name, mode_arg, mode_usage, 1, kNcclMode, option_callback},
    {check_name, check_arg, check_usage, 1, kFabricCheck, option_callback},
    {explain_name, nullptr, explain_usage, 0, kFabricExplain, option_callback},
};

bool absolute_path(const std::string& path) {
    return !path.empty() && path.front() == '/' && is_valid_env_value(path) && path.find("/../") == std::string::npos;
}

}  // namespace

OptionValues& option_values() {
    static OptionValues values;
    return values;
}

PluginArguments& plugin_arguments() {
    static PluginArguments arguments{kDefaultConfigPath, false, "/sys", "/proc"};
    return arguments;
}

int register_options(spank_t sp) {
    for (auto& option : options_table) {
        if (spank_option_register(sp, &option) != ESPANK_SUCCESS) {
            slurm_error("sparkfabric: cannot register --%s", option.name);
            return -1;
        }
    }
    return 0;
}

int parse_plugin_arguments(int argc, char** argv) {
    auto& arguments = plugin_arguments();
    for (int i = 0; i < argc; ++i) {
        const std::string argument = argv[i];
        const auto equals = argument.find('=');
        const std::string key = argument.substr(0, equals);
        const std::string value = equals == std::string::npos ? std::string() : argument.substr(equals + 1);
        std::string* target = nullptr;
        if (key == "config") {
            target = &arguments.config_path;
            arguments.config_explicit = true;
        } else if (key == "sysfs_root") {
            target = &arguments.sysfs_root;
        } else if (key == "procfs_root") {
            target = &arguments.procfs_root;
        }
        if (target == nullptr || !absolute_path(value)) {
            slurm_error("sparkfabric: plugstack argument '%s' not understood; use config=/path, sysfs_root=/path, "
                        "procfs_root=/path (absolute paths)",
                        printable(argument).c_str());
            return -1;
        }
        *target = value;
    }
    return 0;
}

}  // namespace sparkfabric::spank
