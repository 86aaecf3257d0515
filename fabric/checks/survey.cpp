#include "fabric/checks/survey.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>
#include <stdexcept>

#include "fabric/checks/host_nccl.hpp"
#include "fabric/checks/survey_twins.hpp"
#include "fabric/common/join.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/netplan/fix_text.hpp"
#include "fabric/plan/plan_json.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NcclLibrary, path, version, hash, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SoftwareFacts, nccl, torch_version, machine)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Probe, from_node, to_node, from_address, to_address, network, answered,
                                                detail)

namespace {

constexpr int kSparkLinkMbps = 200000;

// Variables that must be the same on every node of a job; addresses and names may differ.
const std::set<std::string>& must_agree() {
    static const std::set<std::string> names{
        "NCCL_ALGO", "NCCL_NET_GDR_LEVEL", "NCCL_DMABUF_ENABLE", "NCCL_IB_MERGE_NICS", "NCCL_IB_SUBNET_AWARE_ROUTING",
        "NCCL_NET_PLUGIN", "NCCL_IB_ROCE_VERSION_NUM", "NCCL_IB_TIMEOUT", "SPARKFABRIC_TOPOLOGY", "SPARKFABRIC_MODE"};
    return names;
}


std::set<std::string> fabric_subnets(const NodeReport& report) {
    std::set<std::string> subnets;
    for (const auto& name : report.plan.interfaces) {
        if (const auto* device = report.facts.find_netdev(name)) {
            for (const auto& address : device->ipv4) subnets.insert(subnet_of(address));
        }
    }
    return subnets;
}

// The value most nodes have (ties: the first seen), for "differs from its peers".
std::string majority(const std::vector<std::string>& values) {
    std::map<std::string, int> counts;
    std::string best;
    for (const auto& value : values) {
        if (++counts[value] > counts[best] || best.empty()) best = value;
    }
    return best;
}

class Analysis {
public:
    Analysis(const std::vector<std::string>& expected, const std::vector<NodeReport>& reports,
             const std::vector<Probe>& probes, const SiteConfig& config, const std::map<std::string, std::string>& why_silent,
             const BandwidthRun& bandwidth, const std::map<std::string, std::string>& unprobed)
        : probes_(probes), config_(config), why_silent_(why_silent), unprobed_(unprobed) {
        result_.nodes = expected;
        result_.bandwidth = bandwidth;
        const bool image = std::any_of(reports.begin(), reports.end(), [](const NodeReport& r) { return r.image.has_value(); });
        for (const Row& row : table()) {
            if ((row.shown == Shown::with_image && !image) || (row.shown == Shown::with_bandwidth && !bandwidth.requested)) continue;
            result_.checks.insert(result_.checks.end(), row.columns.begin(), row.columns.end());
        }
        for (const auto& report : reports) {
            if (std::find(result_.nodes.begin(), result_.nodes.end(), report.node) == result_.nodes.end()) {
                result_.nodes.push_back(report.node);  // a node that answered though not expected: show it
            }
            reports_[report.node] = &report;
        }
        for (const auto& node : result_.nodes) {
            for (const auto& check : result_.checks) result_.cells[node][check] = Cell::none;
        }
    }

    SurveyResult run() {
        for (const Row& row : table()) {
            for (const auto check : row.checks) (this->*check)();
        }
        for (const auto& [node, row] : result_.cells) {
            for (const auto& [check, cell] : row) {
                if (cell == Cell::fail) result_.exit_code = 2;
                if (cell == Cell::warn && result_.exit_code == 0) result_.exit_code = 1;
            }
        }
        return result_;
    }

private:
    // The survey's table, the one place a column is added: each row its columns (in the order
    // they are shown), the checks that fill them (run in this order: the problems list follows
    // it), and when the columns are there at all. A check that is off leaves its cells "-".
    enum class Shown { always, with_image, with_bandwidth };
    struct Row {
        std::vector<std::string> columns;
        std::vector<void (Analysis::*)()> checks;
        Shown shown = Shown::always;
    };
    static const std::vector<Row>& table() {
        static const std::vector<Row> rows{
            {{"answer"}, {&Analysis::check_answers}},
            {{"fabric"}, {&Analysis::check_fabric}},
            {{"mtu"}, {&Analysis::check_mtu}},
            {{"speed"}, {&Analysis::check_speed}},
            {{"subnet"}, {&Analysis::check_subnets, &Analysis::check_twins}},
            {{"reach"}, {&Analysis::check_reach}},
            {{"nccl", "torch"}, {&Analysis::check_software}},
            {{"memlock"}, {&Analysis::check_memlock}},
            {{"plan"}, {&Analysis::check_plan}},
            {{std::begin(kImageColumns), std::end(kImageColumns)}, {&Analysis::check_image}, Shown::with_image},
            {{"busbw"}, {&Analysis::check_bandwidth}, Shown::with_bandwidth},
        };
        return rows;
    }

