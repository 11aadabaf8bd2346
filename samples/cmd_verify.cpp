// `lfr verify A B`: is the main face of photo A the same person as the main face of photo B?
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "face_report.h"
#include "main_face.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kVerifyHelp =
    "usage: lfr verify IMAGE_A IMAGE_B [--json] [pipeline options]\n"
    "\n"
    "Compares the main face of each photo (the largest, nearest the centre) and says whether they are the\n"
    "same person: the Euclidean distance between their descriptors is below the threshold (--threshold,\n"
    "default 0.6). Exit status 0 for either answer; 1 when a photo cannot be read or shows no face.\n"
    "  --json   {\"a\": path, \"b\": path, \"distance\": d, \"threshold\": t, \"same\": bool,\n"
    "            \"faces\": [faces in a, faces in b], \"box_a\": [x1,y1,x2,y2], \"box_b\": [...]}\n"
    "\n";

int cmd_verify(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kVerifyHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const bool json = args.flag("--json");
    const PipelineOptions options = pipeline_options(args);
    const ImageDecoding decoding = image_option(args, options);
    const std::vector<std::string> paths = args.positionals();
    usage_check(paths.size() == 2, "expected two images, got " + std::to_string(paths.size()) + " (see --help)");

    const Pipeline pipeline = load_pipeline(options);
    MainFace face[2];
    int failed = 0;
    for (int i = 0; i < 2; ++i) {
        try {
            face[i] = main_face_of(pipeline, paths[size_t(i)], decoding);
        } catch (const Error& e) {
            report_error("verify", about_image(paths[size_t(i)], e.what()));
            ++failed;
        }
    }
    if (failed) return kExitFailure;

    const Verification v = verify(face[0].face.descriptor, face[1].face.descriptor, pipeline.match_threshold());
    if (json) {
        print_json({{"a", paths[0]}, {"b", paths[1]}, {"distance", rounded(v.distance, 6)},
                    {"threshold", rounded(pipeline.match_threshold(), 6)}, {"same", v.same}, {"faces", {face[0].faces, face[1].faces}},
                    {"box_a", box_json(face[0].face.detection.box)}, {"box_b", box_json(face[1].face.detection.box)}});
    } else {
        std::printf("%s: distance %.4f %s threshold %.2f", v.same ? "same person" : "different people", v.distance,
                    v.same ? "<" : ">=", double(pipeline.match_threshold()));
        for (int i = 0; i < 2; ++i)
            if (face[i].faces > 1)
                std::printf("%s%s: main face of %zu", i == 0 || face[0].faces <= 1 ? " (" : "; ",
                            paths[size_t(i)].c_str(), face[i].faces);
        std::printf("%s\n", face[0].faces > 1 || face[1].faces > 1 ? ")" : "");
    }
    return 0;
}

}  // namespace lfr::cli
