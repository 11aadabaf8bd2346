// The CUDA backend's per-node entry points (defined in kernels/dispatch.cpp, library lfr::cuda).
// A node runs on the device when supports() says so for its input shapes; otherwise the caller
// (CudaSession) runs the CPU kernel. Tensor views passed here hold device pointers.
#pragma once
#include <vector>

#include "lfr/core/tensor.h"
#include "lfr/cuda/device.h"
#include "lfr/graph/graph.h"

namespace lfr {
namespace cuda {

// Whether a CUDA kernel implements `node` for these input shapes (an absent optional input has
// rank -1, as in the CPU executor). False for ops without a kernel (ResizeBilinear), reductions over
// axes other than H,W of NHWC, and tensors of 2^31 elements or more.
bool supports(const Node& node, const std::vector<Shape>& in);

// Runs one node on ctx's stream (asynchronously). in/out hold device pointers; out.shape is the
// inferred output shape. Throws lfr::Error when !supports(node, shapes).
void run_node(const Node& node, const std::vector<ConstTensorView>& in, TensorView out, const Context& ctx);

// Depthwise-separable fusion: `dw` (DepthwiseConv2D, multiplier 1) whose output is the x of `pw`
// (a 1x1 stride-1 unpadded Conv2D) runs as one kernel that never writes the depthwise output.
bool supports_depthwise_pointwise(const Node& dw, const std::vector<Shape>& dw_in, const Node& pw,
                                  const std::vector<Shape>& pw_in);
// Whether that fused kernel is the faster choice for these shapes: it is for few channels, and the two
// separate kernels are for many (bench_gpu's "fused / split ms by shape" sweep). CudaSession fuses only
// where this holds.
bool depthwise_pointwise_pays(const std::vector<Shape>& pw_in);
// pw_in[0] (the depthwise output) is not read; out is pw's output.
void run_depthwise_pointwise(const Node& dw, const std::vector<ConstTensorView>& dw_in, const Node& pw,
                             const std::vector<ConstTensorView>& pw_in, TensorView out, const Context& ctx);

}  // namespace cuda
}  // namespace lfr
