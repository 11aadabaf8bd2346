// Every converted model (models/NAME.lfr) through CudaSession against the TF.js golden outputs
// (tests/golden/*/in*.npy -> out*.npy, layout as tests/test_models.cpp), within 1e-4 relative.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "gpu_test_util.h"
#include "lfr/core/npy.h"
#include "lfr/cuda/session.h"

namespace fs = std::filesystem;
using namespace lfr;

TEST_CASE("models on CUDA match the TF.js golden outputs") {
    const fs::path root = LFR_SOURCE_DIR;
    std::vector<fs::path> cases;
    if (fs::exists(root / "tests/golden"))
        for (const auto& e : fs::directory_iterator(root / "tests/golden"))
            if (fs::exists(e.path() / "meta.json")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE_MESSAGE(!cases.empty(), "no golden outputs in tests/golden");
    int ran = 0;
    for (const auto& dir : cases) {
        std::ifstream f(dir / "meta.json");
        const auto meta = nlohmann::json::parse(f);
        const std::string name = meta.at("model").get<std::string>();
        const fs::path model_path = root / "models" / (name + ".lfr");
        if (!fs::exists(model_path)) {
            if (std::getenv("LFR_REQUIRE_MODELS")) FAIL_CHECK("missing " << model_path << " (run scripts/setup.sh)");
            else MESSAGE("skipping " << dir.filename().string() << ": " << model_path << " not converted");
            continue;
        }
        const Model model = Model::load(model_path.string());
        std::vector<Tensor> inputs;
        for (int i = 0; fs::exists(dir / ("in" + std::to_string(i) + ".npy")); ++i)
            inputs.push_back(read_npy((dir / ("in" + std::to_string(i) + ".npy")).string()));
        cuda::CudaSession session(model);
        const auto outs = session.run(views(inputs));
        ++ran;
        MESSAGE(dir.filename().string() << ": " << session.placement_summary() << ", arena "
                                        << session.plan().arena_floats * 4 / 1024 << " KiB, weights "
                                        << session.weight_bytes_on_device() / 1024 << " KiB");
        REQUIRE(outs.size() == meta.at("outputs").size());
        for (size_t i = 0; i < outs.size(); ++i) {
            Tensor ref = read_npy((dir / ("out" + std::to_string(i) + ".npy")).string());
            INFO(dir.filename().string() << " output " << i);
            REQUIRE(outs[i].shape.numel() == ref.shape.numel());
            ref.shape = outs[i].shape;  // golden files may drop unit dims
            const double err = gpu_test::relative_error(outs[i], ref);
            MESSAGE(dir.filename().string() << " out" << i << " " << outs[i].shape.str() << " rel err " << err);
            CHECK(err <= 1e-4);
        }
    }
    MESSAGE(ran << " of " << cases.size() << " golden cases ran on CUDA");
}
