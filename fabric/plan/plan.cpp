#include "fabric/plan/plan.hpp"

#include <algorithm>

#include "fabric/common/validate.hpp"
#include "fabric/plan/nccl_algo.hpp"
#include "fabric/plan/make_plan_parts.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {


// The site's NCCL_ALGO rule for this many nodes; null when the site has none for it.
const AlgoRule* algo_rule_for(const SiteConfig& config, int nodes) {
    for (const auto& rule : config.algo_rules) {
        if (rule.max_nodes == 0 || nodes <= rule.max_nodes) return &rule;
    }
    return nullptr;
}

class PlanBuilder {
public:
    PlanBuilder(const SiteConfig& config, const JobShape& job, Plan& plan) : config_(config), job_(job), plan_(plan) {}

    // A network variable: the user's value wins unless the site enforces this variable.
    void set(const std::string& name, const std::string& value, const std::string& reason) {
        PlannedVariable variable{name, value, reason, false};
        const auto user = job_.user_env.find(name);
        const bool enforced = std::find(config_.enforced_variables.begin(), config_.enforced_variables.end(), name) !=
                              config_.enforced_variables.end();
        if (user != job_.user_env.end() && user->second == value) {
            // The user's own value, the same as ours: still theirs. Not injected, so not in the
            // record, so a later step (--fabric=off, another node) keeps it.
            variable.user_value_kept = true;
            variable.reason = "your value, the same as sparkfabric's (" + reason + ")";
        } else if (user != job_.user_env.end()) {
            if (enforced) {
                variable.reason += "; the site enforces it over your value '" + user->second + "'";
            } else {
                variable.value = user->second;
                variable.user_value_kept = true;
                variable.reason = "your value kept (sparkfabric would set '" + value + "': " + reason + ")";
            }
        }
        plan_.variables.push_back(variable);
    }

    // SPARKFABRIC_* describe what sparkfabric did; they are always ours.
    void fact(const std::string& name, const std::string& value, const std::string& reason) {
        plan_.variables.push_back({name, value, reason, false});
    }

private:
    const SiteConfig& config_;
    const JobShape& job_;
    Plan& plan_;
};

