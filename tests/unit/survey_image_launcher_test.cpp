// survey --container-image's probe step: its command line, and the one line it makes of a step
// that gave no view, from the stderr pyxis and enroot really print (recorded on the emulated
// cluster: tests/cluster/survey_container_test.sh, pyxis 0.24 and enroot 4.1).
#include <gtest/gtest.h>

#include <algorithm>

#include "fabric/discovery/image_probe.hpp"
#include "tools/spark-fabric/survey/survey_image.hpp"

namespace sparkfabric::survey {
namespace {

const ImageSurvey kSurvey{"/images/x.sqsh", "", 20};

std::string failure(const std::string& stderr_text, int status = 1) {
    Captured captured;
    captured.status = status;
    captured.err = stderr_text;
    return image_probe_failure(kSurvey, "spark-dgx-1", captured);
}

TEST(ImageProbeStep, OneTaskOnTheNodeInTheImageRunningTheConstantScript) {
    const Argv argv = image_probe_step({"/images/x.sqsh", "/data:/data", 60}, "spark-dgx-2");
    const Argv head(argv.begin(), argv.begin() + 10);
    EXPECT_EQ(head, (Argv{"srun", "--overlap", "--quiet", "--nodes=1", "--ntasks=1", "--nodelist=spark-dgx-2",
                          "--container-image=/images/x.sqsh", "--container-mounts=/data:/data", "--container-workdir=/", "sh"}));
    EXPECT_EQ(argv.at(10), "-c");
    EXPECT_EQ(argv.at(11), image_probe_script());
    EXPECT_EQ(argv.size(), 13u);
    const Argv without_mounts = image_probe_step(kSurvey, "n");
    EXPECT_EQ(std::count_if(without_mounts.begin(), without_mounts.end(),
                            [](const std::string& word) { return word.rfind("--container-mounts", 0) == 0; }),
              0);
}

TEST(ImageProbeFailure, EnrootsReasonNamingTheImageAndTheNode) {
    // A missing image.
    EXPECT_EQ(failure("srun: error: spark-dgx-1: task 0: Exited with exit code 1\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: child 18901 failed with error code: 1\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: failed to create container filesystem for image: /images/x.sqsh\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: printing enroot log file:\n"
                      "slurmstepd-spark-dgx-1: error: pyxis:     [ERROR] No such file or directory: /images/x.sqsh\n"
                      "slurmstepd-spark-dgx-1: error: spank: required plugin spank_pyxis.so: task_init() failed with rc=-1\n"
                      "slurmstepd-spark-dgx-1: error: Failed to invoke spank plugin stack\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: child 18917 failed with error code: 1\n"),
              "the image /images/x.sqsh did not start on spark-dgx-1: No such file or directory: /images/x.sqsh");
    // Not an image.
    EXPECT_EQ(failure("slurmstepd-spark-dgx-2: error: pyxis: printing enroot log file:\n"
                      "slurmstepd-spark-dgx-2: error: pyxis:     [ERROR] Invalid image format: /etc/hostname\n"),
              "the image /images/x.sqsh did not start on spark-dgx-1: Invalid image format: /etc/hostname");
    // A registry that cannot be reached: curl's line in enroot's log, not pyxis's progress line.
    EXPECT_EQ(failure("pyxis: importing docker image: docker://nosuch/image\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: child 19042 failed with error code: 6\n"
                      "srun: error: spark-dgx-1: task 0: Exited with exit code 1\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: failed to import docker image: docker://nosuch/image\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: printing enroot log file:\n"
                      "slurmstepd-spark-dgx-1: error: pyxis:     [INFO] Querying registry for permission grant\n"
                      "slurmstepd-spark-dgx-1: error: pyxis:     curl: (6) Could not resolve host: registry-1.docker.io\n"
                      "slurmstepd-spark-dgx-1: error: spank: required plugin spank_pyxis.so: task_init() failed with rc=-1\n"),
              "the image /images/x.sqsh did not start on spark-dgx-1: curl: (6) Could not resolve host: registry-1.docker.io");
    // An image without sh.
    EXPECT_EQ(failure("slurmstepd-spark-dgx-1: error: pyxis: container start failed with error code: 1\n"
                      "srun: error: spark-dgx-1: task 0: Exited with exit code 1\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: printing enroot log file:\n"
                      "slurmstepd-spark-dgx-1: error: pyxis:     enroot-switchroot: failed to execute: /bin/sh: No such file or directory\n"
                      "slurmstepd-spark-dgx-1: error: pyxis: container was not started successfully by another task\n"),
              "the image /images/x.sqsh did not start on spark-dgx-1: enroot-switchroot: failed to execute: /bin/sh: No such "
              "file or directory");
    // The plugin refuses the image (a site with check.level strict).
    EXPECT_EQ(failure("slurmstepd-spark-dgx-1: error: sparkfabric: spark-dgx-1: --fabric-check=strict: the container image "
                      "is not fit for this fabric, the job does not start:\n"
                      "sparkfabric: warning: spark-dgx-1: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1\n"
                      "slurmstepd-spark-dgx-1: error: spank: required plugin sparkfabric.so: task_init() failed with rc=-1\n"),
              "the image /images/x.sqsh did not start on spark-dgx-1: the sparkfabric plugin stops jobs in this image here "
              "(--fabric-check=strict): warning: spark-dgx-1: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1");
}

TEST(ImageProbeFailure, NoAnswerInTimeAndNothingSaid) {
    EXPECT_EQ(failure("", 124),
              "the image /images/x.sqsh did not start on spark-dgx-1: no answer within 20 s (pulling or unpacking a large "
              "image takes longer: raise --timeout)");
    EXPECT_EQ(failure("", 127), "the image /images/x.sqsh did not start on spark-dgx-1: could not start srun");
    EXPECT_EQ(failure("", 3), "the image /images/x.sqsh did not start on spark-dgx-1: the step exited 3");
    EXPECT_EQ(failure(std::string(1000, 'x')).size(), std::string("the image /images/x.sqsh did not start on spark-dgx-1: ").size() + 303);
}

}  // namespace
}  // namespace sparkfabric::survey
