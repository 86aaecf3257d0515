// Runs `spark-fabric survey` across an allocation (srun, one step per node, in parallel) or a
// hostfile (ssh): every node reports itself, then probes its peers; the core checks the lot.
// Every phase is bounded: a node that does not answer in time is a FAIL cell, never a hang.
#pragma once

#include <string>
#include <vector>

#include "fabric/checks/survey.hpp"

namespace sparkfabric::survey {

struct SurveyRequest {
    std::string hostfile;        // empty: the Slurm allocation (SLURM_JOB_NODELIST)
    std::string config_path;     // handed to every node; empty: the node's default
    std::string spark_fabric;    // the agent every node runs
    int timeout_seconds = 10;    // per phase and node
    int probe_timeout_ms = 2000; // per TCP connect
    bool bandwidth = false;      // then spark-nccl-check across the allocation, when the checks pass
    std::string container_image;   // also each node's view from inside this image (pyxis); empty: none
    std::string container_mounts;  // pyxis's --container-mounts for it
    int image_timeout_seconds = 60;  // its step per node: importing an image takes longer than an answer
};

struct SurveyRun {
    SurveyResult result;
    double seconds = 0;  // wall time of the whole survey
};

SurveyRun run_survey(const SurveyRequest& request);

// Why a node's `step` gave no answer within timeout_seconds, with when it started: its agent
// writes a line as soon as it runs, so `first_output_ms` (-1: never) tells a step that Slurm or
// ssh started late from one that ran slowly.
std::string step_timeout_reason(const std::string& step, long first_output_ms, int timeout_seconds);

}  // namespace sparkfabric::survey
