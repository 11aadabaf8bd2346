// The gallery subcommands: `lfr enroll` (photos of a person -> descriptors in an SQLite gallery),
// `lfr identify` (every face of a photo -> a name or "unknown") and `lfr gallery list|rename|remove`.
#include <algorithm>
#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "cli.h"
#include "enroll_video.h"
#include "face_report.h"
#include "gallery_io.h"
#include "lfr/face/gallery.h"
#include "main_face.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kEnrollHelp =
    "usage: lfr enroll --db GALLERY NAME IMAGE... [--list FILE] [--strict] [pipeline options]\n"
    "\n"
    "Adds NAME to the gallery (an SQLite file, created when missing) with the descriptor of the main face\n"
    "(the largest, nearest the centre) of each image, all in one transaction. Enrolling a name again adds\n"
    "to that person's descriptors.\n"
    "  --list FILE   read image paths from FILE too, one a line ('-': standard input)\n"
    "  --strict      enroll nothing when any image cannot be read or shows no face\n"
    "  --video FILE  instead of images: the main person of a video (or stream, or image folder): the best and\n"
    "                most varied views of the track seen longest and largest (--views N, default 5;\n"
    "                --augment adds mirrored and jittered copies of each)\n"
    "Without --strict, images with no face are reported and skipped; unreadable images are reported and\n"
    "skipped too, and make the exit status 1 (the others are still enrolled).\n"
    "\n";

static const char* kIdentifyHelp =
    "usage: lfr identify --db GALLERY IMAGE... [--list FILE] [--json] [--draw OUT.png | --draw-dir DIR]\n"
    "                    [--match mean|nearest|centroid] [pipeline options]\n"
    "\n"
    "Names every face of each image from the gallery: the closest person when their distance is below the\n"
    "threshold (--threshold, default 0.6), else \"unknown\".\n"
    "  --json            the `lfr embed --json` line with, per face,\n"
    "                    \"identity\": {\"name\": n, \"distance\": d, \"known\": bool}  (name \"unknown\" when not known)\n"
    "  --draw OUT.png    the picture with each face's name and distance (one image only)\n"
    "  --draw-dir DIR    one annotated PNG per image into DIR\n"
    "  --match RULE      distance to a person: mean (default; mean distance to their descriptors, as face-api's\n"
    "                    FaceMatcher), nearest (closest descriptor) or centroid (mean descriptor)\n"
    "\n";

static const char* kGalleryHelp =
    "usage: lfr gallery list [NAME] --db GALLERY [--json]\n"
    "       lfr gallery rename OLD NEW --db GALLERY\n"
    "       lfr gallery remove NAME --db GALLERY\n"
    "       lfr gallery merge FROM INTO --db GALLERY\n"
    "       lfr gallery split NAME --ids ID,ID,... [--as NEW] --db GALLERY\n"
    "       lfr gallery reject NAME IMAGE --db GALLERY [pipeline options]\n"
    "       lfr gallery export --json --db GALLERY\n"
    "       lfr gallery import FILE --db GALLERY\n"
    "\n"
    "  list     the people (name, descriptors, first and last enrolment); with NAME, that person's faces:\n"
    "           descriptor id (* marks the medoid), when, and the source image\n"
    "  rename   renames a person (e.g. an unnamed person-3 once you know who it is)\n"
    "  remove   removes a person and their descriptors\n"
    "  merge    moves FROM's faces to INTO and removes FROM (refused when both have a face of one image)\n"
    "  split    moves the descriptors with these ids (see list NAME) to a new person, NEW or the next\n"
    "           unnamed person-N\n"
    "  reject   the main face of IMAGE is not NAME: identify will not answer NAME for faces at least as near\n"
    "           to it as to NAME's own\n"
    "  export   the whole gallery as one JSON object on stdout (a backup):\n"
    "           {\"embedder\": e, \"dim\": d, \"people\": [{\"name\": n, \"unnamed\": b, \"faces\": [{\"source\": s,\n"
    "           \"created\": t, \"medoid\": b, \"descriptor\": [...]}]}], \"pending\": [faces]}\n"
    "  import   adds an export's people and pending faces to GALLERY (made when missing; same embedder)\n"
    "  --json   list: one JSON object: {\"gallery\": path, \"people\": [{\"name\": n, \"descriptors\": k,\n"
    "           \"created\": t, \"updated\": t}]}\n"
    "  --embedder NAME   the embedder the gallery must have been made with (default: the gallery's own)\n";

