#include "fabric/common/config.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <sstream>

#include "fabric/common/trusted_file.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/plan/nccl_algo.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

constexpr long kMaxConfigBytes = 1 << 20;  // a site config is a page or two

// Walks the YAML tree and turns every problem into a ConfigError that names the file, the
// line and the dotted key, so a site admin can fix it without guessing.
class ConfigReader {
public:
    explicit ConfigReader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& what) const {
        std::ostringstream message;
        message << source_;
        if (node.Mark().line >= 0) message << ":" << node.Mark().line + 1;
        message << ": key '" << key << "': " << what;
        throw ConfigError(message.str());
    }

    void expect_map(const YAML::Node& node, const std::string& key,
                    const std::set<std::string>& allowed) const {
        if (!node.IsMap()) fail(node, key, "must be a mapping");
        for (const auto& item : node) {
            const std::string name = key_name(item.first, key);
            if (allowed.count(name) == 0) {
                std::string list;
                for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                fail(item.first, key.empty() ? printable(name) : key + "." + printable(name),
                     "unknown key; allowed here: " + list);
            }
        }
    }

    // A mapping key as text. YAML allows sequences and mappings as keys: they are refused
    // here, as a ConfigError, instead of escaping as yaml-cpp's conversion error.
    std::string key_name(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key, "a key must be a plain name");
        return node.Scalar();
    }

    std::string scalar(const YAML::Node& node, const std::string& key) const {
        if (!node.IsScalar()) fail(node, key, "must be a single value");
        return node.Scalar();
    }

    int integer(const YAML::Node& node, const std::string& key, int low, int high) const {
        const std::string text = scalar(node, key);
        try {
            size_t used = 0;
            const long value = std::stol(text, &used);
            if (used == text.size() && value >= low && value <= high) return static_cast<int>(value);
        } catch (const std::exception&) {
        }
        fail(node, key, "'" + printable(text) + "' is not a whole number from " +
                            std::to_string(low) + " to " + std::to_string(high));
    }

    double number(const YAML::Node& node, const std::string& key, double low, double high) const {
        const std::string text = scalar(node, key);
        try {
            size_t used = 0;
            const double value = std::stod(text, &used);
            if (used == text.size() && value >= low && value <= high) return value;
        } catch (const std::exception&) {
        }
        fail(node, key, "'" + printable(text) + "' is not a number from " + std::to_string(low) +
                            " to " + std::to_string(high));
    }

    bool boolean(const YAML::Node& node, const std::string& key) const {
        const std::string text = scalar(node, key);
        if (text == "true") return true;
        if (text == "false") return false;
        fail(node, key, "'" + printable(text) + "' is not true or false");
    }

    std::vector<std::string> string_list(const YAML::Node& node, const std::string& key,
                                         bool (*valid)(const std::string&), const char* what) const {
        if (!node.IsSequence()) fail(node, key, std::string("must be a list of ") + what);
        std::vector<std::string> values;
        for (const auto& item : node) {
            const std::string value = scalar(item, key);
            if (!valid(value)) fail(item, key, "'" + printable(value) + "' is not " + what);
            values.push_back(value);
        }
        return values;
    }

    void read_fabric(const YAML::Node& node, const std::string& key, SiteConfig& config) const {
        expect_map(node, key, {"interfaces", "name_patterns", "mtu", "topology", "subnets", "bootstrap_interface",
                               "unaddressed_twins"});
        if (const auto interfaces = node["interfaces"]) {
            if (interfaces.IsScalar() && interfaces.Scalar() == "auto") {
                config.interfaces.clear();
            } else {
                config.interfaces = string_list(interfaces, key + ".interfaces", is_valid_interface_name,
                                                "an interface name (or write: auto)");
            }
        }
        if (const auto patterns = node["name_patterns"]) {
            config.name_patterns = string_list(patterns, key + ".name_patterns", is_valid_pattern,
                                               "a glob of interface-name characters and * ? [ ]");
        }
        if (const auto mtu = node["mtu"]) config.expected_mtu = integer(mtu, key + ".mtu", 0, 65535);
        if (const auto topology = node["topology"]) {
            config.topology = choice<Topology>(topology, key + ".topology", topology_names());
        }
        if (const auto subnets = node["subnets"]) {
            config.subnets = string_list(subnets, key + ".subnets", is_network_cidr, "a subnet such as 192.168.100.0/24");
        }
        if (const auto bootstrap = node["bootstrap_interface"]) {
            const std::string name = scalar(bootstrap, key + ".bootstrap_interface");
            if (name == "auto") {
                config.bootstrap_interface.clear();
            } else if (!is_valid_interface_name(name)) {
                fail(bootstrap, key + ".bootstrap_interface", "'" + printable(name) + "' is not an interface name (or write: auto)");
            } else {
                config.bootstrap_interface = name;
            }
        }
        if (const auto twins = node["unaddressed_twins"]) {
            config.include_unaddressed_twins =
                choice<bool>(twins, key + ".unaddressed_twins", {{"include", true}, {"exclude", false}});
        }
    }

    template <typename T>
    T choice(const YAML::Node& node, const std::string& key, const std::vector<std::pair<std::string, T>>& allowed) const {
        const std::string text = scalar(node, key);
        std::string names;
        for (const auto& [name, value] : allowed) {
            if (name == text) return value;
            names += (names.empty() ? "" : ", ") + name;
        }
        fail(node, key, "'" + printable(text) + "' is not one of: " + names);
    }

    void read_nccl(const YAML::Node& node, const std::string& key, SiteConfig& config) const {
        expect_map(node, key, {"mode", "enforce_mode", "ib_timeout", "algo", "enforce", "extra_env"});
        if (const auto mode = node["mode"]) {
            std::string error;
            const auto parsed = parse_nccl_mode(scalar(mode, key + ".mode"), error);
            if (!parsed) fail(mode, key + ".mode", "'" + printable(mode.Scalar()) + "' is not auto, safe or dmabuf");
            config.nccl_mode = *parsed;
        }
        if (const auto enforce_mode = node["enforce_mode"]) {
            config.nccl_mode_enforced = boolean(enforce_mode, key + ".enforce_mode");
        }
        if (const auto timeout = node["ib_timeout"]) {
            config.ib_timeout = integer(timeout, key + ".ib_timeout", 1, 31);  // NCCL's range
        }
        if (const auto algo = node["algo"]) read_algo(algo, key + ".algo", config);
        if (const auto enforce = node["enforce"]) {
            config.enforced_variables = string_list(enforce, key + ".enforce", is_valid_env_name,
                                                    "a variable name such as NCCL_SOCKET_IFNAME");
        }
        if (const auto extra = node["extra_env"]) {
            if (!extra.IsMap()) fail(extra, key + ".extra_env", "must be a mapping of NAME: value");
            for (const auto& item : extra) {
                const std::string name = key_name(item.first, key + ".extra_env");
                const std::string entry_key = key + ".extra_env." + printable(name);
                if (!is_valid_env_name(name)) fail(item.first, entry_key, "is not a variable name (A-Z, 0-9, _)");
                const std::string value = scalar(item.second, entry_key);
                if (!is_valid_env_value(value)) fail(item.second, entry_key, "value must not contain newlines or other control characters");
                config.extra_env[name] = value;
            }
        }
    }

    void read_algo(const YAML::Node& node, const std::string& key, SiteConfig& config) const {
        if (node.IsSequence() && node.size() == 0) {
            config.algo_rules.clear();  // [] : NCCL chooses
            return;
        }
        if (!node.IsSequence()) {
            fail(node, key, "must be a list like [{max_nodes: 4, algo: Ring}, {algo: \"allreduce:tree,ring\"}]");
        }
        std::vector<AlgoRule> rules;
        int previous_max = 0;
        for (const auto& item : node) {
            expect_map(item, key, {"max_nodes", "algo"});
            AlgoRule rule;
            if (const auto max_nodes = item["max_nodes"]) {
                rule.max_nodes = integer(max_nodes, key + ".max_nodes", 1, 100000);
                if (rule.max_nodes <= previous_max) {
                    fail(max_nodes, key + ".max_nodes", "rules must be in increasing max_nodes order");
                }
                previous_max = rule.max_nodes;
            }
            const auto algo = item["algo"];
            if (!algo) fail(item, key + ".algo", "missing; each rule names an NCCL_ALGO value");
            rule.algo = scalar(algo, key + ".algo");
            if (rule.algo.empty() || !std::all_of(rule.algo.begin(), rule.algo.end(), [](unsigned char c) {
                    return std::isalnum(c) != 0 || c == ',' || c == ':' || c == ';' || c == '^' || c == '_';
                })) {
                fail(algo, key + ".algo", "'" + printable(rule.algo) + "' is not an NCCL_ALGO value such as Ring or Tree");
            }
            if (const auto problem = nccl_algo_problem(rule.algo)) fail(algo, key + ".algo", *problem);
            rules.push_back(rule);
        }
        if (rules.back().max_nodes != 0) {
            fail(node, key, "the last rule must have no max_nodes (it covers every larger job)");
        }
        config.algo_rules = rules;
    }

    void read_check(const YAML::Node& node, const std::string& key, SiteConfig& config) const {
        expect_map(node, key, {"level", "min_busbw_gbps", "min_busbw_ring_gbps", "preflight"});
        if (const auto level = node["level"]) {
            std::string error;
            const auto parsed = parse_check_level(scalar(level, key + ".level"), error);
            if (!parsed) fail(level, key + ".level", "'" + printable(level.Scalar()) + "' is not off, warn or strict");
            config.check_default = *parsed;
        }
        if (const auto threshold = node["min_busbw_gbps"]) {
            config.min_busbw_gbps = number(threshold, key + ".min_busbw_gbps", 0.0, 10000.0);
        }
        if (const auto ring = node["min_busbw_ring_gbps"]) {
            config.min_busbw_ring_gbps = number(ring, key + ".min_busbw_ring_gbps", 0.0, 10000.0);
        }
        if (const auto preflight = node["preflight"]) config.preflight = boolean(preflight, key + ".preflight");
    }

    void read_gpu(const YAML::Node& node, const std::string& key, SiteConfig& config) const {
        expect_map(node, key, {"cache"});
        if (const auto cache = node["cache"]) {
            const std::string path = scalar(cache, key + ".cache");
            if (path.empty() || path.front() != '/' || !is_valid_env_value(path)) {
                fail(cache, key + ".cache", "must be an absolute path");
            }
            config.gpu_cache_path = path;
        }
    }

    // The sections a node override may change, applied in document order.
    void read_sections(const YAML::Node& node, const std::string& prefix, SiteConfig& config) const {
        if (const auto fabric = node["fabric"]) read_fabric(fabric, prefix + "fabric", config);
        if (const auto nccl = node["nccl"]) read_nccl(nccl, prefix + "nccl", config);
        if (const auto check = node["check"]) read_check(check, prefix + "check", config);
        if (const auto gpu = node["gpu"]) read_gpu(gpu, prefix + "gpu", config);
    }

    SiteConfig read(const YAML::Node& root, const std::string& hostname) const {
        SiteConfig config;
        if (root.IsNull()) return config;  // an empty file means defaults
        expect_map(root, "", {"fabric", "nccl", "check", "gpu", "nodes"});
        read_sections(root, "", config);
        std::set<std::string> extra_names;
        for (const auto& entry : config.extra_env) extra_names.insert(entry.first);
        const auto nodes = root["nodes"];
        if (nodes) {
            if (!nodes.IsMap()) fail(nodes, "nodes", "must be a mapping of hostname: overrides");
            for (const auto& item : nodes) {
                const std::string name = key_name(item.first, "nodes");
                if (!is_valid_host_name(name)) fail(item.first, "nodes." + printable(name), "is not a host name");
                const std::string prefix = "nodes." + name + ".";
                // Validate every node's overrides, but apply only this host's.
                SiteConfig scratch = config;
                expect_map(item.second, "nodes." + name, {"fabric", "nccl", "check", "gpu"});
                SiteConfig& target = name == hostname ? config : scratch;
                read_sections(item.second, prefix, target);
                for (const auto& entry : target.extra_env) extra_names.insert(entry.first);
            }
        }
        config.extra_env_names_any_node = extra_names;
        return config;
    }

