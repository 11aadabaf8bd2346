#include "passes.h"

#include <algorithm>

namespace lfr::tools {

namespace {

bool is_linear(OpType op) { return op == OpType::Conv2D || op == OpType::DepthwiseConv2D || op == OpType::MatMul; }
bool is_conv(OpType op) { return op == OpType::Conv2D || op == OpType::DepthwiseConv2D; }
bool is_binary(OpType op) {
    return op == OpType::Add || op == OpType::Sub || op == OpType::Mul || op == OpType::Div ||
           op == OpType::Maximum || op == OpType::Minimum;
}

bool is_output(const Graph& g, int32_t t) {
    return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
}

bool is_weight(const Graph& g, int32_t t) { return t >= 0 && g.tensors[size_t(t)].kind == TensorKind::Weight; }

// Output channels of a Conv2D ([KH,KW,Ci,Co]), DepthwiseConv2D ([KH,KW,C,M] -> C*M) or MatMul ([K,M]).
int64_t out_channels(const Graph& g, const Node& n) {
    const Shape& w = g.tensors[size_t(n.inputs[1])].shape;
    if (n.op == OpType::DepthwiseConv2D) return w[2] * w[3];
    return w[w.rank - 1];
}

// A constant that broadcasts per channel over an output with C channels in the last axis: a scalar,
// or C values with every other dimension 1.
bool per_channel(const Graph& g, int32_t t, int64_t c) {
    if (!is_weight(g, t)) return false;
    const Shape& s = g.tensors[size_t(t)].shape;
    if (s.numel() == 1) return s.rank <= 1 || std::all_of(s.dim, s.dim + s.rank, [](int64_t d) { return d == 1; });
    if (s.rank == 0 || s[-1] != c) return false;
    for (int i = 0; i + 1 < s.rank; ++i)
        if (s.dim[i] != 1) return false;
    return true;
}

float channel_value(const std::vector<float>& v, int64_t c) { return v.size() == 1 ? v[0] : v[size_t(c)]; }

bool is_scalar_const(const ConvertedModel& m, int32_t t, float value) {
    if (!is_weight(m.graph, t) || m.graph.tensors[size_t(t)].shape.numel() != 1) return false;
    return m.weights[size_t(t)][0] == value;
}

// The node consuming tensor t when there is exactly one (one input slot of one node) and t is not
// a graph output; -1 otherwise.
int sole_consumer(const Graph& g, int32_t t) {
    if (is_output(g, t)) return -1;
    int found = -1, uses = 0;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        for (int32_t in : g.nodes[i].inputs)
            if (in == t) {
                ++uses;
                found = int(i);
            }
    return uses == 1 ? found : -1;
}

// Makes input `slot` of node `ni` a weight no other node shares (copying it if needed); returns its id.
int32_t own_weight(ConvertedModel& m, size_t ni, size_t slot) {
    const int32_t t = m.graph.nodes[ni].inputs[slot];
    int uses = 0;
    for (const Node& n : m.graph.nodes)
        for (int32_t in : n.inputs) uses += in == t;
    if (uses <= 1) return t;
    const TensorInfo info = m.graph.tensors[size_t(t)];
    std::vector<float> copy = m.weights[size_t(t)];
    const int32_t id = m.weight(info.name + "/" + m.graph.nodes[ni].name, info.shape, std::move(copy));
    m.graph.nodes[ni].inputs[slot] = id;
    return id;
}

// Sets input `slot` of node ni to a fresh [c] weight holding `values`.
void set_channel_weight(ConvertedModel& m, size_t ni, size_t slot, const std::string& suffix, std::vector<float> values) {
    const int64_t c = int64_t(values.size());
    const int32_t id = m.weight(m.graph.nodes[ni].name + "/" + suffix, Shape{c}, std::move(values));
    Node& n = m.graph.nodes[ni];
    if (n.inputs.size() <= slot) n.inputs.resize(slot + 1, -1);
    n.inputs[slot] = id;
}

// The bias of linear node ni as a [C] vector (zeros when absent).
std::vector<float> bias_of(const ConvertedModel& m, const Node& n, int64_t c) {
    std::vector<float> b(size_t(c), 0.f);
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
        const auto& src = m.weights[size_t(n.inputs[2])];
        for (int64_t i = 0; i < c; ++i) b[size_t(i)] = channel_value(src, i);
    }
    return b;
}

// Node `prod` absorbs node `cons`, which consumed prod's single output: prod now produces cons's
// output and cons disappears.
void absorb(Graph& g, size_t prod, size_t cons) {
    g.nodes[prod].outputs[0] = g.nodes[cons].outputs[0];
    g.nodes.erase(g.nodes.begin() + long(cons));
}

// For a node with two inputs where one is a per-channel constant for C channels and the other is
// produced by a node matching `pred`: returns {producer index, const slot}, or {-1, -1}.
template <class Pred>
std::pair<int, int> linear_with_const(const Graph& g, const Node& n, Pred pred) {
    if (n.inputs.size() != 2) return {-1, -1};
    for (int slot = 0; slot < 2; ++slot) {
        const int32_t val = n.inputs[size_t(1 - slot)], cst = n.inputs[size_t(slot)];
        const int p = producer_of(g, val);
        if (p < 0 || !pred(g.nodes[size_t(p)])) continue;
        if (!per_channel(g, cst, out_channels(g, g.nodes[size_t(p)]))) continue;
        return {p, slot};
    }
    return {-1, -1};
}

}  // namespace

