#include <fstream>
#include <sstream>

#include "fabric/common/validate.hpp"
#include "launcher/run/launch_error.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {

std::vector<HostEntry> parse_hostfile(const std::string& text, const std::string& source) {
    std::vector<HostEntry> hosts;
    std::istringstream lines(text);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
        ++number;
        const auto where = [&] { return source + ":" + std::to_string(number) + ": "; };
        const auto hash = line.find('#');
        if (hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string host;
        if (!(words >> host)) continue;  // blank or comment
        if (!is_valid_host_name(host)) {
            throw LaunchError(where() + "'" + printable(host) + "' is not a host name or address");
        }
        HostEntry entry{host, 0};
        std::string word;
        while (words >> word) {
            const std::string prefix = word.rfind("slots=", 0) == 0 ? "slots=" : word.rfind("max_slots=", 0) == 0 ? "max_slots=" : "";
            int slots = 0;
            if (prefix.empty() || !parse_bounded_number(word.substr(prefix.size()), 1, 1024, slots)) {
                throw LaunchError(where() + "'" + printable(word) + "' is not understood; a line is: HOST [slots=N]");
            }
            if (prefix == "slots=") entry.slots = slots;
        }
        for (const auto& seen : hosts) {
            if (seen.host == host) throw LaunchError(where() + "host '" + host + "' is listed twice");
        }
        hosts.push_back(entry);
    }
    if (hosts.empty()) throw LaunchError(source + ": no hosts (one host per line, optional slots=N)");
    return hosts;
}

std::vector<HostEntry> load_hostfile(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw LaunchError(path + ": cannot read the hostfile");
    std::ostringstream text;
    text << file.rdbuf();
    return parse_hostfile(text.str(), path);
}

}  // namespace sparkfabric::launch
