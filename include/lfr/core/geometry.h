// Points and boxes in image pixels: what images, detectors and trackers share.
#pragma once

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

}  // namespace lfr
