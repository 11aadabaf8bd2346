// Detects the faces of one photo with lfr vendored into this project: consumer MODELS_DIR PHOTO.
#include <cstdio>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "lfr/version.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: consumer MODELS_DIR PHOTO\n");
        return 2;
    }
    try {
        lfr::PipelineOptions options;
        options.models_dir = argv[1];
        const lfr::Pipeline faces(options);
        const auto found = faces.detect(lfr::load_image(argv[2]));
        std::printf("lfr %s vendored: %zu faces in %s\n", lfr::kVersionString, found.size(), argv[2]);
        return found.empty() ? 1 : 0;
    } catch (const lfr::Error& e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 1;
    }
}
