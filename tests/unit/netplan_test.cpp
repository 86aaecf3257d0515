// spark-fabric netplan's core: the layouts (pair, switch, ring), the YAML they emit, reading a
// node's netplan files as netplan merges them, the check against the layout, and the write.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "fabric/netplan/check.hpp"
#include "fabric/netplan/emit.hpp"
#include "fabric/netplan/write.hpp"
#include "fabric/topology/ipv4.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;
using testing::fixture_file;

std::vector<std::string> hosts(int count) {
    std::vector<std::string> names;
    for (int i = 1; i <= count; ++i) names.push_back("spark-" + std::to_string(i));
    return names;
}

NetplanRequest request_for(Topology topology, int count) {
    NetplanRequest request;
    request.topology = topology;
    request.nodes = hosts(count);
    return request;
}

const PlannedInterface& find(const NodeLayout& layout, const std::string& name) {
    for (const auto& interface : layout.interfaces) {
        if (interface.name == name) return interface;
    }
    throw std::runtime_error(name + " not planned");
}

std::string cidr(const PlannedInterface& interface) {
    return interface.address.address + "/" + std::to_string(interface.address.prefix_length);
}

std::string read_text(const fs::path& path) {
    std::ifstream stream(path);
    return std::string(std::istreambuf_iterator<char>(stream), {});
}

std::vector<Finding> check_fixture(const std::string& fixture, const NodeLayout& layout, const NodeFacts* live = nullptr) {
    const std::string root = fixture_file("netplan/" + fixture);
    const NetplanTree tree = read_netplan_tree(root);
    NetplanCheckInput input;
    input.layout = &layout;
    input.tree = &tree;
    input.root_dir = root;
    input.write_command = "`spark-fabric netplan ... --write`";
    input.live = live;
    return check_netplan(input);
}

std::multiset<std::string> codes(const std::vector<Finding>& findings) {
    std::multiset<std::string> result;
    for (const auto& finding : findings) result.insert(finding.code + " " + finding.subject);
    return result;
}

// ---------------------------------------------------------------- layouts

TEST(NetplanLayout, PairGivesBothTwinsOfTheCageTheirOwnSubnetAndNodeNumber) {
    NetplanRequest request = request_for(Topology::pair, 2);
    const NodeLayout second = layout_node(request, "spark-2");
    ASSERT_EQ(second.interfaces.size(), 2u);
    EXPECT_EQ(cidr(find(second, "enp1s0f1np1")), "192.168.100.2/24");
    EXPECT_EQ(cidr(find(second, "enP2p1s0f1np1")), "192.168.101.2/24");
    EXPECT_EQ(second.mtu, 9000);
    request.cage = 0;
    request.subnets = {"10.0.0.0/16", "10.1.0.0/16"};
    const NodeLayout first = layout_node(request, "spark-1");
    EXPECT_EQ(cidr(find(first, "enp1s0f0np0")), "10.0.0.1/16");
    EXPECT_EQ(cidr(find(first, "enP2p1s0f0np0")), "10.1.0.1/16");
}

TEST(NetplanLayout, SwitchOfTenNodesNumbersThemInOrder) {
    const auto request = request_for(Topology::switched, 10);
    std::set<std::string> addresses;
    for (int n = 1; n <= 10; ++n) {
        const NodeLayout layout = layout_node(request, "spark-" + std::to_string(n));
        EXPECT_EQ(layout.index, n);
        EXPECT_EQ(find(layout, "enP2p1s0f1np1").address.address, "192.168.101." + std::to_string(n));
        for (const auto& interface : layout.interfaces) EXPECT_TRUE(addresses.insert(cidr(interface)).second);
    }
    EXPECT_EQ(addresses.size(), 20u);  // no address given twice
}

