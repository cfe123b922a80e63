// The CUDA letterbox: uint8 HWC frames (gray, RGB, BGR, RGBA, BGRA, any row stride) → resized as cv::resize
// INTER_LINEAR (or its exact-2x INTER_AREA shortcut), padded, RGB, float32/float16/uint8, NCHW/NHWC, a batch of
// frames per launch, written straight into a device tensor. One thread per output pixel; a block is a 32x8 tile
// whose column and row coefficients are computed once into shared memory. All arithmetic is cpu/letterbox_pixel.h's,
// so the output equals the CPU letterbox byte for byte; emulateLetterbox (kernels.h) runs this very tile function on
// the host, which is how CI tests it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "cpu/image.h"
#include "cpu/letterbox.h"
#include "cpu/letterbox_pixel.h"
#include "cuda/block.h"

namespace trtjs::cuda {

constexpr int kLetterboxTileW = 32, kLetterboxTileH = 8;
constexpr int kLetterboxThreads = kLetterboxTileW * kLetterboxTileH;

// Everything one launch needs, by value (kernel parameter). Pointers are device addresses on the device, host
// addresses in the emulation.
struct LetterboxLaunch {
  const uint8_t* src;
  int64_t srcItemBytes;  // from one frame of the batch to the next
  int64_t stride;        // bytes per source row
  int sw, sh, pixelBytes;
  int offset[3];  // byte offsets of B, G, R in a source pixel
  int rw, rh, outW, outH, padLeft, padTop;
  cpu::px::ResizeMode mode;
  double scaleX, scaleY;
  void* out;
  int64_t outItemElems;  // from one output tensor of the batch to the next
  cpu::OutDtype dtype;
  cpu::OutLayout layout;
  uint8_t padValue;
  int batch;
};

// Checks the arguments as the CPU letterbox does and fills `launch`. Returns "" or what is wrong. `srcItemBytes` and
// `outItemElems` of 0 mean tightly packed frames and tensors.
inline std::string makeLetterboxLaunch(const cpu::Image& src, int batch, int64_t srcItemBytes, const cpu::LetterboxGeometry& g, const cpu::LetterboxOutput& out,
                                       int64_t outItemElems, LetterboxLaunch& launch) {
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int order = static_cast<int>(src.order);
  if (order < 0 || order > 4 || channelsOf[order] != src.channels) return "channels do not match the pixel order";
  if (src.width <= 0 || src.height <= 0 || src.stride < static_cast<size_t>(src.width) * src.channels) return "bad source size or stride";
  if (g.resizedWidth <= 0 || g.resizedHeight <= 0 || g.padLeft < 0 || g.padTop < 0 || g.padLeft + g.resizedWidth > g.outWidth ||
      g.padTop + g.resizedHeight > g.outHeight)
    return "the resized image does not fit the output with that padding";
  if (batch < 1 || batch > 65535) return "batch must be in [1, 65535]";
  if (g.outHeight > 65535 * kLetterboxTileH) return "the output is too tall for one launch";
  const int64_t frameBytes = static_cast<int64_t>(src.height - 1) * static_cast<int64_t>(src.stride) + int64_t{src.width} * src.channels;
  const int64_t tensorElems = int64_t{g.outWidth} * g.outHeight * 3;
  if (srcItemBytes == 0) srcItemBytes = static_cast<int64_t>(src.height) * static_cast<int64_t>(src.stride);
  if (outItemElems == 0) outItemElems = tensorElems;
  if (batch > 1 && srcItemBytes < frameBytes) return "frames of the batch overlap";
  if (batch > 1 && outItemElems < tensorElems) return "output tensors of the batch overlap";
  const cpu::px::ResizePlan plan = cpu::px::resizePlan(src.width, src.height, g.resizedWidth, g.resizedHeight);
  launch = LetterboxLaunch{};
  launch.src = src.data;
  launch.srcItemBytes = srcItemBytes;
  launch.stride = static_cast<int64_t>(src.stride);
  launch.sw = src.width;
  launch.sh = src.height;
  launch.pixelBytes = src.channels;
  cpu::px::bgrOffsets(src.order, launch.offset);
  launch.rw = g.resizedWidth;
  launch.rh = g.resizedHeight;
  launch.outW = g.outWidth;
  launch.outH = g.outHeight;
  launch.padLeft = g.padLeft;
  launch.padTop = g.padTop;
  launch.mode = plan.mode;
  launch.scaleX = plan.scaleX;
  launch.scaleY = plan.scaleY;
  launch.out = out.data;
  launch.outItemElems = outItemElems;
  launch.dtype = out.dtype;
  launch.layout = out.layout;
  launch.padValue = out.padValue;
  launch.batch = batch;
  return "";
}

struct LetterboxShared {
  cpu::px::Tap col[kLetterboxTileW];
  cpu::px::Tap row[kLetterboxTileH];
};

template <typename T>
TRTJS_HD void writePixel(const LetterboxLaunch& L, int b, int x, int y, const T* rgb) {
  T* out = static_cast<T*>(L.out) + static_cast<int64_t>(b) * L.outItemElems;
  if (L.layout == cpu::OutLayout::NCHW) {
    const int64_t plane = static_cast<int64_t>(L.outH) * L.outW;
    const int64_t at = static_cast<int64_t>(y) * L.outW + x;
    out[at] = rgb[0];
    out[plane + at] = rgb[1];
    out[2 * plane + at] = rgb[2];
  } else {
    T* p = out + (static_cast<int64_t>(y) * L.outW + x) * 3;
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
  }
}

// Output pixel (x, y) of frame b: B, G, R of the resized image (or the padding), then converted and written as RGB.
TRTJS_HD void letterboxPixel(const LetterboxLaunch& L, const LetterboxShared& s, int b, int x, int y, int lx, int ly) {
  if (x >= L.outW || y >= L.outH) return;
  const int dx = x - L.padLeft, dy = y - L.padTop;
  uint8_t bgr[3] = {L.padValue, L.padValue, L.padValue};
  if (dx >= 0 && dx < L.rw && dy >= 0 && dy < L.rh) {
    const uint8_t* frame = L.src + static_cast<int64_t>(b) * L.srcItemBytes;
    const int pb = L.pixelBytes;
    if (L.mode == cpu::px::ResizeMode::Copy) {
      const uint8_t* p = frame + static_cast<int64_t>(dy) * L.stride + static_cast<int64_t>(dx) * pb;
      for (int c = 0; c < 3; ++c) bgr[c] = p[L.offset[c]];
    } else if (L.mode == cpu::px::ResizeMode::Area2x) {
      const uint8_t* r0 = frame + static_cast<int64_t>(2 * dy) * L.stride + static_cast<int64_t>(2 * dx) * pb;
      const uint8_t* r1 = r0 + L.stride;
      for (int c = 0; c < 3; ++c) {
        const int o = L.offset[c];
        bgr[c] = cpu::px::area2x(r0[o], r0[pb + o], r1[o], r1[pb + o]);
      }
    } else {
      const cpu::px::Tap cx = s.col[lx], cy = s.row[ly];
      const uint8_t* r0 = frame + static_cast<int64_t>(cy.i0) * L.stride;
      // A zero weight contributes exactly 0, so that row is not read (as on the CPU).
      const uint8_t* r1 = cy.w1 == 0 ? r0 : frame + static_cast<int64_t>(cy.i1) * L.stride;
      const int64_t x0 = static_cast<int64_t>(cx.i0) * pb, x1 = static_cast<int64_t>(cx.i1) * pb;
      for (int c = 0; c < 3; ++c) {
        const int o = L.offset[c];
        const int16_t h0 = cpu::px::packed(cpu::px::horizontal(r0[x0 + o], r0[x1 + o], cx.w0, cx.w1));
        const int16_t h1 = cpu::px::packed(cpu::px::horizontal(r1[x0 + o], r1[x1 + o], cx.w0, cx.w1));
        bgr[c] = cpu::px::vertical(h0, h1, cy.w0, cy.w1);
      }
    }
  }
  switch (L.dtype) {
    case cpu::OutDtype::Float32: {
      const float rgb[3] = {cpu::px::toFloat32(bgr[2]), cpu::px::toFloat32(bgr[1]), cpu::px::toFloat32(bgr[0])};
      writePixel(L, b, x, y, rgb);
      break;
    }
    case cpu::OutDtype::Float16: {
      const uint16_t rgb[3] = {cpu::px::toFloat16(bgr[2]), cpu::px::toFloat16(bgr[1]), cpu::px::toFloat16(bgr[0])};
      writePixel(L, b, x, y, rgb);
      break;
    }
    case cpu::OutDtype::Uint8: {
      const uint8_t rgb[3] = {bgr[2], bgr[1], bgr[0]};
      writePixel(L, b, x, y, rgb);
      break;
    }
  }
}

// One 32x8 tile of frame b: the tile's column and row taps into shared memory, a barrier, then one pixel per thread.
template <class Block>
TRTJS_HD void letterboxTile(Block& blk, const LetterboxLaunch& L, LetterboxShared& s, int tileX, int tileY, int b) {
  if (L.mode == cpu::px::ResizeMode::Linear) {
    blk.forEach([&](int t) {
      if (t < kLetterboxTileW) {
        const int dx = tileX * kLetterboxTileW + t - L.padLeft;
        if (dx >= 0 && dx < L.rw) s.col[t] = cpu::px::columnTap(dx, L.scaleX, L.sw);
      } else if (t < kLetterboxTileW + kLetterboxTileH) {
        const int dy = tileY * kLetterboxTileH + (t - kLetterboxTileW) - L.padTop;
        if (dy >= 0 && dy < L.rh) s.row[t - kLetterboxTileW] = cpu::px::rowTap(dy, L.scaleY, L.sh);
      }
    });
  }
  blk.forEach(
      [&](int t) {
        const int lx = t % kLetterboxTileW, ly = t / kLetterboxTileW;
        letterboxPixel(L, s, b, tileX * kLetterboxTileW + lx, tileY * kLetterboxTileH + ly, lx, ly);
      },
      false);
}

}  // namespace trtjs::cuda