std::vector<int> consumer_counts(const Graph& g) {
    std::vector<int> c(g.tensors.size(), 0);
    for (const Node& n : g.nodes)
        for (int32_t in : n.inputs)
            if (in >= 0) ++c[size_t(in)];
    return c;
}

int producer_of(const Graph& g, int32_t tensor) {
    if (tensor < 0) return -1;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        for (int32_t o : g.nodes[i].outputs)
            if (o == tensor) return int(i);
    return -1;
}

int fold_bias_add(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node n = g.nodes[i];
        if (n.op != OpType::Add && n.op != OpType::Sub) continue;
        auto linear_no_act = [](const Node& p) { return is_linear(p.op) && p.attrs.act == Activation::None; };
        auto [p, slot] = linear_with_const(g, n, linear_no_act);
        if (p < 0 || (n.op == OpType::Sub && slot != 1)) continue;  // c - x is not a bias
        const Node& prod = g.nodes[size_t(p)];
        if (sole_consumer(g, prod.outputs[0]) != int(i)) continue;
        const int64_t c = out_channels(g, prod);
        std::vector<float> b = bias_of(m, prod, c);
        const auto& add = m.weights[size_t(n.inputs[size_t(slot)])];
        const float sign = n.op == OpType::Sub ? -1.f : 1.f;
        for (int64_t k = 0; k < c; ++k) b[size_t(k)] += sign * channel_value(add, k);
        set_channel_weight(m, size_t(p), 2, "bias", std::move(b));
        g.nodes[size_t(p)].attrs.act = n.attrs.act;  // a binary op may carry a fused act already
        g.nodes[size_t(p)].attrs.alpha = n.attrs.alpha;
        absorb(g, size_t(p), i);
        ++folds;
        --i;
    }
    return folds;
}

int fold_mul_scale(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node n = g.nodes[i];
        if (n.op != OpType::Mul) continue;
        auto linear_no_act = [](const Node& p) { return is_linear(p.op) && p.attrs.act == Activation::None; };
        auto [p, slot] = linear_with_const(g, n, linear_no_act);
        if (p < 0) continue;
        if (sole_consumer(g, g.nodes[size_t(p)].outputs[0]) != int(i)) continue;
        const int64_t c = out_channels(g, g.nodes[size_t(p)]);
        const std::vector<float> s = m.weights[size_t(n.inputs[size_t(slot)])];
        const int32_t w = own_weight(m, size_t(p), 1);
        for (size_t k = 0; k < m.weights[size_t(w)].size(); ++k) m.weights[size_t(w)][k] *= channel_value(s, int64_t(k) % c);
        if (g.nodes[size_t(p)].inputs.size() > 2 && g.nodes[size_t(p)].inputs[2] >= 0) {
            std::vector<float> b = bias_of(m, g.nodes[size_t(p)], c);
            for (int64_t k = 0; k < c; ++k) b[size_t(k)] *= channel_value(s, k);
            set_channel_weight(m, size_t(p), 2, "bias", std::move(b));
        }
        g.nodes[size_t(p)].attrs.act = n.attrs.act;
        g.nodes[size_t(p)].attrs.alpha = n.attrs.alpha;
        absorb(g, size_t(p), i);
        ++folds;
        --i;
    }
    return folds;
}

