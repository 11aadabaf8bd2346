// Sliding-window geometry shared by convolution, depthwise convolution and pooling: output size and
// leading padding for TF's VALID and SAME rules, or explicit pads folded in by the converter.
#pragma once
#include "lfr/core/error.h"
#include "lfr/graph/graph.h"

namespace lfr {

struct Window1D {
    int64_t out;        // output length
    int64_t pad_before; // zero cells before the first input cell
};

// in: input length, k: window, s: stride; before/after: explicit pads (Padding::Explicit only).
inline Window1D window_1d(int64_t in, int64_t k, int64_t s, Padding p, int64_t before, int64_t after) {
    LFR_CHECK(k > 0 && s > 0, "window size and stride must be positive");
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
            w.out = in + before + after >= k ? (in + before + after - k) / s + 1 : 0;
            w.pad_before = before;
            break;
    }
    LFR_CHECK(w.out > 0, "window " + std::to_string(k) + " does not fit input size " + std::to_string(in));
    return w;
}

inline Window1D window_h(const Attrs& a, int64_t in, int64_t k) {
    return window_1d(in, k, a.stride_h, a.padding, a.pad_top, a.pad_bottom);
}
inline Window1D window_w(const Attrs& a, int64_t in, int64_t k) {
    return window_1d(in, k, a.stride_w, a.padding, a.pad_left, a.pad_right);
}

}  // namespace lfr
