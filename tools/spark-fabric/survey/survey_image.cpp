#include "tools/spark-fabric/survey/survey_image.hpp"

#include <sstream>
#include <thread>

#include "fabric/discovery/image_probe.hpp"

namespace sparkfabric::survey {

using launch::run_capture_both;

namespace {

// "slurmstepd-NODE: error: pyxis:     [ERROR] No such file or directory: X" -> "No such file or
// directory: X": without Slurm's log prefix, pyxis's, the indent pyxis gives enroot's log, and
// enroot's level.
std::string without_prefixes(std::string line) {
    if (line.rfind("slurmstepd", 0) == 0 || line.rfind("srun:", 0) == 0) {
        const auto at = line.find("error: ");
        if (at != std::string::npos) line = line.substr(at + 7);
    }
    if (line.rfind("pyxis:", 0) == 0) line = line.substr(6);
    while (!line.empty() && line.front() == ' ') line.erase(0, 1);
    if (line.rfind("[ERROR] ", 0) == 0) line = line.substr(8);
    return line;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// pyxis's lines that only say that something failed, or what it was doing (pyxis_slurmstepd.c,
// common.c), not why; and Slurm's lines about the failed task.
bool says_only_that_it_failed(const std::string& reason) {
    for (const char* generic : {"child ", "failed to import docker image", "failed to create container filesystem",
                                "couldn't start container", "container start failed", "container was not started",
                                "printing enroot log file", "importing docker image", "spank: required plugin",
                                "Failed to invoke spank plugin stack", "task 0: Exited"}) {
        if (reason.find(generic) != std::string::npos) return true;
    }
    return false;
}

// The reason, most telling first: enroot's log as pyxis prints it on a failure (common.c
// pyxis_log_print: its [ERROR] line, else its last line that is not [INFO] or [WARN], such as
// curl's or enroot-switchroot's), the plugin's refusal (--fabric-check=strict) with its first
// finding, then the first pyxis or Slurm line that says more than "failed", else the last line.
std::string reason_in(const std::string& stderr_text) {
    std::vector<std::string> lines;
    std::istringstream stream(stderr_text);
    for (std::string line; std::getline(stream, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    std::vector<std::string> enroot_log;
    bool in_log = false;
    for (const auto& line : lines) {
        if (line.find("pyxis: printing enroot log file") != std::string::npos) {
            in_log = true;
        } else if (in_log && line.find("pyxis:     ") != std::string::npos) {
            enroot_log.push_back(without_prefixes(line.substr(line.find("pyxis:     "))));
        } else {
            in_log = false;
        }
    }
    for (const auto& line : lines) {
        if (line.find("[ERROR] ") != std::string::npos) return line.substr(line.find("[ERROR] ") + 8);
    }
    for (auto line = enroot_log.rbegin(); line != enroot_log.rend(); ++line) {
        if (!starts_with(*line, "[INFO]") && !starts_with(*line, "[WARN]")) return *line;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].find("sparkfabric: ") == std::string::npos || lines[i].find("--fabric-check=strict") == std::string::npos) {
            continue;
        }
        std::string why = "the sparkfabric plugin stops jobs in this image here (--fabric-check=strict)";
        if (i + 1 < lines.size() && starts_with(lines[i + 1], "sparkfabric: ")) why += ": " + lines[i + 1].substr(13);
        return why;
    }
    for (const auto& line : lines) {
        const std::string reason = without_prefixes(line);
        if ((starts_with(line, "slurmstepd") || starts_with(line, "pyxis:")) && !says_only_that_it_failed(reason)) {
            return reason;
        }
    }
    return lines.empty() ? std::string() : without_prefixes(lines.back());
}

}  // namespace

Argv image_probe_step(const ImageSurvey& survey, const std::string& node) {
    Argv argv{"srun", "--overlap", "--quiet", "--nodes=1", "--ntasks=1", "--nodelist=" + node,
              "--container-image=" + survey.image};
    if (!survey.mounts.empty()) argv.push_back("--container-mounts=" + survey.mounts);
    // The image's root, not the caller's directory: pyxis chdirs into the job's directory
    // inside the container and fails the step where the image has no such directory
    // (pyxis_slurmstepd.c, "couldn't chdir to container cwd").
    argv.push_back("--container-workdir=/");
    argv.insert(argv.end(), {"sh", "-c", image_probe_script(), "sparkfabric-image-probe"});
    return argv;
}

std::string image_probe_failure(const ImageSurvey& survey, const std::string& node, const Captured& captured) {
    std::string why;
    if (captured.status == 124) {
        why = "no answer within " + std::to_string(survey.timeout_seconds) +
              " s (pulling or unpacking a large image takes longer: raise --timeout)";
    } else if (captured.status == 127) {
        why = "could not start srun";
    } else {
        why = reason_in(captured.err);
        if (why.empty()) why = "the step exited " + std::to_string(captured.status);
    }
    if (why.size() > 300) why = why.substr(0, 300) + "...";
    return "the image " + survey.image + " did not start on " + node + ": " + why;
}

std::map<std::string, ImageView> probe_images(const ImageSurvey& survey, const std::vector<NodeReport>& reports) {
    std::vector<Captured> answers(reports.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < reports.size(); ++i) {
        threads.emplace_back([&, i] { answers[i] = run_capture_both(image_probe_step(survey, reports[i].node), survey.timeout_seconds); });
    }
    for (auto& thread : threads) thread.join();
    std::map<std::string, ImageView> views;
    for (size_t i = 0; i < reports.size(); ++i) {
        const std::string& node = reports[i].node;
        ImageView failed;
        failed.image = survey.image;
        if (answers[i].status != 0) {
            failed.error = image_probe_failure(survey, node, answers[i]);
            views[node] = failed;
            continue;
        }
        try {
            views[node] = image_view_from_probe(survey.image, answers[i].out, reports[i].plan);
        } catch (const std::exception& error) {
            failed.error = "the image " + survey.image + " on " + node + ": " + error.what() +
                           " (the image needs a POSIX sh, as any srun --container-image job does)";
            views[node] = failed;
        }
    }
    return views;
}

}  // namespace sparkfabric::survey
