#include "fabric/plan.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "fabric/plan_steps.hpp"

namespace sparkfabric {
namespace {

using detail::join;

const char* algo_for(const SiteConfig& config, int nodes, int& rule_max) {
    for (const auto& rule : config.algo_rules) {
        if (rule.max_nodes == 0 || nodes <= rule.max_nodes) {
            rule_max = rule.max_nodes;
            return rule.algo.c_str();
        }
    }
    rule_max = 0;
    return "Ring";
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
        if (user != job_.user_env.end() && user->second != value) {
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

}  // namespace

namespace detail {

std::string join(const std::vector<std::string>& items, const char* separator) {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

std::string covering_cidr(const std::vector<std::string>& addresses, int narrowest_prefix) {
    uint32_t first = 0;
    int prefix = std::clamp(narrowest_prefix, 0, 32);
    bool have = false;
    for (const auto& text : addresses) {
        in_addr address{};
        if (inet_pton(AF_INET, text.c_str(), &address) != 1) continue;
        const uint32_t value = ntohl(address.s_addr);
        if (!have) {
            first = value;
            have = true;
            continue;
        }
        while (prefix > 0 && ((first ^ value) >> (32 - prefix)) != 0) --prefix;
    }
    if (!have) return "0.0.0.0/0";
    const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    in_addr network{htonl(first & mask)};
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &network, text, sizeof text);
    return std::string(text) + "/" + std::to_string(prefix);
}

}  // namespace detail

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
        "NCCL_IB_TIMEOUT", "NCCL_ALGO", "UCX_NET_DEVICES", "OMPI_MCA_btl_tcp_if_include",
        "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME"};
    return names;
}

Plan make_plan(const NodeFacts& facts, const SiteConfig& config, const JobShape& job) {
    Plan plan;
    PlanBuilder out(config, job, plan);
    if (job.fabric.kind == FabricRequest::Kind::off) {
        plan.mode_reason = "fabric disabled";
        out.fact("SPARKFABRIC_STATUS", "off", "--fabric=off: nothing injected");
        return plan;
    }

    const auto choice = detail::choose_fabric(facts, config, job, plan.findings);
    plan.mode = detail::choose_mode(facts, config, job, plan.mode_reason, plan.findings);
    if (choice.interfaces.empty()) {
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
    for (const auto& hca : choice.hcas) plan.hcas.push_back(hca.device + ":" + std::to_string(hca.port));

    const std::string interfaces_reason = choice.reason;
    out.set("NCCL_SOCKET_IFNAME", "=" + join(names), "exact names (=): " + interfaces_reason +
                                                         "; keeps NCCL off the management NIC");
    if (!choice.hcas.empty()) {
        out.set("NCCL_IB_HCA", "=" + join(plan.hcas),
                "both twins of each cabled cage, exact names and port: one twin alone moves about half");
        const bool same_index = std::all_of(choice.hcas.begin(), choice.hcas.end(),
                                            [&](const auto& hca) { return hca.gid_index == choice.hcas[0].gid_index; });
        std::string indexes;
        for (const auto& hca : choice.hcas) {
            indexes += (indexes.empty() ? "" : ", ") + hca.device + "=" + std::to_string(hca.gid_index);
        }
        if (same_index) {
            out.set("NCCL_IB_GID_INDEX", std::to_string(choice.hcas[0].gid_index),
                    "the RoCE v2 IPv4-mapped GID, read from each HCA's GID table (" + indexes + ")");
        } else {
            std::vector<std::string> gid_addresses;
            int narrowest = 32;
            for (const auto& hca : choice.hcas) {
                gid_addresses.push_back(hca.gid_ipv4);
                if (hca.prefix_length > 0) narrowest = std::min(narrowest, hca.prefix_length);
            }
            const std::string range = detail::covering_cidr(gid_addresses, narrowest);
            out.set("NCCL_IB_ADDR_FAMILY", "AF_INET", "GID indexes differ between HCAs; NCCL picks per HCA by family");
            out.set("NCCL_IB_ADDR_RANGE", range, "covers every chosen HCA's IPv4 GID address");
            plan.findings.push_back({Severity::info, "gid-index-differs", join(plan.hcas),
                                     "the RoCE v2 IPv4 GID index differs between HCAs (" + indexes +
                                         "): NCCL_IB_GID_INDEX left unset, NCCL (>= 2.21) selects per HCA",
                                     "older NCCL, UCX and perftest need one index: set UCX_IB_GID_INDEX per HCA"});
        }
        out.set("NCCL_IB_ROCE_VERSION_NUM", "2", "RoCE v2 (routable, UDP) as the ConnectX-7 fabric uses");
        const bool dmabuf = plan.mode == NcclMode::dmabuf;
        out.set("NCCL_NET_GDR_LEVEL", dmabuf ? "SYS" : "LOC",
                std::string(dmabuf ? "dmabuf: GPUDirect allowed across the PCIe domains"
                                   : "safe: stage through host memory") + " (" + plan.mode_reason + ")");
        out.set("NCCL_DMABUF_ENABLE", dmabuf ? "1" : "0", std::string("mode ") + to_string(plan.mode));
        out.set("NCCL_IB_TIMEOUT", std::to_string(config.ib_timeout), "site config nccl.ib_timeout");
    }
    int rule_max = 0;
    const char* algo = algo_for(config, job.nodes, rule_max);
    out.set("NCCL_ALGO", algo,
            std::to_string(job.nodes) + " node(s): " +
                (rule_max == 0 ? std::string("above every bounded rule") : "at most " + std::to_string(rule_max)) +
                " in the site's nccl.algo rules");
    out.set("UCX_NET_DEVICES", choice.hcas.empty() ? join(names) : join(plan.hcas),
            choice.hcas.empty() ? "no usable HCA: TCP on the fabric interface" : "RDMA devices as dev:port");
    out.set("OMPI_MCA_btl_tcp_if_include", join(names), "Open MPI TCP traffic on the fabric");
    out.set("GLOO_SOCKET_IFNAME", names[0], "one name: every rank must give the same count");
    out.set("TP_SOCKET_IFNAME", names[0], "tensorpipe on the fabric");
    for (const auto& [name, value] : config.extra_env) out.set(name, value, "site config nccl.extra_env");

    const bool degraded = worst_severity(plan.findings) != Severity::info;
    out.fact("SPARKFABRIC_STATUS", degraded ? "degraded" : "ok", degraded ? "see the findings" : "fabric found");
    out.fact("SPARKFABRIC_MODE", to_string(plan.mode), plan.mode_reason);
    out.fact("SPARKFABRIC_MODE_REASON", plan.mode_reason, "why this mode");
    out.fact("SPARKFABRIC_FABRIC_ADDR", plan.fabric_address, "IPv4 of " + names[0]);
    out.fact("SPARKFABRIC_INTERFACES", join(names), interfaces_reason);
    if (!plan.hcas.empty()) out.fact("SPARKFABRIC_HCAS", join(plan.hcas), "chosen RDMA devices");
    return plan;
}

}  // namespace sparkfabric
