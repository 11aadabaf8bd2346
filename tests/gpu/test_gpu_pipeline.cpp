// The face pipeline on the CUDA backend (PipelineOptions::backend) against the same pipeline on the
// CPU: the same faces, boxes and descriptors on a sample photo.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "lfr/cuda/backend.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

namespace fs = std::filesystem;
using namespace lfr;

TEST_CASE("the default pipeline on the CUDA backend finds and embeds what the CPU does") {
    const fs::path root = LFR_SOURCE_DIR;
    const fs::path photo = root / ".cache/packages/face-api/package/demo/sample1.jpg";
    if (!fs::exists(root / "models/mobilefacenet.lfr") || !fs::exists(photo)) {
        MESSAGE("skipped: models/ or the sample photos missing (run scripts/setup.sh)");
        return;
    }
    PipelineOptions o;
    o.models_dir = (root / "models").string();
    const Pipeline cpu(o);
    o.backend = cuda::backend();
    const Pipeline gpu(o);
    const Image img = load_image(photo.string());
    const std::vector<Face> a = cpu.embed(img), b = gpu.embed(img);
    REQUIRE(a.size() == b.size());
    REQUIRE(!a.empty());
    for (size_t i = 0; i < a.size(); ++i) {
        CHECK(std::fabs(a[i].detection.box.x1 - b[i].detection.box.x1) < 0.5f);
        CHECK(std::fabs(a[i].detection.box.y2 - b[i].detection.box.y2) < 0.5f);
        CHECK(cpu.distance(a[i].descriptor, b[i].descriptor) < 1e-3f);
    }
}
