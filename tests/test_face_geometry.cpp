// Face geometry: NMS, detector decoding, landmark mapping, alignment and warping, stage by stage,
// on hand-made inputs whose answers are computed by hand here.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "lfr/core/npy.h"
#include "lfr/face/align.h"
#include "lfr/face/blazeface.h"
#include "lfr/face/landmarks.h"
#include "lfr/face/nms.h"
#include "lfr/face/ssd.h"
#include "lfr/face/tiny_yolo.h"

using namespace lfr;

namespace {
double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
}  // namespace

TEST_CASE("IoU as face-api and TF compute it") {
    const Box a{0, 0, 4, 1}, b{0, 0, 2, 1}, c{10, 10, 12, 12};
    CHECK(iou_faceapi(a, b) == 0.5);
    CHECK(iou_tf(a, b) == 0.5);
    CHECK(iou_faceapi(a, c) == 0.0);
    CHECK(iou_faceapi(a, b, false) == 1.0);  // intersection over the smaller area
    CHECK(iou_tf(Box{4, 1, 0, 0}, b) == 0.5);  // TF takes min/max of the corners
    CHECK(iou_tf(Box{1, 1, 1, 5}, a) == 0.0);  // zero area: 0
}

TEST_CASE("face-api NMS: order, ties, IoU > threshold suppressed") {
    // 0 and 1 overlap with IoU exactly 0.5; 2 is apart.
    const std::vector<Box> boxes = {{0, 0, 4, 1}, {0, 0, 2, 1}, {10, 10, 12, 12}};
    SUBCASE("best first, IoU == threshold is kept") {
        const auto k = nms_faceapi(boxes, {0.9f, 0.8f, 0.95f}, 0.5);
        REQUIRE(k.size() == 3);
        CHECK(k[0] == 2);
        CHECK(k[1] == 0);
        CHECK(k[2] == 1);
    }
    SUBCASE("IoU above threshold suppressed") {
        const auto k = nms_faceapi(boxes, {0.9f, 0.8f, 0.95f}, 0.49);
        REQUIRE(k.size() == 2);
        CHECK(k[0] == 2);
        CHECK(k[1] == 0);
    }
    SUBCASE("ties: the higher index goes first") {
        const auto k = nms_faceapi(boxes, {0.7f, 0.7f, 0.7f}, 0.4);
        REQUIRE(k.size() == 2);
        CHECK(k[0] == 2);
        CHECK(k[1] == 1);
    }
    SUBCASE("no boxes") { CHECK(nms_faceapi({}, {}, 0.4).empty()); }
}

TEST_CASE("TF NMS: score > threshold, IoU >= threshold suppressed, ties by lower index, max outputs") {
    const std::vector<Box> boxes = {{0, 0, 4, 1}, {0, 0, 2, 1}, {10, 10, 12, 12}, {20, 20, 22, 22}};
    SUBCASE("IoU == threshold is suppressed") {
        const auto k = nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.1f}, 10, 0.5, 0.2);
        REQUIRE(k.size() == 2);  // 3 is under the score threshold, 1 hits IoU 0.5
        CHECK(k[0] == 2);
        CHECK(k[1] == 0);
    }
    SUBCASE("face-api's SSD flavour keeps IoU == threshold") {
        const auto k = nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.1f}, 10, 0.5, 0.2, /*suppress_at_threshold=*/false);
        REQUIRE(k.size() == 3);
        CHECK(k[2] == 1);
    }
    SUBCASE("IoU under threshold kept") {
        const auto k = nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.1f}, 10, 0.51, 0.2);
        REQUIRE(k.size() == 3);
        CHECK(k[2] == 1);
    }
    SUBCASE("score equal to the threshold is dropped") {
        const auto k = nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.25f}, 10, 0.5, 0.25f);
        CHECK(k.size() == 2);
    }
    SUBCASE("ties: the lower index goes first") {
        const auto k = nms_tf(boxes, {0.7f, 0.7f, 0.7f, 0.7f}, 10, 0.4, 0.0);
        REQUIRE(k.size() == 3);
        CHECK(k[0] == 0);
        CHECK(k[1] == 2);
        CHECK(k[2] == 3);
    }
    SUBCASE("max outputs") {
        const auto k = nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.7f}, 1, 0.5, 0.0);
        REQUIRE(k.size() == 1);
        CHECK(k[0] == 2);
        CHECK(nms_tf(boxes, {0.9f, 0.8f, 0.95f, 0.7f}, 0, 0.5, 0.0).empty());
    }
}

