// Every converted model (models/NAME.lfr) through CudaSession against the TF.js golden outputs
// (support/parity.h: tests/golden/*/in*.npy -> out*.npy), within 1e-4 relative.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "lfr/cuda/session.h"
#include "parity.h"

namespace fs = std::filesystem;
using namespace lfr;

TEST_CASE("models on CUDA match the TF.js golden outputs") {
    const fs::path root = LFR_SOURCE_DIR;
    const auto cases = parity::model_golden_cases(root / "tests/golden");
    REQUIRE_MESSAGE(!cases.empty(), "no golden outputs in tests/golden");
    int ran = 0;
    for (const auto& golden : cases) {
        const fs::path model_path = root / "models" / (golden.model + ".lfr");
        if (!fs::exists(model_path)) {
            if (std::getenv("LFR_REQUIRE_MODELS")) FAIL_CHECK("missing " << model_path << " (run scripts/setup.sh)");
            else MESSAGE("skipping " << golden.name() << ": " << model_path << " not converted");
            continue;
        }
        const Model model = Model::load(model_path.string());
        const std::vector<Tensor> inputs = golden.inputs();
        cuda::CudaSession session(model);
        const auto outs = session.run(views(inputs));
        ++ran;
        MESSAGE(golden.name() << ": " << session.placement_summary() << ", arena "
                              << session.plan().arena_floats * 4 / 1024 << " KiB, weights "
                              << session.weight_bytes_on_device() / 1024 << " KiB");
        REQUIRE(outs.size() == golden.outputs);
        for (size_t i = 0; i < outs.size(); ++i) {
            const Tensor ref = golden.output(i);
            INFO(golden.name() << " output " << i);
            REQUIRE(outs[i].shape.numel() == ref.shape.numel());
            const double err = parity::relative_error(outs[i], ref);
            MESSAGE(golden.name() << " out" << i << " " << outs[i].shape.str() << " rel err " << err);
            CHECK(err <= 1e-4);
        }
    }
    MESSAGE(ran << " of " << cases.size() << " golden cases ran on CUDA");
}
