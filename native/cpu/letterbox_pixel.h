// The letterbox's per-element arithmetic, shared by the CPU op (native/cpu/letterbox.cpp) and the CUDA kernel
// (native/cuda/letterbox_kernel.h): cv::resize INTER_LINEAR on 8-bit pixels (OpenCV 4.x, to the bit), its exact-2x
// INTER_AREA shortcut, and the conversion of a resized byte to the output dtype. Everything here compiles for the
// host and the device (cpu/hd.h), so the CPU op and the kernel compute the same bytes by construction.
#pragma once
#include <math.h>  // ::rintf, ::floorf: the same names on the host and the device

#include <cstdint>

#include "cpu/half.h"
#include "cpu/hd.h"
#include "cpu/image.h"

namespace trtjs::cpu::px {

constexpr int kCoefBits = 11;  // INTER_RESIZE_COEF_BITS
constexpr int kCoefScale = 1 << kCoefBits;

// How cv::resize computes a destination of this size from a source of that size.
enum class ResizeMode : int32_t {
  Copy = 0,    // same size: the pixels as they are
  Area2x = 1,  // exactly half in both axes: INTER_AREA's fast path, (a + b + c + d + 2) >> 2
  Linear = 2,  // INTER_LINEAR with 11-bit fixed-point coefficients
};

struct ResizePlan {
  ResizeMode mode;
  double scaleX, scaleY;  // source pixels per destination pixel
};

// cv::resize's choice (resize.cpp): the scale as 1 / (dst / src) in double, an exact 2x in both axes goes to INTER_AREA.
inline ResizePlan resizePlan(int sw, int sh, int dw, int dh) {
  if (sw == dw && sh == dh) return {ResizeMode::Copy, 1.0, 1.0};
  const double invScaleX = static_cast<double>(dw) / sw, invScaleY = static_cast<double>(dh) / sh;
  const double scaleX = 1.0 / invScaleX, scaleY = 1.0 / invScaleY;
  // iscale = saturate_cast<int>(scale) (round half to even); |scale - iscale| < DBL_EPSILON means exactly 2.
  auto exactly2 = [](double s) {
    const double d = s - 2.0;
    return d < 2.220446049250313e-16 && d > -2.220446049250313e-16;
  };
  return {exactly2(scaleX) && exactly2(scaleY) ? ResizeMode::Area2x : ResizeMode::Linear, scaleX, scaleY};
}

// saturate_cast<short>(v * INTER_RESIZE_COEF_SCALE): cvRound, i.e. round half to even, then clamp.
TRTJS_HD int16_t toCoef(float v) {
  const float r = rintf(v * static_cast<float>(kCoefScale));
  return static_cast<int16_t>(r < -32768.f ? -32768.f : (r > 32767.f ? 32767.f : r));
}

// The two source samples of one destination column or row and their weights.
struct Tap {
  int32_t i0, i1;  // source index of each sample (already clamped to the image)
  int16_t w0, w1;  // fixed-point weights
};

// `fx = (float)((dx + 0.5) * scale - 0.5)`, the double product rounded on its own as OpenCV's x86 build rounds it.
TRTJS_HD float sourceCoordinate(int d, double scale) { return static_cast<float>(hd::mulRn(d + 0.5, scale) - 0.5); }

// Column dx of the destination (OpenCV's xofs/alpha): left of the image the first column, right of it the last one
// with weights (1, 0). The second sample of the last column is clamped; its weight is 0 so it adds nothing.
TRTJS_HD Tap columnTap(int dx, double scaleX, int sw) {
  float fx = sourceCoordinate(dx, scaleX);
  int sx = static_cast<int>(floorf(fx));
  fx -= static_cast<float>(sx);
  if (sx < 0) {
    fx = 0;
    sx = 0;
  }
  if (sx >= sw - 1) {
    fx = 0;
    sx = sw - 1;
  }
  return {sx, sx + 1 < sw ? sx + 1 : sw - 1, toCoef(1.f - fx), toCoef(fx)};
}

// Row dy of the destination (OpenCV's yofs/beta): rows outside the image are clamped when fetched, with unclamped
// weights.
TRTJS_HD Tap rowTap(int dy, double scaleY, int sh) {
  float fy = sourceCoordinate(dy, scaleY);
  const int sy = static_cast<int>(floorf(fy));
  fy -= static_cast<float>(sy);
  return {hd::clampInt(sy, 0, sh - 1), hd::clampInt(sy + 1, 0, sh - 1), toCoef(1.f - fy), toCoef(fy)};
}

// HResizeLinear, one channel: an exact integer.
TRTJS_HD int32_t horizontal(int s0, int s1, int w0, int w1) { return s0 * w0 + s1 * w1; }

// The part of a horizontal sum that the vertical pass uses: OpenCV packs `sum >> 4` into 16 bits.
TRTJS_HD int16_t packed(int32_t h) { return static_cast<int16_t>(h >> 4); }

// VResizeLinear<uchar> on packed sums: the high half of each 16-bit product with its weight, then (t0 + t1 + 2) >> 2
// saturated (OpenCV's SIMD arithmetic, which its scalar uchar path mirrors).
TRTJS_HD uint8_t vertical(int p0, int p1, int w0, int w1) {
  const int v = (((p0 * w0) >> 16) + ((p1 * w1) >> 16) + 2) >> 2;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// INTER_AREA's 2x2 average.
TRTJS_HD uint8_t area2x(int a, int b, int c, int d) { return static_cast<uint8_t>((a + b + c + d + 2) >> 2); }

// torch's `im.float() / 255`: a true division, not a multiply by 1/255; float16 is that quotient rounded to half.
TRTJS_HD float toFloat32(uint8_t v) { return hd::divRn(static_cast<float>(v), 255.0f); }
TRTJS_HD uint16_t toFloat16(uint8_t v) { return floatToHalf(toFloat32(v)); }

// Byte offsets of B, G, R inside a source pixel: OpenCV's imread gives BGR and Ultralytics resizes that; a gray
// pixel is replicated to the three channels as imread does.
inline void bgrOffsets(PixelOrder order, int* offset) {
  switch (order) {
    case PixelOrder::Gray:
      offset[0] = offset[1] = offset[2] = 0;
      break;
    case PixelOrder::RGB:
    case PixelOrder::RGBA:
      offset[0] = 2, offset[1] = 1, offset[2] = 0;
      break;
    case PixelOrder::BGR:
    case PixelOrder::BGRA:
      offset[0] = 0, offset[1] = 1, offset[2] = 2;
      break;
  }
}

}  // namespace trtjs::cpu::px