TEST_CASE("SSD decoding: clipped to the padded square, mapped to the image, checked by hand") {
    // 800 x 400 fills 512 x 256 of the padded 512 square: y relative to the square doubles.
    Tensor boxes(Shape{1, 3, 4}), scores(Shape{1, 3});
    const float b[12] = {-0.1f, 0.25f, 0.25f, 0.5f,    // runs off the top: clipped to 0
                         0.0f, 0.25f, 0.25f, 0.5f,     // IoU 0.71 with the first: suppressed
                         0.1f, 0.6f, 0.3f, 1.2f};      // runs off the right: clipped to 1
    std::copy(b, b + 12, boxes.values.begin());
    scores.values = {0.9f, 0.8f, 0.6f};
    const std::vector<Detection> d = decode_ssd(boxes.view(), scores.view(), 800, 400);
    REQUIRE(d.size() == 2);
    CHECK(d[0].score == doctest::Approx(0.9f));
    CHECK(d[0].box.x1 == doctest::Approx(200));
    CHECK(d[0].box.y1 == doctest::Approx(0));
    CHECK(d[0].box.x2 == doctest::Approx(400));
    CHECK(d[0].box.y2 == doctest::Approx(200));
    CHECK(d[1].box.x1 == doctest::Approx(480));
    CHECK(d[1].box.y1 == doctest::Approx(80));
    CHECK(d[1].box.x2 == doctest::Approx(800));
    CHECK(d[1].box.y2 == doctest::Approx(240));
    SsdOptions strict;
    strict.score_threshold = 0.85f;
    CHECK(decode_ssd(boxes.view(), scores.view(), 800, 400, strict).size() == 1);
}

TEST_CASE("tiny-YOLO decoding of hot cells, checked by hand") {
    const int cells = 13, W = 640, H = 480;
    Tensor out(Shape{1, cells, cells, 25}, -10.f);
    auto cell = [&](int row, int col, int anchor) { return out.values.data() + (row * cells + col) * 25 + anchor * 5; };
    float* t = cell(3, 5, 2);
    t[0] = 0.f, t[1] = 0.4f, t[2] = 0.f, t[3] = std::log(2.f), t[4] = 2.f;
    // The same spot, anchor 3, a lower score: heavily overlapping, so suppressed.
    float* u = cell(3, 5, 3);
    u[0] = 0.f, u[1] = 0.4f, u[2] = std::log(2.882459f / 4.266906f), u[3] = std::log(2 * 3.518061f / 5.178857f), u[4] = 1.f;
    // A far cell, score sigmoid(0.5) = 0.62.
    float* v = cell(10, 10, 0);
    v[0] = v[1] = v[2] = v[3] = 0.f, v[4] = 0.5f;

    const auto dets = decode_tiny_yolo(out.view(), W, H);
    REQUIRE(dets.size() == 2);
    // 640 x 480 at 416: the image fills 416 x 312 input pixels; corrX = 1, corrY = 416 / 312.
    const double cy_corr = 416.0 / 312.0;
    const double cx = 5.5 / 13, cy = (3 + sig(0.4)) / 13 * cy_corr;
    const double w = 2.882459 / 13, h = 2 * 3.518061 / 13 * cy_corr;
    CHECK(dets[0].score == doctest::Approx(sig(2.0)).epsilon(1e-6));
    CHECK(dets[0].box.x1 == doctest::Approx((cx - w / 2) * W).epsilon(1e-5));
    CHECK(dets[0].box.y1 == doctest::Approx((cy - h / 2) * H).epsilon(1e-5));
    CHECK(dets[0].box.x2 == doctest::Approx((cx + w / 2) * W).epsilon(1e-5));
    CHECK(dets[0].box.y2 == doctest::Approx((cy + h / 2) * H).epsilon(1e-5));
    CHECK(dets[0].keypoints.empty());
    CHECK(dets[1].score == doctest::Approx(sig(0.5)).epsilon(1e-6));
    CHECK(dets[1].box.x1 == doctest::Approx((10.5 / 13 - 1.603231 / 26) * W).epsilon(1e-5));

    TinyYoloOptions strict;
    strict.score_threshold = 0.7f;
    CHECK(decode_tiny_yolo(out.view(), W, H, strict).size() == 1);
    // Portrait image: the correction moves to x.
    const auto p = decode_tiny_yolo(out.view(), 480, 640);
    REQUIRE(p.size() == 2);
    CHECK(p[0].box.x1 == doctest::Approx((5.5 / 13 - 2.882459 / 26) * (416.0 / 312.0) * 480).epsilon(1e-5));
}

