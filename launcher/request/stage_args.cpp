#include "launcher/request/stage_args.hpp"

#include "fabric/common/validate.hpp"
#include "launcher/run/launch_error.hpp"

namespace sparkfabric::launch {
namespace {

int whole_number(const std::string& option, const std::string& text, int low, int high) {
    int value = 0;
    if (!parse_bounded_number(text, low, high, value)) {
        throw LaunchError(option + ": '" + printable(text) + "' is not a whole number from " + std::to_string(low) +
                          " to " + std::to_string(high));
    }
    return value;
}

}  // namespace

bool parse_stage_arg(const std::string& name, const std::function<std::string()>& value, StageArgs& stage) {
    if (name == "--stage") {
        stage.name = value();
    } else if (name == "--nnodes") {
        stage.nnodes = whole_number(name, value(), 1, 100000);
    } else if (name == "--head-address") {
        stage.head_address = value();
    } else if (name == "--port-from") {
        const std::string text = value();
        if (!parse_port(text, stage.port_from)) throw LaunchError("--port-from: '" + printable(text) + "' is not a port");
    } else if (name == "--torch-version") {
        stage.torch_version = value();
    } else if (name == "--torch-libuv") {
        stage.torch_libuv = value();
        if (stage.torch_libuv != "yes" && stage.torch_libuv != "no" && stage.torch_libuv != "unknown") {
            throw LaunchError("--torch-libuv: use yes, no or unknown");
        }
    } else if (name == "--apply-plan") {
        stage.apply_plan = true;
    } else if (name == "--watch-stdin") {
        stage.watch_stdin = true;
    } else if (name == "--node-rank") {
        stage.node_rank = whole_number(name, value(), 0, 100000);
    } else {
        return false;
    }
    return true;
}

}  // namespace sparkfabric::launch