// NCCL_IB_*: the chosen HCAs, their GIDs, and on a ring the routing that keeps each peer on the
// port cabled to it.
void plan_rdma(const detail::FabricChoice& choice, const SiteConfig& config, Plan& plan, PlanBuilder& out) {
    const bool ring = choice.topology.topology == Topology::ring;
    out.set("NCCL_IB_HCA", "=" + join(plan.hcas),
            ring ? "every addressed function of both cages, exact names and port: each cage is a link to one neighbour"
                 : "both twins of each cabled cage, exact names and port: one twin alone moves about half");
    std::string indexes;
    for (const auto& hca : choice.hcas) {
        indexes += (indexes.empty() ? "" : ", ") + hca.device + "=" +
                   (hca.gid_index < 0 ? std::string("NCCL's pick") : std::to_string(hca.gid_index));
    }
    const bool unaddressed = std::any_of(choice.hcas.begin(), choice.hcas.end(), [](const auto& hca) { return hca.gid_index < 0; });
    const bool same_index = std::all_of(choice.hcas.begin(), choice.hcas.end(),
                                        [&](const auto& hca) { return hca.gid_index == choice.hcas[0].gid_index; });
    if (unaddressed) {
        // No index fits both: pinning the addressed twin's index would pin an empty slot on the other.
    } else if (same_index) {
        out.set("NCCL_IB_GID_INDEX", std::to_string(choice.hcas[0].gid_index),
                "the RoCE v2 IPv4-mapped GID, read from each HCA's GID table (" + indexes + ")");
    } else {
        std::vector<std::string> gid_addresses;
        int narrowest = 32;
        for (const auto& hca : choice.hcas) {
            gid_addresses.push_back(hca.gid_ipv4);
            if (hca.prefix_length > 0) narrowest = std::min(narrowest, hca.prefix_length);
        }
        out.set("NCCL_IB_ADDR_FAMILY", "AF_INET", "GID indexes differ between HCAs; NCCL picks per HCA by family");
        out.set("NCCL_IB_ADDR_RANGE", covering_cidr(gid_addresses, narrowest), "covers every chosen HCA's IPv4 GID address");
        plan.findings.push_back({Severity::info, "gid-index-differs", join(plan.hcas),
                                 "the RoCE v2 IPv4 GID index differs between HCAs (" + indexes +
                                     "): NCCL_IB_GID_INDEX left unset, NCCL (>= 2.21) selects per HCA",
                                 "older NCCL, UCX and perftest need one index: set UCX_IB_GID_INDEX per HCA"});
    }
    out.set("NCCL_IB_ROCE_VERSION_NUM", "2", "RoCE v2 (routable, UDP) as the ConnectX-7 fabric uses");
    const bool dmabuf = plan.mode == NcclMode::dmabuf;
    out.set("NCCL_NET_GDR_LEVEL", dmabuf ? "SYS" : "LOC",
            std::string(dmabuf ? "dmabuf: GPUDirect allowed across the PCIe domains" : "safe: stage through host memory") +
                " (" + plan.mode_reason + ")");
    out.set("NCCL_DMABUF_ENABLE", dmabuf ? "1" : "0", std::string("mode ") + to_string(plan.mode));
    out.set("NCCL_IB_TIMEOUT", std::to_string(config.ib_timeout), "site config nccl.ib_timeout");
    if (!ring) return;
    int prefix = 0;
    for (const auto& hca : choice.hcas) {
        if (hca.prefix_length > 0) prefix = prefix == 0 ? hca.prefix_length : std::min(prefix, hca.prefix_length);
    }
    out.set("NCCL_IB_SUBNET_AWARE_ROUTING", "1", "ring: reach each peer through the port on its subnet (NCCL >= 2.30.7)");
    out.set("NCCL_IB_MERGE_NICS", "0", "ring: each port reaches a different neighbour, never merge them into one NIC");
    out.set("NCCL_NET_PLUGIN", "none", "ring: NCCL's own IB transport, which the subnet-aware routing is part of");
    if (prefix > 0) out.set("NCCL_IB_SUBNET_PREFIX_LEN", std::to_string(prefix), "the links' prefix length");
    plan.findings.push_back({Severity::info, "ring-needs-nccl-2.30.7", join(plan.hcas),
                             "rings need NCCL >= 2.30.7 for NCCL_IB_SUBNET_AWARE_ROUTING; older NCCL ignores it and can "
                             "take a port cabled to another neighbour (ibv_modify_qp error 110)",
                             "check with `NCCL_DEBUG=VERSION`; install NCCL 2.30.7 or newer where it is older"});
}

