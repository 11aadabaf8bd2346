// decode_image on the bytes, the public path every picture takes (load_image reads the file, then this):
// format sniffing, the truncation check, libjpeg-turbo, libpng and stb's BMP, under a 4-megapixel cap
// (each unit must decode in milliseconds; the cap itself is what is tested on larger headers).
#include <cstddef>
#include <cstdint>

#include "lfr/image/io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    lfr::ImageLimits limits;
    limits.max_pixels = 4'000'000;
    try {
        lfr::decode_image(data, size, "fuzz", lfr::ImageDecoding(lfr::JpegDecoder::Libjpeg, limits));
    } catch (const lfr::Error&) {  // a refused picture is fine; anything else is a finding
    }
    return 0;
}
