// The .lfr model file: one graph and its float32 (or float16) weights, laid out so float32 weights
// can be used in place from an mmap or from a `const unsigned char[]` compiled into firmware.
// float16 weights halve the file and are widened to float32 once at load, into one buffer the
// Model owns (the file is then unmapped).
//
// Byte layout (all integers little-endian):
//
//   offset  size  field
//   0       8     magic "LFRMODEL"
//   8       4     u32 version (kModelVersion); newer files are refused
//   12      4     u32 header size (64)
//   16      8     u64 file size in bytes
//   24      8     u64 graph section offset (64)
//   32      8     u64 graph section size
//   40      8     u64 blob section offset (a multiple of 64)
//   48      8     u64 blob section size
//   56      4     u32 checksum: CRC-32 (IEEE) of every byte from offset 64 to the end of the file
//   60      4     u32 reserved (0)
//
//   graph section (a stream of records; str = u32 length + bytes, no terminator):
//     u32 tensor count, then per tensor: str name, u8 kind (TensorKind), u8 rank, i64 dim[rank],
//         u64 blob offset (weights only; relative to the blob section, a multiple of 64),
//         then (version >= 3) u8 storage (WeightType: 0 float32, 1 float16; 0 for non-weights)
//     u32 node count, then per node: u16 op (OpType), str name, u32 n, i32 input[n], u32 m,
//         i32 output[m], then its Attrs: i32 kernel_h, kernel_w, stride_h, stride_w, u8 padding,
//         i32 pad_top, pad_bottom, pad_left, pad_right, u8 act, f32 alpha, i32 axis, u8 keep_dims,
//         f32 value, i32 flags, u32 k, i32 ints[k], then (version >= 2) i32 dilation_h, dilation_w
//     u32 n, i32 graph input[n]; u32 m, i32 graph output[m]
//
//   blob section: each weight's numel float32 (or IEEE binary16) values at its blob offset, zero
//   padding between.
//
//   Versions: 1 had no dilation fields (read as dilation 1); 2 added them; 3 added the storage byte.
//   A file is written at the lowest version that can hold it: 2 when every weight is float32 (so
//   older lfr builds still read it), 3 when one is float16.
//
// Loading checks, each with a message naming the problem: magic, version, header fields, truncation,
// checksum, and then every count, id, rank, dimension and offset against the bytes actually present
// (no read can leave the buffer), plus graph well-formedness: each node's inputs exist before it (so
// the order is topological) and each value tensor is produced exactly once.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lfr/core/error.h"
#include "lfr/core/half.h"
#include "lfr/graph/graph.h"

namespace lfr {

constexpr uint32_t kModelVersion = 3;  // the newest version this build reads
constexpr uint64_t kBlobAlign = 64;
constexpr uint64_t kHeaderSize = 64;

inline uint32_t crc32(const uint8_t* data, size_t size);

// A loaded model: the graph plus a pointer to each weight's float32 data.
class Model {
public:
    // Reads (mmaps where possible) a file; throws lfr::Error naming the file and the problem.
    static inline Model load(const std::string& path);
    // Parses a model held in memory, without copying: `data` must stay alive as long as the Model
    // and be 4-byte aligned (the format keeps every blob 64-aligned relative to the file start).
    static inline Model from_memory(const void* data, size_t size, const std::string& label = "model");

    const Graph& graph() const { return graph_; }
    inline const float* weight(int32_t tensor_id) const;
    size_t weight_bytes() const { return blob_size_; }  // as stored in the file
    const std::string& label() const { return label_; }

private:
    Graph graph_;
    inline void widen_f16_weights();

    std::shared_ptr<const void> storage_;  // owns the mapped/read bytes when loaded from a file
    std::shared_ptr<const std::vector<float>> widened_;  // float16 weights as float32 (null if none)
    std::vector<int64_t> widened_at_;  // per tensor: its offset in widened_ (empty when none is float16)
    const uint8_t* blob_ = nullptr;
    size_t blob_size_ = 0;
    std::string label_;
};

// Serialises a graph and its weights. weights[i] holds tensor i's values (empty for non-weights);
// blob offsets and storage types in the graph are assigned here. With WeightType::F16 each weight
// is rounded to float16 (nearest even), except those too small to shrink in the 64-byte aligned
// blob (16 values or fewer: scalars and tiny constants keep full precision for free).
inline std::vector<uint8_t> serialize_model(Graph graph, const std::vector<std::vector<float>>& weights,
                                            WeightType type = WeightType::F32);
inline void write_model(const std::string& path, const Graph& graph, const std::vector<std::vector<float>>& weights,
                        WeightType type = WeightType::F32);

}  // namespace lfr

#include "lfr/format/model_file_impl.h"  // the definitions, kept apart so this header reads as a spec
