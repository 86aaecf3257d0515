// Discovery on fixture trees of real Spark layouts.
#include <gtest/gtest.h>

#include "fabric/discovery/discovery.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

using testing::discover_fixture;

TEST(Discovery, Cage1ReadsInterfacesAddressesAndPci) {
    const NodeFacts facts = discover_fixture("cage1");
    const NetDevice* fabric = facts.find_netdev("enp1s0f1np1");
    ASSERT_NE(fabric, nullptr);
    EXPECT_EQ(fabric->mtu, 9000);
    EXPECT_TRUE(fabric->carrier);
    EXPECT_EQ(fabric->operstate, "up");
    EXPECT_EQ(fabric->pci_address, "0000:01:00.1");
    EXPECT_EQ(fabric->vendor, "0x15b3");
    ASSERT_EQ(fabric->ipv4.size(), 1u);
    EXPECT_EQ(fabric->ipv4[0].address, "192.168.200.1");
    EXPECT_EQ(fabric->ipv4[0].prefix_length, 24);
    const NetDevice* idle = facts.find_netdev("enp1s0f0np0");
    ASSERT_NE(idle, nullptr);
    EXPECT_FALSE(idle->carrier);
    EXPECT_EQ(facts.find_netdev("enP7s7")->vendor, "0x10ec");
    EXPECT_EQ(facts.kernel_release, "6.11.0-1016-nvidia");
}

TEST(Discovery, ReadsRdmaDevicesPortsAndOnlyPopulatedGids) {
    const NodeFacts facts = discover_fixture("cage1");
    ASSERT_EQ(facts.rdma_devices.size(), 4u);
    const RdmaDevice* device = facts.find_rdma_device("rocep1s0f1");
    ASSERT_NE(device, nullptr);
    EXPECT_EQ(device->pci_address, "0000:01:00.1");
    ASSERT_EQ(device->netdevs, std::vector<std::string>{"enp1s0f1np1"});
    ASSERT_EQ(device->ports.size(), 1u);
    const RdmaPort& port = device->ports[0];
    EXPECT_EQ(port.number, 1);
    EXPECT_EQ(port.state, "ACTIVE");
    EXPECT_EQ(port.link_layer, "Ethernet");
    ASSERT_EQ(port.gids.size(), 4u);  // 252 zero entries of 256 skipped
    EXPECT_EQ(port.gids[3].index, 3);
    EXPECT_EQ(port.gids[3].gid, "0000:0000:0000:0000:0000:ffff:c0a8:c801");
    EXPECT_EQ(port.gids[3].type, "RoCE v2");
    EXPECT_EQ(port.gids[3].netdev, "enp1s0f1np1");
    const RdmaDevice* idle = facts.find_rdma_device("rocep1s0f0");
    ASSERT_NE(idle, nullptr);
    EXPECT_EQ(idle->ports[0].state, "DOWN");
    EXPECT_EQ(idle->ports[0].gids.size(), 2u);  // link-local only
}

TEST(Discovery, PairsTwinsAcrossPciDomainsIntoCages) {
    const NodeFacts facts = discover_fixture("cage1");
    ASSERT_EQ(facts.cages.size(), 2u);
    EXPECT_EQ(facts.cages[1].number, 1);
    EXPECT_EQ(facts.cages[1].netdevs, (std::vector<std::string>{"enp1s0f1np1", "enP2p1s0f1np1"}));
    EXPECT_EQ(facts.cages[1].rdma_devices, (std::vector<std::string>{"rocep1s0f1", "roceP2p1s0f1"}));
    EXPECT_EQ(facts.cages[1].pci_addresses, (std::vector<std::string>{"0000:01:00.1", "0002:01:00.1"}));
}

TEST(Discovery, KernelNamesAreReadNotAssumed) {
    const NodeFacts facts = discover_fixture("kernel-names");
    ASSERT_NE(facts.find_rdma_device("mlx5_1"), nullptr);
    EXPECT_EQ(facts.find_rdma_device("mlx5_1")->netdevs, std::vector<std::string>{"enp1s0f1np1"});
    ASSERT_EQ(facts.cages.size(), 2u);
    EXPECT_EQ(facts.cages[1].rdma_devices, (std::vector<std::string>{"mlx5_1", "mlx5_3"}));
}

TEST(Discovery, GidHoleKeepsTrueIndexes) {
    const NodeFacts facts = discover_fixture("gid-hole");
    const auto& gids = facts.find_rdma_device("roceP2p1s0f1")->ports[0].gids;
    ASSERT_EQ(gids.size(), 4u);
    EXPECT_EQ(gids[3].index, 5);
    EXPECT_EQ(gids[3].type, "RoCE v2");
}

TEST(Discovery, AdminDownCarrierReadsAsNoCarrier) {
    const NodeFacts facts = discover_fixture("links-down");
    const NetDevice* device = facts.find_netdev("enp1s0f1np1");
    ASSERT_NE(device, nullptr);
    EXPECT_FALSE(device->carrier);  // carrier file absent, as EINVAL would be
    EXPECT_EQ(device->operstate, "down");
    EXPECT_TRUE(device->ipv4.empty());
}

TEST(Discovery, NvidiaDriverOpenModuleAndPeermem) {
    const NodeFacts open = discover_fixture("cage1");
    EXPECT_TRUE(open.nvidia.present);
    EXPECT_TRUE(open.nvidia.open_module);
    EXPECT_EQ(open.nvidia.version, "580.95.05");
    EXPECT_FALSE(open.nvidia.peermem_loaded);
    const NodeFacts proprietary = discover_fixture("proprietary-peermem");
    EXPECT_FALSE(proprietary.nvidia.open_module);
    EXPECT_EQ(proprietary.nvidia.version, "580.95.05");
    EXPECT_TRUE(proprietary.nvidia.peermem_loaded);
    EXPECT_FALSE(discover_fixture("mgmt-only").nvidia.present);
}

