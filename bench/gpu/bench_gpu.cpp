// bench_gpu: CUDA kernel and model timings.
//   per kernel (op_cases.h bench table, model-sized shapes): median time over cudaEvent-timed runs,
//     achieved GB/s (inputs + output moved once) and GFLOP/s;
//   fused depthwise-separable blocks against their two kernels, over the zoo's block shapes;
//   per model (models/*.lfr, batch 1 or --batch): median CudaSession::run latency, host copies included, for each
//     depthwise + pointwise fusion policy (off, by shape: the default, always).
// Usage: bench_gpu [--repeat N] [--batch N] [--models-only | --kernels-only]
//   --batch N: the models' free batch dimension (default 1; fixed batches stay as they are).
// Without a CUDA device it prints "no CUDA device" and exits 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lfr/cuda/buffer.h"
#include "lfr/cuda/ops.h"
#include "lfr/cuda/session.h"
#include "op_cases.h"

namespace fs = std::filesystem;
using namespace lfr;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// Median milliseconds of `launch` on the context's stream, each run bracketed by events.
template <class F>
double time_ms(const cuda::Context& ctx, int repeat, F&& launch) {
    cudaEvent_t start, stop;
    LFR_CUDA_CHECK(cudaEventCreate(&start));
    LFR_CUDA_CHECK(cudaEventCreate(&stop));
    for (int i = 0; i < 3; ++i) launch();  // warm up (cuBLAS heuristics, caches)
    std::vector<double> ms;
    for (int i = 0; i < repeat; ++i) {
        LFR_CUDA_CHECK(cudaEventRecord(start, ctx.stream()));
        launch();
        LFR_CUDA_CHECK(cudaEventRecord(stop, ctx.stream()));
        LFR_CUDA_CHECK(cudaEventSynchronize(stop));
        float t = 0.f;
        LFR_CUDA_CHECK(cudaEventElapsedTime(&t, start, stop));
        ms.push_back(double(t));
    }
    (void)cudaEventDestroy(start);
    (void)cudaEventDestroy(stop);
    return median(ms);
}

struct DeviceTensors {
    std::vector<cuda::DeviceBuffer<float>> bufs;
    std::vector<ConstTensorView> views;
    void add(const Shape& s, unsigned salt) {
        if (s.rank < 0) {
            bufs.emplace_back();
            views.push_back({nullptr, s});
            return;
        }
        const std::vector<float> host = gpu_cases::fill(s.numel(), salt, true);
        bufs.push_back(cuda::upload(host.data(), host.size()));
        views.push_back({bufs.back().data(), s});
    }
};

void print_row(const std::string& name, double ms, double bytes, double flops) {
    std::printf("  %-34s %9.4f ms %9.1f GB/s %9.1f GFLOP/s\n", name.c_str(), ms, bytes / ms * 1e-6, flops / ms * 1e-6);
}

struct SeparableTimes {
    double fused, split, flops, bytes, mid_bytes;
};

// One depthwise-separable block timed as the fused kernel and as its two kernels.
SeparableTimes time_separable(const cuda::Context& ctx, int repeat, const gpu_cases::SeparableCase& c) {
    const int64_t C = c.x[3];
    DeviceTensors dw, pw;
    dw.add(c.x, 1);
    dw.add(Shape{3, 3, C, 1}, 2);
    dw.add(c.dw_bias ? Shape{C} : gpu_cases::absent(), 3);
    const Shape mid = op_kernels(OpType::DepthwiseConv2D).infer(c.dw, {c.x, Shape{3, 3, C, 1}, dw.views[2].shape});
    cuda::DeviceBuffer<float> mid_buf(size_t(mid.numel()));
    pw.bufs.emplace_back();
    pw.views.push_back({mid_buf.data(), mid});
    pw.add(Shape{1, 1, C, c.co}, 4);
    pw.add(Shape{c.co}, 5);
    if (c.pw.attrs.act == Activation::Prelu) pw.add(Shape{c.co}, 6);
    const Shape out_shape{mid[0], mid[1], mid[2], c.co};
    cuda::DeviceBuffer<float> out(size_t(out_shape.numel()));
    const TensorView ov{out.data(), out_shape};
    SeparableTimes t;
    t.flops = 2.0 * double(mid.numel()) * (9.0 + double(c.co));
    t.bytes = 4.0 * double(c.x.numel() + out_shape.numel() + C * c.co);
    t.mid_bytes = 8.0 * double(mid.numel());
    t.fused = time_ms(ctx, repeat, [&] { cuda::run_depthwise_pointwise(c.dw, dw.views, c.pw, pw.views, ov, ctx); });
    t.split = time_ms(ctx, repeat, [&] {
        cuda::run_node(c.dw, dw.views, {mid_buf.data(), mid}, ctx);
        cuda::run_node(c.pw, pw.views, ov, ctx);
    });
    return t;
}

