// `lfr calibrate --db GALLERY IMPOSTOR_IMAGE...`: the gallery's threshold for a target false positive
// identification rate, measured on faces of people who are not enrolled (lfr/face/calibration.h).
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "face_report.h"
#include "lfr/face/calibration.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kCalibrateHelp =
    "usage: lfr calibrate --db GALLERY IMAGE... [--list FILE] [--fpir F] [--dry-run] [pipeline options]\n"
    "\n"
    "Measures, for every face in the images (people who are NOT in the gallery), the distance to the\n"
    "nearest enrolled descriptor, and stores in the gallery the threshold at which a fraction F of such\n"
    "searches would name somebody: the false positive identification rate at the gallery's present size.\n"
    "`lfr watch` uses it instead of the embedder's default threshold, and warns once the gallery has more\n"
    "people than when it was calibrated. With n impostor faces the smallest rate measurable is 1/n.\n"
    "  --fpir F     target false positive identification rate (default 0.01)\n"
    "  --dry-run    print the measurement, store nothing\n"
    "Prints one JSON line: {\"threshold\": t, \"fpir\": F, \"people\": n, \"impostors\": m, \"min\": d,\n"
    "\"median\": d, \"default_threshold\": t0, \"fpir_at_default\": r}.\n"
    "\n";

int cmd_calibrate(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kCalibrateHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const std::string db = args.value("--db");
    usage_check(!db.empty(), "--db GALLERY is required (see --help)");
    const double fpir = args.float_value("--fpir", 0.01f);
    usage_check(fpir > 0 && fpir < 1, "--fpir must lie between 0 and 1");
    const bool dry_run = args.flag("--dry-run");
    const std::string list = args.value("--list");
    const PipelineOptions po = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, po);
    const std::vector<std::string> paths = image_paths(args.positionals(), list);
    usage_check(!paths.empty(), "give impostor IMAGEs: photos of people who are not in the gallery (see --help)");
    struct stat st {};
    LFR_CHECK(::stat(db.c_str(), &st) == 0, db + ": no such gallery (make one with: lfr enroll --db " + db + " NAME IMAGE...)");

    const Pipeline pipeline = load_pipeline(po);
    GalleryOptions go;
    go.read_only = dry_run, go.create = false;
    Gallery gallery = Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size(), go);
    const int64_t people = int64_t(gallery.list().size());
    IdentifyOptions nearest;
    nearest.by = MatchBy::Nearest;
    std::vector<float> distances;
    int failed = 0;
    {
        Progress progress("calibrate", paths.size());
        for (size_t i = 0; i < paths.size(); ++i) {
            progress.step(i, paths[i]);
            try {
                for (const Face& f : pipeline.embed(load_image(paths[i], decoding)))
                    distances.push_back(gallery.identify(f.descriptor, nearest).distance);
            } catch (const Error& e) {
                progress.clear();
                report_error("calibrate", about_image(paths[i], e.what()));
                ++failed;
            }
        }
        progress.step(paths.size(), "");
    }
    LFR_CHECK(!distances.empty(), "no face found in any of the " + std::to_string(paths.size()) + " images; nothing calibrated");
    Calibration c;
    c.threshold = fpir_threshold(distances, fpir);
    c.fpir = fpir, c.people = people, c.impostors = int64_t(distances.size());
    std::vector<float> sorted = distances;
    std::sort(sorted.begin(), sorted.end());
    const float t0 = pipeline.match_threshold();
    const double at_default = double(std::lower_bound(sorted.begin(), sorted.end(), t0) - sorted.begin()) / double(sorted.size());
    if (!dry_run) write_calibration(gallery, c);
    print_json({{"threshold", rounded(c.threshold, 4)}, {"fpir", fpir}, {"people", people}, {"impostors", c.impostors},
                {"min", rounded(sorted.front(), 4)}, {"median", rounded(sorted[sorted.size() / 2], 4)},
                {"default_threshold", rounded(t0, 4)}, {"fpir_at_default", rounded(at_default, 4)}});
    if (double(distances.size()) * fpir < 1)
        std::fprintf(stderr, "lfr calibrate: note: %zu impostor faces cannot resolve FPIR %g (at best 1/%zu); the threshold "
                             "is the smallest distance measured\n", distances.size(), fpir, distances.size());
    return failed ? kExitFailure : 0;
}

}  // namespace lfr::cli
