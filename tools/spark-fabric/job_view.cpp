#include "tools/spark-fabric/job_view.hpp"

#include <unistd.h>

#include <cstdlib>

#include "fabric/plan/injected_record.hpp"
#include "fabric/plan/step_plan.hpp"

namespace sparkfabric::cli {

JobView plan_as_a_job_gets_it(const Globals& globals, JobShape job, const EnvLookup& environment) {
    JobView view;
    view.node = load_node(globals, false);
    // The site's file (no --config given) is what the plugin reads, and only when root owns it
    // and nobody else can write it: refused there, refused here, with the same message. A file
    // given with --config is a trial of a config before it is installed, and is read as it is.
    if (!globals.config_explicit && access(globals.config_path.c_str(), F_OK) == 0) {
        view.node.config = load_site_config_file(globals.config_path, view.node.facts.hostname, true);
    }
    const SiteConfig& config = view.node.config;
    job.user_env = users_values(environment, config, read_injected_record(environment, config.extra_env_names_any_node));
    if (!globals.facts_path.empty()) {
        view.plan = make_plan(view.node.facts, config, job);  // another machine's facts, its own cache
    } else {
        // The GPU cache under the plugin's rules always: root's file in root's directory.
        view.plan = plan_with_gpu_cache(view.node.facts, config, job, true);
    }
    return view;
}

}  // namespace sparkfabric::cli
