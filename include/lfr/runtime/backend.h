// Where a model runs. A Backend opens Runners on a loaded Model: the CPU backend's runner is a Session
// (runtime/executor.h), the CUDA backend's a CudaSession (lfr/cuda/backend.h). The face pipeline takes
// a backend in its options, so the same stages run on either.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "lfr/core/tensor.h"

namespace lfr {

class Model;

// One model's inputs to outputs. Holds its working memory; used by one thread at a time.
class Runner {
public:
    virtual ~Runner() = default;
    virtual std::vector<Tensor> run(const std::vector<ConstTensorView>& inputs) = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    // Whether this backend can run `model` here (the CUDA backend: a device is present).
    virtual bool supports(const Model& model) const = 0;
    // A runner on `model`, which must outlive it.
    virtual std::unique_ptr<Runner> open(const Model& model) const = 0;
};

}  // namespace lfr
