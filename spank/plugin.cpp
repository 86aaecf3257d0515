// sparkfabric.so: the SPANK entry points. Thin by design: options and arguments in
// options.cpp, the step's work in remote_step.cpp, all decisions in libsparkfabric.
#include "spank/slurm_headers.hpp"

#include "spank/guard.hpp"
#include "spank/options.hpp"
#include "spank/remote_step.hpp"

extern "C" {

// The plugin loader looks these up by name; C linkage and external visibility are required.
__attribute__((visibility("default"))) extern const char plugin_name[] = "sparkfabric";
__attribute__((visibility("default"))) extern const char plugin_type[] = "spank";
__attribute__((visibility("default"))) extern const unsigned int plugin_version = SLURM_VERSION_NUMBER;
__attribute__((visibility("default"))) extern const unsigned int spank_plugin_version = 1;

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 5, 0)
// From 25.05 a failing slurm_spank_init of a required plugin drains the node unless the plugin
// says otherwise. Our init fails only on bad plugin arguments in plugstack.conf or an option that
// cannot be registered: the same on every node, so draining would take the whole cluster out
// for a configuration typo. Failing the job instead shows the error to whoever submits one.
// Not const: spank.h declares it a plain int, and Slurm reads it through a pointer.
__attribute__((visibility("default"))) int slurm_spank_init_failure_mode = ESPANK_JOB_FAILURE;
#endif

__attribute__((visibility("default"))) int slurm_spank_init(spank_t sp, int argc, char** argv) {
    using namespace sparkfabric::spank;
    // Without its options the plugin cannot work at all: that failure is returned.
    return guarded("init", -1, [&] {
        const spank_context_t context = spank_context();
        if (context != S_CTX_LOCAL && context != S_CTX_REMOTE && context != S_CTX_ALLOCATOR) return 0;
        if (parse_plugin_arguments(argc, argv) != 0) return -1;
        return register_options(sp);
    });
}

__attribute__((visibility("default"))) int slurm_spank_user_init(spank_t sp, int /*argc*/, char** /*argv*/) {
    // remote_user_init keeps its own failures for task_init; this only catches what escapes.
    return sparkfabric::spank::guarded("user_init", 0, [&] { return sparkfabric::spank::remote_user_init(sp); });
}

__attribute__((visibility("default"))) int slurm_spank_task_init(spank_t sp, int /*argc*/, char** /*argv*/) {
    return sparkfabric::spank::guarded("task_init", 0, [&] { return sparkfabric::spank::remote_task_init(sp); });
}

}  // extern "C"
