#include "cpu/letterbox.h"

#include <algorithm>
#include <array>
#include <type_traits>

#include "cpu/letterbox_pixel.h"
#include "cpu/resize_linear.h"

namespace trtjs::cpu {

namespace {

// float16 of v / 255 for every byte: the conversion has no vector form on a baseline CPU, a table has.
const std::array<uint16_t, 256>& halfTable() {
  static const std::array<uint16_t, 256> t = [] {
    std::array<uint16_t, 256> a{};
    for (int v = 0; v < 256; ++v) a[v] = px::toFloat16(static_cast<uint8_t>(v));
    return a;
  }();
  return t;
}

template <typename T>
struct Convert;
template <>
struct Convert<float> {
  // A division per value (px::toFloat32), which vectorises; no table lookups.
  static float of(uint8_t v) { return px::toFloat32(v); }
};
template <>
struct Convert<uint16_t> {
  static uint16_t of(uint8_t v) { return halfTable()[v]; }
};
template <>
struct Convert<uint8_t> {
  static uint8_t of(uint8_t v) { return v; }
};

template <typename T>
void convertRow(const uint8_t* __restrict src, T* __restrict dst, int n) {
  if constexpr (std::is_same_v<T, uint16_t>) {
    const uint16_t* lut = halfTable().data();
    for (int x = 0; x < n; ++x) dst[x] = lut[src[x]];
  } else {
    for (int x = 0; x < n; ++x) dst[x] = Convert<T>::of(src[x]);
  }
}

template <typename T>
struct Writer {
  T* out;
  int W, H;
  bool nchw;

  void fill(int y0, int y1, int x0, int x1, T value) const {
    if (x0 >= x1) return;
    for (int y = y0; y < y1; ++y) {
      if (nchw) {
        for (int c = 0; c < 3; ++c) std::fill_n(out + (static_cast<size_t>(c) * H + y) * W + x0, x1 - x0, value);
      } else {
        std::fill_n(out + (static_cast<size_t>(y) * W + x0) * 3, static_cast<size_t>(x1 - x0) * 3, value);
      }
    }
  }
  // A row of B, G, R planes lands at (x0, y) as RGB.
  void row(int y, int x0, const uint8_t* const* bgr, int n) const {
    if (nchw) {
      for (int c = 0; c < 3; ++c) convertRow(bgr[2 - c], out + (static_cast<size_t>(c) * H + y) * W + x0, n);
    } else {
      T* p = out + (static_cast<size_t>(y) * W + x0) * 3;
      const uint8_t *b = bgr[0], *g = bgr[1], *r = bgr[2];
      for (int x = 0; x < n; ++x) {
        p[3 * x] = Convert<T>::of(r[x]);
        p[3 * x + 1] = Convert<T>::of(g[x]);
        p[3 * x + 2] = Convert<T>::of(b[x]);
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
  resizer.run([&](int dy, const uint8_t* const* bgr) { w.row(g.padTop + dy, g.padLeft, bgr, g.resizedWidth); });
}

}  // namespace

std::string letterbox(const Image& src, const LetterboxGeometry& g, const LetterboxOutput& out) {
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int order = static_cast<int>(src.order);
  if (order < 0 || order > 4 || channelsOf[order] != src.channels) return "channels do not match the pixel order";
  if (src.width <= 0 || src.height <= 0 || src.stride < static_cast<size_t>(src.width) * src.channels) return "bad source size or stride";
  if (g.resizedWidth <= 0 || g.resizedHeight <= 0 || g.padLeft < 0 || g.padTop < 0 || g.padLeft + g.resizedWidth > g.outWidth ||
      g.padTop + g.resizedHeight > g.outHeight)
    return "the resized image does not fit the output with that padding";

  GatherSource gs{src.data, src.width, src.height, src.stride, src.channels, {0, 0, 0}};
  px::bgrOffsets(src.order, gs.offset);
  LinearResizer resizer(gs, g.resizedWidth, g.resizedHeight);
  const bool nchw = out.layout == OutLayout::NCHW;
  switch (out.dtype) {
    case OutDtype::Float32:
      run(resizer, g, Writer<float>{static_cast<float*>(out.data), g.outWidth, g.outHeight, nchw}, px::toFloat32(out.padValue));
      break;
    case OutDtype::Float16:
      run(resizer, g, Writer<uint16_t>{static_cast<uint16_t*>(out.data), g.outWidth, g.outHeight, nchw}, px::toFloat16(out.padValue));
      break;
    case OutDtype::Uint8:
      run(resizer, g, Writer<uint8_t>{static_cast<uint8_t*>(out.data), g.outWidth, g.outHeight, nchw}, out.padValue);
      break;
  }
  return "";
}

}  // namespace trtjs::cpu
