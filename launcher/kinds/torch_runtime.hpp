// Which torch runs torchrun, and what that torch needs so that a plain
// `spark-launch torchrun -- train.py` works with no torchrun flags from the user:
//   - torch 1.x (Debian 12's 1.13 on Python 3.11) crashes on its own default --redirects/--tee
//     (an enum quirk: only the values 1 and 2 parse); 2 keeps stdout untouched.
//   - torch >= 2.4 uses the libuv TCPStore by default; a torch built without libuv (Debian 13's
//     2.6) fails the c10d rendezvous: its backend creates the store server with no way to ask
//     for the legacy one, so torchrun runs through torchrun_legacy_store.py, which gives the
//     backends the legacy store (and starts the workers through torchrun_worker.py, whose
//     destroy_process_group does not hang on that torch); USE_LIBUV=0 (read by env://
//     init_process_group in the workers) and use_libuv=0 in the rdzv conf (read by torch
//     versions that honour it) go too.
//   - torch >= 2 knows --local_addr (1.13 refuses it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sparkfabric::launch {

struct TorchVersion {
    int major = 0;
    int minor = 0;
    bool operator==(const TorchVersion&) const = default;
};

enum class Libuv { unknown, yes, no };

struct TorchInstall {
    std::string interpreter;                // from torchrun's #! line
    std::string version_file;               // torch/version.py found for that interpreter
    std::optional<TorchVersion> version;    // nullopt: not found
};

// "__version__ = '2.6.0+debian'" (torch/version.py) -> {2, 6}.
std::optional<TorchVersion> parse_torch_version(const std::string& version_py);
// "2.6" or "2.6.0" -> {2, 6}; for the internal --torch-version argument.
std::optional<TorchVersion> parse_version_text(const std::string& text);
std::string to_string(const TorchVersion& version);

// Finds torchrun (PATH when it has no '/'), its interpreter, and that interpreter's torch by
// reading files only: no interpreter runs, so `--print` can use it.
TorchInstall find_torch(const std::string& torchrun);
// Asks the interpreter whether torch can make a libuv TCPStore (imports torch: seconds). Only
// worth it from torch 2.4 on, where libuv became the default.
Libuv probe_libuv(const TorchInstall& install, int timeout_seconds);
bool libuv_is_default(const std::optional<TorchVersion>& version);

struct TorchrunQuirks {
    std::vector<std::string> arguments;          // torchrun options before PROGRAM
    std::vector<std::string> rdzv_conf;          // key=value entries for --rdzv_conf
    std::map<std::string, std::string> environment;  // set for torchrun unless the user has them
    bool local_addr = false;                     // torchrun accepts --local_addr
    bool legacy_store = false;                   // run torchrun through torchrun_legacy_store.py
};

// torchrun_legacy_store.py: installed beside sparkfabric's data, else in the source tree.
std::string legacy_store_script();

// Pure: what this torch needs. `user_arguments` are the --torchrun-arg values; an option the
// user gives is never added again.
TorchrunQuirks torchrun_quirks(const std::optional<TorchVersion>& version, Libuv libuv,
                               const std::vector<std::string>& user_arguments);

}  // namespace sparkfabric::launch