static void require_gallery(const std::string& db) {
    struct stat st {};
    if (::stat(db.c_str(), &st) != 0)
        throw Error(db + ": no such gallery (make one with: lfr enroll --db " + db + " NAME IMAGE...)");
}

// --db GALLERY, required; an existing file unless `create`.
static std::string gallery_path(Args& args, bool create) {
    const std::string db = args.value("--db");
    usage_check(!db.empty(), "--db GALLERY is required (see --help)");
    if (!create) require_gallery(db);
    return db;
}

// The gallery of `embedder`'s dim-d descriptors (one made with another embedder is refused); embedder
// "" and dim 0: the existing gallery, whatever embedder made it.
static Gallery open_gallery(const std::string& db, const std::string& embedder, int dim, bool read_only) {
    GalleryOptions go;
    go.read_only = read_only;
    go.create = !read_only;
    try {
        return Gallery::open(db, embedder, dim, go);
    } catch (const Error& e) {
        const std::string msg = e.what();
        if (msg.find("was made with") == std::string::npos) throw;
        throw Error(msg + " (without --embedder, a command uses the gallery's own)");
    }
}

// --- enroll -----------------------------------------------------------------------------------------

int cmd_enroll(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kEnrollHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const bool strict = args.flag("--strict");
    const VideoEnrolment video{args.value("--video"), args.int_value("--views", 5), args.flag("--augment")};
    const std::string list = args.value("--list");
    const std::string db = gallery_path(args, /*create=*/true);
    const PipelineOptions options = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, options);
    std::vector<std::string> pos = args.positionals();
    usage_check(!pos.empty(), "give a NAME and at least one IMAGE (see --help)");
    const std::string name = pos[0];
    usage_check(!name.empty(), "the NAME is empty");
    pos.erase(pos.begin());
    if (!video.path.empty()) {
        usage_check(pos.empty() && list.empty(), "give --video FILE or IMAGEs, not both");
        return enroll_video(db, name, video, options);
    }
    const std::vector<std::string> paths = image_paths(pos, list);
    usage_check(!paths.empty(), "give at least one IMAGE of " + name + " (or --list FILE)");

    struct stat st {};
    const bool existed = ::stat(db.c_str(), &st) == 0;
    const Pipeline pipeline = load_pipeline(options);
    // Before the slow part: a bad file fails now.
    Gallery gallery = open_gallery(db, pipeline.embedder_name(), pipeline.descriptor_size(), /*read_only=*/false);
    // When nothing gets enrolled, a gallery file made by this run is taken away again, unless another
    // process has enrolled someone in it meanwhile (checked under the write lock).
    auto discard_new_gallery = [&] {
        if (existed) return;
        gallery.begin();
        const bool empty = gallery.list().empty();
        gallery.rollback();
        if (!empty) return;
        { Gallery closing = std::move(gallery); }
        for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
    };

    std::vector<SourcedDescriptor> descriptors;
    size_t unreadable = 0, faceless = 0;
    {
        Progress progress("enroll", paths.size());
        for (size_t i = 0; i < paths.size(); ++i) {
            const std::string& path = paths[i];
            progress.step(i, path);
            try {
                int found = 0;
                const std::optional<Face> face = pipeline.embed_subject(load_image(path, decoding), &found);
                if (face) {
                    if (found > 1) {
                        progress.clear();
                        std::fprintf(stderr, "lfr enroll: %s: %d candidate faces; enrolled the one nearest the centre\n",
                                     path.c_str(), found);
                    }
                    descriptors.push_back({face->descriptor, path});
                    continue;
                }
                progress.clear();
                std::fprintf(stderr, "lfr enroll: %s: no face found; %s\n", path.c_str(),
                             strict ? "stopping (--strict)" : "skipped");
                ++faceless;
            } catch (const Error& e) {
                progress.clear();
                report_error("enroll", about_image(path, e.what()));
                ++unreadable;
            }
            if (strict) break;
        }
        if (!(strict && (unreadable || faceless))) progress.step(paths.size(), "");
    }
    if (strict && (unreadable || faceless)) {
        report_error("enroll", "--strict: nothing enrolled in " + db);
        discard_new_gallery();
        return kExitFailure;
    }
    if (descriptors.empty()) {
        report_error("enroll", "no usable face in any of the " + std::to_string(paths.size()) +
                                   " images; nothing enrolled in " + db);
        discard_new_gallery();
        return kExitFailure;
    }
    gallery.enroll(name, descriptors);  // one transaction
    size_t total = descriptors.size();
    for (const PersonInfo& p : gallery.list())
        if (p.name == name) total = size_t(p.descriptors);
    std::printf("enrolled %s: %zu descriptor%s from %zu image%s into %s (%zu in all)", name.c_str(), descriptors.size(),
                descriptors.size() == 1 ? "" : "s", paths.size(), paths.size() == 1 ? "" : "s", db.c_str(), total);
    if (faceless) std::printf("; skipped %zu without a face", faceless);
    if (unreadable) std::printf("; skipped %zu unreadable", unreadable);
    std::printf("\n");
    return unreadable ? kExitFailure : 0;
}

