#include "manifest.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

#include "lfr/core/error.h"

namespace lfr::tools {

float half_to_float(uint16_t h) {
    const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    float v;
    if (exp == 0) v = std::ldexp(float(mant), -24);                       // zero / subnormal
    else if (exp == 31) v = mant ? NAN : INFINITY;
    else v = std::ldexp(float(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

static std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    LFR_CHECK(f, "cannot open weight shard " + path);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

std::map<std::string, ManifestWeight> read_manifest(const nlohmann::json& manifest, const std::string& dir) {
    std::map<std::string, ManifestWeight> out;
    for (const auto& group : manifest) {
        std::vector<uint8_t> bytes;
        for (const auto& p : group.at("paths")) {
            auto shard = read_file_bytes(dir + "/" + p.get<std::string>());
            bytes.insert(bytes.end(), shard.begin(), shard.end());
        }
        size_t pos = 0;
        for (const auto& w : group.at("weights")) {
            ManifestWeight mw;
            mw.name = w.at("name").get<std::string>();
            const auto& dims = w.at("shape");
            LFR_CHECK(dims.size() <= size_t(kMaxRank), "weight " + mw.name + " has rank " + std::to_string(dims.size()));
            for (const auto& d : dims) mw.shape[mw.shape.rank++] = d.get<int64_t>();
            const size_t n = size_t(mw.shape.checked_numel("weight " + mw.name));  // n * elem below must not wrap
            const std::string dtype = w.at("dtype").get<std::string>();
            std::string qdtype;
            double scale = 1, min = 0;
            if (w.contains("quantization")) {
                const auto& q = w.at("quantization");
                qdtype = q.at("dtype").get<std::string>();
                if (q.contains("scale")) scale = q.at("scale").get<double>();
                if (q.contains("min")) min = q.at("min").get<double>();
            }
            const size_t elem = qdtype == "uint8" ? 1 : (qdtype == "uint16" || qdtype == "float16") ? 2 : 4;
            LFR_CHECK(pos + n * elem <= bytes.size(), "weight " + mw.name + " runs past the end of its shards");
            const uint8_t* src = bytes.data() + pos;
            if (dtype == "int32" && qdtype.empty()) {
                mw.is_int = true;
                mw.ints.resize(n);
                std::memcpy(mw.ints.data(), src, n * 4);
            } else {
                LFR_CHECK(dtype == "float32" || dtype == "int32", "weight " + mw.name + ": unsupported dtype " + dtype);
                mw.floats.resize(n);
                for (size_t i = 0; i < n; ++i) {
                    if (qdtype == "uint8") mw.floats[i] = float(src[i] * scale + min);
                    else if (qdtype == "uint16") {
                        uint16_t q; std::memcpy(&q, src + 2 * i, 2);
                        mw.floats[i] = float(q * scale + min);
                    } else if (qdtype == "float16") {
                        uint16_t h; std::memcpy(&h, src + 2 * i, 2);
                        mw.floats[i] = half_to_float(h);
                    } else {
                        LFR_CHECK(qdtype.empty(), "weight " + mw.name + ": unsupported quantization " + qdtype);
                        std::memcpy(&mw.floats[i], src + 4 * i, 4);
                    }
                }
                if (dtype == "int32") {  // quantized int32 constants: back to integers
                    mw.is_int = true;
                    for (float v : mw.floats) mw.ints.push_back(int32_t(std::lround(v)));
                    mw.floats.clear();
                }
            }
            pos += n * elem;
            out[mw.name] = std::move(mw);
        }
    }
    return out;
}

}  // namespace lfr::tools
