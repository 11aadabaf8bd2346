// Face detection and embedding with the models compiled into the program: no model files at run time,
// as on firmware with no file system.  from_memory PHOTO
//
// samples/CMakeLists.txt compiles the default pipeline's four models in with lfr_embed_model
// (cmake/lfr_embed.cmake), which writes each as an aligned byte array and its size:
//     lfr_embed_model(from_memory models/mobilefacenet.lfr mobilefacenet_lfr)  ->  "mobilefacenet_lfr.h"
// The Pipeline reads them in place (never copied) through PipelineOptions::models_in_memory.
#include <cstdio>

#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "mobilefacenet_lfr.h"
#include "mtcnn_onet_lfr.h"
#include "mtcnn_pnet_lfr.h"
#include "mtcnn_rnet_lfr.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: from_memory PHOTO\n");
        return 2;
    }
    try {
        lfr::PipelineOptions options;  // the default stages: MTCNN, its ONet points, MobileFaceNet
        options.models_in_memory = {
            {"mtcnn-pnet", {mtcnn_pnet_lfr, mtcnn_pnet_lfr_size}},
            {"mtcnn-rnet", {mtcnn_rnet_lfr, mtcnn_rnet_lfr_size}},
            {"mtcnn-onet", {mtcnn_onet_lfr, mtcnn_onet_lfr_size}},
            {"mobilefacenet", {mobilefacenet_lfr, mobilefacenet_lfr_size}},
        };
        options.models_dir = "";  // nothing is read from files
        const lfr::Pipeline faces(options);

        // One line per face: box (x1 y1 x2 y2), score, then the descriptor, every float printed exactly.
        for (const lfr::Face& f : faces.embed(lfr::load_image(argv[1]))) {
            const lfr::Box& b = f.detection.box;
            std::printf("face %.9g %.9g %.9g %.9g score %.9g descriptor", b.x1, b.y1, b.x2, b.y2, f.detection.score);
            for (float v : f.descriptor) std::printf(" %.9g", v);
            std::printf("\n");
        }
        return 0;
    } catch (const lfr::Error& e) {  // an unreadable photo (the models were checked when compiled in)
        std::fprintf(stderr, "from_memory: %s\n", e.what());
        return 1;
    }
}
