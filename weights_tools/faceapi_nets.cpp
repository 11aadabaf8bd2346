// face-api networks as lfr graphs. Each builder below mirrors one TypeScript function of
// @vladmandic/face-api 1.7.15 `src/` (named in its comment); read them side by side.
#include "faceapi_nets.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "manifest.h"

namespace lfr::tools {
namespace {

// tinyYolov2/leaky.ts: min = x * 0.10000000149011612; relu(x - min) + min. That is leaky ReLU with
// slope 0.1f: identical for x <= 0 (both give x * 0.1f), and for x > 0 `(x - m) + m` is x up to one
// rounding (it differs from x by 1 ulp for ~9% of positive floats), far below the conv's own
// accumulation-order noise, so it is fused into the conv as Activation::Leaky.
constexpr float kLeakyAlpha = 0.10000000149011612f;
// ssdMobilenetv1/mobileNetV1.ts
constexpr double kSsdBatchNormEpsilon = 0.0010000000474974513;

int64_t out_size(int64_t in, int64_t k, int32_t stride, Padding p, int32_t pad_a, int32_t pad_b) {
    if (in < 0) return -1;
    if (p == Padding::Same) return (in + stride - 1) / stride;
    if (p == Padding::Explicit) in += pad_a + pad_b;
    return (in - k) / stride + 1;
}

// A graph under construction with the weights of one face-api manifest. Shapes are tracked for a
// reference input (batch 1, the default size) and stored in the value tensors for reading.
class FaceApiGraph {
public:
    FaceApiGraph(const std::string& model_dir, const std::string& stem) : stem_(stem) {
        const std::string path = model_dir + "/" + stem + "-weights_manifest.json";
        std::ifstream f(path);
        LFR_CHECK(f, "cannot open face-api manifest " + path);
        nlohmann::json manifest;
        try {
            f >> manifest;
        } catch (const std::exception& e) {
            throw Error(path + ": " + e.what());
        }
        weights_ = read_manifest(manifest, model_dir);
    }

    ConvertedModel m;

    // ---- tensors ----
    int32_t input(const Shape& declared, const Shape& reference) {
        int32_t id = m.input("input", declared);
        set_ref(id, reference);
        return id;
    }
    // A manifest entry, checked against the expected shape, marked as used.
    const ManifestWeight& take(const std::string& path, const Shape& expect) {
        auto it = weights_.find(path);
        LFR_CHECK(it != weights_.end(), stem_ + ": manifest has no weight " + path);
        LFR_CHECK(!it->second.is_int, stem_ + ": weight " + path + " is int32, expected float");
        LFR_CHECK(it->second.shape == expect,
                  stem_ + ": weight " + path + " has shape " + it->second.shape.str() + ", expected " + expect.str());
        used_.insert(path);
        return it->second;
    }
    Shape shape_of(const std::string& path) const {
        auto it = weights_.find(path);
        LFR_CHECK(it != weights_.end(), stem_ + ": manifest has no weight " + path);
        return it->second.shape;
    }
    // A manifest entry used as is.
    int32_t param(const std::string& path, const Shape& expect) {
        return constant(path, expect, take(path, expect).floats);
    }
    int32_t constant(const std::string& name, const Shape& shape, std::vector<float> values) {
        int32_t id = m.weight(name, shape, std::move(values));
        set_ref(id, shape);
        return id;
    }
    const Shape& ref(int32_t id) const { return ref_.at(size_t(id)); }
    int64_t channels(int32_t id) const { return ref(id)[-1]; }