int fold_activation(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node n = g.nodes[i];
        Activation act;
        switch (n.op) {
            case OpType::Relu: act = Activation::Relu; break;
            case OpType::Relu6: act = Activation::Relu6; break;
            case OpType::LeakyRelu: act = Activation::Leaky; break;
            case OpType::Sigmoid: act = Activation::Sigmoid; break;
            case OpType::Prelu: act = Activation::Prelu; break;
            default: continue;
        }
        const int p = producer_of(g, n.inputs[0]);
        if (p < 0) continue;
        const Node& prod = g.nodes[size_t(p)];
        if (prod.outputs.size() != 1) continue;
        if (!is_linear(prod.op) && !(is_binary(prod.op) && act != Activation::Prelu)) continue;
        if (sole_consumer(g, prod.outputs[0]) != int(i)) continue;
        // relu6(relu(x)) = relu(relu6(x)) = relu6(x), relu(relu(x)) = relu(x); nothing else composes.
        const Activation had = prod.attrs.act;
        const bool relus = (had == Activation::Relu || had == Activation::Relu6) &&
                           (act == Activation::Relu || act == Activation::Relu6);
        if (had != Activation::None && !relus) continue;
        if (relus && had == Activation::Relu6) act = Activation::Relu6;
        if (act == Activation::Prelu) {
            const int64_t c = out_channels(g, prod);
            if (n.inputs.size() != 2 || !per_channel(g, n.inputs[1], c)) continue;
            std::vector<float> a(static_cast<size_t>(c));
            for (int64_t k = 0; k < c; ++k) a[size_t(k)] = channel_value(m.weights[size_t(n.inputs[1])], k);
            if (g.nodes[size_t(p)].inputs.size() < 3) g.nodes[size_t(p)].inputs.resize(3, -1);
            set_channel_weight(m, size_t(p), 3, "alpha", std::move(a));
        }
        g.nodes[size_t(p)].attrs.act = act;
        g.nodes[size_t(p)].attrs.alpha = n.op == OpType::LeakyRelu ? n.attrs.alpha : 0.f;
        absorb(g, size_t(p), i);
        ++folds;
        --i;
    }
    return folds;
}

int fold_pad_into_conv(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        Node& conv = g.nodes[i];
        if (!is_conv(conv.op) || conv.attrs.padding == Padding::Same) continue;
        const int p = producer_of(g, conv.inputs[0]);
        if (p < 0 || g.nodes[size_t(p)].op != OpType::Pad) continue;
        const Node& pad = g.nodes[size_t(p)];
        const auto& q = pad.attrs.ints;
        if (pad.attrs.value != 0.f || q.size() != 8 || q[0] || q[1] || q[6] || q[7]) continue;
        if (std::any_of(q.begin(), q.end(), [](int32_t v) { return v < 0; })) continue;
        if (sole_consumer(g, pad.outputs[0]) != int(i)) continue;
        conv.attrs.padding = Padding::Explicit;
        conv.attrs.pad_top += q[2];
        conv.attrs.pad_bottom += q[3];
        conv.attrs.pad_left += q[4];
        conv.attrs.pad_right += q[5];
        conv.inputs[0] = pad.inputs[0];
        g.nodes.erase(g.nodes.begin() + p);
        ++folds;
        i = size_t(p);  // the conv moved up by one; continue after it
    }
    return folds;
}

int fold_clip_to_relu6(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        Node& n = g.nodes[i];
        if (n.op == OpType::Relu6) {  // Relu6(Relu(x)) = Relu6(x)
            const int p = producer_of(g, n.inputs[0]);
            if (p >= 0 && g.nodes[size_t(p)].op == OpType::Relu) {
                n.inputs[0] = g.nodes[size_t(p)].inputs[0];
                ++folds;
            }
            continue;
        }
        if ((n.op != OpType::Maximum && n.op != OpType::Minimum) || n.attrs.act != Activation::None) continue;
        if (n.inputs.size() != 2) continue;
        const OpType inner_op = n.op == OpType::Maximum ? OpType::Minimum : OpType::Maximum;
        const float outer_c = n.op == OpType::Maximum ? 0.f : 6.f, inner_c = n.op == OpType::Maximum ? 6.f : 0.f;
        for (int slot = 0; slot < 2; ++slot) {
            if (!is_scalar_const(m, n.inputs[size_t(slot)], outer_c)) continue;
            const int p = producer_of(g, n.inputs[size_t(1 - slot)]);
            if (p < 0) continue;
            const Node& inner = g.nodes[size_t(p)];
            if (inner.op != inner_op || inner.attrs.act != Activation::None || inner.inputs.size() != 2) continue;
            int32_t x = -1;
            if (is_scalar_const(m, inner.inputs[1], inner_c)) x = inner.inputs[0];
            else if (is_scalar_const(m, inner.inputs[0], inner_c)) x = inner.inputs[1];
            if (x < 0 || is_weight(g, x)) continue;
            n.op = OpType::Relu6;
            n.inputs = {x};
            n.attrs = Attrs{};
            ++folds;
            break;
        }
    }
    return folds;
}

