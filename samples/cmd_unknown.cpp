// `lfr observe` (faces that name themselves: each joins a known person or waits to form a new one) and
// `lfr search` (every stored face ranked by distance to a photo's face).
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "face_report.h"
#include "lfr/face/cluster.h"
#include "lfr/face/gallery.h"
#include "main_face.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kObserveHelp =
    "usage: lfr observe --db GALLERY IMAGE... [--list FILE] [--pool K] [--max-age SECONDS] [--min-size M]\n"
    "                   [pipeline options]\n"
    "\n"
    "Every face of each image joins the person whose medoid (their most central face) is within the\n"
    "clustering threshold (--threshold; default 0.82 x the embedder's verification threshold), unless that\n"
    "person already has a face from the same image; otherwise it waits in the\n"
    "gallery's pending pool. When K faces (--pool, default 50) have come into the pool since it was last\n"
    "clustered, or its oldest face is older than --max-age (default 3600 s), the pool is clustered and each\n"
    "cluster of at least M faces (--min-size, default 3) becomes a new unnamed person (person-1, ...;\n"
    "`lfr gallery rename` names them). Faces still in the pool after --max-age are dropped. The gallery is\n"
    "made when missing. One line per face: IMAGE: joined NAME (distance) | pending; new people announced.\n"
    "\n";

static const char* kSearchHelp =
    "usage: lfr search --db GALLERY IMAGE [--top N] [--json] [pipeline options]\n"
    "\n"
    "Ranks every stored face (named and unnamed people's, and the pending pool's) by distance to the main\n"
    "face of IMAGE, nearest first: distance, who (or \"pending\"), descriptor id, source image and time.\n"
    "  --top N   at most N results (default 20; 0: all)\n"
    "  --json    one JSON object: {\"image\": path, \"results\": [{\"distance\": d, \"person\": name or null,\n"
    "            \"unnamed\": bool, \"pending\": bool, \"medoid\": bool, \"id\": n, \"source\": path,\n"
    "            \"created\": time}]}\n"
    "\n";

int cmd_observe(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kObserveHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const std::string list = args.value("--list");
    const std::string db = args.value("--db");
    usage_check(!db.empty(), "--db GALLERY is required (see --help)");
    ObserveOptions how;
    const int pool = args.int_value("--pool", int(how.pool_size));
    usage_check(pool >= 1, "--pool must be at least 1");
    how.pool_size = size_t(pool);
    how.max_age_s = args.float_value("--max-age", float(how.max_age_s));
    usage_check(how.max_age_s > 0, "--max-age must be positive");
    const int min_size = args.int_value("--min-size", int(how.min_cluster));
    usage_check(min_size >= 1, "--min-size must be at least 1");
    how.min_cluster = size_t(min_size);
    const PipelineOptions options = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, options);
    const std::vector<std::string> paths = image_paths(args.positionals(), list);
    usage_check(!paths.empty(), "give at least one IMAGE (or --list FILE); see --help");

    const Pipeline pipeline = load_pipeline(options);
    how.threshold = options.match_threshold > 0 ? options.match_threshold : cluster_threshold(pipeline.match_threshold());
    Gallery gallery = Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size());
    int failed = 0;
    for (const std::string& path : paths) {
        try {
            const std::vector<Face> faces = pipeline.embed(load_image(path, decoding));
            if (faces.empty()) std::printf("%s: no face\n", path.c_str());
            for (const Face& f : faces) {
                const Observation seen = gallery.observe(f.descriptor, path, how);
                if (!seen.person.empty())
                    std::printf("%s: joined %s (%s)\n", path.c_str(), seen.person.c_str(), number_text(seen.distance, "%.3f").c_str());
                else
                    std::printf("%s: pending\n", path.c_str());
                for (const std::string& name : seen.new_people) std::printf("new person %s\n", name.c_str());
            }
            std::fflush(stdout);
        } catch (const Error& e) {
            report_error("observe", about_image(path, e.what()));
            ++failed;
        }
    }
    return failed ? kExitFailure : 0;
}

int cmd_search(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kSearchHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const bool json = args.flag("--json");
    const int top = args.int_value("--top", 20);
    usage_check(top >= 0, "--top must not be negative");
    const std::string db = args.value("--db");
    usage_check(!db.empty(), "--db GALLERY is required (see --help)");
    const PipelineOptions options = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, options);
    const std::vector<std::string> pos = args.positionals();
    usage_check(pos.size() == 1, "give one IMAGE (see --help)");

    const Pipeline pipeline = load_pipeline(options);
    GalleryOptions ro;
    ro.read_only = true;
    const Gallery gallery = Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size(), ro);
    const MainFace face = main_face_of(pipeline, pos[0], decoding);
    const std::vector<StoredFace> hits = gallery.search(face.face.descriptor, size_t(top));
    if (json) {
        Json results = Json::array();
        for (const StoredFace& h : hits)
            results.push_back({{"distance", rounded(h.distance, 4)}, {"person", h.pending ? Json(nullptr) : Json(h.person)},
                               {"unnamed", h.unnamed}, {"pending", h.pending}, {"medoid", h.medoid}, {"id", h.id},
                               {"source", h.source}, {"created", h.created}});
        print_json({{"image", pos[0]}, {"results", std::move(results)}});
        return 0;
    }
    if (hits.empty()) std::printf("%s: no faces stored\n", db.c_str());
    for (const StoredFace& h : hits)
        std::printf("%s  %-16s %6lld  %s  %s\n", number_text(h.distance, "%.3f").c_str(),
                    h.pending ? "(pending)" : (h.person + (h.medoid ? "*" : "")).c_str(), static_cast<long long>(h.id),
                    h.created.c_str(), h.source.c_str());
    return 0;
}

}  // namespace lfr::cli