TEST_CASE("BlazeFace anchors") {
    for (int s : {128, 256}) {
        const auto a = blazeface_anchors(s);
        REQUIRE(a.size() == 896);
        const float st = float(s / 16);
        CHECK(a[0][0] == st / 2);
        CHECK(a[1][0] == st / 2);         // 2 anchors per cell on the 16 x 16 grid
        CHECK(a[2][0] == st * 1.5f);
        CHECK(a[31][1] == st / 2);        // last of grid row 0
        CHECK(a[32][1] == st * 1.5f);
        CHECK(a[511][0] == st * 15.5f);
        CHECK(a[512][0] == st);           // 8 x 8 grid, stride 2*st, 6 per cell
        CHECK(a[517][0] == st);
        CHECK(a[518][0] == st * 3);
        CHECK(a[895][1] == st * 15);
    }
}

TEST_CASE("BlazeFace decoding of a hot anchor") {
    const int S = 256, W = 512, H = 384;
    // blazeface-back's output order: [1,384,16], [1,512,1], [1,384,1], [1,512,16].
    Tensor r384(Shape{1, 384, 16}, 0.f), l512(Shape{1, 512, 1}, -10.f), l384(Shape{1, 384, 1}, -10.f),
        r512(Shape{1, 512, 16}, 0.f);
    const int k = 100;  // row 512 + 100 = cell 16 of the 8 x 8 grid = (gx 0, gy 2), anchor (16, 80)
    l384.values[k] = 1.5f;
    float* r = r384.values.data() + k * 16;
    r[0] = 3, r[1] = -2, r[2] = 40, r[3] = 50;
    for (int p = 0; p < 6; ++p) r[4 + 2 * p] = float(p), r[5 + 2 * p] = float(-p);
    // A weaker, overlapping hit on the fine grid, suppressed at IoU 0.1.
    const int j = 2 * (5 * 16 + 1);  // (gx 1, gy 5): anchor (24, 88)
    l512.values[j] = 0.5f;
    float* q = r512.values.data() + j * 16;
    q[0] = -5, q[1] = -6, q[2] = 40, q[3] = 50;

    const auto anchors = blazeface_anchors(S);
    CHECK(anchors[512 + k][0] == 16.f);
    CHECK(anchors[512 + k][1] == 80.f);
    CHECK(anchors[size_t(j)][0] == 24.f);
    CHECK(anchors[size_t(j)][1] == 88.f);

    BlazeFaceOptions opt;
    opt.max_faces = 10;
    const std::vector<ConstTensorView> outs = {r384.view(), l512.view(), l384.view(), r512.view()};
    const auto dets = decode_blazeface(outs, S, W, H, opt);
    REQUIRE(dets.size() == 1);
    const auto& d = dets[0];
    CHECK(d.detection.score == doctest::Approx(sig(1.5)).epsilon(1e-6));
    // centre (19, 78), size (40, 50) in input pixels; x2 = 512/256, x1.5 = 384/256.
    CHECK(d.detection.box.x1 == doctest::Approx((19 - 20) * 2.0));
    CHECK(d.detection.box.y1 == doctest::Approx((78 - 25) * 1.5));
    CHECK(d.detection.box.x2 == doctest::Approx((19 + 20) * 2.0));
    CHECK(d.detection.box.y2 == doctest::Approx((78 + 25) * 1.5));
    REQUIRE(d.detection.keypoints.size() == 6);
    CHECK(d.detection.keypoints[3].x == doctest::Approx((3 + 16) * 2.0));
    CHECK(d.detection.keypoints[3].y == doctest::Approx((-3 + 80) * 1.5));
    // Enlarged 1.4x: 80 x 75 -> 112 x 105, squared to 112 around (38, 117) and rounded.
    CHECK(d.crop_box.x1 == -18.f);
    CHECK(d.crop_box.y1 == 61.f);
    CHECK(d.crop_box.x2 == 94.f);
    CHECK(d.crop_box.y2 == 173.f);
    CHECK(d.size_w == 112.f);
    CHECK(d.size_h == 105.f);
    const Box clamped = human_clamp_box(d.crop_box, W, H);
    CHECK(clamped.x1 == 0.f);
    CHECK(clamped.x2 == 94.f);

    // Output order does not matter (blazeface-front's order).
    const auto d2 = decode_blazeface({l384.view(), r512.view(), r384.view(), l512.view()}, S, W, H, opt);
    REQUIRE(d2.size() == 1);
    CHECK(d2[0].detection.box.x1 == d.detection.box.x1);
    // With the weak hit alone above threshold, it decodes from the fine grid.
    l384.values[k] = -10.f;
    const auto d3 = decode_blazeface(outs, S, W, H, opt);
    REQUIRE(d3.size() == 1);
    CHECK(d3[0].detection.box.x1 == doctest::Approx((24 - 5 - 20) * 2.0));
}

