// The CPU graph executor: shape inference for the caller's input shapes, a memory plan that packs
// every intermediate tensor into one arena by liveness, and a run in topological order.
//
// A Model is immutable and may be shared by any number of threads; a Session holds the arena and
// scratch memory and is used by one thread at a time (make one per thread). Its options choose the
// threads each run may use (heavy ops are split over them, with results bit-identical for any
// count) and whether GEMM weights are packed once at construction (PreparedWeights, shareable).
#pragma once
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "lfr/format/model_file.h"
#include "lfr/runtime/backend.h"
#include "lfr/runtime/fuse.h"
#include "lfr/runtime/prepared.h"
#include "lfr/ops/registry.h"

namespace lfr {

// Where each tensor lives for one set of input shapes.
struct MemoryPlan {
    std::vector<Shape> shapes;     // per tensor
    std::vector<int64_t> offsets;  // per value tensor: float offset in the arena (-1: not in the arena)
    int64_t arena_floats = 0;      // peak working set, in floats
    int64_t naive_floats = 0;      // what one buffer per tensor would take (for reports)
};

// Offsets for tensors with [first, last] node-index lifetimes, so that tensors alive at the same time
// never overlap. Greedy by size (largest first, lowest free offset), as TFLite's arena planner.
inline int64_t plan_offsets(const std::vector<int64_t>& sizes, const std::vector<int>& first,
                            const std::vector<int>& last, std::vector<int64_t>& offsets) {
    constexpr int64_t kAlign = 16;  // floats: 64-byte aligned tensors
    std::vector<size_t> order;
    for (size_t i = 0; i < sizes.size(); ++i)
        if (offsets[i] >= 0) order.push_back(i);  // callers mark tensors to place with 0
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });
    std::vector<size_t> placed;
    int64_t peak = 0;
    for (size_t t : order) {
        std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of placed tensors alive with t
        for (size_t p : placed)
            if (first[p] <= last[t] && first[t] <= last[p]) busy.push_back({offsets[p], offsets[p] + sizes[p]});
        std::sort(busy.begin(), busy.end());
        int64_t at = 0;
        for (const auto& b : busy) {
            if (at + sizes[t] <= b.first) break;
            at = std::max(at, (b.second + kAlign - 1) / kAlign * kAlign);
        }
        offsets[t] = at;
        peak = std::max(peak, at + sizes[t]);
        placed.push_back(t);
    }
    return peak;
}

// The shape an absent optional input gets (see lfr/ops/op.h).
inline Shape absent_shape() {
    Shape s;
    s.rank = -1;
    return s;
}

