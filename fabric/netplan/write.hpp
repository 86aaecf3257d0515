// The one effect of `spark-fabric netplan --write`: sparkfabric's own netplan file, nothing else.
// It never runs netplan and never touches another file; applying stays the owner's step.
#pragma once

#include <stdexcept>
#include <string>

namespace sparkfabric {

struct NetplanWriteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct NetplanWriteResult {
    std::string path;    // ROOT/etc/netplan/60-sparkfabric.yaml
    std::string backup;  // the previous file, kept as PATH.bak (netplan reads only *.yaml); empty if none
    bool unchanged = false;  // the file already held exactly this text: nothing written
};

// Writes `text` to ROOT/etc/netplan/60-sparkfabric.yaml, mode 600 (netplan warns about netplan
// files others can read, and sparkrun's cx7_configure.sh chmods its file 600 too), through a
// temporary file and rename, so a crash leaves the old file or the new one, never half of one.
NetplanWriteResult write_netplan_file(const std::string& root_dir, const std::string& text);

// The same mode-600 replace for a file anywhere (`--out-dir`: one file per node to copy over).
void write_private_file(const std::string& path, const std::string& text);

}  // namespace sparkfabric