TEST_CASE("landmark mapping: hand value and round trip") {
    // A 100 x 50 crop: the net sees it 112 x 56 with 28 rows of padding above.
    std::vector<float> raw(136, 0.5f);
    const auto pts = faceapi_map_landmarks(raw.data(), 100, 50, {10, 20});
    CHECK(pts[0].x == doctest::Approx(10 + 50));
    CHECK(pts[0].y == doctest::Approx(20 + 25));
    raw[1] = 0.25f;  // 28 of 112 rows down the padded square: the crop's top edge
    CHECK(faceapi_map_landmarks(raw.data(), 100, 50, {0, 0})[0].y == doctest::Approx(0.0f).epsilon(1e-6));

    // Round trip through a detection box that sticks out of the image (clipped crop, unclipped shift).
    const Box det{-12.7f, 30.2f, 140.4f, 260.9f};
    const int W = 200, H = 240;
    const Box crop = faceapi_landmark_crop(det, W, H);
    CHECK(crop.x1 == 0.f);
    CHECK(crop.y1 == 30.f);
    CHECK(crop.width() == 140.f);        // floor(140.4 - 0)
    CHECK(crop.height() == 209.f);       // floor(min(230.7, 240 - 30.2))
    std::vector<Point> want(68);
    for (int i = 0; i < 68; ++i) want[size_t(i)] = {float(10 + 1.7 * i), float(50 + 2.3 * (i % 17))};
    const auto enc = faceapi_unmap_landmarks(want, crop.width(), crop.height(), {det.x1, det.y1});
    const auto got = faceapi_landmarks_to_image(enc.data(), det, W, H);
    for (int i = 0; i < 68; ++i) {
        CHECK(got[size_t(i)].x == doctest::Approx(want[size_t(i)].x).epsilon(1e-5));
        CHECK(got[size_t(i)].y == doctest::Approx(want[size_t(i)].y).epsilon(1e-5));
    }
}

