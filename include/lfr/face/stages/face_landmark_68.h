// face-api's 68-point landmark nets (face_landmark_68, face_landmark_68_tiny) as a landmark stage:
// face-api's square crop of the box, 112x112, every face of an image in one batched run. With
// refinement (not in face-api mode) the net runs again on each box re-centred on its first landmarks.
#pragma once
#include <algorithm>
#include <string>

#include "lfr/face/landmarks.h"
#include "lfr/face/stages/stage.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/preprocess.h"

namespace lfr {

class FaceLandmark68 : public Landmarker {
public:
    FaceLandmark68(const PipelineOptions& o, const std::string& name)
        : model_(o, name), refine_(o.refine_landmarks && !o.faceapi_mode()) {}

    std::vector<Face> locate(const Image& img, const std::vector<Detection>& dets) const override {
        std::vector<Face> faces = once(img, dets);
        if (faces.empty() || !refine_) return faces;
        std::vector<Detection> moved;
        for (const Face& f : faces) {
            float lx = f.landmarks[0].x, hx = lx, ly = f.landmarks[0].y, hy = ly;
            for (const Point& q : f.landmarks)
                lx = std::min(lx, q.x), hx = std::max(hx, q.x), ly = std::min(ly, q.y), hy = std::max(hy, q.y);
            Detection d = f.detection;
            const float cx = (lx + hx) / 2, cy = (ly + hy) / 2, w = d.box.width(), h = d.box.height();
            d.box = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
            moved.push_back(d);
        }
        const std::vector<Face> again = once(img, moved);
        if (again.size() != faces.size()) return faces;  // a moved box fell outside the image: keep the first run
        for (size_t i = 0; i < faces.size(); ++i) faces[i].landmarks = again[i].landmarks;
        return faces;
    }
    int points() const override { return 68; }

    // One landmark run, as face-api does it (Face::detection keeps the given box).
    std::vector<Face> once(const Image& img, const std::vector<Detection>& dets) const {
        check_image(img);
        std::vector<Face> faces;
        std::vector<Box> crops;
        for (const Detection& d : dets) {
            const Box crop = faceapi_landmark_crop(d.box, img.width, img.height);
            if (crop.width() < 1 || crop.height() < 1) continue;
            faces.push_back({d, {}, {}});
            crops.push_back(crop);
        }
        if (faces.empty()) return faces;
        Tensor batch(Shape{int64_t(faces.size()), kLandmarkInputSize, kLandmarkInputSize, 3});
        for (size_t i = 0; i < faces.size(); ++i) faceapi_extract_square_into(img, crops[i], batch.view(), int64_t(i));
        const auto out = model_.run({batch.view()});
        for (size_t i = 0; i < faces.size(); ++i)
            faces[i].landmarks = faceapi_map_landmarks(out[0].values.data() + i * 136, crops[i].width(),
                                                       crops[i].height(), {faces[i].detection.box.x1,
                                                                           faces[i].detection.box.y1});
        return faces;
    }

private:
    StageModel model_;
    bool refine_;
};

}  // namespace lfr
