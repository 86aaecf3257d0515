// Helpers shared by the unit tests: fixture trees and their plans, scratch directories, recorded
// outputs, and running the built binaries.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/plan.hpp"
#include "fabric/plan/step_plan.hpp"

namespace sparkfabric::testing {

std::string fixture_tree(const std::string& name);   // generated sysfs/procfs tree
std::string fixture_file(const std::string& name);   // checked-in file under tests/fixtures
AddressMap fixture_addresses(const std::string& name);  // the tree's addresses.yaml
NodeFacts discover_fixture(const std::string& name);
// The plan a job of this shape gets on the fixture, under `config` (default: no site config).
Plan fixture_plan(const std::string& fixture, const JobShape& job = {}, const SiteConfig& config = {});
// A job of `nodes` nodes, the rest as JobShape has it: fixture_plan("ring4-node1", job_on(4)).
JobShape job_on(int nodes);

// What the plugin's step would see on this fixture: its trees, its addresses, no site config.
StepRequest fixture_step_request(const std::string& fixture, const std::string& check_option);

// A fresh directory under the system's temporary one ("<prefix>-XXXXXX"), removed with all in it
// when this goes.
struct ScratchDir {
    explicit ScratchDir(const std::string& prefix);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string path;
};
// Writes `text` to `path`, creating the directories above it.
void write_file(const std::filesystem::path& path, const std::string& text);
// The same, as a program (mode 0755): a stand-in script, or an interpreter that only needs to be
// executable where it is looked up.
void write_executable(const std::filesystem::path& path, const std::string& text);
// libnccl.so.<version> in `dir` and the libnccl.so.2 link to it, as a package installs them (the
// file is no library: NCCL's version is read from the name).
void install_nccl(const std::filesystem::path& dir, const std::string& version);

// What the image probe printed in tools/cluster/container_stack.sh's baked.sqsh (busybox, an image
// built on another cluster): an entrypoint's banner first, then the records, then `env -0` (a
// value with a newline).
const std::string& baked_image_probe_output();

// A planned variable's value, or "<unset>".
std::string planned_value(const Plan& plan, const std::string& name);
// The first finding with this code, or null.
const Finding* find_finding(const std::vector<Finding>& findings, const std::string& code);

struct ProgramResult {
    int status = -1;  // exit status, or 128+signal
    std::string out;
    std::string err;
};

// Runs argv (no shell) with extra environment variables, and a bounded time.
ProgramResult run_program(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {});

}  // namespace sparkfabric::testing