TEST_CASE("face-api clipAtImageBorders: clipped to the image, then each of x, y, w, h floored") {
    const auto xywh = [](const Box& b) { return std::vector<float>{b.x1, b.y1, b.width(), b.height()}; };
    CHECK(xywh(faceapi_clip_at_image_borders(Box{-5.5f, 10.7f, 20.2f, 200.f}, 100, 50)) ==
          std::vector<float>{0, 10, 20, 39});  // w floor(20.2 - 0), h floor(min(189.3, 39.3))
    // The width is floored on its own (floor(9.5) = 9), not right - floor(x) (10).
    CHECK(xywh(faceapi_clip_at_image_borders(Box{10.7f, 0, 20.2f, 10}, 100, 50)) == std::vector<float>{10, 0, 9, 10});
    // Hanging off the bottom-right: floor(30 - 25.9) = 4 at x = 25, floor(20 - 15.2) = 4 at y = 15.
    CHECK(xywh(faceapi_clip_at_image_borders(Box{25.9f, 15.2f, 40, 40}, 30, 20)) == std::vector<float>{25, 15, 4, 4});
    CHECK(xywh(faceapi_clip_at_image_borders(Box{0, 0, 30, 20}, 30, 20)) == std::vector<float>{0, 0, 30, 20});
    // Exactly one pixel survives.
    CHECK(xywh(faceapi_clip_at_image_borders(Box{99, 49, 150, 60}, 100, 50)) == std::vector<float>{99, 49, 1, 1});
    // Infinite edges are clipped like any other.
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    CHECK(xywh(faceapi_clip_at_image_borders(Box{-inf, 3, inf, 7.5f}, 100, 50)) == std::vector<float>{0, 3, 100, 4});
    // Nothing left (face-api drops these) or NaN: the zero-size box, which the pipeline skips (width < 1).
    const Box empty[] = {
        {120, 10, 150, 20},    // right of the image
        {10, 60, 20, 80},      // below it
        {-30, -30, -10, 20},   // left of it
        {99.5f, 10, 150, 20},  // 0.5 wide
        {10, 10, 10.9f, 20},   // 0.9 wide
        {10, 10, 5, 20},       // negative width
        {nan, 0, 10, 10},      {0, nan, 10, 10}, {0, 0, nan, 10}, {0, 0, 10, nan},
        {inf, 0, inf, 10},
    };
    for (const Box& b : empty) {
        CAPTURE(b.x1);
        CAPTURE(b.y1);
        CAPTURE(b.x2);
        CAPTURE(b.y2);
        CHECK(xywh(faceapi_clip_at_image_borders(b, 100, 50)) == std::vector<float>{0, 0, 0, 0});
    }
    CHECK(faceapi_landmark_crop(Box{nan, nan, nan, nan}, 100, 50).width() == 0.f);
}

TEST_CASE("face-api dlib-like crop") {
    std::vector<Point> lm(68);
    for (int i = 36; i < 42; ++i) lm[size_t(i)] = {40.f + (i % 2 ? 1.f : -1.f), 50.f};
    for (int i = 42; i < 48; ++i) lm[size_t(i)] = {60.f, 50.f + (i % 2 ? 2.f : -2.f)};
    for (int i = 48; i < 68; ++i) lm[size_t(i)] = {50.f, 80.f};
    // eye-mouth distance sqrt(10^2 + 30^2) = 31.62 -> size floor(70.27) = 70; centre (50, 60).
    const Box b = faceapi_align_dlib(lm, 500, 500);
    CHECK(b.x1 == 15.f);
    CHECK(b.y1 == 29.f);  // floor(60 - 0.43 * 70)
    CHECK(b.width() == 70.f);
    CHECK(b.height() == 70.f);
    const Box c = faceapi_descriptor_crop(lm, 500, 500, 80, 90);
    CHECK(c.x2 == 80.f);
    CHECK(c.y2 == 90.f);
}

TEST_CASE("similarity transform recovers rotation, scale and translation") {
    const double ang = 0.52, s = 1.7, tx = 12.25, ty = -5.5;
    std::vector<Point> from, to;
    for (int i = 0; i < 9; ++i) {
        const double x = 3.0 * (i % 3) - 7 + 0.25 * i, y = 2.0 * (i / 3) + 1 - 0.5 * i;
        from.push_back({float(x), float(y)});
        to.push_back({float(s * (std::cos(ang) * x - std::sin(ang) * y) + tx),
                      float(s * (std::sin(ang) * x + std::cos(ang) * y) + ty)});
    }
    const Affine t = similarity_transform(from, to);
    CHECK(t.a == doctest::Approx(s * std::cos(ang)).epsilon(1e-4));
    CHECK(t.b == doctest::Approx(-s * std::sin(ang)).epsilon(1e-4));
    CHECK(t.d == doctest::Approx(s * std::sin(ang)).epsilon(1e-4));
    CHECK(t.e == doctest::Approx(s * std::cos(ang)).epsilon(1e-4));
    CHECK(std::fabs(t.c - tx) < 1e-4);
    CHECK(std::fabs(t.f - ty) < 1e-4);
    const Affine inv = t.inverse();
    const Point back = inv.apply(t.apply({3, 4}));
    CHECK(back.x == doctest::Approx(3.f).epsilon(1e-5));
    CHECK(back.y == doctest::Approx(4.f).epsilon(1e-5));
}

