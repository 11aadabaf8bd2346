// Pipeline: the whole face stack behind four calls. Load the models once, then
//
//     lfr::Pipeline faces(lfr::PipelineOptions{});           // models/ next to the program
//     lfr::Image photo = lfr::load_image("group.jpg");
//     for (const lfr::Face& f : faces.embed(photo)) ...      // box, score, 68 landmarks, descriptor
//     std::optional<lfr::Face> me = faces.embed_subject(portrait);  // the one face a portrait is about
//     float d = faces.distance(a.descriptor, b.descriptor);  // same person when d < threshold
//
// Stages: detect (tiny_face_detector or BlazeFace) -> 68 landmarks on each box (face_landmark_68)
// -> alignment (dlib face chip, or face-api's crop) -> embedding (face_recognition_model, or Human's
// faceres with age and gender), all faces of an image in one batched run per network. The loaded
// models are immutable and every call makes its own sessions, so one Pipeline may be used from several
// threads at once.
#pragma once
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "lfr/face/align.h"
#include "lfr/face/blazeface.h"
#include "lfr/face/distance.h"
#include "lfr/face/landmarks.h"
#include "lfr/face/ssd.h"
#include "lfr/face/tiny_yolo.h"
#include "lfr/face/types.h"
#include "lfr/graph/executor.h"
#include "lfr/image/image.h"
#include "lfr/image/preprocess.h"

