// Distances between face descriptors, and 1:1 verification.
//
// face-api.js compares descriptors by Euclidean distance and calls two faces the same person when the
// distance is below 0.6 (its FaceMatcher default, tuned for face_recognition_model's 128-d descriptors).
// Other embedders need their own threshold; cosine distance (1 - cos) is offered for those trained with
// an angular loss.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "lfr/core/error.h"

namespace lfr {

// face-api's FaceMatcher default: the same person when euclidean_distance < 0.6.
constexpr float kFaceApiDistanceThreshold = 0.6f;

// Sum of squared differences over n floats. Four partial sums let the compiler vectorise the loop
// without -ffast-math; every distance in lfr (verify, Gallery::identify) goes through this one function.
inline float squared_euclidean(const float* a, const float* b, size_t n) {
    float s[4] = {0, 0, 0, 0};
    const size_t n4 = n - n % 4;
    for (size_t i = 0; i < n4; i += 4)
        for (size_t k = 0; k < 4; ++k) {
            const float d = a[i + k] - b[i + k];
            s[k] += d * d;
        }
    for (size_t i = n4; i < n; ++i) {
        const float d = a[i] - b[i];
        s[0] += d * d;
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

inline float euclidean_distance(const float* a, const float* b, size_t n) { return std::sqrt(squared_euclidean(a, b, n)); }

// Human faceres descriptors: the same person when euclidean_distance < 10, Human's default (similarity
// above 0.5, see human_similarity; default_match_threshold in lfr/face/pipeline.h has the checks).
constexpr float kFaceResDistanceThreshold = 10.0f;

// Human's match.ts similarity() with its defaults (order 2, multiplier 25, min 0.2, max 0.8) from the
// Euclidean distance d: clamp((1 - sqrt(25 d^2) / 100 - 0.2) / 0.6, 0, 1), rounded to 0.01 as the JS does
// (it also rounds 25 d^2 to 0.01 first). Human calls similarity above 0.5 a match (d < 10).
inline float human_similarity(float euclidean) {
    const double dist = std::round(100.0 * 25.0 * double(euclidean) * double(euclidean)) / 100.0;
    if (dist == 0) return 1.f;
    const double norm = (1 - std::sqrt(dist) / 100 - 0.2) / (0.8 - 0.2);
    return float(std::floor(100 * std::max(std::min(norm, 1.0), 0.0) + 0.5) / 100);
}

inline void check_same_length(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
    LFR_CHECK(a.size() == b.size(), std::string(what) + ": descriptors differ in length (" + std::to_string(a.size()) +
                                        " and " + std::to_string(b.size()) + " values)");
    LFR_CHECK(!a.empty(), std::string(what) + ": empty descriptors");
}

inline float euclidean_distance(const std::vector<float>& a, const std::vector<float>& b) {
    check_same_length(a, b, "euclidean_distance");
    return euclidean_distance(a.data(), b.data(), a.size());
}

// 1 - cos(angle between a and b), in [0, 2]. A zero vector has no direction: distance 1 (orthogonal).
inline float cosine_distance(const float* a, const float* b, size_t n) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < n; ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    if (na == 0 || nb == 0) return 1.f;
    return float(1.0 - dot / (std::sqrt(na) * std::sqrt(nb)));
}

inline float cosine_distance(const std::vector<float>& a, const std::vector<float>& b) {
    check_same_length(a, b, "cosine_distance");
    return cosine_distance(a.data(), b.data(), a.size());
}

struct Verification {
    bool same = false;   // distance < threshold (strictly, as face-api's FaceMatcher)
    float distance = 0;  // Euclidean distance between the two descriptors
};

// 1:1 verification by Euclidean distance: are a and b the same person?
inline Verification verify(const std::vector<float>& a, const std::vector<float>& b,
                           float threshold = kFaceApiDistanceThreshold) {
    Verification v;
    v.distance = euclidean_distance(a, b);
    v.same = v.distance < threshold;
    return v;
}

}  // namespace lfr
