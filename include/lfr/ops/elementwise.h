// Elementwise ops: binary ops with numpy broadcasting and a fused activation (Add ... Prelu), unary
// activations and math (Relu ... Neg), and softmax over the last axis.
#pragma once
#include <algorithm>
#include <cmath>

#include "lfr/ops/activation.h"
#include "lfr/ops/epilogue.h"
#include "lfr/ops/nd.h"

namespace lfr {

namespace detail {

// Calls body(fn) with the scalar function of node.op, so each loop is compiled once per op.
template <class Body>
void with_binary_fn(const Node& node, Body&& body) {
    switch (node.op) {
        case OpType::Add: return body([](float a, float b) { return a + b; });
        case OpType::Sub: return body([](float a, float b) { return a - b; });
        case OpType::Mul: return body([](float a, float b) { return a * b; });
        case OpType::Div: return body([](float a, float b) { return a / b; });
        case OpType::Maximum: return body([](float a, float b) { return std::max(a, b); });
        case OpType::Minimum: return body([](float a, float b) { return std::min(a, b); });
        case OpType::Prelu: return body([](float x, float alpha) { return x > 0.f ? x : alpha * x; });
        default: throw Error(node_msg(node, std::string(op_name(node.op)) + " is not a binary op"));
    }
}

template <class Body>
void with_unary_fn(const Node& node, Body&& body) {
    const float alpha = node.attrs.alpha;
    switch (node.op) {
        case OpType::Relu: return body([](float v) { return activate(v, Activation::Relu, 0.f); });
        case OpType::Relu6: return body([](float v) { return activate(v, Activation::Relu6, 0.f); });
        case OpType::LeakyRelu: return body([alpha](float v) { return activate(v, Activation::Leaky, alpha); });
        case OpType::Sigmoid: return body([](float v) { return activate(v, Activation::Sigmoid, 0.f); });
        case OpType::Tanh: return body([](float v) { return std::tanh(v); });
        case OpType::Abs: return body([](float v) { return std::fabs(v); });
        case OpType::Square: return body([](float v) { return v * v; });
        case OpType::Sqrt: return body([](float v) { return std::sqrt(v); });
        case OpType::Rsqrt: return body([](float v) { return 1.f / std::sqrt(v); });
        case OpType::Exp: return body([](float v) { return std::exp(v); });
        case OpType::Neg: return body([](float v) { return -v; });
        default: throw Error(node_msg(node, std::string(op_name(node.op)) + " is not a unary op"));
    }
}

inline void apply_activation(const Attrs& a, TensorView out) {
    bias_activate(out.data, 1, out.numel(), nullptr, a.act, a.alpha, nullptr);
}

// If y, broadcast to `out`, repeats with a period in memory (it equals out's trailing dims and is 1
// before them: a same-shape operand, a per-channel vector, a scalar), returns that period, else 0.
inline int64_t broadcast_period(const Shape& y, const Shape& out) {
    int k = 0;  // trailing dims y shares with out
    while (k < y.rank && y.dim[y.rank - 1 - k] == out.dim[out.rank - 1 - k]) ++k;
    for (int d = 0; d < y.rank - k; ++d)
        if (y.dim[d] != 1) return 0;
    return y.numel();
}

// The periodic case of binary_fast: o[i] = act(fn(x[i], y[i % row])), or fn(y[i % row], x[i]) when
// swapped (x has the output's shape, y repeats).
struct BinaryArgs {
    const Node* node;
    const float *x, *y;
    int64_t row;  // y's length: a multiple of the broadcast period (binary_fast tiles short ones)
    bool swapped;
    float* o;
};

// Elements [i0, i1) in pieces that end where y restarts, so the inner loop vectorises however short
// the period, then the activation while the span is in cache.
inline void binary_span(const BinaryArgs& d, int64_t i0, int64_t i1) {
    with_binary_fn(*d.node, [&](auto fn) {
        for (int64_t i = i0; i < i1;) {
            const int64_t c0 = i % d.row, len = std::min(d.row - c0, i1 - i);
            const float *x = d.x + i, *y = d.y + c0;
            float* o = d.o + i;
            if (d.swapped)
                for (int64_t c = 0; c < len; ++c) o[c] = fn(y[c], x[c]);
            else
                for (int64_t c = 0; c < len; ++c) o[c] = fn(x[c], y[c]);
            i += len;
        }
    });
    bias_activate(d.o + i0, 1, i1 - i0, nullptr, d.node->attrs.act, d.node->attrs.alpha, nullptr);
}

constexpr int64_t kMinRow = 64;               // shorter periods are tiled to a row at least this long
constexpr int64_t kSpanFloats = 1 << 14;      // a task's granule: 64 KiB of output
constexpr int64_t kMinSplitFloats = 1 << 17;  // smaller ones run on one thread: waking others costs more

// span(d, i0, i1) over [0, n) in whole granules, split over the pool when n is large. Each element
// is computed the same way whoever takes it, so results do not depend on the thread count.
template <class Args>
void for_spans(Workspace& ws, int64_t n, void (*span)(const Args&, int64_t, int64_t), const Args& d) {
    const int64_t spans = (n + kSpanFloats - 1) / kSpanFloats;
    const int64_t tasks = n < kMinSplitFloats ? 1 : std::min<int64_t>(spans, 4 * pool_size(ws.pool));
    parallel_for(ws.pool, tasks, [&](int64_t t, int) {
        span(d, std::min(n, spans * t / tasks * kSpanFloats), std::min(n, spans * (t + 1) / tasks * kSpanFloats));
    });
}

struct UnaryArgs {
    const Node* node;
    const float* x;
    float* o;
};

inline void unary_span(const UnaryArgs& d, int64_t i0, int64_t i1) {
    with_unary_fn(*d.node, [&](auto fn) {
        for (int64_t i = i0; i < i1; ++i) d.o[i] = fn(d.x[i]);
    });
}

}  // namespace detail

// numpy broadcasting: trailing dims aligned, each pair equal or one of them 1.
inline Shape infer_binary(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 2);
    const Shape &a = in[0], &b = in[1];
    Shape out;
    out.rank = std::max(a.rank, b.rank);
    bool ok = true;
    for (int d = 0; d < out.rank; ++d) {
        const int da = d - (out.rank - a.rank), db = d - (out.rank - b.rank);
        const int64_t x = da >= 0 ? a.dim[da] : 1, y = db >= 0 ? b.dim[db] : 1;
        ok = ok && (x == y || x == 1 || y == 1);
        out.dim[d] = x == 1 ? y : x;
    }
    LFR_CHECK(ok, node_msg(node, "shapes " + a.str() + " and " + b.str() + " do not broadcast"));
    LFR_CHECK(node.attrs.act != Activation::Prelu,
              node_msg(node, "a fused Prelu needs per-channel slopes, which binary ops do not take"));
    return out;
}

