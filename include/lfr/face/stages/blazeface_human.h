// Human's BlazeFace (blazeface-back 256, blazeface-front 128) as a detector stage: Human's stretched
// input, anchors, decoding and NMS (lfr/face/blazeface.h); 6 keypoints per face.
#pragma once
#include <string>

#include "lfr/face/blazeface.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

class HumanBlazeFaceDetector : public FaceDetector {
public:
    HumanBlazeFaceDetector(const PipelineOptions& o, const std::string& name, int size)
        : model_(o, name), size_(size) {
        opt_.max_faces = o.max_faces;
        if (o.nms_iou >= 0) opt_.iou_threshold = o.nms_iou;
    }
    std::vector<Detection> detect(const Image& img, float score_threshold) const override {
        check_image(img);
        BlazeFaceOptions o = opt_;
        if (score_threshold >= 0) o.score_threshold = score_threshold;
        const Tensor x = human_blazeface_input(img, size_);
        const auto out = model_.run({x.view()});
        std::vector<Detection> dets;
        for (auto& d : decode_blazeface(views(out), size_, img.width, img.height, o)) dets.push_back(d.detection);
        return dets;
    }
    float default_score_threshold() const override { return BlazeFaceOptions{}.score_threshold; }
    float subject_score_threshold() const override { return 0.1f; }
    int input_size() const override { return size_; }

private:
    StageModel model_;
    int size_;
    BlazeFaceOptions opt_;
};

}  // namespace lfr
