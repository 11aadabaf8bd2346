// A LEFV-shaped face embedder (Lightweight Efficient Face Verification: four strided blocks, a
// multi-scale feature fusion, global pooling, a 128-d embedding), built in code for benchmarks.
//
// THE WEIGHTS ARE RANDOM (a fixed-seed generator; every tensor is named "random/..."). This is a
// kernel and graph benchmark with the paper's shapes, never a face model: its "descriptors" mean
// nothing. bench_lefv --export-lefv PATH writes it as a .lfr file (for bench/pytorch_twin.py).
//
//   input [N,112,112,3]
//   4 blocks, filters 32/64/128/256, each:
//     conv 3x3 stride 2 SAME + bias + leaky(0.1)          -> c   [N,H/2,W/2,F]
//     depthwise 3x3 SAME + bias, pointwise 1x1 + bias     -> r
//     add(c, r) + leaky(0.1)  (the residual unit)         -> block output (56, 28, 14, 7 for 112)
//   MultiScaleFusion of the 4 block outputs (max-pool to 7x7, concat 480, 1x1 -> 960) + leaky
//   mean over H,W -> [N,960]; fc 960 -> 128 + bias        -> "embedding"
#pragma once
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lfr/format/builder.h"

namespace lfr {
namespace bench {

constexpr float kLefvLeaky = 0.1f;
constexpr int kLefvFilters[4] = {32, 64, 128, 256};
constexpr int kLefvFusion = 960, kLefvEmbedding = 128;

// Uniform in [-s, s] with s = sqrt(3 / fan_in): unit-variance activations stay in range.
inline std::vector<float> lefv_random(std::mt19937& rng, int64_t n, int64_t fan_in) {
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    const float s = std::sqrt(3.f / float(fan_in));
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = u(rng) * s;
    return v;
}

// input_size: the square input's side (a multiple of 16). Batch is free (-1).
inline tools::ConvertedModel lefv_random_model(int input_size = 112, uint32_t seed = 20240601u) {
    LFR_CHECK(input_size > 0 && input_size % 16 == 0, "LEFV input size must be a multiple of 16");
    tools::ConvertedModel m;
    std::mt19937 rng(seed);
    auto weight = [&](const std::string& name, Shape s, int64_t fan_in) {
        return m.weight("random/" + name, s, lefv_random(rng, s.numel(), fan_in));
    };
    auto bias = [&](const std::string& name, int64_t n) {  // small, so the residual sums stay centred
        std::vector<float> v = lefv_random(rng, n, 1);
        for (float& x : v) x *= 0.05f;
        return m.weight("random/" + name, Shape{n}, v);
    };
    Attrs leaky;
    leaky.act = Activation::Leaky;
    leaky.alpha = kLefvLeaky;

    int32_t x = m.input("input", Shape{-1, input_size, input_size, 3});
    int64_t c = 3;
    std::vector<int32_t> blocks;
    for (int b = 0; b < 4; ++b) {
        const int64_t f = kLefvFilters[b];
        const std::string p = "block" + std::to_string(b + 1) + "/";
        Attrs conv = leaky;
        conv.stride_h = conv.stride_w = 2;
        conv.padding = Padding::Same;
        const int32_t y = m.node(OpType::Conv2D, p + "conv3x3s2",
                                 {x, weight(p + "conv/w", {3, 3, c, f}, 9 * c), bias(p + "conv/b", f)}, conv);
        Attrs dw;
        dw.padding = Padding::Same;
        const int32_t d = m.node(OpType::DepthwiseConv2D, p + "dw3x3",
                                 {y, weight(p + "dw/w", {3, 3, f, 1}, 9), bias(p + "dw/b", f)}, dw);
        const int32_t q = m.node(OpType::Conv2D, p + "pw1x1", {d, weight(p + "pw/w", {1, 1, f, f}, f), bias(p + "pw/b", f)});
        x = m.node(OpType::Add, p + "residual", {y, q}, leaky);
        blocks.push_back(x);
        c = f;
    }
    int64_t cs = 0;
    for (int f : kLefvFilters) cs += f;
    Attrs fuse = leaky;
    fuse.ints = {int32_t(blocks.size())};  // target size: the last block's (7x7 for 112)
    std::vector<int32_t> ins = blocks;
    ins.push_back(weight("msff/w", {cs, kLefvFusion}, cs));
    ins.push_back(bias("msff/b", kLefvFusion));
    const int32_t fused = m.node(OpType::MultiScaleFusion, "msff", ins, fuse);
    Attrs mean;
    mean.ints = {1, 2};
    const int32_t gap = m.node(OpType::Mean, "global_avg_pool", {fused}, mean);
    const int32_t emb = m.node(OpType::MatMul, "embedding",
                               {gap, weight("fc/w", {kLefvFusion, kLefvEmbedding}, kLefvFusion),
                                bias("fc/b", kLefvEmbedding)});
    m.output(emb);
    return m;
}

}  // namespace bench
}  // namespace lfr
