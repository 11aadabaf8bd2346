// What the face pipeline hands between its stages, in original image pixels.
#pragma once
#include <string>
#include <vector>

#include "lfr/core/geometry.h"

namespace lfr {

struct Detection {
    Box box;
    float score = 0;
    std::vector<Point> keypoints;  // detector keypoints (BlazeFace: 6), empty for tiny-YOLO
};

struct Face {
    Detection detection;
    std::vector<Point> landmarks;   // 68 points (iBUG layout) when a landmark model ran
    std::vector<float> descriptor;  // embedding, when an embedder ran
    // Attributes, from the faceres embedder only (otherwise left as below):
    float age = -1;           // years, Human's decoding of faceres' 100-way softmax
    int gender = -1;          // 0 female, 1 male (faceres' sigmoid <= 0.5 is female)
    float gender_score = 0;   // Human's genderScore: min(0.99, trunc(200 |sigmoid - 0.5|) / 100), 0..0.99
};

}  // namespace lfr
