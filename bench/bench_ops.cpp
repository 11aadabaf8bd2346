// Reference vs fast kernels on the conv/depthwise/matmul shapes of the real models, single-threaded.
// Prints the median time of each (the fast one at every ISA level this CPU runs), GFLOP/s (2 FLOPs
// per multiply-add) and the speedup of the best level over the reference.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "lfr/ops/conv.h"
#include "lfr/ops/depthwise.h"
#include "lfr/ops/matmul.h"

using namespace lfr;

namespace {

struct Case {
    const char* name;
    OpType op;
    Shape x, w;
    int stride;
    Padding pad;
};

Tensor pattern(const Shape& s) {
    Tensor t(s);
    for (size_t i = 0; i < t.values.size(); ++i) t.values[i] = float(int64_t(i * 37 % 29) - 14) * 0.125f;
    return t;
}

// Median milliseconds over enough runs to fill about 0.3 s (at least 3).
double median_ms(RunFn fn, const Node& node, const std::vector<ConstTensorView>& in, TensorView out, Isa isa) {
    Workspace ws;
    ws.isa = isa;
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

}  // namespace

int main() {
    const Case cases[] = {
        {"facerec conv 7x7/2 150x150x3->32", OpType::Conv2D, {1, 150, 150, 3}, {7, 7, 3, 32}, 2, Padding::Valid},
        {"facerec conv 3x3 37x37x32->32", OpType::Conv2D, {1, 37, 37, 32}, {3, 3, 32, 32}, 1, Padding::Same},
        {"facerec conv 3x3/2 37x37x32->64", OpType::Conv2D, {1, 37, 37, 32}, {3, 3, 32, 64}, 2, Padding::Valid},
        {"facerec conv 3x3 18x18x64->64", OpType::Conv2D, {1, 18, 18, 64}, {3, 3, 64, 64}, 1, Padding::Same},
        {"facerec conv 3x3 9x9x128->128", OpType::Conv2D, {1, 9, 9, 128}, {3, 3, 128, 128}, 1, Padding::Same},
        {"facerec conv 3x3 5x5x256->256", OpType::Conv2D, {1, 5, 5, 256}, {3, 3, 256, 256}, 1, Padding::Same},
        {"facerec conv 3x3 4x4x256->256", OpType::Conv2D, {1, 4, 4, 256}, {3, 3, 256, 256}, 1, Padding::Same},
        {"tinyface 1x1 104x104x32->64", OpType::Conv2D, {1, 104, 104, 32}, {1, 1, 32, 64}, 1, Padding::Valid},
        {"tinyface 1x1 52x52x64->128", OpType::Conv2D, {1, 52, 52, 64}, {1, 1, 64, 128}, 1, Padding::Valid},
        {"tinyface 1x1 13x13x256->512", OpType::Conv2D, {1, 13, 13, 256}, {1, 1, 256, 512}, 1, Padding::Valid},
        {"tinyface dw 3x3 104x104x32", OpType::DepthwiseConv2D, {1, 104, 104, 32}, {3, 3, 32, 1}, 1, Padding::Same},
        {"blazeface dw 3x3 64x64x24", OpType::DepthwiseConv2D, {1, 64, 64, 24}, {3, 3, 24, 1}, 1, Padding::Same},
        {"blazeface dw 3x3/2 64x64x48", OpType::DepthwiseConv2D, {1, 64, 64, 48}, {3, 3, 48, 1}, 2, Padding::Same},
        {"blazeface dw 5x5 64x64x24", OpType::DepthwiseConv2D, {1, 64, 64, 24}, {5, 5, 24, 1}, 1, Padding::Same},
        {"facerec fc 1x256->128", OpType::MatMul, {1, 256}, {256, 128}, 1, Padding::Valid},
    };
    std::vector<Isa> isas;  // every level this CPU runs, best last
    for (int i = 0; i <= int(cpu_isa()); ++i) isas.push_back(Isa(i));
    std::printf("%-36s %9s %9s", "case", "ref ms", "ref GF/s");
    for (Isa isa : isas) std::printf(" %8s ms %6s GF/s", isa_name(isa), isa_name(isa));
    std::printf(" %7s\n", "speedup");
    for (const Case& c : cases) {
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
    }
}
