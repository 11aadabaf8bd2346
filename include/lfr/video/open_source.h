// open_frame_source(what): a folder of images, a .txt list of image paths, one image, a video file or
// a network stream (scheme://...), chosen from what the name is. Video needs lfr::video built with
// FFmpeg (LFR_HAVE_FFMPEG); without it, a video is refused with a message that says so.
#pragma once
#include <filesystem>
#include <fstream>

#include "lfr/video/frame_source.h"
#include "lfr/video/live_source.h"
#ifdef LFR_HAVE_FFMPEG
#include "lfr/video/ffmpeg_source.h"
#endif

namespace lfr {

struct SourceOptions {
    double image_fps = 25;  // the nominal rate of image folders and lists
    bool read_ahead = true; // decode in a thread of its own (always so for live streams)
    LiveOptions live;
    double io_timeout_s = 5;
};

inline std::unique_ptr<FrameSource> open_frame_source(const std::string& what, const SourceOptions& o = {}) {
    namespace fs = std::filesystem;
    const bool url = is_stream_url(what);
    if (!url) {
        std::error_code ec;
        LFR_CHECK(fs::exists(what, ec), what + ": no such file or folder");
        if (fs::is_directory(what, ec)) return open_image_folder(what, o.image_fps);
        if (is_image_file(what)) return std::make_unique<ImageListSource>(std::vector<std::string>{what}, o.image_fps, what);
        if (fs::path(what).extension() == ".txt") {
            std::ifstream in(what);
            std::vector<std::string> paths;
            for (std::string line; std::getline(in, line);)
                if (!line.empty() && line[0] != '#') paths.push_back(line);
            return std::make_unique<ImageListSource>(std::move(paths), o.image_fps, what);
        }
    }
#ifdef LFR_HAVE_FFMPEG
    StreamOptions so;
    so.io_timeout_s = o.io_timeout_s;
    auto open = [what, so] { return open_ffmpeg_source(what, so); };
    if (!url && !o.read_ahead) return open();
    return std::make_unique<ThreadedSource>(open, url, o.live);
#else
    throw Error(what + ": video files and streams need FFmpeg's libraries, and this lfr was built without them "
                       "(apt install libavformat-dev libavcodec-dev libswscale-dev, then rebuild)");
#endif
}

}  // namespace lfr
