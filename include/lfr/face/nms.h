// IoU and greedy non-maximum suppression, in the flavours the reference pipelines use.
//
//  - face-api (`src/ops/nonMaxSuppression.ts`, `src/ops/iou.ts`): indices sorted by score with a
//    stable ascending sort and popped from the end, so among equal scores the HIGHER index is taken
//    first; a candidate is kept only while `iou <= threshold` (suppressed when iou > threshold, and
//    also when the IoU is NaN, i.e. two zero-area boxes); no score threshold, no output limit.
//    IoU = inter / (areaA + areaB - inter) with area = width * height as stored (no clamping).
//  - TF.js `tf.image.nonMaxSuppressionAsync` (what Human calls; tfjs-core nonMaxSuppressionImpl_
//    with softNmsSigma 0): candidates need `score > score_threshold`; the comparator sorts ascending
//    by score and, on ties, by descending index, then pops from the end, so among equal scores the
//    LOWER index is taken first; a candidate is dropped when `iou >= iou_threshold` against any
//    box already selected; at most min(max_outputs, n) indices. The IoU takes min/max of each
//    box's corners (any corner order) and is 0 when either box has area <= 0.
//  - face-api's ssd_mobilenetv1 (`src/ssdMobilenetv1/nonMaxSuppression.ts`): TF's, except that a
//    candidate is dropped only when iou > threshold (nms_tf with suppress_at_threshold = false).
// All compute in double, as JavaScript does. Boxes use x1,y1,x2,y2; the TF IoU is symmetric in
// the two axes, so feeding [x1,y1,x2,y2] where TF expects [y1,x1,y2,x2] changes nothing.
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "lfr/face/types.h"

namespace lfr {

// face-api's iou(box1, box2, isIOU=true); with is_iou=false, intersection over the smaller area.
inline double iou_faceapi(const Box& a, const Box& b, bool is_iou = true) {
    const double w = std::max(0.0, std::min<double>(a.x2, b.x2) - std::max<double>(a.x1, b.x1));
    const double h = std::max(0.0, std::min<double>(a.y2, b.y2) - std::max<double>(a.y1, b.y1));
    const double inter = w * h;
    const double area_a = (double(a.x2) - a.x1) * (double(a.y2) - a.y1);
    const double area_b = (double(b.x2) - b.x1) * (double(b.y2) - b.y1);
    return is_iou ? inter / (area_a + area_b - inter) : inter / std::min(area_a, area_b);
}

// TF's IntersectionOverUnion (tfjs-core non_max_suppression_impl.ts).
inline double iou_tf(const Box& a, const Box& b) {
    const double ax1 = std::min(a.x1, a.x2), ay1 = std::min(a.y1, a.y2);
    const double ax2 = std::max(a.x1, a.x2), ay2 = std::max(a.y1, a.y2);
    const double bx1 = std::min(b.x1, b.x2), by1 = std::min(b.y1, b.y2);
    const double bx2 = std::max(b.x1, b.x2), by2 = std::max(b.y1, b.y2);
    const double area_a = (ax2 - ax1) * (ay2 - ay1), area_b = (bx2 - bx1) * (by2 - by1);
    if (area_a <= 0 || area_b <= 0) return 0.0;
    const double inter = std::max(std::min(ax2, bx2) - std::max(ax1, bx1), 0.0) *
                         std::max(std::min(ay2, by2) - std::max(ay1, by1), 0.0);
    return inter / (area_a + area_b - inter);
}

// face-api's nonMaxSuppression(boxes, scores, iouThreshold, isIOU): the picked indices, best first.
inline std::vector<int> nms_faceapi(const std::vector<Box>& boxes, const std::vector<float>& scores,
                                    double iou_threshold, bool is_iou = true) {
    std::vector<int> order(scores.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int(i);
    // JS Array.prototype.sort is stable; ascending by score, ties keep index order.
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return double(scores[a]) < double(scores[b]); });
    std::vector<int> pick;
    while (!order.empty()) {
        const int curr = order.back();
        order.pop_back();
        pick.push_back(curr);
        std::vector<int> keep;
        keep.reserve(order.size());
        for (int idx : order)
            if (iou_faceapi(boxes[size_t(curr)], boxes[size_t(idx)], is_iou) <= iou_threshold) keep.push_back(idx);
        order.swap(keep);
    }
    return pick;
}

