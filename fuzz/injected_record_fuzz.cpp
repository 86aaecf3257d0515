// The SPARKFABRIC_INJECTED record (read by the plugin from the job's environment, which the
// user controls): decode_injected_record. Invariants: it never throws, every name it returns is
// a valid variable name, and what it returns survives encode -> decode unchanged.
#include "fabric/common/validate.hpp"
#include "fabric/plan/injected_record.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    const auto record = decode_injected_record(text);
    std::vector<PlannedVariable> variables;
    for (const auto& [name, value] : record) {
        FUZZ_ASSERT(is_valid_env_name(name));
        variables.push_back({name, value, "", false});
    }
    const std::string encoded = encode_injected_record(variables);
    FUZZ_ASSERT(encoded.find('\n') == std::string::npos);
    FUZZ_ASSERT(decode_injected_record(encoded) == record);
    return 0;
}
