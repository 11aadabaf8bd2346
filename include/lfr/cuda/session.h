// CudaSession: runs a Model on one CUDA device and stream, with the CPU kernels as a transparent
// fallback for any node that has no CUDA kernel for its shapes.
//
// - Weights are uploaded once, at construction, into one device buffer.
// - Intermediates live in one device arena laid out by the CPU executor's memory plan
//   (Session::make_plan: shapes + liveness packing), re-packed with plan_offsets only where
//   depthwise+pointwise fusion stretches a lifetime.
// - Inputs and outputs go through pinned host staging buffers, one async copy each way per run.
// - A node without a CUDA kernel (cuda::supports() false) has its inputs copied to a pinned host
//   mirror of the arena (only those not already there), runs its CPU kernel (fast if any, else the
//   reference) and has its output copied back.
// Like Session: the Model must outlive it; one thread at a time (make one per thread).
#pragma once
#include <cstring>
#include <string>
#include <vector>

#include "lfr/cuda/buffer.h"
#include "lfr/cuda/device.h"
#include "lfr/cuda/ops.h"
#include "lfr/runtime/executor.h"

namespace lfr {
namespace cuda {

enum class Placement : uint8_t {
    Cuda,            // a CUDA kernel
    FusedIntoNext,   // a depthwise conv computed inside a later pointwise node's fused kernel
    FusedPointwise,  // a 1x1 conv running the fused depthwise+pointwise kernel
    Cpu,             // the CPU kernel, inputs and output copied across
};

// Which depthwise + pointwise pairs run as one fused kernel: none, those where it is the faster choice
// (depthwise_pointwise_pays, the default), or every pair the kernel supports (for measuring).
enum class Fusion { Off, ByShape, Always };

class CudaSession : public Runner {
public:
    explicit CudaSession(const Model& model, int device = 0) : model_(&model), cpu_(model, plan_only()), ctx_(device) {
        upload_weights();
    }
    CudaSession(const CudaSession&) = delete;
    CudaSession& operator=(const CudaSession&) = delete;

    // Depthwise+pointwise fusion (Fusion::ByShape by default). Changing it re-plans at the next run.
    void set_fusion(Fusion f) {
        if (f != fusion_) plan_valid_ = false;
        fusion_ = f;
    }

    // Runs the model on host inputs in graph input order; returns host outputs in graph output order.
    std::vector<Tensor> run(const std::vector<ConstTensorView>& inputs) override {
        const Graph& g = model_->graph();
        check_model_inputs(*model_, inputs);
        prepare(inputs);
        const cudaStream_t s = ctx_.stream();
        host_valid_.assign(g.tensors.size(), 0);
        for (size_t i = 0; i < g.inputs.size(); ++i) host_inputs_[i] = inputs[i].data;

        // Inputs: host -> pinned -> device, one copy.
        for (size_t i = 0; i < inputs.size(); ++i)
            std::memcpy(in_stage_.data() + in_off_[i], inputs[i].data, size_t(inputs[i].numel()) * sizeof(float));
        if (in_floats_) LFR_CUDA_CHECK(cudaMemcpyAsync(inputs_dev_.data(), in_stage_.data(), size_t(in_floats_) * 4,
                                                       cudaMemcpyHostToDevice, s));

        std::vector<ConstTensorView> ins, dw_ins;
        for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
            const Node& n = g.nodes[ni];
            const int32_t o = n.outputs[0];
            const Placement where = placement_[ni];
            if (where == Placement::FusedIntoNext) continue;
            if (where == Placement::Cpu) {
                run_on_cpu(n);
                continue;
            }
            device_views(n, ins);
            TensorView out{dev_ptr(o), plan_.shapes[size_t(o)]};
            if (where == Placement::Cuda) {
                run_node(n, ins, out, ctx_);
            } else {
                const Node& dw = g.nodes[size_t(fused_dw_[ni])];
                device_views(dw, dw_ins);
                run_depthwise_pointwise(dw, dw_ins, n, ins, out, ctx_);
            }
        }