    // ---- nodes (each computes its reference output shape) ----
    int32_t conv(const std::string& name, int32_t x, int32_t w, int32_t bias, int32_t stride, Padding padding,
                 Activation act = Activation::None, int32_t pad = 0) {
        const Shape& xs = ref(x);
        const Shape& ws = ref(w);
        LFR_CHECK(ws[2] == xs[3], name + ": filter " + ws.str() + " does not fit input " + xs.str());
        Attrs a = window_attrs(stride, padding, pad);
        a.act = act;
        if (act == Activation::Leaky) a.alpha = kLeakyAlpha;
        Shape out{xs[0], out_size(xs[1], ws[0], stride, padding, pad, pad),
                  out_size(xs[2], ws[1], stride, padding, pad, pad), ws[3]};
        return add(OpType::Conv2D, name, {x, w, bias}, a, out);
    }
    int32_t depthwise(const std::string& name, int32_t x, int32_t w, int32_t bias, int32_t stride, Padding padding,
                      Activation act = Activation::None, int32_t pad = 0) {
        const Shape& xs = ref(x);
        const Shape& ws = ref(w);
        LFR_CHECK(ws[2] == xs[3] && ws[3] == 1, name + ": depthwise filter " + ws.str() + " does not fit " + xs.str());
        Attrs a = window_attrs(stride, padding, pad);
        a.act = act;
        Shape out{xs[0], out_size(xs[1], ws[0], stride, padding, pad, pad),
                  out_size(xs[2], ws[1], stride, padding, pad, pad), xs[3]};
        return add(OpType::DepthwiseConv2D, name, {x, w, bias}, a, out);
    }
    int32_t pool(OpType op, const std::string& name, int32_t x, int32_t k, int32_t stride, Padding padding) {
        const Shape& xs = ref(x);
        Attrs a = window_attrs(stride, padding, 0);
        a.kernel_h = a.kernel_w = k;
        Shape out{xs[0], out_size(xs[1], k, stride, padding, 0, 0), out_size(xs[2], k, stride, padding, 0, 0), xs[3]};
        return add(op, name, {x}, a, out);
    }
    int32_t binary(OpType op, const std::string& name, int32_t a, int32_t b, Activation act = Activation::None) {
        Attrs at;
        at.act = act;
        return add(op, name, {a, b}, at, broadcast(ref(a), ref(b), name));
    }
    int32_t unary(OpType op, const std::string& name, int32_t x) { return add(op, name, {x}, {}, ref(x)); }
    int32_t matmul(const std::string& name, int32_t x, int32_t w, int32_t bias) {
        LFR_CHECK(ref(x)[1] == ref(w)[0], name + ": " + ref(x).str() + " x " + ref(w).str());
        return add(OpType::MatMul, name, {x, w, bias}, {}, Shape{ref(x)[0], ref(w)[1]});
    }
    int32_t reshape(const std::string& name, int32_t x, const std::vector<int32_t>& target) {
        Attrs a;
        a.ints = target;
        Shape out;
        int64_t known = 1, unknown = -1;
        for (size_t i = 0; i < target.size(); ++i) {
            out[out.rank++] = target[i];
            if (target[i] < 0) unknown = int64_t(i);
            else known *= target[i];
        }
        if (unknown >= 0) out.dim[unknown] = ref(x).numel() / known;
        LFR_CHECK(out.numel() == ref(x).numel(), name + ": cannot reshape " + ref(x).str() + " to " + out.str());
        return add(OpType::Reshape, name, {x}, a, out);
    }
    // Zero padding: before/after per dimension.
    int32_t pad(const std::string& name, int32_t x, const std::vector<int32_t>& before_after) {
        Attrs a;
        a.ints = before_after;
        Shape out = ref(x);
        for (int d = 0; d < out.rank; ++d) out[d] += before_after[2 * d] + before_after[2 * d + 1];
        return add(OpType::Pad, name, {x}, a, out);
    }
    int32_t concat(const std::string& name, const std::vector<int32_t>& xs, int32_t axis) {
        Attrs a;
        a.axis = axis;
        Shape out = ref(xs[0]);
        for (size_t i = 1; i < xs.size(); ++i) out[axis] += ref(xs[i])[axis];
        return add(OpType::Concat, name, xs, a, out);
    }
    int32_t mean(const std::string& name, int32_t x, const std::vector<int32_t>& axes) {
        Attrs a;
        a.ints = axes;
        Shape out;
        for (int d = 0; d < ref(x).rank; ++d)
            if (std::find(axes.begin(), axes.end(), d) == axes.end()) out[out.rank++] = ref(x)[d];
        return add(OpType::Mean, name, {x}, a, out);
    }
    // x[..., begin:end] on the last axis (all other axes whole; shapes must be fixed).
    int32_t slice_last(const std::string& name, int32_t x, int32_t begin, int32_t end) {
        const Shape& xs = ref(x);
        Attrs a;
        for (int d = 0; d < xs.rank; ++d) a.ints.push_back(d == xs.rank - 1 ? begin : 0);
        for (int d = 0; d < xs.rank; ++d) a.ints.push_back(d == xs.rank - 1 ? end : int32_t(xs[d]));
        for (int d = 0; d < xs.rank; ++d) a.ints.push_back(1);
        Shape out = xs;
        out[-1] = end - begin;
        return add(OpType::StridedSlice, name, {x}, a, out);
    }

