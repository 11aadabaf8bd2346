// `lfr enroll --video FILE`: a person's descriptors from the main track of a video (lfr/video/main_track.h).
#pragma once
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli.h"
#include "face_report.h"
#include "lfr/face/gallery.h"
#include "lfr/video/main_track.h"
#include "lfr/video/open_source.h"
#include "pipeline_args.h"

namespace lfr::cli {

struct VideoEnrolment {
    std::string path;
    int views = 5;
    bool augment = false;
};

inline int enroll_video(const std::string& db, const std::string& name, const VideoEnrolment& v, const PipelineOptions& o) {
    usage_check(v.views >= 1, "--views must be at least 1");
    const Pipeline pipeline = load_pipeline(o);
    std::unique_ptr<FrameSource> source = open_frame_source(v.path);
    // An existing gallery is checked before the slow part; a new one is made only when there is something to enroll.
    if (std::filesystem::exists(db)) Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size());
    const std::vector<FaceCrop> views = main_track_views(*source, pipeline, v.views);
    LFR_CHECK(!views.empty(), v.path + ": no face good enough to enroll (too small, blurred or turned away)");
    Gallery gallery = Gallery::open(db, pipeline.embedder_name(), pipeline.descriptor_size());
    std::vector<SourcedDescriptor> descriptors;
    for (const FaceCrop& c : views) {
        const std::string at = v.path + "@" + number_text(c.time, "%.2f") + "s";
        descriptors.push_back({c.face.descriptor, at});
        if (v.augment)
            for (const FaceCrop& a : augment_view(pipeline, c)) descriptors.push_back({a.face.descriptor, at + " augmented"});
    }
    gallery.enroll(name, descriptors);
    std::printf("enrolled %s: %zu descriptors from %zu views of %s into %s\n", name.c_str(), descriptors.size(),
                views.size(), v.path.c_str(), db.c_str());
    return 0;
}

}  // namespace lfr::cli