// --- identify ---------------------------------------------------------------------------------------

int cmd_identify(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kIdentifyHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const bool json = args.flag("--json");
    const std::string list = args.value("--list");
    const std::string draw = args.value("--draw"), draw_dir = args.value("--draw-dir");
    const std::string db = gallery_path(args, /*create=*/true);  // checked once the options are known good
    const std::string match = args.value("--match", "mean");
    IdentifyOptions how;
    if (match == "mean") how.by = MatchBy::MeanDistance;
    else if (match == "nearest") how.by = MatchBy::Nearest;
    else if (match == "centroid") how.by = MatchBy::Centroid;
    else throw UsageError("--match must be mean, nearest or centroid, not '" + match + "'");
    const PipelineOptions options = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, options);

    const std::vector<std::string> paths = image_paths(args.positionals(), list);
    usage_check(!paths.empty(), "give at least one IMAGE (or --list FILE); see --help");
    require_gallery(db);
    DrawTarget target(draw, draw_dir, paths.size());

    const Pipeline pipeline = load_pipeline(options);
    Gallery gallery = open_gallery(db, pipeline.embedder_name(), pipeline.descriptor_size(), /*read_only=*/true);
    how.threshold = pipeline.match_threshold();
    LFR_CHECK(!gallery.list().empty(), db + ": the gallery is empty; enroll someone first (lfr enroll --db " + db +
                                           " NAME IMAGE...)");

    int failed = 0;
    for (const std::string& path : paths) {
        try {
            const Image img = load_image(path, decoding);
            const std::vector<Face> faces = pipeline.embed(img);
            std::vector<Identification> who;
            for (const Face& f : faces) who.push_back(gallery.identify(f.descriptor, how));

            std::string drawn;
            if (target.enabled()) {
                Image picture = img;
                for (size_t i = 0; i < faces.size(); ++i)
                    draw_face(picture, faces[i], who[i].name + " " + number_text(who[i].distance, "%.2f"),
                              who[i].known ? colors::kGreen : colors::kRed);
                drawn = target.save(path, picture);
            }
            if (json) {
                Json items = Json::array();
                for (size_t i = 0; i < faces.size(); ++i) {
                    Json face = face_json(faces[i], /*with_descriptor=*/true);
                    face["identity"] = {{"name", who[i].name}, {"distance", rounded(who[i].distance, 4)}, {"known", who[i].known}};
                    items.push_back(std::move(face));
                }
                print_json(image_json(path, img, std::move(items)));
            } else {
                std::string line = path + ": " + std::to_string(faces.size()) + (faces.size() == 1 ? " face" : " faces");
                for (size_t i = 0; i < faces.size(); ++i) {
                    line += (i ? ", " : ": ") + who[i].name + " (" + number_text(who[i].distance, "%.2f");
                    if (!who[i].known) line += ", nearest " + who[i].best;
                    line += ")";
                }
                if (!drawn.empty()) line += " -> " + drawn;
                std::printf("%s\n", line.c_str());
            }
            std::fflush(stdout);
        } catch (const Error& e) {
            report_error("identify", about_image(path, e.what()));
            ++failed;
        }
    }
    return failed ? kExitFailure : 0;
}

