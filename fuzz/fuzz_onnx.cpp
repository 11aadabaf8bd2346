// convert_onnx on the bytes; a model that converts must also serialise and load again.
#include <cstdint>
#include <vector>

#include "onnx_model.h"
#include "tfjs_graph.h"  // validate_round_trip

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::vector<uint8_t> bytes(data, data + size);  // malloc's alignment, as a file read gives
    try {
        lfr::tools::validate_round_trip(lfr::tools::convert_onnx(bytes.data(), bytes.size(), lfr::tools::OnnxOptions{}));
    } catch (const lfr::Error&) {  // any other exception is a finding
    }
    return 0;
}
