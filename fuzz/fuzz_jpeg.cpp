// lfr's jpeg-js-exact decoder (include/lfr/image/jpeg.h) on the bytes, under a 2^18-pixel cap: a few
// hundred bytes of progressive data can claim megapixels, and each unit must decode in milliseconds.
#include <cstddef>
#include <cstdint>

#include "lfr/image/jpeg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lfr::ImageLimits limits;
    limits.max_pixels = 1 << 18;
    try {
        lfr::decode_jpeg(data, size, "fuzz", limits);
    } catch (const lfr::Error&) {  // a refused picture is fine; anything else is a finding
    }
    return 0;
}
