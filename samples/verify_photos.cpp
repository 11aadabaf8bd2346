// Are two photos of the same person?  verify_photos A.jpg B.jpg
//
//     $ verify_photos alice1.jpg alice2.jpg
//     distance 0.734 (threshold 1.1): same person
//
// Each photo is taken to be a portrait: Pipeline::embed_subject finds the faces and embeds the one nearest
// the centre (in a group photo, the middle face). Two descriptors are the same person when their distance
// is below the pipeline's threshold, the embedder's own (1.1 for the default MobileFaceNet, chosen on LFW).
// Models are read from ./models (scripts/setup.sh makes them), or from $LFR_MODELS.
// Exit status: 0 with an answer, 1 when a photo cannot be read or has no face, 2 for a usage error.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: verify_photos A.jpg B.jpg\n");
        return 2;
    }
    try {
        lfr::PipelineOptions options;  // the default stages: MTCNN, its ONet points, MobileFaceNet
        if (const char* dir = std::getenv("LFR_MODELS")) options.models_dir = dir;
        const lfr::Pipeline faces(options);  // loads the models once; reuse it for every photo

        std::vector<float> descriptor[2];
        for (int i = 0; i < 2; ++i) {
            const std::optional<lfr::Face> face = faces.embed_subject(lfr::load_image(argv[1 + i]));
            if (!face) {
                std::fprintf(stderr, "verify_photos: %s: no face found\n", argv[1 + i]);
                return 1;
            }
            descriptor[i] = face->descriptor;
        }
        const float distance = faces.distance(descriptor[0], descriptor[1]);
        const bool same = faces.same_person(descriptor[0], descriptor[1]);  // distance < match_threshold()
        std::printf("distance %.3f (threshold %.3g): %s\n", distance, faces.match_threshold(),
                    same ? "same person" : "different people");
        return 0;
    } catch (const lfr::Error& e) {  // a missing or unreadable photo, or models/ not made yet
        std::fprintf(stderr, "verify_photos: %s\n", e.what());
        return 1;
    }
}