        // Outputs: device -> pinned, one sync, -> tensors.
        for (size_t i = 0; i < g.outputs.size(); ++i) {
            const int32_t id = g.outputs[i];
            const size_t bytes = size_t(plan_.shapes[size_t(id)].numel()) * sizeof(float);
            if (bytes) LFR_CUDA_CHECK(cudaMemcpyAsync(out_stage_.data() + out_off_[i], dev_ptr(id), bytes,
                                                      cudaMemcpyDeviceToHost, s));
        }
        ctx_.synchronize();
        std::vector<Tensor> outs;
        for (size_t i = 0; i < g.outputs.size(); ++i) {
            Tensor t(plan_.shapes[size_t(g.outputs[i])]);
            std::memcpy(t.values.data(), out_stage_.data() + out_off_[i], t.values.size() * sizeof(float));
            outs.push_back(std::move(t));
        }
        return outs;
    }

    const MemoryPlan& plan() const { return plan_; }
    const std::vector<Placement>& placement() const { return placement_; }  // per node, current plan
    const Context& context() const { return ctx_; }
    size_t weight_bytes_on_device() const { return weights_dev_.bytes(); }

    // "27 nodes: 25 CUDA (6 fused pairs), 2 CPU (ResizeBilinear)" for the current plan.
    std::string placement_summary() const {
        int cuda = 0, fused = 0, cpu = 0;
        std::string cpu_ops;
        for (size_t i = 0; i < placement_.size(); ++i) {
            switch (placement_[i]) {
                case Placement::Cuda: ++cuda; break;
                case Placement::FusedIntoNext: ++cuda; break;
                case Placement::FusedPointwise: ++cuda, ++fused; break;
                case Placement::Cpu: {
                    ++cpu;
                    const std::string name = op_name(model_->graph().nodes[i].op);
                    if (cpu_ops.find(name) == std::string::npos) cpu_ops += (cpu_ops.empty() ? "" : ", ") + name;
                    break;
                }
            }
        }
        return std::to_string(placement_.size()) + " nodes: " + std::to_string(cuda) + " CUDA (" +
               std::to_string(fused) + " fused pairs), " + std::to_string(cpu) + " CPU" +
               (cpu ? " (" + cpu_ops + ")" : std::string());
    }

private:
    void upload_weights() {
        const Graph& g = model_->graph();
        weight_off_.assign(g.tensors.size(), -1);
        int64_t total = 0;
        for (size_t i = 0; i < g.tensors.size(); ++i)
            if (g.tensors[i].kind == TensorKind::Weight) {
                weight_off_[i] = total;
                total += (g.tensors[i].shape.numel() + 15) / 16 * 16;  // 64-byte aligned
            }
        std::vector<float> host(size_t(total), 0.f);
        for (size_t i = 0; i < g.tensors.size(); ++i)
            if (weight_off_[i] >= 0)
                std::memcpy(host.data() + weight_off_[i], model_->weight(int32_t(i)),
                            size_t(g.tensors[i].shape.numel()) * sizeof(float));
        weights_dev_ = upload(host.data(), host.size());
    }


    std::vector<Shape> node_shapes(const Node& n) const {
        std::vector<Shape> v;
        for (int32_t id : n.inputs) v.push_back(id < 0 ? absent_shape() : plan_.shapes[size_t(id)]);
        return v;
    }

