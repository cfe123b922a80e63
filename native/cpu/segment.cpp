// ultralytics/utils/ops.py: process_mask, process_mask_native, crop_mask, scale_masks, scale_image. Prototype
// products are float32 sums in coefficient order; bilinear resizes follow torch's CPU upsample_bilinear2d
// (align_corners=False): float source index scale * (i + 0.5) - 0.5 clamped at 0, lambdas clamped to [0, 1], and the
// two width taps summed before the two height taps.
#include "cpu/segment.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/resize_linear.h"

namespace trtjs::cpu {

namespace {

// Python's round() and torch.round: halves to even (the default rounding mode).
inline double roundHalfEven(double v) { return std::nearbyint(v); }

// One axis of torch's linear interpolation from `in` samples to `out`.
struct Taps {
  std::vector<int32_t> i0, i1;
  std::vector<float> w0, w1;
};

Taps linearTaps(int in, int out) {
  Taps t;
  t.i0.resize(static_cast<size_t>(out));
  t.i1.resize(static_cast<size_t>(out));
  t.w0.resize(static_cast<size_t>(out));
  t.w1.resize(static_cast<size_t>(out));
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int o = 0; o < out; ++o) {
    float src = scale * (static_cast<float>(o) + 0.5f) - 0.5f;
    if (src < 0) src = 0;
    const int i0 = std::min(static_cast<int>(src), in - 1);
    const float l1 = std::min(std::max(src - static_cast<float>(i0), 0.0f), 1.0f);
    t.i0[static_cast<size_t>(o)] = i0;
    t.i1[static_cast<size_t>(o)] = i0 + (i0 < in - 1 ? 1 : 0);
    t.w1[static_cast<size_t>(o)] = l1;
    t.w0[static_cast<size_t>(o)] = 1.0f - l1;
  }
  return t;
}

// A half-open integer range [lo, hi).
struct Span {
  int lo = 0, hi = 0;
  bool empty() const { return hi <= lo; }
};

// crop_mask along one axis for a box edge pair (a, b) in pixels of a grid of `size`.
Span cropSpan(float a, float b, int size, bool roundCrop) {
  if (std::isnan(a) || std::isnan(b)) return {};
  const auto clampTo = [size](double v) { return static_cast<int>(std::min<double>(std::max<double>(v, 0.0), size)); };
  if (roundCrop) {
    // `boxes.round().int()`, then masks[:, :a] = 0 and masks[:, b:] = 0.
    return {clampTo(std::nearbyint(a)), clampTo(std::nearbyint(b))};
  }
  // (r >= a) * (r < b) over r = 0, 1, ... as float32.
  return {clampTo(std::ceil(a)), clampTo(std::ceil(b))};
}

// Appends the tight window of `value > 0` over rows `rows` and columns `cols` of a frame; `value(y, x)` is evaluated
// once per pixel of that region.
template <typename F>
void emitWindow(Span rows, Span cols, F value, CompactMasks& out) {
  if (rows.empty() || cols.empty()) {
    out.windows.insert(out.windows.end(), {0, 0, 0, 0});
    return;
  }
  const int h = rows.hi - rows.lo, w = cols.hi - cols.lo;
  std::vector<uint8_t> region(static_cast<size_t>(w) * static_cast<size_t>(h));
  int top = h, bottom = -1, left = w, right = -1;
  for (int y = 0; y < h; ++y) {
    uint8_t* row = region.data() + static_cast<size_t>(y) * static_cast<size_t>(w);
    for (int x = 0; x < w; ++x) {
      const uint8_t on = value(rows.lo + y, cols.lo + x) > 0.0f ? 1 : 0;
      row[x] = on;
      if (on) {
        top = std::min(top, y);
        bottom = y;
        left = std::min(left, x);
        right = std::max(right, x);
      }
    }
  }
  if (bottom < 0) {
    out.windows.insert(out.windows.end(), {0, 0, 0, 0});
    return;
  }
  const int ww = right - left + 1, wh = bottom - top + 1;
  out.windows.insert(out.windows.end(), {cols.lo + left, rows.lo + top, ww, wh});
  for (int y = top; y <= bottom; ++y) {
    const uint8_t* row = region.data() + static_cast<size_t>(y) * static_cast<size_t>(w) + left;
    out.bits.insert(out.bits.end(), row, row + ww);
  }
}

// masks_in @ protos for one instance over rows [r.lo, r.hi) and columns [c.lo, c.hi) of the prototype grid; zero
// elsewhere (crop_mask's zeros).
void protoProduct(const MaskRequest& q, const float* coeff, Span r, Span c, std::vector<float>& logits) {
  const size_t plane = static_cast<size_t>(q.mh) * static_cast<size_t>(q.mw);
  logits.assign(plane, 0.0f);
  for (int y = r.lo; y < r.hi; ++y) {
    float* dst = logits.data() + static_cast<size_t>(y) * q.mw;
    for (int k = 0; k < q.nm; ++k) {
      const float ck = coeff[k];
      const float* src = q.protos + static_cast<size_t>(k) * plane + static_cast<size_t>(y) * q.mw;
      for (int x = c.lo; x < c.hi; ++x) dst[x] += ck * src[x];
    }
  }
}

// The rows (or columns) of an upsampled axis that read at least one of the source indices in `src`.
Span touched(const Taps& t, Span src) {
  Span s{std::numeric_limits<int>::max(), -1};
  for (size_t o = 0; o < t.i0.size(); ++o) {
    const bool hit = (t.i0[o] >= src.lo && t.i0[o] < src.hi) || (t.i1[o] >= src.lo && t.i1[o] < src.hi);
    if (hit) {
      s.lo = std::min(s.lo, static_cast<int>(o));
      s.hi = static_cast<int>(o) + 1;
    }
  }
  return s.hi < 0 ? Span{} : s;
}

inline float bilinear(const float* plane, int stride, const Taps& ty, const Taps& tx, int y, int x) {
  const size_t yy = static_cast<size_t>(y), xx = static_cast<size_t>(x);
  const float* r0 = plane + static_cast<size_t>(ty.i0[yy]) * stride;
  const float* r1 = plane + static_cast<size_t>(ty.i1[yy]) * stride;
  const int x0 = tx.i0[xx], x1 = tx.i1[xx];
  const float t0 = r0[x0] * tx.w0[xx] + r0[x1] * tx.w1[xx];
  const float t1 = r1[x0] * tx.w0[xx] + r1[x1] * tx.w1[xx];
  float v = t0 * ty.w0[yy];
  v += t1 * ty.w1[yy];
  return v;
}

void processUpsample(const MaskRequest& q, CompactMasks& out) {
  // `ratios = torch.tensor([[mw / w, mh / h, mw / w, mh / h]])` (float32), `bboxes * ratios`.
  const float rw = static_cast<float>(static_cast<double>(q.mw) / q.outW);
  const float rh = static_cast<float>(static_cast<double>(q.mh) / q.outH);
  const bool upsample = q.mode == MaskMode::Upsample;
  const Taps ty = upsample ? linearTaps(q.mh, q.outH) : Taps{};
  const Taps tx = upsample ? linearTaps(q.mw, q.outW) : Taps{};
  out.frameW = upsample ? q.outW : q.mw;
  out.frameH = upsample ? q.outH : q.mh;
  std::vector<float> logits;
  for (size_t i = 0; i < q.n; ++i) {
    const float* b = q.boxes + i * 4;
    const Span cols = cropSpan(b[0] * rw, b[2] * rw, q.mw, q.roundCrop);
    const Span rows = cropSpan(b[1] * rh, b[3] * rh, q.mh, q.roundCrop);
    if (cols.empty() || rows.empty()) {
      emitWindow(
          {}, {}, [](int, int) { return 0.0f; }, out);
      continue;
    }
    protoProduct(q, q.coeffs + i * static_cast<size_t>(q.nm), rows, cols, logits);
    if (!upsample) {
      emitWindow(
          rows, cols, [&](int y, int x) { return logits[static_cast<size_t>(y) * q.mw + x]; }, out);
      continue;
    }
    emitWindow(
        touched(ty, rows), touched(tx, cols), [&](int y, int x) { return bilinear(logits.data(), q.mw, ty, tx, y, x); }, out);
  }
}

void processNative(const MaskRequest& q, CompactMasks& out) {
  // scale_masks(masks[None], shape): the letterbox padding, computed from the prototype and source sizes, removed.
  const double gain = std::min(static_cast<double>(q.mh) / q.outH, static_cast<double>(q.mw) / q.outW);
  const double padW = (q.mw - q.outW * gain) / 2, padH = (q.mh - q.outH * gain) / 2;
  int top = static_cast<int>(roundHalfEven(padH - 0.1)), left = static_cast<int>(roundHalfEven(padW - 0.1));
  int bottom = q.mh - static_cast<int>(roundHalfEven(padH + 0.1)), right = q.mw - static_cast<int>(roundHalfEven(padW + 0.1));
  // Degenerate sources (a 1-pixel-wide image) can leave nothing after the padding: keep at least one prototype row.
  top = std::clamp(top, 0, q.mh - 1);
  left = std::clamp(left, 0, q.mw - 1);
  bottom = std::clamp(bottom, top + 1, q.mh);
  right = std::clamp(right, left + 1, q.mw);
  const Taps ty = linearTaps(bottom - top, q.outH), tx = linearTaps(right - left, q.outW);
  out.frameW = q.outW;
  out.frameH = q.outH;
  std::vector<float> logits;
  for (size_t i = 0; i < q.n; ++i) {
    const float* b = q.boxes + i * 4;
    const Span cols = cropSpan(b[0], b[2], q.outW, q.roundCrop);
    const Span rows = cropSpan(b[1], b[3], q.outH, q.roundCrop);
    if (cols.empty() || rows.empty()) {
      emitWindow(
          {}, {}, [](int, int) { return 0.0f; }, out);
      continue;
    }
    protoProduct(q, q.coeffs + i * static_cast<size_t>(q.nm), {top, bottom}, {left, right}, logits);
    const float* origin = logits.data() + static_cast<size_t>(top) * q.mw + left;
    emitWindow(
        rows, cols, [&](int y, int x) { return bilinear(origin, q.mw, ty, tx, y, x); }, out);
  }
}

}  // namespace

