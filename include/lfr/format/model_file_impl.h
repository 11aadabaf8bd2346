// Definitions for model_file.h (reader, validator, writer). Include model_file.h, not this.
#pragma once
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace lfr {

inline uint32_t crc32(const uint8_t* data, size_t size) {
    static const auto table = [] {
        std::vector<uint32_t> t(256);
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

namespace detail {

// Bounds-checked little-endian reader over [pos, end): every read either succeeds or throws.
class ByteReader {
public:
    ByteReader(const uint8_t* begin, size_t size, std::string what) : p_(begin), end_(begin + size), what_(std::move(what)) {}
    template <class T> T get() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, p_, sizeof(T));
        p_ += sizeof(T);
        return v;
    }
    std::string str() {
        uint32_t n = get<uint32_t>();
        need(n);
        std::string s(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        return s;
    }
    // A count of items that each take at least min_item_bytes: refuse counts the bytes cannot hold.
    uint32_t count(size_t min_item_bytes, const char* of) {
        uint32_t n = get<uint32_t>();
        LFR_CHECK(uint64_t(n) * min_item_bytes <= uint64_t(end_ - p_),
                  what_ + ": " + of + " count " + std::to_string(n) + " exceeds the section size");
        return n;
    }
    std::vector<int32_t> ids() {
        uint32_t n = count(4, "id list");
        std::vector<int32_t> v(n);
        for (auto& x : v) x = get<int32_t>();
        return v;
    }
    bool at_end() const { return p_ == end_; }

private:
    void need(size_t n) {
        LFR_CHECK(size_t(end_ - p_) >= n, what_ + " truncated (record runs past the end of its section)");
    }
    const uint8_t* p_;
    const uint8_t* end_;
    std::string what_;
};

class ByteWriter {
public:
    template <class T> void put(T v) {
        const auto* b = reinterpret_cast<const uint8_t*>(&v);
        bytes.insert(bytes.end(), b, b + sizeof(T));
    }
    void str(const std::string& s) {
        put<uint32_t>(uint32_t(s.size()));
        bytes.insert(bytes.end(), s.begin(), s.end());
    }
    void ids(const std::vector<int32_t>& v) {
        put<uint32_t>(uint32_t(v.size()));
        for (int32_t x : v) put<int32_t>(x);
    }
    std::vector<uint8_t> bytes;
};

inline void write_attrs(ByteWriter& w, const Attrs& a) {
    w.put<int32_t>(a.kernel_h); w.put<int32_t>(a.kernel_w);
    w.put<int32_t>(a.stride_h); w.put<int32_t>(a.stride_w);
    w.put<uint8_t>(uint8_t(a.padding));
    w.put<int32_t>(a.pad_top); w.put<int32_t>(a.pad_bottom); w.put<int32_t>(a.pad_left); w.put<int32_t>(a.pad_right);
    w.put<uint8_t>(uint8_t(a.act)); w.put<float>(a.alpha);
    w.put<int32_t>(a.axis); w.put<uint8_t>(a.keep_dims ? 1 : 0);
    w.put<float>(a.value); w.put<int32_t>(a.flags);
    w.ids(a.ints);
    w.put<int32_t>(a.dilation_h); w.put<int32_t>(a.dilation_w);
}

inline Attrs read_attrs(ByteReader& r, const std::string& node, uint32_t version) {
    Attrs a;
    a.kernel_h = r.get<int32_t>(); a.kernel_w = r.get<int32_t>();
    a.stride_h = r.get<int32_t>(); a.stride_w = r.get<int32_t>();
    uint8_t pad = r.get<uint8_t>();
    LFR_CHECK(pad <= uint8_t(Padding::Explicit), "node " + node + ": unknown padding mode " + std::to_string(pad));
    a.padding = Padding(pad);
    a.pad_top = r.get<int32_t>(); a.pad_bottom = r.get<int32_t>(); a.pad_left = r.get<int32_t>(); a.pad_right = r.get<int32_t>();
    uint8_t act = r.get<uint8_t>();
    LFR_CHECK(act <= uint8_t(Activation::Sigmoid), "node " + node + ": unknown activation " + std::to_string(act));
    a.act = Activation(act);
    a.alpha = r.get<float>();
    a.axis = r.get<int32_t>(); a.keep_dims = r.get<uint8_t>() != 0;
    a.value = r.get<float>(); a.flags = r.get<int32_t>();
    a.ints = r.ids();
    if (version >= 2) {
        a.dilation_h = r.get<int32_t>(); a.dilation_w = r.get<int32_t>();
    }
    return a;
}

struct Header {
    char magic[8];
    uint32_t version, header_size;
    uint64_t file_size, graph_offset, graph_size, blob_offset, blob_size;
    uint32_t checksum, reserved;
};
static_assert(sizeof(Header) == kHeaderSize, "header layout");

inline uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }
inline uint64_t element_size(WeightType t) { return t == WeightType::F16 ? 2 : 4; }

// Structure checks that the byte reader cannot see: ids in range, topological order, weights in blob.
inline void validate_graph(const Graph& g, uint64_t blob_size, const std::string& label) {
    const int32_t nt = int32_t(g.tensors.size());
    std::vector<char> defined(size_t(nt), 0);
    for (int32_t i = 0; i < nt; ++i) {
        const TensorInfo& t = g.tensors[size_t(i)];
        LFR_CHECK(t.shape.rank >= 0 && t.shape.rank <= kMaxRank, label + ": tensor " + t.name + " has rank " + std::to_string(t.shape.rank));
        for (int d = 0; d < t.shape.rank; ++d)
            LFR_CHECK(t.shape.dim[d] >= -1 && t.shape.dim[d] < (int64_t(1) << 31),
                      label + ": tensor " + t.name + " has bad dimension " + std::to_string(t.shape.dim[d]));
        if (t.kind == TensorKind::Weight) {
            for (int d = 0; d < t.shape.rank; ++d)
                LFR_CHECK(t.shape.dim[d] >= 0, label + ": weight " + t.name + " has an open dimension");
            const uint64_t bytes = uint64_t(t.shape.checked_numel(label + ": weight " + t.name)) * element_size(t.storage);
            LFR_CHECK(t.blob_offset % kBlobAlign == 0, label + ": weight " + t.name + " is not 64-byte aligned");
            LFR_CHECK(t.blob_offset <= blob_size && bytes <= blob_size - t.blob_offset,
                      label + ": weight " + t.name + " offset " + std::to_string(t.blob_offset) + " + " +
                          std::to_string(bytes) + " bytes lies past the end of the blob section (" + std::to_string(blob_size) + " bytes)");
            defined[size_t(i)] = 1;
        }
    }
    auto check_id = [&](int32_t id, const std::string& where) {
        LFR_CHECK(id >= 0 && id < nt, label + ": " + where + " refers to tensor " + std::to_string(id) + " of " + std::to_string(nt));
    };
    for (int32_t id : g.inputs) {
        check_id(id, "graph input");
        LFR_CHECK(g.tensors[size_t(id)].kind == TensorKind::Input, label + ": graph input " + g.tensors[size_t(id)].name + " is not an input tensor");
        defined[size_t(id)] = 1;
    }
    for (const Node& n : g.nodes) {
        LFR_CHECK(n.outputs.size() == 1, label + ": node " + n.name + " must have exactly one output");
        for (int32_t id : n.inputs) {
            if (id == -1) continue;  // optional input absent
            check_id(id, "node " + n.name);
            LFR_CHECK(defined[size_t(id)], label + ": node " + n.name + " reads " + g.tensors[size_t(id)].name + " before it is produced");
        }
        for (int32_t id : n.outputs) {
            check_id(id, "node " + n.name);
            LFR_CHECK(g.tensors[size_t(id)].kind == TensorKind::Value && !defined[size_t(id)],
                      label + ": tensor " + g.tensors[size_t(id)].name + " is produced twice or is not a value");
            defined[size_t(id)] = 1;
        }
    }
    for (int32_t id : g.outputs) {
        check_id(id, "graph output");
        LFR_CHECK(defined[size_t(id)], label + ": graph output " + g.tensors[size_t(id)].name + " is never produced");
    }
    LFR_CHECK(!g.outputs.empty(), label + ": graph has no outputs");
}

}  // namespace detail

inline Model Model::from_memory(const void* data, size_t size, const std::string& label) {
    using namespace detail;
    const auto* bytes = static_cast<const uint8_t*>(data);
    LFR_CHECK(size >= kHeaderSize, label + ": not an lfr model (file is " + std::to_string(size) + " bytes, shorter than the 64-byte header)");
    Header h;
    std::memcpy(&h, bytes, sizeof h);
    LFR_CHECK(std::memcmp(h.magic, "LFRMODEL", 8) == 0, label + ": not an lfr model (bad magic)");
    LFR_CHECK(h.version <= kModelVersion, label + ": model file version " + std::to_string(h.version) +
                                              " is newer than this build of lfr supports (up to version " +
                                              std::to_string(kModelVersion) + "); update lfr to load it");
    LFR_CHECK(h.version >= 1 && h.header_size == kHeaderSize, label + ": corrupt header (version 0 or bad header size)");
    LFR_CHECK(h.file_size == size, label + ": file truncated or padded: header says " + std::to_string(h.file_size) +
                                       " bytes, found " + std::to_string(size));
    LFR_CHECK(h.graph_offset == kHeaderSize && h.graph_size <= size - kHeaderSize,
              label + ": corrupt header (graph section out of range)");
    LFR_CHECK(h.blob_offset % kBlobAlign == 0 && h.blob_offset >= h.graph_offset + h.graph_size &&
                  h.blob_offset <= size && h.blob_size <= size - h.blob_offset,
              label + ": corrupt header (blob section out of range)");
    LFR_CHECK(crc32(bytes + kHeaderSize, size - kHeaderSize) == h.checksum, label + ": checksum mismatch (file corrupt)");
    LFR_CHECK(reinterpret_cast<uintptr_t>(bytes) % 4 == 0, label + ": model bytes must be at least 4-byte aligned in memory");

    Model m;
    m.label_ = label;
    m.blob_ = bytes + h.blob_offset;
    m.blob_size_ = size_t(h.blob_size);
    ByteReader r(bytes + h.graph_offset, size_t(h.graph_size), label + ": graph section");
    Graph& g = m.graph_;
    uint32_t nt = r.count(10, "tensor");
    g.tensors.resize(nt);
    for (auto& t : g.tensors) {
        t.name = r.str();
        uint8_t kind = r.get<uint8_t>();
        LFR_CHECK(kind <= uint8_t(TensorKind::Value), label + ": tensor " + t.name + " has unknown kind " + std::to_string(kind));
        t.kind = TensorKind(kind);
        uint8_t rank = r.get<uint8_t>();
        LFR_CHECK(rank <= kMaxRank, label + ": tensor " + t.name + " has rank " + std::to_string(rank));
        t.shape.rank = rank;
        for (int d = 0; d < rank; ++d) t.shape.dim[d] = r.get<int64_t>();
        t.blob_offset = r.get<uint64_t>();
        if (h.version >= 3) {
            const uint8_t st = r.get<uint8_t>();
            LFR_CHECK(st <= uint8_t(WeightType::F16) && (st == 0 || t.kind == TensorKind::Weight),
                      label + ": tensor " + t.name + " has unknown storage type " + std::to_string(st));
            t.storage = WeightType(st);
        }
    }
    uint32_t nn = r.count(2, "node");
    g.nodes.resize(nn);
    for (auto& n : g.nodes) {
        uint16_t op = r.get<uint16_t>();
        n.name = r.str();
        LFR_CHECK(op < kOpCount, label + ": node " + n.name + " has unknown op " + std::to_string(op) + " (newer converter?)");
        n.op = OpType(op);
        n.inputs = r.ids();
        n.outputs = r.ids();
        n.attrs = read_attrs(r, n.name, h.version);
    }
    g.inputs = r.ids();
    g.outputs = r.ids();
    LFR_CHECK(r.at_end(), label + ": graph section has trailing bytes");
    validate_graph(g, h.blob_size, label);
    m.widen_f16_weights();
    return m;
}

inline Model Model::load(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    LFR_CHECK(fd >= 0, path + ": cannot open model file (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path + ": not a regular file");
    }
    const size_t size = size_t(st.st_size);
    if (size == 0) {
        ::close(fd);
        throw Error(path + ": not an lfr model (empty file)");
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    LFR_CHECK(p != MAP_FAILED, path + ": cannot map model file (" + std::strerror(errno) + ")");
    std::shared_ptr<const void> storage(p, [size](const void* q) { ::munmap(const_cast<void*>(q), size); });
    Model m = from_memory(p, size, path);
    if (m.widened_)
        m.blob_ = nullptr;  // every weight was copied out: the mapping is released here
    else
        m.storage_ = std::move(storage);
    return m;
}

inline const float* Model::weight(int32_t tensor_id) const {
    const TensorInfo& t = graph_.tensors.at(size_t(tensor_id));
    LFR_CHECK(t.kind == TensorKind::Weight, label_ + ": tensor " + t.name + " is not a weight");
    const int64_t at = widened_at_.empty() ? -1 : widened_at_[size_t(tensor_id)];
    return at >= 0 ? widened_->data() + at : reinterpret_cast<const float*>(blob_ + t.blob_offset);
}

// float16 weights cannot be used in place: widen them into one buffer (validate_graph has checked
// that each lies inside the blob), with the few float32 ones copied beside them so that load() can
// unmap the file. float32 files allocate nothing here.
inline void Model::widen_f16_weights() {
    const auto& ts = graph_.tensors;
    if (std::none_of(ts.begin(), ts.end(), [](const TensorInfo& t) { return t.kind == TensorKind::Weight && t.storage == WeightType::F16; }))
        return;
    size_t total = 0;
    widened_at_.assign(ts.size(), -1);
    for (size_t i = 0; i < ts.size(); ++i) {
        if (ts[i].kind != TensorKind::Weight) continue;
        widened_at_[i] = int64_t(total);
        total += size_t(ts[i].shape.numel());
    }
    auto buf = std::make_shared<std::vector<float>>(total);
    for (size_t i = 0; i < graph_.tensors.size(); ++i) {
        if (widened_at_[i] < 0) continue;
        const uint8_t* src = blob_ + ts[i].blob_offset;
        float* dst = buf->data() + widened_at_[i];
        const int64_t n = ts[i].shape.numel();
        if (ts[i].storage == WeightType::F32) {
            std::memcpy(dst, src, size_t(n) * 4);
            continue;
        }
        for (int64_t k = 0; k < n; ++k) {
            uint16_t h;
            std::memcpy(&h, src + 2 * k, 2);
            dst[k] = half_to_float(h);
        }
    }
    widened_ = std::move(buf);
}

inline std::vector<uint8_t> serialize_model(Graph g, const std::vector<std::vector<float>>& weights, WeightType type) {
    using namespace detail;
    LFR_CHECK(weights.size() == g.tensors.size(), "serialize_model: one weight vector per tensor expected");
    uint64_t blob_size = 0;
    uint32_t version = 2;  // the lowest that holds the file (see model_file.h)
    for (size_t i = 0; i < g.tensors.size(); ++i) {
        TensorInfo& t = g.tensors[i];
        t.storage = WeightType::F32;
        if (t.kind != TensorKind::Weight) continue;
        LFR_CHECK(int64_t(weights[i].size()) == t.shape.numel(), "serialize_model: weight " + t.name + " has " +
                  std::to_string(weights[i].size()) + " values for shape " + t.shape.str());
        const uint64_t n = weights[i].size();
        if (type == WeightType::F16 && align_up(n * 2, kBlobAlign) < align_up(n * 4, kBlobAlign)) {
            t.storage = WeightType::F16;
            version = 3;
        }
        t.blob_offset = blob_size;
        blob_size = align_up(blob_size + n * element_size(t.storage), kBlobAlign);
    }
    validate_graph(g, blob_size, "serialize_model");

    ByteWriter w;
    w.put<uint32_t>(uint32_t(g.tensors.size()));
    for (const auto& t : g.tensors) {
        w.str(t.name);
        w.put<uint8_t>(uint8_t(t.kind));
        w.put<uint8_t>(uint8_t(t.shape.rank));
        for (int d = 0; d < t.shape.rank; ++d) w.put<int64_t>(t.shape.dim[d]);
        w.put<uint64_t>(t.blob_offset);
        if (version >= 3) w.put<uint8_t>(uint8_t(t.storage));
    }
    w.put<uint32_t>(uint32_t(g.nodes.size()));
    for (const auto& n : g.nodes) {
        w.put<uint16_t>(uint16_t(n.op));
        w.str(n.name);
        w.ids(n.inputs);
        w.ids(n.outputs);
        write_attrs(w, n.attrs);
    }
    w.ids(g.inputs);
    w.ids(g.outputs);

    Header h{};
    std::memcpy(h.magic, "LFRMODEL", 8);
    h.version = version;
    h.header_size = uint32_t(kHeaderSize);
    h.graph_offset = kHeaderSize;
    h.graph_size = w.bytes.size();
    h.blob_offset = align_up(h.graph_offset + h.graph_size, kBlobAlign);
    h.blob_size = blob_size;
    h.file_size = h.blob_offset + h.blob_size;

    std::vector<uint8_t> out(size_t(h.file_size), 0);
    std::memcpy(out.data() + h.graph_offset, w.bytes.data(), w.bytes.size());
    for (size_t i = 0; i < g.tensors.size(); ++i) {
        if (g.tensors[i].kind != TensorKind::Weight || weights[i].empty()) continue;
        uint8_t* dst = out.data() + h.blob_offset + g.tensors[i].blob_offset;
        if (g.tensors[i].storage == WeightType::F32) {
            std::memcpy(dst, weights[i].data(), weights[i].size() * 4);
            continue;
        }
        for (size_t k = 0; k < weights[i].size(); ++k) {
            const uint16_t v = float_to_half(weights[i][k]);
            std::memcpy(dst + 2 * k, &v, 2);
        }
    }
    h.checksum = crc32(out.data() + kHeaderSize, out.size() - kHeaderSize);
    std::memcpy(out.data(), &h, sizeof h);
    return out;
}

inline void write_model(const std::string& path, const Graph& graph, const std::vector<std::vector<float>>& weights,
                        WeightType type) {
    const std::vector<uint8_t> bytes = serialize_model(graph, weights, type);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        LFR_CHECK(f, "cannot write " + tmp);
        f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        LFR_CHECK(f.good(), "write failed: " + tmp);
    }
    LFR_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot rename " + tmp + " to " + path);
}

}  // namespace lfr