    // Plans for new input shapes: shapes and liveness from the CPU executor, placement per node,
    // then device and staging buffers.
    void prepare(const std::vector<ConstTensorView>& inputs) {
        std::vector<Shape> in_shapes;
        for (const auto& t : inputs) in_shapes.push_back(t.shape);
        if (plan_valid_ && in_shapes == plan_inputs_) return;
        const Graph& g = model_->graph();
        plan_ = cpu_.make_plan(in_shapes);
        plan_inputs_ = in_shapes;

        const size_t nn = g.nodes.size(), nt = g.tensors.size();
        placement_.assign(nn, Placement::Cpu);
        fused_dw_.assign(nn, -1);
        for (size_t i = 0; i < nn; ++i)
            if (supports(g.nodes[i], node_shapes(g.nodes[i]))) placement_[i] = Placement::Cuda;

        // Lifetimes, as make_plan computes them.
        std::vector<int> first(nt, 0), last(nt, -1), readers(nt, 0), producer(nt, -1);
        for (size_t ni = 0; ni < nn; ++ni) {
            for (int32_t id : g.nodes[ni].inputs)
                if (id >= 0) {
                    last[size_t(id)] = int(ni);
                    ++readers[size_t(id)];
                }
            const int32_t o = g.nodes[ni].outputs[0];
            first[size_t(o)] = int(ni);
            last[size_t(o)] = std::max(last[size_t(o)], int(ni));
            producer[size_t(o)] = int(ni);
        }
        std::vector<char> is_output(nt, 0);
        for (int32_t id : g.outputs) {
            last[size_t(id)] = int(nn);
            is_output[size_t(id)] = 1;
        }

        // Depthwise + pointwise fusion: the pointwise conv is the depthwise output's only reader.
        bool fused_any = false;
        for (size_t ni = 0; fusion_ != Fusion::Off && ni < nn; ++ni) {
            const Node& pw = g.nodes[ni];
            if (pw.op != OpType::Conv2D || placement_[ni] != Placement::Cuda) continue;
            const int32_t mid = pw.inputs[0];
            const int dwi = producer[size_t(mid)];
            if (dwi < 0 || placement_[size_t(dwi)] != Placement::Cuda || readers[size_t(mid)] != 1 ||
                is_output[size_t(mid)])
                continue;
            const Node& dw = g.nodes[size_t(dwi)];
            if (!supports_depthwise_pointwise(dw, node_shapes(dw), pw, node_shapes(pw)) ||
                (fusion_ == Fusion::ByShape && !depthwise_pointwise_pays(node_shapes(pw))))
                continue;
            placement_[size_t(dwi)] = Placement::FusedIntoNext;
            placement_[ni] = Placement::FusedPointwise;
            fused_dw_[ni] = dwi;
            for (int32_t id : dw.inputs)  // the fused kernel reads them at the pointwise node
                if (id >= 0) last[size_t(id)] = std::max(last[size_t(id)], int(ni));
            fused_any = true;
        }
        if (fused_any) {  // re-pack with the stretched lifetimes; fused-away tensors take no room
            std::vector<int64_t> sizes(nt, 0);
            for (size_t i = 0; i < nt; ++i)
                if (plan_.offsets[i] >= 0) {
                    plan_.offsets[i] = 0;
                    const int p = producer[i];
                    sizes[i] = p >= 0 && placement_[size_t(p)] == Placement::FusedIntoNext ? 0 : plan_.shapes[i].numel();
                }
            plan_.arena_floats = plan_offsets(sizes, first, last, plan_.offsets);
        }

        arena_.resize(size_t(std::max<int64_t>(plan_.arena_floats, 1)));
        bool any_cpu = false;
        for (Placement p : placement_) any_cpu = any_cpu || p == Placement::Cpu;
        if (any_cpu) host_arena_.resize(size_t(std::max<int64_t>(plan_.arena_floats, 1)));

        in_off_.assign(g.inputs.size(), 0);
        in_floats_ = 0;
        for (size_t i = 0; i < g.inputs.size(); ++i) {
            in_off_[i] = in_floats_;
            in_floats_ += (in_shapes[i].numel() + 15) / 16 * 16;
        }
        inputs_dev_.resize(size_t(std::max<int64_t>(in_floats_, 1)));
        in_stage_.resize(size_t(std::max<int64_t>(in_floats_, 1)));
        input_index_.assign(nt, -1);
        for (size_t i = 0; i < g.inputs.size(); ++i) input_index_[size_t(g.inputs[i])] = int(i);
        host_inputs_.assign(g.inputs.size(), nullptr);

        out_off_.assign(g.outputs.size(), 0);
        int64_t out_floats = 0;
        for (size_t i = 0; i < g.outputs.size(); ++i) {
            out_off_[i] = out_floats;
            out_floats += (plan_.shapes[size_t(g.outputs[i])].numel() + 15) / 16 * 16;
        }
        out_stage_.resize(size_t(std::max<int64_t>(out_floats, 1)));
        plan_valid_ = true;
    }

