// `lfr cluster`: every face of a set of images, grouped into the people they show without knowing who
// anyone is: clusters.json, a contact sheet per cluster, an index page, and optionally unnamed people in
// a gallery.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli.h"
#include "contact_sheet.h"
#include "face_report.h"
#include "lfr/face/cluster.h"
#include "lfr/face/gallery.h"
#include "pipeline_args.h"

namespace lfr::cli {

static const char* kClusterHelp =
    "usage: lfr cluster IMAGE... [--list FILE] [--dir DIR] --out DIR [--method whispers|average] [--weighted]\n"
    "                   [--iterations N] [--seed S] [--thumb N] [--enroll-into GALLERY [--min-size M]]\n"
    "                   [pipeline options]\n"
    "\n"
    "Detects and embeds every face of the images and groups the faces by person: two faces are neighbours\n"
    "when their distance is below the clustering threshold (--threshold; default 0.82 x the embedder's\n"
    "verification threshold: mobilefacenet 0.90, face_recognition_model 0.49), and the neighbour graph is\n"
    "split into clusters. Two faces of one image are never put in one cluster. The verification threshold\n"
    "is loose for thousands of faces (false neighbours chain clusters together): on LFW's 4,569 faces,\n"
    "face_recognition_model clusters best at 0.45-0.5 (BCubed F 0.91-0.95; 0.18-0.80 at its 0.6),\n"
    "mobilefacenet at 0.9-0.95 (0.96-0.98; 0.26-0.85 at its 1.1).\n"
    "  --list FILE      read image paths from FILE too, one a line ('-': standard input)\n"
    "  --dir DIR        every .jpg/.jpeg/.png/.bmp under DIR too\n"
    "  --out DIR        where the results go (made when missing):\n"
    "                     clusters.json  {\"clusters\": [{\"id\": 1, \"medoid\": 0, \"silhouette\": s,\n"
    "                                    \"faces\": [{\"image\": path, \"box\": [x1,y1,x2,y2]}, ...]}, ...]}\n"
    "                                    largest first; medoid indexes faces (the face with the least summed\n"
    "                                    distance to the others); a face in no cluster is a cluster of one\n"
    "                     cluster-ID.png a contact sheet of the cluster's faces, medoid first (framed)\n"
    "                     index.html     every cluster's sheet, size and silhouette on one page\n"
    "  --method M       whispers (default): Chinese whispers, as dlib's (n x iterations random updates);\n"
    "                   average: average-linkage agglomerative, cut at the threshold (exact, n^2 memory)\n"
    "  --weighted       whispers: edges weigh 1 - distance / threshold (default: every edge 1, as dlib)\n"
    "  --iterations N   whispers: updates per face (default 100)\n"
    "  --seed S         whispers: the random order's seed (default 1; the same seed gives the same clusters)\n"
    "  --thumb N        contact-sheet thumbnail side in pixels (default 96)\n"
    "  --enroll-into G  store each cluster of at least --min-size faces (default 2) in gallery G as an\n"
    "                   unnamed person (person-1, person-2, ...) with its medoid marked; rename them later\n"
    "                   with `lfr gallery rename`\n"
    "An unreadable image is reported and skipped (exit status 1; the others are still clustered).\n"
    "\n";

namespace {

// Every image file under dir, sorted.
std::vector<std::string> images_under(const std::string& dir) {
    std::error_code ec;
    LFR_CHECK(std::filesystem::is_directory(dir, ec), dir + ": not a directory");
    std::vector<std::string> out;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != decltype(it)(); it.increment(ec)) {
        std::string ext = it->path().extension().string();
        for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
        if (it->is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp"))
            out.push_back(it->path().string());
    }
    LFR_CHECK(!ec, dir + ": cannot list (" + ec.message() + ")");
    std::sort(out.begin(), out.end());
    return out;
}

struct Found {
    std::vector<size_t> image;        // face -> path index
    std::vector<Box> boxes;
    std::vector<Image> thumbs;
    Descriptors x;
    int unreadable = 0;
};

Found embed_all(const Pipeline& pipeline, const std::vector<std::string>& paths, const ImageDecoding& decoding, int thumb) {
    Found f;
    std::vector<float> rows;
    Progress progress("cluster", paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
        progress.step(i, paths[i]);
        try {
            const Image img = load_image(paths[i], decoding);
            for (const Face& face : pipeline.embed(img)) {
                f.image.push_back(i);
                f.boxes.push_back(face.detection.box);
                f.thumbs.push_back(face_thumbnail(img, face.detection.box, thumb));
                rows.insert(rows.end(), face.descriptor.begin(), face.descriptor.end());
            }
        } catch (const Error& e) {
            progress.clear();
            report_error("cluster", about_image(paths[i], e.what()));
            ++f.unreadable;
        }
    }
    progress.step(paths.size(), "");
    f.x.n = f.image.size(), f.x.d = size_t(pipeline.descriptor_size()), f.x.data = std::move(rows);
    return f;
}

struct Cluster {
    std::vector<uint32_t> faces;  // medoid first
    float silhouette = 0;
};

std::string cluster_json(const std::vector<Cluster>& clusters, const Found& f, const std::vector<std::string>& paths) {
    Json out = {{"clusters", Json::array()}};
    for (size_t c = 0; c < clusters.size(); ++c) {
        // Faces in input order; "medoid" says where the medoid is among them.
        std::vector<uint32_t> faces = clusters[c].faces;
        const uint32_t med = faces[0];
        std::sort(faces.begin(), faces.end());
        const size_t at = size_t(std::find(faces.begin(), faces.end(), med) - faces.begin());
        Json members = Json::array();
        for (uint32_t k : faces) members.push_back({{"image", paths[f.image[k]]}, {"box", box_json(f.boxes[k])}});
        out["clusters"].push_back({{"id", c + 1}, {"medoid", at}, {"silhouette", rounded(clusters[c].silhouette, 4)},
                                   {"faces", std::move(members)}});
    }
    return json_text(out, 1) + "\n";
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

std::string index_html(const std::vector<Cluster>& clusters, const Found& f, const std::vector<std::string>& paths) {
    std::string s = "<!doctype html>\n<meta charset=\"utf-8\">\n<title>lfr cluster</title>\n"
                    "<style>body{font-family:sans-serif} section{margin:1em 0} img{display:block} "
                    "details{font-size:small;color:#555}</style>\n<h1>" +
                    std::to_string(clusters.size()) + " clusters of " + std::to_string(f.x.n) + " faces</h1>\n";
    for (size_t c = 0; c < clusters.size(); ++c) {
        const std::string id = std::to_string(c + 1);
        s += "<section id=\"c" + id + "\"><h2>cluster " + id + ": " + std::to_string(clusters[c].faces.size()) +
             " face" + (clusters[c].faces.size() == 1 ? "" : "s") + ", silhouette " +
             number_text(clusters[c].silhouette, "%.2f") + "</h2>\n<img src=\"cluster-" + id + ".png\" alt=\"cluster " +
             id + "\">\n<details><summary>images</summary>";
        for (uint32_t i : clusters[c].faces) s += html_escape(paths[f.image[i]]) + "<br>";
        s += "</details></section>\n";
    }
    return s;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    LFR_CHECK(bool(out), path + ": cannot write");
}

}  // namespace

int cmd_cluster(Args& args) {
    if (args.flag("--help") || args.flag("-h")) {
        std::fputs(kClusterHelp, stdout);
        std::fputs(pipeline_help().c_str(), stdout);
        return 0;
    }
    const std::string list = args.value("--list"), dir = args.value("--dir"), out = args.value("--out");
    const std::string method = args.value("--method", "whispers");
    usage_check(method == "whispers" || method == "average", "--method must be whispers or average, not '" + method + "'");
    WhispersOptions whispers;
    const bool weighted = args.flag("--weighted");
    whispers.iterations = args.int_value("--iterations", whispers.iterations);
    usage_check(whispers.iterations >= 1, "--iterations must be at least 1");
    whispers.seed = uint64_t(args.int_value("--seed", int(whispers.seed)));
    const int thumb = args.int_value("--thumb", 96);
    usage_check(thumb >= 16 && thumb <= 512, "--thumb must be between 16 and 512");
    const std::string gallery_path = args.value("--enroll-into");
    const int min_size = args.int_value("--min-size", 2);
    usage_check(min_size >= 1, "--min-size must be at least 1");
    usage_check(!out.empty(), "--out DIR is required (see --help)");
    const PipelineOptions options = pipeline_options(args, gallery_path);
    const ImageDecoding decoding = image_option(args, options);
    std::vector<std::string> paths = image_paths(args.positionals(), list);
    if (!dir.empty())
        for (std::string& p : images_under(dir)) paths.push_back(std::move(p));
    usage_check(!paths.empty(), "give IMAGEs, --list FILE or --dir DIR (see --help)");

    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    LFR_CHECK(!ec && std::filesystem::is_directory(out), out + ": cannot create directory (" + ec.message() + ")");
    const Pipeline pipeline = load_pipeline(options);
    std::optional<Gallery> gallery;  // opened before the slow part, so that a bad file fails now
    if (!gallery_path.empty()) gallery = Gallery::open(gallery_path, pipeline.embedder_name(), pipeline.descriptor_size());

    const Found f = embed_all(pipeline, paths, decoding, thumb);
    LFR_CHECK(f.x.n > 0, "no face in any of the " + std::to_string(paths.size()) + " images");
    const float t = options.match_threshold > 0 ? options.match_threshold : cluster_threshold(pipeline.match_threshold());
    const Groups groups(f.image.begin(), f.image.end());
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<int> label;
    if (method == "average") {
        label = average_linkage(f.x, t, groups);
    } else {
        if (weighted) whispers.threshold = t;
        label = chinese_whispers(f.x.n, neighbour_edges(f.x, t), groups, whispers);
    }
    const std::vector<float> silhouette = silhouettes(f.x, label);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::vector<Cluster> clusters;
    const std::vector<std::vector<uint32_t>> members = members_of(label);
    for (size_t c = 0; c < members.size(); ++c) {
        Cluster cl;
        const uint32_t med = medoid(f.x, members[c]);
        cl.faces.push_back(med);
        for (uint32_t i : members[c])
            if (i != med) cl.faces.push_back(i);
        cl.silhouette = silhouette[c];
        clusters.push_back(std::move(cl));
    }
    std::stable_sort(clusters.begin(), clusters.end(),
                     [](const Cluster& a, const Cluster& b) { return a.faces.size() > b.faces.size(); });

    write_file(out + "/clusters.json", cluster_json(clusters, f, paths));
    for (size_t c = 0; c < clusters.size(); ++c) {
        std::vector<Image> thumbs;
        for (uint32_t i : clusters[c].faces) thumbs.push_back(f.thumbs[i]);
        save_png(out + "/cluster-" + std::to_string(c + 1) + ".png", contact_sheet(thumbs, 8, colors::kGreen));
    }
    write_file(out + "/index.html", index_html(clusters, f, paths));

    size_t multi = 0, enrolled = 0;
    for (const Cluster& c : clusters) multi += c.faces.size() >= 2;
    std::printf("%zu faces in %zu images -> %zu clusters (%zu of 2 or more faces) in %.2f s; wrote %s/clusters.json, "
                "%s/index.html\n",
                f.x.n, paths.size(), clusters.size(), multi, seconds, out.c_str(), out.c_str());
    if (gallery) {
        gallery->begin();  // all clusters or none
        for (const Cluster& c : clusters) {
            if (c.faces.size() < size_t(min_size)) continue;
            std::vector<SourcedDescriptor> faces;
            for (uint32_t i : c.faces)
                faces.push_back({std::vector<float>(f.x.row(i), f.x.row(i) + f.x.d), paths[f.image[i]]});
            const std::string name = gallery->enroll_unnamed(faces, 0);
            std::printf("  %s: %zu faces\n", name.c_str(), faces.size());
            ++enrolled;
        }
        gallery->commit();
        std::printf("enrolled %zu unnamed people into %s\n", enrolled, gallery_path.c_str());
    }
    return f.unreadable ? kExitFailure : 0;
}

}  // namespace lfr::cli
