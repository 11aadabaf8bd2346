// Every detector, landmarker and embedder lfr can compose, by name: one line each. A new model family
// adds its own file in this folder and one line here (and its download and conversion in
// scripts/setup.sh); the Pipeline, the command line and the evaluations find it by name.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lfr/face/stages/blazeface_full.h"
#include "lfr/face/stages/blazeface_human.h"
#include "lfr/face/stages/face_landmark_68.h"
#include "lfr/face/stages/face_recognition_model.h"
#include "lfr/face/stages/faceres.h"
#include "lfr/face/stages/mobilefacenet.h"
#include "lfr/face/stages/mtcnn.h"
#include "lfr/face/stages/ssd_mobilenetv1.h"
#include "lfr/face/stages/tiny_face_detector.h"
#include "lfr/face/stages/ultralight.h"

namespace lfr {

template <class Stage>
struct StageEntry {
    std::string name;                  // the canonical name (also what a gallery records for an embedder)
    std::vector<std::string> aliases;  // short names the tools accept too
    std::string summary;               // one line for `lfr models` and --help
    std::vector<std::string> models;   // models_dir/NAME.lfr files it reads
    std::shared_ptr<const Stage> (*make)(const PipelineOptions&);
    std::string landmarker = {};       // embedders: the landmarker used when none is named
};

template <class T, class... A>
std::shared_ptr<const T> make_stage(A&&... a) {
    return std::make_shared<const T>(std::forward<A>(a)...);
}

inline const std::vector<StageEntry<FaceDetector>>& detector_registry() {
    static const std::vector<StageEntry<FaceDetector>> r = {
        {"tiny_face_detector", {"tiny"}, "face-api's tiny-YOLOv2, input a multiple of 32 (default 416)", {"tiny_face_detector"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> { return make_stage<TinyFaceDetector>(o); }},
        {"ssd_mobilenetv1", {"ssd"}, "face-api's SSD MobileNet v1, 512: slower, finds more faces", {"ssd_mobilenetv1"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> { return make_stage<SsdMobilenetDetector>(o); }},
        {"blazeface-back", {"blazeface"}, "Human's BlazeFace, 256, 6 keypoints", {"blazeface-back"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> {
             return make_stage<HumanBlazeFaceDetector>(o, "blazeface-back", 256);
         }},
        {"blazeface-front", {}, "Human's BlazeFace for selfies, 128, 6 keypoints", {"blazeface-front"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> {
             return make_stage<HumanBlazeFaceDetector>(o, "blazeface-front", 128);
         }},
        {"blazeface-full", {}, "MediaPipe's BlazeFace full-range, 192, letterboxed, 6 keypoints: small and distant faces", {"blazeface-full"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> { return make_stage<BlazeFaceFullDetector>(o); }},
        {"ultralight", {"rfb320"}, "Linzaer's Ultra-Light RFB-320 (MIT), 320x240: small, fast, finds most faces", {"ultralight"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> { return make_stage<UltraLightDetector>(o); }},
        {"mtcnn", {}, "MTCNN cascade (PNet pyramid, RNet, ONet; --min-face), 5 keypoints", {"mtcnn-pnet", "mtcnn-rnet", "mtcnn-onet"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceDetector> { return make_stage<MtcnnDetector>(o); }},
    };
    return r;
}

inline const std::vector<StageEntry<Landmarker>>& landmarker_registry() {
    static const std::vector<StageEntry<Landmarker>> r = {
        {"face_landmark_68", {}, "face-api's 68 points (iBUG layout), 112x112", {"face_landmark_68"},
         [](const PipelineOptions& o) -> std::shared_ptr<const Landmarker> {
             return make_stage<FaceLandmark68>(o, "face_landmark_68");
         }},
        {"face_landmark_68_tiny", {"tiny"}, "face-api's smaller 68-point net: faster, less precise", {"face_landmark_68_tiny"},
         [](const PipelineOptions& o) -> std::shared_ptr<const Landmarker> {
             return make_stage<FaceLandmark68>(o, "face_landmark_68_tiny");
         }},
        {"mtcnn-onet", {"onet"}, "MTCNN's ONet: 5 points (eyes, nose, mouth corners) on any detector's box", {"mtcnn-onet"},
         [](const PipelineOptions& o) -> std::shared_ptr<const Landmarker> { return make_stage<MtcnnOnetLandmarker>(o); }},
    };
    return r;
}

inline const std::vector<StageEntry<FaceEmbedder>>& embedder_registry() {
    static const std::vector<StageEntry<FaceEmbedder>> r = {
        {"face_recognition_model", {"dlib"}, "face-api's dlib ResNet-29: 128-d, Euclidean, same below 0.6", {"face_recognition_model"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceEmbedder> { return make_stage<FaceRecognitionEmbedder>(o); },
         "face_landmark_68"},
        {"faceres", {}, "Human's faceres: 1024-d + age + gender, Euclidean, same below 10", {"faceres"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceEmbedder> {
             return make_stage<FaceResEmbedder>(o, "faceres");
         },
         "face_landmark_68"},
        {"mobilefacenet", {}, "MobileFaceNet (MS1M-trained: research use): 192-d unit vectors, ArcFace 5-point crop, same below 1.1", {"mobilefacenet"},
         [](const PipelineOptions& o) -> std::shared_ptr<const FaceEmbedder> { return make_stage<MobileFaceNetEmbedder>(o); },
         "mtcnn-onet"},
    };
    return r;
}

// The entry a name (or alias) means, or nullptr.
template <class Stage>
const StageEntry<Stage>* find_stage(const std::vector<StageEntry<Stage>>& registry, const std::string& name) {
    for (const auto& e : registry) {
        if (e.name == name) return &e;
        for (const std::string& a : e.aliases)
            if (a == name) return &e;
    }
    return nullptr;
}

// "a, b or c": the names a registry offers, for error messages and help.
template <class Stage>
std::string stage_names(const std::vector<StageEntry<Stage>>& registry) {
    std::string s;
    for (size_t i = 0; i < registry.size(); ++i)
        s += (i == 0 ? "" : i + 1 == registry.size() ? " or " : ", ") + registry[i].name;
    return s;
}

// The entry for a name, or an lfr::Error listing the choices (`what`: "detector", ...).
template <class Stage>
const StageEntry<Stage>& stage_entry(const std::vector<StageEntry<Stage>>& registry, const std::string& name,
                                     const char* what) {
    const StageEntry<Stage>* e = find_stage(registry, name);
    LFR_CHECK(e, std::string("unknown ") + what + " '" + name + "' (one of: " + stage_names(registry) + ")");
    return *e;
}

}  // namespace lfr
