// Reference vs fast kernels on the conv/depthwise/matmul shapes of the real models, single-threaded.
// Prints the median time of each (the fast one at every ISA level this CPU runs), GFLOP/s (2 FLOPs
// per multiply-add) and the speedup of the best level over the reference. First it probes one
// core's peak FMA throughput per level, and at the end prints the GFLOP/s of face_recognition_model's
// three heaviest convs (by FLOPs per layer) as a fraction of that peak. Last, the memory-bound ops of
// support/op_cases.h's bench table (pooling, elementwise, ...) with a fast path: ms and GB/s per level,
// and at the best level on 2 threads. `bench_ops NAME-PART` runs only the cases whose name has it;
// `bench_ops --peak` prints only the best level's peak, as "peak_gflops X ISA" (bench/bench_ort.js reads it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lfr/ops/conv.h"
#include "lfr/ops/gemm_kernel.h"
#include "lfr/ops/depthwise.h"
#include "lfr/ops/matmul.h"
#include "op_cases.h"

using namespace lfr;

namespace {

struct Case {
    const char* name;
    OpType op;
    Shape x, w;
    int stride;
    Padding pad;
    bool facerec_top3 = false;  // one of face_recognition_model's three heaviest convs
};

// GFLOP/s of Chains independent FMA chains on vector type V: the best of a few timed bursts. More
// chains than FMA latency x FMA units, so the units never wait.
template <class V, int Chains>
inline double fma_peak() {
    using namespace gemm_detail;
    constexpr int L = sizeof(V) / sizeof(float);
    constexpr int64_t kIters = 1 << 20;
    volatile float seed = 1.f;
    const V m = V{} + seed * 0.999999f, a = V{} + seed * 1e-7f;
    double best = 0;
    for (int rep = 0; rep < 15; ++rep) {
        V acc[Chains];
        for (int c = 0; c < Chains; ++c) acc[c] = V{} + seed * float(c);
        const auto t0 = std::chrono::steady_clock::now();
        for (int64_t i = 0; i < kIters; ++i)
#pragma GCC unroll 32
            for (int c = 0; c < Chains; ++c) acc[c] = acc[c] * m + a;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        float sink = 0;
        for (int c = 0; c < Chains; ++c) sink += acc[c][0];
        seed = sink;  // keeps the chains live
        best = std::max(best, 2.0 * L * Chains * double(kIters) / s * 1e-9);
    }
    return best;
}

#ifdef LFR_HAVE_X86_KERNELS
__attribute__((target("avx512f,avx2,fma"), flatten)) double peak_avx512() { return fma_peak<gemm_detail::v16f, 24>(); }
__attribute__((target("avx2,fma"), flatten)) double peak_avx2() { return fma_peak<gemm_detail::v8f, 12>(); }
#endif

// One core's peak single-precision GFLOP/s at this level (0 where not probed).
double peak_gflops(Isa isa) {
#ifdef LFR_HAVE_X86_KERNELS
    if (isa == Isa::Avx512) return peak_avx512();
    if (isa == Isa::Avx2) return peak_avx2();
#endif
    (void)isa;
    return 0;
}

Tensor pattern(const Shape& s) {
    Tensor t(s);
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float(int64_t(i * 37 % 29) - 14) * 0.125f;
    return t;
}

// Median milliseconds over enough runs to fill about 0.3 s (at least 3).
double median_ms(RunFn fn, const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Isa isa,
                 ThreadPool* pool = nullptr) {
    Workspace ws;
    ws.isa = isa;
    ws.pool = pool;
    auto once = [&] {
        const auto t0 = std::chrono::steady_clock::now();
        fn(node, in, out, ws);
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    };
    const double first = once();
    const int reps = std::max(3, std::min(200, int(300.0 / std::max(first, 1e-3))));
    std::vector<double> t(static_cast<size_t>(reps));
    for (double& v : t) v = once();
    std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
    return t[size_t(reps / 2)];
}

// The op_cases.h bench cases that are neither conv, depthwise nor matmul (the table above) and have a
// fast kernel: reference and fast ms and GB/s (gpu_cases::min_bytes) per level, and 2 threads.
void bench_memory_bound(const std::vector<Isa>& isas) {
    ThreadPool two(2);
    std::printf("\n%-36s %9s %9s", "memory-bound case", "ref ms", "ref GB/s");
    for (Isa isa : isas) std::printf(" %8s ms %6s GB/s", isa_name(isa), isa_name(isa));
    std::printf(" %7s %12s\n", "speedup", "2 threads ms");
    for (const gpu_cases::OpCase& c : gpu_cases::bench_cases()) {
        const OpKernels& k = op_kernels(c.node.op);
        if (!k.fast || is_mac_op(c.node.op)) continue;
        std::vector<Tensor> ins;
        std::vector<ConstTensorView> in;
        for (size_t i = 0; i < c.in.size(); ++i) {
            ins.emplace_back(c.in[i]);
            ins.back().values = gpu_cases::fill(c.in[i].numel(), unsigned(i), true);
        }
        for (const Tensor& t : ins) in.push_back(t.view());
        Tensor out(k.infer(c.node, c.in));
        const double gb = gpu_cases::min_bytes(c, out.shape) * 1e-9;
        const double tr = median_ms(k.reference, c.node, in, out.view(), Isa::Portable);
        std::printf("%-36s %9.3f %9.2f", c.name.c_str(), tr, gb / tr * 1e3);
        double tf = tr;
        for (Isa isa : isas) {
            tf = median_ms(k.fast, c.node, in, out.view(), isa);
            std::printf(" %11.3f %11.2f", tf, gb / tf * 1e3);
        }
        std::printf(" %6.1fx %12.3f\n", tr / tf, median_ms(k.fast, c.node, in, out.view(), isas.back(), &two));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string only = argc > 1 ? argv[1] : "";  // bench_ops [NAME-PART]: only the cases whose name has it
    if (only == "--peak") {
        const Isa best = cpu_isas().back();
        std::printf("peak_gflops %.1f %s\n", peak_gflops(best), isa_name(best));
        return 0;
    }
    const Case cases[] = {
        // face_recognition_model at 150x150 (heaviest per layer: 49, 23 and 21 MFLOP)
        {"facerec conv 7x7/2 150x150x3->32", OpType::Conv2D, {1, 150, 150, 3}, {7, 7, 3, 32}, 2, Padding::Valid, true},
        {"facerec conv 3x3 35x35x32->32", OpType::Conv2D, {1, 35, 35, 32}, {3, 3, 32, 32}, 1, Padding::Same, true},
        {"facerec conv 3x3/2 35x35x32->64", OpType::Conv2D, {1, 35, 35, 32}, {3, 3, 32, 64}, 2, Padding::Valid},
        {"facerec conv 3x3 17x17x64->64", OpType::Conv2D, {1, 17, 17, 64}, {3, 3, 64, 64}, 1, Padding::Same, true},
        {"facerec conv 3x3 8x8x128->128", OpType::Conv2D, {1, 8, 8, 128}, {3, 3, 128, 128}, 1, Padding::Same},
        {"facerec conv 3x3 5x5x256->256", OpType::Conv2D, {1, 5, 5, 256}, {3, 3, 256, 256}, 1, Padding::Same},
        {"facerec conv 3x3 4x4x256->256", OpType::Conv2D, {1, 4, 4, 256}, {3, 3, 256, 256}, 1, Padding::Same},
        {"tinyface conv 3x3 416x416x3->16", OpType::Conv2D, {1, 416, 416, 3}, {3, 3, 3, 16}, 1, Padding::Same},
        {"tinyface 1x1 104x104x32->64", OpType::Conv2D, {1, 104, 104, 32}, {1, 1, 32, 64}, 1, Padding::Valid},
        {"tinyface 1x1 52x52x64->128", OpType::Conv2D, {1, 52, 52, 64}, {1, 1, 64, 128}, 1, Padding::Valid},
        {"tinyface 1x1 13x13x256->512", OpType::Conv2D, {1, 13, 13, 256}, {1, 1, 256, 512}, 1, Padding::Valid},
        {"blazeface 1x1 64x64x24->24", OpType::Conv2D, {1, 64, 64, 24}, {1, 1, 24, 24}, 1, Padding::Valid},
        {"blazeface 1x1 32x32x48->48", OpType::Conv2D, {1, 32, 32, 48}, {1, 1, 48, 48}, 1, Padding::Valid},
        {"tinyface dw 3x3 104x104x32", OpType::DepthwiseConv2D, {1, 104, 104, 32}, {3, 3, 32, 1}, 1, Padding::Same},
        {"blazeface dw 3x3 128x128x24", OpType::DepthwiseConv2D, {1, 128, 128, 24}, {3, 3, 24, 1}, 1, Padding::Same},
        {"blazeface dw 3x3/2 64x64x48", OpType::DepthwiseConv2D, {1, 64, 64, 48}, {3, 3, 48, 1}, 2, Padding::Same},
        {"blazeface dw 5x5 64x64x24", OpType::DepthwiseConv2D, {1, 64, 64, 24}, {5, 5, 24, 1}, 1, Padding::Same},
        {"facerec fc 1x256->128", OpType::MatMul, {1, 256}, {256, 128}, 1, Padding::Valid},
    };
    const std::vector<Isa> isas = cpu_isas();  // every level this CPU runs, best last
    for (Isa isa : isas)
        if (peak_gflops(isa) > 0) std::printf("peak FMA throughput, one core, %s: %.1f GFLOP/s\n", isa_name(isa), peak_gflops(isa));
    std::vector<std::pair<const char*, double>> top3;  // name, GFLOP/s at the best level
    std::printf("%-36s %9s %9s", "case", "ref ms", "ref GF/s");
    for (Isa isa : isas) std::printf(" %8s ms %6s GF/s", isa_name(isa), isa_name(isa));
    std::printf(" %7s\n", "speedup");
    for (const Case& c : cases) {
        if (std::string(c.name).find(only) == std::string::npos) continue;
        Node node;
        node.op = c.op;
        node.attrs.stride_h = node.attrs.stride_w = c.stride;
        node.attrs.padding = c.pad;
        node.attrs.act = Activation::Relu;
        const Tensor x = pattern(c.x), w = pattern(c.w);
        const Tensor b = pattern({c.op == OpType::DepthwiseConv2D ? c.w[2] * c.w[3] : c.w[-1]});
        Shape none;
        none.rank = -1;
        const std::vector<Shape> shapes = {c.x, c.w, b.shape, none};
        const std::vector<ConstTensorView> in = {x.view(), w.view(), b.view(), {nullptr, none}};
        InferFn infer = c.op == OpType::Conv2D ? infer_conv2d : c.op == OpType::MatMul ? infer_matmul : infer_depthwise;
        RunFn ref = c.op == OpType::Conv2D ? conv2d_ref : c.op == OpType::MatMul ? matmul_ref : depthwise_ref;
        RunFn fast = c.op == OpType::Conv2D ? conv2d_fast : c.op == OpType::MatMul ? matmul_fast : depthwise_fast;
        Tensor out(infer(node, shapes));
        // Multiply-adds per output element: the window times input channels (conv) or taps (depthwise).
        const int64_t macs_per_out = c.op == OpType::Conv2D ? c.w[0] * c.w[1] * c.w[2]
                                     : c.op == OpType::MatMul ? c.w[0] : c.w[0] * c.w[1];
        const double gflop = 2.0 * double(out.shape.numel() * macs_per_out) * 1e-9;
        const double tr = median_ms(ref, node, in, out.view(), Isa::Portable);
        std::printf("%-36s %9.3f %9.2f", c.name, tr, gflop / tr * 1e3);
        double tf = tr;
        for (Isa isa : isas) {
            tf = median_ms(fast, node, in, out.view(), isa);
            std::printf(" %11.3f %11.2f", tf, gflop / tf * 1e3);
        }
        std::printf(" %6.1fx\n", tr / tf);
        if (c.facerec_top3) top3.push_back({c.name, gflop / tf * 1e3});
    }
    const double peak = peak_gflops(isas.back());
    if (peak > 0)
        for (const auto& t : top3)
            std::printf("%-36s %.1f GFLOP/s = %.0f%% of the %s peak\n", t.first, t.second, 100 * t.second / peak,
                        isa_name(isas.back()));
    if (only.empty()) bench_memory_bound(isas);
}
