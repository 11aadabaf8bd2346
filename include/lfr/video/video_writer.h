// Annotated output: a video file (.mp4, .mkv, .avi: FFmpeg's libraries, H.264 where the build has an
// encoder for it, else MPEG-4 part 2) or a folder of numbered JPEG frames.
#pragma once
#include <memory>
#include <string>

#include "lfr/image/image.h"

namespace lfr {

class FrameWriter {
public:
    virtual ~FrameWriter() = default;
    virtual void write(const Image& frame) = 0;
    // Flushes and closes the file (the destructor does too, without reporting errors).
    virtual void close() = 0;
};

// A folder `dir` receives frame000000.jpg, frame000001.jpg, ...
std::unique_ptr<FrameWriter> open_frame_folder(const std::string& dir);

#ifdef LFR_HAVE_FFMPEG
// A video file at `fps`; its frame size is the first frame's (later frames must match).
std::unique_ptr<FrameWriter> open_video_writer(const std::string& path, double fps);
#endif

}  // namespace lfr
