#include "cpu/resize_linear.h"

#include <algorithm>
#include <vector>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define TRTJS_RESIZE_SSE2 1
#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>
#define TRTJS_RESIZE_NEON 1
#endif

namespace trtjs::cpu {

namespace {

#if defined(TRTJS_RESIZE_SSE2)
// The horizontal pass of 3- or 4-byte pixels, 8 destination pixels at a time: px::horizontal's s0 * w0 + s1 * w1 is
// one _mm_madd_epi16 on (s0, s1) pairs, which a compiler cannot form from the gathered scalar loop. Both samples of a
// pixel are read by one 8-byte load, so this only runs where that load stays inside the row and the two samples are
// adjacent (x1 == x0 + PB); the caller finishes the row with the scalar loop. Returns the first pixel not done.
template <int PB>
int horizontalSse2(const uint8_t* row, int rowBytes, const int32_t* x0, const int32_t* x1, const int32_t* w, int dw, const int* off, int16_t* pb, int16_t* pg,
                   int16_t* pr) {
  const __m128i zero = _mm_setzero_si128();
  // (s0, s1) of every channel of one pixel as 16-bit pairs, then s0 * w0 + s1 * w1 per channel.
  auto pixel = [&](__m128i bytes16, __m128i weights) {
    const __m128i pairs = _mm_unpacklo_epi16(bytes16, _mm_srli_si128(bytes16, 2 * PB));
    return _mm_srai_epi32(_mm_madd_epi16(pairs, weights), 4);  // px::packed
  };
  // Four pixels' channel sums, transposed so that lane i of c[k] is channel k of pixel i.
  auto four = [&](int dx, __m128i* c) {
    const __m128i ab = _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + x0[dx])),
                                          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + x0[dx + 1])));
    const __m128i cd = _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + x0[dx + 2])),
                                          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + x0[dx + 3])));
    const __m128i wv = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + dx));
    const __m128i h0 = pixel(_mm_unpacklo_epi8(ab, zero), _mm_shuffle_epi32(wv, 0x00));
    const __m128i h1 = pixel(_mm_unpackhi_epi8(ab, zero), _mm_shuffle_epi32(wv, 0x55));
    const __m128i h2 = pixel(_mm_unpacklo_epi8(cd, zero), _mm_shuffle_epi32(wv, 0xAA));
    const __m128i h3 = pixel(_mm_unpackhi_epi8(cd, zero), _mm_shuffle_epi32(wv, 0xFF));
    const __m128i t0 = _mm_unpacklo_epi32(h0, h1), t1 = _mm_unpacklo_epi32(h2, h3);
    const __m128i t2 = _mm_unpackhi_epi32(h0, h1), t3 = _mm_unpackhi_epi32(h2, h3);
    c[0] = _mm_unpacklo_epi64(t0, t1);
    c[1] = _mm_unpackhi_epi64(t0, t1);
    c[2] = _mm_unpacklo_epi64(t2, t3);
    c[3] = _mm_unpackhi_epi64(t2, t3);
  };
  int16_t* planes[3] = {pb, pg, pr};
  int dx = 0;
  for (; dx + 8 <= dw; dx += 8) {
    // Samples must be adjacent and the 8-byte load of the last pixel inside the row (x0 rises with dx).
    if (x0[dx + 7] + 8 > rowBytes || x1[dx + 7] != x0[dx + 7] + PB) break;
    __m128i lo[4], hi[4];
    four(dx, lo);
    four(dx + 4, hi);
    // Sums are at most 255 * 2048 >> 4, so the signed 16-bit pack is exact.
    for (int k = 0; k < 3; ++k) _mm_storeu_si128(reinterpret_cast<__m128i*>(planes[k] + dx), _mm_packs_epi32(lo[off[k]], hi[off[k]]));
  }
  return dx;
}
#endif

