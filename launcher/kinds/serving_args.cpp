#include "launcher/kinds/serving_args.hpp"

#include "fabric/common/validate.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/request/user_options.hpp"

namespace sparkfabric::launch {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

void add_unless_given(Argv& argv, const Argv& user, const std::string& name, const std::string& value) {
    if (!user_option(user, name)) argv.insert(argv.end(), {name, value});
}

void check_serving_args(const std::string& kind, const Argv& program, int nnodes) {
    for (const char* per_node : {"--node-rank", "--headless"}) {
        if (user_option(program, per_node)) {
            throw LaunchError(std::string(per_node) + " differs from node to node: spark-launch " + kind +
                              " sets it on each node; remove it");
        }
    }
    if (const auto count = user_option(program, "--nnodes"); count && *count != std::to_string(nnodes)) {
        throw LaunchError("--nnodes " + printable(*count) + ": this launch has " + std::to_string(nnodes) +
                          " nodes; remove --nnodes (spark-launch sets it) or launch on that many nodes");
    }
    if (program.empty() || program[0].empty()) throw LaunchError("no program given: spark-launch " + kind + " -- ...");
}

}  // namespace sparkfabric::launch
