// face-api's ssd_mobilenetv1 (512x512) as a detector stage: face-api's padded square input, its box
// decoding and NMS (lfr/face/ssd.h). The slowest face-api detector and the most accurate.
#pragma once
#include "lfr/face/ssd.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

class SsdMobilenetDetector : public FaceDetector {
public:
    explicit SsdMobilenetDetector(const PipelineOptions& o) : model_(o, "ssd_mobilenetv1") {
        opt_.max_results = o.max_faces;
        if (o.nms_iou >= 0) opt_.iou_threshold = o.nms_iou;
    }
    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        SsdOptions o = opt_;
        if (score_threshold >= 0) o.score_threshold = score_threshold;
        const Tensor x = faceapi_batch_tensor(img, kSsdInputSize, /*centred=*/false);
        const auto out = model_.run({x.view()});
        return decode_ssd(out[0].view(), out[1].view(), img.width, img.height, o);
    }
    float default_score_threshold() const override { return SsdOptions{}.score_threshold; }
    float subject_score_threshold() const override { return 0.1f; }
    int input_size() const override { return kSsdInputSize; }
    // Its boxes are narrow and tall; the longer side is 0.94..1.18 (median 1.10) of BlazeFace's width.
    float box_scale() const override { return 1.10f; }

private:
    StageModel model_;
    SsdOptions opt_;
};

}  // namespace lfr
