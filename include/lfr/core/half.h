// IEEE 754 binary16 <-> binary32, by bit manipulation (no F16C / NEON needed: used at load and
// conversion time only). float_to_half rounds to nearest, ties to even; overflow becomes infinity,
// NaN stays NaN (payload's top bits kept, never turned into infinity). half_to_float is exact.
#pragma once
#include <cstdint>
#include <cstring>

namespace lfr {

inline uint16_t float_to_half(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) {  // inf or NaN
        const uint32_t payload = (x >> 13) & 0x3ffu;
        return uint16_t(sign | 0x7c00u | (x == 0x7f800000u ? 0u : payload ? payload : 0x200u));
    }
    if (x >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 (halfway past 65504): infinity
    if (x >= 0x38800000u) {  // normal half: rebias the exponent (127 -> 15), round off 13 mantissa bits
        const uint32_t r = x - 0x38000000u;
        return uint16_t(sign | ((r + 0xfffu + ((r >> 13) & 1u)) >> 13));  // a mantissa carry bumps the exponent
    }
    if (x < 0x33000000u) return sign;  // below half the smallest subnormal (2^-25; exactly 2^-25 ties to 0)
    // Subnormal half: value / 2^-24 = m * 2^(e - 126), rounded to nearest even.
    const uint32_t e = x >> 23, m = (x & 0x7fffffu) | 0x800000u, shift = 126 - e;  // 14..24
    const uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    return uint16_t(sign | (q + (rem > half || (rem == half && (q & 1u)))));
}

inline float half_to_float(uint16_t h) {
    const uint32_t sign = uint32_t(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu;
    uint32_t m = h & 0x3ffu, x;
    if (e == 0x1f) {
        x = sign | 0x7f800000u | (m << 13);
    } else if (e != 0) {
        x = sign | ((e + 112) << 23) | (m << 13);
    } else if (m == 0) {
        x = sign;
    } else {  // subnormal: shift the leading 1 up to the implicit bit
        uint32_t s = 0;
        while (!(m & 0x400u)) m <<= 1, ++s;
        x = sign | ((113 - s) << 23) | ((m & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &x, 4);
    return f;
}

}  // namespace lfr