#if defined(TRTJS_RESIZE_NEON)
// The same pass with NEON (Jetson's Arm cores): per pixel, the two samples' channels widened to 16 bits, a multiply
// and a multiply-accumulate by the two weights, then a 4x4 transpose to planes. Same conditions and return value as
// horizontalSse2.
template <int PB>
int horizontalNeon(const uint8_t* row, int rowBytes, const int32_t* x0, const int32_t* x1, const int16_t* a0, const int16_t* a1, int dw, const int* off,
                   int16_t* pb, int16_t* pg, int16_t* pr) {
  auto four = [&](int dx, int32x4_t* c) {
    int32x4_t h[4];
    for (int i = 0; i < 4; ++i) {
      const int d = dx + i;
      const int16x8_t v = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(row + x0[d])));  // channels of sx, then of sx + 1
      const int32x4_t acc = vmlal_n_s16(vmull_n_s16(vget_low_s16(v), a0[d]), vget_low_s16(vextq_s16(v, v, PB)), a1[d]);
      h[i] = vshrq_n_s32(acc, 4);  // px::packed
    }
    const int32x4x2_t t01 = vtrnq_s32(h[0], h[1]), t23 = vtrnq_s32(h[2], h[3]);
    c[0] = vcombine_s32(vget_low_s32(t01.val[0]), vget_low_s32(t23.val[0]));
    c[1] = vcombine_s32(vget_low_s32(t01.val[1]), vget_low_s32(t23.val[1]));
    c[2] = vcombine_s32(vget_high_s32(t01.val[0]), vget_high_s32(t23.val[0]));
    c[3] = vcombine_s32(vget_high_s32(t01.val[1]), vget_high_s32(t23.val[1]));
  };
  int16_t* planes[3] = {pb, pg, pr};
  int dx = 0;
  for (; dx + 8 <= dw; dx += 8) {
    if (x0[dx + 7] + 8 > rowBytes || x1[dx + 7] != x0[dx + 7] + PB) break;
    int32x4_t lo[4], hi[4];
    four(dx, lo);
    four(dx + 4, hi);
    for (int k = 0; k < 3; ++k) vst1q_s16(planes[k] + dx, vcombine_s16(vmovn_s32(lo[off[k]]), vmovn_s32(hi[off[k]])));
  }
  return dx;
}
#endif

// One source row through the horizontal pass, into three planes of packed sums (B, G, R). The source layout is a
// template parameter so the compiler sees constant pixel strides. Gray fills one plane (the caller aliases it).
template <int PB>
void horizontalRow(const uint8_t* row, int rowBytes, const int32_t* x0, const int32_t* x1, const int16_t* a0, const int16_t* a1, const int32_t* w, int dw,
                   const int* off, int16_t* pb, int16_t* pg, int16_t* pr) {
  if constexpr (PB == 1) {
    for (int dx = 0; dx < dw; ++dx) pb[dx] = px::packed(px::horizontal(row[x0[dx]], row[x1[dx]], a0[dx], a1[dx]));
  } else {
    const int o0 = off[0], o1 = off[1], o2 = off[2];
    int dx = 0;
#if defined(TRTJS_RESIZE_SSE2)
    dx = horizontalSse2<PB>(row, rowBytes, x0, x1, w, dw, off, pb, pg, pr);
#elif defined(TRTJS_RESIZE_NEON)
    dx = horizontalNeon<PB>(row, rowBytes, x0, x1, a0, a1, dw, off, pb, pg, pr);
    (void)w;
#else
    (void)rowBytes;
    (void)w;
#endif
    for (; dx < dw; ++dx) {
      const uint8_t* s0 = row + x0[dx];
      const uint8_t* s1 = row + x1[dx];
      const int w0 = a0[dx], w1 = a1[dx];
      pb[dx] = px::packed(px::horizontal(s0[o0], s1[o0], w0, w1));
      pg[dx] = px::packed(px::horizontal(s0[o1], s1[o1], w0, w1));
      pr[dx] = px::packed(px::horizontal(s0[o2], s1[o2], w0, w1));
    }
  }
}

