// Reading and writing NumPy .npy files (version 1.0/2.0, little-endian float32, C order): the
// exchange format of `lfr run` and of the golden outputs made by TF.js.
#pragma once
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "lfr/core/tensor.h"

namespace lfr {

inline Tensor read_npy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    LFR_CHECK(f, path + ": cannot open .npy file");
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    LFR_CHECK(bytes.size() >= 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, path + ": not a .npy file");
    const int major = (unsigned char)bytes[6];
    size_t header_len, header_at;
    if (major == 1) {
        header_len = (unsigned char)bytes[8] | (size_t((unsigned char)bytes[9]) << 8);
        header_at = 10;
    } else {
        LFR_CHECK(bytes.size() >= 12, path + ": truncated .npy header");
        uint32_t n;
        std::memcpy(&n, bytes.data() + 8, 4);
        header_len = n;
        header_at = 12;
    }
    LFR_CHECK(header_at + header_len <= bytes.size(), path + ": truncated .npy header");
    const std::string header = bytes.substr(header_at, header_len);
    LFR_CHECK(header.find("'descr': '<f4'") != std::string::npos,
              path + ": only little-endian float32 .npy is supported (header " + header + ")");
    LFR_CHECK(header.find("'fortran_order': False") != std::string::npos, path + ": Fortran-order .npy is not supported");
    size_t open = header.find('(', header.find("'shape'")), close = header.find(')', open);
    LFR_CHECK(open != std::string::npos && close != std::string::npos, path + ": .npy header has no shape");
    Tensor t;
    const std::string dims = header.substr(open + 1, close - open - 1);
    for (size_t i = 0; i < dims.size();) {
        while (i < dims.size() && (dims[i] == ' ' || dims[i] == ',')) ++i;
        if (i == dims.size()) break;
        // Digits by hand: std::stoll would throw its own exception on junk or overflow.
        int64_t d = 0;
        const size_t start = i;
        for (; i < dims.size() && dims[i] >= '0' && dims[i] <= '9' && d <= kMaxNumel; ++i) d = d * 10 + (dims[i] - '0');
        LFR_CHECK(i > start && d <= kMaxNumel && t.shape.rank < kMaxRank, path + ": unsupported .npy shape (" + dims + ")");
        t.shape.dim[t.shape.rank++] = d;
    }
    const size_t n = size_t(t.shape.checked_numel(path + ": .npy shape")), data_at = header_at + header_len;
    LFR_CHECK(bytes.size() - data_at == n * 4, path + ": .npy data size does not match its shape " + t.shape.str());
    t.values.resize(n);
    std::memcpy(t.values.data(), bytes.data() + data_at, n * 4);
    return t;
}

inline void write_npy(const std::string& path, ConstTensorView t) {
    std::string shape = "(";
    for (int i = 0; i < t.shape.rank; ++i) shape += std::to_string(t.shape.dim[i]) + (t.shape.rank == 1 || i + 1 < t.shape.rank ? "," : "");
    shape += ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    LFR_CHECK(f, path + ": cannot write .npy file");
    const char magic[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    f.write(magic, 8);
    const uint16_t len = uint16_t(header.size());
    f.put(char(len & 0xff));
    f.put(char(len >> 8));
    f << header;
    f.write(reinterpret_cast<const char*>(t.data), std::streamsize(t.numel() * 4));
    LFR_CHECK(f.good(), path + ": write failed");
}

}  // namespace lfr