    // The graph must use every float entry of the manifest; `ignored` lists the float entries
    // face-api itself never reads. int32 entries (shapes, axes left over from the TF export) are
    // never read by face-api either.
    ConvertedModel finish(const std::vector<int32_t>& outputs, const std::set<std::string>& ignored = {}) {
        for (const auto& [name, w] : weights_)
            LFR_CHECK(w.is_int || used_.count(name) || ignored.count(name),
                      stem_ + ": manifest weight " + name + " is not used");
        for (int32_t o : outputs) m.output(o);
        return std::move(m);
    }

private:
    static Attrs window_attrs(int32_t stride, Padding padding, int32_t pad) {
        Attrs a;
        a.stride_h = a.stride_w = stride;
        a.padding = padding;
        if (padding == Padding::Explicit) a.pad_top = a.pad_bottom = a.pad_left = a.pad_right = pad;
        return a;
    }
    static Shape broadcast(const Shape& a, const Shape& b, const std::string& name) {
        Shape out;
        out.rank = std::max(a.rank, b.rank);
        for (int i = 1; i <= out.rank; ++i) {
            int64_t da = i <= a.rank ? a[-i] : 1, db = i <= b.rank ? b[-i] : 1;
            LFR_CHECK(da == db || da == 1 || db == 1, name + ": cannot broadcast " + a.str() + " with " + b.str());
            out[-i] = da == 1 ? db : da;
        }
        return out;
    }
    int32_t add(OpType op, const std::string& name, std::vector<int32_t> in, Attrs a, const Shape& out) {
        int32_t id = m.node(op, name, std::move(in), std::move(a));
        m.graph.tensors[size_t(id)].shape = out;
        set_ref(id, out);
        return id;
    }
    void set_ref(int32_t id, const Shape& s) {
        if (ref_.size() <= size_t(id)) ref_.resize(size_t(id) + 1);
        ref_[size_t(id)] = s;
    }