int fold_decomposed_prelu(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    // The single-op node producing t, if it is `op` with no fused act; nullptr otherwise.
    auto made_by = [&](int32_t t, OpType op) -> const Node* {
        const int p = producer_of(g, t);
        if (p < 0) return nullptr;
        const Node& n = g.nodes[size_t(p)];
        return n.op == op && n.attrs.act == Activation::None ? &n : nullptr;
    };
    // x when t is op(x, 0) or op(0, x); -1 otherwise.
    auto zero_clip_of = [&](int32_t t, OpType op) -> int32_t {
        const Node* c = made_by(t, op);
        if (!c || c->inputs.size() != 2) return -1;
        if (is_scalar_const(m, c->inputs[1], 0.f) && !is_weight(g, c->inputs[0])) return c->inputs[0];
        if (is_scalar_const(m, c->inputs[0], 0.f) && !is_weight(g, c->inputs[1])) return c->inputs[1];
        return -1;
    };
    // x when t = max(x, 0): Maximum(x, 0) or Relu(x).
    auto positive_part = [&](int32_t t) -> int32_t {
        if (const Node* r = made_by(t, OpType::Relu)) return r->inputs[0];
        return zero_clip_of(t, OpType::Maximum);
    };
    // {x, s} when t = s * min(x, 0): Minimum(x, 0) (s 1), Neg(Relu(Neg(x))) (1), Relu(Neg(x)) (-1),
    // Sub(x, Abs(x)) (2); {-1, 0} otherwise.
    auto negative_part = [&](int32_t t) -> std::pair<int32_t, float> {
        if (int32_t x = zero_clip_of(t, OpType::Minimum); x >= 0) return {x, 1.f};
        const Node* outer = made_by(t, OpType::Neg);
        const Node* relu = made_by(outer ? outer->inputs[0] : t, OpType::Relu);
        if (const Node* inner = relu ? made_by(relu->inputs[0], OpType::Neg) : nullptr)
            return {inner->inputs[0], outer ? 1.f : -1.f};
        if (const Node* sub = made_by(t, OpType::Sub); sub && sub->inputs.size() == 2)
            if (const Node* abs = made_by(sub->inputs[1], OpType::Abs); abs && abs->inputs[0] == sub->inputs[0])
                return {sub->inputs[0], 2.f};
        return {-1, 0.f};
    };
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node n = g.nodes[i];
        if ((n.op != OpType::Add && n.op != OpType::Sub) || n.attrs.act != Activation::None || n.inputs.size() != 2) continue;
        for (int slot = 0; slot < (n.op == OpType::Add ? 2 : 1); ++slot) {  // Sub: only relu(x) - a*neg
            const int32_t x = positive_part(n.inputs[size_t(slot)]);
            const Node* mul = x >= 0 ? made_by(n.inputs[size_t(1 - slot)], OpType::Mul) : nullptr;
            if (!mul || mul->inputs.size() != 2) continue;
            int32_t gamma = -1;
            float scale = 0.f;
            for (int ms = 0; ms < 2; ++ms) {
                const auto [y, s] = negative_part(mul->inputs[size_t(1 - ms)]);
                if (y == x && is_weight(g, mul->inputs[size_t(ms)])) gamma = mul->inputs[size_t(ms)], scale = s;
            }
            const Shape xs = g.tensors[size_t(x)].shape;
            if (gamma < 0 || !per_channel(g, gamma, xs.rank ? xs[-1] : 0)) continue;
            const Shape gs = g.tensors[size_t(gamma)].shape;
            const int64_t c = gs.numel() == 1 ? 1 : gs[-1];
            std::vector<float> a(m.weights[size_t(gamma)].begin(), m.weights[size_t(gamma)].end());
            for (float& v : a) v *= n.op == OpType::Sub ? -scale : scale;
            const int32_t alpha = m.weight(n.name + "/alpha", Shape{c}, std::move(a));
            Node& node = g.nodes[i];
            node.op = OpType::Prelu;
            node.inputs = {x, alpha};
            node.attrs = Attrs{};
            ++folds;
            break;
        }
    }
    return folds;
}

