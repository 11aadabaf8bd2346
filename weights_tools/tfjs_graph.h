// Converting a TF.js graph model (model.json: `modelTopology` = TF GraphDef as JSON, plus its
// `weightsManifest` and .bin shards) into an lfr graph.
//
// Everything static is resolved here so the runtime does no layout work: constants become weights
// (float) or attributes (int32 shapes, axes, paddings, slice bounds), fused TF ops map to lfr ops
// with bias and activation, shape-computing subgraphs are evaluated, and static shapes are
// propagated from the Placeholder (batch 1 where it is dynamic) to resolve StridedSlice masks,
// ExpandDims/Squeeze and Reshape. Graph inputs keep -1 for the dynamic batch; graph outputs come
// in the order TF.js `GraphModel.execute()` returns them (signature outputs, else sink nodes in
// node order) and are named after the TF node that produces them (e.g. "Identity_1").
//
// Errors are lfr::Error with the model name: "iris: unsupported TF op Foo at node bar".
#pragma once
#include <cstddef>
#include <string>

#include "lfr/format/builder.h"

namespace lfr::tools {

struct TfjsOptions {
    bool optimize = true;  // run run_default_passes() (folds); dead nodes are always removed
};

struct TfjsReport {
    size_t tf_nodes = 0;          // nodes in the GraphDef (Const included)
    size_t nodes_before_folds = 0;  // lfr nodes right after mapping, before the passes
    bool batch_pinned = false;    // a Shape op or a Reshape target fixed a dynamic batch to 1
};

ConvertedModel convert_tfjs_graph(const std::string& json_path);
ConvertedModel convert_tfjs_graph(const std::string& json_path, const TfjsOptions& options, TfjsReport* report = nullptr);

// Round-trips the model through serialize_model / Model::from_memory (throws lfr::Error if the
// result does not load) and returns the serialised bytes.
std::vector<uint8_t> validate_round_trip(const ConvertedModel& m);

}  // namespace lfr::tools