    void check_answers() {
        for (const auto& node : result_.nodes) {
            if (reports_.count(node) == 0) {
                const auto why = why_silent_.find(node);
                mark(node, "answer", Cell::fail, Severity::error, "node",
                     "gave no report (" + (why == why_silent_.end() ? std::string("no answer") : why->second) +
                         "): down, unreachable, or its slurmd or sshd does not answer",
                     "check the node: `scontrol show node " + node + "`, its slurmd, and its management network");
            } else {
                result_.cells[node]["answer"] = Cell::ok;
            }
        }
    }

    void mark(const std::string& node, const std::string& check, Cell cell, Severity severity, const std::string& subject,
              const std::string& message, const std::string& fix) {
        raise(node, check, cell);
        result_.problems.push_back({severity, node, subject, message, fix});
    }

    void raise(const std::string& node, const std::string& check, Cell cell) {
        Cell& current = result_.cells[node][check];
        if (current == Cell::none || current == Cell::ok || (current == Cell::warn && cell == Cell::fail)) current = cell;
    }

    void ok_unless_marked(const std::string& node, const std::string& check) {
        if (result_.cells[node][check] == Cell::none) result_.cells[node][check] = Cell::ok;
    }

    template <typename Visit>
    void each_report(Visit visit) {
        for (const auto& node : result_.nodes) {
            if (const auto found = reports_.find(node); found != reports_.end()) visit(node, *found->second);
        }
    }

    void check_fabric() {
        each_report([&](const std::string& node, const NodeReport& report) {
            if (!report.plan.fabric_found) {
                mark(node, "fabric", Cell::fail, Severity::error, "fabric", "no usable fabric interface: " +
                     (report.plan.find("SPARKFABRIC_REASON") ? report.plan.find("SPARKFABRIC_REASON")->value : std::string("?")),
                     "run `spark-fabric check` on " + node);
                return;
            }
            for (const auto& finding : report.findings) {
                if (finding.severity == Severity::info || finding.code == "memlock-limited" ||
                    finding.code == "mtu-mismatch" || finding.code == "link-speed-low" ||
                    finding.code == "unaddressed-twin") {
                    continue;  // info, or a column of its own
                }
                mark(node, "fabric", finding.severity == Severity::error ? Cell::fail : Cell::warn, finding.severity,
                     finding.subject, finding.message, finding.fix);
            }
            ok_unless_marked(node, "fabric");
        });
    }

    void check_mtu() {
        std::vector<std::string> all;
        each_report([&](const std::string&, const NodeReport& report) {
            for (const auto& name : report.plan.interfaces) {
                if (const auto* device = report.facts.find_netdev(name)) all.push_back(std::to_string(device->mtu));
            }
        });
        const std::string common = majority(all);
        each_report([&](const std::string& node, const NodeReport& report) {
            for (const auto& name : report.plan.interfaces) {
                const auto* device = report.facts.find_netdev(name);
                if (device == nullptr) continue;
                const std::string mtu = std::to_string(device->mtu);
                if (mtu != common) {
                    mark(node, "mtu", Cell::fail, Severity::error, name,
                         "MTU " + mtu + " while its peers use " + common + ": large messages stall or fall apart "
                         "between them",
                         "`ip link set dev " + name + " mtu " + common + "` now; for good, " +
                             netplan_mtu_change(name, std::atoi(common.c_str())));
                } else if (config_.expected_mtu > 0 && device->mtu != config_.expected_mtu) {
                    mark(node, "mtu", Cell::warn, Severity::warning, name,
                         "MTU " + mtu + " on every node, but the site expects " + std::to_string(config_.expected_mtu),
                         "set MTU " + std::to_string(config_.expected_mtu) + " on every node's fabric interfaces; " +
                             netplan_mtu_change(name, config_.expected_mtu));
                }
            }
            if (!report.plan.interfaces.empty()) ok_unless_marked(node, "mtu");
        });
    }

