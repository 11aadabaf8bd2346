// Video files and network streams through FFmpeg's libraries (libavformat, libavcodec, libswscale).
// Built into lfr::video when CMake finds them (Debian: libavformat-dev libavcodec-dev libswscale-dev
// libavutil-dev, installed by scripts/setup.sh); LFR_HAVE_FFMPEG is then defined for its users.
#pragma once
#include <memory>
#include <string>

#include "lfr/video/frame_source.h"

namespace lfr {

struct StreamOptions {
    double io_timeout_s = 5;  // a connect or read that stalls this long fails (network sources)
};

// Decodes the first video stream of a file or URL to RGB frames with their presentation times.
// Throws lfr::Error naming the source when it cannot be opened or holds no decodable video; a stream
// that breaks off mid-way ends with an error too, except a file's truncated tail, which ends the
// frames (FFmpeg's decoders conceal damage the way players do).
std::unique_ptr<FrameSource> open_ffmpeg_source(const std::string& url, const StreamOptions& options = {});

}  // namespace lfr