namespace lfr {

enum class Detector {
    TinyFace,        // face-api's tiny_face_detector: fast, input size selectable (default 416)
    BlazeFaceBack,   // Human's BlazeFace, 256
    BlazeFaceFront,  // BlazeFace for selfies, 128
    SsdMobilenetV1   // face-api's ssd_mobilenetv1, 512: the slowest and the most accurate
};
enum class Alignment {
    Dlib,    // similarity transform of the landmarks onto dlib's mean face, 150x150, padding 0.25
    FaceApi  // face-api's axis-aligned crop from eye and mouth centres (its alignDlib)
};

enum class Embedder {
    FaceRecognition,  // face-api's face_recognition_model: 128-d, Euclidean, same person below 0.6
    // Human's faceres: 1024-d (non-negative, not normalised) + age + gender, from Human's face crop (the
    // detection box enlarged 1.4x and made square, see add_descriptors); Euclidean, as Human's match.ts.
    FaceRes
};

// The model file name (models/NAME.lfr), also the embedder name a gallery records.
const char* embedder_name(Embedder e);
// The length of the embedder's descriptors.
int embedder_descriptor_size(Embedder e);
// Same person when the Euclidean distance between two descriptors is below this.
//  - face_recognition_model: 0.6, face-api's FaceMatcher default.
//  - faceres: 10, Human's own default. match.ts scores similarity = clamp((0.8 - d / 20) / 0.6) from the
//    Euclidean distance d (order 2, multiplier 25, range 0.2..0.8; human_similarity) and calls
//    similarity above 0.5 a match, i.e. d < 10. Checked, not tuned: on the sample photos (BlazeFace, the
//    crop Human uses) different people lie at 10.8..13.6; with tiny_face_detector's boxes at 8.4..14.4,
//    2 of 23 pairs below 10 (8.4: two cheek-to-cheek faces of sample6, their crops overlapping; 9.7).
//    On identity-dev/faceapi-bbt (8 people x 5 tight 150x150 crops, embed_subject, all pairs; the 1.4x
//    crop runs off these small images) d < 10 accepts 0/700 different-person pairs and rejects 58/80
//    same-person pairs (blazeface-back; same 8.0..14.0, different 10.1..17.6): strict; the fewest errors
//    there lie near 12 (10/700 and 18/80), too close to the sample photos' different people to be a
//    safe default.
//    Tune it on your own pairs (--threshold).
float default_match_threshold(Embedder e);

struct PipelineOptions {
    std::string models_dir = "models";
    Detector detector = Detector::TinyFace;
    int detector_input = 416;        // tiny_face_detector only (a multiple of 32); the others are fixed
    float score_threshold = -1;      // < 0: the reference default (tiny and SSD 0.5, BlazeFace 0.2), for every face
    // embed_subject() looks for the one face a portrait is about at this lower threshold: tiny at 0.1
    // finds a face in all but 40 of LFW's 3,811 images, at 0.5 it misses 577. The box nearest the centre
    // wins, whatever its score: on LFW that gives 99.0%, preferring boxes over 0.5 where there are any
    // gives 98.5% (a confident face in the background beats a centred subject seen from the side).
    float subject_score_threshold = 0.1f;
    float nms_iou = -1;              // < 0: the reference default (tiny 0.4, BlazeFace 0.1, SSD 0.5)
    int max_faces = 100;
    bool tiny_landmarks = false;     // face_landmark_68_tiny instead of face_landmark_68
    Alignment alignment = Alignment::Dlib;
    // Two steps on top of face-api's stages, used with Alignment::Dlib only (Alignment::FaceApi stays
    // face-api's pipeline exactly). Each is worth about +0.05..0.2 points of LFW accuracy, both together 0.4.
    bool refine_landmarks = true;    // run the landmark net again on the box re-centred on its first landmarks
    bool mirror_average = true;      // descriptor = mean of the chip's and its mirror image's descriptors
    Embedder embedder = Embedder::FaceRecognition;
    // Same person when the Euclidean distance is below this; < 0: default_match_threshold(embedder)
    // (the Pipeline resolves it: Pipeline::options().match_threshold is the value in use).
    float match_threshold = -1;
    // FaceRes: the side of Human's face tensor (the square crop before faceres' resize to 224). Human
    // crops to blazeface.size() when the face mesh is off: 256 for its default blazeface (= back), 128
    // for blazeface-front. 0: that rule (128 for BlazeFaceFront, 256 otherwise).
    int faceres_face_size = 0;
    // FaceRes: the crop box is the detection box enlarged this much around its centre, then made square
    // (Human's enlargeBox + squarifyBox). 0: Human's 1.4 for BlazeFace boxes; for tiny_face_detector's
    // boxes, which are larger (on the sample photos BlazeFace's box is 0.68..0.94, median 0.83, of tiny's
    // width), 1.4 x 0.83 = 1.16, so that faceres sees about the crop Human gives it. ssd_mobilenetv1's
    // boxes are narrow and tall; their longer side (what squarifyBox keeps) is 0.94..1.18, median 1.10,
    // of BlazeFace's width on the same photos: 1.4 / 1.10 = 1.27.
    float faceres_crop_scale = 0;
};

const char* detector_name(Detector d);
// The detector a name means: detector_name()'s, or the short ones the tools take (tiny, ssd, blazeface
// for blazeface-back); std::nullopt for anything else.
std::optional<Detector> detector_from_name(const std::string& name);
// The detector's input side: detector_input for tiny_face_detector, the model's fixed size otherwise.
int detector_input_size(const PipelineOptions& o);
// The reference's score threshold for the detector (what score_threshold < 0 means).
float default_score_threshold(Detector d);
const char* alignment_name(Alignment a);

inline const Box& box_of(const Detection& d) { return d.box; }
inline const Box& box_of(const Face& f) { return f.detection.box; }

// The face a single-subject photo is about (Detections or Faces): the box whose centre is nearest the
// image centre; -1 for none. (The largest box picks big low-score false boxes at threshold 0.1: on LFW
// it gives 93.2% against 98.6% for the nearest-centre rule; at threshold 0.5, 97.7% against 97.9%.)
template <class FaceOrDetection>
int main_face(const std::vector<FaceOrDetection>& faces, int img_w, int img_h) {
    int best = -1;
    double best_key = -1e300;
    for (size_t i = 0; i < faces.size(); ++i) {
        const Box& b = box_of(faces[i]);
        const double cx = (b.x1 + b.x2) / 2 - img_w / 2.0, cy = (b.y1 + b.y2) / 2 - img_h / 2.0;
        const double key = -(cx * cx + cy * cy);
        if (key > best_key) best_key = key, best = int(i);
    }
    return best;
}

// Human's age from faceres' 100-way softmax p (faceres.ts predict): i = argmax (the first), then
// Math.round(p[i-1] > p[i+1] ? 10 i - 100 p[i-1] : 10 i + 100 p[i+1]) / 10, i.e. i -+ 10 x the larger
// neighbour, to 0.1 year. A missing neighbour (JS undefined) loses the comparison; at i = 99, where the
// JS gives NaN, the lower neighbour is used.
inline float human_faceres_age(const float* p) {
    int i = 0;
    for (int k = 1; k < 100; ++k)
        if (p[k] > p[i]) i = k;
    const bool lower = i == 99 || (i > 0 && p[i - 1] > p[i + 1]);
    const double a = lower ? 10.0 * i - 100.0 * double(p[i - 1]) : 10.0 * i + 100.0 * double(p[i + 1]);
    return float(std::floor(a + 0.5) / 10);
}

class Pipeline {
public:
    explicit Pipeline(const PipelineOptions& options = {})
        : opt_(options),
          detector_(Model::load(options.models_dir + "/" + detector_name(options.detector) + ".lfr")),
          landmarks_(Model::load(options.models_dir + "/" +
                                 (options.tiny_landmarks ? "face_landmark_68_tiny" : "face_landmark_68") + ".lfr")),
          embedder_(Model::load(options.models_dir + "/" + lfr::embedder_name(options.embedder) + ".lfr")) {
        LFR_CHECK(opt_.detector != Detector::TinyFace || (opt_.detector_input > 0 && opt_.detector_input % 32 == 0),
                  "tiny_face_detector input size must be a positive multiple of 32, got " +
                      std::to_string(opt_.detector_input));
        if (opt_.match_threshold < 0) opt_.match_threshold = default_match_threshold(opt_.embedder);
        if (opt_.faceres_face_size <= 0) opt_.faceres_face_size = opt_.detector == Detector::BlazeFaceFront ? 128 : 256;
        if (opt_.faceres_crop_scale <= 0)
            opt_.faceres_crop_scale = opt_.detector == Detector::TinyFace         ? 1.16f
                                      : opt_.detector == Detector::SsdMobilenetV1 ? 1.27f
                                                                                  : 1.4f;
    }

