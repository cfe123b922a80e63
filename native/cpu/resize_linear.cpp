#include "cpu/resize_linear.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

namespace trtjs::cpu {

namespace {

constexpr int kCoefBits = 11;  // INTER_RESIZE_COEF_BITS
constexpr int kCoefScale = 1 << kCoefBits;

// saturate_cast<short>(float): cvRound, i.e. round half to even.
int16_t toCoef(float v) {
  long r = std::lrint(v * static_cast<float>(kCoefScale));
  return static_cast<int16_t>(std::clamp<long>(r, -32768, 32767));
}

inline uint8_t sat8(int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); }

}  // namespace

LinearResizer::LinearResizer(const GatherSource& src, int dw, int dh) : src_(src), dw_(dw), dh_(dh) {
  const int sw = src.width, sh = src.height;
  if (sw == dw && sh == dh) {
    copy_ = true;
    return;
  }
  const double invScaleX = static_cast<double>(dw) / sw, invScaleY = static_cast<double>(dh) / sh;
  const double scaleX = 1.0 / invScaleX, scaleY = 1.0 / invScaleY;
  // cv::resize: an exact 2x downscale in both axes is computed by INTER_AREA's fast path.
  const int iscaleX = static_cast<int>(std::lrint(scaleX)), iscaleY = static_cast<int>(std::lrint(scaleY));
  if (std::abs(scaleX - iscaleX) < DBL_EPSILON && std::abs(scaleY - iscaleY) < DBL_EPSILON && iscaleX == 2 && iscaleY == 2) {
    area2x_ = true;
    return;
  }
  xofs_.resize(dw);
  alpha_.resize(2 * static_cast<size_t>(dw));
  xmax_ = dw;
  for (int dx = 0; dx < dw; ++dx) {
    float fx = static_cast<float>((dx + 0.5) * scaleX - 0.5);
    int sx = static_cast<int>(std::floor(fx));
    fx -= static_cast<float>(sx);
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx + 1 >= sw) {
      xmax_ = std::min(xmax_, dx);
      if (sx >= sw - 1) {
        fx = 0;
        sx = sw - 1;
      }
    }
    xofs_[dx] = sx;
    alpha_[2 * dx] = toCoef(1.f - fx);
    alpha_[2 * dx + 1] = toCoef(fx);
  }
  yofs_.resize(dh);
  beta_.resize(2 * static_cast<size_t>(dh));
  for (int dy = 0; dy < dh; ++dy) {
    // Rows are not clamped here: out-of-range rows are clipped when fetched, with unclamped weights.
    float fy = static_cast<float>((dy + 0.5) * scaleY - 0.5);
    int sy = static_cast<int>(std::floor(fy));
    fy -= static_cast<float>(sy);
    yofs_[dy] = sy;
    beta_[2 * dy] = toCoef(1.f - fy);
    beta_[2 * dy + 1] = toCoef(fy);
  }
}

void LinearResizer::gather(int sy, uint8_t* out) const {
  const uint8_t* row = src_.data + static_cast<size_t>(sy) * src_.stride;
  const int cn = src_.cn, pb = src_.pixelBytes;
  for (int x = 0; x < src_.width; ++x) {
    const uint8_t* p = row + static_cast<size_t>(x) * pb;
    for (int c = 0; c < cn; ++c) out[x * cn + c] = p[src_.offset[c]];
  }
}

void LinearResizer::horizontal(int sy, int32_t* out) const {
  const uint8_t* row = src_.data + static_cast<size_t>(sy) * src_.stride;
  const int cn = src_.cn, pb = src_.pixelBytes;
  const int* off = src_.offset;
  int dx = 0;
  if (cn == 3) {
    const int o0 = off[0], o1 = off[1], o2 = off[2];
    for (; dx < xmax_; ++dx) {
      const uint8_t* s0 = row + static_cast<size_t>(xofs_[dx]) * pb;
      const uint8_t* s1 = s0 + pb;
      const int a0 = alpha_[2 * dx], a1 = alpha_[2 * dx + 1];
      int32_t* d = out + dx * 3;
      d[0] = s0[o0] * a0 + s1[o0] * a1;
      d[1] = s0[o1] * a0 + s1[o1] * a1;
      d[2] = s0[o2] * a0 + s1[o2] * a1;
    }
  } else {
    for (; dx < xmax_; ++dx) {
      const uint8_t* s0 = row + static_cast<size_t>(xofs_[dx]) * pb;
      const uint8_t* s1 = s0 + pb;
      const int a0 = alpha_[2 * dx], a1 = alpha_[2 * dx + 1];
      for (int c = 0; c < cn; ++c) out[dx * cn + c] = s0[off[c]] * a0 + s1[off[c]] * a1;
    }
  }
  for (; dx < dw_; ++dx) {
    const uint8_t* s0 = row + static_cast<size_t>(xofs_[dx]) * pb;
    for (int c = 0; c < cn; ++c) out[dx * cn + c] = s0[off[c]] * kCoefScale;
  }
}

