// MultiScaleFusion (MSFF, from the LEFV paper): k feature maps of one network, taken at different
// depths, are max-pooled to a common spatial size, concatenated along channels and mixed by a 1x1
// conv (+ bias + activation), as one op. The input/attribute contract is documented at
// OpType::MultiScaleFusion in graph.h:
//
//   in:    x_0 .. x_{k-1} [N,H_i,W_i,C_i], w [sum C_i, Co], bias [Co] (optional: id -1)
//   attrs: ints = [k]; kernel_h/kernel_w = target Ho/Wo (0: the last map's size); act, alpha
//   out:   [N,Ho,Wo,Co] = act(concat_i(maxpool_{H_i/Ho x W_i/Wo}(x_i)) * w + bias)
//
// Reference: pool each map, concatenate, 1x1 conv, exactly as written (easy to check by eye).
// Fast path: the concatenation never exists. For a tile of output pixels, each map's pooled slice
// [rows, C_i] is gathered into a small buffer and multiplied by its own row block of w
// (w + offset_i * Co), accumulating into the output with the GEMM of gemm.h; then the bias +
// activation epilogue. The sum over maps is the GEMM's K loop split at the concat boundaries.
#pragma once
#include <algorithm>
#include <limits>
#include <string>

#include "lfr/ops/epilogue.h"
#include "lfr/ops/gemm.h"
#include "lfr/ops/nd.h"

namespace lfr {

struct MsffGeometry {
    int64_t k = 0;                // number of feature maps
    int64_t N = 0, Ho = 0, Wo = 0;
    int64_t Cs = 0, Co = 0;       // concatenated channels, output channels
    struct Map {
        int64_t H, W, C;          // input size
        int64_t fh, fw;           // pool window = stride
        int64_t offset;           // first row of this map's block in w (= its first concat channel)
    };
    std::vector<Map> maps;
};

// Number of feature maps from attrs.ints (checked against the input count).
inline int64_t msff_map_count(const Node& node, size_t n_inputs) {
    const std::vector<int32_t>& ints = node.attrs.ints;
    LFR_CHECK(ints.size() == 1 && ints[0] >= 1,
              node_msg(node, "MultiScaleFusion needs ints = [k], the number of feature maps (k >= 1)"));
    const int64_t k = ints[0];
    LFR_CHECK(int64_t(n_inputs) == k + 2, node_msg(node, "MultiScaleFusion with k = " + std::to_string(k) +
                                                             " takes k feature maps, w and bias (-1 if absent): " +
                                                             std::to_string(k + 2) + " inputs, got " +
                                                             std::to_string(n_inputs)));
    return k;
}

// Checks the inputs and works out the pooling of each map; throws with the node's name otherwise.
inline MsffGeometry msff_geometry(const Node& node, const std::vector<Shape>& in) {
    const Attrs& a = node.attrs;
    MsffGeometry g;
    g.k = msff_map_count(node, in.size());
    LFR_CHECK(a.act != Activation::Prelu, node_msg(node, "MultiScaleFusion does not support a Prelu activation"));
    for (int64_t i = 0; i < g.k; ++i) {
        LFR_CHECK(has_input(in, size_t(i)), node_msg(node, "feature map " + std::to_string(i) + " is absent"));
        LFR_CHECK(in[size_t(i)].rank == 4,
                  node_msg(node, "feature map " + std::to_string(i) + " must be NHWC, got " + in[size_t(i)].str()));
    }
    const Shape& last = in[size_t(g.k - 1)];
    g.N = last[0];
    g.Ho = a.kernel_h > 0 ? a.kernel_h : last[1];
    g.Wo = a.kernel_w > 0 ? a.kernel_w : last[2];
    LFR_CHECK(a.kernel_h >= 0 && a.kernel_w >= 0 && g.Ho > 0 && g.Wo > 0,
              node_msg(node, "bad target size " + std::to_string(g.Ho) + "x" + std::to_string(g.Wo)));
    for (int64_t i = 0; i < g.k; ++i) {
        const Shape& x = in[size_t(i)];
        LFR_CHECK(x[0] == g.N, node_msg(node, "feature map " + std::to_string(i) + " " + x.str() +
                                                  " has another batch size than " + last.str()));
        LFR_CHECK(x[1] % g.Ho == 0 && x[2] % g.Wo == 0 && x[1] >= g.Ho && x[2] >= g.Wo,
                  node_msg(node, "feature map " + std::to_string(i) + " " + x.str() + " does not pool evenly to " +
                                     std::to_string(g.Ho) + "x" + std::to_string(g.Wo)));
        g.maps.push_back({x[1], x[2], x[3], x[1] / g.Ho, x[2] / g.Wo, g.Cs});
        g.Cs += x[3];
    }
    const size_t wi = size_t(g.k), bi = wi + 1;
    LFR_CHECK(has_input(in, wi) && in[wi].rank == 2 && in[wi][0] == g.Cs,
              node_msg(node, "w must be [sum C_i = " + std::to_string(g.Cs) + ", Co], got " +
                                 (has_input(in, wi) ? in[wi].str() : std::string("nothing"))));
    g.Co = in[wi][1];
    LFR_CHECK(!has_input(in, bi) || in[bi].numel() == g.Co,
              node_msg(node, "bias " + in[bi].str() + " needs " + std::to_string(g.Co) + " values"));
    return g;
}

inline Shape infer_msff(const Node& node, const std::vector<Shape>& in) {
    const MsffGeometry g = msff_geometry(node, in);
    return {g.N, g.Ho, g.Wo, g.Co};
}

namespace msff_detail {

inline std::vector<Shape> shapes_of(const std::vector<ConstTensorView>& in) {
    std::vector<Shape> s;
    for (const ConstTensorView& t : in) {
        Shape sh = t.shape;
        if (!t.data) sh.rank = -1;
        s.push_back(sh);
    }
    return s;
}

// Max over map m's window for output pixel p = (n, oy, ox) flattened, all C channels, into o.
// Cells visited row by row from -inf, as MaxPool's reference does.
inline void pool_pixel(const MsffGeometry& g, const MsffGeometry::Map& m, const float* x, int64_t p, float* o) {
    const int64_t ox = p % g.Wo, oy = p / g.Wo % g.Ho, n = p / (g.Wo * g.Ho);
    std::fill(o, o + m.C, -std::numeric_limits<float>::infinity());
    for (int64_t y = oy * m.fh; y < (oy + 1) * m.fh; ++y)
        for (int64_t xx = ox * m.fw; xx < (ox + 1) * m.fw; ++xx) {
            const float* q = x + ((n * m.H + y) * m.W + xx) * m.C;
            for (int64_t c = 0; c < m.C; ++c) o[c] = std::max(o[c], q[c]);
        }
}

constexpr int64_t kTileFloats = 64 * 1024;  // pooled slice per tile: 256 KiB at most
constexpr int64_t kMinTileRows = 120;

}  // namespace msff_detail

// Pool every map into one concatenated [N*Ho*Wo, Cs] matrix, then a plain 1x1 conv.
inline void msff_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const MsffGeometry g = msff_geometry(node, msff_detail::shapes_of(in));
    const int64_t P = g.N * g.Ho * g.Wo;
    std::vector<float> cat(size_t(P * g.Cs));
    for (int64_t i = 0; i < g.k; ++i) {
        const MsffGeometry::Map& m = g.maps[size_t(i)];
        std::vector<float> pooled(size_t(m.C));
        for (int64_t p = 0; p < P; ++p) {
            msff_detail::pool_pixel(g, m, in[size_t(i)].data, p, pooled.data());
            std::copy(pooled.begin(), pooled.end(), cat.begin() + p * g.Cs + m.offset);
        }
    }
    const float* w = in[size_t(g.k)].data;
    const float* bias = has_input(in, size_t(g.k + 1)) ? in[size_t(g.k + 1)].data : nullptr;
    for (int64_t p = 0; p < P; ++p)
        for (int64_t co = 0; co < g.Co; ++co) {
            float acc = bias ? bias[co] : 0.f;
            for (int64_t c = 0; c < g.Cs; ++c) acc += cat[size_t(p * g.Cs + c)] * w[c * g.Co + co];
            out.data[p * g.Co + co] = activate(acc, node.attrs.act, node.attrs.alpha);
        }
}