// Every cable's two ends share a subnet per twin, every node's four functions are on four
// different subnets, and each subnet is exactly one cable's (NVIDIA's ring cabling: node K's
// port 0 to node K+1's port 1).
void expect_ring_matches_cables(int count) {
    SCOPED_TRACE(std::to_string(count) + "-node ring");
    const auto request = request_for(Topology::ring, count);
    std::vector<NodeLayout> layouts;
    for (const auto& node : request.nodes) layouts.push_back(layout_node(request, node));
    std::map<std::string, std::set<std::string>> subnet_holders;
    for (const auto& layout : layouts) {
        ASSERT_EQ(layout.interfaces.size(), 4u);
        std::set<std::string> own;
        for (const auto& interface : layout.interfaces) {
            own.insert(interface.subnet);
            subnet_holders[interface.subnet].insert(layout.node + ":" + interface.name);
            EXPECT_EQ(interface.subnet, subnet_of(interface.address));
        }
        EXPECT_EQ(own.size(), 4u) << layout.node << ": each function on its own subnet";
    }
    EXPECT_EQ(subnet_holders.size(), static_cast<size_t>(2 * count));
    for (int k = 1; k <= count; ++k) {
        const auto& from = layouts[static_cast<size_t>(k - 1)];
        const auto& to = layouts[static_cast<size_t>(k % count)];
        for (int domain : {0, 2}) {
            // Named first: a reference returned by a call given a temporary is what GCC 14's
            // -Wdangling-reference cannot tell from a dangling one.
            const std::string port0_name = spark_twin_name(0, domain);
            const std::string port1_name = spark_twin_name(1, domain);
            const auto& port0 = find(from, port0_name);
            const auto& port1 = find(to, port1_name);
            EXPECT_EQ(port0.subnet, port1.subnet) << "cable " << k << " domain " << domain;
            EXPECT_NE(port0.address.address, port1.address.address);
            EXPECT_EQ(subnet_holders[port0.subnet].size(), 2u) << "one cable per subnet";
        }
    }
}

TEST(NetplanLayout, RingsOfThreeAndFourMatchEachCablesEnds) {
    expect_ring_matches_cables(3);
    expect_ring_matches_cables(4);
}

TEST(NetplanLayout, RingRolesNameTheCableAndItsOtherEnd) {
    const NodeLayout layout = layout_node(request_for(Topology::ring, 3), "spark-1");
    EXPECT_NE(find(layout, "enp1s0f0np0").role.find("cable 1 to spark-2's port 1"), std::string::npos);
    EXPECT_NE(find(layout, "enp1s0f1np1").role.find("cable 3 from spark-3's port 0"), std::string::npos);
    EXPECT_EQ(cidr(find(layout, "enP2p1s0f1np1")), "192.168.105.1/24");  // cable 3's second subnet
}

TEST(NetplanLayout, BadInputIsRefusedWithWhatToDoInstead) {
    auto refused = [](NetplanRequest request, const std::string& node, const std::string& expected) {
        try {
            layout_node(request, node);
            ADD_FAILURE() << "accepted; wanted: " << expected;
        } catch (const NetplanInputError& error) {
            EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
        }
    };
    refused(request_for(Topology::pair, 3), "spark-1", "exactly 2 nodes");
    refused(request_for(Topology::ring, 5), "spark-1", "3 or 4 nodes");
    refused(request_for(Topology::switched, 11), "spark-1", "2 to 10 nodes");
    refused(request_for(Topology::automatic, 2), "spark-1", "cannot be guessed");
    refused(request_for(Topology::pair, 2), "spark-9", "not in --nodes");
    NetplanRequest request = request_for(Topology::pair, 2);
    request.cage = 2;
    refused(request, "spark-1", "--cage must be 0 or 1");
    request = request_for(Topology::pair, 2);
    request.mtu = 65000;
    refused(request, "spark-1", "--mtu must be from");
    request.mtu = 9000;
    request.subnets = {"192.168.100.0/24"};
    refused(request, "spark-1", "needs 2 subnets");
    request.subnets = {"192.168.100.0/24", "192.168.100.128/25"};
    refused(request, "spark-1", "overlaps");
    request.subnets = {"192.168.100.1/24", "192.168.101.0/24"};
    refused(request, "spark-1", "did you mean 192.168.100.0/24");
    request.subnets = {"192.168.100.0/24", "nonsense"};
    refused(request, "spark-1", "'nonsense' is not a subnet");
    NetplanRequest ten = request_for(Topology::switched, 10);
    ten.subnets = {"10.0.0.0/29", "10.0.1.0/29"};
    refused(ten, "spark-1", "holds 6 hosts");
    EXPECT_THROW(parse_netplan_nodes("spark-1,spark-1"), NetplanInputError);
    EXPECT_THROW(parse_netplan_nodes("spark-1"), NetplanInputError);
    EXPECT_THROW(parse_netplan_nodes("spark-1,,spark-2"), NetplanInputError);
    EXPECT_THROW(parse_netplan_nodes("spark-1,../etc"), NetplanInputError);
    EXPECT_THROW(parse_netplan_nodes("spark-[1-4]"), NetplanInputError);
    EXPECT_EQ(parse_netplan_nodes("a,b,c").size(), 3u);
}

