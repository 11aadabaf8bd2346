// Open-set calibration of a gallery: the distance threshold at which a search by someone who is not
// enrolled names somebody anyway (a false positive identification) at a chosen rate, the FPIR.
//
// An impostor search returns a false name when its nearest enrolled descriptor is closer than the
// threshold, so the threshold for FPIR f is the f-quantile of impostors' nearest distances. That
// distance shrinks as the gallery grows (more people, more chances of a close one), so the calibration
// records how many people the gallery held; users warn when it has grown since.
// Kept in the gallery's meta table as the settings 'calibration.threshold', '.fpir', '.people',
// '.impostors'.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "lfr/face/gallery.h"

namespace lfr {

struct Calibration {
    float threshold = 0;   // known when the nearest distance is below this
    double fpir = 0;       // the false positive identification rate it was chosen for
    int64_t people = 0;    // people in the gallery when calibrated
    int64_t impostors = 0; // impostor faces measured
};

// The threshold whose rate of impostor distances below it is at most `fpir`: the k-th smallest,
// k = floor(fpir * n) (the smallest distance when fewer than 1/fpir impostors were measured).
inline float fpir_threshold(std::vector<float> nearest, double fpir) {
    LFR_CHECK(!nearest.empty(), "calibration needs at least one impostor face");
    std::sort(nearest.begin(), nearest.end());
    const size_t k = std::min(nearest.size() - 1, size_t(std::floor(fpir * double(nearest.size()))));
    return nearest[k];
}

inline void write_calibration(Gallery& g, const Calibration& c) {
    g.begin();
    g.set_setting("calibration.threshold", std::to_string(c.threshold));
    g.set_setting("calibration.fpir", std::to_string(c.fpir));
    g.set_setting("calibration.people", std::to_string(c.people));
    g.set_setting("calibration.impostors", std::to_string(c.impostors));
    g.commit();
}

inline std::optional<Calibration> read_calibration(const Gallery& g) {
    const std::string t = g.setting("calibration.threshold");
    if (t.empty()) return std::nullopt;
    Calibration c;
    c.threshold = std::strtof(t.c_str(), nullptr);
    c.fpir = std::strtod(g.setting("calibration.fpir").c_str(), nullptr);
    c.people = std::strtoll(g.setting("calibration.people").c_str(), nullptr, 10);
    c.impostors = std::strtoll(g.setting("calibration.impostors").c_str(), nullptr, 10);
    LFR_CHECK(c.threshold > 0, g.path() + ": calibration.threshold '" + t + "' is not a positive number");
    return c;
}

}  // namespace lfr
