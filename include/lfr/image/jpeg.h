// lfr's JPEG decoder: the pixels the reference saw.
//
// face-api and Human, run under Node as the reference pipelines are, decode JPEG files with jpeg-js,
// which replicates subsampled chroma (nearest neighbour) and uses an integer Loeffler IDCT; libjpeg
// and stb_image interpolate chroma and round differently. The difference is small (a few levels at
// colour edges) but face-api floors its descriptor crop to whole pixels, so on the demo photos it moved
// descriptors by up to 0.13. This decoder produces jpeg-js 0.4.4's RGB bytes exactly for every JPEG that
// jpeg-js decodes correctly (tests/test_jpeg.cpp compares SHA-256s of the pixels), so lfr's pipeline
// starts from the reference's pixels when both read the same file. It is the JpegDecoder::JpegJs choice
// of load_image (io.h) and what `lfr ... --align faceapi` uses; libjpeg-turbo is the default decoder, since
// interpolated chroma gave the default pipeline the better LFW accuracy (99.00% against 98.87%, measured
// when stb_image, which interpolates as libjpeg does, was the default).
//
// Supported: Huffman-coded baseline, extended (8-bit) and progressive JPEG; 1 (grey), 3 (YCbCr, or RGB
// when an Adobe marker says so) and 4 (CMYK/YCCK, as jpeg-js converts them) components; any sampling
// factors 1..4; restart intervals. Refused with a one-line reason: 12-bit, arithmetic-coded, lossless and
// hierarchical JPEG, 2-component files, truncated files, and corruption the structure reveals (a bad
// Huffman code, scan data running into a marker, as jpeg-js also refuses); flipped bits inside the scan
// data can still decode, to a damaged picture, as with any JPEG decoder. EXIF orientation is not applied
// (jpeg-js does not apply it either).
//
// Where jpeg-js deviates from the JPEG standard on files it cannot decode correctly, this follows the
// standard: block counts of non-interleaved scans (ITU T.81 A.2), and 3-component files with an Adobe
// marker saying "no transform" (RGB) are not converted as YCbCr.
//
// Exactness needs the colour conversion's double arithmetic without fused multiply-add: CMake builds
// this file with -ffp-contract=off (on aarch64 GCC would otherwise fuse); vendoring without CMake,
// compile it with that flag too.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "lfr/image/io.h"

namespace lfr {

// Decodes the JPEG in bytes[0, n) to RGB. label names the source in the error message:
// "label: cannot decode image (why)". Refuses images over `limits` (io.h) from the frame header, before
// allocating anything large (progressive files included).
Image decode_jpeg(const uint8_t* bytes, size_t n, const std::string& label, const ImageLimits& limits = {});

}  // namespace lfr
