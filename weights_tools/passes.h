// Graph rewrites on a ConvertedModel, shared by every converter. Each fold is one small function
// that returns how many rewrites it made; run_default_passes() applies them all to a fixed point,
// then drops dead nodes and unused tensors.
//
// Conventions the folds rely on (the IR's, see lfr/graph/graph.h):
//  - Conv2D / DepthwiseConv2D / MatMul inputs are [x, w, bias (or -1), prelu alpha (or -1)];
//  - a fold that removes a node B which consumed A's output makes A produce B's output tensor, so
//    tensor names seen by callers (graph outputs) survive the fold;
//  - a value is only folded away when its producer has exactly one consumer and it is not a graph
//    output;
//  - weights that are shared by several nodes are copied before a fold changes them.
#pragma once
#include <vector>

#include "lfr/format/builder.h"

namespace lfr::tools {

// Conv/Depthwise/MatMul (act None) followed by Add/Sub of a per-channel (or scalar) constant:
// the constant goes into the bias.
int fold_bias_add(ConvertedModel& m);
// Conv/Depthwise/MatMul (act None) followed by Mul by a per-channel (or scalar) constant: weights
// and bias are scaled per output channel.
int fold_mul_scale(ConvertedModel& m);
// Conv/Depthwise/MatMul/binary op (act None) followed by Relu/Relu6/LeakyRelu/Sigmoid, or
// (conv/matmul only) Prelu with a per-channel constant alpha: becomes the fused act.
int fold_activation(ConvertedModel& m);
// Pad (fill 0, H/W only, non-negative) feeding a Conv/Depthwise with Valid or Explicit padding:
// becomes explicit padding of the conv.
int fold_pad_into_conv(ConvertedModel& m);
// Minimum(x, 6) -> Maximum(., 0) (either order) becomes Relu6(x); Relu6(Relu(x)) becomes Relu6(x).
int fold_clip_to_relu6(ConvertedModel& m);
// max(x, 0) + gamma * (a negative part of x) becomes Prelu(x, alpha), operands in any order, also
// relu(x) - gamma * relu(-x). The positive part is Maximum(x, 0) or Relu(x); the negative parts are
// Minimum(x, 0), Neg(Relu(Neg(x))) (MTCNN), Relu(Neg(x)) (= -min(x, 0)) and Sub(x, Abs(x))
// (= 2 min(x, 0), MobileFaceNet); alpha is gamma times that factor.
int fold_decomposed_prelu(ConvertedModel& m);
// Div(e, Sum(e)) with e = Exp(Sub(x, Max(x))), reductions over the last axis with keep_dims (a
// softmax spelled out, as in MTCNN) becomes Softmax(x).
int fold_decomposed_softmax(ConvertedModel& m);
// Removes nodes no graph output depends on, then tensors nothing references (renumbering ids).
int eliminate_dead_nodes(ConvertedModel& m);

// All of the above to a fixed point, then dead-node elimination.
void run_default_passes(ConvertedModel& m);

// Helpers the converters and tests share.
std::vector<int> consumer_counts(const Graph& g);  // per tensor: number of node inputs using it
int producer_of(const Graph& g, int32_t tensor);   // node index, or -1

}  // namespace lfr::tools
