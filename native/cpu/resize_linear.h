// cv::resize(..., INTER_LINEAR) on 8-bit BGR, reproduced to the bit (OpenCV 4.x): 11-bit fixed-point coefficients
// rounded from float coordinates, an exact integer horizontal pass, and a vertical pass that drops the low 4 bits of
// each row sum before a 16-bit multiply-high (OpenCV's SIMD arithmetic, which its scalar uchar path mirrors). An
// exact 2x downscale goes through INTER_AREA's fast path ((a+b+c+d+2)>>2), as cv::resize does. The arithmetic is
// cpu/letterbox_pixel.h's, which the CUDA kernel shares; this file only orders it for a CPU (row caches, planar
// rows the compiler vectorises).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

#include "cpu/letterbox_pixel.h"

namespace trtjs::cpu {

// The image as OpenCV would hold it after imread: B, G, R gathered from any source pixel layout
// (e.g. from RGBA memory: pixelBytes 4, offsets {2, 1, 0}).
struct GatherSource {
  const uint8_t* data;
  int width, height;
  size_t stride;   // bytes per row
  int pixelBytes;  // bytes per source pixel: 1, 3 or 4
  int offset[3];   // byte offset of B, G and R inside a source pixel
};

class LinearResizer {
 public:
  LinearResizer(const GatherSource& src, int dw, int dh);
  // Calls rowOut(dy, planes) for every destination row in order; planes[0..2] hold the row's dw B, G and R bytes
  // (valid during the call only).
  void run(const std::function<void(int, const uint8_t* const*)>& rowOut) const;

 private:
  GatherSource src_;
  int dw_, dh_;
  px::ResizePlan plan_;
};

// Resizes interleaved 8-bit pixels with cn channels (1, 3 or 4; others are left untouched) exactly as cv::resize does
// for that channel count: the arithmetic is per channel, so each channel goes through the letterbox's passes.
void resizeLinear(const uint8_t* src, int sw, int sh, size_t sstride, int cn, uint8_t* dst, int dw, int dh, size_t dstride);

}  // namespace trtjs::cpu
