// Every converted model against the outputs of the original TF.js implementation
// (tests/golden/*: in0.npy -> out0.npy, out1.npy, ... made by weights_tools/golden/make_golden.js).
#include <doctest/doctest.h>

#include <filesystem>

#include "lfr/runtime/executor.h"
#include "parity.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace lfr;

TEST_CASE("models match the TF.js golden outputs") {
    const fs::path root = LFR_SOURCE_DIR;
    const auto cases = parity::model_golden_cases(root / "tests/golden");
    REQUIRE_MESSAGE(!cases.empty(), "no golden outputs in tests/golden");
    for (const auto& golden : cases) {
        const fs::path model_path = root / "models" / (golden.model + ".lfr");
        if (!test::have_file(model_path)) continue;
        const Model model = Model::load(model_path.string());
        const std::vector<Tensor> inputs = golden.inputs();
        Session session(model);
        const auto outs = session.run(views(inputs));
        REQUIRE(outs.size() == golden.outputs);
        for (size_t i = 0; i < outs.size(); ++i) {
            const Tensor ref = golden.output(i);
            INFO(golden.name() << " output " << i);
            REQUIRE(outs[i].shape.numel() == ref.shape.numel());
            const double err = parity::relative_error(outs[i], ref);
            MESSAGE(golden.name() << " out" << i << " " << outs[i].shape.str() << " rel err " << err
                                            << ", working memory " << session.plan().arena_floats * 4 / 1024 << " KiB");
            CHECK(err <= 1e-4);
        }
    }
}
