// Enrolment from a video: the person the video is about (the track seen longest and largest), and
// their best, most varied views.
//
//     std::vector<lfr::Face> views = lfr::main_track_views(*source, pipeline, 5);   // with descriptors
//
// Every confirmed track keeps the best view (quality.h) of each window of `view_gap` frames, as a crop
// around the face so that memory does not grow with the frame size. At the end the main track's
// candidates are embedded and chosen by farthest-point sampling: the best view first, then each time
// the one farthest from all chosen so far, among views of at least half the best quality.
#pragma once
#include <algorithm>
#include <limits>
#include <map>
#include <vector>

#include "lfr/face/pipeline.h"
#include "lfr/video/frame_source.h"
#include "lfr/video/quality.h"
#include "lfr/video/tracker.h"

namespace lfr {

struct FaceCrop {
    Image image;  // the face with a margin of its box side around it
    Face face;    // in the crop's pixels
    float quality = 0;
    double time = 0;  // seconds into the source
};

inline FaceCrop crop_face(const Image& img, const Face& f, float quality, double time) {
    const Box& b = f.detection.box;
    const float m = std::max(b.width(), b.height());
    const int x0 = std::max(0, int(b.x1 - m)), y0 = std::max(0, int(b.y1 - m));
    const int x1 = std::min(img.width, int(b.x2 + m) + 1), y1 = std::min(img.height, int(b.y2 + m) + 1);
    FaceCrop c{Image(x1 - x0, y1 - y0), f, quality, time};
    for (int y = y0; y < y1; ++y) std::copy_n(img.at(x0, y), size_t(x1 - x0) * 3, c.image.at(0, y - y0));
    const float dx = float(x0), dy = float(y0);
    Box& cb = c.face.detection.box;
    cb = {cb.x1 - dx, cb.y1 - dy, cb.x2 - dx, cb.y2 - dy};
    for (Point& p : c.face.detection.keypoints) p = {p.x - dx, p.y - dy};
    for (Point& p : c.face.landmarks) p = {p.x - dx, p.y - dy};
    return c;
}

// The main track's chosen views, embedded (each Face's descriptor set), best first. Empty when no
// track passed the quality gate.
inline std::vector<FaceCrop> main_track_views(FrameSource& source, const Pipeline& pipeline, int want, int view_gap = 5,
                                              const QualityOptions& qo = {}, int max_candidates = 40) {
    struct Seen {
        double presence = 0;          // sum of the box areas over matched frames
        std::vector<FaceCrop> views;  // the best of each window
        int64_t window_start = -1;
    };
    std::map<int, Seen> seen;
    Tracker tracker;
    while (std::optional<Frame> frame = source.next()) {
        std::vector<Detection> dets = pipeline.detect_boxes(frame->image);
        std::vector<Box> boxes;
        for (const Detection& d : dets) boxes.push_back(d.box);
        tracker.step(&boxes);
        std::vector<Detection> wanted;
        std::vector<int> ids;
        for (const Track& t : tracker.tracks())
            if (t.confirmed && t.detection >= 0) wanted.push_back(dets[size_t(t.detection)]), ids.push_back(t.id);
        for (Face& f : pipeline.add_landmarks(frame->image, wanted)) {
            size_t k = 0;
            while (k < wanted.size() && iou(wanted[k].box, f.detection.box) < 0.999f) ++k;
            if (k == wanted.size()) continue;
            Seen& s = seen[ids[k]];
            s.presence += f.detection.box.area();
            const Quality q = assess_quality(frame->image, f, qo);
            if (!q.reject.empty()) continue;
            if (s.window_start < 0 || frame->index - s.window_start >= view_gap) {
                s.window_start = frame->index;
                s.views.push_back(crop_face(frame->image, f, q.score, frame->time));
            } else if (q.score > s.views.back().quality) {
                s.views.back() = crop_face(frame->image, f, q.score, frame->time);
            }
        }
    }
    auto main = std::max_element(seen.begin(), seen.end(), [](const auto& a, const auto& b) {
        return (a.second.views.empty() ? -1 : a.second.presence) < (b.second.views.empty() ? -1 : b.second.presence);
    });
    if (main == seen.end() || main->second.views.empty()) return {};
    std::vector<FaceCrop> cand = std::move(main->second.views);
    std::sort(cand.begin(), cand.end(), [](const FaceCrop& a, const FaceCrop& b) { return a.quality > b.quality; });
    if (int(cand.size()) > max_candidates) cand.resize(size_t(max_candidates));
    while (!cand.empty() && cand.back().quality < cand.front().quality / 2) cand.pop_back();
    for (FaceCrop& c : cand) c.face = pipeline.add_descriptors(c.image, {c.face})[0];

    std::vector<FaceCrop> chosen;
    std::vector<float> nearest(cand.size(), std::numeric_limits<float>::infinity());
    std::vector<bool> used(cand.size(), false);
    for (size_t pick = 0; int(chosen.size()) < want && chosen.size() < cand.size();) {
        used[pick] = true;
        chosen.push_back(cand[pick]);
        for (size_t i = 0; i < cand.size(); ++i)
            nearest[i] = std::min(nearest[i], pipeline.distance(cand[i].face.descriptor, cand[pick].face.descriptor));
        size_t next = cand.size();
        for (size_t i = 0; i < cand.size(); ++i)
            if (!used[i] && (next == cand.size() || nearest[i] > nearest[next])) next = i;
        if (next == cand.size()) break;
        pick = next;
    }
    return chosen;
}

// Augmented copies of a view: mirrored (five-point landmarks: eyes and mouth corners swap sides) and
// the landmarks jittered by 3% of the eye distance each way, so that the enrolled descriptors cover
// small alignment errors. Each comes back embedded.
inline std::vector<FaceCrop> augment_view(const Pipeline& pipeline, const FaceCrop& v) {
    std::vector<FaceCrop> out;
    const std::vector<Point>& lm = v.face.landmarks;
    if (lm.size() == 5) {
        FaceCrop m = v;
        const int w = v.image.width;
        for (int y = 0; y < v.image.height; ++y)
            for (int x = 0; x < w; ++x) std::copy_n(v.image.at(w - 1 - x, y), 3, m.image.at(x, y));
        auto flip = [&](Point p) { return Point{float(w - 1) - p.x, p.y}; };
        m.face.landmarks = {flip(lm[1]), flip(lm[0]), flip(lm[2]), flip(lm[4]), flip(lm[3])};
        Box& b = m.face.detection.box;
        b = {float(w - 1) - b.x2, b.y1, float(w - 1) - b.x1, b.y2};
        m.face.detection.keypoints.clear();
        out.push_back(std::move(m));
    }
    const std::vector<Point> five = five_points(lm);
    const float iod = five.size() == 5 ? std::hypot(five[1].x - five[0].x, five[1].y - five[0].y) : 0;
    for (const Point d : {Point{0.03f, 0}, Point{-0.03f, 0}, Point{0, 0.03f}, Point{0, -0.03f}}) {
        if (iod <= 0) break;
        FaceCrop j = v;
        for (Point& p : j.face.landmarks) p = {p.x + d.x * iod, p.y + d.y * iod};
        out.push_back(std::move(j));
    }
    for (FaceCrop& c : out) c.face = pipeline.add_descriptors(c.image, {c.face})[0];
    return out;
}

}  // namespace lfr
