// The CUDA backend for the face pipeline: PipelineOptions::backend = lfr::cuda::backend(). Each runner
// is a CudaSession (weights uploaded when it is opened; nodes without a CUDA kernel run on the CPU).
#pragma once
#include <memory>
#include <string>

#include "lfr/cuda/session.h"

namespace lfr {
namespace cuda {

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(int device = 0) : device_(device) {}
    std::string name() const override { return "cuda"; }
    bool supports(const Model&) const override { return cuda_available(); }
    std::unique_ptr<Runner> open(const Model& model) const override { return std::make_unique<CudaSession>(model, device_); }

private:
    int device_;
};

inline std::shared_ptr<const Backend> backend(int device = 0) { return std::make_shared<CudaBackend>(device); }

}  // namespace cuda
}  // namespace lfr