TEST_CASE("dlib face chip of a transformed mean face lands on the template") {
    const int size = 150;
    const double pad = 0.25, ang = 0.3, s = 1.2, tx = 100, ty = 50;
    std::vector<int> idx;
    std::vector<Point> tmpl;
    dlib_chip_template(68, size, pad, idx, tmpl);
    REQUIRE(idx.size() == 33);  // 27..54 and 60..64
    CHECK(idx.front() == 27);
    CHECK(idx[27] == 54);
    CHECK(idx[28] == 60);
    CHECK(idx.back() == 64);
    auto T = [&](Point p) {
        return Point{float(s * (std::cos(ang) * p.x - std::sin(ang) * p.y) + tx),
                     float(s * (std::sin(ang) * p.x + std::cos(ang) * p.y) + ty)};
    };
    std::vector<Point> shape(68, Point{-1000, 777});  // jaw, brows, lower lip: ignored by dlib
    for (size_t i = 0; i < idx.size(); ++i) shape[size_t(idx[i])] = T(tmpl[i]);
    const Affine a = dlib_face_chip(shape, size, pad);
    // dlib's geometry, by hand: centre T(75, 75), step (150 s - 1) / 149 around chip pixel 74.5.
    const double k = (size * s - 1) / (size - 1);
    CHECK(a.a == doctest::Approx(std::cos(ang) * k).epsilon(1e-5));
    CHECK(a.d == doctest::Approx(std::sin(ang) * k).epsilon(1e-5));
    const Point mid = a.apply({74.5f, 74.5f}), want = T({75, 75});
    CHECK(mid.x == doctest::Approx(want.x).epsilon(1e-5));
    CHECK(mid.y == doctest::Approx(want.y).epsilon(1e-5));
    // Every template point comes back within dlib's half-pixel shift.
    const Affine inv = a.inverse();
    for (size_t i = 0; i < idx.size(); ++i) {
        const Point p = inv.apply(shape[size_t(idx[i])]);
        CHECK(std::hypot(p.x - tmpl[i].x, p.y - tmpl[i].y) < 0.75);
    }
    // The 5-point layout too.
    std::vector<int> idx5;
    std::vector<Point> t5;
    dlib_chip_template(5, size, pad, idx5, t5);
    std::vector<Point> shape5;
    for (const Point& p : t5) shape5.push_back(T(p));
    const Affine a5 = dlib_face_chip(shape5, size, pad);
    CHECK(a5.a == doctest::Approx(a.a).epsilon(1e-5));
}

TEST_CASE("five-point template alignment") {
    const auto t = arcface_template(112, 112);
    CHECK(t[0].x == doctest::Approx(38.2946f));
    CHECK(t[4].y == doctest::Approx(92.2041f));
    const auto t128 = arcface_template(128, 128);
    CHECK(t128[0].x == doctest::Approx(38.2946f + 8));
    const auto t224 = arcface_template(224, 224);
    CHECK(t224[2].y == doctest::Approx(71.7366f * 2));
    // Points at twice the template, shifted: the chip -> image map is x2 plus the shift.
    std::vector<Point> pts;
    for (const Point& p : t) pts.push_back({p.x * 2 + 30, p.y * 2 - 10});
    const Affine a = five_point_alignment(pts, 112, 112);
    CHECK(a.a == doctest::Approx(2.0).epsilon(1e-5));
    CHECK(std::fabs(a.b) < 1e-5);
    CHECK(a.c == doctest::Approx(30.0).epsilon(1e-4));
    CHECK(a.f == doctest::Approx(-10.0).epsilon(1e-4));
    std::vector<Point> lm(68, Point{0, 0});
    for (int i = 36; i < 42; ++i) lm[size_t(i)] = {10, 20};
    for (int i = 42; i < 48; ++i) lm[size_t(i)] = {30, 20};
    lm[30] = {20, 30}, lm[48] = {12, 40}, lm[54] = {28, 40};
    const auto f = five_points_from_68(lm);
    CHECK(f[0].x == 10.f);
    CHECK(f[1].x == 30.f);
    CHECK(f[2].y == 30.f);
    CHECK(f[4].x == 28.f);
}