    void check_speed() {
        each_report([&](const std::string& node, const NodeReport& report) {
            bool known = false;
            for (const auto& name : report.plan.interfaces) {
                const auto* device = report.facts.find_netdev(name);
                if (device == nullptr || device->speed_mbps <= 0) continue;
                known = true;
                if (device->vendor == "0x15b3" && device->speed_mbps < kSparkLinkMbps) {
                    mark(node, "speed", Cell::warn, Severity::warning, name,
                         "negotiated " + std::to_string(device->speed_mbps) + " Mb/s, not 200000 (100G "
                         "autonegotiation: half the bandwidth)",
                         "set the switch port to 200G with autonegotiation off; `ethtool -s " + name +
                             " speed 200000 autoneg off`");
                }
            }
            if (known) ok_unless_marked(node, "speed");
        });
    }

    // Which nodes must talk over the fabric: every pair on a pair or a switch; on a ring each
    // node's two neighbours, and the ring must close.
    void check_subnets() {
        std::vector<std::string> topologies;
        std::map<std::string, std::set<std::string>> subnets;
        each_report([&](const std::string& node, const NodeReport& report) {
            if (!report.plan.fabric_found) return;
            topologies.push_back(to_string(report.plan.topology));
            subnets[node] = fabric_subnets(report);
        });
        if (subnets.size() < 2) {
            for (const auto& [node, set] : subnets) ok_unless_marked(node, "subnet");
            return;
        }
        const Topology topology = topology_named(majority(topologies)).value_or(Topology::pair);  // to_string names
        std::map<std::string, std::vector<std::string>> neighbours;
        for (const auto& a : subnets) {
            for (const auto& b : subnets) {
                if (a.first == b.first) continue;
                const auto& theirs = b.second;  // no structured binding: lambdas may not capture one before C++20
                if (std::any_of(a.second.begin(), a.second.end(), [&](const auto& s) { return theirs.count(s) != 0; })) {
                    neighbours[a.first].push_back(b.first);
                }
            }
        }
        auto subnets_text = [&](const std::string& node) {
            return join(std::vector<std::string>(subnets[node].begin(), subnets[node].end()), ", ");
        };
        if (topology != Topology::ring) {
            // Every pair must share a subnet. Blame the odd ones out: the nodes that share with
            // fewer peers than the best-connected node does (all of them, for equal islands).
            size_t best = 0, worst = subnets.size();
            for (const auto& [node, set] : subnets) {
                best = std::max(best, neighbours[node].size());
                worst = std::min(worst, neighbours[node].size());
            }
            for (const auto& [node, set] : subnets) {
                std::vector<std::string> strangers;
                for (const auto& [peer, peer_set] : subnets) {
                    if (peer != node && std::find(neighbours[node].begin(), neighbours[node].end(), peer) == neighbours[node].end()) {
                        strangers.push_back(peer);
                    }
                }
                const bool odd_one_out = neighbours[node].size() < best || worst == best;
                if (!strangers.empty() && odd_one_out) {
                    mark(node, "subnet", Cell::fail, Severity::error, subnets_text(node),
                         "shares no fabric subnet with " + join(strangers, ", ") + ": NCCL cannot reach them over the fabric",
                         "put its fabric interfaces on the subnet(s) its peers use (" + subnets_text(strangers.front()) +
                             "): in netplan, `addresses:` on those subnets under its fabric interfaces; " +
                             netplan_check_command(topology, result_.nodes, node) +
                             " names the file and address to change (add --subnets if the fabric is not on "
                             "192.168.100/101.0/24) and `--write` writes them");
                }
                ok_unless_marked(node, "subnet");
            }
            return;
        }
        // A ring: two neighbours each, and one cycle through every node.
        for (const auto& [node, set] : subnets) {
            const size_t degree = neighbours[node].size();
            const size_t wanted = subnets.size() == 2 ? 1 : 2;
            if (degree < wanted) {
                mark(node, "subnet", Cell::fail, Severity::error, subnets_text(node),
                     "has " + std::to_string(degree) + " ring neighbour(s)" +
                         (degree ? " (" + join(neighbours[node], ", ") + ")" : std::string()) +
                         " where a closed ring needs " + std::to_string(wanted) + ": the ring is an open chain here",
                     "check the cable from " + node + "'s other port and that both of its ends are on one subnet: " +
                         netplan_check_command(Topology::ring, result_.nodes, node) +
                         " names a ring end on the wrong subnet and its file");
            }
            ok_unless_marked(node, "subnet");
        }
        std::set<std::string> reached;
        std::function<void(const std::string&)> walk = [&](const std::string& node) {
            if (!reached.insert(node).second) return;
            for (const auto& next : neighbours[node]) walk(next);
        };
        walk(subnets.begin()->first);
        for (const auto& [node, set] : subnets) {
            if (reached.count(node) == 0) {
                mark(node, "subnet", Cell::fail, Severity::error, subnets_text(node),
                     "is not connected to the ring through " + subnets.begin()->first, "check its cables and subnets");
            }
        }
    }

