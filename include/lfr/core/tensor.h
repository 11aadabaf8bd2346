// Tensor views: non-owning (pointer + shape), float32, dense row-major NHWC.
// Ownership lives elsewhere: the model file's weight blob, an executor arena, or a std::vector.
#pragma once
#include <vector>

#include "lfr/core/shape.h"

namespace lfr {

struct TensorView {
    float* data = nullptr;
    Shape shape;
    int64_t numel() const { return shape.numel(); }
};

struct ConstTensorView {
    const float* data = nullptr;
    Shape shape;
    ConstTensorView() = default;
    ConstTensorView(const float* d, const Shape& s) : data(d), shape(s) {}
    ConstTensorView(const TensorView& t) : data(t.data), shape(t.shape) {}  // NOLINT: view narrowing
    int64_t numel() const { return shape.numel(); }
};

// An owning tensor for tests, samples and I/O: a shape and its float storage.
struct Tensor {
    Shape shape;
    std::vector<float> values;

    Tensor() = default;
    explicit Tensor(const Shape& s, float fill = 0.f) : shape(s), values(size_t(s.numel()), fill) {}
    TensorView view() { return {values.data(), shape}; }
    ConstTensorView view() const { return {values.data(), shape}; }
};

// Read-only views of a list of tensors (e.g. to pass owned inputs to Session::run).
inline std::vector<ConstTensorView> views(const std::vector<Tensor>& ts) {
    std::vector<ConstTensorView> v;
    for (const Tensor& t : ts) v.push_back(t.view());
    return v;
}

}  // namespace lfr