// The vertical pass of one plane. With SSE2 it is OpenCV's own instruction sequence (16-bit multiply-high, add,
// shift, saturating pack), which the compiler does not find by itself: it widens to 32 bits. NEON does the same
// with a widening multiply and a narrowing shift.
void verticalRow(const int16_t* __restrict p0, const int16_t* __restrict p1, int w0, int w1, uint8_t* __restrict dst, int n) {
  int x = 0;
#if defined(TRTJS_RESIZE_SSE2)
  const __m128i b0 = _mm_set1_epi16(static_cast<int16_t>(w0)), b1 = _mm_set1_epi16(static_cast<int16_t>(w1));
  const __m128i two = _mm_set1_epi16(2);
  auto eight = [&](int at) {
    const __m128i t0 = _mm_mulhi_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + at)), b0);
    const __m128i t1 = _mm_mulhi_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + at)), b1);
    return _mm_srai_epi16(_mm_add_epi16(_mm_add_epi16(t0, t1), two), 2);
  };
  for (; x + 16 <= n; x += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), _mm_packus_epi16(eight(x), eight(x + 8)));
#elif defined(TRTJS_RESIZE_NEON)
  const int16x8_t b0 = vdupq_n_s16(static_cast<int16_t>(w0)), b1 = vdupq_n_s16(static_cast<int16_t>(w1));
  const int16x8_t two = vdupq_n_s16(2);
  // (p * w) >> 16 per lane: widening multiply, then a narrowing shift by 16.
  auto high = [](int16x8_t p, int16x8_t w) {
    return vcombine_s16(vshrn_n_s32(vmull_s16(vget_low_s16(p), vget_low_s16(w)), 16), vshrn_n_s32(vmull_high_s16(p, w), 16));
  };
  auto eight = [&](int at) {
    const int16x8_t t = vaddq_s16(vaddq_s16(high(vld1q_s16(p0 + at), b0), high(vld1q_s16(p1 + at), b1)), two);
    return vqmovun_s16(vshrq_n_s16(t, 2));
  };
  for (; x + 16 <= n; x += 16) vst1q_u8(dst + x, vcombine_u8(eight(x), eight(x + 8)));
#endif
  for (; x < n; ++x) dst[x] = px::vertical(p0[x], p1[x], w0, w1);
}

template <int PB>
void gatherRow(const uint8_t* row, int dw, const int* off, uint8_t* b, uint8_t* g, uint8_t* r) {
  for (int x = 0; x < dw; ++x) {
    const uint8_t* p = row + static_cast<size_t>(x) * PB;
    b[x] = p[off[0]];
    if constexpr (PB != 1) {
      g[x] = p[off[1]];
      r[x] = p[off[2]];
    }
  }
}

template <int PB>
void areaRow(const uint8_t* r0, const uint8_t* r1, int dw, const int* off, uint8_t* b, uint8_t* g, uint8_t* r) {
  uint8_t* planes[3] = {b, g, r};
  for (int c = 0; c < (PB == 1 ? 1 : 3); ++c) {
    const int o = off[c];
    uint8_t* d = planes[c];
    for (int x = 0; x < dw; ++x) {
      const size_t i = static_cast<size_t>(2 * x) * PB + o;
      d[x] = px::area2x(r0[i], r0[i + PB], r1[i], r1[i + PB]);
    }
  }
}

