// face-api's tiny_face_detector (tiny-YOLOv2, depthwise-separable, leaky ReLU) as a detector stage:
// face-api's padded square input at a selectable size, its decoding and NMS (lfr/face/tiny_yolo.h).
#pragma once
#include <string>

#include "lfr/face/stages/stage.h"
#include "lfr/face/tiny_yolo.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

class TinyFaceDetector : public FaceDetector {
public:
    explicit TinyFaceDetector(const PipelineOptions& o) : model_(o, "tiny_face_detector") {
        opt_.input_size = o.detector_input > 0 ? o.detector_input : 416;
        LFR_CHECK(opt_.input_size % 32 == 0, "tiny_face_detector input size must be a positive multiple of 32, got " +
                                                 std::to_string(opt_.input_size));
        if (o.nms_iou >= 0) opt_.iou_threshold = o.nms_iou;
        max_faces_ = o.max_faces;
    }
    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        TinyYoloOptions o = opt_;
        if (score_threshold >= 0) o.score_threshold = score_threshold;
        const Tensor x = faceapi_batch_tensor(img, o.input_size, /*centred=*/false);
        const auto out = model_.run({x.view()});
        auto dets = decode_tiny_yolo(out[0].view(), img.width, img.height, o);
        if (int(dets.size()) > max_faces_) dets.resize(size_t(max_faces_));
        return dets;
    }
    float default_score_threshold() const override { return TinyYoloOptions{}.score_threshold; }
    // At 0.1 tiny finds a face in all but 40 of LFW's 3,811 images (577 missed at 0.5).
    float subject_score_threshold() const override { return 0.1f; }
    int input_size() const override { return opt_.input_size; }
    // BlazeFace's box is 0.68..0.94 (median 0.83) of tiny's width on the sample photos.
    float box_scale() const override { return 1 / 0.83f; }

private:
    StageModel model_;
    TinyYoloOptions opt_;
    int max_faces_ = 100;
};

}  // namespace lfr