// tf.image.nonMaxSuppression(Async)(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold):
// the selected indices, in selection order (best first). face-api's own copy for ssd_mobilenetv1
// (ssdMobilenetv1/nonMaxSuppression.ts) is the same but for suppressing only when IoU > threshold:
// suppress_at_threshold = false.
inline std::vector<int> nms_tf(const std::vector<Box>& boxes, const std::vector<float>& scores, int max_outputs,
                               double iou_threshold, double score_threshold, bool suppress_at_threshold = true) {
    std::vector<int> cand;
    for (size_t i = 0; i < scores.size(); ++i)
        if (double(scores[i]) > score_threshold) cand.push_back(int(i));
    // Selection order: score descending, then index ascending (the pop order of TF's comparator).
    std::stable_sort(cand.begin(), cand.end(), [&](int a, int b) {
        if (scores[size_t(a)] != scores[size_t(b)]) return scores[size_t(a)] > scores[size_t(b)];
        return a < b;
    });
    const size_t limit = size_t(std::max(0, std::min<int>(max_outputs, int(boxes.size()))));
    std::vector<int> selected;
    for (int c : cand) {
        if (selected.size() >= limit) break;
        bool suppressed = false;
        for (size_t j = selected.size(); j-- > 0;) {
            const double iou = iou_tf(boxes[size_t(c)], boxes[size_t(selected[j])]);
            if (iou > iou_threshold || (suppress_at_threshold && iou == iou_threshold)) {
                suppressed = true;
                break;
            }
        }
        if (!suppressed) selected.push_back(c);
    }
    return selected;
}

// MediaPipe's weighted NMS (NonMaxSuppressionCalculator, WEIGHTED): the best remaining detection and
// every remaining one overlapping it by IoU > iou_threshold form a cluster; the cluster becomes one
// detection whose box and keypoints are the score-weighted mean of its members', scored as its best.
// Detections come back best first.
inline std::vector<Detection> nms_weighted(std::vector<Detection> dets, double iou_threshold, size_t max_outputs) {
    std::stable_sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Detection> out;
    std::vector<bool> used(dets.size(), false);
    for (size_t i = 0; i < dets.size() && out.size() < max_outputs; ++i) {
        if (used[i]) continue;
        Detection merged = dets[i];
        double wsum = 0, x1 = 0, y1 = 0, x2 = 0, y2 = 0;
        std::vector<double> kp(dets[i].keypoints.size() * 2, 0.0);
        for (size_t j = i; j < dets.size(); ++j) {
            if (used[j] || iou_tf(dets[i].box, dets[j].box) <= iou_threshold) continue;
            used[j] = true;
            const double w = dets[j].score;
            wsum += w;
            x1 += w * dets[j].box.x1, y1 += w * dets[j].box.y1, x2 += w * dets[j].box.x2, y2 += w * dets[j].box.y2;
            for (size_t k = 0; k < kp.size() / 2 && k < dets[j].keypoints.size(); ++k)
                kp[2 * k] += w * dets[j].keypoints[k].x, kp[2 * k + 1] += w * dets[j].keypoints[k].y;
        }
        used[i] = true;
        if (wsum > 0) {
            merged.box = {float(x1 / wsum), float(y1 / wsum), float(x2 / wsum), float(y2 / wsum)};
            for (size_t k = 0; k < merged.keypoints.size(); ++k)
                merged.keypoints[k] = {float(kp[2 * k] / wsum), float(kp[2 * k + 1] / wsum)};
        }
        out.push_back(std::move(merged));
    }
    return out;
}

}  // namespace lfr