TEST(Discovery, FindsTheGpuOnThePciBus) {
    const NodeFacts facts = discover_fixture("cage0");
    ASSERT_EQ(facts.gpus.size(), 1u);
    EXPECT_EQ(facts.gpus[0].pci_address, "000f:01:00.0");
}

TEST(Discovery, LocalityThroughHwlocOnAFixtureTree) {
    NodeFacts facts = discover_fixture("cage1");
    const auto note = apply_locality(facts, testing::fixture_tree("cage1") + "/sys");
    EXPECT_FALSE(note.has_value()) << *note;
    EXPECT_EQ(facts.find_netdev("enp1s0f1np1")->numa_node, 0);
    EXPECT_EQ(facts.gpus[0].numa_node, 0);
    EXPECT_TRUE(apply_locality(facts, "/not/a/sysfs").has_value());
}

TEST(Discovery, NoConnectxMeansNoRdmaAndNoCages) {
    const NodeFacts facts = discover_fixture("no-connectx");
    EXPECT_TRUE(facts.rdma_devices.empty());
    EXPECT_TRUE(facts.cages.empty());
    EXPECT_NE(facts.find_netdev("wlP9s9"), nullptr);
    const NodeFacts mgmt = discover_fixture("mgmt-only");
    ASSERT_EQ(mgmt.netdevs.size(), 1u);
    EXPECT_EQ(mgmt.netdevs[0].name, "enP7s7");
}

TEST(Discovery, MissingRootsGiveEmptyFactsNotErrors) {
    DiscoveryOptions options;
    options.sysfs_root = "/nonexistent/sys";
    options.procfs_root = "/nonexistent/proc";
    options.addresses = AddressMap{};
    const NodeFacts facts = discover_node(options);
    EXPECT_TRUE(facts.netdevs.empty());
    EXPECT_TRUE(facts.rdma_devices.empty());
    EXPECT_FALSE(facts.nvidia.present);
}

TEST(Discovery, LiveSystemDoesNotCrashAndSeesLoopback) {
    NodeFacts facts = discover_node(DiscoveryOptions{});
    EXPECT_FALSE(apply_locality(facts, "/sys").has_value());
    EXPECT_NE(facts.find_netdev("lo"), nullptr);
    const AddressMap live = live_ipv4_addresses();
    ASSERT_TRUE(live.count("lo"));
    EXPECT_EQ(live.at("lo")[0].address, "127.0.0.1");
    EXPECT_EQ(live.at("lo")[0].prefix_length, 8);
}

}  // namespace
}  // namespace sparkfabric

#include <filesystem>
#include <fstream>

namespace sparkfabric {
namespace {

// The GID scan stops 8 empty slots past the last live entry (the kernel fills the lowest free
// slot first, so live entries sit at the front), unless that found no RoCE v2 IPv4 entry: then
// it reads the whole table, so a long hole costs time, never the entry the plan needs.
class GidScan : public ::testing::Test {
protected:
    void SetUp() override {
        // One tree per test: CTest runs them in parallel.
        root_ = std::filesystem::temp_directory_path() /
                (std::string("sf-gid-scan-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(root_);
        std::filesystem::copy(testing::fixture_tree("cage1"), root_,
                              std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    void put(int index, const std::string& gid, const std::string& type = "RoCE v2") {
        const auto port = root_ / "sys/class/infiniband/rocep1s0f1/ports/1";
        std::ofstream(port / "gids" / std::to_string(index)) << gid << "\n";
        std::ofstream(port / "gid_attrs/types" / std::to_string(index)) << type << "\n";
        std::ofstream(port / "gid_attrs/ndevs" / std::to_string(index)) << "enp1s0f1np1\n";
    }
    void clear(int index) { put(index, "0000:0000:0000:0000:0000:0000:0000:0000", ""); }

    std::vector<GidEntry> scan() {
        DiscoveryOptions options;
        options.sysfs_root = (root_ / "sys").string();
        options.procfs_root = (root_ / "proc").string();
        options.addresses = testing::fixture_addresses("cage1");
        return discover_node(options).find_rdma_device("rocep1s0f1")->ports[0].gids;
    }

    std::filesystem::path root_;
};

TEST_F(GidScan, ReadsAcrossShortHolesAndStopsAtTheEmptyTail) {
    put(10, "0000:0000:0000:0000:0000:ffff:c0a8:c864");   // 192.168.200.100 after a 6-slot hole
    put(120, "0000:0000:0000:0000:0000:ffff:c0a8:c865");  // 100+ empty slots later: not read
    const auto gids = scan();
    ASSERT_EQ(gids.size(), 5u);
    EXPECT_EQ(gids.back().index, 10);
}

TEST_F(GidScan, ReadsTheWholeTableWhenTheFrontHasNoRoceV2Ipv4Entry) {
    clear(2);  // cage1 has its IPv4 entries (v1, v2) at 2 and 3
    clear(3);
    put(200, "0000:0000:0000:0000:0000:ffff:c0a8:c801");  // the address came back far down
    const auto gids = scan();
    ASSERT_EQ(gids.size(), 3u);  // two link-local + the one at 200
    EXPECT_EQ(gids.back().index, 200);
    EXPECT_EQ(gids.back().type, "RoCE v2");
}

}  // namespace
}  // namespace sparkfabric
