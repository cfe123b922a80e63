// Pillow's libImaging/Resample.c (precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc,
// ImagingResampleVertical_8bpc, ImagingResampleInner) for the BILINEAR filter, restricted to a crop of the output.
#include "cpu/classify_transform.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/half.h"

namespace trtjs::cpu {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bilinearFilter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

// Fixed-point coefficients of every output pixel along one axis: taps k[o * ksize + j] for input bounds[2o] + j,
// j < bounds[2o + 1].
struct Coeffs {
  int ksize = 0;
  std::vector<int32_t> bounds;
  std::vector<int32_t> k;
};

Coeffs precompute(int inSize, int outSize) {
  Coeffs c;
  const float in0 = 0.0f, in1 = static_cast<float>(inSize);
  const double scale = static_cast<double>(in1 - in0) / outSize;
  double filterscale = scale;
  if (filterscale < 1.0) filterscale = 1.0;
  const double support = 1.0 * filterscale;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.resize(static_cast<size_t>(outSize) * 2);
  c.k.assign(static_cast<size_t>(outSize) * static_cast<size_t>(c.ksize), 0);
  std::vector<double> pre(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < outSize; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    std::fill(pre.begin(), pre.end(), 0.0);
    for (int x = 0; x < xmax; ++x) {
      const double w = bilinearFilter((x + xmin - center + 0.5) * ss);
      pre[static_cast<size_t>(x)] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x)
      if (ww != 0.0) pre[static_cast<size_t>(x)] /= ww;
    int32_t* k = c.k.data() + static_cast<size_t>(xx) * c.ksize;
    for (int x = 0; x < c.ksize; ++x) {
      const double v = pre[static_cast<size_t>(x)];
      k[x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits)) : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    c.bounds[static_cast<size_t>(xx) * 2] = xmin;
    c.bounds[static_cast<size_t>(xx) * 2 + 1] = xmax;
  }
  return c;
}

inline uint8_t clip8(int64_t in) {
  const int64_t v = in >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

template <typename T>
void write(const std::vector<uint8_t>& rgb, int size, const ClassifyOutput& out, T (*conv)(uint8_t)) {
  T* dst = static_cast<T*>(out.data);
  const size_t plane = static_cast<size_t>(size) * size;
  for (size_t p = 0; p < plane; ++p) {
    for (size_t c = 0; c < 3; ++c) {
      const T v = conv(rgb[p * 3 + c]);
      if (out.layout == OutLayout::NCHW)
        dst[c * plane + p] = v;
      else
        dst[p * 3 + c] = v;
    }
  }
}

}  // namespace

std::string classifyTransform(const Image& src, const ClassifyGeometry& g, const ClassifyOutput& out) {
  static const int channelsOf[] = {1, 3, 3, 4, 4};
  const int order = static_cast<int>(src.order);
  if (order < 0 || order > 4 || channelsOf[order] != src.channels) return "channels do not match the pixel order";
  if (src.width <= 0 || src.height <= 0 || src.stride < static_cast<size_t>(src.width) * src.channels) return "bad source size or stride";
  if (g.resizedWidth <= 0 || g.resizedHeight <= 0 || g.size <= 0 || g.cropLeft < 0 || g.cropTop < 0 || g.cropLeft + g.size > g.resizedWidth ||
      g.cropTop + g.size > g.resizedHeight)
    return "the crop does not lie inside the resized image";

  // Byte offsets of R, G, B in a source pixel (PIL sees RGB: cv2.imread's BGR converted).
  int off[3] = {0, 0, 0};
  if (src.order == PixelOrder::RGB || src.order == PixelOrder::RGBA) off[0] = 0, off[1] = 1, off[2] = 2;
  if (src.order == PixelOrder::BGR || src.order == PixelOrder::BGRA) off[0] = 2, off[1] = 1, off[2] = 0;
  const auto pixel = [&](int x, int y, int c) { return src.data[static_cast<size_t>(y) * src.stride + static_cast<size_t>(x) * src.channels + off[c]]; };

  const int size = g.size;
  const bool needH = g.resizedWidth != src.width, needV = g.resizedHeight != src.height;
  const Coeffs ch = needH ? precompute(src.width, g.resizedWidth) : Coeffs{};
  const Coeffs cv = needV ? precompute(src.height, g.resizedHeight) : Coeffs{};

  // Source rows the cropped output reads.
  int rowLo = g.cropTop, rowHi = g.cropTop + size;
  if (needV) {
    rowLo = src.height;
    rowHi = 0;
    for (int y = g.cropTop; y < g.cropTop + size; ++y) {
      const int ymin = cv.bounds[static_cast<size_t>(y) * 2], ymax = cv.bounds[static_cast<size_t>(y) * 2 + 1];
      rowLo = std::min(rowLo, ymin);
      rowHi = std::max(rowHi, ymin + ymax);
    }
    if (rowHi <= rowLo) rowLo = rowHi = 0;
  }

  // Horizontal pass over those rows, for the cropped columns: temp[(y - rowLo) * size + x] (RGB).
  const size_t tempRows = static_cast<size_t>(rowHi - rowLo);
  std::vector<uint8_t> temp(tempRows * static_cast<size_t>(size) * 3);
  for (int y = rowLo; y < rowHi; ++y) {
    uint8_t* row = temp.data() + static_cast<size_t>(y - rowLo) * size * 3;
    for (int x = 0; x < size; ++x) {
      const int xx = g.cropLeft + x;
      for (int c = 0; c < 3; ++c) {
        if (!needH) {
          row[x * 3 + c] = pixel(xx, y, c);
          continue;
        }
        const int xmin = ch.bounds[static_cast<size_t>(xx) * 2], xmax = ch.bounds[static_cast<size_t>(xx) * 2 + 1];
        const int32_t* k = ch.k.data() + static_cast<size_t>(xx) * ch.ksize;
        int64_t ss = 1 << (kPrecisionBits - 1);
        for (int j = 0; j < xmax; ++j) ss += static_cast<int64_t>(pixel(xmin + j, y, c)) * k[j];
        row[x * 3 + c] = clip8(static_cast<int32_t>(ss));
      }
    }
  }

  // Vertical pass.
  std::vector<uint8_t> rgb(static_cast<size_t>(size) * size * 3);
  for (int y = 0; y < size; ++y) {
    const int yy = g.cropTop + y;
    uint8_t* dst = rgb.data() + static_cast<size_t>(y) * size * 3;
    if (!needV) {
      std::copy_n(temp.data() + static_cast<size_t>(yy - rowLo) * size * 3, static_cast<size_t>(size) * 3, dst);
      continue;
    }
    const int ymin = cv.bounds[static_cast<size_t>(yy) * 2], ymax = cv.bounds[static_cast<size_t>(yy) * 2 + 1];
    const int32_t* k = cv.k.data() + static_cast<size_t>(yy) * cv.ksize;
    for (int x = 0; x < size * 3; ++x) {
      int64_t ss = 1 << (kPrecisionBits - 1);
      for (int j = 0; j < ymax; ++j) ss += static_cast<int64_t>(temp[static_cast<size_t>(ymin + j - rowLo) * size * 3 + x]) * k[j];
      dst[x] = clip8(static_cast<int32_t>(ss));
    }
  }

  switch (out.dtype) {
    case OutDtype::Float32:
      write<float>(rgb, size, out, [](uint8_t v) { return static_cast<float>(v) / 255.0f; });
      break;
    case OutDtype::Float16:
      write<uint16_t>(rgb, size, out, [](uint8_t v) { return floatToHalf(static_cast<float>(v) / 255.0f); });
      break;
    case OutDtype::Uint8:
      write<uint8_t>(rgb, size, out, [](uint8_t v) { return v; });
      break;
  }
  return "";
}

}  // namespace trtjs::cpu
