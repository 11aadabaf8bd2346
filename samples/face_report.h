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

inline std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);  // UTF-8 passes through
                }
        }
    }
    return out + "\"";
}

// A number in printf format `fmt`; JSON has no NaN or infinity, so those become null.
inline std::string json_number(double v, const char* fmt = "%.6g") {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

inline std::string json_bool(bool b) { return b ? "true" : "false"; }

// One face as DESIGN.md has it: {"box": [x1,y1,x2,y2], "score": s, "landmarks": [[x,y],...],
// "descriptor": [...]} (pixels to 2 decimals; descriptor only when asked for), with "age", "gender"
// ("female"/"male") and "gender_score" when the embedder gives them (faceres). `extra` is appended
// inside the object: e.g. ", \"identity\": {...}".
inline std::string face_json(const Face& f, bool with_descriptor, const std::string& extra = "") {
    const Box& b = f.detection.box;
    std::string s = "{\"box\": [" + json_number(b.x1, "%.2f") + ", " + json_number(b.y1, "%.2f") + ", " +
                    json_number(b.x2, "%.2f") + ", " + json_number(b.y2, "%.2f") + "], \"score\": " +
                    json_number(f.detection.score, "%.4f") + ", \"landmarks\": [";
    for (size_t i = 0; i < f.landmarks.size(); ++i)
        s += (i ? ", [" : "[") + json_number(f.landmarks[i].x, "%.2f") + ", " + json_number(f.landmarks[i].y, "%.2f") + "]";
    s += "]";
    if (f.age >= 0) s += ", \"age\": " + json_number(f.age, "%.1f");
    if (f.gender >= 0)
        s += std::string(", \"gender\": ") + (f.gender == 1 ? "\"male\"" : "\"female\"") +
             ", \"gender_score\": " + json_number(f.gender_score, "%.2f");
    if (with_descriptor) {
        s += ", \"descriptor\": [";
        for (size_t i = 0; i < f.descriptor.size(); ++i) s += (i ? ", " : "") + json_number(f.descriptor[i], "%.6g");
        s += "]";
    }
    return s + extra + "}";
}

// The line for one image: {"image": path, "width": w, "height": h, "faces": [...]}.
inline std::string image_json(const std::string& path, const Image& img, const std::vector<std::string>& faces) {
    std::string s = "{\"image\": " + json_string(path) + ", \"width\": " + std::to_string(img.width) +
                    ", \"height\": " + std::to_string(img.height) + ", \"faces\": [";
    for (size_t i = 0; i < faces.size(); ++i) s += (i ? ", " : "") + faces[i];
    return s + "]}";
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