    std::string stem_;
    std::map<std::string, ManifestWeight> weights_;
    std::set<std::string> used_;
    std::vector<Shape> ref_;
};

// ops/normalize.ts + `.div(255)`: tf.sub(x, [r, g, b] filled as float32) then x / 255.
int32_t normalize_mean_div(FaceApiGraph& g, int32_t x, const std::vector<float>& mean_rgb, float divisor) {
    int32_t mean = g.constant("normalize/mean_rgb", Shape{3}, mean_rgb);
    int32_t div = g.constant("normalize/divisor", Shape{3}, {divisor, divisor, divisor});
    int32_t centred = g.binary(OpType::Sub, "normalize/sub_mean", x, mean);
    return g.binary(OpType::Div, "normalize/div", centred, div);
}

// common/convLayer.ts (conv2d + bias, stride 1) with the given padding and activation.
int32_t conv_bias(FaceApiGraph& g, const std::string& prefix, int32_t x, int32_t stride, Padding padding,
                  Activation act, const std::string& filters = "filters", const std::string& bias = "bias") {
    Shape fs = g.shape_of(prefix + "/" + filters);
    int32_t w = g.param(prefix + "/" + filters, fs);
    int32_t b = g.param(prefix + "/" + bias, Shape{fs[3]});
    return g.conv(prefix, x, w, b, stride, padding, act);
}

// tf.separableConv2d(x, depthwise_filter, pointwise_filter, stride, padding) + bias: a depthwise conv
// without bias, then a 1x1 conv with the bias and the activation. pad > 0: explicit zero padding.
int32_t separable(FaceApiGraph& g, const std::string& prefix, int32_t x, int32_t stride, Padding padding, int32_t pad,
                  Activation act) {
    const int64_t c = g.channels(x);
    int32_t dw = g.param(prefix + "/depthwise_filter", Shape{3, 3, c, 1});
    int32_t d = g.depthwise(prefix + "/depthwise", x, dw, -1, stride, padding, Activation::None, pad);
    Shape ps = g.shape_of(prefix + "/pointwise_filter");
    int32_t pw = g.param(prefix + "/pointwise_filter", Shape{1, 1, c, ps[3]});
    int32_t b = g.param(prefix + "/bias", Shape{ps[3]});
    return g.conv(prefix + "/pointwise", d, pw, b, 1, Padding::Valid, act);
}

// ---------------- tiny_face_detector: tinyYolov2/TinyYolov2Base.ts runMobilenet ----------------
ConvertedModel tiny_face_detector(const std::string& dir) {
    FaceApiGraph g(dir, "tiny_face_detector_model");
    int32_t x = g.input(Shape{-1, -1, -1, 3}, Shape{1, 416, 416, 3});
    // forwardInput: normalize(x, MEAN_RGB) then div(255)  (tinyFaceDetector/const.ts)
    x = normalize_mean_div(g, x, {117.001f, 114.697f, 97.404f}, 255.f);
    // isFirstLayerConv2d: leaky(convLayer(x, conv0, 'valid'))
    x = conv_bias(g, "conv0", x, 1, Padding::Valid, Activation::Leaky);
    for (int i = 1; i <= 5; ++i) {
        const std::string n = "conv" + std::to_string(i);
        x = g.pool(OpType::MaxPool, n + "/maxpool_before", x, 2, 2, Padding::Same);
        // tinyYolov2/depthwiseSeparableConv.ts: pad 1, separableConv2d VALID, + bias, leaky
        x = separable(g, n, x, 1, Padding::Explicit, 1, Activation::Leaky);
    }
    x = g.pool(OpType::MaxPool, "conv5/maxpool_after", x, 2, 1, Padding::Same);
    // filterSizes has 7 entries: no conv6 / conv7. conv8: convLayer(out, conv8, 'valid', false)
    x = conv_bias(g, "conv8", x, 1, Padding::Valid, Activation::None);
    return g.finish({x});
}

// ---------------- face_landmark_68(_tiny): faceFeatureExtractor/ + faceProcessor/ ----------------
// denseBlock.ts denseBlock3 / denseBlock4 (isScaleDown = true): the sums keep face-api's nesting,
// out1 + (out2 + (out3 + out4)), so float rounding matches.
int32_t dense_block(FaceApiGraph& g, const std::string& p, int32_t x, int n_convs, bool first) {
    int32_t out1 = first ? conv_bias(g, p + "/conv0", x, 2, Padding::Same, Activation::Relu)
                         : separable(g, p + "/conv0", x, 2, Padding::Same, 0, Activation::Relu);
    std::vector<int32_t> outs{out1};
    int32_t in = out1;
    for (int k = 1; k < n_convs; ++k) {
        const std::string ck = p + "/conv" + std::to_string(k);
        outs.push_back(separable(g, ck, in, 1, Padding::Same, 0, Activation::None));
        // relu(out1 + (out2 + (... + outk)))
        int32_t sum = outs.back();
        for (int j = k - 1; j >= 0; --j) {
            const std::string n = ck + "/sum" + std::to_string(j + 1);
            sum = g.binary(OpType::Add, n, outs[size_t(j)], sum, j == 0 ? Activation::Relu : Activation::None);
        }
        in = sum;
    }
    return in;
}

ConvertedModel face_landmark_68(const std::string& dir, bool tiny) {
    FaceApiGraph g(dir, tiny ? "face_landmark_68_tiny_model" : "face_landmark_68_model");
    int32_t x = g.input(Shape{-1, 112, 112, 3}, Shape{1, 112, 112, 3});
    x = normalize_mean_div(g, x, {122.782f, 117.001f, 104.298f}, 255.f);
    const int blocks = tiny ? 3 : 4;
    for (int b = 0; b < blocks; ++b) x = dense_block(g, "dense" + std::to_string(b), x, tiny ? 3 : 4, b == 0);
    // FaceFeatureExtractor: avgPool 7 stride 2 VALID; Tiny: avgPool 14 stride 2 VALID
    x = g.pool(OpType::AvgPool, "avgpool", x, tiny ? 14 : 7, 2, Padding::Valid);
    const int32_t c = int32_t(g.channels(x));
    // FaceProcessor.runNet: as2D(batch, -1) then fullyConnectedLayer (matMul + bias)
    x = g.reshape("flatten", x, {-1, c});
    int32_t w = g.param("fc/weights", Shape{c, 136});
    int32_t b = g.param("fc/bias", Shape{136});
    x = g.matmul("fc", x, w, b);
    return g.finish({x});
}

// ---------------- face_recognition_model: faceRecognitionNet/ ----------------
// convLayer.ts: conv2d + bias, then scaleLayer.ts x * weights + biases, optional relu. Folded:
// filters * s, bias * s + biases (in double, rounded once).
int32_t conv_scale(FaceApiGraph& g, const std::string& p, int32_t x, int32_t stride, Padding padding, bool relu) {
    const Shape fs = g.shape_of(p + "/conv/filters");
    const int64_t co = fs[3];
    const auto& f = g.take(p + "/conv/filters", fs);
    const auto& bias = g.take(p + "/conv/bias", Shape{co});
    const auto& s = g.take(p + "/scale/weights", Shape{co});
    const auto& sb = g.take(p + "/scale/biases", Shape{co});
    const size_t nco = size_t(co);
    std::vector<float> wf(f.floats.size()), bf(nco);
    for (size_t i = 0; i < wf.size(); ++i) wf[i] = float(double(f.floats[i]) * s.floats[i % size_t(co)]);
    for (size_t o = 0; o < size_t(co); ++o) bf[o] = float(double(bias.floats[o]) * s.floats[o] + sb.floats[o]);
    int32_t w = g.constant(p + "/conv/filters * " + p + "/scale/weights", fs, std::move(wf));
    int32_t b = g.constant(p + "/conv/bias * " + p + "/scale/weights + " + p + "/scale/biases", Shape{co}, std::move(bf));
    return g.conv(p + "/conv", x, w, b, stride, padding, relu ? Activation::Relu : Activation::None);
}

// residualLayer.ts residual: relu(convNoRelu(conv(x)) + x), convs 3x3 stride 1 SAME
int32_t residual(FaceApiGraph& g, const std::string& p, int32_t x) {
    int32_t out = conv_scale(g, p + "/conv1", x, 1, Padding::Same, true);
    out = conv_scale(g, p + "/conv2", out, 1, Padding::Same, false);
    return g.binary(OpType::Add, p + "/add", out, x, Activation::Relu);
}

// residualLayer.ts residualDown: conv path convDown (3x3 stride 2 VALID + relu) then convNoRelu;
// shortcut avgPool 2x2 stride 2 VALID. Where the conv path is smaller it gets a zero row at the
// bottom and a zero column at the right (concat along H, then W); where channels differ the
// shortcut gets as many zero channels after its own (concat along C). Then relu(pooled + out).
int32_t residual_down(FaceApiGraph& g, const std::string& p, int32_t x) {
    int32_t out = conv_scale(g, p + "/conv1", x, 2, Padding::Valid, true);
    out = conv_scale(g, p + "/conv2", out, 1, Padding::Same, false);
    int32_t pooled = g.pool(OpType::AvgPool, p + "/avgpool", x, 2, 2, Padding::Valid);
    const Shape ps = g.ref(pooled), os = g.ref(out);
    if (ps[1] != os[1] || ps[2] != os[2]) {
        // face-api appends exactly one row and one column of zeros
        LFR_CHECK(ps[1] == os[1] + 1 && ps[2] == os[2] + 1,
                  p + ": conv path " + os.str() + " vs shortcut " + ps.str() + " is not a one row/column difference");
        out = g.pad(p + "/pad_hw", out, {0, 0, 0, 1, 0, 1, 0, 0});
    }
    if (ps[3] != os[3]) {
        // tf.concat([pooled, zeros(pooled.shape)], 3): the channels double
        LFR_CHECK(os[3] == 2 * ps[3], p + ": conv path " + os.str() + " vs shortcut " + ps.str());
        pooled = g.pad(p + "/pad_channels", pooled, {0, 0, 0, 0, 0, 0, 0, int32_t(ps[3])});
    }
    return g.binary(OpType::Add, p + "/add", pooled, out, Activation::Relu);
}

ConvertedModel face_recognition(const std::string& dir) {
    FaceApiGraph g(dir, "face_recognition_model");
    int32_t x = g.input(Shape{-1, 150, 150, 3}, Shape{1, 150, 150, 3});
    x = normalize_mean_div(g, x, {122.782f, 117.001f, 104.298f}, 255.f);
    // FaceRecognitionNet.forwardInput
    x = conv_scale(g, "conv32_down", x, 2, Padding::Valid, true);  // convDown: 7x7 stride 2 VALID + relu
    x = g.pool(OpType::MaxPool, "conv32_down/maxpool", x, 3, 2, Padding::Valid);
    for (const char* p : {"conv32_1", "conv32_2", "conv32_3"}) x = residual(g, p, x);
    x = residual_down(g, "conv64_down", x);
    for (const char* p : {"conv64_1", "conv64_2", "conv64_3"}) x = residual(g, p, x);
    x = residual_down(g, "conv128_down", x);
    for (const char* p : {"conv128_1", "conv128_2"}) x = residual(g, p, x);
    x = residual_down(g, "conv256_down", x);
    for (const char* p : {"conv256_1", "conv256_2"}) x = residual(g, p, x);
    x = residual_down(g, "conv256_down_out", x);
    x = g.mean("global_avg", x, {1, 2});
    int32_t fc = g.param("fc", Shape{256, 128});
    x = g.matmul("fc", x, fc, -1);
    return g.finish({x});
}

// ---------------- ssd_mobilenetv1: ssdMobilenetv1/ ----------------
// pointwiseConvLayer.ts: conv2d SAME + batch_norm_offset, clipByValue(0, 6)
int32_t ssd_pointwise(FaceApiGraph& g, const std::string& prefix, int idx, int32_t x, int32_t stride) {
    const std::string p = prefix + "/Conv2d_" + std::to_string(idx) + "_pointwise";
    return conv_bias(g, p, x, stride, Padding::Same, Activation::Relu6, "weights", "convolution_bn_offset");
}

// mobileNetV1.ts depthwiseConvLayer: depthwiseConv2d SAME, batchNorm (folded), clipByValue(0, 6)
int32_t ssd_depthwise(FaceApiGraph& g, int idx, int32_t x, int32_t stride) {
    const std::string p = "MobilenetV1/Conv2d_" + std::to_string(idx) + "_depthwise";
    const int64_t c = g.channels(x);
    const auto& f = g.take(p + "/depthwise_weights", Shape{3, 3, c, 1});
    const auto& gamma = g.take(p + "/BatchNorm/gamma", Shape{c});
    const auto& beta = g.take(p + "/BatchNorm/beta", Shape{c});
    const auto& mean = g.take(p + "/BatchNorm/moving_mean", Shape{c});
    const auto& var = g.take(p + "/BatchNorm/moving_variance", Shape{c});
    const size_t nc = size_t(c);
    std::vector<double> k(nc);
    std::vector<float> wf(f.floats.size()), bf(nc);
    for (size_t i = 0; i < size_t(c); ++i) {
        k[i] = double(gamma.floats[i]) / std::sqrt(double(var.floats[i]) + kSsdBatchNormEpsilon);
        bf[i] = float(double(beta.floats[i]) - double(mean.floats[i]) * k[i]);
    }
    for (size_t i = 0; i < wf.size(); ++i) wf[i] = float(f.floats[i] * k[i % size_t(c)]);
    const std::string bn = p + "/BatchNorm/";
    int32_t w = g.constant(p + "/depthwise_weights * " + bn + "gamma / sqrt(" + bn + "moving_variance + eps)", f.shape,
                           std::move(wf));
    int32_t b = g.constant(bn + "beta - " + bn + "moving_mean * " + bn + "gamma / sqrt(" + bn +
                               "moving_variance + eps)",
                           Shape{c}, std::move(bf));
    return g.depthwise(p, x, w, b, stride, Padding::Same, Activation::Relu6);
}

ConvertedModel ssd_mobilenetv1(const std::string& dir) {
    FaceApiGraph g(dir, "ssd_mobilenetv1_model");
    // Batch fixed at 1: face-api's locateFaces only ever reads batch item 0, and the decode below
    // slices with fixed bounds.
    int32_t x = g.input(Shape{1, 512, 512, 3}, Shape{1, 512, 512, 3});
    // SsdMobilenetv1.forwardInput: tf.sub(tf.div(x, 127.5), 1)
    int32_t d = g.constant("normalize/divisor", Shape{3}, {127.5f, 127.5f, 127.5f});
    int32_t one = g.constant("normalize/one", Shape{3}, {1.f, 1.f, 1.f});
    x = g.binary(OpType::Div, "normalize/div", x, d);
    x = g.binary(OpType::Sub, "normalize/sub_one", x, one);

    // mobileNetV1.ts
    x = ssd_pointwise(g, "MobilenetV1", 0, x, 2);
    int32_t conv11 = -1;
    for (int i = 1; i <= 13; ++i) {
        const int32_t stride = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;
        x = ssd_depthwise(g, i, x, stride);
        x = ssd_pointwise(g, "MobilenetV1", i, x, 1);
        if (i == 11) conv11 = x;
    }
    // predictionLayer.ts
    std::vector<int32_t> convs(8);
    int32_t in = x;
    for (int i = 0; i < 8; ++i) in = convs[size_t(i)] = ssd_pointwise(g, "Prediction", i, in, i % 2 ? 2 : 1);
    const int32_t sources[6] = {conv11, x, convs[1], convs[3], convs[5], convs[7]};
    std::vector<int32_t> boxes, classes;
    for (int i = 0; i < 6; ++i) {
        // boxPredictionLayer.ts: convLayer (SAME, 1x1) then reshape [batch, -1, 1, 4] / [batch, -1, 3]
        const std::string p = "Prediction/BoxPredictor_" + std::to_string(i);
        int32_t be = conv_bias(g, p + "/BoxEncodingPredictor", sources[i], 1, Padding::Same, Activation::None,
                               "weights", "biases");
        int32_t cp = conv_bias(g, p + "/ClassPredictor", sources[i], 1, Padding::Same, Activation::None, "weights",
                               "biases");
        boxes.push_back(g.reshape(p + "/box_encodings", be, {1, -1, 4}));
        classes.push_back(g.reshape(p + "/class_predictions", cp, {1, -1, 3}));
    }
    int32_t enc = g.concat("box_encodings", boxes, 1);       // [1, A, 4] (ty, tx, th, tw)
    int32_t cls = g.concat("class_predictions", classes, 1);  // [1, A, 3] logits
    const int64_t A = g.ref(enc)[1];

    // outputLayer.ts decodeBoxesLayer. The anchor terms (sizes, centers) are constants, computed here
    // in float32 with the same operations tfjs uses, so they are bit-identical.
    const auto& anchors = g.take("Output/extra_dim", Shape{1, A, 4});
    const size_t na = size_t(A);
    std::vector<float> size0(na), size1(na), ctr0(na), ctr1(na);
    for (size_t a = 0; a < size_t(A); ++a) {
        const float* v = &anchors.floats[4 * a];
        size0[a] = v[2] - v[0];
        size1[a] = v[3] - v[1];
        ctr0[a] = v[0] + size0[a] / 2.f;
        ctr1[a] = v[1] + size1[a] / 2.f;
    }
    const Shape col{A, 1};
    int32_t s0 = g.constant("Output/extra_dim: sizes[0] = a2 - a0", col, size0);
    int32_t s1 = g.constant("Output/extra_dim: sizes[1] = a3 - a1", col, size1);
    int32_t c0 = g.constant("Output/extra_dim: centers[0] = a0 + sizes[0] / 2", col, ctr0);
    int32_t c1 = g.constant("Output/extra_dim: centers[1] = a1 + sizes[1] / 2", col, ctr1);
    int32_t two = g.constant("decode/2", Shape{1}, {2.f});
    int32_t five = g.constant("decode/5", Shape{1}, {5.f});
    int32_t ten = g.constant("decode/10", Shape{1}, {10.f});
    int32_t v[4];
    for (int k = 0; k < 4; ++k) v[k] = g.slice_last("decode/vec" + std::to_string(k), enc, k, k + 1);  // [1, A, 1]
    auto half_extent = [&](const std::string& n, int32_t vk, int32_t size) {  // exp(v / 5) * size / 2
        int32_t t = g.binary(OpType::Div, n + "/div5", vk, five);
        t = g.unary(OpType::Exp, n + "/exp", t);
        t = g.binary(OpType::Mul, n + "/mul_size", t, size);
        return g.binary(OpType::Div, n + "/div2", t, two);
    };
    auto centre = [&](const std::string& n, int32_t vk, int32_t size, int32_t ctr) {  // v / 10 * size + center
        int32_t t = g.binary(OpType::Div, n + "/div10", vk, ten);
        t = g.binary(OpType::Mul, n + "/mul_size", t, size);
        return g.binary(OpType::Add, n + "/add_center", t, ctr);
    };
    int32_t div0 = half_extent("decode/div0", v[2], s0);
    int32_t add0 = centre("decode/add0", v[0], s0, c0);
    int32_t div1 = half_extent("decode/div1", v[3], s1);
    int32_t add1 = centre("decode/add1", v[1], s1, c1);
    int32_t box = g.concat("boxes", {g.binary(OpType::Sub, "decode/ymin", add0, div0),
                                     g.binary(OpType::Sub, "decode/xmin", add1, div1),
                                     g.binary(OpType::Add, "decode/ymax", add0, div0),
                                     g.binary(OpType::Add, "decode/xmax", add1, div1)},
                           2);  // [1, A, 4]
    // sigmoid(slice(classPredictions, [0,0,1])) then its first column, reshaped to [batch, A]
    int32_t score = g.slice_last("scores/logit", cls, 1, 2);
    score = g.unary(OpType::Sigmoid, "scores/sigmoid", score);
    score = g.reshape("scores", score, {1, int32_t(A)});
    // float scalars of the TF export's preprocessor (1/127.5 and 1); face-api hard-codes them
    const std::set<std::string> ignored = {"Preprocessor/mul/x", "Preprocessor/sub/y"};
    return g.finish({box, score}, ignored);
}

}  // namespace

const std::vector<std::string>& faceapi_net_names() {
    static const std::vector<std::string> names = {"tiny_face_detector", "face_landmark_68", "face_landmark_68_tiny",
                                                   "face_recognition_model", "ssd_mobilenetv1"};
    return names;
}

std::string faceapi_model_stem(const std::string& net_name) {
    return net_name == "face_recognition_model" ? net_name : net_name + "_model";
}

ConvertedModel convert_faceapi(const std::string& net_name, const std::string& model_dir) {
    if (net_name == "tiny_face_detector") return tiny_face_detector(model_dir);
    if (net_name == "face_landmark_68") return face_landmark_68(model_dir, false);
    if (net_name == "face_landmark_68_tiny") return face_landmark_68(model_dir, true);
    if (net_name == "face_recognition_model") return face_recognition(model_dir);
    if (net_name == "ssd_mobilenetv1") return ssd_mobilenetv1(model_dir);
    std::string known;
    for (const auto& n : faceapi_net_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown face-api net '" + net_name + "' (known: " + known + ")");
}

}  // namespace lfr::tools