// Inputs in graph input order with the shapes the model accepts (-1 = any size); throws otherwise.
inline void check_model_inputs(const Model& model, const std::vector<ConstTensorView>& inputs) {
    const Graph& g = model.graph();
    LFR_CHECK(inputs.size() == g.inputs.size(), model.label() + ": expects " + std::to_string(g.inputs.size()) +
                                                    " input(s), got " + std::to_string(inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) {
        const TensorInfo& t = g.tensors[size_t(g.inputs[i])];
        bool ok = inputs[i].shape.rank == t.shape.rank && inputs[i].data;
        for (int d = 0; ok && d < t.shape.rank; ++d)
            ok = inputs[i].shape.dim[d] > 0 && (t.shape.dim[d] == -1 || t.shape.dim[d] == inputs[i].shape.dim[d]);
        LFR_CHECK(ok, model.label() + ": input " + t.name + " expects shape " + t.shape.str() + " (-1 = any), got " +
                          inputs[i].shape.str());
    }
}

struct SessionOptions {
    int threads = 1;              // threads per run, the caller's included (ignored when pool is set)
    ThreadPool* pool = nullptr;   // a pool shared with other sessions (must outlive the session)
    bool prepack = true;          // pack GEMM weights once (memory: about one more copy of them)
    bool fuse = true;             // fold residual Adds, MaxPools and depthwise convs into convs (runtime/fuse.h); off: plan the model's own graph
    std::shared_ptr<const PreparedWeights> weights;  // already prepared for this model (shared)
};

class Session : public Runner {
public:
    explicit Session(const Model& model, const SessionOptions& opt = {})
        : model_(&model), graph_(opt.fuse ? fuse_graph(model.graph(), origin_) : model.graph()),
          weights_(opt.weights) {
        if (!opt.fuse)
            for (size_t i = 0; i < graph_.nodes.size(); ++i) origin_.push_back(i);
        if (!weights_ && opt.prepack) weights_ = prepare_weights(model);
        if (weights_) workspace_.isa = weights_->isa();
        if (!opt.pool && opt.threads > 1) own_pool_ = std::make_unique<ThreadPool>(opt.threads);
        workspace_.pool = opt.pool ? opt.pool : own_pool_.get();
    }

    // Use only the reference kernels (for parity tests and debugging).
    void set_reference_kernels(bool on) { reference_only_ = on; }
    // Accumulate wall time per node over the following runs (node_ms(), in the model graph's node
    // order; an Add, MaxPool or depthwise conv folded into a conv counts as 0, its time going to the conv).
    void set_profiling(bool on) {
        profiling_ = on;
        node_ms_.assign(model_->graph().nodes.size(), 0.0);
    }
    const std::vector<double>& node_ms() const { return node_ms_; }

    // Runs the model on inputs given in graph input order; returns outputs in graph output order.
    std::vector<Tensor> run(const std::vector<ConstTensorView>& inputs) override {
        const Graph& g = graph_;
        check_model_inputs(*model_, inputs);
        std::vector<Shape> in_shapes;
        for (const auto& t : inputs) in_shapes.push_back(t.shape);
        if (!plan_valid_ || in_shapes != plan_inputs_) {
            plan_ = make_plan(in_shapes);
            plan_inputs_ = in_shapes;
            plan_valid_ = true;
            arena_.assign(size_t(plan_.arena_floats), 0.f);
        }
        std::vector<const float*> data(g.tensors.size(), nullptr);
        for (size_t i = 0; i < g.inputs.size(); ++i) data[size_t(g.inputs[i])] = inputs[i].data;
        for (size_t i = 0; i < g.tensors.size(); ++i) {
            if (g.tensors[i].kind == TensorKind::Weight) data[i] = model_->weight(int32_t(i));
            if (plan_.offsets[i] >= 0) data[i] = arena_.data() + plan_.offsets[i];
        }
        std::vector<ConstTensorView> ins;
        for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
            const Node& n = g.nodes[ni];
            ins.clear();
            for (int32_t id : n.inputs) {
                if (id < 0) ins.push_back({nullptr, absent_shape()});
                else ins.push_back({data[size_t(id)], plan_.shapes[size_t(id)]});
            }
            const int32_t o = n.outputs[0];
            TensorView out{arena_.data() + plan_.offsets[size_t(o)], plan_.shapes[size_t(o)]};
            const OpKernels& k = op_kernels(n.op);
            workspace_.packed = weights_ ? weights_->packed(origin_[ni]) : nullptr;
            const auto t0 = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
            (k.fast && !reference_only_ ? k.fast : k.reference)(n, ins, out, workspace_);
            if (profiling_)
                node_ms_[origin_[ni]] += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        }
        std::vector<Tensor> outs;
        for (int32_t id : g.outputs) {
            Tensor t(plan_.shapes[size_t(id)]);
            std::copy(data[size_t(id)], data[size_t(id)] + t.values.size(), t.values.begin());
            outs.push_back(std::move(t));
        }
        return outs;
    }

    // Shapes and memory for the given input shapes (also what run() uses).
    MemoryPlan make_plan(const std::vector<Shape>& in_shapes) const {
        const Graph& g = graph_;
        const size_t nt = g.tensors.size();
        MemoryPlan p;
        p.shapes.resize(nt);
        for (size_t i = 0; i < nt; ++i)
            if (g.tensors[i].kind == TensorKind::Weight) p.shapes[i] = g.tensors[i].shape;
        for (size_t i = 0; i < g.inputs.size(); ++i) {
            p.shapes[size_t(g.inputs[i])] = in_shapes.at(i);
            in_shapes[i].checked_numel(model_->label() + ": input " + g.tensors[size_t(g.inputs[i])].name);
        }

        // Lifetimes in node indices: a value lives from its producer to its last reader; graph
        // outputs live to the end.
        const int end = int(g.nodes.size());
        std::vector<int> first(nt, 0), last(nt, -1);
        p.offsets.assign(nt, -1);
        std::vector<Shape> ins;
        for (int ni = 0; ni < end; ++ni) {
            const Node& n = g.nodes[size_t(ni)];
            ins.clear();
            for (int32_t id : n.inputs) {
                ins.push_back(id < 0 ? absent_shape() : p.shapes[size_t(id)]);
                if (id >= 0) last[size_t(id)] = ni;
            }
            const int32_t o = n.outputs[0];
            try {
                p.shapes[size_t(o)] = op_kernels(n.op).infer(n, ins);
                p.shapes[size_t(o)].checked_numel("output");  // the arena sizes below must not wrap
            } catch (const Error& e) {
                throw Error(model_->label() + ": node " + n.name + " (" + op_name(n.op) + "): " + e.what());
            }
            first[size_t(o)] = ni;
            last[size_t(o)] = std::max(last[size_t(o)], ni);
            p.offsets[size_t(o)] = 0;
        }
        plan_folded_shapes(p);
        for (int32_t id : g.outputs) last[size_t(id)] = end;
        std::vector<int64_t> sizes(nt, 0);
        for (size_t i = 0; i < nt; ++i)
            if (p.offsets[i] >= 0) {
                sizes[i] = p.shapes[i].numel();
                p.naive_floats += sizes[i];
            }
        p.arena_floats = plan_offsets(sizes, first, last, p.offsets);
        LFR_CHECK(p.arena_floats <= max_arena_bytes_ / int64_t(sizeof(float)),
                  model_->label() + ": working memory of " + std::to_string(p.arena_floats * int64_t(sizeof(float))) +
                      " bytes for input shapes " + shapes_str(in_shapes) + " is over the limit of " +
                      std::to_string(max_arena_bytes_) + " bytes (Session::set_max_arena_bytes)");
        return p;
    }

    const MemoryPlan& plan() const { return plan_; }

    // Plans needing more working memory than this are refused before anything is allocated, so that a
    // hostile model or input shape is an lfr::Error, not an out-of-memory kill. Default 4 GiB.
    void set_max_arena_bytes(int64_t bytes) { max_arena_bytes_ = bytes; }

private:
    // The shapes of the tensors the fuse pass folded away (their nodes' outputs in the model's graph).
    void plan_folded_shapes(MemoryPlan& p) const {
        std::vector<Shape> ins;
        for (const Node& n : model_->graph().nodes) {
            if (p.offsets[size_t(n.outputs[0])] >= 0) continue;
            ins.clear();
            for (int32_t id : n.inputs) ins.push_back(id < 0 ? absent_shape() : p.shapes[size_t(id)]);
            p.shapes[size_t(n.outputs[0])] = op_kernels(n.op).infer(n, ins);
        }
    }

    static std::string shapes_str(const std::vector<Shape>& shapes) {
        std::string s;
        for (const Shape& x : shapes) s += (s.empty() ? "" : " ") + x.str();
        return s;
    }

    const Model* model_;
    int64_t max_arena_bytes_ = int64_t(4) << 30;
    std::vector<size_t> origin_;  // graph_ node -> model graph node (profiles and prepared weights)
    Graph graph_;                 // the model's graph with residual Adds, MaxPools and depthwise convs folded into convs (fuse.h)
    std::shared_ptr<const PreparedWeights> weights_;
    std::unique_ptr<ThreadPool> own_pool_;
    bool reference_only_ = false;
    bool profiling_ = false;
    std::vector<double> node_ms_;
    bool plan_valid_ = false;
    std::vector<Shape> plan_inputs_;
    MemoryPlan plan_;
    std::vector<float> arena_;
    Workspace workspace_;
};

}  // namespace lfr

namespace lfr {

// The CPU backend: a Session per runner (fast kernels).
class CpuBackend final : public Backend {
public:
    std::string name() const override { return "cpu"; }
    bool supports(const Model&) const override { return true; }
    std::unique_ptr<Runner> open(const Model& model) const override { return std::make_unique<Session>(model); }
};

inline std::shared_ptr<const Backend> cpu_backend() {
    static const std::shared_ptr<const Backend> cpu = std::make_shared<CpuBackend>();
    return cpu;
}

}  // namespace lfr