void bench_kernels(const cuda::Context& ctx, int repeat) {
    std::printf("kernels (median of %d, cudaEvent):\n", repeat);
    for (const gpu_cases::OpCase& c : gpu_cases::bench_cases()) {
        DeviceTensors in;
        for (size_t i = 0; i < c.in.size(); ++i) in.add(c.in[i], unsigned(i));
        const Shape out_shape = op_kernels(c.node.op).infer(c.node, c.in);
        cuda::DeviceBuffer<float> out(size_t(out_shape.numel()));
        const double ms = time_ms(ctx, repeat, [&] { cuda::run_node(c.node, in.views, {out.data(), out_shape}, ctx); });
        print_row(c.name, ms, gpu_cases::min_bytes(c, out_shape), gpu_cases::flops(c, out_shape));
    }
    std::printf("fused depthwise-separable vs depthwise + pointwise:\n");
    for (const gpu_cases::SeparableCase& c : gpu_cases::separable_cases(true)) {
        const SeparableTimes t = time_separable(ctx, repeat, c);
        print_row(c.name + " fused", t.fused, t.bytes, t.flops);
        print_row(c.name + " split", t.split, t.bytes + t.mid_bytes, t.flops);
    }
    // The shapes of the zoo's depthwise-separable blocks (stride 1, same channels in and out, and
    // doubling ones), to place the fusion rule (depthwise_pointwise_pays).
    std::printf("fused / split ms by shape (HxW, C->Co):\n");
    for (int64_t hw : {96, 48, 24, 12, 6})
        for (const auto& cc : std::vector<std::pair<int64_t, int64_t>>{{16, 16}, {32, 32}, {64, 64}, {128, 128}, {256, 256},
                                                                       {512, 512}, {32, 64}, {64, 128}, {128, 256}}) {
            const std::string name = std::to_string(hw) + "x" + std::to_string(hw) + "x" + std::to_string(cc.first) +
                                     "->" + std::to_string(cc.second);
            const gpu_cases::SeparableCase c = gpu_cases::separable_case(name, {1, hw, hw, cc.first}, cc.second);
            const SeparableTimes t = time_separable(ctx, repeat, c);
            std::printf("  %-22s fused %8.4f  split %8.4f  %s\n", name.c_str(), t.fused, t.split,
                        t.fused < t.split ? "fused" : "split");
        }
}

void bench_models(int repeat, int64_t batch) {
    const fs::path dir = fs::path(LFR_SOURCE_DIR) / "models";
    std::vector<fs::path> files;
    if (fs::exists(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".lfr") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::printf("models (free batch %lld, median of %d CudaSession::run, host copies included; fusion off, by shape "
                "(default), always):\n",
                (long long)batch, repeat);
    if (files.empty()) std::printf("  no models in %s (run scripts/setup.sh)\n", dir.string().c_str());
    for (const fs::path& f : files) {
        try {
            const Model model = Model::load(f.string());
            std::vector<Tensor> inputs;
            for (int32_t id : model.graph().inputs) {
                Shape s = model.graph().tensors[size_t(id)].shape;
                for (int d = 0; d < s.rank; ++d)
                    if (s.dim[d] < 0) s.dim[d] = d == 0 ? batch : 224;  // free sizes: the batch, 224 px
                Tensor t(s);
                t.values = gpu_cases::fill(s.numel(), 7u, true);
                inputs.push_back(std::move(t));
            }
            // Each fusion policy, alternated run by run: none, by shape (the default), every pair.
            const cuda::Fusion policies[] = {cuda::Fusion::Off, cuda::Fusion::ByShape, cuda::Fusion::Always};
            std::vector<std::unique_ptr<cuda::CudaSession>> sessions;
            for (cuda::Fusion f : policies) {
                sessions.push_back(std::make_unique<cuda::CudaSession>(model));
                sessions.back()->set_fusion(f);
                for (int i = 0; i < 3; ++i) sessions.back()->run(views(inputs));
            }
            std::vector<std::vector<double>> ms(sessions.size());
            for (int i = 0; i < repeat; ++i)
                for (size_t k = 0; k < sessions.size(); ++k) {
                    const auto t0 = std::chrono::steady_clock::now();
                    sessions[k]->run(views(inputs));
                    ms[k].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                }
            std::printf("  %-24s %8.3f %8.3f %8.3f ms   %s\n", f.stem().string().c_str(), median(ms[0]), median(ms[1]),
                        median(ms[2]), sessions[1]->placement_summary().c_str());
        } catch (const Error& e) {
            std::printf("  %-28s failed: %s\n", f.stem().string().c_str(), e.what());
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    int repeat = 50;
    int64_t batch = 1;
    bool kernels = true, models = true;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch = std::max(1, std::atoi(argv[++i]));
        else if (!std::strcmp(argv[i], "--models-only")) kernels = false;
        else if (!std::strcmp(argv[i], "--kernels-only")) models = false;
        else {
            std::fprintf(stderr, "usage: bench_gpu [--repeat N] [--batch N] [--models-only | --kernels-only]\n");
            return 2;
        }
    }
    if (!cuda::cuda_available()) {
        std::printf("bench_gpu: no CUDA device present, nothing to measure\n");
        return 0;
    }
    try {
        std::printf("bench_gpu: %s\n", cuda::device_description().c_str());
        const cuda::Context ctx(0);
        if (kernels) bench_kernels(ctx, repeat);
        if (models) bench_models(repeat, batch);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_gpu: %s\n", e.what());
        return 1;
    }
    return 0;
}
