// spark-launch --preflight reads `spark-fabric survey --format json` back and prints the table:
// the document read back must print as the survey itself would have.
#include <gtest/gtest.h>

#include <stdexcept>

#include "fabric/checks/survey.hpp"

namespace sparkfabric {
namespace {

SurveyResult sample() {
    SurveyResult result;
    result.nodes = {"spark-dgx-1", "spark-dgx-2"};
    result.checks = {"answer", "reach"};
    result.cells["spark-dgx-1"] = {{"answer", Cell::ok}, {"reach", Cell::fail}};
    result.cells["spark-dgx-2"] = {{"answer", Cell::warn}, {"reach", Cell::none}};
    result.problems.push_back({Severity::error, "spark-dgx-1", "enp1s0f0np0", "no TCP path", "check the cable"});
    result.problems.push_back({Severity::warning, "spark-dgx-2", "mtu", "1500 here, 9000 there", ""});
    result.variables["NCCL_SOCKET_IFNAME"] = {{"spark-dgx-1", "enp1s0f0np0"}, {"spark-dgx-2", "enp1s0f1np1"}};
    result.differs = {"NCCL_SOCKET_IFNAME"};
    result.image = "/images/x.sqsh";
    ImageView view;
    view.image = result.image;
    view.runtime.machine = "aarch64";
    view.runtime.software.nccl.push_back({"/usr/lib/libnccl.so.2.28.9", "2.28.9", "", "system"});
    view.runtime.software.torch_version = "2.9.0";
    view.runtime.conf.push_back({"/etc/nccl.conf", 1, "NCCL_IB_USE_INLINE", "1"});
    view.image_environment = {{"NCCL_DEBUG", "INFO"}};
    result.images["spark-dgx-1"] = view;
    ImageView failed;
    failed.image = result.image;
    failed.error = "pyxis: no such image";
    result.images["spark-dgx-2"] = failed;
    result.exit_code = 2;
    return result;
}

TEST(SurveyJson, ReadsBackWhatTheTablePrints) {
    const SurveyResult original = sample();
    const SurveyResult read = survey_from_json(survey_to_json(original), "test");
    EXPECT_EQ(survey_to_text(read, false), survey_to_text(original, false));
    EXPECT_EQ(read.exit_code, 2);
    EXPECT_EQ(survey_to_json(read), survey_to_json(original));
}

TEST(SurveyJson, RefusesWhatIsNotASurvey) {
    EXPECT_THROW(survey_from_json("", "spark-fabric survey"), std::runtime_error);
    EXPECT_THROW(survey_from_json("{\"nodes\": []}", "spark-fabric survey"), std::runtime_error);
}

}  // namespace
}  // namespace sparkfabric
