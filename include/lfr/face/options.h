// PipelineOptions: which stages a Pipeline composes (by registry name, see lfr/face/stages/registry.h)
// and the knobs they read. Every field has a default that `lfr models` and the README explain.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "lfr/ops/parallel.h"
#include "lfr/runtime/backend.h"

namespace lfr {

// A .lfr file's bytes in memory, e.g. compiled into the program by lfr_embed_model (cmake/lfr_embed.cmake).
struct ModelBytes {
    const void* data;
    size_t size;
};

struct PipelineOptions {
    std::string models_dir = "models";
    // Models supplied from memory instead of models_dir/NAME.lfr, by NAME (as in `lfr models`): read in
    // place, never copied, so the bytes must outlive the Pipeline. Models not named here are read from files.
    std::map<std::string, ModelBytes> models_in_memory;
    // Where the stages' networks run: null for the CPU, lfr::cuda::backend() for a GPU (lfr/cuda/backend.h).
    std::shared_ptr<const Backend> backend;
    // Stage names (or their short aliases) from the registry.
    // The defaults, chosen by measurement on lfw-dev, cfp-dev (frontal-frontal and frontal-profile) and
    // facemask (README, Accuracy): MTCNN's cascade and its ONet points, MobileFaceNet on the ArcFace crop.
    std::string detector = "mtcnn";
    std::string landmarker;          // "": the embedder's own choice (face_recognition_model: face_landmark_68)
    std::string embedder = "mobilefacenet";
    // The embedder's alignment: "" for its default. face_recognition_model: "dlib" (dlib's face chip)
    // or "faceapi" (face-api's crop: with it the pipeline reproduces face-api exactly).
    std::string alignment;

    int detector_input = 0;          // the detector's input side where it has a choice (tiny: multiple of 32); 0: its default
    float score_threshold = -1;      // < 0: the detector's reference default, for every face
    // embed_subject() looks for the one face a portrait is about at this lower threshold (< 0: the
    // detector's own subject threshold, e.g. tiny 0.1, which finds a face in all but 40 of LFW's 3,811
    // images where 0.5 misses 577). The box nearest the centre wins, whatever its score.
    float subject_score_threshold = -1;
    float nms_iou = -1;              // < 0: the detector's reference default
    int max_faces = 100;
    int min_face = 0;                // MTCNN: smallest face side in pixels to look for; 0: its default

    // Two steps on top of face-api's stages, not used with alignment "faceapi" (face-api's pipeline stays
    // exact). Each is worth about +0.05..0.2 points of LFW accuracy with face_recognition_model.
    bool refine_landmarks = true;    // 68-point nets: run again on the box re-centred on the first landmarks
    bool mirror_average = true;      // descriptor = mean of the aligned crop's and its mirror image's

    // Same person when distance() is below this; < 0: the embedder's default (the Pipeline resolves it:
    // Pipeline::match_threshold() is the value in use).
    float match_threshold = -1;

    // faceres only: the side of Human's face tensor (0: 128 after blazeface-front, else 256), and the crop
    // scale around the detection box (0: Human's 1.4 for BlazeFace-sized boxes, divided by the detector's
    // box_scale(): tiny 1.16, ssd 1.27).
    int faceres_face_size = 0;
    float faceres_crop_scale = 0;

    // Threads each network run may use (heavy ops are split over them; results do not depend on the
    // count). The Pipeline makes one pool of this size for all its stages, unless `pool` is given.
    int threads = 1;
    std::shared_ptr<ThreadPool> pool;

    bool faceapi_mode() const { return alignment == "faceapi"; }

    // "" when the numbers are usable, else what is wrong (naming the field and its `lfr` option). The
    // Pipeline refuses such options with an lfr::Error; the command line reports them as a usage error.
    std::string problem() const {
        if (detector_input != 0 && (detector_input < 32 || detector_input > 4096 || detector_input % 32 != 0))
            return "detector_input (--input-size) must be a multiple of 32 between 32 and 4096, not " +
                   std::to_string(detector_input);
        if (min_face < 0) return "min_face (--min-face) must not be negative, not " + std::to_string(min_face);
        if (max_faces < 1) return "max_faces (--max-faces) must be at least 1, not " + std::to_string(max_faces);
        if (!(score_threshold <= 1)) return "score_threshold (--score) must lie in [0, 1] (negative: the detector's)";
        if (!(match_threshold != 0 && match_threshold == match_threshold))
            return "match_threshold (--threshold) must be positive (negative: the embedder's)";
        return "";
    }
};

}  // namespace lfr