void plan_algo(const detail::FabricChoice& choice, const SiteConfig& config, const JobShape& job, Plan& plan,
               PlanBuilder& out) {
    const bool ring = choice.topology.topology == Topology::ring;
    // In a ring of 3 every node is cabled to both others; from 4 on, some pairs are not.
    const bool sparse_ring = ring && job.nodes >= 4;
    const std::string nodes = std::to_string(job.nodes) + " node(s)";
    const std::string ring_reason =
        "ring: only neighbours are cabled, and Ring talks to neighbours only (Tree would connect nodes that are not; "
        "rings of 4+ need it)";
    const auto user = job.user_env.find("NCCL_ALGO");
    if (user != job.user_env.end()) {
        if (const auto problem = nccl_algo_problem(user->second)) {
            plan.findings.push_back({Severity::warning, "nccl-algo-strands-collectives", "NCCL_ALGO",
                                     "your NCCL_ALGO " + *problem, "unset NCCL_ALGO, or keep Ring for every collective"});
        } else if (const auto others = beyond_ring(user->second); sparse_ring && !others.empty()) {
            plan.findings.push_back({Severity::warning, "nccl-algo-beyond-ring", "NCCL_ALGO",
                                     "your NCCL_ALGO '" + printable(user->second) + "' lets NCCL use " + join(others, ", ") +
                                         " on a ring of " + nodes + ", where only neighbours are cabled: those algorithms connect nodes "
                                         "that are not, and the job hangs or fails at its first such collective",
                                     "unset NCCL_ALGO (the ring gets Ring), or set NCCL_ALGO=Ring"});
        }
    }
    const AlgoRule* rule = algo_rule_for(config, job.nodes);
    const std::string rule_text =
        rule == nullptr ? std::string()
                        : "nccl.algo rule {" + (rule->max_nodes == 0 ? std::string() : "max_nodes: " + std::to_string(rule->max_nodes) + ", ") +
                              "algo: " + rule->algo + "}";
    if (rule != nullptr && sparse_ring && !beyond_ring(rule->algo).empty()) {
        // Refused: the site's rule is written for node counts, not for this shape, and on a
        // ring it would send collectives between nodes that have no cable between them.
        out.set("NCCL_ALGO", "Ring", ring_reason + "; the site's " + rule_text + " is refused here");
        plan.findings.push_back({Severity::warning, "nccl-algo-rule-refused-on-ring", "nccl.algo",
                                 "the site's " + rule_text + " lets NCCL use " + join(beyond_ring(rule->algo), ", ") +
                                     " on a ring of " + nodes + ", where those algorithms connect nodes that are not "
                                     "cabled to each other: refused, the job gets NCCL_ALGO=Ring",
                                 "keep Tree and PAT out of that rule (algo: Ring), or give the ring's nodes their own "
                                 "`nccl: {algo: []}` under nodes: in the site config"});
    } else if (rule != nullptr) {
        out.set("NCCL_ALGO", rule->algo,
                nodes + ": " + (rule->max_nodes == 0 ? std::string("above every bounded rule")
                                                     : "at most " + std::to_string(rule->max_nodes)) +
                    " in the site's nccl.algo rules");
    } else if (ring) {
        out.set("NCCL_ALGO", "Ring", ring_reason);
    }
}

}  // namespace

const PlannedVariable* Plan::find(const std::string& name) const {
    for (const auto& variable : variables) {
        if (variable.name == name) return &variable;
    }
    return nullptr;
}

const std::vector<std::string>& plannable_variable_names() {
    static const std::vector<std::string> names{
        "NCCL_SOCKET_IFNAME", "NCCL_IB_HCA", "NCCL_IB_GID_INDEX", "NCCL_IB_ROCE_VERSION_NUM",
        "NCCL_IB_ADDR_FAMILY", "NCCL_IB_ADDR_RANGE", "NCCL_NET_GDR_LEVEL", "NCCL_DMABUF_ENABLE",
        "NCCL_IB_TIMEOUT", "NCCL_IB_SUBNET_AWARE_ROUTING", "NCCL_IB_MERGE_NICS", "NCCL_NET_PLUGIN",
        "NCCL_IB_SUBNET_PREFIX_LEN", "NCCL_ALGO", "UCX_NET_DEVICES", "OMPI_MCA_btl_tcp_if_include",
        "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME"};
    return names;
}

