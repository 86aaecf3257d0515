// Netplan files (`spark-fabric netplan --check` reads every file under /etc/netplan, written by
// anyone's tool): each input is one file's text, added to a tree and checked against a pair and
// a ring layout. Invariants: only NetplanFileError escapes the reader, naming the file, and for
// YAML that parses only when it has no `network:` mapping; the check never throws, and every
// finding says what, where and how to fix it.
#include <yaml-cpp/yaml.h>

#include "fabric/netplan/check.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

namespace {

NodeLayout layout_of(Topology topology, int count) {
    NetplanRequest request;
    request.topology = topology;
    for (int i = 1; i <= count; ++i) request.nodes.push_back("spark-" + std::to_string(i));
    return layout_node(request, "spark-2");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string kPath = "/etc/netplan/40-fuzz.yaml";
    static const NodeLayout kLayouts[] = {layout_of(Topology::pair, 2), layout_of(Topology::ring, 4)};
    const std::string text = fuzz::as_text(data, size);
    bool valid_yaml = true;
    try {
        YAML::Load(text);
    } catch (const YAML::Exception&) {
        valid_yaml = false;
    }
    NetplanTree tree;
    try {
        add_netplan_file(kPath, text, tree);
    } catch (const NetplanFileError& error) {
        const std::string message = error.what();
        FUZZ_ASSERT(message.rfind(kPath, 0) == 0);
        // YAML that parses is refused only for its shape, never for a key the reader failed to walk.
        FUZZ_ASSERT(!valid_yaml || message.find("no `network:` mapping") != std::string::npos);
        return 0;
    }
    for (const auto& layout : kLayouts) {
        NetplanCheckInput input;
        input.layout = &layout;
        input.tree = &tree;
        input.write_command = "write";
        for (const auto& finding : check_netplan(input)) {
            FUZZ_ASSERT(!finding.code.empty() && !finding.message.empty() && !finding.fix.empty());
        }
    }
    return 0;
}
