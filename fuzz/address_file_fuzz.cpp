// Address files ({IF: [a.b.c.d/len]}, `--addresses`): load_address_file takes a path, so each
// input is written to an in-memory file and read back through /proc/self/fd.
// Invariants: only std::runtime_error escapes; what loaded is valid names and addresses.
#include <sys/mman.h>
#include <unistd.h>

#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

namespace {

int memory_file = -1;
std::string memory_path;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    memory_file = memfd_create("sparkfabric-addresses", MFD_CLOEXEC);
    if (memory_file < 0) {
        std::perror("memfd_create");
        std::abort();
    }
    memory_path = "/proc/self/fd/" + std::to_string(memory_file);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FUZZ_ASSERT(ftruncate(memory_file, 0) == 0);
    FUZZ_ASSERT(pwrite(memory_file, data, size, 0) == static_cast<ssize_t>(size));
    AddressMap addresses;
    try {
        addresses = load_address_file(memory_path);
    } catch (const std::runtime_error& error) {
        FUZZ_ASSERT(std::string(error.what()).rfind(memory_path, 0) == 0);  // names the file
        return 0;
    }
    for (const auto& [name, list] : addresses) {
        FUZZ_ASSERT(is_valid_interface_name(name));
        for (const auto& address : list) {
            FUZZ_ASSERT(is_valid_ipv4_cidr(address.address + "/" + std::to_string(address.prefix_length)));
        }
    }
    return 0;
}
