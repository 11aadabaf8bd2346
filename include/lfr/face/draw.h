// A face on an annotated picture (lfr/image/draw.h has the primitives).
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "lfr/face/types.h"
#include "lfr/image/draw.h"

namespace lfr {

// One face on an annotated picture: its box, its landmarks or keypoints as dots, and a label
// (e.g. "alice 0.41") above the box. Sizes follow the picture's size.
inline void draw_face(Image& image, const Face& face, const std::string& label, Color color) {
    const int scale = text_scale_for(image);
    draw_rect(image, face.detection.box, color, std::max(2, scale));
    const std::vector<Point>& points = face.landmarks.empty() ? face.detection.keypoints : face.landmarks;
    for (const Point& p : points) fill_circle(image, p.x, p.y, float(std::max(1, scale)), color);
    const bool dark = int(color.r) * 299 + int(color.g) * 587 + int(color.b) * 114 < 128000;
    draw_label(image, face.detection.box, label, dark ? colors::kWhite : colors::kBlack, color, scale);
}

}  // namespace lfr
