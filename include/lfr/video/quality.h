// A quality gate for face views before they are embedded: size, sharpness, pose and detection score,
// each turned into a 0..1 term; the score is their product, and a view below any hard limit is
// rejected with the reason. Only a track's best views are worth the embedder's time, and a blurred or
// profile view gives distances that mislead the decision more than they inform it.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lfr/face/types.h"
#include "lfr/image/image.h"

namespace lfr {

struct QualityOptions {
    float min_side = 32;       // px: the box's shorter side (the embedders look at 112-150 px crops)
    float min_sharpness = 15;  // variance of the Laplacian on the face resampled to 64x64 grey
    float max_yaw = 60;        // degrees, estimated from the landmarks (0 frontal, 90 profile)
    float max_pitch = 0.45f;   // the nose's relative offset from its frontal place between eyes and mouth
    float min_score = 0.8f;    // detection score
};

struct Quality {
    float score = 0;  // 0..1, higher is better; 0 when rejected
    float side = 0, sharpness = 0, yaw = 0 /* degrees */, pitch = 0, detection = 0;
    std::string reject;  // "" when accepted; else "small", "blurry", "pose" or "score"
};

// The five points (eyes, nose, mouth corners; image-left first) from either landmark layout.
inline std::vector<Point> five_points(const std::vector<Point>& lm) {
    if (lm.size() == 5) return lm;
    if (lm.size() != 68) return {};
    auto mean = [&](int from, int to) {
        Point p;
        for (int i = from; i < to; ++i) p.x += lm[size_t(i)].x / float(to - from), p.y += lm[size_t(i)].y / float(to - from);
        return p;
    };
    return {mean(36, 42), mean(42, 48), lm[30], lm[48], lm[54]};
}

// Yaw in degrees: the nose tip stands about 0.6 inter-ocular distances in front of the eyes, so turned
// by y its offset from the eyes' and mouth's midline is 0.6 sin y against an eye distance of cos y.
// Pitch: where the nose sits between the eye line and the mouth line, 0 at its frontal place (~0.55).
inline void pose_from_points(const std::vector<Point>& five, float& yaw, float& pitch) {
    const Point le = five[0], re = five[1], nose = five[2], lm = five[3], rm = five[4];
    const float eye_x = (le.x + re.x) / 2, eye_y = (le.y + re.y) / 2, mouth_y = (lm.y + rm.y) / 2;
    const float iod = std::max(1.f, std::hypot(re.x - le.x, re.y - le.y));
    const float mouth_x = (lm.x + rm.x) / 2;
    yaw = float(std::atan2(double(nose.x - (eye_x + mouth_x) / 2), 0.6 * iod) * 180 / M_PI);
    const float span = mouth_y - eye_y;
    pitch = span > 1 ? 2 * ((nose.y - eye_y) / span - 0.55f) : 1.f;
}

// Variance of the Laplacian of the box's grey pixels, resampled to 64x64 so that it does not grow
// with the face's size.
inline float sharpness(const Image& img, const Box& b) {
    constexpr int S = 64;
    std::vector<float> g(S * S);
    const float w = b.width(), h = b.height();
    for (int y = 0; y < S; ++y)
        for (int x = 0; x < S; ++x) {
            const int px = std::clamp(int(b.x1 + (x + 0.5f) * w / S), 0, img.width - 1);
            const int py = std::clamp(int(b.y1 + (y + 0.5f) * h / S), 0, img.height - 1);
            const uint8_t* p = img.at(px, py);
            g[size_t(y * S + x)] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
        }
    double sum = 0, sum2 = 0;
    int n = 0;
    for (int y = 1; y < S - 1; ++y)
        for (int x = 1; x < S - 1; ++x) {
            const float l = g[size_t(y * S + x - 1)] + g[size_t(y * S + x + 1)] + g[size_t((y - 1) * S + x)] +
                            g[size_t((y + 1) * S + x)] - 4 * g[size_t(y * S + x)];
            sum += l, sum2 += double(l) * l, ++n;
        }
    const double mean = sum / n;
    return float(sum2 / n - mean * mean);
}

inline Quality assess_quality(const Image& img, const Face& f, const QualityOptions& o = {}) {
    Quality q;
    const Box& b = f.detection.box;
    q.side = std::min(b.width(), b.height());
    q.detection = f.detection.score;
    q.sharpness = q.side > 2 ? sharpness(img, b) : 0;
    const std::vector<Point> five = five_points(f.landmarks.empty() ? f.detection.keypoints : f.landmarks);
    if (five.size() == 5) pose_from_points(five, q.yaw, q.pitch);
    if (q.side < o.min_side) q.reject = "small";
    else if (q.sharpness < o.min_sharpness) q.reject = "blurry";
    else if (std::fabs(q.yaw) > o.max_yaw || std::fabs(q.pitch) > o.max_pitch) q.reject = "pose";
    else if (q.detection < o.min_score) q.reject = "score";
    if (!q.reject.empty()) return q;
    // Each term saturates where more stops helping the embedder.
    const float size = std::min(1.f, q.side / 96), sharp = std::min(1.f, q.sharpness / 150);
    const float pose = (1 - std::fabs(q.yaw) / 2 / o.max_yaw) * (1 - std::fabs(q.pitch) / 2 / o.max_pitch);
    q.score = size * (0.5f + 0.5f * sharp) * pose * q.detection;
    return q;
}

}  // namespace lfr