// Per tile of output pixels: per map, pool its slice and accumulate slice * w_block into the
// output rows (GEMM, K = C_i); then bias + activation. Scratch: GEMM panels + one pooled slice.
inline void msff_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    using namespace msff_detail;
    const MsffGeometry g = msff_geometry(node, shapes_of(in));
    const int64_t P = g.N * g.Ho * g.Wo;
    int64_t max_c = 1;
    for (const auto& m : g.maps) max_c = std::max(max_c, m.C);
    const int64_t tile = std::min(P, std::max(kMinTileRows, kTileFloats / max_c));
    const int64_t gemm_floats = sgemm_scratch_floats(g.Co, max_c);
    float* scratch = ws.floats(size_t(gemm_floats + tile * max_c));
    float* pooled = scratch + gemm_floats;
    const float* w = in[size_t(g.k)].data;
    const float* bias = has_input(in, size_t(g.k + 1)) ? in[size_t(g.k + 1)].data : nullptr;
    for (int64_t p0 = 0; p0 < P; p0 += tile) {
        const int64_t rows = std::min(tile, P - p0);
        float* y = out.data + p0 * g.Co;
        for (int64_t i = 0; i < g.k; ++i) {
            const MsffGeometry::Map& m = g.maps[size_t(i)];
            const float* a = pooled;
            if (m.fh == 1 && m.fw == 1 && m.H == g.Ho && m.W == g.Wo) {
                a = in[size_t(i)].data + p0 * m.C;  // already at the target size: its rows are the slice
            } else {
                for (int64_t r = 0; r < rows; ++r) pool_pixel(g, m, in[size_t(i)].data, p0 + r, pooled + r * m.C);
            }
            // i > 0 accumulates; sgemm with K = 0 (an empty map) zeroes or leaves y as it should.
            sgemm(rows, g.Co, m.C, a, m.C, w + m.offset * g.Co, g.Co, y, g.Co, i > 0, scratch, ws.isa);
        }
        bias_activate(y, rows, g.Co, bias, node.attrs.act, node.attrs.alpha, nullptr);
    }
}

}  // namespace lfr
