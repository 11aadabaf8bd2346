// Pipeline: the whole face stack behind a few calls. Load the models once, then
//
//     lfr::Pipeline faces(lfr::PipelineOptions{});           // models/ next to the program
//     lfr::Image photo = lfr::load_image("group.jpg");
//     for (const lfr::Face& f : faces.embed(photo)) ...      // box, score, landmarks, descriptor
//     std::optional<lfr::Face> me = faces.embed_subject(portrait);  // the one face a portrait is about
//     float d = faces.distance(a.descriptor, b.descriptor);  // same person when d < match_threshold()
//
// Stages: a detector -> a landmarker on each box -> an embedder (alignment and distance are the
// embedder's), each chosen by name from lfr/face/stages/registry.h; all faces of an image go through
// each network in one batched run. The stages keep their weights prepared and their sessions between
// calls (StageModel); one Pipeline may still be used from several threads at once. options.threads
// splits each network run over that many threads (one pool shared by the stages).
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lfr/face/distance.h"
#include "lfr/face/options.h"
#include "lfr/face/stages/registry.h"
#include "lfr/face/types.h"
#include "lfr/image/image.h"

namespace lfr {

inline const Box& box_of(const Detection& d) { return d.box; }
inline const Box& box_of(const Face& f) { return f.detection.box; }

// The face a single-subject photo is about (Detections or Faces): the box whose centre is nearest the
// image centre; -1 for none. (Not the largest box: it picks big false boxes at low score thresholds;
// README, Accuracy, has the measurement.)
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

class Pipeline {
public:
    explicit Pipeline(const PipelineOptions& options = {}) : opt_(options) {
        const std::string problem = opt_.problem();
        LFR_CHECK(problem.empty(), "pipeline options: " + problem);
        const auto& det = stage_entry(detector_registry(), opt_.detector, "detector");
        const auto& emb = stage_entry(embedder_registry(), opt_.embedder, "embedder");
        const auto& lm = stage_entry(landmarker_registry(), opt_.landmarker.empty() ? emb.landmarker : opt_.landmarker,
                                     "landmarker");
        opt_.detector = det.name, opt_.landmarker = lm.name, opt_.embedder = emb.name;
        if (!opt_.pool && opt_.threads > 1) opt_.pool = std::make_shared<ThreadPool>(opt_.threads);  // one for all stages
        detector_ = det.make(opt_);
        if (opt_.faceres_face_size <= 0) opt_.faceres_face_size = opt_.detector == "blazeface-front" ? 128 : 256;
        // Human's 1.4 for BlazeFace-sized boxes, to two decimals for the detector's (tiny 1.16, ssd 1.27).
        if (opt_.faceres_crop_scale <= 0)
            opt_.faceres_crop_scale = float(std::round(140.0 / double(detector_->box_scale())) / 100);
        embedder_ = emb.make(opt_);
        landmarker_ = lm.make(opt_);
        if (opt_.match_threshold < 0) opt_.match_threshold = embedder_->default_threshold();
        if (opt_.subject_score_threshold < 0) opt_.subject_score_threshold = detector_->subject_score_threshold();
    }

    // The options in use, names canonical and defaults resolved.
    const PipelineOptions& options() const { return opt_; }
    const FaceDetector& detector() const { return *detector_; }
    const FaceEmbedder& embedder() const { return *embedder_; }
    int descriptor_size() const { return embedder_->descriptor_size(); }
    const std::string& embedder_name() const { return opt_.embedder; }
    float match_threshold() const { return opt_.match_threshold; }

    // Stage 1: face boxes and scores (some detectors add keypoints), best first, in image pixels.
    std::vector<Detection> detect_boxes(const Image& img) const { return detect_boxes(img, opt_.score_threshold); }
    // The same at another score threshold (< 0: the detector's reference default).
    std::vector<Detection> detect_boxes(const Image& img, float score_threshold) const {
        return detector_->detect(img, score_threshold);
    }

    // Stages 1-2: boxes plus landmarks each (faces whose box lies outside the image are dropped).
    std::vector<Face> detect(const Image& img) const { return add_landmarks(img, detect_boxes(img)); }

    // Landmarks for given boxes (e.g. from another detector), one batched run.
    std::vector<Face> add_landmarks(const Image& img, const std::vector<Detection>& dets) const {
        return landmarker_->locate(img, dets);
    }

    // Stages 1-3: every face with its descriptor.
    std::vector<Face> embed(const Image& img) const { return add_descriptors(img, detect(img)); }

    // Stages 1-3 for the one face a portrait is about (verify, enroll, LFW pairs): detection at
    // subject_score_threshold, the box nearest the image centre, its landmarks and descriptor. When no
    // face is found, the photo may be a tight crop (a face filling the picture, as ID photos and CFP's):
    // the search is repeated once with a black border of a quarter of the longer side around it.
    // std::nullopt when no face is found; faces_found, when given, receives the number of boxes
    // (more than one: the photo may not be a portrait, and the choice may not be the one meant).
    std::optional<Face> embed_subject(const Image& img, int* faces_found = nullptr) const {
        if (std::optional<Face> f = subject_in(img, faces_found)) return f;
        const int border = std::max(img.width, img.height) / 4;
        std::optional<Face> f = subject_in(with_border(img, border), faces_found);
        if (f) shift_face(*f, -float(border), -float(border));
        return f;
    }

    // Stage 3 for faces that already have landmarks (where the embedder needs them): one batched run.
    std::vector<Face> add_descriptors(const Image& img, std::vector<Face> faces) const {
        embedder_->embed(img, faces);
        return faces;
    }

    // The embedder's input for one face [1,S,S,3] (for drawing or debugging the alignment).
    Tensor aligned_crop(const Image& img, const Face& face) const { return embedder_->aligned_crop(img, face); }

    // The distance same_person() compares with match_threshold(): Euclidean for every embedder (those
    // trained with an angular loss give unit vectors, where it orders pairs as cosine similarity does).
    float distance(const std::vector<float>& a, const std::vector<float>& b) const { return euclidean_distance(a, b); }
    bool same_person(const std::vector<float>& a, const std::vector<float>& b) const {
        return distance(a, b) < opt_.match_threshold;
    }

private:
    std::optional<Face> subject_in(const Image& img, int* faces_found) const {
        const std::vector<Detection> dets = detect_boxes(img, opt_.subject_score_threshold);
        if (faces_found) *faces_found = int(dets.size());
        const int k = main_face(dets, img.width, img.height);
        if (k < 0) return std::nullopt;
        std::vector<Face> faces = add_landmarks(img, {dets[size_t(k)]});
        if (faces.empty()) return std::nullopt;
        return add_descriptors(img, std::move(faces))[0];
    }

    static Image with_border(const Image& img, int border) {
        check_image(img);
        Image out(img.width + 2 * border, img.height + 2 * border);
        for (int y = 0; y < img.height; ++y)
            std::copy_n(img.at(0, y), size_t(img.width) * 3, out.at(border, y + border));
        return out;
    }

    static void shift_face(Face& f, float dx, float dy) {
        Box& b = f.detection.box;
        b = {b.x1 + dx, b.y1 + dy, b.x2 + dx, b.y2 + dy};
        for (Point& p : f.detection.keypoints) p = {p.x + dx, p.y + dy};
        for (Point& p : f.landmarks) p = {p.x + dx, p.y + dy};
    }

    PipelineOptions opt_;
    std::shared_ptr<const FaceDetector> detector_;
    std::shared_ptr<const Landmarker> landmarker_;
    std::shared_ptr<const FaceEmbedder> embedder_;
};

}  // namespace lfr