// --- gallery ----------------------------------------------------------------------------------------

int gallery_admin(const std::string& action, const std::vector<std::string>& pos, Args& args, const std::string& db);

int cmd_gallery(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kGalleryHelp, stdout);
        return 0;
    }
    const std::string db = gallery_path(args, /*create=*/true);  // import makes one; the others check below
    const bool json = args.flag("--json");
    const std::string ids = args.value("--ids"), as = args.value("--as");
    const PipelineOptions options = pipeline_options(args, db);
    const ImageDecoding decoding = image_option(args, options);
    const std::vector<std::string> pos = args.positionals();
    usage_check(!pos.empty(), "expected list, rename, remove, merge, split, reject, export or import (see --help)");
    const std::string& action = pos[0];
    if (action != "import") require_gallery(db);
    const auto open_it = [&](bool read_only) {
        Gallery g = open_gallery(db, "", 0, read_only);
        if (g.embedder() != options.embedder) throw Error(db + " was made with " + g.embedder() + ", not " + options.embedder);
        return g;
    };

    if (action == "list") {
        usage_check(pos.size() <= 2, "gallery list takes at most one NAME");
        const Gallery gallery = open_it(/*read_only=*/true);
        if (pos.size() == 2) return list_person(gallery, pos[1], json);
        return list_people(gallery, json);
    }
    if (action == "rename") {
        usage_check(pos.size() == 3, "gallery rename: expected OLD NEW");
        open_it(false).rename(pos[1], pos[2]);
        std::printf("renamed %s to %s in %s\n", pos[1].c_str(), pos[2].c_str(), db.c_str());
        return 0;
    }
    if (action == "remove") {
        usage_check(pos.size() == 2, "gallery remove: expected one NAME");
        open_it(false).remove(pos[1]);
        std::printf("removed %s from %s\n", pos[1].c_str(), db.c_str());
        return 0;
    }
    if (action == "merge") {
        usage_check(pos.size() == 3, "gallery merge: expected FROM INTO");
        open_it(false).merge(pos[1], pos[2]);
        std::printf("merged %s into %s in %s\n", pos[1].c_str(), pos[2].c_str(), db.c_str());
        return 0;
    }
    if (action == "split") {
        usage_check(pos.size() == 2, "gallery split: expected one NAME (and --ids)");
        const std::vector<int64_t> moving = id_list(ids);
        const std::string made = open_it(false).split(pos[1], moving, as);
        std::printf("moved %zu descriptor%s of %s to %s in %s\n", moving.size(), moving.size() == 1 ? "" : "s",
                    pos[1].c_str(), made.c_str(), db.c_str());
        return 0;
    }
    if (action == "reject") {
        usage_check(pos.size() == 3, "gallery reject: expected NAME IMAGE");
        Gallery gallery = open_it(false);
        const Pipeline pipeline = load_pipeline(options);
        const MainFace face = main_face_of(pipeline, pos[2], decoding);
        gallery.reject(pos[1], face.face.descriptor, pos[2]);
        std::printf("%s: recorded as not %s in %s\n", pos[2].c_str(), pos[1].c_str(), db.c_str());
        return 0;
    }
    if (action == "export") {
        usage_check(pos.size() == 1 && json, "gallery export: expected --json (the only format)");
        std::fputs(export_json(open_it(true)).c_str(), stdout);
        return 0;
    }
    if (action == "import") {
        usage_check(pos.size() == 2, "gallery import: expected one FILE (made by gallery export --json)");
        return import_json(pos[1], db);
    }
    throw UsageError("unknown action '" + action + "' (list, rename, remove, merge, split, reject, export or import)");
}

}  // namespace lfr::cli
