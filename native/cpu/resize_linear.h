// cv::resize(..., INTER_LINEAR) on 8-bit images, reproduced to the bit (OpenCV 4.x): 11-bit fixed-point
// coefficients rounded from float coordinates, an exact integer horizontal pass, and a vertical pass that drops
// the low 4 bits of each row sum before a 16-bit multiply-high (OpenCV's SIMD arithmetic, which its scalar
// uchar path mirrors). An exact 2x downscale goes through INTER_AREA's fast path ((a+b+c+d+2)>>2), as
// cv::resize does.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace trtjs::cpu {

// The image as OpenCV would hold it: `cn` interleaved channels gathered from any source pixel layout
// (e.g. BGR from RGBA memory: pixelBytes 4, offsets {2, 1, 0}).
struct GatherSource {
  const uint8_t* data;
  int width, height;
  size_t stride;   // bytes per row
  int pixelBytes;  // bytes per source pixel
  int cn;          // channels OpenCV sees (1..4)
  int offset[4];   // byte offset of each of those channels inside a source pixel
};

class LinearResizer {
 public:
  LinearResizer(const GatherSource& src, int dw, int dh);
  // Calls rowOut(dy, row) for every destination row in order; row holds dw*cn bytes.
  void run(const std::function<void(int, const uint8_t*)>& rowOut) const;

 private:
  void gather(int sy, uint8_t* out) const;
  void horizontal(int sy, int32_t* out) const;
  void vertical(const int32_t* s0, const int32_t* s1, int16_t b0, int16_t b1, uint8_t* dst) const;

  GatherSource src_;
  int dw_, dh_;
  bool area2x_ = false, copy_ = false;
  int xmax_ = 0;                // from this destination pixel on, only the last source column is sampled
  std::vector<int32_t> xofs_;   // source pixel per destination pixel
  std::vector<int16_t> alpha_;  // 2 per destination pixel
  std::vector<int32_t> yofs_;
  std::vector<int16_t> beta_;   // 2 per destination row
};

// Resizes interleaved 8-bit pixels with cn channels (1..4) exactly as cv::resize does for that channel count.
void resizeLinear(const uint8_t* src, int sw, int sh, size_t sstride, int cn, uint8_t* dst, int dw, int dh, size_t dstride);

}  // namespace trtjs::cpu