    const PipelineOptions& options() const { return opt_; }
    // face_recognition_model's (the default embedder's); descriptor_size()/embedder_name() give this pipeline's.
    static constexpr int kDescriptorSize = 128;
    static constexpr const char* kEmbedderName = "face_recognition_model";
    int descriptor_size() const { return embedder_descriptor_size(opt_.embedder); }
    const char* embedder_name() const { return lfr::embedder_name(opt_.embedder); }
    float match_threshold() const { return opt_.match_threshold; }

    // Stage 1: face boxes and scores (BlazeFace adds 6 keypoints), best first, in image pixels.
    std::vector<Detection> detect_boxes(const Image& img) const { return detect_boxes(img, opt_.score_threshold); }

    // The same at another score threshold (< 0: the reference default).
    std::vector<Detection> detect_boxes(const Image& img, float score_threshold) const {
        check_image(img);
        Session s(detector_);
        if (opt_.detector == Detector::TinyFace) {
            TinyYoloOptions o;
            o.input_size = opt_.detector_input;
            if (score_threshold >= 0) o.score_threshold = score_threshold;
            if (opt_.nms_iou >= 0) o.iou_threshold = opt_.nms_iou;
            const Tensor x = faceapi_batch_tensor(img, o.input_size, /*centred=*/false);
            const auto out = s.run({x.view()});
            auto dets = decode_tiny_yolo(out[0].view(), img.width, img.height, o);
            if (int(dets.size()) > opt_.max_faces) dets.resize(size_t(opt_.max_faces));
            return dets;
        }
        if (opt_.detector == Detector::SsdMobilenetV1) {
            SsdOptions o;
            o.max_results = opt_.max_faces;
            if (score_threshold >= 0) o.score_threshold = score_threshold;
            if (opt_.nms_iou >= 0) o.iou_threshold = opt_.nms_iou;
            const Tensor x = faceapi_batch_tensor(img, kSsdInputSize, /*centred=*/false);
            const auto out = s.run({x.view()});
            return decode_ssd(out[0].view(), out[1].view(), img.width, img.height, o);
        }
        const int size = detector_input_size(opt_);
        BlazeFaceOptions o;
        o.max_faces = opt_.max_faces;
        if (score_threshold >= 0) o.score_threshold = score_threshold;
        if (opt_.nms_iou >= 0) o.iou_threshold = opt_.nms_iou;
        const Tensor x = human_blazeface_input(img, size);
        const auto out = s.run({x.view()});
        std::vector<Detection> dets;
        for (auto& d : decode_blazeface(views(out), size, img.width, img.height, o)) dets.push_back(d.detection);
        return dets;
    }

