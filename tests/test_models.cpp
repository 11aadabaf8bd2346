// Every converted model against the outputs of the original TF.js implementation
// (tests/golden/*: in0.npy -> out0.npy, out1.npy, ... made by weights_tools/golden/make_golden.js).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lfr/core/npy.h"
#include "lfr/runtime/executor.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace lfr;

namespace {

// max |a - b| / max(1, max |b|): the parity measure.
double relative_error(const Tensor& a, const Tensor& b) {
    double diff = 0, scale = 1;
    for (size_t i = 0; i < b.values.size(); ++i) {
        diff = std::max(diff, double(std::fabs(a.values[i] - b.values[i])));
        scale = std::max(scale, double(std::fabs(b.values[i])));
    }
    return diff / scale;
}

}  // namespace

TEST_CASE("models match the TF.js golden outputs") {
    const fs::path root = LFR_SOURCE_DIR;
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(root / "tests/golden"))
        if (fs::exists(e.path() / "meta.json")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE_MESSAGE(!cases.empty(), "no golden outputs in tests/golden");
    for (const auto& dir : cases) {
        std::ifstream f(dir / "meta.json");
        const auto meta = nlohmann::json::parse(f);
        if (!meta.contains("model")) continue;  // not a single-model golden (e.g. pipeline/)
        const std::string name = meta.at("model").get<std::string>();
        const fs::path model_path = root / "models" / (name + ".lfr");
        if (!fs::exists(model_path)) {
            if (test::models_required()) FAIL_CHECK("missing " << model_path << " (run scripts/setup.sh)");
            else MESSAGE("skipping " << dir.filename().string() << ": " << model_path << " not converted (run scripts/setup.sh)");
            continue;
        }
        const Model model = Model::load(model_path.string());
        std::vector<Tensor> inputs;
        for (int i = 0; fs::exists(dir / ("in" + std::to_string(i) + ".npy")); ++i)
            inputs.push_back(read_npy((dir / ("in" + std::to_string(i) + ".npy")).string()));
        Session session(model);
        const auto outs = session.run(views(inputs));
        REQUIRE(outs.size() == meta.at("outputs").size());
        for (size_t i = 0; i < outs.size(); ++i) {
            const Tensor ref = read_npy((dir / ("out" + std::to_string(i) + ".npy")).string());
            INFO(dir.filename().string() << " output " << i);
            REQUIRE(outs[i].shape.numel() == ref.shape.numel());
            const double err = relative_error(outs[i], ref);
            MESSAGE(dir.filename().string() << " out" << i << " " << outs[i].shape.str() << " rel err " << err
                                            << ", working memory " << session.plan().arena_floats * 4 / 1024 << " KiB");
            CHECK(err <= 1e-4);
        }
    }
}
