// From graph nodes to kernel launches: geometry comes from the same helpers the CPU kernels use
// (conv_geometry, window_h/w, broadcast strides), so both backends agree on every shape.
#include <climits>
#include <string>

#include "conv.cuh"
#include "depthwise.cuh"
#include "elementwise.cuh"
#include "layout.cuh"
#include "lfr/cuda/ops.h"
#include "lfr/ops/registry.h"
#include "msff.cuh"
#include "pool.cuh"

namespace lfr {
namespace cuda {

static_assert(int(Activation::None) == kActNone && int(Activation::Relu) == kActRelu &&
                  int(Activation::Relu6) == kActRelu6 && int(Activation::Leaky) == kActLeaky &&
                  int(Activation::Prelu) == kActPrelu && int(Activation::Sigmoid) == kActSigmoid,
              "kernels/common.cuh ActKind out of step with lfr::Activation");
static_assert(kMaxDims == kMaxRank, "kernels/common.cuh kMaxDims out of step with lfr::kMaxRank");

namespace {

Dims to_dims(const Shape& s) {
    Dims d{};
    d.rank = s.rank;
    for (int i = 0; i < s.rank; ++i) d.dim[i] = int(s.dim[i]);
    return d;
}

Strides6 to_strides(const lfr::Strides& s, int rank) {
    Strides6 r{};
    for (int i = 0; i < rank; ++i) r.st[i] = int(s[i]);
    return r;
}

const float* opt(const std::vector<ConstTensorView>& in, size_t i) { return has_input(in, i) ? in[i].data : nullptr; }

bool is_binary(OpType op) { return op >= OpType::Add && op <= OpType::Prelu; }
bool is_unary(OpType op) { return op >= OpType::Relu && op <= OpType::Neg; }

int binary_code(OpType op) {
    switch (op) {
        case OpType::Add: return kAdd;
        case OpType::Sub: return kSub;
        case OpType::Mul: return kMul;
        case OpType::Div: return kDiv;
        case OpType::Maximum: return kMaximum;
        case OpType::Minimum: return kMinimum;
        default: return kPreluOp;
    }
}

int unary_code(OpType op) { return int(op) - int(OpType::Relu); }  // same order as UnaryOp
static_assert(int(OpType::Neg) - int(OpType::Relu) == kNeg && int(OpType::Sqrt) - int(OpType::Relu) == kSqrt,
              "UnaryOp (kernels/elementwise.cuh) must follow OpType's order Relu..Neg");

ConvParams conv_params(const Node& node, const Shape& x, const Shape& w, int64_t co) {
    const ConvGeometry g = conv_geometry(node.attrs, x, w);
    return {int(g.N), int(g.H), int(g.W), int(g.C), int(g.KH), int(g.KW), int(g.OH), int(g.OW),
            int(g.sh), int(g.sw), int(g.pt), int(g.pl), int(g.dh), int(g.dw), int(co), int(node.attrs.act),
            node.attrs.alpha};
}

// A 1x1 stride-1 conv with no padding: the NHWC input is already the GEMM's left matrix.
bool is_direct_1x1(const Node& node, const Shape& x, const Shape& w) {
    const ConvGeometry g = conv_geometry(node.attrs, x, w);
    return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 && g.OH == g.H && g.OW == g.W;
}

bool is_hw_reduce(const Node& node, const Shape& x) {
    const std::vector<int32_t>& ax = node.attrs.ints;
    return x.rank == 4 && ax.size() == 2 && std::min(ax[0], ax[1]) == 1 && std::max(ax[0], ax[1]) == 2;
}

}  // namespace

bool supports(const Node& node, const std::vector<Shape>& in) {
    Shape out;
    try {
        out = op_kernels(node.op).infer(node, in);
    } catch (const Error&) {
        return false;
    }
    if (out.numel() >= INT_MAX) return false;
    for (const Shape& s : in)
        if (s.rank >= 0 && s.numel() >= INT_MAX) return false;
    switch (node.op) {
        case OpType::Mean:
        case OpType::Sum:
        case OpType::Max: return is_hw_reduce(node, in[0]);
        case OpType::ResizeBilinear: return false;
        case OpType::MultiScaleFusion: return node.attrs.ints[0] <= kMsffMaxMaps;  // ints checked by infer
        default: return true;
    }
}

void run_node(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, const Context& ctx) {
    std::vector<Shape> shapes;
    for (const ConstTensorView& t : in) shapes.push_back(t.data ? t.shape : Shape{});
    for (size_t i = 0; i < in.size(); ++i)
        if (!in[i].data) shapes[i].rank = -1;
    LFR_CHECK(supports(node, shapes), "lfr::cuda::run_node: no CUDA kernel for node " + node.name + " (" +
                                          op_name(node.op) + ")");
    const cudaStream_t s = ctx.stream();
    const Attrs& a = node.attrs;
    const OpType op = node.op;
    if (op == OpType::Conv2D) {
        const Shape &x = in[0].shape, &w = in[1].shape;
        if (is_direct_1x1(node, x, w))
            return gemm_bias_act(ctx.blas(), s, int(x[0] * x[1] * x[2]), int(x[3]), int(w[3]), in[0].data, in[1].data,
                                 opt(in, 2), opt(in, 3), int(a.act), a.alpha, out.data);
        return launch_conv2d(conv_params(node, x, w, w[3]), in[0].data, in[1].data, opt(in, 2), opt(in, 3), out.data, s);
    }
    if (op == OpType::DepthwiseConv2D) {
        const Shape &x = in[0].shape, &w = in[1].shape;
        return launch_depthwise(conv_params(node, x, w, w[2] * w[3]), int(w[3]), in[0].data, in[1].data, opt(in, 2),
                                opt(in, 3), out.data, s);
    }
    if (op == OpType::MatMul) {
        const Shape& w = in[1].shape;
        return gemm_bias_act(ctx.blas(), s, int(in[0].shape[0]), int(w[0]), int(w[1]), in[0].data, in[1].data,
                             opt(in, 2), opt(in, 3), int(a.act), a.alpha, out.data);
    }
    if (is_binary(op)) {
        const int code = binary_code(op);
        const int64_t pa = detail::broadcast_period(in[0].shape, out.shape);
        const int64_t pb = detail::broadcast_period(in[1].shape, out.shape);
        if (pa > 0 && pb > 0)
            return launch_binary_periodic(code, out.numel(), in[0].data, pa, in[1].data, pb, int(a.act), a.alpha,
                                          out.data, s);
        const int r = out.shape.rank;
        return launch_binary_strided(code, to_dims(out.shape), to_strides(broadcast_strides(in[0].shape, out.shape), r),
                                     to_strides(broadcast_strides(in[1].shape, out.shape), r), in[0].data, in[1].data,
                                     int(a.act), a.alpha, out.data, s);
    }
    if (is_unary(op)) return launch_unary(unary_code(op), out.numel(), in[0].data, a.alpha, out.data, s);
    switch (op) {
        case OpType::Softmax: {
            const int64_t c = out.shape[-1];
            return launch_softmax(c ? out.numel() / c : 0, int(c), in[0].data, out.data, s);
        }
        case OpType::MaxPool:
        case OpType::AvgPool: {
            const Shape& x = in[0].shape;
            const Window1D wy = window_h(a, x[1], a.kernel_h), wx = window_w(a, x[2], a.kernel_w);
            const PoolParams p{int(x[0]), int(x[1]), int(x[2]), int(x[3]), int(wy.out), int(wx.out),
                               a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, int(wy.pad_before), int(wx.pad_before)};
            return launch_pool(op == OpType::MaxPool, p, in[0].data, out.data, s);
        }
        case OpType::Mean:
        case OpType::Sum:
        case OpType::Max: {
            const Shape& x = in[0].shape;
            const int code = op == OpType::Mean ? kReduceMean : op == OpType::Sum ? kReduceSum : kReduceMax;
            return launch_reduce_hw(code, int(x[0]), int(x[1] * x[2]), int(x[3]), in[0].data, out.data, s);
        }
        case OpType::Pad: {
            int before[kMaxDims] = {};
            for (int d = 0; d < out.shape.rank; ++d) before[d] = a.ints[size_t(2 * d)];
            return launch_pad(to_dims(in[0].shape), to_dims(out.shape), before, a.value, in[0].data, out.data, s);
        }
        case OpType::Concat: {
            int64_t outer = 1;
            for (int d = 0; d < a.axis; ++d) outer *= out.shape[d];
            const int64_t row = outer ? out.numel() / outer : 0;
            int64_t at = 0;
            for (const ConstTensorView& x : in) {
                const int64_t block = outer ? x.numel() / outer : 0;
                copy_blocks(outer, block, row, x.data, out.data + at, s);
                at += block;
            }
            return;
        }
        case OpType::Reshape: return copy_floats(out.numel(), in[0].data, out.data, s);
        case OpType::StridedSlice: {
            const Shape& x = in[0].shape;
            const Shape ext = detail::slice_extent(node, x);
            lfr::Strides xst = row_major_strides(x);
            int64_t first = 0;
            for (int d = 0; d < x.rank; ++d) {
                first += a.ints[size_t(d)] * xst[d];
                xst[d] *= a.ints[size_t(2 * x.rank + d)];
            }
            return launch_gather(to_dims(ext), to_strides(xst, x.rank), first, in[0].data, out.data, s);
        }
        case OpType::Transpose: {
            const lfr::Strides xst = row_major_strides(in[0].shape);
            lfr::Strides st{};
            for (int i = 0; i < out.shape.rank; ++i) st[i] = xst[a.ints[size_t(i)]];
            return launch_gather(to_dims(out.shape), to_strides(st, out.shape.rank), 0, in[0].data, out.data, s);
        }
        case OpType::DepthToSpace: {  // as depth_to_space_ref: a transpose of a 6-d view
            const Shape& x = in[0].shape;
            const int64_t b = a.kernel_h, c = out.shape[3];
            const Shape view{x[0], x[1], b, x[2], b, c};
            const lfr::Strides xst = {x[1] * x[2] * x[3], x[2] * x[3], b * c, x[3], c, 1};
            return launch_gather(to_dims(view), to_strides(xst, 6), 0, in[0].data, out.data, s);
        }
        case OpType::MultiScaleFusion: {
            const MsffGeometry g = msff_geometry(node, shapes);
            MsffParams p{};
            p.k = int(g.k);
            p.N = int(g.N), p.Ho = int(g.Ho), p.Wo = int(g.Wo), p.Co = int(g.Co);
            for (int i = 0; i < p.k; ++i) {
                const MsffGeometry::Map& m = g.maps[size_t(i)];
                p.x[i] = in[size_t(i)].data;
                p.H[i] = int(m.H), p.W[i] = int(m.W), p.C[i] = int(m.C);
                p.fh[i] = int(m.fh), p.fw[i] = int(m.fw), p.offset[i] = int(m.offset);
            }
            p.act = int(a.act);
            p.alpha = a.alpha;
            return launch_msff(p, in[size_t(g.k)].data, opt(in, size_t(g.k + 1)), out.data, s);
        }
        default: throw Error(std::string("lfr::cuda::run_node: unhandled op ") + op_name(op));
    }
}

bool supports_depthwise_pointwise(const Node& dw, const std::vector<Shape>& dw_in, const Node& pw,
                                  const std::vector<Shape>& pw_in) {
    if (dw.op != OpType::DepthwiseConv2D || pw.op != OpType::Conv2D) return false;
    if (!supports(dw, dw_in) || !supports(pw, pw_in)) return false;
    if (dw_in[1][3] != 1) return false;  // channel multiplier
    return is_direct_1x1(pw, pw_in[0], pw_in[1]);
}

// The fused kernel walks the input channels serially in each block, so its time grows with C while the
// two separate kernels stay near their launch cost. On an H200 (bench_gpu's sweep, GPU time): fused wins
// for every C <= 32 (96x96 to 6x6), C = 64 is even up to 12x12, and from C = 128 it is 11-16 us slower at
// 12x12 and below and 2-4x slower above. Within a model at batch 1 a node costs about 8 us (facemesh: 116
// nodes in 1 ms), so one launch fewer is worth a little extra kernel time: facemesh and iris ran faster
// with every pair fused than with pairs of at most 64 output channels.
bool depthwise_pointwise_pays(const std::vector<Shape>& pw_in) {
    const Shape& mid = pw_in[0];  // the depthwise output: [N, H, W, C]
    const int64_t pixels = mid[0] * mid[1] * mid[2], channels = mid[3];
    return channels <= 64 || (channels <= 128 && pixels <= 144);
}

void run_depthwise_pointwise(const Node& dw, const std::vector<ConstTensorView>& dw_in, const Node& pw,
                             const std::vector<ConstTensorView>& pw_in, TensorView out, const Context& ctx) {
    const Shape &x = dw_in[0].shape, &w = dw_in[1].shape;
    const ConvParams p = conv_params(dw, x, w, w[2]);
    const PointwiseParams q{int(pw_in[1].shape[3]), int(pw.attrs.act), pw.attrs.alpha};
    launch_depthwise_pointwise(p, dw_in[0].data, dw_in[1].data, opt(dw_in, 2), opt(dw_in, 3), q, pw_in[1].data,
                               opt(pw_in, 2), opt(pw_in, 3), out.data, ctx.stream());
}

}  // namespace cuda
}  // namespace lfr