template <int PB>
void runAs(const GatherSource& s, int dw, int dh, const px::ResizePlan& plan, const std::function<void(int, const uint8_t* const*)>& rowOut) {
  const size_t n = static_cast<size_t>(dw);
  std::vector<uint8_t> out(3 * n);
  // Gray: one plane stands for all three.
  const uint8_t* planes[3] = {out.data(), PB == 1 ? out.data() : out.data() + n, PB == 1 ? out.data() : out.data() + 2 * n};
  uint8_t* b = out.data();
  uint8_t* g = out.data() + n;
  uint8_t* r = out.data() + 2 * n;
  auto rowPtr = [&](int y) { return s.data + static_cast<size_t>(y) * s.stride; };

  if (plan.mode == px::ResizeMode::Copy) {
    for (int dy = 0; dy < dh; ++dy) {
      gatherRow<PB>(rowPtr(dy), dw, s.offset, b, g, r);
      rowOut(dy, planes);
    }
    return;
  }
  if (plan.mode == px::ResizeMode::Area2x) {
    for (int dy = 0; dy < dh; ++dy) {
      areaRow<PB>(rowPtr(2 * dy), rowPtr(2 * dy + 1), dw, s.offset, b, g, r);
      rowOut(dy, planes);
    }
    return;
  }

  // Column taps once, as byte offsets into a source row.
  std::vector<int32_t> x0(n), x1(n), w(n);
  std::vector<int16_t> a0(n), a1(n);
  for (int dx = 0; dx < dw; ++dx) {
    const px::Tap t = px::columnTap(dx, plan.scaleX, s.width);
    x0[dx] = t.i0 * PB;
    x1[dx] = t.i1 * PB;
    a0[dx] = t.w0;
    a1[dx] = t.w1;
    // Both weights as one 32-bit lane of 16-bit (w0, w1), the operand of a multiply-add of sample pairs.
    w[dx] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(t.w0)) | static_cast<uint32_t>(static_cast<uint16_t>(t.w1)) << 16);
  }
  const int rowBytes = s.width * PB;
  // Two horizontally resized rows (three planes each), reused while consecutive destination rows sample the same
  // source rows.
  const int planesPerRow = PB == 1 ? 1 : 3;
  std::vector<int16_t> h(2 * planesPerRow * n);
  int have[2] = {-1, -1};
  auto rowOf = [&](int sy) -> const int16_t* {
    for (int k = 0; k < 2; ++k)
      if (have[k] == sy) return h.data() + k * planesPerRow * n;
    // Replace the row the next destination row will not need (the lower index).
    const int k = have[0] < have[1] ? 0 : 1;
    int16_t* dst = h.data() + k * planesPerRow * n;
    horizontalRow<PB>(rowPtr(sy), rowBytes, x0.data(), x1.data(), a0.data(), a1.data(), w.data(), dw, s.offset, dst, dst + n, dst + 2 * n);
    have[k] = sy;
    return dst;
  };
  for (int dy = 0; dy < dh; ++dy) {
    const px::Tap t = px::rowTap(dy, plan.scaleY, s.height);
    const int16_t* p0 = rowOf(t.i0);
    // A zero weight contributes exactly 0 to OpenCV's sum, so its row need not be computed.
    const int16_t* p1 = t.w1 == 0 ? p0 : rowOf(t.i1);
    uint8_t* dst[3] = {b, g, r};
    for (int c = 0; c < planesPerRow; ++c) verticalRow(p0 + c * n, p1 + c * n, t.w0, t.w1, dst[c], dw);
    rowOut(dy, planes);
  }
}

}  // namespace

LinearResizer::LinearResizer(const GatherSource& src, int dw, int dh) : src_(src), dw_(dw), dh_(dh), plan_(px::resizePlan(src.width, src.height, dw, dh)) {}

void LinearResizer::run(const std::function<void(int, const uint8_t* const*)>& rowOut) const {
  switch (src_.pixelBytes) {
    case 1:
      return runAs<1>(src_, dw_, dh_, plan_, rowOut);
    case 3:
      return runAs<3>(src_, dw_, dh_, plan_, rowOut);
    default:
      return runAs<4>(src_, dw_, dh_, plan_, rowOut);
  }
}

void resizeLinear(const uint8_t* src, int sw, int sh, size_t sstride, int cn, uint8_t* dst, int dw, int dh, size_t dstride) {
  // cv::resize's arithmetic is per channel: channels go through the resizer three at a time (its planes) and are
  // written back to their places in the interleaved output. The resizer reads 1, 3 or 4 bytes per pixel.
  if (cn != 1 && cn != 3 && cn != 4) return;
  for (int first = 0; first < cn; first += 3) {
    const int count = std::min(3, cn - first);
    const GatherSource g{src, sw, sh, sstride, cn, {first, first + std::min(1, count - 1), first + std::min(2, count - 1)}};
    LinearResizer(g, dw, dh).run([&](int dy, const uint8_t* const* planes) {
      uint8_t* row = dst + dy * dstride;
      for (int c = 0; c < count; ++c)
        for (int x = 0; x < dw; ++x) row[static_cast<size_t>(x) * cn + first + c] = planes[c][x];
    });
  }
}

}  // namespace trtjs::cpu