    // Twins one node leaves unaddressed where its peers address them (survey_twins.hpp).
    void check_twins() {
        std::vector<const NodeReport*> reports;
        each_report([&](const std::string&, const NodeReport& report) { reports.push_back(&report); });
        for (const auto& [node, finding] : unaddressed_twin_problems(reports)) {
            mark(node, "subnet", finding.severity == Severity::error ? Cell::fail : Cell::warn, finding.severity,
                 finding.subject, finding.message, finding.fix);
        }
    }

    void check_reach() {
        // A probe step that Slurm (or ssh) did not run in time says nothing about the cables.
        for (const auto& [node, why] : unprobed_) {
            mark(node, "reach", Cell::warn, Severity::warning, "survey-probe step",
                 why + ": its probes did not run, so its links are not judged",
                 "rerun with a longer --timeout (the time to start a step is Slurm's, not the fabric's)");
        }
        for (const auto& probe : probes_) {
            if (probe.answered) continue;
            mark(probe.from_node, "reach", Cell::fail, Severity::error, probe.from_address + " -> " + probe.to_address,
                 "no TCP path to " + probe.to_node + " on the " + probe.network + " network (" + probe.detail + ")",
                 "check the cable, both ends' addresses, a firewall, and that " + probe.to_node + " is up");
        }
        for (const auto& probe : probes_) ok_unless_marked(probe.from_node, "reach");
    }

    void check_software() {
        std::vector<std::string> nccl_all, torch_all;
        auto nccl_of = [](const NodeReport& report) {
            std::vector<std::string> items;
            for (const auto& library : report.software.nccl) items.push_back(library.version + " " + library.hash);
            return join(items, "; ");
        };
        each_report([&](const std::string&, const NodeReport& report) {
            if (!report.software.nccl.empty()) nccl_all.push_back(nccl_of(report));
            if (!report.software.torch_version.empty()) torch_all.push_back(report.software.torch_version);
        });
        const std::string nccl_common = majority(nccl_all), torch_common = majority(torch_all);
        each_report([&](const std::string& node, const NodeReport& report) {
            // Each library the node's jobs load, by the known-bad releases (host_nccl.hpp).
            for (const auto& finding : check_host_nccl_libraries(report.software, report.plan)) {
                if (finding.severity == Severity::info) continue;
                mark(node, "nccl", finding.severity == Severity::error ? Cell::fail : Cell::warn, finding.severity,
                     finding.subject, finding.message, finding.fix);
            }
            if (!nccl_all.empty()) {
                if (nccl_of(report) != nccl_common) {
                    std::string mine;
                    for (const auto& library : report.software.nccl) mine += (mine.empty() ? "" : ", ") + library.path + " " + library.version;
                    mark(node, "nccl", Cell::warn, Severity::warning, mine.empty() ? "libnccl" : mine,
                         "NCCL differs from its peers' (" + (mine.empty() ? std::string("none found") : mine) + " vs " +
                             nccl_common + "): ranks with different NCCL builds can hang or fail at init",
                         "install the same NCCL package on every node");
                }
                ok_unless_marked(node, "nccl");
            }
            if (!torch_all.empty()) {
                if (report.software.torch_version != torch_common) {
                    mark(node, "torch", Cell::warn, Severity::warning, "torch",
                         "torch " + (report.software.torch_version.empty() ? std::string("not found")
                                                                          : report.software.torch_version) +
                             " while its peers have " + torch_common,
                         "install the same torch on every node (or run the job in one container image)");
                }
                ok_unless_marked(node, "torch");
            }
        });
    }

    void check_memlock() {
        each_report([&](const std::string& node, const NodeReport& report) {
            if (report.task_memlock_kib >= 0 && !report.plan.hcas.empty()) {
                mark(node, "memlock", Cell::warn, Severity::warning, "memlock",
                     "tasks get a locked-memory limit of " + std::to_string(report.task_memlock_kib) +
                         " KiB; RDMA registration wants unlimited",
                     "LimitMEMLOCK=infinity for slurmd and `* - memlock unlimited` where jobs are submitted "
                     "(Slurm propagates the submit side's limit), or PropagateResourceLimitsExcept=MEMLOCK");
            }
            ok_unless_marked(node, "memlock");
        });
    }