// ---------------------------------------------------------------- emitted YAML

TEST(NetplanEmit, YamlCarriesAddressesMtuAndNoRouteOrDns) {
    NetplanRequest request = request_for(Topology::ring, 4);
    request.mtu = 9216;
    const NodeLayout layout = layout_node(request, "spark-3");
    const std::string text = emit_netplan(layout);
    const YAML::Node document = YAML::Load(text);
    EXPECT_EQ(document["network"]["version"].as<int>(), 2);
    const YAML::Node ethernets = document["network"]["ethernets"];
    ASSERT_EQ(ethernets.size(), 4u);
    for (const auto& interface : layout.interfaces) {
        const YAML::Node entry = ethernets[interface.name];
        ASSERT_TRUE(entry.IsMap()) << interface.name;
        EXPECT_EQ(entry["mtu"].as<int>(), 9216);
        EXPECT_FALSE(entry["dhcp4"].as<bool>());
        ASSERT_EQ(entry["addresses"].size(), 1u);
        EXPECT_EQ(entry["addresses"][0].as<std::string>(), cidr(interface));
        for (const char* absent : {"routes", "gateway4", "nameservers"}) EXPECT_FALSE(entry[absent]) << absent;
    }
    EXPECT_NE(text.find("# Written by spark-fabric netplan for spark-3 (node 3)"), std::string::npos) << text;
}

// ---------------------------------------------------------------- reading netplan files

TEST(NetplanRead, FilesMergeInNetplansOrderAndRunShadowsEtc) {
    testing::ScratchDir root{"sparkfabric-netplan"};
    testing::write_file(fs::path(root.path) / "etc/netplan/10-a.yaml",
               "network:\n  version: 2\n  ethernets:\n    eth0:\n      mtu: 1500\n      addresses: [10.0.0.1/24]\n");
    testing::write_file(fs::path(root.path) / "lib/netplan/20-b.yaml",
               "network:\n  version: 2\n  ethernets:\n    eth0:\n      mtu: 9000\n      addresses: [10.0.1.1/24]\n");
    // Shadowed by /run's file of the same name: never read.
    testing::write_file(fs::path(root.path) / "etc/netplan/30-c.yaml",
               "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [10.9.9.9/24]\n");
    testing::write_file(fs::path(root.path) / "run/netplan/30-c.yaml",
               "network:\n  version: 2\n  ethernets:\n    id0:\n      match: {name: eth1}\n      addresses: [{10.0.2.1/24: {label: x}}]\n"
               "    id1:\n      match: {macaddress: '02:00:00:00:00:01'}\n      set-name: eth2\n      mtu: 1500\n");
    testing::write_file(fs::path(root.path) / "etc/netplan/40-bond.yaml",
               "network:\n  version: 2\n  bonds:\n    bond0:\n      interfaces: [eth0]\n");
    testing::write_file(fs::path(root.path) / "etc/netplan/README", "not yaml: never read\n  - [");
    const NetplanTree tree = read_netplan_tree(root.path);
    ASSERT_EQ(tree.files.size(), 4u);
    EXPECT_EQ(fs::path(tree.files[1]).filename(), "20-b.yaml");
    const auto& eth0 = tree.interfaces.at("eth0");
    ASSERT_EQ(eth0.addresses.size(), 2u);  // sequences add up, in file-name order
    EXPECT_EQ(eth0.addresses[0].value, "10.0.0.1/24");
    EXPECT_EQ(eth0.addresses[1].value, "10.0.1.1/24");
    ASSERT_TRUE(eth0.mtu.has_value());
    EXPECT_EQ(eth0.mtu->value, "9000");  // the later file wins a scalar
    EXPECT_EQ(fs::path(eth0.mtu->file).filename(), "20-b.yaml");
    ASSERT_EQ(eth0.member_of.size(), 1u);
    EXPECT_EQ(eth0.member_of[0].value, "bond0");
    ASSERT_EQ(tree.interfaces.at("eth1").addresses.size(), 1u);  // matched by name, address as a map
    EXPECT_EQ(tree.interfaces.at("eth1").addresses[0].value, "10.0.2.1/24");
    ASSERT_EQ(tree.interfaces.count("eth2"), 1u);  // renamed by set-name
    EXPECT_EQ(tree.interfaces.at("eth2").mtu->value, "1500");
}

