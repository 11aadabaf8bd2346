// What the face pipeline hands between its stages, in original image pixels.
#pragma once
#include <string>
#include <vector>

namespace lfr {

struct Point {
    float x = 0, y = 0;
};

struct Box {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    float width() const { return x2 - x1; }
    float height() const { return y2 - y1; }
    float area() const { return width() > 0 && height() > 0 ? width() * height() : 0.f; }
};

struct Detection {
    Box box;
    float score = 0;
    std::vector<Point> keypoints;  // detector keypoints (BlazeFace: 6), empty for tiny-YOLO
};

struct Face {
    Detection detection;
    std::vector<Point> landmarks;   // 68 points (iBUG layout) when a landmark model ran
    std::vector<float> descriptor;  // embedding, when an embedder ran
};

}  // namespace lfr