inline void binary_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const ConstTensorView a = in[0], b = in[1];
    const std::array<Strides, 3> st = {broadcast_strides(a.shape, out.shape), broadcast_strides(b.shape, out.shape),
                                       row_major_strides(out.shape)};
    detail::with_binary_fn(node, [&](auto fn) {
        walk(out.shape, st, {0, 0, 0},
             [&](const std::array<int64_t, 3>& o) { out.data[o[2]] = fn(a.data[o[0]], b.data[o[1]]); });
    });
    detail::apply_activation(node.attrs, out);
}

// One operand has the output's shape and the other repeats with a period (same shape, per-channel
// bias/scale/slope, scalar): flat rows at the ISA's width, split over the thread pool. Anything else
// takes the reference walk. Each element gets binary_ref's arithmetic, so results are identical.
inline void binary_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    using namespace detail;
    const ConstTensorView a = in[0], b = in[1];
    const int64_t n = out.numel();
    const int64_t pa = broadcast_period(a.shape, out.shape), pb = broadcast_period(b.shape, out.shape);
    BinaryArgs d{&node, a.data, b.data, pb, false, out.data};
    if (!(a.shape == out.shape && pb > 0)) {
        if (!(b.shape == out.shape && pa > 0)) return binary_ref(node, in, out, ws);
        d = BinaryArgs{&node, b.data, a.data, pa, true, out.data};
    }
    if (d.row < kMinRow) {  // a scalar, or e.g. [3] over RGB pixels: repeat it to a longer row
        const int64_t period = d.row;
        d.row = period * ((kMinRow + period - 1) / period);
        float* tiled = ws.floats(size_t(d.row));
        for (int64_t i = 0; i < d.row; ++i) tiled[i] = d.y[i % period];
        d.y = tiled;
    }
    for_spans(ws, n, isa_kernel<binary_span>(ws.isa), d);
}

inline Shape infer_unary(const Node& node, const std::vector<Shape>& in) {
    check_inputs(node, in, 1);
    LFR_CHECK(node.op != OpType::Softmax || in[0].rank >= 1, node_msg(node, "Softmax needs rank >= 1, got a scalar"));
    return in[0];
}

inline void unary_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const float* x = in[0].data;
    detail::with_unary_fn(node, [&](auto fn) {
        for (int64_t i = 0; i < out.numel(); ++i) out.data[i] = fn(x[i]);
    });
}

// unary_ref's loop at the ISA's width, split over the thread pool.
inline void unary_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    detail::for_spans(ws, out.numel(), isa_kernel<detail::unary_span>(ws.isa), detail::UnaryArgs{&node, in[0].data, out.data});
}

// Over the last axis; the row maximum is subtracted first so exp cannot overflow (as TF).
inline void softmax_ref(const Node&, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const int64_t c = out.shape[-1];
    if (out.numel() == 0) return;
    for (int64_t r = 0; r < out.numel() / c; ++r) {
        const float* x = in[0].data + r * c;
        float* o = out.data + r * c;
        const float m = *std::max_element(x, x + c);
        float sum = 0.f;
        for (int64_t j = 0; j < c; ++j) sum += o[j] = std::exp(x[j] - m);
        for (int64_t j = 0; j < c; ++j) o[j] /= sum;
    }
}

}  // namespace lfr