    // Stages 1-2: boxes plus 68 landmarks each (faces whose box lies outside the image are dropped).
    std::vector<Face> detect(const Image& img) const { return add_landmarks(img, detect_boxes(img)); }

    // 68 landmarks for given boxes (e.g. from another detector), one batched run. With Alignment::Dlib
    // and refine_landmarks, a second run on each box moved so that its centre is the centre of the first
    // landmarks' bounding box (Face::detection keeps the given box).
    std::vector<Face> add_landmarks(const Image& img, const std::vector<Detection>& dets) const {
        std::vector<Face> faces = landmarks_once(img, dets);
        if (faces.empty() || opt_.alignment != Alignment::Dlib || !opt_.refine_landmarks) return faces;
        std::vector<Detection> moved;
        for (const Face& f : faces) {
            float lx = f.landmarks[0].x, hx = lx, ly = f.landmarks[0].y, hy = ly;
            for (const Point& q : f.landmarks)
                lx = std::min(lx, q.x), hx = std::max(hx, q.x), ly = std::min(ly, q.y), hy = std::max(hy, q.y);
            Detection d = f.detection;
            const float cx = (lx + hx) / 2, cy = (ly + hy) / 2, w = d.box.width(), h = d.box.height();
            d.box = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
            moved.push_back(d);
        }
        const std::vector<Face> again = landmarks_once(img, moved);
        if (again.size() != faces.size()) return faces;  // a moved box fell outside the image: keep the first run
        for (size_t i = 0; i < faces.size(); ++i) faces[i].landmarks = again[i].landmarks;
        return faces;
    }

    // One landmark run, as face-api does it.
    std::vector<Face> landmarks_once(const Image& img, const std::vector<Detection>& dets) const {
        check_image(img);
        std::vector<Face> faces;
        std::vector<Box> crops;
        for (const Detection& d : dets) {
            const Box crop = faceapi_landmark_crop(d.box, img.width, img.height);
            if (crop.width() < 1 || crop.height() < 1) continue;
            faces.push_back({d, {}, {}});
            crops.push_back(crop);
        }
        if (faces.empty()) return faces;
        Tensor batch(Shape{int64_t(faces.size()), kLandmarkInputSize, kLandmarkInputSize, 3});
        for (size_t i = 0; i < faces.size(); ++i) faceapi_extract_square_into(img, crops[i], batch.view(), int64_t(i));
        Session s(landmarks_);
        const auto out = s.run({batch.view()});
        for (size_t i = 0; i < faces.size(); ++i)
            faces[i].landmarks = faceapi_map_landmarks(out[0].values.data() + i * 136, crops[i].width(),
                                                       crops[i].height(), {faces[i].detection.box.x1,
                                                                           faces[i].detection.box.y1});
        return faces;
    }

    // Stages 1-3: every face with its descriptor.
    std::vector<Face> embed(const Image& img) const { return add_descriptors(img, detect(img)); }

    // Stages 1-3 for the one face a portrait is about (verify, enroll, LFW pairs): detection at
    // subject_score_threshold, the box nearest the image centre, its landmarks and descriptor.
    // std::nullopt when no face is found; faces_found, when given, receives the number of boxes
    // (more than one: the photo may not be a portrait, and the choice may not be the one meant).
    std::optional<Face> embed_subject(const Image& img, int* faces_found = nullptr) const {
        const std::vector<Detection> dets = detect_boxes(img, opt_.subject_score_threshold);
        if (faces_found) *faces_found = int(dets.size());
        const int k = main_face(dets, img.width, img.height);
        if (k < 0) return std::nullopt;
        std::vector<Face> faces = add_landmarks(img, {dets[size_t(k)]});
        if (faces.empty()) return std::nullopt;
        return add_descriptors(img, std::move(faces))[0];
    }

