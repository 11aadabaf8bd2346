// `lfr detect` and `lfr embed`: the faces of each image (boxes, scores, 68 landmarks; embed adds the
// descriptors), as JSON lines (DESIGN.md contract) or a one-line summary per image, and optionally
// annotated pictures.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "face_report.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kDetectHelp =
    "usage: lfr detect IMAGE... [--list FILE] [--json] [--draw OUT.png | --draw-dir DIR] [pipeline options]\n"
    "       lfr embed  IMAGE... [--list FILE] [--json] [--draw OUT.png | --draw-dir DIR] [pipeline options]\n"
    "\n"
    "Finds every face in each image: box, score and 68 landmarks; `embed` adds each face's descriptor\n"
    "(128-d; with --embedder faceres 1024-d, plus age and gender).\n"
    "  --list FILE       read image paths from FILE, one a line ('-': standard input)\n"
    "  --json            one JSON object per image per line:\n"
    "                    {\"image\": path, \"width\": w, \"height\": h, \"faces\": [{\"box\": [x1,y1,x2,y2],\n"
    "                     \"score\": s, \"landmarks\": [[x,y],...], \"descriptor\": [...]}]}  (pixels of the image;\n"
    "                     descriptor with embed only; faceres adds \"age\", \"gender\" and \"gender_score\")\n"
    "                    without --json: a one-line summary per image\n"
    "  --draw OUT.png    write the picture with boxes, landmarks and scores (one image only; .jpg for JPEG)\n"
    "  --draw-dir DIR    write one annotated PNG per image into DIR (photo.jpg -> DIR/photo.png)\n"
    "An unreadable image is reported on stderr and skipped; the exit status is then 1.\n"
    "\n";

// "3 faces (scores 0.98 0.91 0.55)"
static std::string faces_summary(const std::vector<Face>& faces) {
    std::string s = std::to_string(faces.size()) + (faces.size() == 1 ? " face" : " faces");
    if (faces.empty()) return s;
    s += " (score" + std::string(faces.size() == 1 ? "" : "s");
    for (size_t i = 0; i < faces.size() && i < 8; ++i) s += " " + number_text(faces[i].detection.score, "%.2f");
    if (faces.size() > 8) s += " ...";
    return s + ")";
}

int cmd_detect(Args& args, bool embed) {
    const char* const command = embed ? "embed" : "detect";
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kDetectHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const bool json = args.flag("--json");
    const std::string list = args.value("--list");
    const std::string draw = args.value("--draw"), draw_dir = args.value("--draw-dir");
    const PipelineOptions options = pipeline_options(args);
    const ImageDecoding decoding = image_option(args, options);
    const std::vector<std::string> paths = image_paths(args.positionals(), list);
    usage_check(!paths.empty(), "give at least one IMAGE (or --list FILE); see --help");
    DrawTarget target(draw, draw_dir, paths.size());

    const Pipeline pipeline = load_pipeline(options);
    int failed = 0;
    for (const std::string& path : paths) {
        try {
            const auto t0 = std::chrono::steady_clock::now();
            const Image img = load_image(path, decoding);
            const std::vector<Face> faces = embed ? pipeline.embed(img) : pipeline.detect(img);
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

            std::string drawn;
            if (target.enabled()) {
                Image picture = img;
                for (const Face& f : faces) draw_face(picture, f, number_text(f.detection.score, "%.2f"), colors::kYellow);
                drawn = target.save(path, picture);
            }
            if (json) {
                Json items = Json::array();
                for (const Face& f : faces) items.push_back(face_json(f, embed));
                print_json(image_json(path, img, std::move(items)));
            } else {
                std::printf("%s: %dx%d, %s%s, %.0f ms%s%s\n", path.c_str(), img.width, img.height,
                            faces_summary(faces).c_str(),
                            embed && !faces.empty() ? (", " + std::to_string(pipeline.descriptor_size()) + "-d descriptors").c_str() : "", ms,
                            drawn.empty() ? "" : " -> ", drawn.c_str());
            }
            std::fflush(stdout);
        } catch (const Error& e) {
            report_error(command, about_image(path, e.what()));
            ++failed;
        }
    }
    return failed ? kExitFailure : 0;
}

}  // namespace lfr::cli