TEST_CASE("warp_affine: identity copies, zero outside, bilinear between") {
    Image img(7, 5);
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 7; ++x)
            for (int c = 0; c < 3; ++c) img.at(x, y)[c] = uint8_t(10 * x + 50 * y + c);
    const Tensor t = warp_affine(img, Affine{}, 9, 6);
    CHECK(t.shape == Shape({1, 6, 9, 3}));
    for (int y = 0; y < 6; ++y)
        for (int x = 0; x < 9; ++x)
            for (int c = 0; c < 3; ++c) {
                const float v = t.values[size_t((y * 9 + x) * 3 + c)];
                if (x < 7 && y < 5) CHECK(v == float(img.at(x, y)[c]));
                else CHECK(v == 0.f);
            }
    Affine half;
    half.c = 0.5;  // half a pixel right
    const Tensor h = warp_affine(img, half, 7, 1);
    CHECK(h.values[0] == doctest::Approx(5.f));                 // (0 + 10) / 2
    CHECK(h.values[6 * 3] == doctest::Approx(60.f / 2));        // last column blends with the zero outside
    // Batch slots: only the asked slot is written.
    Tensor batch(Shape{3, 5, 7, 3}, -1.f);
    warp_affine_into(img, Affine{}, batch.view(), 1);
    CHECK(batch.values[0] == -1.f);
    CHECK(batch.values[size_t(5 * 7 * 3 + 3 * 2)] == 20.f);    // slot 1, pixel (2, 0)
    CHECK(batch.values[size_t(2 * 5 * 7 * 3)] == -1.f);
}

TEST_CASE("face-api centred pad + resize of a crop") {
    Image img(6, 4);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 6; ++x)
            for (int c = 0; c < 3; ++c) img.at(x, y)[c] = uint8_t(1 + x + 10 * y);
    // Crop 4 x 2 at (1, 1): padded to 4 x 4 with 1 row before, 1 after; size 4 = no resize.
    const Tensor t = faceapi_extract_square(img, Box{1, 1, 5, 3}, 4);
    auto at = [&](int y, int x) { return t.values[size_t((y * 4 + x) * 3)]; };
    CHECK(at(0, 0) == 0.f);
    CHECK(at(1, 0) == float(img.at(1, 1)[0]));
    CHECK(at(2, 3) == float(img.at(4, 2)[0]));
    CHECK(at(3, 3) == 0.f);
    // Size 2: src = 2 * dst, a plain subsample.
    const Tensor s = faceapi_extract_square(img, Box{1, 1, 5, 3}, 2);
    CHECK(s.values[0] == 0.f);
    CHECK(s.values[size_t((1 * 2 + 1) * 3)] == float(img.at(3, 2)[0]));
}

TEST_CASE("decoders on the golden sample1.jpg outputs") {
    const std::string root = std::string(LFR_SOURCE_DIR) + "/tests/golden/";
    {
        const Tensor o = read_npy(root + "tiny_face_detector/out0.npy");
        TinyYoloOptions opt;
        opt.input_size = 224;
        const auto dets = decode_tiny_yolo(o.view(), 1920, 1280, opt);
        MESSAGE("tiny_face_detector @224 on sample1.jpg: " << dets.size() << " faces");
        CHECK(!dets.empty());
        for (const auto& d : dets) {
            CHECK(d.score > 0.5f);
            CHECK(d.box.width() > 0);
        }
    }
    {
        std::vector<Tensor> outs;
        for (int i = 0; i < 4; ++i) outs.push_back(read_npy(root + "blazeface-back/out" + std::to_string(i) + ".npy"));
        BlazeFaceOptions opt;
        opt.max_faces = 20;
        const auto dets = decode_blazeface({outs[0].view(), outs[1].view(), outs[2].view(), outs[3].view()}, 256, 1920,
                                           1280, opt);
        MESSAGE("blazeface-back on sample1.jpg: " << dets.size() << " faces");
        CHECK(!dets.empty());
        for (const auto& d : dets) {
            MESSAGE("  score " << d.detection.score << " box " << d.detection.box.x1 << "," << d.detection.box.y1 << " "
                               << d.detection.box.x2 << "," << d.detection.box.y2 << " kp0.x " << d.detection.keypoints[0].x
                               << " kp1.x " << d.detection.keypoints[1].x);
            CHECK(d.detection.box.x1 < d.detection.keypoints[2].x);
            CHECK(d.detection.keypoints[2].x < d.detection.box.x2);
        }
    }
}