    // Stage 3 for faces that already have landmarks: aligned crops, one batched run.
    // FaceRes (landmarks not needed) does what Human does with the face mesh off and rotation off
    // (face.ts -> facemesh.ts -> facemeshutil.correctFaceRotation -> faceres.ts): the crop box is the
    // detection box enlarged 1.4x around its centre and made square (human_crop_box, as blazeface.ts does
    // for its DetectBox; 1.16x for tiny_face_detector's larger boxes, see faceres_crop_scale), cut and
    // resized to faceres_face_size and / 255 (human_face_crop), then resized to 224 and x 255 (faceres.ts
    // enhance). Descriptor = global_pooling/Mean [1024]; age and gender too.
    std::vector<Face> add_descriptors(const Image& img, std::vector<Face> faces) const {
        if (faces.empty()) return faces;
        if (opt_.embedder == Embedder::FaceRes) return add_faceres(img, std::move(faces));
        const bool mirror = opt_.alignment == Alignment::Dlib && opt_.mirror_average;
        const int64_t n = int64_t(faces.size()), per = mirror ? 2 : 1;
        Tensor batch(Shape{n * per, 150, 150, 3});
        for (int64_t i = 0; i < n; ++i) {
            write_aligned_crop(img, faces[size_t(i)], batch.view(), i * per);
            if (!mirror) continue;
            const float* src = batch.values.data() + i * per * 150 * 150 * 3;
            float* dst = batch.values.data() + (i * per + 1) * 150 * 150 * 3;
            for (int r = 0; r < 150; ++r)
                for (int c = 0; c < 150; ++c)
                    std::copy_n(src + (r * 150 + 149 - c) * 3, 3, dst + (r * 150 + c) * 3);
        }
        Session s(embedder_);
        const auto out = s.run({batch.view()});
        for (int64_t i = 0; i < n; ++i) {
            std::vector<float>& d = faces[size_t(i)].descriptor;
            const float* a = out[0].values.data() + i * per * kDescriptorSize;
            d.assign(a, a + kDescriptorSize);
            if (mirror)
                for (int k = 0; k < kDescriptorSize; ++k) d[size_t(k)] = (d[size_t(k)] + a[kDescriptorSize + k]) / 2;
        }
        return faces;
    }

    // The embedder's input for one face (for drawing or debugging the alignment): [1,150,150,3], or
    // for FaceRes [1,224,224,3] in 0..255.
    Tensor aligned_crop(const Image& img, const Face& face) const {
        if (opt_.embedder == Embedder::FaceRes)
            return human_faceres_input(img, faceres_crop_box(face.detection.box), opt_.faceres_face_size, kFaceResSize);
        Tensor t(Shape{1, 150, 150, 3});
        write_aligned_crop(img, face, t.view(), 0);
        return t;
    }

    // The distance same_person() compares with match_threshold(). Euclidean for both embedders: face-api's
    // FaceMatcher, and Human's match.ts default (order 2; its similarity is a clamped linear map of it).
    float distance(const std::vector<float>& a, const std::vector<float>& b) const { return euclidean_distance(a, b); }
    bool same_person(const std::vector<float>& a, const std::vector<float>& b) const {
        return distance(a, b) < opt_.match_threshold;
    }

    static constexpr int kFaceResSize = 224;
    // FaceRes: the square box cut out for a face (see faceres_crop_scale).
    Box faceres_crop_box(const Box& detection) const { return human_crop_box(detection, opt_.faceres_crop_scale); }

private:
    // FaceRes: Human's crop of every face, one batched run; outputs found by width as faceres.ts does
    // (1: gender sigmoid, 1024: descriptor, 100: age softmax).
    std::vector<Face> add_faceres(const Image& img, std::vector<Face> faces) const {
        check_image(img);
        const int64_t n = int64_t(faces.size());
        Tensor batch(Shape{n, kFaceResSize, kFaceResSize, 3});
        for (int64_t i = 0; i < n; ++i)
            human_faceres_input_into(img, faceres_crop_box(faces[size_t(i)].detection.box), opt_.faceres_face_size,
                                     batch.view(), i);
        Session s(embedder_);
        const auto out = s.run({batch.view()});
        const float *gender = nullptr, *desc = nullptr, *age = nullptr;
        for (const Tensor& t : out) {
            LFR_CHECK(t.shape.rank == 2 && t.shape[0] == n, "faceres: unexpected output " + t.shape.str());
            if (t.shape[1] == 1) gender = t.values.data();
            else if (t.shape[1] == 1024) desc = t.values.data();
            else if (t.shape[1] == 100) age = t.values.data();
        }
        LFR_CHECK(gender && desc && age, "faceres: expected outputs [N,1], [N,1024] and [N,100]");
        for (int64_t i = 0; i < n; ++i) {
            Face& f = faces[size_t(i)];
            f.descriptor.assign(desc + i * 1024, desc + (i + 1) * 1024);
            const float g = gender[i];
            f.gender = g <= 0.5f ? 0 : 1;
            f.gender_score = std::min(0.99f, float(std::trunc(200 * std::fabs(double(g) - 0.5)) / 100));
            f.age = human_faceres_age(age + i * 100);
        }
        return faces;
    }

