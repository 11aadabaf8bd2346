// MatMul: x [N,K] * w [K,M] + bias [M] (optional), then the fused activation (Prelu slopes [M] as
// input 3). x of higher rank is flattened to [N, K] with N = its first dimension (a dense layer on
// a pooled [N,1,1,K] map), so the output is always [N, M].
#pragma once
#include <string>

#include "lfr/ops/activation.h"
#include "lfr/ops/gemm.h"
#include "lfr/ops/op.h"

namespace lfr {

inline Shape infer_matmul(const Node& node, const std::vector<Shape>& in) {
    LFR_CHECK(in.size() >= 2 && has_input(in, 0) && has_input(in, 1), "MatMul needs x and w");
    const Shape &x = in[0], &w = in[1];
    LFR_CHECK(w.rank == 2, "MatMul w must be [K,M], got " + w.str());
    LFR_CHECK(x.rank >= 1 && x.numel() == x[0] * w[0],
              "MatMul x " + x.str() + " does not flatten to [" + std::to_string(x[0]) + "," + std::to_string(w[0]) + "]");
    LFR_CHECK(!has_input(in, 2) || in[2].numel() == w[1], "MatMul bias " + in[2].str() + " does not match w " + w.str());
    const bool prelu = node.attrs.act == Activation::Prelu;
    LFR_CHECK(prelu == has_input(in, 3), "MatMul: prelu alpha is given exactly when act is Prelu");
    LFR_CHECK(!prelu || in[3].numel() == w[1], "MatMul prelu alpha " + in[3].str() + " does not match w " + w.str());
    return {x[0], w[1]};
}

inline void matmul_ref(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace&) {
    const Attrs& a = node.attrs;
    const int64_t N = in[0].shape[0], K = in[1].shape[0], M = in[1].shape[1];
    const float *x = in[0].data, *w = in[1].data;
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < M; ++j) {
            float acc = has_input(in, 2) ? in[2].data[j] : 0.f;
            for (int64_t k = 0; k < K; ++k) acc += x[i * K + k] * w[k * M + j];
            out.data[i * M + j] = activate(acc, a.act, a.alpha, has_input(in, 3) ? in[3].data[j] : 0.f);
        }
}

inline void matmul_fast(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Workspace& ws) {
    const Attrs& a = node.attrs;
    const int64_t N = in[0].shape[0], K = in[1].shape[0], M = in[1].shape[1];
    float* scratch = ws.floats(size_t(sgemm_scratch_floats(M, K)));
    GemmArgs g{N, M, K, in[0].data, K, in[1].data, M, out.data, M, false, {}, ws.packed ? *ws.packed : PackedB{}};
    g.ep.bias = has_input(in, 2) ? in[2].data : nullptr;
    g.ep.act = a.act;
    g.ep.alpha = a.alpha;
    g.ep.prelu = has_input(in, 3) ? in[3].data : nullptr;
    sgemm(g, scratch, ws.isa);
}

}  // namespace lfr
