// Sliding-window geometry shared by convolution, depthwise convolution and pooling: output size and
// leading padding for TF's VALID and SAME rules, or explicit pads folded in by the converter.
#pragma once
#include <algorithm>

#include "lfr/core/error.h"
#include "lfr/graph/graph.h"

namespace lfr {

struct Window1D {
    int64_t out;        // output length
    int64_t pad_before; // zero cells before the first input cell
};

// in: input length, k: window, s: stride; before/after: explicit pads (Padding::Explicit only);
// d: dilation, so the window spans (k-1)*d+1 cells (TF's and ONNX's rule, SAME padding included).
inline Window1D window_1d(int64_t in, int64_t k, int64_t s, Padding p, int64_t before, int64_t after, int64_t d = 1) {
    LFR_CHECK(k > 0 && s > 0 && d > 0, "window size, stride and dilation must be positive");
    k = (k - 1) * d + 1;
    Window1D w{0, 0};
    switch (p) {
        case Padding::Valid: w.out = in >= k ? (in - k) / s + 1 : 0; break;
        case Padding::Same: {
            w.out = (in + s - 1) / s;
            int64_t total = std::max<int64_t>((w.out - 1) * s + k - in, 0);
            w.pad_before = total / 2;  // TF puts the odd cell after
            break;
        }
        case Padding::Explicit:
            LFR_CHECK(before >= 0 && after >= 0, "negative pad " + std::to_string(std::min(before, after)));
            w.out = in + before + after >= k ? (in + before + after - k) / s + 1 : 0;
            w.pad_before = before;
            break;
    }
    LFR_CHECK(w.out > 0, "window " + std::to_string(k) + " does not fit input size " + std::to_string(in));
    return w;
}

// Pooling windows are never dilated; conv_geometry passes the conv's dilation.
inline Window1D window_h(const Attrs& a, int64_t in, int64_t k, int64_t d = 1) {
    return window_1d(in, k, a.stride_h, a.padding, a.pad_top, a.pad_bottom, d);
}
inline Window1D window_w(const Attrs& a, int64_t in, int64_t k, int64_t d = 1) {
    return window_1d(in, k, a.stride_w, a.padding, a.pad_left, a.pad_right, d);
}

// Output indices [lo, hi) whose whole window (k cells, stride s, pad cells before) lies inside [0, in).
inline void window_interior(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t out, int64_t& lo, int64_t& hi) {
    lo = std::min(out, (pad + s - 1) / s);
    hi = in - k + pad >= 0 ? std::min(out, (in - k + pad) / s + 1) : 0;
    hi = std::max(lo, hi);
}

}  // namespace lfr
