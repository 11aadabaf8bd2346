// DENSIFY: TFLite's sparse constants expanded at conversion (lfr stores dense float32 weights).
// The walk is TFLite's FormatConverter::SparseToDense; the parameters are validated first so that a
// hostile file can neither index out of range nor make the walk run longer than the dense tensor.
#include <algorithm>
#include <functional>

#include "tflite_schema.h"

namespace lfr::tools::tflite {

std::vector<float> densify(const Tensor& t, const std::vector<float>& values, const std::string& where) {
    const Sparsity& sp = t.sparsity;
    const size_t rank = t.shape.size(), levels = sp.traversal_order.size();
    const auto bad = [&](const std::string& what) { return Error(where + ": bad sparsity parameters (" + what + ")"); };
    if (levels < rank || sp.dims.size() != levels || sp.block_map.size() != levels - rank)
        throw bad("level counts do not match the rank");
    // Levels are a permutation of the dims, the tensor's own dims first, then its block dims.
    std::vector<char> seen(levels, 0);
    for (size_t l = 0; l < levels; ++l) {
        const int32_t d = sp.traversal_order[l];
        if (d < 0 || size_t(d) >= levels || seen[size_t(d)] || (l < rank) != (size_t(d) < rank))
            throw bad("traversal order");
        seen[size_t(d)] = 1;
    }
    std::vector<int64_t> block(sp.block_map.size());
    for (size_t k = 0; k < block.size(); ++k) {
        if (sp.block_map[k] < 0 || size_t(sp.block_map[k]) >= rank || (k && sp.block_map[k] <= sp.block_map[k - 1]))
            throw bad("block map");
        block[k] = sp.dims[size_t(sp.traversal_order[rank + k])].dense_size;  // as TFLite indexes it
        if (block[k] < 1) throw bad("block size");
    }
    uint64_t numel = 1, dense_walk = 1;
    for (int32_t d : t.shape) numel = std::min<uint64_t>(numel * uint64_t(d), uint64_t(1) << 32);  // saturate
    // A corrupt shape must not make us allocate and walk gigabytes: real sparse weights keep more
    // than 1/64 of their values (MediaPipe's about 1/3).
    if (numel > std::max<uint64_t>(uint64_t(1) << 16, 64 * uint64_t(values.size())))
        throw bad("dense shape " + std::to_string(numel) + " for " + std::to_string(values.size()) + " stored values");
    for (const DimMetadata& m : sp.dims) {
        if (m.sparse) {
            const auto& s = m.segments;
            if (s.empty() || s[0] < 0 || !std::is_sorted(s.begin(), s.end()) || size_t(s.back()) > m.indices.size())
                throw bad("CSR segments");
        } else {
            if (m.dense_size < 0) throw bad("dense size");
            dense_walk = std::min<uint64_t>(dense_walk * uint64_t(m.dense_size), uint64_t(1) << 40);
        }
    }
    if (dense_walk > std::max<uint64_t>(numel, 1)) throw bad("dense levels larger than the tensor");

    std::vector<float> out(numel, 0.f);
    std::vector<int64_t> idx(levels);
    size_t next = 0;  // the stored value for the next leaf
    std::function<void(size_t, int64_t)> walk = [&](size_t level, int64_t prev) {
        if (level == levels) {
            int64_t orig[kMaxRank] = {};
            for (size_t l = 0; l < rank; ++l) orig[sp.traversal_order[l]] = idx[l];
            for (size_t l = rank; l < levels; ++l) {
                const size_t k = size_t(sp.traversal_order[l]) - rank;
                orig[sp.block_map[k]] = orig[sp.block_map[k]] * block[k] + idx[l];
            }
            int64_t flat = 0;
            for (size_t d = 0; d < rank; ++d) {
                if (orig[d] < 0 || orig[d] >= t.shape[d]) throw bad("index out of range");
                flat = flat * t.shape[d] + orig[d];
            }
            if (next >= values.size()) throw bad("more positions than stored values");
            out[size_t(flat)] = values[next++];
            return;
        }
        const DimMetadata& m = sp.dims[level];
        if (!m.sparse) {
            for (int64_t i = 0; i < m.dense_size; ++i) idx[level] = i, walk(level + 1, prev * m.dense_size + i);
        } else if (prev + 1 < int64_t(m.segments.size())) {  // else nothing stored below (as TFLite)
            for (int64_t i = m.segments[size_t(prev)]; i < m.segments[size_t(prev) + 1]; ++i)
                idx[level] = m.indices[size_t(i)], walk(level + 1, i);
        }
    };
    walk(0, 0);
    if (next != values.size()) throw bad(std::to_string(values.size() - next) + " stored values left over");
    return out;
}

}  // namespace lfr::tools::tflite