TEST(NetplanRead, MalformedYamlNamesTheFileAndLine) {
    try {
        read_netplan_tree(fixture_file("netplan/malformed"));
        FAIL() << "malformed YAML accepted";
    } catch (const NetplanFileError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("malformed/etc/netplan/40-cx7.yaml line "), std::string::npos) << message;
        EXPECT_NE(message.find("not valid YAML"), std::string::npos) << message;
    }
    testing::ScratchDir root{"sparkfabric-netplan"};
    testing::write_file(fs::path(root.path) / "etc/netplan/10-x.yaml", "- just\n- a list\n");
    EXPECT_THROW(read_netplan_tree(root.path), NetplanFileError);
}

// ---------------------------------------------------------------- --check

NodeLayout pair_node1() { return layout_node(request_for(Topology::pair, 2), "spark-1"); }

TEST(NetplanCheck, NvidiasTwoNodeFileLacksTheTwinsAddressesAndMtu) {
    const auto findings = check_fixture("nvidia-40-cx7", pair_node1());
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"unaddressed enp1s0f1np1", "unaddressed enP2p1s0f1np1",
                                                            "mtu-unset enp1s0f1np1", "mtu-unset enP2p1s0f1np1"}));
    for (const auto& finding : findings) {
        EXPECT_EQ(finding.severity, Severity::error);
        EXPECT_NE(finding.fix.find("spark-fabric netplan ... --write"), std::string::npos) << finding.fix;
    }
    EXPECT_NE(findings[0].message.find("only link-local IPv4, from "), std::string::npos) << findings[0].message;
    EXPECT_NE(findings[0].message.find("40-cx7.yaml"), std::string::npos) << findings[0].message;
}

TEST(NetplanCheck, NvidiaSyncFileHasTheAddressesButNotTheMtu) {
    const auto findings = check_fixture("nvidia-sync", pair_node1());
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"mtu-unset enp1s0f1np1", "mtu-unset enP2p1s0f1np1"}));
}

TEST(NetplanCheck, TwinsOnOneSubnetAreNamedWithBothFiles) {
    const auto findings = check_fixture("twins-one-subnet", pair_node1());
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"wrong-subnet enP2p1s0f1np1", "twins-one-subnet cage 1"}));
    const Finding* twins = testing::find_finding(findings, "twins-one-subnet");
    ASSERT_NE(twins, nullptr);
    EXPECT_NE(twins->message.find("both twins are on 192.168.100.0/24"), std::string::npos) << twins->message;
    EXPECT_NE(twins->fix.find("remove 192.168.100.11/24 from "), std::string::npos) << twins->fix;
}

TEST(NetplanCheck, MtuFromALaterFileMustBeRemovedThere) {
    const auto findings = check_fixture("mtu-override", pair_node1());
    ASSERT_EQ(codes(findings), (std::multiset<std::string>{"mtu enp1s0f1np1"}));
    EXPECT_NE(findings[0].message.find("mtu 1500"), std::string::npos);
    EXPECT_NE(findings[0].fix.find("remove `mtu: 1500` under enp1s0f1np1 from "), std::string::npos) << findings[0].fix;
    EXPECT_NE(findings[0].fix.find("70-jumbo-off.yaml: it is read after 60-sparkfabric.yaml"), std::string::npos);
}

TEST(NetplanCheck, RingEndOnTheWrongSubnetNamesTheCable) {
    const NodeLayout layout = layout_node(request_for(Topology::ring, 3), "spark-2");
    const auto findings = check_fixture("ring3-node2-wrong-end", layout);
    ASSERT_EQ(codes(findings), (std::multiset<std::string>{"ring-end-wrong-subnet enp1s0f1np1"}));
    EXPECT_NE(findings[0].message.find("cable 1 from spark-1's port 0"), std::string::npos) << findings[0].message;
    EXPECT_NE(findings[0].message.find("belongs on 192.168.100.0/24 with the cable's other end as 192.168.100.2/24"),
              std::string::npos) << findings[0].message;
}

TEST(NetplanCheck, DhcpDefaultRouteAndDnsStayOffTheFabric) {
    const auto findings = check_fixture("fabric-default-route", pair_node1());
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"dhcp-on-fabric enp1s0f1np1", "default-route-on-fabric enp1s0f1np1",
                                                            "dns-on-fabric enp1s0f1np1"}));
}

