// What the plugin injected into a step, carried in the step's own environment
// (SPARKFABRIC_INJECTED). srun copies the batch step's environment into every later step, so
// without a record the batch step's values would arrive looking like the user's own. With it,
// a later step tells them apart: a value equal to the record is ours and is planned afresh; a
// value that differs is the user's (an export between steps) and is kept. A value the user had
// when the plugin ran, even one equal to the plan's, is never recorded: it stays theirs.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

inline constexpr const char* kInjectedRecordName = "SPARKFABRIC_INJECTED";

// "NAME=VALUE NAME=VALUE": space-separated, '%', ' ' and control bytes in values %XX-escaped,
// so the record stays one readable line in `printenv`.
std::string encode_injected_record(const std::vector<PlannedVariable>& injected);
// Entries that are not NAME=VALUE with a valid name are skipped: the record arrives through the
// user's environment and is never trusted for more than "this value was ours".
std::map<std::string, std::string> decode_injected_record(const std::string& text);

// The record in `environment`, restricted to the kinds of names the plugin injects (NCCL_,
// UCX_, OMPI_MCA_, GLOO_, TP_, SPARKFABRIC_) and the site config's own extra_env names
// (`site_names`, any node's): the user controls the job's environment, so a record may only
// ever make the plugin replan or remove such variables, never others (LD_PRELOAD, SLURM_*).
std::map<std::string, std::string> read_injected_record(const EnvLookup& environment,
                                                        const std::set<std::string>& site_names = {});

// The user's own values of what the plan may set (its variables and the site's extra_env):
// what the environment has, less empty values and values equal to the record (an earlier
// step's injection). The plugin and `spark-fabric env` both read them so.
std::map<std::string, std::string> users_values(const EnvLookup& environment, const SiteConfig& config,
                                                const std::map<std::string, std::string>& record);

}  // namespace sparkfabric