    static void check_image(const Image& img) {
        LFR_CHECK(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * size_t(img.height) * 3,
                  "empty or malformed image (" + std::to_string(img.width) + "x" + std::to_string(img.height) + ")");
    }

    void write_aligned_crop(const Image& img, const Face& face, TensorView batch, int64_t slot) const {
        LFR_CHECK(face.landmarks.size() == 68, "alignment needs 68 landmarks");
        if (opt_.alignment == Alignment::Dlib) {
            warp_affine_into(img, dlib_face_chip(face.landmarks, 150, 0.25), batch, slot);
            return;
        }
        // face-api: alignDlib's rect relative to the landmark crop, clipped to the image.
        const Box lm_crop = faceapi_landmark_crop(face.detection.box, img.width, img.height);
        const Box crop = faceapi_descriptor_crop(face.landmarks, lm_crop.width(), lm_crop.height(), img.width, img.height);
        LFR_CHECK(crop.width() >= 1 && crop.height() >= 1, "face-api alignment: the face crop lies outside the image");
        faceapi_extract_square_into(img, crop, batch, slot);
    }

    PipelineOptions opt_;
    Model detector_, landmarks_, embedder_;
};

inline const char* detector_name(Detector d) {
    switch (d) {
        case Detector::TinyFace: return "tiny_face_detector";
        case Detector::BlazeFaceBack: return "blazeface-back";
        case Detector::BlazeFaceFront: return "blazeface-front";
        case Detector::SsdMobilenetV1: return "ssd_mobilenetv1";
    }
    return "?";
}

inline std::optional<Detector> detector_from_name(const std::string& name) {
    for (Detector d : {Detector::TinyFace, Detector::BlazeFaceBack, Detector::BlazeFaceFront, Detector::SsdMobilenetV1})
        if (name == detector_name(d)) return d;
    if (name == "tiny") return Detector::TinyFace;
    if (name == "ssd") return Detector::SsdMobilenetV1;
    if (name == "blazeface") return Detector::BlazeFaceBack;
    return std::nullopt;
}

inline float default_score_threshold(Detector d) {
    switch (d) {
        case Detector::TinyFace: return TinyYoloOptions{}.score_threshold;
        case Detector::SsdMobilenetV1: return SsdOptions{}.score_threshold;
        case Detector::BlazeFaceBack:
        case Detector::BlazeFaceFront: return BlazeFaceOptions{}.score_threshold;
    }
    return 0.5f;
}

inline int detector_input_size(const PipelineOptions& o) {
    switch (o.detector) {
        case Detector::TinyFace: return o.detector_input;
        case Detector::BlazeFaceBack: return 256;
        case Detector::BlazeFaceFront: return 128;
        case Detector::SsdMobilenetV1: return kSsdInputSize;
    }
    return 0;
}

inline const char* alignment_name(Alignment a) { return a == Alignment::Dlib ? "dlib" : "faceapi"; }

inline const char* embedder_name(Embedder e) {
    return e == Embedder::FaceRes ? "faceres" : "face_recognition_model";
}
inline int embedder_descriptor_size(Embedder e) { return e == Embedder::FaceRes ? 1024 : 128; }
inline float default_match_threshold(Embedder e) {
    return e == Embedder::FaceRes ? kFaceResDistanceThreshold : kFaceApiDistanceThreshold;
}


}  // namespace lfr