TEST(NetplanCheck, BondedTwinsMustComeOutOfTheBond) {
    NetplanRequest request = request_for(Topology::pair, 2);
    request.cage = 0;
    const auto findings = check_fixture("bonded-twins", layout_node(request, "spark-1"));
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"bonded enp1s0f0np0", "bonded enP2p1s0f0np0",
                                                            "unaddressed enp1s0f0np0", "unaddressed enP2p1s0f0np0",
                                                            "mtu-unset enp1s0f0np0", "mtu-unset enP2p1s0f0np0"}));
    const Finding* bonded = testing::find_finding(findings, "bonded");
    ASSERT_NE(bonded, nullptr);
    EXPECT_NE(bonded->fix.find("take enp1s0f0np0 out of bond0 in "), std::string::npos) << bonded->fix;
}

TEST(NetplanCheck, ThePlannedSubnetOnTheOtherCageIsNamed) {
    // The files address cage 1; the plan says the cable is in cage 0.
    NetplanRequest request = request_for(Topology::pair, 2);
    request.cage = 0;
    const auto findings = check_fixture("nvidia-sync", layout_node(request, "spark-1"));
    const Finding* elsewhere = testing::find_finding(findings, "subnet-on-other-interface");
    ASSERT_NE(elsewhere, nullptr);
    EXPECT_EQ(elsewhere->subject, "enP2p1s0f1np1");
    EXPECT_NE(elsewhere->message.find("which the plan gives enP2p1s0f0np0"), std::string::npos) << elsewhere->message;
}

TEST(NetplanCheck, WrittenFileSatisfiesTheCheckBesideNvidiasFiles) {
    for (const char* fixture : {"nvidia-40-cx7", "nvidia-sync"}) {
        SCOPED_TRACE(fixture);
        testing::ScratchDir root{"sparkfabric-netplan"};
        fs::copy(fixture_file(std::string("netplan/") + fixture), root.path, fs::copy_options::recursive);
        const NodeLayout layout = pair_node1();
        const auto result = write_netplan_file(root.path, emit_netplan(layout));
        EXPECT_TRUE(result.backup.empty());
        const NetplanTree tree = read_netplan_tree(root.path);
        NetplanCheckInput input;
        input.layout = &layout;
        input.tree = &tree;
        input.root_dir = root.path;
        input.write_command = "write";
        EXPECT_TRUE(check_netplan(input).empty());
    }
}

TEST(NetplanCheck, LiveInterfacesThatLagBehindAreWarnings) {
    NodeFacts live;
    NetDevice device;
    device.name = "enp1s0f1np1";
    device.mtu = 1500;
    device.ipv4 = {{"192.168.100.1", 24}};
    live.netdevs.push_back(device);
    testing::ScratchDir root{"sparkfabric-netplan"};
    const NodeLayout layout = pair_node1();
    write_netplan_file(root.path, emit_netplan(layout));
    const NetplanTree tree = read_netplan_tree(root.path);
    NetplanCheckInput input;
    input.layout = &layout;
    input.tree = &tree;
    input.root_dir = root.path;
    input.live = &live;
    const auto findings = check_netplan(input);
    EXPECT_EQ(codes(findings), (std::multiset<std::string>{"live-mtu enp1s0f1np1", "unknown-interface enP2p1s0f1np1"}));
    EXPECT_EQ(testing::find_finding(findings, "live-mtu")->severity, Severity::warning);
    EXPECT_EQ(missing_interfaces(layout, live), std::vector<std::string>{"enP2p1s0f1np1"});
}

// ---------------------------------------------------------------- --write

TEST(NetplanWrite, ModeSixHundredAndThePreviousFileKept) {
    testing::ScratchDir root{"sparkfabric-netplan"};
    const std::string first = emit_netplan(pair_node1());
    auto result = write_netplan_file(root.path, first);
    struct stat info {};
    ASSERT_EQ(stat(result.path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    EXPECT_EQ(result.path, root.path + "/etc/netplan/60-sparkfabric.yaml");
    EXPECT_EQ(read_text(result.path), first);
    EXPECT_TRUE(write_netplan_file(root.path, first).unchanged);
    NetplanRequest request = request_for(Topology::pair, 2);
    request.mtu = 1500;
    result = write_netplan_file(root.path, emit_netplan(layout_node(request, "spark-1")));
    EXPECT_FALSE(result.unchanged);
    EXPECT_EQ(result.backup, result.path + ".bak");
    EXPECT_EQ(read_text(result.backup), first);
    ASSERT_EQ(stat(result.backup.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    // Nothing else in the folder: no temporary file left behind.
    size_t files = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(root.path + "/etc/netplan")) ++files;
    EXPECT_EQ(files, 2u);
}

}  // namespace
}  // namespace sparkfabric
