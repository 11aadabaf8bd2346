// Frame sources: where `lfr watch` and video enrolment get their pictures. One small interface,
//
//     std::unique_ptr<lfr::FrameSource> src = lfr::open_frame_source("clip.mp4");   // or a folder, a
//     while (std::optional<lfr::Frame> f = src->next()) ...                           // list, rtsp://...
//
// with each frame's timestamp in seconds. Image folders and lists are always available; video files and
// network streams (rtsp://, http://, tcp://, ...) need FFmpeg's libraries (LFR_HAVE_FFMPEG, see
// ffmpeg_source.h). A live source (network stream) is read by a thread of its own into a bounded queue
// (live_source.h) so that a slow pipeline drops frames instead of falling ever further behind.
#pragma once
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/image/image.h"
#include "lfr/image/io.h"

namespace lfr {

struct Frame {
    Image image;
    double time = 0;    // seconds since the start of the source (presentation time for videos)
    int64_t index = 0;  // position in the source, counting dropped frames too
};

class FrameSource {
public:
    virtual ~FrameSource() = default;
    // The next frame; std::nullopt at the end. Errors (a corrupt file, a stream that cannot be
    // reopened) are lfr::Error naming the source.
    virtual std::optional<Frame> next() = 0;
    // Frames the source discarded because the reader fell behind (live sources only).
    virtual int64_t dropped() const { return 0; }
    // Frames per second, when the source knows (0 when not).
    virtual double fps() const { return 0; }
    virtual std::string name() const = 0;
};

// Pictures from a list of image files, in order, at a nominal `fps` (timestamps index / fps).
class ImageListSource : public FrameSource {
public:
    ImageListSource(std::vector<std::string> paths, double fps, std::string name)
        : paths_(std::move(paths)), fps_(fps), name_(std::move(name)) {
        LFR_CHECK(!paths_.empty(), name_ + ": no images");
    }
    std::optional<Frame> next() override {
        if (at_ >= paths_.size()) return std::nullopt;
        Frame f;
        f.index = int64_t(at_);
        f.time = double(at_) / fps_;
        f.image = load_image(paths_[at_++]);
        return f;
    }
    double fps() const override { return fps_; }
    std::string name() const override { return name_; }

private:
    std::vector<std::string> paths_;
    size_t at_ = 0;
    double fps_;
    std::string name_;
};

inline bool is_image_file(const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

// The image files of a folder, sorted by name (frame0001.png, frame0002.png, ...).
inline std::unique_ptr<FrameSource> open_image_folder(const std::string& dir, double fps) {
    std::vector<std::string> paths;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file() && is_image_file(e.path())) paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    LFR_CHECK(!paths.empty(), dir + ": no .jpg/.png/.bmp images in this folder");
    return std::make_unique<ImageListSource>(std::move(paths), fps, dir);
}

// A network address (scheme://...) rather than a file.
inline bool is_stream_url(const std::string& s) {
    const size_t colon = s.find("://");
    return colon != std::string::npos && colon > 1 && s.compare(0, 7, "file://") != 0;
}

}  // namespace lfr
