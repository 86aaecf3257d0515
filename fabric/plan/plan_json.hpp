// The one JSON form of a plan and of a finding, for `spark-fabric env --format json`, the
// survey's node reports and whatever reads them back. nlohmann's to_json/from_json, so that
// vectors and documents holding them convert as they stand.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "fabric/common/findings.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// A severity as to_string names it ("info", "warning", "error"); throws runtime_error otherwise.
Severity severity_named(const std::string& text);

void to_json(nlohmann::json& json, const Finding& finding);
void from_json(const nlohmann::json& json, Finding& finding);
void to_json(nlohmann::json& json, const PlannedVariable& variable);
void from_json(const nlohmann::json& json, PlannedVariable& variable);
// Every field; the topology and the mode by name. Reading throws on a missing field, a wrong type,
// or a name the site config would refuse.
void to_json(nlohmann::json& json, const Plan& plan);
void from_json(const nlohmann::json& json, Plan& plan);

}  // namespace sparkfabric
