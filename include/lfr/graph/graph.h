// The graph IR shared by the converter (weights_tools/), the model file (format/) and the executor.
//
// A Graph is a list of tensors and a list of nodes in topological order. Tensors are float32, NHWC.
// A tensor is a graph input (shape may have -1 for sizes chosen at run time, e.g. batch), a weight
// (shape fixed, data in the model file's blob), or a value produced by exactly one node.
// Every op's attributes live in one flat Attrs struct; each op documents which fields it reads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lfr/core/shape.h"

namespace lfr {

// Append only (the numbers are stored in model files); bump kOpCount and op_name() with it.
enum class OpType : uint16_t {
    Conv2D = 0,         // in: x [N,H,W,Ci], w [KH,KW,Ci,Co], bias [Co] (optional), prelu alpha [Co] (act Prelu),
                        //     residual (the output's shape, added before act; only in the executor's
                        //     rewritten graph, graph/fuse.h)
                        // attrs: stride, dilation, padding/pad, act, alpha
    DepthwiseConv2D,    // in: x [N,H,W,C], w [KH,KW,C,M] -> C*M channels, bias, prelu alpha; attrs as Conv2D
    MatMul,             // in: x [N,K], w [K,M], bias [M] (optional), prelu alpha; attrs: act, alpha
    Add,                // binary ops: numpy broadcasting; attrs: act (fused, e.g. residual add + relu)
    Sub,
    Mul,
    Div,
    Maximum,
    Minimum,
    Prelu,              // in: x, alpha (broadcast over the last axis): x > 0 ? x : alpha * x
    Relu,               // unary elementwise ops
    Relu6,
    LeakyRelu,          // attrs: alpha
    Sigmoid,
    Tanh,
    Abs,
    Square,
    Sqrt,
    Rsqrt,
    Exp,
    Neg,
    Softmax,            // over the last axis
    MaxPool,            // attrs: kernel, stride, padding/pad (padded cells never win)
    AvgPool,            // attrs: kernel, stride, padding/pad (padded cells not counted, as TF)
    Mean,               // reductions; attrs: ints = axes (non-negative), keep_dims
    Sum,
    Max,
    Pad,                // attrs: ints = [before0, after0, before1, after1, ...] per dim, value = fill
    Concat,             // any number of inputs; attrs: axis (non-negative)
    Reshape,            // attrs: ints = target shape, at most one -1
    StridedSlice,       // attrs: ints = begin[r], end[r], stride[r] (r = input rank, already resolved
                        //        for masks by the converter), flags = shrink-axis bit mask
    ResizeBilinear,     // attrs: ints = [out_h, out_w], flags: 1 = align_corners, 2 = half_pixel_centers
    DepthToSpace,       // attrs: kernel_h = block size (NHWC, DCR order as TF)
    Transpose,          // attrs: ints = permutation
    MultiScaleFusion,   // MSFF (LEFV): max-pool k feature maps to one spatial size, concatenate along
                        // channels, 1x1 conv + bias + act, as one op (include/lfr/ops/msff.h).
                        // in: x_0..x_{k-1} [N,H_i,W_i,C_i], then w [sum C_i, Co], then bias [Co]
                        //     (optional, -1). The concat order is the input order: w rows
                        //     [C_0+..+C_{i-1}, +C_i) multiply x_i's channels.
                        // attrs: ints = [k] (number of feature maps; required);
                        //        kernel_h, kernel_w = target (Ho, Wo); 0 = the last map's H_{k-1}, W_{k-1};
                        //        act, alpha (Prelu is not supported).
                        // Each H_i must be a multiple of Ho and W_i of Wo: map i is max-pooled with a
                        // non-overlapping (H_i/Ho) x (W_i/Wo) window, stride = window, no padding
                        // (= MaxPool VALID with kernel = stride = that window).
};
constexpr int kOpCount = int(OpType::MultiScaleFusion) + 1;
const char* op_name(OpType op);

enum class Padding : uint8_t { Valid = 0, Same = 1, Explicit = 2 };
enum class Activation : uint8_t { None = 0, Relu = 1, Relu6 = 2, Leaky = 3, Prelu = 4, Sigmoid = 5 };

struct Attrs {
    int32_t kernel_h = 0, kernel_w = 0;  // pooling window (conv kernels come from the weight shape)
    int32_t stride_h = 1, stride_w = 1;
    int32_t dilation_h = 1, dilation_w = 1;  // Conv2D, DepthwiseConv2D: kernel taps this far apart
    Padding padding = Padding::Valid;
    int32_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // Padding::Explicit
    Activation act = Activation::None;  // fused activation applied to the op's output
    float alpha = 0.f;                  // leaky slope (Leaky, LeakyRelu)
    int32_t axis = 0;
    bool keep_dims = false;
    float value = 0.f;
    int32_t flags = 0;
    std::vector<int32_t> ints;
    // Conv2D: a pool x pool, stride-pool MaxPool of its output folded in (0: none), SAME (a last
    // partial window kept) or VALID (dropped). Set only by the executor's fuse pass (runtime/fuse.h),
    // never stored in or read from a model file.
    int32_t pool = 0;
    bool pool_same = false;
    // DepthwiseConv2D: a 1x1 stride-1 Conv2D of its output folded in, inputs 4-7 being that conv's
    // weight, bias, PReLU slopes and residual, pointwise_act/alpha its activation. Set only by the
    // fuse pass, like pool.
    bool pointwise = false;
    Activation pointwise_act = Activation::None;
    float pointwise_alpha = 0.f;
};

enum class TensorKind : uint8_t { Input = 0, Weight = 1, Value = 2 };
// How a weight is stored in the .lfr file; always float32 once loaded (Model::weight).
enum class WeightType : uint8_t { F32 = 0, F16 = 1 };

struct TensorInfo {
    std::string name;
    TensorKind kind = TensorKind::Value;
    Shape shape;              // inputs: -1 where chosen at run time; weights: exact; values: as seen by
                              // the converter for its reference input (informational only)
    uint64_t blob_offset = 0; // weights: byte offset in the blob section (64-aligned)
    WeightType storage = WeightType::F32;  // weights: element type in the blob section
};

struct Node {
    OpType op = OpType::Relu;
    std::string name;
    std::vector<int32_t> inputs;   // tensor ids; -1 = optional input absent
    std::vector<int32_t> outputs;  // tensor ids
    Attrs attrs;
};

struct Graph {
    std::vector<TensorInfo> tensors;
    std::vector<Node> nodes;              // topological order
    std::vector<int32_t> inputs;          // tensor ids, in the order callers pass them
    std::vector<int32_t> outputs;         // tensor ids, in the order TF.js returns them

    int32_t add_tensor(const std::string& name, TensorKind kind, const Shape& shape) {
        tensors.push_back({name, kind, shape, 0});
        return int32_t(tensors.size() - 1);
    }
};

inline const char* op_name(OpType op) {
    static const char* const names[] = {
        "Conv2D", "DepthwiseConv2D", "MatMul", "Add", "Sub", "Mul", "Div", "Maximum", "Minimum",
        "Prelu", "Relu", "Relu6", "LeakyRelu", "Sigmoid", "Tanh", "Abs", "Square", "Sqrt", "Rsqrt",
        "Exp", "Neg", "Softmax", "MaxPool", "AvgPool", "Mean", "Sum", "Max", "Pad", "Concat",
        "Reshape", "StridedSlice", "ResizeBilinear", "DepthToSpace", "Transpose", "MultiScaleFusion"};
    static_assert(sizeof(names) / sizeof(names[0]) == kOpCount, "op_name table out of date");
    int i = int(op);
    return i >= 0 && i < kOpCount ? names[i] : "?";
}

}  // namespace lfr