private:
    // "192.168.100.0/24": a network address (no host bits set), so a typo is not silently widened.
    static bool is_network_cidr(const std::string& text) {
        if (!is_valid_ipv4_cidr(text)) return false;
        const auto slash = text.find('/');
        return subnet_of({text.substr(0, slash), std::stoi(text.substr(slash + 1))}) == text;
    }

    static bool is_valid_pattern(const std::string& text) {
        return !text.empty() && text.size() <= 32 && std::all_of(text.begin(), text.end(), [](unsigned char c) {
            return std::isalnum(c) != 0 || std::strchr("_.:-*?[]", c) != nullptr;
        });
    }

    std::string source_;
};

}  // namespace

const std::vector<std::pair<std::string, Topology>>& topology_names() {
    static const std::vector<std::pair<std::string, Topology>> names{{"auto", Topology::automatic},
                                                                     {"pair", Topology::pair},
                                                                     {"switch", Topology::switched},
                                                                     {"ring", Topology::ring},
                                                                     {"mesh", Topology::ring}};
    return names;
}

std::optional<Topology> topology_named(const std::string& name) {
    for (const auto& [known, topology] : topology_names()) {
        if (known == name) return topology;
    }
    return std::nullopt;
}

const char* to_string(Topology topology) {
    switch (topology) {
        case Topology::automatic: return "auto";
        case Topology::pair: return "pair";
        case Topology::switched: return "switch";
        case Topology::ring: return "ring";
    }
    return "auto";
}

SiteConfig parse_site_config(const std::string& yaml_text, const std::string& source_name,
                             const std::string& hostname) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& error) {
        throw ConfigError(source_name + ":" + std::to_string(error.mark.line + 1) +
                          ": not valid YAML: " + printable(error.msg));
    }
    return ConfigReader(source_name).read(root, hostname);
}

namespace {

std::string read_config_text(const std::string& path, bool require_trusted) {
    const TrustedRead file = read_trusted_file(path, require_trusted, kMaxConfigBytes, "chown root " + path);
    if (!file.opened && file.open_errno == EACCES) {
        throw ConfigError(unreadable_file_message(path) + " (the site config)");
    }
    if (!file.opened) {
        throw ConfigError(path + ": cannot read the site config: " + std::strerror(file.open_errno) +
                          " (create it from etc/sparkfabric.yaml, or point config= at another file)");
    }
    if (!file.refusal.empty()) throw ConfigError(path + ": site config refused: " + file.refusal);
    return file.text;
}

}  // namespace

SiteConfig load_site_config_file(const std::string& path, const std::string& hostname,
                                 bool require_trusted) {
    return parse_site_config(read_config_text(path, require_trusted), path, hostname);
}

}  // namespace sparkfabric
