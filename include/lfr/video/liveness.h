// Liveness per track: Human's `antispoof` (a printed photo or a screen: low "real" score) and
// `liveness` models on the face crop, and blinks from the eye aspect ratio of face_landmark_68's
// points (the default five points have no eyelids, so the 68-point net runs on the track's box).
//
// Each scored frame adds to the track's means; after `frames` scored frames the track is live when
// both means reach 0.5 (Human's reading of the two scores), else a spoof. Blinks are counted and
// reported: a blink rules out a still photo, not a replayed video, so they inform but do not decide.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "lfr/face/blazeface.h"
#include "lfr/face/stages/face_landmark_68.h"
#include "lfr/image/preprocess.h"

namespace lfr {

// Eye aspect ratio (Soukupova and Cech 2016) of iBUG points 36-41 and 42-47, both eyes averaged:
// about 0.3 open, under 0.2 closed.
inline float eye_aspect_ratio(const std::vector<Point>& lm) {
    if (lm.size() != 68) return 0;
    auto d = [&](int a, int b) { return std::hypot(lm[size_t(a)].x - lm[size_t(b)].x, lm[size_t(a)].y - lm[size_t(b)].y); };
    auto ear = [&](int o) { return (d(o + 1, o + 5) + d(o + 2, o + 4)) / std::max(1e-3f, 2 * d(o, o + 3)); };
    return (ear(36) + ear(42)) / 2;
}

struct LivenessScores {
    float real = 0, live = 0, ear = 0;
};

class LivenessScorer {
public:
    // `crop_scale`: the square crop around the detector's box that Human's face tensor takes (the
    // Pipeline's resolved faceres_crop_scale: 1.4 for BlazeFace-sized boxes).
    LivenessScorer(const PipelineOptions& o, float crop_scale)
        : antispoof_(o, "antispoof"), liveness_(o, "liveness"),
          landmarks_(o, "face_landmark_68"), crop_scale_(crop_scale) {}

    LivenessScores score(const Image& img, const Detection& det) const {
        LivenessScores s;
        const Box crop = human_crop_box(det.box, crop_scale_);
        s.real = first_output(antispoof_, human_face_crop(img, crop, input_side(antispoof_)));
        s.live = first_output(liveness_, human_face_crop(img, crop, input_side(liveness_)));
        const std::vector<Face> f = landmarks_.locate(img, {det});
        if (!f.empty()) s.ear = eye_aspect_ratio(f[0].landmarks);
        return s;
    }

private:
    static int input_side(const StageModel& m) {
        const Graph& g = m.model().graph();
        return int(g.tensors[size_t(g.inputs.at(0))].shape[1]);
    }
    static float first_output(const StageModel& m, const Tensor& x) {
        const std::vector<Tensor> out = m.run({x.view()});
        LFR_CHECK(!out.empty() && !out[0].values.empty(), "liveness: a model gave no output");
        return out[0].values[0];
    }
    StageModel antispoof_, liveness_;
    FaceLandmark68 landmarks_;
    float crop_scale_;
};

enum class Liveness { Unknown, Live, Spoof };

// One track's liveness evidence.
class TrackLiveness {
public:
    explicit TrackLiveness(int frames = 10) : frames_(frames) {}

    void add(const LivenessScores& s) {
        if (verdict_ != Liveness::Unknown) return;
        ++n_;
        real_ += s.real, live_ += s.live;
        if (s.ear > 0) {
            open_ = std::max(open_ * 0.98f, s.ear);  // a slowly forgetting maximum: the open-eye ratio
            const bool closed = s.ear < 0.75f * open_;
            if (closed && !closed_) ++blinks_;
            closed_ = closed;
        }
        if (n_ >= frames_) verdict_ = real() >= 0.5f && live() >= 0.5f ? Liveness::Live : Liveness::Spoof;
    }
    Liveness verdict() const { return verdict_; }
    float real() const { return n_ ? real_ / float(n_) : 0; }
    float live() const { return n_ ? live_ / float(n_) : 0; }
    int blinks() const { return blinks_; }
    int frames() const { return n_; }

private:
    int frames_, n_ = 0, blinks_ = 0;
    float real_ = 0, live_ = 0, open_ = 0;
    bool closed_ = false;
    Liveness verdict_ = Liveness::Unknown;
};

}  // namespace lfr
