// A container image seen from inside, for `spark-fabric survey --container-image`: spark-fabric
// is not in the image (nor are its shared libraries), so it cannot run there. What runs there is
// a constant POSIX sh script (busybox sh is enough) that prints the few file-system facts the
// NCCL discovery reads (discovery/nccl_runtime.hpp): the libraries' names and link targets, the
// wheels' Version lines, the nccl.conf files, /etc/environment, the network namespace's
// interfaces and the task's environment. The host parses that here, and image_root.hpp rebuilds
// those facts as a small tree, so the same discovery and checks judge the image as the plugin
// judges it inside a job.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sparkfabric {

// The script, for `sh -c SCRIPT NAME`: it takes no arguments and builds no shell text from
// what it reads. Its output, one record a line, fields split by a tab:
//   sparkfabric-image-probe 1            where the records begin (an entrypoint may print first)
//   machine <uname -m>
//   link <path> <what readlink -f makes of it>     libnccl.so.2, libnccl-net*.so*
//   meta <dist-info or egg-info dir> <its Version>  nvidia_nccl_cu*, torch
//   file <path>, then "+<line>" for each line       the nccl.conf files NCCL reads, /etc/environment
//   net <interface>                                 from /proc/net/dev: this network namespace
//   env0 then `env -0` to the end (or env then `env`, where env has no -0)
const char* image_probe_script();

struct ImageProbe {
    std::string machine;
    std::vector<std::pair<std::string, std::string>> links;     // path as found, its target
    std::vector<std::pair<std::string, std::string>> versions;  // metadata dir, Version
    std::map<std::string, std::string> files;                   // path, text
    std::vector<std::string> interfaces;  // empty: /proc/net/dev was unreadable (it always lists lo)
    std::map<std::string, std::string> environment;  // the task's, as the probe ran
};

// Throws runtime_error when the output holds no probe records (the script never ran) or stops
// before the environment (it was cut off).
ImageProbe parse_image_probe(const std::string& output);

// What the image's /etc/environment sets, read as enroot reads it into the container's
// environment (enroot src/common.sh common::envfmt: leading blanks, comments, ill-formed and
// ENROOT_ lines dropped, surrounding quotes removed; a later line wins). ${VAR} stays as written.
std::map<std::string, std::string> parse_etc_environment(const std::string& text);

}  // namespace sparkfabric