void LinearResizer::vertical(const int32_t* s0, const int32_t* s1, int16_t b0, int16_t b1, uint8_t* dst) const {
  // VResizeLinear<uchar>: its SIMD loop packs each row sum >> 4 into 16 bits and keeps the high half of the
  // product with the weight; OpenCV's scalar tail for uchar is specialised to the same arithmetic.
  const int width = dw_ * src_.cn;
  for (int x = 0; x < width; ++x) {
    const int t0 = ((s0[x] >> 4) * b0) >> 16;
    const int t1 = ((s1[x] >> 4) * b1) >> 16;
    dst[x] = sat8((t0 + t1 + 2) >> 2);
  }
}

void LinearResizer::run(const std::function<void(int, const uint8_t*)>& rowOut) const {
  const int cn = src_.cn, sw = src_.width, sh = src_.height;
  std::vector<uint8_t> out(static_cast<size_t>(dw_) * cn);
  std::vector<uint8_t> srcRow0(static_cast<size_t>(sw) * cn), srcRow1(static_cast<size_t>(sw) * cn);
  if (copy_) {
    for (int y = 0; y < dh_; ++y) {
      gather(y, out.data());
      rowOut(y, out.data());
    }
    return;
  }
  if (area2x_) {
    for (int dy = 0; dy < dh_; ++dy) {
      gather(2 * dy, srcRow0.data());
      gather(2 * dy + 1, srcRow1.data());
      for (int dx = 0; dx < dw_; ++dx)
        for (int c = 0; c < cn; ++c) {
          const int i = 2 * dx * cn + c;
          out[dx * cn + c] = static_cast<uint8_t>((srcRow0[i] + srcRow0[i + cn] + srcRow1[i] + srcRow1[i + cn] + 2) >> 2);
        }
      rowOut(dy, out.data());
    }
    return;
  }
  // Two horizontally resized rows, reused while consecutive destination rows sample the same source rows.
  std::vector<int32_t> h[2] = {std::vector<int32_t>(static_cast<size_t>(dw_) * cn), std::vector<int32_t>(static_cast<size_t>(dw_) * cn)};
  int have[2] = {-1, -1};
  auto rowOf = [&](int sy) -> const int32_t* {
    sy = std::clamp(sy, 0, sh - 1);
    for (int k = 0; k < 2; ++k)
      if (have[k] == sy) return h[k].data();
    // Replace the row the next destination row will not need (the lower index).
    int k = have[0] < have[1] ? 0 : 1;
    horizontal(sy, h[k].data());
    have[k] = sy;
    return h[k].data();
  };
  for (int dy = 0; dy < dh_; ++dy) {
    const int sy = yofs_[dy];
    const int16_t b0 = beta_[2 * dy], b1 = beta_[2 * dy + 1];
    const int32_t* r0 = rowOf(sy);
    // A zero weight contributes exactly 0 to OpenCV's sum, so its row need not be computed.
    const int32_t* r1 = b1 == 0 ? r0 : rowOf(sy + 1);
    vertical(r0, r1, b0, b1, out.data());
    rowOut(dy, out.data());
  }
}

void resizeLinear(const uint8_t* src, int sw, int sh, size_t sstride, int cn, uint8_t* dst, int dw, int dh, size_t dstride) {
  GatherSource s{src, sw, sh, sstride, cn, cn, {0, 1, 2, 3}};
  LinearResizer(s, dw, dh).run([&](int y, const uint8_t* row) { std::memcpy(dst + static_cast<size_t>(y) * dstride, row, static_cast<size_t>(dw) * cn); });
}

}  // namespace trtjs::cpu
