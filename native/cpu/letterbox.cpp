#include "cpu/letterbox.h"

#include <array>
#include <cstring>
#include <type_traits>

#include "cpu/half.h"
#include "cpu/resize_linear.h"

namespace trtjs::cpu {

namespace {

// Per-value conversion tables: torch's `im.float() / 255` (a true division, not a multiply by 1/255) and
// its float16 rounding of that quotient.
struct Tables {
  std::array<float, 256> f32;
  std::array<uint16_t, 256> f16;
  Tables() {
    for (int v = 0; v < 256; ++v) {
      f32[v] = static_cast<float>(v) / 255.0f;
      f16[v] = floatToHalf(f32[v]);
    }
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

template <typename T>
struct Writer {
  T* out;
  const T* lut;  // nullptr for uint8
  int W, H;
  bool nchw;
  T conv(uint8_t v) const {
    if constexpr (std::is_same_v<T, uint8_t>) return v;
    else return lut[v];
  }
  void fill(int y0, int y1, int x0, int x1, T value) const {
    for (int y = y0; y < y1; ++y) {
      if (nchw) {
        for (int c = 0; c < 3; ++c) {
          T* p = out + (static_cast<size_t>(c) * H + y) * W;
          for (int x = x0; x < x1; ++x) p[x] = value;
        }
      } else {
        T* p = out + static_cast<size_t>(y) * W * 3;
        for (int x = x0 * 3; x < x1 * 3; ++x) p[x] = value;
      }
    }
  }
  // A row of BGR pixels lands at (x0, y) as RGB.
  void row(int y, int x0, const uint8_t* bgr, int n) const {
    if (nchw) {
      T* r = out + (static_cast<size_t>(0) * H + y) * W + x0;
      T* g = out + (static_cast<size_t>(1) * H + y) * W + x0;
      T* b = out + (static_cast<size_t>(2) * H + y) * W + x0;
      for (int x = 0; x < n; ++x) {
        b[x] = conv(bgr[3 * x]);
        g[x] = conv(bgr[3 * x + 1]);
        r[x] = conv(bgr[3 * x + 2]);
      }
    } else {
      T* p = out + (static_cast<size_t>(y) * W + x0) * 3;
      for (int x = 0; x < n; ++x) {
        p[3 * x] = conv(bgr[3 * x + 2]);
        p[3 * x + 1] = conv(bgr[3 * x + 1]);
        p[3 * x + 2] = conv(bgr[3 * x]);
      }
    }
  }
};

template <typename T>
void run(const LinearResizer& resizer, const LetterboxGeometry& g, const Writer<T>& w, T pad) {
  // Border first (cv::copyMakeBorder), then the picture.
  w.fill(0, g.padTop, 0, g.outWidth, pad);
  w.fill(g.padTop + g.resizedHeight, g.outHeight, 0, g.outWidth, pad);
  w.fill(g.padTop, g.padTop + g.resizedHeight, 0, g.padLeft, pad);
  w.fill(g.padTop, g.padTop + g.resizedHeight, g.padLeft + g.resizedWidth, g.outWidth, pad);
  resizer.run([&](int dy, const uint8_t* bgr) { w.row(g.padTop + dy, g.padLeft, bgr, g.resizedWidth); });
}

}  // namespace

std::string letterbox(const Image& src, const LetterboxGeometry& g, const LetterboxOutput& out) {
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int order = static_cast<int>(src.order);
  if (order < 0 || order > 4 || channelsOf[order] != src.channels) return "channels do not match the pixel order";
  if (src.width <= 0 || src.height <= 0 || src.stride < static_cast<size_t>(src.width) * src.channels) return "bad source size or stride";
  if (g.resizedWidth <= 0 || g.resizedHeight <= 0 || g.padLeft < 0 || g.padTop < 0 ||
      g.padLeft + g.resizedWidth > g.outWidth || g.padTop + g.resizedHeight > g.outHeight)
    return "the resized image does not fit the output with that padding";

  // Offsets of B, G, R in a source pixel: OpenCV's imread gives BGR and Ultralytics resizes that.
  GatherSource gs{src.data, src.width, src.height, src.stride, src.channels, 3, {0, 0, 0, 0}};
  switch (src.order) {
    case PixelOrder::Gray: gs.offset[0] = gs.offset[1] = gs.offset[2] = 0; break;
    case PixelOrder::RGB:
    case PixelOrder::RGBA: gs.offset[0] = 2, gs.offset[1] = 1, gs.offset[2] = 0; break;
    case PixelOrder::BGR:
    case PixelOrder::BGRA: gs.offset[0] = 0, gs.offset[1] = 1, gs.offset[2] = 2; break;
  }
  LinearResizer resizer(gs, g.resizedWidth, g.resizedHeight);
  const bool nchw = out.layout == OutLayout::NCHW;
  switch (out.dtype) {
    case OutDtype::Float32: {
      Writer<float> w{static_cast<float*>(out.data), tables().f32.data(), g.outWidth, g.outHeight, nchw};
      run(resizer, g, w, tables().f32[out.padValue]);
      break;
    }
    case OutDtype::Float16: {
      Writer<uint16_t> w{static_cast<uint16_t*>(out.data), tables().f16.data(), g.outWidth, g.outHeight, nchw};
      run(resizer, g, w, tables().f16[out.padValue]);
      break;
    }
    case OutDtype::Uint8: {
      Writer<uint8_t> w{static_cast<uint8_t*>(out.data), nullptr, g.outWidth, g.outHeight, nchw};
      run(resizer, g, w, out.padValue);
      break;
    }
  }
  return "";
}

}  // namespace trtjs::cpu
