// Job options as users type them (--fabric, --nccl-mode, --fabric-check): the parsers the
// plugin runs in srun/sbatch/salloc and again on every node. Invariants: a FabricRequest that
// parsed names only valid interfaces; a refusal says why without control bytes.
#include "fabric/common/options.hpp"
#include "fabric/common/validate.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);

    std::string error;
    if (const auto request = parse_fabric_option(text, error)) {
        FUZZ_ASSERT(error.empty());
        if (request->kind == FabricRequest::Kind::interfaces) {
            FUZZ_ASSERT(!request->interfaces.empty());
            for (const auto& name : request->interfaces) FUZZ_ASSERT(is_valid_interface_name(name));
        } else {
            FUZZ_ASSERT(request->interfaces.empty());
            FUZZ_ASSERT(text == "auto" || text == "off");
        }
    } else {
        FUZZ_ASSERT(!error.empty() && !fuzz::has_control_bytes(error));
    }

    error.clear();
    if (const auto mode = parse_nccl_mode(text, error)) {
        FUZZ_ASSERT(text == to_string(*mode));
    } else {
        FUZZ_ASSERT(!error.empty() && !fuzz::has_control_bytes(error));
    }

    error.clear();
    if (const auto level = parse_check_level(text, error)) {
        FUZZ_ASSERT(text == to_string(*level));
    } else {
        FUZZ_ASSERT(!error.empty() && !fuzz::has_control_bytes(error));
    }
    return 0;
}