int fold_decomposed_softmax(ConvertedModel& m) {
    int folds = 0;
    Graph& g = m.graph;
    // The input of t's producer when it is `op` over the last axis only, keeping dims; -1 otherwise.
    auto last_axis_reduce = [&](int32_t t, OpType op) -> int32_t {
        const int p = producer_of(g, t);
        if (p < 0) return -1;
        const Node& r = g.nodes[size_t(p)];
        const int rank = g.tensors[size_t(r.inputs[0])].shape.rank;
        if (r.op != op || !r.attrs.keep_dims || r.attrs.ints != std::vector<int32_t>{rank - 1}) return -1;
        return r.inputs[0];
    };
    auto only = [&](int32_t t, OpType op) -> const Node* {
        const int p = producer_of(g, t);
        return p >= 0 && g.nodes[size_t(p)].op == op && g.nodes[size_t(p)].attrs.act == Activation::None
                   ? &g.nodes[size_t(p)] : nullptr;
    };
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node n = g.nodes[i];
        if (n.op != OpType::Div || n.attrs.act != Activation::None || n.inputs.size() != 2) continue;
        // Div(e, Sum(e)) with e = Exp(Sub(x, Max(x))), all over the last axis.
        const int32_t e = n.inputs[0];
        if (last_axis_reduce(n.inputs[1], OpType::Sum) != e) continue;
        const Node* exp = only(e, OpType::Exp);
        const Node* sub = exp ? only(exp->inputs[0], OpType::Sub) : nullptr;
        if (!sub || sub->inputs.size() != 2 || last_axis_reduce(sub->inputs[1], OpType::Max) != sub->inputs[0]) continue;
        Node& node = g.nodes[i];
        node.op = OpType::Softmax;
        node.inputs = {sub->inputs[0]};
        node.attrs = Attrs{};
        ++folds;
    }
    return folds;
}

int eliminate_dead_nodes(ConvertedModel& m) {
    Graph& g = m.graph;
    std::vector<char> live(g.tensors.size(), 0);
    for (int32_t t : g.outputs) live[size_t(t)] = 1;
    std::vector<char> keep(g.nodes.size(), 0);
    for (size_t i = g.nodes.size(); i-- > 0;) {
        const Node& n = g.nodes[i];
        for (int32_t o : n.outputs) keep[i] |= live[size_t(o)];
        if (keep[i])
            for (int32_t in : n.inputs)
                if (in >= 0) live[size_t(in)] = 1;
    }
    std::vector<Node> nodes;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (keep[i]) nodes.push_back(std::move(g.nodes[i]));
    const int removed = int(g.nodes.size() - nodes.size());
    g.nodes = std::move(nodes);

    // Compact the tensor table: keep graph inputs/outputs and whatever a node references.
    std::vector<char> used(g.tensors.size(), 0);
    for (int32_t t : g.inputs) used[size_t(t)] = 1;
    for (int32_t t : g.outputs) used[size_t(t)] = 1;
    for (const Node& n : g.nodes) {
        for (int32_t t : n.inputs)
            if (t >= 0) used[size_t(t)] = 1;
        for (int32_t t : n.outputs) used[size_t(t)] = 1;
    }
    std::vector<int32_t> remap(g.tensors.size(), -1);
    std::vector<TensorInfo> tensors;
    std::vector<std::vector<float>> weights;
    for (size_t t = 0; t < g.tensors.size(); ++t) {
        if (!used[t]) continue;
        remap[t] = int32_t(tensors.size());
        tensors.push_back(std::move(g.tensors[t]));
        weights.push_back(std::move(m.weights[t]));
    }
    auto re = [&](int32_t& t) {
        if (t >= 0) t = remap[size_t(t)];
    };
    for (Node& n : g.nodes) {
        for (int32_t& t : n.inputs) re(t);
        for (int32_t& t : n.outputs) re(t);
    }
    for (int32_t& t : g.inputs) re(t);
    for (int32_t& t : g.outputs) re(t);
    g.tensors = std::move(tensors);
    m.weights = std::move(weights);
    return removed;
}

void run_default_passes(ConvertedModel& m) {
    for (int round = 0; round < 100; ++round) {
        int n = 0;
        n += fold_decomposed_prelu(m);
        n += fold_decomposed_softmax(m);
        n += fold_clip_to_relu6(m);
        n += fold_pad_into_conv(m);
        n += fold_mul_scale(m);
        n += fold_bias_add(m);
        n += fold_activation(m);
        n += eliminate_dead_nodes(m);
        if (n == 0) break;
    }
}

}  // namespace lfr::tools