    void check_plan() {
        each_report([&](const std::string& node, const NodeReport& report) {
            for (const auto& variable : report.plan.variables) result_.variables[variable.name][node] = variable.value;
        });
        for (const auto& [name, by_node] : result_.variables) {
            std::vector<std::string> values;
            for (const auto& node : result_.nodes) {
                const auto found = by_node.find(node);
                values.push_back(found == by_node.end() ? std::string("(unset)") : found->second);
            }
            if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) == values.end()) continue;
            result_.differs.push_back(name);
            if (must_agree().count(name) == 0) continue;
            const std::string common = majority(values);
            for (size_t i = 0; i < result_.nodes.size(); ++i) {
                if (reports_.count(result_.nodes[i]) == 0 || values[i] == common) continue;
                mark(result_.nodes[i], "plan", Cell::warn, Severity::warning, name,
                     name + "=" + values[i] + " here but " + common + " on its peers: every rank of a job needs the same",
                     "check the site config's per-node overrides (nodes:) and this node's cabling");
            }
        }
        each_report([&](const std::string& node, const NodeReport&) { ok_unless_marked(node, "plan"); });
    }

    // Each node's view from inside the container image, judged against its own plan. One image
    // gives every node the same findings: a finding every node has is one line for all nodes.
    void check_image() {
        std::vector<std::string> viewed;
        std::vector<std::pair<std::string, Finding>> found;  // node, finding
        each_report([&](const std::string& node, const NodeReport& report) {
            if (!report.image) return;
            const ImageView& view = *report.image;
            result_.image = view.image;
            result_.images[node] = view;
            if (!view.error.empty()) {
                mark(node, "image", Cell::fail, Severity::error, view.image, view.error,
                     "check the image's name or path and that this node can read it; `srun -w " + node +
                         " --container-image=" + view.image + " true` shows pyxis's and enroot's whole log");
                return;
            }
            viewed.push_back(node);
            for (const auto& finding : judge_image(view, report.plan)) {
                if (finding.severity != Severity::info) {
                    raise(node, image_column(finding.code), finding.severity == Severity::error ? Cell::fail : Cell::warn);
                }
                found.emplace_back(node, finding);
            }
            for (const char* column : kImageColumns) ok_unless_marked(node, column);
        });
        auto same = [](const Finding& a, const Finding& b) {
            return a.severity == b.severity && a.subject == b.subject && a.message == b.message && a.fix == b.fix;
        };
        std::vector<bool> listed(found.size(), false);
        for (size_t i = 0; i < found.size(); ++i) {
            if (listed[i]) continue;
            std::vector<size_t> alike;
            std::set<std::string> on;
            for (size_t j = i; j < found.size(); ++j) {
                if (!listed[j] && same(found[i].second, found[j].second)) {
                    alike.push_back(j);
                    on.insert(found[j].first);
                }
            }
            const bool everywhere = viewed.size() > 1 && on.size() == viewed.size();
            for (const size_t j : alike) {
                listed[j] = true;
                if (everywhere && j != alike.front()) continue;
                const Finding& finding = found[j].second;
                result_.problems.push_back({finding.severity, everywhere ? std::string("all nodes") : found[j].first,
                                            finding.subject, finding.message, finding.fix});
            }
        }
    }

    // One collective across all nodes: every answering node gets the same cell.
    void check_bandwidth() {
        const BandwidthRun& run = result_.bandwidth;
        if (!run.requested) return;
        const std::string first = reports_.empty() ? std::string() : reports_.begin()->first;
        if (!run.measured) {
            if (!first.empty()) {
                mark(first, "busbw", Cell::warn, Severity::warning, "spark-nccl-check", "bandwidth not measured: " + run.note,
                     "run it alone to see why: `srun --mpi=pmix --ntasks-per-node=1 spark-nccl-check` (it is built "
                     "only where CUDA, NCCL and MPI are, and needs a GPU on every node)");
            }
            return;
        }
        char text[160];
        std::snprintf(text, sizeof text, "peak all_reduce bus bandwidth %.2f GB/s, pass mark %.3f GB/s",
                      run.peak_all_reduce_busbw, run.pass_mark);
        const bool below = run.peak_all_reduce_busbw < run.pass_mark;
        each_report([&](const std::string& node, const NodeReport&) {
            result_.cells[node]["busbw"] = below ? Cell::warn : Cell::ok;
        });
        result_.problems.push_back({below ? Severity::warning : Severity::info, "all nodes", "busbw", text,
                                    below ? "look for the slow link: the speed, MTU and memlock cells, and both twins in "
                                            "NCCL_IB_HCA"
                                          : ""});
    }

    std::map<std::string, const NodeReport*> reports_;
    const std::vector<Probe>& probes_;
    const SiteConfig& config_;
    const std::map<std::string, std::string>& why_silent_;
    const std::map<std::string, std::string>& unprobed_;
    SurveyResult result_;
};

}  // namespace

