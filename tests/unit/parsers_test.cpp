// The small parsers of outside input: option values, names, GIDs, sysfs text, quoting.
#include <gtest/gtest.h>

#include "fabric/common/options.hpp"
#include "fabric/common/shell_quote.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/sysfs_text.hpp"
#include "fabric/facts/gid.hpp"

namespace sparkfabric {
namespace {

TEST(Options, FabricValues) {
    std::string error;
    EXPECT_EQ(parse_fabric_option("auto", error)->kind, FabricRequest::Kind::automatic);
    EXPECT_EQ(parse_fabric_option("off", error)->kind, FabricRequest::Kind::off);
    const auto list = parse_fabric_option("enp1s0f1np1,enP2p1s0f1np1", error);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->interfaces, (std::vector<std::string>{"enp1s0f1np1", "enP2p1s0f1np1"}));
    for (const char* bad : {"", ",", "a,", "eth0;reboot", "this-name-is-too-long0", "a b", "$(id)"}) {
        error.clear();
        EXPECT_FALSE(parse_fabric_option(bad, error)) << bad;
        EXPECT_NE(error.find("--fabric"), std::string::npos) << bad;
    }
}

TEST(Options, ModeAndCheckLevels) {
    std::string error;
    EXPECT_EQ(*parse_nccl_mode("dmabuf", error), NcclMode::dmabuf);
    EXPECT_EQ(*parse_nccl_mode("safe", error), NcclMode::safe);
    EXPECT_FALSE(parse_nccl_mode("DMABUF", error));
    EXPECT_EQ(error, "--nccl-mode: 'DMABUF' is not a mode; use auto, safe or dmabuf");
    EXPECT_EQ(*parse_check_level("strict", error), CheckLevel::strict);
    EXPECT_FALSE(parse_check_level("warn\n", error));
    EXPECT_EQ(error, "--fabric-check: 'warn\\x0a' is not a level; use off, warn or strict");
}

TEST(Validate, Names) {
    EXPECT_TRUE(is_valid_interface_name("enP2p1s0f1np1"));
    EXPECT_TRUE(is_valid_interface_name("bond0.100"));
    EXPECT_FALSE(is_valid_interface_name(".."));
    EXPECT_FALSE(is_valid_interface_name("a/b"));
    EXPECT_FALSE(is_valid_interface_name(std::string(16, 'a')));
    EXPECT_TRUE(is_valid_rdma_device_name("mlx5_0"));
    EXPECT_TRUE(is_valid_rdma_device_name("roceP2p1s0f1"));
    EXPECT_FALSE(is_valid_rdma_device_name("mlx5 0"));
    EXPECT_TRUE(is_valid_host_name("spark-dgx-10"));
    EXPECT_FALSE(is_valid_host_name("-rf"));
    EXPECT_FALSE(is_valid_host_name("a;b"));
    EXPECT_TRUE(is_valid_env_name("NCCL_IB_HCA"));
    EXPECT_FALSE(is_valid_env_name("1NCCL"));
    EXPECT_TRUE(is_valid_env_name("OMPI_MCA_btl_tcp_if_include"));
    EXPECT_FALSE(is_valid_env_name("A-B"));
    EXPECT_FALSE(is_valid_env_name(""));
    EXPECT_FALSE(is_valid_env_value("a\nb"));
    EXPECT_FALSE(is_valid_env_value(std::string("a\0b", 3)));
    EXPECT_FALSE(is_valid_env_value("a\x1b[2Jb"));
    EXPECT_FALSE(is_valid_env_value("a\x7f"));
    EXPECT_TRUE(is_valid_env_value("=enp1s0f1np1,enP2p1s0f1np1"));
}

TEST(Validate, NumbersAndAddresses) {
    int port = 0;
    EXPECT_TRUE(parse_port("29500", port));
    EXPECT_EQ(port, 29500);
    for (const char* bad : {"0", "65536", "-1", "80a", "", "123456"}) EXPECT_FALSE(parse_port(bad, port)) << bad;
    EXPECT_TRUE(is_valid_ipv4_cidr("192.168.200.0/24"));
    EXPECT_FALSE(is_valid_ipv4_cidr("192.168.200.0/33"));
    EXPECT_FALSE(is_valid_ipv4_cidr("192.168.200.0"));
    EXPECT_FALSE(is_valid_ipv4_cidr("300.1.1.1/8"));
    EXPECT_TRUE(is_valid_pci_address("0002:01:00.1"));
    EXPECT_FALSE(is_valid_pci_address("0002:01:00.9"));
    EXPECT_EQ(printable(std::string("a\x1b[31mb")), "a\\x1b[31mb");
    EXPECT_EQ(printable(std::string(200, 'x')).size(), 83u);
}

TEST(Gid, Ipv4MappedAndZero) {
    EXPECT_EQ(*ipv4_of_gid("0000:0000:0000:0000:0000:ffff:c0a8:c801"), "192.168.200.1");
    EXPECT_FALSE(ipv4_of_gid("fe80:0000:0000:0000:5e02:02ff:fe00:0002"));
    EXPECT_FALSE(ipv4_of_gid("garbage"));
    EXPECT_TRUE(is_zero_gid("0000:0000:0000:0000:0000:0000:0000:0000"));
    EXPECT_TRUE(is_zero_gid("not a gid"));
    EXPECT_FALSE(is_zero_gid("fe80:0000:0000:0000:5e02:02ff:fe00:0002"));
}

TEST(SysfsText, PortStatesAndNumbers) {
    EXPECT_EQ(port_state_name("4: ACTIVE"), "ACTIVE");
    EXPECT_EQ(port_state_name("1: DOWN"), "DOWN");
    EXPECT_EQ(port_state_name("ACTIVE"), "ACTIVE");
    EXPECT_EQ(*parse_decimal("9000"), 9000);
    EXPECT_EQ(*parse_decimal("-1"), -1);
    EXPECT_FALSE(parse_decimal("90x0"));
    EXPECT_FALSE(parse_decimal(""));
    EXPECT_FALSE(parse_decimal("99999999999999"));
    int error = 0;
    EXPECT_FALSE(read_sysfs_text("/nonexistent/file", &error));
    EXPECT_EQ(error, ENOENT);
    EXPECT_TRUE(list_directory("/nonexistent").empty());
}

TEST(ShellQuote, QuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(shell_quote("enp1s0f1np1,enP2p1s0f1np1"), "enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_EQ(shell_quote(""), "''");
    EXPECT_EQ(shell_quote("a b"), "'a b'");
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote("$(id)"), "'$(id)'");
    EXPECT_EQ(shell_join({"torchrun", "--rdzv_conf", "is_host=true", "a;b"}), "torchrun --rdzv_conf is_host=true 'a;b'");
}

TEST(ShellQuote, QuotesWhatZshWouldExpand) {
    // zsh (a login shell that ssh may run our remote command in) expands a word that starts
    // with '=' to a command's path, and '~' or '=' at the start or after ':' in an assignment.
    EXPECT_EQ(shell_quote("=enp1s0f1np1,enP2p1s0f1np1"), "'=enp1s0f1np1,enP2p1s0f1np1'");
    EXPECT_EQ(shell_quote("~root"), "'~root'");
    EXPECT_EQ(shell_quote("a:=b"), "'a:=b'");
    EXPECT_EQ(shell_quote("^x"), "'^x'");  // zsh's EXTENDED_GLOB negation
    EXPECT_EQ(shell_quote("is_host=true"), "is_host=true");
    EXPECT_EQ(shell_quote("--nodes=2"), "--nodes=2");
}

}  // namespace
}  // namespace sparkfabric
