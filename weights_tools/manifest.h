// Reading TF.js weight manifests (the `weightsManifest` of a graph model, or face-api's
// `*-weights_manifest.json`): shards concatenated in order, each entry decoded to float32 exactly as
// tfjs-core's io.decodeWeights does (uint8/uint16 affine: float(q * scale + min) computed in double;
// float16: exact widening; int32 kept as integers).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lfr/core/shape.h"

namespace lfr::tools {

struct ManifestWeight {
    std::string name;
    Shape shape;
    bool is_int = false;          // int32 constants (shapes, paddings, axes)
    std::vector<float> floats;    // decoded values when !is_int
    std::vector<int32_t> ints;    // values when is_int
};

// manifest: the JSON array of {paths, weights}; dir: folder holding the shard files.
std::map<std::string, ManifestWeight> read_manifest(const nlohmann::json& manifest, const std::string& dir);

// IEEE half -> float, exact.
float half_to_float(uint16_t h);

}  // namespace lfr::tools