const char* to_string(Cell cell) {
    switch (cell) {
        case Cell::ok: return "ok";
        case Cell::warn: return "warn";
        case Cell::fail: return "FAIL";
        case Cell::none: return "-";
    }
    return "-";
}

std::string node_report_to_json(const NodeReport& report) {
    const nlohmann::json document = {{"node", report.node},
                                     {"facts", nlohmann::json::parse(facts_to_json(report.facts, -1))},
                                     {"plan", report.plan},
                                     {"findings", report.findings},
                                     {"software", report.software},
                                     {"task_memlock_kib", report.task_memlock_kib}};
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

NodeReport node_report_from_json(const std::string& text, const std::string& source) {
    NodeReport report;
    try {
        const auto document = nlohmann::json::parse(text);
        report.node = document.at("node").get<std::string>();
        report.facts = facts_from_json(document.at("facts").dump(), source);
        report.plan = document.at("plan").get<Plan>();
        report.findings = document.value("findings", std::vector<Finding>{});
        report.software = document.value("software", SoftwareFacts{});
        report.task_memlock_kib = document.value("task_memlock_kib", -1LL);
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(source + ": not a node report: " + error.what());
    }
    return report;
}

std::vector<Probe> planned_probes(const NodeReport& self, const std::vector<NodeReport>& all) {
    std::vector<Probe> probes;
    if (!self.plan.fabric_found) return probes;
    for (const auto& peer : all) {
        if (peer.node == self.node || !peer.plan.fabric_found) continue;
        if (!peer.plan.bootstrap_address.empty() && !self.plan.bootstrap_address.empty()) {
            probes.push_back({self.node, peer.node, self.plan.bootstrap_address, peer.plan.bootstrap_address, "bootstrap", false, ""});
        }
        // The fabric: each of our interfaces to the peer's address on the same subnet.
        for (const auto& name : self.plan.interfaces) {
            const auto* mine = self.facts.find_netdev(name);
            if (mine == nullptr || mine->ipv4.empty()) continue;
            for (const auto& peer_name : peer.plan.interfaces) {
                const auto* theirs = peer.facts.find_netdev(peer_name);
                if (theirs == nullptr) continue;
                for (const auto& address : theirs->ipv4) {
                    if (subnet_of(address) != subnet_of(mine->ipv4.front())) continue;
                    if (address.address == peer.plan.bootstrap_address && mine->ipv4.front().address == self.plan.bootstrap_address) {
                        continue;  // already probed as bootstrap
                    }
                    probes.push_back({self.node, peer.node, mine->ipv4.front().address, address.address,
                                      subnet_of(address), false, ""});
                }
            }
        }
    }
    return probes;
}

SurveyResult analyze_survey(const std::vector<std::string>& expected, const std::vector<NodeReport>& reports,
                            const std::vector<Probe>& probes, const SiteConfig& config,
                            const std::map<std::string, std::string>& why_silent, const BandwidthRun& bandwidth,
                            const std::map<std::string, std::string>& unprobed) {
    return Analysis(expected, reports, probes, config, why_silent, bandwidth, unprobed).run();
}

std::optional<double> nccl_check_peak(const std::string& output) {
    static const std::string kPrefix = "# peak busbw: all_reduce ";
    const auto at = output.find(kPrefix);
    if (at == std::string::npos) return std::nullopt;
    try {
        size_t used = 0;
        const double value = std::stod(output.substr(at + kPrefix.size(), 32), &used);
        if (used > 0 && value >= 0) return value;
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

std::string probes_to_json(const std::vector<Probe>& probes) { return nlohmann::json(probes).dump(); }

std::vector<Probe> probes_from_json(const std::string& text, const std::string& source) {
    try {
        return nlohmann::json::parse(text).get<std::vector<Probe>>();
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(source + ": not a probe list: " + error.what());
    }
}

}  // namespace sparkfabric