void processMasks(const MaskRequest& r, CompactMasks& out) {
  out.windows.clear();
  out.bits.clear();
  out.windows.reserve(r.n * 4);
  if (r.mode == MaskMode::Native)
    processNative(r, out);
  else
    processUpsample(r, out);
}

void scaleMasksToSource(const CompactMasks& in, int srcW, int srcH, CompactMasks& out) {
  out.windows.clear();
  out.bits.clear();
  out.frameW = srcW;
  out.frameH = srcH;
  const int inW = in.frameW, inH = in.frameH;
  const size_t n = in.windows.size() / 4;
  if (inW == srcW && inH == srcH) {
    out.windows = in.windows;
    out.bits = in.bits;
    return;
  }
  const double gain = std::min(static_cast<double>(inH) / srcH, static_cast<double>(inW) / srcW);
  const double padW = (inW - srcW * gain) / 2, padH = (inH - srcH * gain) / 2;
  int top = static_cast<int>(roundHalfEven(padH - 0.1)), left = static_cast<int>(roundHalfEven(padW - 0.1));
  int bottom = inH - static_cast<int>(roundHalfEven(padH + 0.1)), right = inW - static_cast<int>(roundHalfEven(padW + 0.1));
  top = std::clamp(top, 0, inH - 1);
  left = std::clamp(left, 0, inW - 1);
  bottom = std::clamp(bottom, top + 1, inH);
  right = std::clamp(right, left + 1, inW);
  const int cw = right - left, ch = bottom - top;
  std::vector<uint8_t> crop(static_cast<size_t>(cw) * ch), full(static_cast<size_t>(srcW) * srcH);
  size_t offset = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t* w = in.windows.data() + i * 4;
    const size_t bytes = static_cast<size_t>(w[2]) * static_cast<size_t>(w[3]);
    const uint8_t* bits = in.bits.data() + offset;
    offset += bytes;
    // The window's part inside the crop.
    const int x0 = std::max(w[0], left), x1 = std::min(w[0] + w[2], right);
    const int y0 = std::max(w[1], top), y1 = std::min(w[1] + w[3], bottom);
    if (bytes == 0 || x0 >= x1 || y0 >= y1) {
      out.windows.insert(out.windows.end(), {0, 0, 0, 0});
      continue;
    }
    std::fill(crop.begin(), crop.end(), 0);
    for (int y = y0; y < y1; ++y) {
      const uint8_t* src = bits + static_cast<size_t>(y - w[1]) * w[2] + (x0 - w[0]);
      std::copy(src, src + (x1 - x0), crop.data() + static_cast<size_t>(y - top) * cw + (x0 - left));
    }
    resizeLinear(crop.data(), cw, ch, static_cast<size_t>(cw), 1, full.data(), srcW, srcH, static_cast<size_t>(srcW));
    emitWindow(
        {0, srcH}, {0, srcW}, [&](int y, int x) { return static_cast<float>(full[static_cast<size_t>(y) * srcW + x]); }, out);
  }
}

}  // namespace trtjs::cpu
