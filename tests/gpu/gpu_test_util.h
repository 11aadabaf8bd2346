// Helpers shared by the GPU tests: deterministic inputs, one node run on either backend into a
// poisoned output, and the parity measure.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lfr/cuda/buffer.h"
#include "lfr/cuda/ops.h"
#include "op_cases.h"
#include "parity.h"

namespace lfr {
namespace gpu_test {

// One stream + cuBLAS handle for every test in the binary.
inline const cuda::Context& context() {
    static cuda::Context ctx(0);
    return ctx;
}

// The case's inputs (an empty Tensor with rank -1 for an absent one).
inline std::vector<Tensor> make_inputs(const gpu_cases::OpCase& c, unsigned seed) {
    std::vector<Tensor> ins;
    for (size_t i = 0; i < c.in.size(); ++i) {
        Tensor t;
        t.shape = c.in[i];
        if (t.shape.rank >= 0) {
            bool pos = false;
            for (int p : c.positive) pos = pos || p == int(i);
            t.values = gpu_cases::fill(t.shape.numel(), seed * 31u + unsigned(i), pos);
        }
        ins.push_back(std::move(t));
    }
    return ins;
}

inline std::vector<Shape> shapes_of(const std::vector<Tensor>& ins) {
    std::vector<Shape> s;
    for (const Tensor& t : ins) s.push_back(t.shape);
    return s;
}

// The CPU reference kernel into an output seeded with junk.
inline Tensor run_cpu(const Node& node, const std::vector<Tensor>& ins) {
    std::vector<ConstTensorView> views;
    for (const Tensor& t : ins) views.push_back({t.shape.rank >= 0 ? t.values.data() : nullptr, t.shape});
    Tensor out(op_kernels(node.op).infer(node, shapes_of(ins)), 12345.f);
    Workspace ws;
    op_kernels(node.op).reference(node, views, out.view(), ws);
    return out;
}

// Device copies of host tensors, kept alive together with their views.
struct DeviceInputs {
    std::vector<cuda::DeviceBuffer<float>> bufs;
    std::vector<ConstTensorView> views;
    explicit DeviceInputs(const std::vector<Tensor>& ins) {
        for (const Tensor& t : ins) {
            if (t.shape.rank < 0) {
                bufs.emplace_back();
                views.push_back({nullptr, t.shape});
                continue;
            }
            bufs.push_back(cuda::upload(t.values.data(), t.values.size()));
            views.push_back({bufs.back().data(), t.shape});
        }
    }
};

// A device output buffer filled with NaN (all bits set), so a kernel that skips an element fails.
inline cuda::DeviceBuffer<float> poisoned(const Shape& s) {
    cuda::DeviceBuffer<float> b(size_t(std::max<int64_t>(s.numel(), 1)));
    LFR_CUDA_CHECK(cudaMemset(b.data(), 0xff, b.bytes()));
    return b;
}

inline Tensor download(const cuda::DeviceBuffer<float>& b, const Shape& s) {
    Tensor t(s);
    cuda::download(b, t.values.data(), t.values.size());
    return t;
}

inline Tensor run_gpu(const Node& node, const std::vector<Tensor>& ins, const Shape& out_shape) {
    DeviceInputs d(ins);
    cuda::DeviceBuffer<float> out = poisoned(out_shape);
    cuda::run_node(node, d.views, {out.data(), out_shape}, context());
    context().synchronize();
    return download(out, out_shape);
}

// Checks parity, and on failure prints the worst element and the first values of both tensors.
inline void check_close(const std::string& what, const Tensor& gpu, const Tensor& cpu, double tol) {
    int64_t worst = -1;
    const double err = parity::relative_error(gpu, cpu, &worst);
    if (err <= tol) return;
    std::string dump;
    for (size_t i = 0; i < std::min<size_t>(8, cpu.values.size()); ++i)
        dump += " (" + std::to_string(gpu.values[i]) + " vs " + std::to_string(cpu.values[i]) + ")";
    FAIL_CHECK(what << ": rel err " << err << " > " << tol << " at element " << worst << " of " << cpu.shape.str()
                    << (worst >= 0 && size_t(worst) < cpu.values.size()
                            ? " (gpu " + std::to_string(gpu.values[size_t(worst)]) + ", cpu " +
                                  std::to_string(cpu.values[size_t(worst)]) + ")"
                            : std::string())
                    << "; first values gpu vs cpu:" << dump);
}

}  // namespace gpu_test
}  // namespace lfr
