#include "launcher/run/remote.hpp"

#include "fabric/common/shell_quote.hpp"

namespace sparkfabric::launch {

Argv ssh_command(const std::string& host, const Argv& remote) {
    return {"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", host, "--", shell_join(remote)};
}

}  // namespace sparkfabric::launch
