// The faces in every frame of a video, a camera's stream, or a folder of images.  video_faces SOURCE
//
//     $ video_faces clip.mp4                    (or rtsp://camera/stream, frames/, list.txt)
//     frame 0 at 0.000 s: 2 faces [120,80 64x78 0.998] [410,95 60x71 0.991]
//     frame 1 at 0.040 s: 2 faces [122,80 64x79 0.998] [408,96 60x70 0.993]
//     ...
//     25 frames, 0 dropped
//
// lfr::open_frame_source picks the reader from SOURCE: video files and network streams (rtsp://, http://,
// tcp://) through FFmpeg's libraries (when lfr was built with them), folders and .txt lists of images
// always. A network stream is read by a thread of its own that drops the oldest frames when the pipeline
// falls behind (each frame keeps its index in the source) and reopens the stream when it breaks. A camera
// is read through its network stream; a USB camera can be served as one by the ffmpeg command:
//     ffmpeg -f v4l2 -i /dev/video0 -f mpegts 'tcp://127.0.0.1:9000?listen' & video_faces tcp://127.0.0.1:9000
// A source that cannot be opened, or a stream that stays dead, ends the program with one line on stderr.
// For tracking and one name per person, see `lfr watch` (samples/cmd_watch.cpp, lfr/video/watcher.h).
// Models: ./models, or $LFR_MODELS.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/video/open_source.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: video_faces VIDEO|STREAM_URL|FOLDER|LIST.txt\n");
        return 2;
    }
    try {
        lfr::PipelineOptions options;  // the default stages: MTCNN, its ONet points, MobileFaceNet
        if (const char* dir = std::getenv("LFR_MODELS")) options.models_dir = dir;
        const lfr::Pipeline faces(options);
        const std::unique_ptr<lfr::FrameSource> video = lfr::open_frame_source(argv[1]);

        int64_t frames = 0;
        while (const std::optional<lfr::Frame> frame = video->next()) {
            // Boxes, scores and five points; faces.embed() would add descriptors to identify (enrol_identify.cpp).
            const std::vector<lfr::Face> found = faces.detect(frame->image);
            std::printf("frame %lld at %.3f s: %zu faces", static_cast<long long>(frame->index), frame->time,
                        found.size());
            for (const lfr::Face& f : found) {
                const lfr::Box& b = f.detection.box;
                std::printf(" [%.0f,%.0f %.0fx%.0f %.3f]", b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1, f.detection.score);
            }
            std::printf("\n");
            std::fflush(stdout);  // a line per frame as it comes, also through a pipe
            ++frames;
        }
        std::printf("%lld frames, %lld dropped\n", static_cast<long long>(frames),
                    static_cast<long long>(video->dropped()));
        return 0;
    } catch (const lfr::Error& e) {  // a missing or unreadable source, a stream that stayed dead, no models
        std::fprintf(stderr, "video_faces: %s\n", e.what());
        return 1;
    }
}
