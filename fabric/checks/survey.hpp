// `spark-fabric survey`: one report per node of an allocation, checked across the nodes. A
// node's plugin sees only its own node; the faults that cost days are between nodes: an MTU
// that differs, a node on another subnet, a ring that does not close, a link at 100G, NCCL or
// torch builds that differ. Everything here is pure: reports in, a verdict per cell out.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/checks/survey_image.hpp"
#include "fabric/common/config.hpp"
#include "fabric/common/findings.hpp"
#include "fabric/discovery/software.hpp"
#include "fabric/facts/node_facts.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// What one node says about itself (`spark-fabric survey-node`, run on the node by srun or ssh).
struct NodeReport {
    std::string node;
    NodeFacts facts;
    Plan plan;                      // what the plugin would inject there
    std::vector<Finding> findings;  // the node's own checks
    SoftwareFacts software;
    long long task_memlock_kib = -1;  // the limit a task of the job gets; -1 unlimited
    // survey --container-image: the node's view from inside the image. Not in the node's JSON:
    // the survey's own probe step fills it in (spark-fabric cannot run in the image).
    std::optional<ImageView> image;
};

std::string node_report_to_json(const NodeReport& report);
NodeReport node_report_from_json(const std::string& text, const std::string& source);  // throws runtime_error

// One TCP connect a node made to a peer, from its own address on that network.
struct Probe {
    std::string from_node;
    std::string to_node;
    std::string from_address;
    std::string to_address;
    std::string network;  // "bootstrap" or the fabric subnet both sides are on
    bool answered = false;
    std::string detail;   // "port closed, host reachable", "no answer within 2000 ms", ...
};

// The connects `self` must make: every peer's bootstrap address (all pairs must reach it) and,
// on every fabric subnet `self` shares with a peer, that peer's address there.
std::vector<Probe> planned_probes(const NodeReport& self, const std::vector<NodeReport>& all);

enum class Cell { ok, warn, fail, none };
const char* to_string(Cell cell);

struct SurveyProblem {
    Severity severity = Severity::warning;
    std::string node;
    std::string subject;  // the interface, library or variable
    std::string message;
    std::string fix;
};

// `survey --bandwidth`: spark-nccl-check across the allocation after the checks pass.
struct BandwidthRun {
    bool requested = false;
    bool measured = false;
    double peak_all_reduce_busbw = 0;  // GB/s
    double pass_mark = 0;              // the site's: min_busbw_gbps, or min_busbw_ring_gbps on a ring
    std::string note;                  // why it was not measured, or spark-nccl-check's verdict line
};

// The peak all_reduce bus bandwidth from spark-nccl-check's summary ("# peak busbw: all_reduce
// 23.10 GB/s, ..."); nullopt when the output has none.
std::optional<double> nccl_check_peak(const std::string& output);

struct SurveyResult {
    std::vector<std::string> nodes;    // rows, in allocation order
    std::vector<std::string> checks;   // columns
    std::map<std::string, std::map<std::string, Cell>> cells;  // node -> check -> cell
    std::vector<SurveyProblem> problems;
    // The variables the plugin would inject, node by node; `differs` names those that are not
    // the same everywhere (addresses are expected to differ).
    std::map<std::string, std::map<std::string, std::string>> variables;  // variable -> node -> value
    std::vector<std::string> differs;
    BandwidthRun bandwidth;
    std::string image;                        // survey --container-image; empty without
    std::map<std::string, ImageView> images;  // node -> its view from inside the image
    int exit_code = 0;  // 0 ok, 1 warnings, 2 errors
};

// `expected` are the allocation's nodes; those without a report are down (`why_silent` may say
// why: "no answer within 10 s", "srun exited 1"). `unprobed`: nodes whose probe step timed out
// before it could probe, with why ("started only after 6.2 s of the 5 s allowed"): one warning
// each, not a FAIL for every cable the step did not get to.
SurveyResult analyze_survey(const std::vector<std::string>& expected, const std::vector<NodeReport>& reports,
                            const std::vector<Probe>& probes, const SiteConfig& config,
                            const std::map<std::string, std::string>& why_silent = {},
                            const BandwidthRun& bandwidth = {},
                            const std::map<std::string, std::string>& unprobed = {});

std::string probes_to_json(const std::vector<Probe>& probes);
std::vector<Probe> probes_from_json(const std::string& text, const std::string& source);  // throws runtime_error

std::string survey_to_text(const SurveyResult& result, bool colour);
std::string survey_to_json(const SurveyResult& result);
// survey_to_json's document back, as far as survey_to_text reads it (spark-launch --preflight
// runs `spark-fabric survey --format json` and shows the table). Throws runtime_error naming
// `source` when the text is not such a document.
SurveyResult survey_from_json(const std::string& text, const std::string& source);

}  // namespace sparkfabric