Plan make_plan(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
               const std::vector<Finding>& input_findings) {
    Plan plan;
    plan.findings = input_findings;  // counted in SPARKFABRIC_STATUS like the plan's own
    PlanBuilder out(config, job, plan);
    if (job.fabric.kind == FabricRequest::Kind::off) {
        plan.mode_reason = "fabric disabled";
        out.fact("SPARKFABRIC_STATUS", "off", "--fabric=off: nothing injected");
        return plan;
    }

    const auto choice = detail::choose_fabric(facts, config, job, plan.findings);
    plan.topology = choice.topology.topology;
    plan.topology_reason = choice.topology.reason;
    plan.mode = detail::choose_mode(facts, config, job, plan.mode_reason, plan.findings);
    const auto bootstrap = choice.interfaces.empty() ? detail::BootstrapChoice{}
                                                     : detail::choose_bootstrap(facts, config, choice, plan.findings);
    if (bootstrap.interface == nullptr) {
        std::string why = "no usable fabric interface";
        for (const auto& finding : plan.findings) {
            if (finding.severity != Severity::info) {
                why = format_finding(finding);
                break;
            }
        }
        out.fact("SPARKFABRIC_STATUS", "none", why);
        out.fact("SPARKFABRIC_REASON", why, "why no NCCL network variables were set");
        return plan;
    }

    plan.fabric_found = true;
    std::vector<std::string> names;
    for (const auto* interface : choice.interfaces) names.push_back(interface->name);
    plan.interfaces = names;
    plan.fabric_address = choice.interfaces[0]->ipv4[0].address;
    plan.bootstrap_interface = bootstrap.interface->name;
    plan.bootstrap_address = bootstrap.interface->ipv4[0].address;
    for (const auto& hca : choice.hcas) plan.hcas.push_back(hca.device + ":" + std::to_string(hca.port));

    // Sockets: on the fabric itself unless bootstrap has to go elsewhere (a ring, or the site says).
    const bool on_fabric = std::find(names.begin(), names.end(), plan.bootstrap_interface) != names.end();
    const std::vector<std::string> socket_names = on_fabric ? names : std::vector<std::string>{plan.bootstrap_interface};
    const std::string socket_reason = on_fabric ? choice.reason : "bootstrap on " + bootstrap.reason;
    out.set("NCCL_SOCKET_IFNAME", "=" + join(socket_names),
            "exact names (=): " + socket_reason + (on_fabric ? "; keeps NCCL off the management NIC" : ""));
    if (!choice.hcas.empty()) plan_rdma(choice, config, plan, out);
    plan_algo(choice, config, job, plan, out);
    out.set("UCX_NET_DEVICES", choice.hcas.empty() ? join(names) : join(plan.hcas),
            choice.hcas.empty() ? "no usable HCA: TCP on the fabric interface" : "RDMA devices as dev:port");
    out.set("OMPI_MCA_btl_tcp_if_include", join(socket_names), "Open MPI TCP traffic: " + socket_reason);
    out.set("GLOO_SOCKET_IFNAME", socket_names[0], "one name (every rank must give the same count): " + socket_reason);
    out.set("TP_SOCKET_IFNAME", socket_names[0], "tensorpipe: " + socket_reason);
    for (const auto& [name, value] : config.extra_env) out.set(name, value, "site config nccl.extra_env");

    const bool degraded = worst_severity(plan.findings) != Severity::info;
    out.fact("SPARKFABRIC_STATUS", degraded ? "degraded" : "ok", degraded ? "see the findings" : "fabric found");
    out.fact("SPARKFABRIC_TOPOLOGY", to_string(plan.topology), plan.topology_reason);
    out.fact("SPARKFABRIC_MODE", to_string(plan.mode), plan.mode_reason);
    out.fact("SPARKFABRIC_MODE_REASON", plan.mode_reason, "why this mode");
    out.fact("SPARKFABRIC_FABRIC_ADDR", plan.fabric_address, "IPv4 of " + names[0]);
    out.fact("SPARKFABRIC_BOOTSTRAP_ADDR", plan.bootstrap_address,
             "IPv4 of " + plan.bootstrap_interface + ", " + bootstrap.reason + ": the rendezvous address");
    out.fact("SPARKFABRIC_INTERFACES", join(names), choice.reason);
    if (!plan.hcas.empty()) out.fact("SPARKFABRIC_HCAS", join(plan.hcas), "chosen RDMA devices");
    return plan;
}

}  // namespace sparkfabric