    float* dev_ptr(int32_t id) {
        const size_t i = size_t(id);
        if (weight_off_[i] >= 0) return weights_dev_.data() + weight_off_[i];
        if (input_index_[i] >= 0) return inputs_dev_.data() + in_off_[size_t(input_index_[i])];
        return arena_.data() + plan_.offsets[i];
    }

    void device_views(const Node& n, std::vector<ConstTensorView>& v) {
        v.clear();
        for (int32_t id : n.inputs) {
            if (id < 0) v.push_back({nullptr, absent_shape()});
            else v.push_back({dev_ptr(id), plan_.shapes[size_t(id)]});
        }
    }

    // The CPU fallback: fetch the inputs that are not on the host yet, run, send the output back.
    void run_on_cpu(const Node& n) {
        const cudaStream_t s = ctx_.stream();
        std::vector<ConstTensorView> ins;
        for (int32_t id : n.inputs) {
            if (id < 0) {
                ins.push_back({nullptr, absent_shape()});
                continue;
            }
            const size_t i = size_t(id);
            const Shape& shape = plan_.shapes[i];
            if (weight_off_[i] >= 0) {
                ins.push_back({model_->weight(id), shape});
            } else if (input_index_[i] >= 0) {
                ins.push_back({host_inputs_[size_t(input_index_[i])], shape});
            } else {
                float* h = host_arena_.data() + plan_.offsets[i];
                if (!host_valid_[i]) {
                    LFR_CUDA_CHECK(cudaMemcpyAsync(h, dev_ptr(id), size_t(shape.numel()) * sizeof(float),
                                                   cudaMemcpyDeviceToHost, s));
                    host_valid_[i] = 1;
                }
                ins.push_back({h, shape});
            }
        }
        ctx_.synchronize();  // the inputs have arrived and earlier uploads from the mirror are done
        const int32_t o = n.outputs[0];
        TensorView out{host_arena_.data() + plan_.offsets[size_t(o)], plan_.shapes[size_t(o)]};
        const OpKernels& k = op_kernels(n.op);
        (k.fast ? k.fast : k.reference)(n, ins, out, workspace_);
        host_valid_[size_t(o)] = 1;
        LFR_CUDA_CHECK(cudaMemcpyAsync(dev_ptr(o), out.data, size_t(out.numel()) * sizeof(float),
                                       cudaMemcpyHostToDevice, s));
    }

    const Model* model_;
    // The CPU session only infers shapes and plans memory for the model's own graph.
    static SessionOptions plan_only() {
        SessionOptions o;
        o.prepack = false;
        o.fuse = false;
        return o;
    }
    Session cpu_;  // shape inference and the memory plan
    Context ctx_;
    Fusion fusion_ = Fusion::ByShape;

    DeviceBuffer<float> weights_dev_;
    std::vector<int64_t> weight_off_;  // per tensor: float offset in weights_dev_, -1 if not a weight

    bool plan_valid_ = false;
    std::vector<Shape> plan_inputs_;
    MemoryPlan plan_;
    std::vector<Placement> placement_;
    std::vector<int> fused_dw_;  // per FusedPointwise node: its depthwise node

    DeviceBuffer<float> arena_, inputs_dev_;
    PinnedBuffer<float> host_arena_, in_stage_, out_stage_;
    std::vector<int64_t> in_off_, out_off_;
    int64_t in_floats_ = 0;
    std::vector<int> input_index_;           // per tensor: graph input index or -1
    std::vector<const float*> host_inputs_;  // this run's caller inputs
    std::vector<char> host_valid_;           // per tensor: this run's value is in host_arena_
    Workspace workspace_;
};

}  // namespace cuda
}  // namespace lfr
