// The three kinds of stage a Pipeline composes. Each model family implements one of them in its own
// file under lfr/face/stages/ (preprocessing, decoding, alignment template, distance and default
// threshold included) and adds one line to registry.h. Stages hold their models as StageModels
// (weights prepared once, sessions reused between calls), so one stage may serve several threads at
// once with no per-call setup.
#pragma once
#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lfr/core/tensor.h"
#include "lfr/face/options.h"
#include "lfr/face/types.h"
#include "lfr/format/model_file.h"
#include "lfr/runtime/executor.h"
#include "lfr/image/image.h"

namespace lfr {

class FaceDetector {
public:
    virtual ~FaceDetector() = default;
    // Face boxes (with keypoints where the model gives them), best first, in image pixels, at this
    // score threshold (< 0: default_score_threshold()).
    virtual std::vector<Detection> detect(const Image& img, float score_threshold) const = 0;
    // The reference runtime's threshold, and the lower one used to find the subject of a portrait.
    virtual float default_score_threshold() const = 0;
    virtual float subject_score_threshold() const = 0;
    // The side of the network input (for reports; MTCNN: its first pyramid level's PNet input).
    virtual int input_size() const = 0;
    // This detector's typical box side relative to BlazeFace's on the same face (for crops that were
    // defined on BlazeFace boxes, e.g. faceres'); 1 where not measured.
    virtual float box_scale() const { return 1.f; }
};

class Landmarker {
public:
    virtual ~Landmarker() = default;
    // One Face per detection whose crop lies in the image (others are dropped), landmarks filled in.
    virtual std::vector<Face> locate(const Image& img, const std::vector<Detection>& dets) const = 0;
    virtual int points() const = 0;  // 68 (iBUG layout) or 5 (eyes, nose, mouth corners, image-left first)
};

class FaceEmbedder {
public:
    virtual ~FaceEmbedder() = default;
    virtual int descriptor_size() const = 0;
    // Same person when the Euclidean distance between two descriptors is below this. (Embedders trained
    // with an angular loss give unit-length descriptors, so this is also a cosine threshold:
    // d^2 = 2 - 2 cos.)
    virtual float default_threshold() const = 0;
    // Fills Face::descriptor (and attributes the model gives) for every face, one batched run.
    virtual void embed(const Image& img, std::vector<Face>& faces) const = 0;
    // The network input for one face [1,S,S,3], for drawing or debugging the alignment.
    virtual Tensor aligned_crop(const Image& img, const Face& face) const = 0;
};

// A stage's network NAME: from PipelineOptions::models_in_memory (in place), else models_dir/NAME.lfr.
inline Model load_stage_model(const PipelineOptions& o, const std::string& name) {
    const auto in_memory = o.models_in_memory.find(name);
    if (in_memory != o.models_in_memory.end())
        return Model::from_memory(in_memory->second.data, in_memory->second.size, name + " (in memory)");
    return Model::load(o.models_dir + "/" + name + ".lfr");
}

// A stage's network (load_stage_model), with what its runs reuse: idle runners, each keeping its
// memory plan and arena while input shapes repeat, and on the CPU (no PipelineOptions::backend) the
// GEMM weights packed once at load and the pipeline's thread pool. Callers on several threads at once
// each check out a runner of their own.
class StageModel {
public:
    StageModel(const PipelineOptions& o, const std::string& name)
        : model_(std::make_unique<Model>(load_stage_model(o, name))), backend_(o.backend) {
        if (backend_)
            LFR_CHECK(backend_->supports(*model_), model_->label() + ": the " + backend_->name() + " backend cannot run it here (no device?)");
        else
            weights_ = prepare_weights(*model_), pool_ = o.pool;
    }

    const Model& model() const { return *model_; }

    // A session for the caller alone; it goes back to the idle list when the lease ends.
    class Lease {
    public:
        Lease(const StageModel& owner, std::unique_ptr<Runner> s) : owner_(&owner), s_(std::move(s)) {}
        Lease(Lease&&) = default;
        ~Lease() {
            if (!s_) return;
            std::lock_guard<std::mutex> lock(owner_->mutex_);
            owner_->idle_.push_back(std::move(s_));
        }
        Runner* operator->() const { return s_.get(); }

    private:
        const StageModel* owner_;
        std::unique_ptr<Runner> s_;
    };

    Lease session() const {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!idle_.empty()) {
                std::unique_ptr<Runner> s = std::move(idle_.back());
                idle_.pop_back();
                return Lease(*this, std::move(s));
            }
        }
        if (backend_) return Lease(*this, backend_->open(*model_));
        SessionOptions so;
        so.pool = pool_.get();
        so.weights = weights_;
        return Lease(*this, std::make_unique<Session>(*model_, so));
    }
    std::vector<Tensor> run(const std::vector<ConstTensorView>& inputs) const { return session()->run(inputs); }

private:
    std::unique_ptr<Model> model_;  // sessions point at it: a stable address
    std::shared_ptr<const Backend> backend_;  // null: the CPU, with the two below
    std::shared_ptr<const PreparedWeights> weights_;
    std::shared_ptr<ThreadPool> pool_;
    mutable std::mutex mutex_;
    mutable std::vector<std::unique_ptr<Runner>> idle_;
};

inline void check_image(const Image& img) {
    LFR_CHECK(img.width > 0 && img.height > 0 && img.rgb.size() == size_t(img.width) * size_t(img.height) * 3,
              "empty or malformed image (" + std::to_string(img.width) + "x" + std::to_string(img.height) + ")");
}

// Runs a single-input model on x [N,...] when the model takes a fixed batch B (TFLite files often do):
// in chunks of B, the last one zero-padded; outputs concatenated back to N rows. Any batch: one run.
inline std::vector<Tensor> run_batched(const StageModel& model, const Tensor& x) {
    const StageModel::Lease s = model.session();
    const Graph& g = model.model().graph();
    const int64_t b = g.tensors[size_t(g.inputs.at(0))].shape[0];
    const int64_t n = x.shape[0];
    if (b <= 0 || b == n) return s->run({x.view()});
    const int64_t per = x.shape.numel() / n;
    std::vector<Tensor> outs;
    Shape cs = x.shape;
    cs[0] = b;
    Tensor chunk(cs);
    for (int64_t at = 0; at < n; at += b) {
        const int64_t m = std::min(b, n - at);
        std::fill(chunk.values.begin(), chunk.values.end(), 0.f);
        std::copy_n(x.values.data() + at * per, m * per, chunk.values.data());
        std::vector<Tensor> got = s->run({chunk.view()});
        if (outs.empty())
            for (const Tensor& t : got) {
                Shape os = t.shape;
                os[0] = n;
                outs.emplace_back(os);
            }
        for (size_t k = 0; k < got.size(); ++k) {
            const int64_t row = got[k].shape.numel() / b;
            std::copy_n(got[k].values.data(), m * row, outs[k].values.data() + at * row);
        }
    }
    return outs;
}

// Copies batch slot `from` mirrored left-right into slot `to` ([N,S,S,C]).
inline void mirror_slot(Tensor& batch, int64_t from, int64_t to) {
    const int64_t h = batch.shape[1], w = batch.shape[2], c = batch.shape[3], per = h * w * c;
    const float* src = batch.values.data() + from * per;
    float* dst = batch.values.data() + to * per;
    for (int64_t r = 0; r < h; ++r)
        for (int64_t x = 0; x < w; ++x) std::copy_n(src + (r * w + w - 1 - x) * c, c, dst + (r * w + x) * c);
}

}  // namespace lfr
