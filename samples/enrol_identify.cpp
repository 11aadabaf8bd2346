// Who is in this photo? Enrol people from their photos, then name each face of a query photo, or say
// "unknown" for a face that is none of them (open set).  enrol_identify NAME=PHOTO|FOLDER... QUERY.jpg
//
//     $ enrol_identify alice=alice.jpg bob=photos/bob group.jpg
//     face at 120,80 (64x78): alice (distance 0.612)
//     face at 410,95 (60x71): unknown (distance 1.302, nearest bob)
//
// NAME=PHOTO enrols the face the photo is about (the one nearest the centre); NAME=FOLDER (or a .txt list
// of photos) enrols every photo in it, several views of one person. A face is named when its mean distance
// to that person's descriptors is below the pipeline's threshold, else it is "unknown".
// The gallery is SQLite's in-memory database here; give lfr::Gallery::open a file name to keep it, as
// `lfr enroll --db people.db` does. Models: ./models, or $LFR_MODELS.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lfr/face/gallery.h"
#include "lfr/face/pipeline.h"
#include "lfr/image/io.h"
#include "lfr/video/open_source.h"  // open_frame_source: one photo, a folder's photos or a .txt list of them

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: enrol_identify NAME=PHOTO|FOLDER... QUERY.jpg\n");
        return 2;
    }
    try {
        lfr::PipelineOptions options;  // the default stages: MTCNN, its ONet points, MobileFaceNet
        if (const char* dir = std::getenv("LFR_MODELS")) options.models_dir = dir;
        const lfr::Pipeline faces(options);
        lfr::Gallery people = lfr::Gallery::open(":memory:", faces.embedder_name(), faces.descriptor_size());

        for (int i = 1; i + 1 < argc; ++i) {
            const std::string arg = argv[i];
            const size_t eq = arg.find('=');
            if (eq == std::string::npos || eq == 0) {
                std::fprintf(stderr, "enrol_identify: '%s': give NAME=PHOTO or NAME=FOLDER\n", arg.c_str());
                return 2;
            }
            const std::string name = arg.substr(0, eq), path = arg.substr(eq + 1);
            const std::unique_ptr<lfr::FrameSource> photos = lfr::open_frame_source(path);
            std::vector<lfr::SourcedDescriptor> views;
            while (const std::optional<lfr::Frame> photo = photos->next()) {
                const std::optional<lfr::Face> face = faces.embed_subject(photo->image);
                LFR_CHECK(face, path + ": no face found (photo " + std::to_string(photo->index + 1) + ")");
                views.push_back({face->descriptor, path});
            }
            people.enroll(name, views);
        }

        lfr::IdentifyOptions how;
        how.threshold = faces.match_threshold();  // the embedder's, not the gallery's face-api default
        const std::vector<lfr::Face> found = faces.embed(lfr::load_image(argv[argc - 1]));
        if (found.empty()) std::printf("no faces in %s\n", argv[argc - 1]);
        for (const lfr::Face& face : found) {
            const lfr::Identification who = people.identify(face.descriptor, how);
            const lfr::Box& b = face.detection.box;
            std::printf("face at %.0f,%.0f (%.0fx%.0f): %s (distance %.3f", b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1,
                        who.name.c_str(), who.distance);
            if (!who.known) std::printf(", nearest %s", who.best.c_str());
            std::printf(")\n");
        }
        return 0;
    } catch (const lfr::Error& e) {  // a missing or unreadable photo, a photo without a face, no models
        std::fprintf(stderr, "enrol_identify: %s\n", e.what());
        return 1;
    }
}
