// What the image subcommands share: the list of images to read, JSON lines for faces, annotated
// pictures, and a progress bar for long runs.
#pragma once
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "lfr/face/types.h"
#include "lfr/face/draw.h"
#include "lfr/image/io.h"

namespace lfr::cli {

// --- Which images ---------------------------------------------------------------------------------

// The positional image paths followed by those of `--list FILE` (one path a line; blank lines and lines
// starting with '#' are skipped; FILE "-" reads standard input).
inline std::vector<std::string> image_paths(const std::vector<std::string>& positionals, const std::string& list_file) {
    std::vector<std::string> paths = positionals;
    if (!list_file.empty()) {
        std::ifstream file;
        if (list_file != "-") {
            file.open(list_file);
            LFR_CHECK(file.good(), list_file + ": cannot read the image list");
        }
        std::istream& in = list_file == "-" ? std::cin : file;
        std::string line;
        while (std::getline(in, line)) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
            if (line.empty() || line[0] == '#') continue;
            paths.push_back(line);
        }
    }
    return paths;
}

// An error message that names the image: the library's messages about a file already start with it.
inline std::string about_image(const std::string& path, const std::string& msg) {
    return msg.compare(0, path.size(), path) == 0 ? msg : path + ": " + msg;
}

// --- JSON -----------------------------------------------------------------------------------------

// The output's JSON: nlohmann's, keys in the order the help texts give, numbers stored as float so that
// descriptors print as the shortest text that reads back to the same float.
using Json = nlohmann::basic_json<nlohmann::ordered_map, std::vector, std::string, bool, std::int64_t, std::uint64_t, float>;

// v to `decimals` places (pixels to 2, scores to 4: what is meaningful); null when not finite.
inline Json rounded(double v, int decimals) {
    if (!std::isfinite(v)) return nullptr;
    const double scale = std::pow(10.0, decimals);
    return float(std::round(v * scale) / scale);
}
inline Json box_json(const Box& b, int decimals = 2) {
    return Json::array({rounded(b.x1, decimals), rounded(b.y1, decimals), rounded(b.x2, decimals), rounded(b.y2, decimals)});
}
// One line on stdout; bytes that are not UTF-8 (a Latin-1 file name) become U+FFFD instead of an error.
inline std::string json_text(const Json& j, int indent = -1) { return j.dump(indent, ' ', false, Json::error_handler_t::replace); }
inline void print_json(const Json& j) { std::printf("%s\n", json_text(j).c_str()); }

// A number for people to read (labels, messages), in printf format `fmt`.
inline std::string number_text(double v, const char* fmt) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

// One face as DESIGN.md has it: {"box": [x1,y1,x2,y2], "score": s, "landmarks": [[x,y],...],
// "descriptor": [...]} (pixels to 2 decimals; descriptor only when asked for), with "age", "gender"
// ("female"/"male") and "gender_score" when the embedder gives them (faceres).
inline Json face_json(const Face& f, bool with_descriptor) {
    Json j = {{"box", box_json(f.detection.box)}, {"score", rounded(f.detection.score, 4)}, {"landmarks", Json::array()}};
    for (const Point& p : f.landmarks) j["landmarks"].push_back({rounded(p.x, 2), rounded(p.y, 2)});
    if (f.age >= 0) j["age"] = rounded(f.age, 1);
    if (f.gender >= 0) {
        j["gender"] = f.gender == 1 ? "male" : "female";
        j["gender_score"] = rounded(f.gender_score, 2);
    }
    if (with_descriptor) j["descriptor"] = f.descriptor;
    return j;
}

// The line for one image: {"image": path, "width": w, "height": h, "faces": [...]}.
inline Json image_json(const std::string& path, const Image& img, Json faces) {
    return {{"image", path}, {"width", img.width}, {"height", img.height}, {"faces", std::move(faces)}};
}

// --- Annotated pictures ---------------------------------------------------------------------------

// Where annotated pictures go: `--draw OUT.png` (one image only) or `--draw-dir DIR` (one PNG per image,
// named after the image: photo.jpg -> DIR/photo.png, photo-2.png when two inputs share a name).
class DrawTarget {
public:
    DrawTarget(const std::string& draw, const std::string& draw_dir, size_t images) : file_(draw), dir_(draw_dir) {
        usage_check(file_.empty() || dir_.empty(), "give --draw or --draw-dir, not both");
        usage_check(file_.empty() || images <= 1, "--draw OUT.png takes one image; use --draw-dir DIR for several");
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(dir_, ec);
            LFR_CHECK(!ec && std::filesystem::is_directory(dir_), dir_ + ": cannot create directory (" + ec.message() + ")");
        }
    }

    bool enabled() const { return !file_.empty() || !dir_.empty(); }

    // Saves the annotated copy of `image_path`; returns where it went. PNG, or JPEG for a .jpg/.jpeg --draw.
    std::string save(const std::string& image_path, const Image& picture) {
        std::string out = file_;
        if (out.empty()) {
            const std::string stem = std::filesystem::path(image_path).stem().string();
            std::string name = stem.empty() ? "image" : stem;
            for (int n = 2; used_.count(name); ++n) name = stem + "-" + std::to_string(n);
            used_.insert(name);
            out = (std::filesystem::path(dir_) / (name + ".png")).string();
        }
        std::string ext = std::filesystem::path(out).extension().string();
        for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
        if (ext == ".jpg" || ext == ".jpeg") save_jpg(out, picture, 92);
        else save_png(out, picture);
        return out;
    }

private:
    std::string file_, dir_;
    std::set<std::string> used_;
};

// --- Progress -------------------------------------------------------------------------------------

// A progress line on stderr for long runs: on a terminal "[=====     ] 12/40 name.jpg" redrawn in
// place; otherwise (a log file, a pipe) one plain line each time another 10% is done.
class Progress {
public:
    Progress(const char* command, size_t total, size_t min_total = 5)
        : command_(command), total_(total), active_(total >= min_total), tty_(::isatty(2) == 1) {}
    ~Progress() { clear(); }

    void step(size_t done, const std::string& item) {
        if (!active_) return;
        if (tty_) {
            constexpr int kWidth = 30;
            const int filled = int(done * kWidth / total_);
            std::string bar = std::string(size_t(filled), '=') + std::string(size_t(kWidth - filled), ' ');
            std::string name = std::filesystem::path(item).filename().string();
            if (name.size() > 40) name = "..." + name.substr(name.size() - 37);
            std::fprintf(stderr, "\r\033[K[%s] %zu/%zu %s", bar.c_str(), done, total_, name.c_str());
            shown_ = true;
        } else {
            const size_t tenth = done * 10 / total_;
            if (tenth > last_tenth_ || done == total_) {
                last_tenth_ = tenth;
                std::fprintf(stderr, "lfr %s: %zu/%zu images (%zu%%)\n", command_, done, total_, done * 100 / total_);
            }
        }
        std::fflush(stderr);
    }

    // Clears the bar so that another message can be printed on a line of its own.
    void clear() {
        if (!shown_) return;
        std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
        shown_ = false;
    }

private:
    const char* command_;
    size_t total_;
    bool active_, tty_;
    bool shown_ = false;
    size_t last_tenth_ = 0;
};

}  // namespace lfr::cli
